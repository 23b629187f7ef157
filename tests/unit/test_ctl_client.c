/*
 * test_ctl_client.c: i40ctl's control-socket client (tools/ctl_client.h)
 * and the write and status commands end to end, against a fake i40d: a
 * child process that holds the pid-file lock and answers on
 * ipc://DIR/control.sock exactly as the contract of docs/i40ctl.md says.
 *
 * The child is forked before this process makes any ZeroMQ context
 * (libzmq contexts are not fork-safe); ctl_request makes and ends its own
 * context per call.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <zmq.h>

#include "store/store.h"
#include "tests/lib/chain.h"
#include "tests/lib/sample.h"
#include "tools/ctl.h"
#include "tools/ctl_client.h"
#include "tools/subcommands.h"

static struct sample_fed fed;
static char dir[] = "/tmp/i40-test-ctl-client-XXXXXX";
static char node[300];		/* a data directory with a store */

static int
setup(void **state)
{
	struct sample_chain g;
	int rc;

	(void)state;
	if (sample_scratch_init(&fed, 3, dir) != 0)
		return -1;
	snprintf(node, sizeof(node), "%s/node", dir);
	if ((rc = sample_chain_genesis(&g, &fed)) == 0)
		rc = store_create(node, g.buf[0], g.len[0], NULL);
	sample_chain_free(&g);
	return rc;
}

static int
teardown(void **state)
{
	(void)state;
	sample_scratch_free(&fed, dir);
	return 0;
}

/* The fake daemon's answer to one request. */
static void
answer(const char *d, const struct msg *req, struct msg *rep, int *mute)
{
	static uint64_t seq = 1;
	static int syncs;
	char path[400];
	FILE *f;

	memset(rep, 0, sizeof(*rep));
	switch (req->type) {
	case MSG_STATUS:
		rep->type = MSG_STATUS_REPLY;
		rep->u.status.seq = seq;
		rep->u.status.node.p = (const uint8_t *)"hh-test";
		rep->u.status.node.len = 7;
		rep->u.status.peers = 1;
		memcpy(rep->u.status.author, fed.pk[0], 32);
		rep->u.status.events = 42;
		rep->u.status.authors = 3;
		rep->u.status.signing.p = (const uint8_t *)"yes";
		rep->u.status.signing.len = 3;
		rep->u.status.why.p = (const uint8_t *)"";
		rep->u.status.why.len = 0;
		memset(rep->u.status.log_root, 0x11, 32);
		memset(rep->u.status.state_root, 0x22, 32);
		return;
	case MSG_PEERS:
		rep->type = MSG_PEERS_REPLY;
		rep->u.peers.npeers = 1;
		memcpy(rep->u.peers.peers[0].key, fed.pk[1], 32);
		rep->u.peers.peers[0].state.p = (const uint8_t *)"up";
		rep->u.peers.peers[0].state.len = 2;
		rep->u.peers.peers[0].behind = 3;
		rep->u.peers.peers[0].last_ms = 1795000000000;
		rep->u.peers.peers[0].endpoint.p =
		    (const uint8_t *)"tcp://node1.example.se:7401";
		rep->u.peers.peers[0].endpoint.len = 27;
		return;
	case MSG_SYNC:
		/* The second SYNC gets no answer: the client times out. */
		*mute = syncs++ == 1;
		rep->type = MSG_OK;
		return;
	case MSG_APPEND:
		snprintf(path, sizeof(path), "%s/last_append", d);
		if ((f = fopen(path, "w")) != NULL) {
			fwrite(req->u.append.body.p, 1, req->u.append.body.len,
			    f);
			fclose(f);
		}
		if (memmem(req->u.append.body.p, req->u.append.body.len,
		    "I40-REFUSED", 11) != NULL) {
			rep->type = MSG_ERROR;
			rep->u.error.code = I40_E_NOT_READY;
			rep->u.error.text.p = (const uint8_t *)"head unconfirmed";
			rep->u.error.text.len = 16;
			return;
		}
		rep->type = MSG_APPENDED;
		memset(rep->u.appended.id, (int)req->u.append.type, 32);
		rep->u.appended.seq = ++seq;
		return;
	default:
		rep->type = MSG_ERROR;
		rep->u.error.code = I40_E_MSG_TYPE;
		return;
	}
}

/*
 * The child: lock d/i40d.pid, bind the control socket when serve, say
 * ready on fd, and answer until killed.
 */
