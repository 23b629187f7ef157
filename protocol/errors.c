/* errors.c: texts for i40's error codes (see errors.h). */
#include "errors.h"

#include <stdio.h>
#include <string.h>

struct errtext {
	int code;
	const char *name;
	const char *text;
};

#define E(c, t) { c, #c, t }
static const struct errtext errtab[] = {
	E(I40_E_TRUNCATED, "input ends inside a value, or declares more bytes or elements than remain"),
	E(I40_E_NONCANON_INT, "integer is not in its shortest msgpack form"),
	E(I40_E_NONCANON_LEN, "length or count is not in its shortest msgpack form"),
	E(I40_E_KEY_ORDER, "map keys are not in ascending bytewise order"),
	E(I40_E_KEY_DUP, "map has the same key twice"),
	E(I40_E_FLOAT, "floats are not allowed"),
	E(I40_E_NIL, "nil is not allowed here"),
	E(I40_E_EXT, "ext types are not allowed"),
	E(I40_E_UTF8, "string is not valid UTF-8"),
	E(I40_E_TRAILING, "trailing bytes after the value"),
	E(I40_E_DEPTH, "value is nested deeper than the schema allows"),
	E(I40_E_TYPE, "wrong type for this field"),
	E(I40_E_RANGE, "number is outside its allowed range"),
	E(I40_E_TOO_LONG, "string, bin or list is longer than allowed"),
	E(I40_E_RESERVED, "reserved msgpack byte 0xc1"),
	E(I40_E_VERSION, "unknown version"),
	E(I40_E_EVENT_TYPE, "unknown event type"),
	E(I40_E_MSG_TYPE, "unknown message type"),
	E(I40_E_MISSING_FIELD, "a required field is missing"),
	E(I40_E_UNKNOWN_FIELD, "unknown field"),
	E(I40_E_FED_ID, "event belongs to another federation (fed_id differs)"),
	E(I40_E_SEQ, "seq must be at least 1"),
	E(I40_E_PREV, "prev must be all zeros at seq 1"),
	E(I40_E_LENGTH, "binary value has the wrong length"),
	E(I40_E_EMPTY, "a required string or list is empty"),
	E(I40_E_VALUE, "value is not one of those allowed"),
	E(I40_E_DATE, "not a valid YYYY-MM-DD date, or dates out of order"),
	E(I40_E_CODE, "module code may only hold A-Z, 0-9, '.', '_' and '-', starting with a letter or digit"),
	E(I40_E_TOO_BIG, "encoded event or message is over its size limit"),
	E(I40_E_SIG, "signature does not verify"),
	E(I40_E_BAD_KEY, "public key is small-order or not canonical"),
	E(I40_E_SELFTEST, "the Ed25519 self-test failed: this libsodium judges signatures differently from the i40 protocol"),
	E(I40_E_CRYPTO_INIT, "libsodium could not be initialised"),
	E(I40_E_PROOF, "key-rotation proof does not verify with the next key"),
	E(I40_E_NOMEM, "out of memory"),
	E(I40_E_BUFFER, "output buffer too small"),
	E(I40_E_KEYFILE_MODE, "key file grants access to group or others; chmod 600 it"),
	E(I40_E_KEYFILE_FORMAT, "not an i40 key file"),
	E(I40_E_EXPORT, "the export file is damaged or cut short (docs/protocol.md §13)"),
	E(I40_E_EXISTS, "file exists; refusing to overwrite it"),
	E(I40_E_NOT_STORE, "not an i40 data directory (no ledger/ with i40 metadata)"),
	E(I40_E_SCHEMA, "data directory was written by another version of i40 (a newer one: upgrade i40; an older one: see docs/store.md, \"Schema versions\")"),
	E(I40_E_NETFS, "data directory is on a network filesystem (NFS/SMB/CIFS), which LMDB cannot lock safely; use a local disk"),
	E(I40_E_CORRUPT, "data directory is damaged; restore it from a backup or re-fetch from peers"),
	E(I40_E_MAP_FULL, "store reached its configured maximum size; raise the maximum"),
	E(I40_E_DISK_FULL, "disk full; free space and the node resumes"),
	E(I40_E_FAILED, "an earlier write failed on disk; restart the node so it re-checks its store"),
	E(I40_E_NOT_FOUND, "not found"),
	E(I40_E_MISMATCH, "state recomputed from the events differs from the stored state"),
	E(I40_E_UNKNOWN_AUTHOR, "the author is no member: neither in the charter nor admitted (yet)"),
	E(I40_E_GAP, "events are missing before this one (seq beyond the log's head + 1)"),
	E(I40_E_CHAIN, "prev is not the id of the author's previous event"),
	E(I40_E_WRONG_KEY, "signature was checked with a key not in force for this author and seq"),
	E(I40_E_FORK, "the author signed two different events at one seq (equivocation)"),
	E(I40_E_FROZEN, "author's log is frozen after an equivocation: nothing past its freeze point is stored"),
	E(I40_E_READONLY, "store is open read-only"),
	E(I40_E_NOT_READY, "the node has not yet confirmed its own log's head with a majority of the members, so it does not sign yet; wait until enough peers are up (i40ctl status, i40ctl peers)"),
	E(I40_E_NO_DAEMON, "no i40d is running on this data directory"),
	E(I40_E_TIMEOUT, "no reply in time"),
	E(I40_E_CONFIG, "bad configuration"),
	E(I40_E_PEER, "peer is not a current member or observer of the federation"),
	E(I40_E_BUSY, "another i40d already runs on this data directory"),
	E(I40_E_STOPPED, "this node stopped signing: its key signed events this node did not sign (another copy of the node runs?); see docs/operations.md, \"Forks\""),
	E(I40_E_TWIN, "a peer sees two sessions with this node's key at once: another copy of this node runs"),
	E(I40_E_CARD, "the transport key's certificate does not verify with the member's key"),
	E(I40_E_REMOVED, "this node's key was removed from the federation: it signs nothing more"),
	E(I40_E_OBSERVER, "the author is an observer: it reads, and nothing it signs is stored or counts"),
	E(I40_E_SUCCESSION, "this node's key succeeds an earlier key of its university, whose log this node does not hold up to its last counting seq yet: it signs once it has caught up (i40ctl member show)"),
	E(I40_E_ROTATING, "this node's last key rotation is still under way: its CURVE key moves to the new key once a peer holds the rotation; rotate again after the log says \"transport key moved\""),
	E(I40_E_NOT_FORK, "fork evidence that is no fork: its two events are not two different events of one author at one seq"),
};
#undef E

static const struct errtext *
lookup(int rc)
{
	size_t i;

	for (i = 0; i < sizeof(errtab) / sizeof(errtab[0]); i++)
		if (errtab[i].code == rc)
			return &errtab[i];
	return NULL;
}

const char *
i40_strerror(int rc)
{
	static _Thread_local char buf[64];
	const struct errtext *e;

	if (rc == 0)
		return "success";
	if ((e = lookup(rc)) != NULL)
		return e->text;
	if (rc < 0 && rc > I40_E_FIRST)
		return strerror(-rc);
	snprintf(buf, sizeof(buf), "unknown error %d", rc);
	return buf;
}

const char *
i40_errname(int rc)
{
	const struct errtext *e = lookup(rc);

	return e != NULL ? e->name : NULL;
}
