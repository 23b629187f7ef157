/* ctl_client.c: i40ctl's side of the control socket (see ctl_client.h). */
#include "ctl_client.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <zmq.h>

#include "ctl.h"

/* sun_path holds 108 bytes with its NUL. */
#define IPC_PATH_MAX 107
#define REQ_CAP (EV_MAX_BYTES + 256)

int
ctl_daemon_running(const char *datadir, long *pid)
{
	char path[4096];
	struct flock fl;
	int fd, rc;

	if ((rc = ctl_path(path, sizeof(path), datadir, CTL_PIDFILE)) != 0)
		return rc;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return errno == ENOENT ? 0 : -errno;
	memset(&fl, 0, sizeof(fl));
	/* Asking about a write lock reports any lock that is held. */
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	fl.l_start = 0;
	fl.l_len = 0;
	rc = fcntl(fd, F_GETLK, &fl) != 0 ? -errno : fl.l_type != F_UNLCK;
	close(fd);
	if (rc == 1 && pid != NULL)
		*pid = (long)fl.l_pid;
	return rc;
}

int
ctl_datadir_lock(const char *datadir, long *pid)
{
	char path[4096];
	struct flock fl;
	int fd, rc;

	if ((rc = ctl_path(path, sizeof(path), datadir, CTL_PIDFILE)) != 0)
		return rc;
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	    0600)) < 0)
		return -errno;
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	if (fcntl(fd, F_SETLK, &fl) == 0)
		return fd;
	rc = errno == EAGAIN || errno == EACCES ? I40_E_BUSY : -errno;
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	if (rc == I40_E_BUSY && pid != NULL)
		*pid = fcntl(fd, F_GETLK, &fl) == 0 ? (long)fl.l_pid : 0;
	close(fd);
	return rc;
}

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for one frame on sock; copy it into a new buffer. */
static int
recv_reply(void *sock, int timeout_ms, uint8_t **buf, size_t *len)
{
	zmq_pollitem_t item = { sock, 0, ZMQ_POLLIN, 0 };
	long deadline = now_ms() + timeout_ms, left;
	zmq_msg_t m;
	int n, rc = 0;

	for (;;) {
		left = deadline - now_ms();
		if (left <= 0)
			return I40_E_TIMEOUT;
		n = zmq_poll(&item, 1, left);
		if (n < 0) {
			if (zmq_errno() == EINTR)
				continue;
			return -zmq_errno();
		}
		if (n > 0 && (item.revents & ZMQ_POLLIN))
			break;
	}
	if (zmq_msg_init(&m) != 0)
		return -zmq_errno();
	if (zmq_msg_recv(&m, sock, ZMQ_DONTWAIT) < 0) {
		rc = -zmq_errno();
		goto out;
	}
	/* The contract is one frame; anything else is not our daemon. */
	if (zmq_msg_more(&m)) {
		rc = -EPROTO;
		goto out;
	}
	*len = zmq_msg_size(&m);
	if ((*buf = malloc(*len > 0 ? *len : 1)) == NULL) {
		rc = I40_E_NOMEM;
		goto out;
	}
	memcpy(*buf, zmq_msg_data(&m), *len);
out:
	zmq_msg_close(&m);
	return rc;
}

struct ctl_session {
	void *ctx;
	void *sock;
	uint8_t *reqbuf;		/* REQ_CAP bytes */
};

void
ctl_session_close(struct ctl_session *s)
{
	if (s == NULL)
		return;
	if (s->sock != NULL)
		zmq_close(s->sock);
	if (s->ctx != NULL)
		zmq_ctx_term(s->ctx);
	free(s->reqbuf);
	free(s);
}