static void __attribute__((noreturn))
fake_daemon(const char *d, int fd, int serve)
{
	char path[400], ep[420];
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	struct msg *req, *rep;
	uint8_t out[4096];
	void *ctx, *sock;
	zmq_msg_t id, body;
	size_t len;
	int pf, mute;

	snprintf(path, sizeof(path), "%s/i40d.pid", d);
	if ((pf = open(path, O_RDWR | O_CREAT, 0600)) < 0 ||
	    fcntl(pf, F_SETLK, &fl) != 0)
		_exit(2);
	if (!serve) {
		if (write(fd, "r", 1) != 1)
			_exit(5);
		for (;;)
			pause();
	}
	snprintf(ep, sizeof(ep), "ipc://%s/control.sock", d);
	req = calloc(2, sizeof(*req));
	rep = req + 1;
	ctx = zmq_ctx_new();
	sock = zmq_socket(ctx, ZMQ_ROUTER);
	if (req == NULL || zmq_bind(sock, ep) != 0)
		_exit(3);
	if (write(fd, "r", 1) != 1)
		_exit(5);
	for (;;) {
		zmq_msg_init(&id);
		zmq_msg_init(&body);
		if (zmq_msg_recv(&id, sock, 0) < 0 ||
		    zmq_msg_recv(&body, sock, 0) < 0)
			_exit(4);
		mute = 0;
		if (msg_decode(zmq_msg_data(&body), zmq_msg_size(&body), req,
		    NULL) != 0) {
			memset(rep, 0, sizeof(*rep));
			rep->type = MSG_ERROR;
			rep->u.error.code = I40_E_MSG_TYPE;
		} else {
			answer(d, req, rep, &mute);
		}
		if (!mute && msg_encode(rep, out, sizeof(out), &len,
		    NULL) == 0) {
			zmq_send(sock, zmq_msg_data(&id), zmq_msg_size(&id),
			    ZMQ_SNDMORE);
			zmq_send(sock, out, len, 0);
		}
		zmq_msg_close(&id);
		zmq_msg_close(&body);
	}
}

static pid_t
start_fake(const char *d, int serve)
{
	int p[2];
	char c;
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	fflush(stdout);
	fflush(stderr);
	assert_true((pid = fork()) >= 0);
	if (pid == 0) {
		close(p[0]);
		fake_daemon(d, p[1], serve);
	}
	close(p[1]);
	assert_int_equal(read(p[0], &c, 1), 1);
	close(p[0]);
	return pid;
}

static void
stop_fake(pid_t pid)
{
	int status;

	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
}

/* Run a subcommand with its stdout and stderr captured into out, err. */
static int
run(int (*fn)(int, char *[]), char *out, size_t outcap, char *err,
    size_t errcap, ...)
{
	char *argv[64], path[400], *s;
	int saved[2], fds[2], n = 0, rc, i;
	ssize_t got;
	va_list ap;

	va_start(ap, errcap);
	while (n < 63 && (s = va_arg(ap, char *)) != NULL)
		argv[n++] = s;
	va_end(ap);
	argv[n] = NULL;
	fflush(stdout);
	fflush(stderr);
	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/out%d", dir, i);
		fds[i] = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
		assert_true(fds[i] >= 0);
		saved[i] = dup(1 + i);
		dup2(fds[i], 1 + i);
	}
	rc = fn(n, argv);
	fflush(stdout);
	fflush(stderr);
	for (i = 0; i < 2; i++) {
		dup2(saved[i], 1 + i);
		close(saved[i]);
		lseek(fds[i], 0, SEEK_SET);
		got = read(fds[i], i ? err : out, (i ? errcap : outcap) - 1);
		(i ? err : out)[got > 0 ? got : 0] = '\0';
		close(fds[i]);
	}
	return rc;
}

/* A request and room for its reply, as i40ctl makes them. */
static struct msg *
new_msgs(void)
{
	struct msg *m = calloc(2, sizeof(*m));

	assert_non_null(m);
	return m;
}

/* A new data directory DIR/name for one test, into sub[0..cap). */
static void
new_subdir(char *sub, size_t cap, const char *name)
{
	snprintf(sub, cap, "%s/%s", dir, name);
	assert_int_equal(mkdir(sub, 0700), 0);
}

static void
test_no_daemon(void **state)
{
	char sub[400], path[420], out[4096], err[4096];
	struct msg *m = new_msgs();
	uint8_t *buf;
	size_t len;
	long pid;
	int fd;

	(void)state;
	new_subdir(sub, sizeof(sub), "empty");
	/* No pid file. */
	assert_int_equal(ctl_daemon_running(sub, &pid), 0);
	m->type = MSG_STATUS;
	assert_int_equal(ctl_request(sub, m, m + 1, &buf, &len, 1000),
	    I40_E_NO_DAEMON);
	assert_null(buf);
	/* A pid file nobody holds: a daemon that died. */
	snprintf(path, sizeof(path), "%s/i40d.pid", sub);
	assert_true((fd = open(path, O_CREAT | O_WRONLY, 0600)) >= 0);
	close(fd);
	assert_int_equal(ctl_daemon_running(sub, &pid), 0);
	assert_int_equal(ctl_request(sub, m, m + 1, &buf, &len, 1000),
	    I40_E_NO_DAEMON);
	/* The commands say so, and what to do. */
	assert_int_equal(run(sync_main, out, sizeof(out), err, sizeof(err),
	    "sync", "-d", sub, NULL), CTL_EXIT_ERR);
	assert_non_null(strstr(err, "no i40d is running on"));
	assert_non_null(strstr(err, "i40d -c"));
	assert_int_equal(run(module_main, out, sizeof(out), err, sizeof(err),
	    "module", "retire", "-d", sub, "--code", "I40-X", NULL),
	    CTL_EXIT_ERR);
	assert_non_null(strstr(err, "no i40d is running on"));
	free(m);
}

