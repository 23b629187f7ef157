/*
 * test_ev.c: the daemon's event loop (daemon/ev.c) and its log's rate
 * limit (daemon/log.c): readers on an fd and on a ZeroMQ socket, timers,
 * the before-poll hook, a reader removed by another reader in the same
 * round, and one log line per key per interval.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cmocka.h>
#include <zmq.h>

#include "daemon/ev.h"
#include "daemon/log.h"

struct counts {
	int reads, ticks, before, fd;
	struct ev_loop *l;
	void *sock;
};

static void
on_fd(void *arg)
{
	struct counts *c = arg;
	uint64_t v;

	assert_int_equal(read(c->fd, &v, sizeof(v)), (ssize_t)sizeof(v));
	c->reads++;
}

static void
on_tick(void *arg)
{
	((struct counts *)arg)->ticks++;
}

static void
on_before(void *arg)
{
	((struct counts *)arg)->before++;
}

static void
test_fd_reader_and_timer(void **state)
{
	struct counts c = { 0 };
	uint64_t one = 1;
	int i;

	(void)state;
	assert_int_equal(ev_new(&c.l), 0);
	c.fd = eventfd(0, EFD_NONBLOCK);
	assert_true(c.fd >= 0);
	assert_int_equal(ev_reader_add(c.l, NULL, c.fd, on_fd, &c), 0);
	assert_int_equal(ev_timer_add(c.l, 20, on_tick, &c), 0);
	ev_before_poll(c.l, on_before, &c);
	/* Nothing ready: the poll waits at most until the timer is due. */
	assert_int_equal(ev_run_once(c.l, 1000), 0);
	assert_int_equal(c.reads, 0);
	assert_int_equal(c.ticks, 1);
	assert_int_equal(c.before, 1);
	assert_int_equal(write(c.fd, &one, sizeof(one)), (ssize_t)sizeof(one));
	assert_int_equal(ev_run_once(c.l, 1000), 0);
	assert_int_equal(c.reads, 1);
	/* A removed reader is not called again. */
	ev_reader_del(c.l, NULL, c.fd);
	assert_int_equal(write(c.fd, &one, sizeof(one)), (ssize_t)sizeof(one));
	for (i = 0; i < 3; i++)
		assert_int_equal(ev_run_once(c.l, 30), 0);
	assert_int_equal(c.reads, 1);
	assert_true(c.ticks >= 2);
	/* A changed interval takes effect. */
	c.ticks = 0;
	ev_timer_set(c.l, on_tick, 1000000);
	assert_int_equal(ev_run_once(c.l, 20), 0);
	assert_int_equal(c.ticks, 0);
	ev_free(c.l);
	close(c.fd);
}

static void
on_sock(void *arg)
{
	struct counts *c = arg;
	char buf[16];

	while (zmq_recv(c->sock, buf, sizeof(buf), ZMQ_DONTWAIT) >= 0)
		c->reads++;
}

/* The first reader called removes the other: it must not run. */
static void
remover(void *arg)
{
	struct counts *c = arg;
	uint64_t v;

	(void)read(c->fd, &v, sizeof(v));
	c->reads += 100;
	ev_reader_del(c->l, c->sock, -1);
}

static void
test_zmq_reader_and_removal(void **state)
{
	struct counts c = { 0 };
	void *ctx, *out;
	uint64_t one = 1;

	(void)state;
	assert_int_equal(ev_new(&c.l), 0);
	ctx = zmq_ctx_new();
	c.sock = zmq_socket(ctx, ZMQ_PAIR);
	out = zmq_socket(ctx, ZMQ_PAIR);
	assert_int_equal(zmq_bind(c.sock, "inproc://test-ev"), 0);
	assert_int_equal(zmq_connect(out, "inproc://test-ev"), 0);
	assert_int_equal(ev_reader_add(c.l, c.sock, -1, on_sock, &c), 0);
	assert_int_equal(zmq_send(out, "x", 1, 0), 1);
	assert_int_equal(zmq_send(out, "y", 1, 0), 1);
	assert_int_equal(ev_run_once(c.l, 1000), 0);
	assert_int_equal(c.reads, 2);

	c.reads = 0;
	c.fd = eventfd(0, EFD_NONBLOCK);
	ev_reader_del(c.l, c.sock, -1);
	assert_int_equal(ev_reader_add(c.l, NULL, c.fd, remover, &c), 0);
	assert_int_equal(ev_reader_add(c.l, c.sock, -1, on_sock, &c), 0);
	assert_int_equal(write(c.fd, &one, sizeof(one)), (ssize_t)sizeof(one));
	assert_int_equal(zmq_send(out, "z", 1, 0), 1);
	/* Let the inproc message arrive, so both are ready in one round. */
	assert_int_equal(zmq_poll(&(zmq_pollitem_t){ c.sock, 0, ZMQ_POLLIN,
	    0 }, 1, 1000), 1);
	assert_int_equal(ev_run_once(c.l, 1000), 0);
	assert_int_equal(c.reads, 100);
	zmq_close(out);
	zmq_close(c.sock);
	zmq_ctx_term(ctx);
	ev_free(c.l);
	close(c.fd);
}

static void
test_ratelimit(void **state)
{
	static struct log_ratelimit rl;
	uint8_t a[32] = { 1 }, b[32] = { 2 };
	uint64_t supp = 99;
	int i;

	(void)state;
	assert_int_equal(log_ratelimit(&rl, a, 1000, 500, &supp), 1);
	assert_int_equal(supp, 0);
	assert_int_equal(log_ratelimit(&rl, a, 1100, 500, &supp), 0);
	assert_int_equal(log_ratelimit(&rl, a, 1200, 500, &supp), 0);
	/* Another key has its own budget. */
	assert_int_equal(log_ratelimit(&rl, b, 1200, 500, &supp), 1);
	/* After the interval: allowed, with the count of lines skipped. */
	assert_int_equal(log_ratelimit(&rl, a, 1500, 500, &supp), 1);
	assert_int_equal(supp, 2);
	/* More keys than slots: the stalest is reused, nothing breaks. */
	for (i = 0; i < 2 * LOG_RL_SLOTS; i++) {
		uint8_t k[32] = { 0 };

		k[0] = 3;
		k[1] = (uint8_t)i;
		assert_int_equal(log_ratelimit(&rl, k, 2000 + (uint64_t)i,
		    500, &supp), 1);
	}
}

static void
test_levels(void **state)
{
	(void)state;
	assert_int_equal(log_level_parse("error"), LOG_LVL_ERROR);
	assert_int_equal(log_level_parse("warn"), LOG_LVL_WARN);
	assert_int_equal(log_level_parse("warning"), LOG_LVL_WARN);
	assert_int_equal(log_level_parse("info"), LOG_LVL_INFO);
	assert_int_equal(log_level_parse("debug"), LOG_LVL_DEBUG);
	assert_int_equal(log_level_parse("loud"), -1);
	assert_string_equal(log_level_name(LOG_LVL_WARN), "warn");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fd_reader_and_timer),
		cmocka_unit_test(test_zmq_reader_and_removal),
		cmocka_unit_test(test_ratelimit),
		cmocka_unit_test(test_levels),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
