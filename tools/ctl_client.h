/*
 * ctl_client.h: i40ctl's side of the control socket (docs/protocol.md
 * §6.5-6.6, docs/i40ctl.md "The control socket").
 *
 * The contract with i40d: the daemon holds a write lock (fcntl F_SETLK,
 * F_WRLCK, whole file) on DIR/i40d.pid for its lifetime, and binds a
 * ZMQ_ROUTER on ipc://DIR/control.sock.  A client first asks the kernel
 * whether that lock is held (F_GETLK), so "no daemon" is told at once
 * rather than after a timeout; then it connects a ZMQ_DEALER, sends one
 * frame (one encoded request) and waits for one frame (one reply).
 *
 * The control socket has no authentication of its own: its only access
 * control is the data directory's mode 0700 (PITFALLS.md, ZAP).
 *
 * THREAD SAFETY: each call makes and ends its own ZeroMQ context, so no
 * context exists between calls (a test may fork between them).
 */
#ifndef I40_CTL_CLIENT_H
#define I40_CTL_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "protocol/msg.h"

#define CTL_PIDFILE "i40d.pid"
#define CTL_SOCKET "control.sock"

/*
 * Whether an i40d holds the lock on datadir's pid file: 1 yes, 0 no (the
 * file is missing or unlocked), or -errno when the file cannot be opened
 * (-EACCES: not the daemon's user).  *pid (may be NULL) gets the holder's
 * pid when 1.
 */
int ctl_daemon_running(const char *datadir, long *pid) I40_MUST_CHECK;
/*
 * Take the lock i40d takes on datadir's pid file, for a command that
 * writes the store directly (log import): while it is held no i40d can
 * start there.  The descriptor to close() when done; I40_E_BUSY when it
 * is held (*pid, may be NULL, gets the holder's pid), or -errno.
 */
int ctl_datadir_lock(const char *datadir, long *pid) I40_MUST_CHECK;

/*
 * Send req to the daemon of datadir and wait up to timeout_ms for its
 * reply, decoded into *reply.  The reply borrows *replybuf, which the
 * caller owns and frees with free() (also on error: it is NULL then).
 * A reply of type MSG_ERROR is a success here: the caller reports it.
 *
 * Errors: I40_E_NO_DAEMON (no lock held), I40_E_TIMEOUT, -ENAMETOOLONG
 * (the socket path does not fit an ipc address), -EPROTO (a reply of more
 * than one frame), any msg_encode/msg_decode error, or -errno of libzmq.
 */
int ctl_request(const char *datadir, const struct msg *req,
    struct msg *reply, uint8_t **replybuf, size_t *replylen, int timeout_ms)
    I40_MUST_CHECK;

/*
 * A connection kept open for many requests: a client may send several
 * before it reads their replies, which come in the order sent (one DEALER
 * to the daemon's ROUTER keeps the order, and the daemon answers the
 * APPENDs of one batch in order; docs/i40ctl.md "The control socket").
 * `completion import` sends its records so, and i40d signs and stores
 * those waiting together in one transaction.  Errors as ctl_request's;
 * the session owns its context and socket (ctl_session_close).
 */
struct ctl_session;
int ctl_session_open(const char *datadir, struct ctl_session **s)
    I40_MUST_CHECK;
/* Queue req; I40_E_TIMEOUT when the socket's send queue is full. */
int ctl_session_send(struct ctl_session *s, const struct msg *req)
    I40_MUST_CHECK;
/* The next reply, as ctl_request gives it. */
int ctl_session_recv(struct ctl_session *s, struct msg *reply,
    uint8_t **replybuf, size_t *replylen, int timeout_ms) I40_MUST_CHECK;
void ctl_session_close(struct ctl_session *s);

/*
 * Tell the person why ctl_request failed with rc, naming datadir and what
 * to do next.  For MSG_ERROR replies use ctl_report_reply_error().
 */
void ctl_report_request_error(int rc, const char *datadir, int timeout_ms);
/* "the daemon refused ...: <i40_strerror(code)>: <text>" and advice. */
void ctl_report_reply_error(const struct msg *reply);
/*
 * The common case: ctl_request, then require a reply of type want (an
 * ERROR reply or another type is reported here).  0 when *reply is of
 * type want, else the error (already reported).  *replybuf as above.
 */
int ctl_call(const char *datadir, const struct msg *req, uint64_t want,
    struct msg *reply, uint8_t **replybuf, int timeout_ms) I40_MUST_CHECK;

/*
 * A zeroed request of type (enum msg_type) and room for its reply at
 * req + 1, in one allocation (free()).  NULL when out of memory, said as
 * "<what>: <i40_strerror(I40_E_NOMEM)>".
 */
struct msg *ctl_msg_new(uint64_t type, const char *what);

#endif