static void
test_timeout(void **state)
{
	char sub[400];
	struct msg *m = new_msgs();
	struct timespec t0, t1;
	uint8_t *buf;
	size_t len;
	long pid;
	pid_t child;

	(void)state;
	new_subdir(sub, sizeof(sub), "mute");
	/* It holds the lock but never binds the socket. */
	child = start_fake(sub, 0);
	assert_int_equal(ctl_daemon_running(sub, &pid), 1);
	assert_int_equal(pid, child);
	m->type = MSG_STATUS;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(ctl_request(sub, m, m + 1, &buf, &len, 300),
	    I40_E_TIMEOUT);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_true((t1.tv_sec - t0.tv_sec) * 1000 +
	    (t1.tv_nsec - t0.tv_nsec) / 1000000 >= 290);
	assert_null(buf);
	stop_fake(child);
	assert_int_equal(ctl_daemon_running(sub, &pid), 0);
	free(m);
}

static void
test_requests(void **state)
{
	char out[8192], err[4096], hex[65];
	struct msg *m = new_msgs();
	json_t *doc;
	uint8_t *buf;
	size_t len;
	pid_t child;

	(void)state;
	child = start_fake(node, 1);
	m->type = MSG_STATUS;
	assert_int_equal(ctl_request(node, m, m + 1, &buf, &len, 5000), 0);
	assert_int_equal(m[1].type, MSG_STATUS_REPLY);
	assert_memory_equal(m[1].u.status.author, fed.pk[0], 32);
	free(buf);
	/* sync: OK, then a request the daemon does not answer. */
	assert_int_equal(run(sync_main, out, sizeof(out), err, sizeof(err),
	    "sync", "-d", node, NULL), CTL_EXIT_OK);
	assert_int_equal(run(sync_main, out, sizeof(out), err, sizeof(err),
	    "sync", "-d", node, "--timeout", "1", NULL), CTL_EXIT_ERR);
	assert_non_null(strstr(err, "did not answer within 1 s"));
	assert_int_equal(run(sync_main, out, sizeof(out), err, sizeof(err),
	    "sync", "-d", node, "--timeout", "0", NULL), CTL_EXIT_USAGE);
	/* status: the daemon's view, peers named from the store. */
	assert_int_equal(run(status_main, out, sizeof(out), err, sizeof(err),
	    "status", "-d", node, "--json", NULL), CTL_EXIT_OK);
	assert_non_null(doc = json_loads(out, 0, NULL));
	assert_string_equal(json_string_value(json_object_get(doc, "daemon")),
	    "running");
	assert_string_equal(json_string_value(json_object_get(doc, "node")),
	    "hh-test");
	assert_int_equal(json_integer_value(json_object_get(doc, "events")),
	    42);
	ctl_hex(fed.pk[0], 32, hex);
	assert_string_equal(json_string_value(json_object_get(doc, "key")),
	    hex);
	assert_int_equal(json_array_size(json_object_get(doc, "heads")), 1);
	assert_int_equal(json_array_size(json_object_get(doc, "peers")), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(doc, "peers"), 0), "schac")), "chalmers.se");
	json_decref(doc);
	assert_int_equal(run(peers_main, out, sizeof(out), err, sizeof(err),
	    "peers", "-d", node, NULL), CTL_EXIT_OK);
	assert_non_null(strstr(out, "chalmers.se"));
	assert_non_null(strstr(out, "tcp://node1.example.se:7401"));
	stop_fake(child);
	free(m);
}

/* The APPEND body the fake daemon last received, decoded. */
static void
last_append(uint32_t type, struct body *b, uint8_t *buf)
{
	char path[400];
	size_t len;
	FILE *f;

	snprintf(path, sizeof(path), "%s/last_append", node);
	assert_non_null(f = fopen(path, "r"));
	len = fread(buf, 1, EV_MAX_BYTES, f);
	fclose(f);
	assert_int_equal(body_decode(type, buf, len, NULL, b, NULL), 0);
}