int
ctl_session_open(const char *datadir, struct ctl_session **out)
{
	char path[4096], endpoint[4096 + 8];
	int64_t maxmsg = (int64_t)MSG_MAX_BYTES;
	struct ctl_session *s;
	int linger = 0, rc;

	*out = NULL;
	if ((rc = ctl_daemon_running(datadir, NULL)) < 0)
		return rc;
	if (rc == 0)
		return I40_E_NO_DAEMON;
	if ((rc = ctl_path(path, sizeof(path), datadir, CTL_SOCKET)) != 0)
		return rc;
	if (strlen(path) > IPC_PATH_MAX)
		return -ENAMETOOLONG;
	snprintf(endpoint, sizeof(endpoint), "ipc://%s", path);
	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->reqbuf = malloc(REQ_CAP)) == NULL) {
		ctl_session_close(s);
		return I40_E_NOMEM;
	}
	if ((s->ctx = zmq_ctx_new()) == NULL) {
		rc = -zmq_errno();
		ctl_session_close(s);
		return rc;
	}
	/* Check every option: a limit that silently failed is no limit. */
	if ((s->sock = zmq_socket(s->ctx, ZMQ_DEALER)) == NULL ||
	    zmq_setsockopt(s->sock, ZMQ_LINGER, &linger,
	    sizeof(linger)) != 0 ||
	    zmq_setsockopt(s->sock, ZMQ_MAXMSGSIZE, &maxmsg,
	    sizeof(maxmsg)) != 0 ||
	    zmq_connect(s->sock, endpoint) != 0) {
		rc = -zmq_errno();
		ctl_session_close(s);
		return rc;
	}
	*out = s;
	return 0;
}

int
ctl_session_send(struct ctl_session *s, const struct msg *req)
{
	size_t reqlen;
	int rc;

	if ((rc = msg_encode(req, s->reqbuf, REQ_CAP, &reqlen, NULL)) != 0)
		return rc;
	if (zmq_send(s->sock, s->reqbuf, reqlen, ZMQ_DONTWAIT) < 0)
		return zmq_errno() == EAGAIN ? I40_E_TIMEOUT : -zmq_errno();
	return 0;
}

int
ctl_session_recv(struct ctl_session *s, struct msg *reply,
    uint8_t **replybuf, size_t *replylen, int timeout_ms)
{
	size_t len = 0;
	int rc;

	*replybuf = NULL;
	*replylen = 0;
	if ((rc = recv_reply(s->sock, timeout_ms, replybuf, &len)) == 0)
		rc = msg_decode(*replybuf, len, reply, NULL);
	if (rc != 0) {
		free(*replybuf);
		*replybuf = NULL;
		return rc;
	}
	*replylen = len;
	return 0;
}

int
ctl_request(const char *datadir, const struct msg *req, struct msg *reply,
    uint8_t **replybuf, size_t *replylen, int timeout_ms)
{
	struct ctl_session *s;
	int rc;

	*replybuf = NULL;
	*replylen = 0;
	if ((rc = ctl_session_open(datadir, &s)) != 0)
		return rc;
	if ((rc = ctl_session_send(s, req)) == 0)
		rc = ctl_session_recv(s, reply, replybuf, replylen,
		    timeout_ms);
	ctl_session_close(s);
	return rc;
}

void
ctl_report_request_error(int rc, const char *datadir, int timeout_ms)
{
	switch (rc) {
	case I40_E_NO_DAEMON:
		ctl_errx("no i40d is running on %s; start it with "
		    "`i40d -c /etc/i40/i40d.conf` (or `systemctl start i40d`), "
		    "then try again", datadir);
		break;
	case I40_E_TIMEOUT:
		ctl_errx("i40d on %s did not answer within %d s; check that "
		    "it is healthy (`systemctl status i40d`, `journalctl -u "
		    "i40d`), then try again, or give a longer --timeout",
		    datadir, timeout_ms / 1000);
		break;
	case -EACCES:
	case -EPERM:
		ctl_err(rc, "cannot check for i40d on %s (reading %s/%s)",
		    datadir, datadir, CTL_PIDFILE);
		fprintf(stderr, "%s: run i40ctl as the user i40d runs as, "
		    "or as root\n", ctl_cmd());
		break;
	case -ENAMETOOLONG:
		ctl_errx("the control socket %s/%s is longer than a Unix "
		    "socket path may be (%d bytes); use a shorter data "
		    "directory path (a symlink will do)", datadir, CTL_SOCKET,
		    IPC_PATH_MAX);
		break;
	case -EPROTO:
		ctl_errx("the control socket of %s answered with more than one "
		    "frame; is the process behind %s/%s an i40d of this "
		    "version?", datadir, datadir, CTL_SOCKET);
		break;
	default:
		if (rc <= I40_E_FIRST && rc > I40_E_LAST &&
		    rc != I40_E_NOMEM)
			ctl_err(rc, "i40d on %s sent a reply i40ctl cannot "
			    "read; are i40d and i40ctl the same version?",
			    datadir);
		else
			ctl_err(rc, "cannot talk to i40d on %s", datadir);
		break;
	}
}

