/*
 * errors.h: i40's error codes and their text.
 *
 * Every fallible function in i40 returns 0 on success or a negative int:
 * either -errno for a system failure, or one of the I40_E* codes below,
 * which live in the reserved range -1000..-1999 so they can never collide
 * with an errno value (cf. LMDB's MDB_* range).  i40_strerror() renders
 * both.  A test checks that every code in the range has its own text.
 *
 * THREAD SAFETY: everything here is reentrant.
 */
#ifndef I40_ERRORS_H
#define I40_ERRORS_H

#define I40_MUST_CHECK __attribute__((warn_unused_result))
#define I40_NONNULL(...) __attribute__((nonnull(__VA_ARGS__)))

enum i40_err {
	I40_OK = 0,
	I40_E_FIRST = -1000,
	/* Canonical msgpack reader. */
	I40_E_TRUNCATED = -1001,	/* input ends inside a value */
	I40_E_NONCANON_INT = -1002,	/* integer not in its shortest form */
	I40_E_NONCANON_LEN = -1003,	/* length/count not in its shortest form */
	I40_E_KEY_ORDER = -1004,	/* map keys not in ascending order */
	I40_E_KEY_DUP = -1005,		/* the same map key twice */
	I40_E_FLOAT = -1006,		/* a float where none is allowed */
	I40_E_NIL = -1007,		/* nil where none is allowed */
	I40_E_EXT = -1008,		/* ext where none is allowed */
	I40_E_UTF8 = -1009,		/* string is not valid UTF-8 */
	I40_E_TRAILING = -1010,		/* bytes after the value */
	I40_E_DEPTH = -1011,		/* nested deeper than allowed */
	I40_E_TYPE = -1012,		/* wrong msgpack type for this field */
	I40_E_RANGE = -1013,		/* number outside its allowed range */
	I40_E_TOO_LONG = -1014,		/* string/bin/list longer than allowed */
	I40_E_RESERVED = -1015,		/* reserved byte 0xc1 */
	/* Event and message schema. */
	I40_E_VERSION = -1020,		/* unknown event or protocol version */
	I40_E_EVENT_TYPE = -1021,	/* unknown event type */
	I40_E_MSG_TYPE = -1022,		/* unknown message type */
	I40_E_MISSING_FIELD = -1023,	/* a required field is absent */
	I40_E_UNKNOWN_FIELD = -1024,	/* a field the schema does not know */
	I40_E_FED_ID = -1025,		/* event of another federation */
	I40_E_SEQ = -1026,		/* seq 0 */
	I40_E_PREV = -1027,		/* non-zero prev at seq 1 */
	I40_E_LENGTH = -1028,		/* bin of the wrong fixed length */
	I40_E_EMPTY = -1029,		/* a required string or list is empty */
	I40_E_VALUE = -1030,		/* value not allowed (enum, grade, url...) */
	I40_E_DATE = -1031,		/* not a valid YYYY-MM-DD date, or out of order */
	I40_E_CODE = -1032,		/* module code has a character outside [A-Z0-9._-] */
	I40_E_TOO_BIG = -1033,		/* encoded event/message over its size limit */
	/* Cryptography. */
	I40_E_SIG = -1040,		/* signature does not verify */
	I40_E_BAD_KEY = -1041,		/* public key is small-order or non-canonical */
	I40_E_SELFTEST = -1042,		/* libsodium judges a vector differently */
	I40_E_CRYPTO_INIT = -1043,	/* sodium_init() failed */
	I40_E_PROOF = -1044,		/* key-rotation proof does not verify */
	/* Buffers and files. */
	I40_E_NOMEM = -1050,		/* allocation failed */
	I40_E_BUFFER = -1051,		/* output buffer too small */
	I40_E_KEYFILE_MODE = -1052,	/* key file grants group/others any access */
	I40_E_KEYFILE_FORMAT = -1053,	/* key file is not an i40 key file */
	I40_E_EXISTS = -1054,		/* refusing to overwrite an existing file */
	I40_E_EXPORT = -1055,		/* an export file is damaged or cut short */
	/* The store. */
	I40_E_NOT_STORE = -1060,	/* directory is not an i40 data directory */
	I40_E_SCHEMA = -1061,		/* data directory of a newer schema */
	I40_E_NETFS = -1062,		/* data directory on a network filesystem */
	I40_E_CORRUPT = -1063,		/* LMDB reports a damaged environment */
	I40_E_MAP_FULL = -1064,		/* map at its configured maximum */
	I40_E_DISK_FULL = -1065,	/* the filesystem is full */
	I40_E_FAILED = -1066,		/* an earlier commit failed: restart */
	I40_E_NOT_FOUND = -1067,	/* no such event, learner or key */
	I40_E_MISMATCH = -1068,		/* rebuilt state differs from stored */
	I40_E_UNKNOWN_AUTHOR = -1069,	/* author not named by charter/proposal */
	I40_E_GAP = -1070,		/* seq beyond head + 1 */
	I40_E_CHAIN = -1071,		/* prev is not the id of seq - 1 */
	I40_E_WRONG_KEY = -1072,	/* verified with a key not in force */
	I40_E_FORK = -1073,		/* a second event at a stored seq */
	I40_E_FROZEN = -1074,		/* author frozen by equivocation */
	I40_E_READONLY = -1075,		/* store opened read-only */
	/* The daemon and its control socket. */
	I40_E_NOT_READY = -1080,	/* own log's head not confirmed by a majority */
	I40_E_NO_DAEMON = -1081,	/* no i40d runs on the data directory */
	I40_E_TIMEOUT = -1082,		/* no reply in time */
	I40_E_CONFIG = -1083,		/* bad configuration */
	I40_E_PEER = -1084,		/* peer not a current member/observer */
	I40_E_BUSY = -1085,		/* an i40d already runs on the datadir */
	I40_E_STOPPED = -1086,		/* authoring stopped: own key signed elsewhere */
	I40_E_TWIN = -1087,		/* two sessions with one member key at once */
	I40_E_CARD = -1088,		/* transport key not certified by the key */
	I40_E_REMOVED = -1089,		/* this node's key was removed */
	I40_E_OBSERVER = -1090,		/* an observer authors nothing */
	I40_E_SUCCESSION = -1091,	/* predecessor's log not held in full */
	I40_E_ROTATING = -1092,		/* a key rotation's CURVE switch pends */
	I40_E_NOT_FORK = -1093,		/* "fork evidence" that is no fork */
	I40_E_LAST = -1094
};

/*
 * Return a static, human-readable text for rc: an I40_E* code, a negative
 * errno, or 0.  Unknown codes get a generic text naming the number.  The
 * returned pointer is valid for the life of the process, except for unknown
 * codes, whose text lives in a thread-local buffer until the next call.
 */
const char *i40_strerror(int rc);

/* The symbolic name of an I40_E* code ("I40_E_TRUNCATED"), or NULL. */
const char *i40_errname(int rc);

#endif