static void
test_writes(void **state)
{
	char out[8192], err[4096], file[400];
	struct body *b = malloc(sizeof(*b));
	uint8_t *buf = malloc(EV_MAX_BYTES);
	json_t *doc;
	pid_t child;
	FILE *f;

	(void)state;
	assert_true(b != NULL && buf != NULL);
	snprintf(file, sizeof(file), "%s/module.json", dir);
	assert_non_null(f = fopen(file, "w"));
	fputs("{\"code\": \"I40-ROB1\", \"title_sv\": \"Robotar\","
	    " \"title_en\": \"Robots\", \"credits\": 10, \"hours\": 20,"
	    " \"eqf\": 6, \"cycle\": \"first\", \"mode\": \"online\","
	    " \"pace\": \"mixed\", \"lang\": [\"sv\"],"
	    " \"assessment\": [\"project\"], \"supervision\": \"supervised\","
	    " \"summary_sv\": \"Om robotar.\","
	    " \"outcomes_sv\": [\"Programmera en robot.\"]}", f);
	fclose(f);
	child = start_fake(node, 1);
	/* A file with flags over it, through the daemon. */
	assert_int_equal(run(module_main, out, sizeof(out), err, sizeof(err),
	    "module", "publish", "-d", node, "--file", file, "--hp", "1.5",
	    "--lang", "en", "--lang", "sv", "--json", NULL), CTL_EXIT_OK);
	assert_non_null(doc = json_loads(out, 0, NULL));
	assert_int_equal(json_integer_value(json_object_get(doc, "seq")), 2);
	assert_string_equal(json_string_value(json_object_get(doc, "id")),
	    "0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a"
	    "0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a");
	json_decref(doc);
	last_append(BODY_MODULE_PUBLISH, b, buf);
	assert_int_equal(b->u.module.credits, 15);
	assert_int_equal(b->u.module.nlang, 2);
	assert_memory_equal(b->u.module.lang[0].p, "en", 2);
	assert_memory_equal(b->u.module.title_sv.p, "Robotar", 7);
	/* People get a sentence. */
	assert_int_equal(run(module_main, out, sizeof(out), err, sizeof(err),
	    "module", "publish", "-d", node, "--file", file, "--code",
	    "I40-ROB2", NULL), CTL_EXIT_OK);
	assert_non_null(strstr(out, "published I40-ROB2 as 0a0a"));
	assert_non_null(strstr(out, "(seq 3)"));
	/* The daemon refuses: its reason reaches the person. */
	assert_int_equal(run(module_main, out, sizeof(out), err, sizeof(err),
	    "module", "publish", "-d", node, "--file", file, "--code",
	    "I40-REFUSED", NULL), CTL_EXIT_ERR);
	assert_non_null(strstr(err, "i40d refused the request"));
	assert_non_null(strstr(err, "head unconfirmed"));
	/* Bad input is refused before anything is sent. */
	assert_int_equal(run(module_main, out, sizeof(out), err, sizeof(err),
	    "module", "publish", "-d", node, "--file", file, "--eqf", "9",
	    NULL), CTL_EXIT_ERR);
	assert_non_null(strstr(err, "eqf (--eqf)"));
	/* The catalog (empty here) decides what may be updated. */
	assert_int_equal(run(module_main, out, sizeof(out), err, sizeof(err),
	    "module", "update", "-d", node, "--code", "I40-ROB1", "--hours",
	    "30", NULL), CTL_EXIT_ERR);
	assert_non_null(strstr(err, "no module I40-ROB1"));
	assert_int_equal(run(module_main, out, sizeof(out), err, sizeof(err),
	    "module", "retire", "-d", node, "--code", "I40-ROB1", NULL),
	    CTL_EXIT_ERR);
	/* A completion on a module id this node does not have. */
	assert_int_equal(run(completion_main, out, sizeof(out), err,
	    sizeof(err), "completion", "record", "-d", node, "--learner",
	    "00112233445566778899aabbccddeeff", "--module", "I40-ROB1",
	    "--grade", "G", "--scale", "UG", "--examiner", "Eva Ek",
	    "--exam-date", "2026-05-04", "--decision-date", "2026-05-05",
	    NULL), CTL_EXIT_ERR);
	assert_non_null(strstr(err, "neither a module version's id"));
	/* Usage errors exit 2 and name the option. */
	assert_int_equal(run(module_main, out, sizeof(out), err, sizeof(err),
	    "module", "publish", "--nope", NULL), CTL_EXIT_USAGE);
	assert_non_null(strstr(err, "--nope"));
	assert_int_equal(run(module_main, out, sizeof(out), err, sizeof(err),
	    "module", "frobnicate", NULL), CTL_EXIT_ERR);
	stop_fake(child);
	free(b);
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_daemon),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_requests),
		cmocka_unit_test(test_writes),
	};

	/* A dead fake daemon must not kill the test with SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, setup, teardown);
}