/*
 * The refusals whose reason the daemon words itself (its wait or stop
 * reason): what is said before that reason, and what to do after it.
 * i40_strerror() of these codes is a whole sentence with its own advice;
 * put before the daemon's reason it would say the same thing twice ("has
 * not yet confirmed its own log's head ...: 0 of the 2 other members have
 * confirmed this node's head").
 */
static const struct {
	int code;
	const char *what;
	const char *todo;
} worded[] = {
	{ I40_E_NOT_READY, "this node does not sign yet",
	    "try again once `i40ctl status` says signing yes (`i40ctl peers` "
	    "shows which peers it waits for)" },
	{ I40_E_STOPPED, "this node stopped signing",
	    "see docs/operations.md, \"Forks\"" },
	/* The daemon's reason is the whole sentence: nothing before it. */
	{ I40_E_OBSERVER, NULL, NULL },
	{ I40_E_REMOVED, NULL, NULL },
	{ I40_E_SUCCESSION, NULL, NULL },
	{ I40_E_ROTATING, NULL, NULL },
	{ I40_E_UNKNOWN_AUTHOR, NULL, NULL },
};

void
ctl_report_reply_error(const struct msg *reply)
{
	const char *text;
	size_t i;
	int code, len;

	if (reply->type != MSG_ERROR) {
		ctl_errx("i40d answered with an unexpected %s message; are "
		    "i40d and i40ctl the same version?",
		    msg_type_name((uint32_t)reply->type) != NULL ?
		    msg_type_name((uint32_t)reply->type) : "unknown");
		return;
	}
	code = reply->u.error.code < -0x7fffffff ? -0x7fffffff :
	    (int)reply->u.error.code;
	text = (const char *)reply->u.error.text.p;
	len = (int)reply->u.error.text.len;
	if (len == 0) {
		ctl_errx("i40d refused the request: %s", i40_strerror(code));
		return;
	}
	for (i = 0; i < sizeof(worded) / sizeof(worded[0]); i++)
		if (worded[i].code == code) {
			if (worded[i].what == NULL)
				ctl_errx("i40d refused the request: %.*s", len,
				    text);
			else
				ctl_errx("i40d refused the request: %s: %.*s; "
				    "%s", worded[i].what, len, text,
				    worded[i].todo);
			return;
		}
	ctl_errx("i40d refused the request: %s: %.*s", i40_strerror(code), len,
	    text);
}

int
ctl_call(const char *datadir, const struct msg *req, uint64_t want,
    struct msg *reply, uint8_t **replybuf, int timeout_ms)
{
	size_t len;
	int rc;

	rc = ctl_request(datadir, req, reply, replybuf, &len, timeout_ms);
	if (rc != 0) {
		ctl_report_request_error(rc, datadir, timeout_ms);
		return rc;
	}
	if (reply->type != want) {
		ctl_report_reply_error(reply);
		rc = -EPROTO;
		if (reply->type == MSG_ERROR && reply->u.error.code < 0 &&
		    reply->u.error.code >= -0x7fffffff)
			rc = (int)reply->u.error.code;
		free(*replybuf);
		*replybuf = NULL;
		return rc;
	}
	return 0;
}

struct msg *
ctl_msg_new(uint64_t type, const char *what)
{
	struct msg *req;

	if ((req = calloc(2, sizeof(*req))) == NULL) {
		ctl_err(I40_E_NOMEM, "%s", what);
		return NULL;
	}
	req->type = type;
	return req;
}
