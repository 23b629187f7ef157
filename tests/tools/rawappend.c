/*
 * rawappend.c: an APPEND straight to a running i40d's control socket, for
 * the integration tests: it stands for an old i40ctl, a script or any
 * other client, which signs whatever i40ctl would refuse, so that a test
 * can show what every node's store makes of such an event.
 *
 *   rawappend DIR publish CODE
 *       A sample module_publish (tests/lib/sample.c) with code CODE.
 *   rawappend DIR complete MODULE_ID LEARNER
 *       A completion_record (grade G on scale UG, decided 2026-11-24) of
 *       the learner LEARNER (32 hex digits) against the module version
 *       MODULE_ID (64 hex digits).
 *
 * Prints "<id> <seq>" of the appended event.  Exit 0 when APPENDED, 1 when
 * i40d answered ERROR (printed on stderr), 2 a usage error, 4 anything else.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <zmq.h>

#include "protocol/body.h"
#include "protocol/errors.h"
#include "protocol/msg.h"
#include "tests/lib/sample.h"

static int
unhex(const char *s, uint8_t *out, size_t n)
{
	size_t len;

	return strlen(s) == 2 * n && sodium_hex2bin(out, n, s, 2 * n, NULL,
	    &len, NULL) == 0 && len == n ? 0 : -1;
}

static int
usage(void)
{
	fprintf(stderr, "usage: rawappend DIR publish CODE\n"
	    "       rawappend DIR complete MODULE_ID LEARNER\n");
	return 2;
}

/* The body the command line asks for, encoded into out[0..*len). */
static int
make_body(int argc, char *argv[], uint8_t *out, size_t cap, size_t *len,
    uint32_t *type)
{
	static char arena[SAMPLE_ARENA];
	static struct body b;
	struct sample_fed fed;
	struct sample_rng r;
	int rc;

	/* Only the bodies' shapes come from the sample federation. */
	if (sample_fed_init(&fed, 1) != 0)
		return 4;
	sample_seed(&r, 7);
	if (argc == 4 && strcmp(argv[2], "publish") == 0) {
		rc = sample_body(&fed, 0, BODY_MODULE_PUBLISH, &r, &b, arena);
		b.u.module.code.p = (const uint8_t *)argv[3];
		b.u.module.code.len = strlen(argv[3]);
	} else if (argc == 5 && strcmp(argv[2], "complete") == 0) {
		memset(&b, 0, sizeof(b));
		b.type = BODY_COMPLETION_RECORD;
		if (unhex(argv[3], b.u.completion.module, 32) != 0 ||
		    unhex(argv[4], b.u.completion.learner, 16) != 0) {
			sample_fed_free(&fed);
			return usage();
		}
		b.u.completion.grade.p = (const uint8_t *)"G";
		b.u.completion.scale.p = (const uint8_t *)"UG";
		b.u.completion.grade.len = 1;
		b.u.completion.scale.len = 2;
		b.u.completion.examiner.p = (const uint8_t *)"Examiner";
		b.u.completion.examiner.len = 8;
		b.u.completion.exam_date.p = (const uint8_t *)"2026-11-20";
		b.u.completion.decision_date.p = (const uint8_t *)"2026-11-24";
		b.u.completion.exam_date.len = 10;
		b.u.completion.decision_date.len = 10;
		rc = 0;
	} else {
		sample_fed_free(&fed);
		return usage();
	}
	if (rc == 0) {
		struct body_ctx ctx = { fed.fed_id, fed.pk[0] };

		rc = body_encode(&b, &ctx, out, cap, len, NULL);
	}
	sample_fed_free(&fed);
	if (rc != 0) {
		fprintf(stderr, "rawappend: cannot encode the body: %s\n",
		    i40_strerror(rc));
		return 4;
	}
	*type = (uint32_t)b.type;
	return 0;
}

int
main(int argc, char *argv[])
{
	static uint8_t body[EV_MAX_BYTES], req[EV_MAX_BYTES + 256],
	    rep[MSG_MAX_BYTES];
	static struct msg m;
	char ep[4200], hex[65];
	void *ctx, *s;
	size_t blen, rlen;
	uint32_t type = 0;
	int linger = 0, timeout = 30000, n, rc;

	if (argc < 4)
		return usage();
	if (sodium_init() < 0)
		return 4;
	if ((rc = make_body(argc, argv, body, sizeof(body), &blen,
	    &type)) != 0)
		return rc;
	memset(&m, 0, sizeof(m));
	m.type = MSG_APPEND;
	m.u.append.type = type;
	m.u.append.body.p = body;
	m.u.append.body.len = blen;
	if (msg_encode(&m, req, sizeof(req), &rlen, NULL) != 0)
		return 4;
	snprintf(ep, sizeof(ep), "ipc://%s/control.sock", argv[1]);
	ctx = zmq_ctx_new();
	if (ctx == NULL || (s = zmq_socket(ctx, ZMQ_DEALER)) == NULL ||
	    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof(linger)) != 0 ||
	    zmq_setsockopt(s, ZMQ_RCVTIMEO, &timeout, sizeof(timeout)) != 0 ||
	    zmq_connect(s, ep) != 0 || zmq_send(s, req, rlen, 0) < 0 ||
	    (n = zmq_recv(s, rep, sizeof(rep), 0)) < 0) {
		fprintf(stderr, "rawappend: %s: %s\n", ep,
		    zmq_strerror(zmq_errno()));
		return 4;
	}
	zmq_close(s);
	zmq_ctx_term(ctx);
	if ((size_t)n > sizeof(rep) || msg_decode(rep, (size_t)n, &m,
	    NULL) != 0) {
		fprintf(stderr, "rawappend: an undecodable reply\n");
		return 4;
	}
	if (m.type == MSG_ERROR) {
		fprintf(stderr, "rawappend: i40d refused: %s: %.*s\n",
		    i40_errname((int)m.u.error.code),
		    (int)m.u.error.text.len, (const char *)m.u.error.text.p);
		return 1;
	}
	if (m.type != MSG_APPENDED)
		return 4;
	sodium_bin2hex(hex, sizeof(hex), m.u.appended.id, 32);
	printf("%s %llu\n", hex, (unsigned long long)m.u.appended.seq);
	return 0;
}
