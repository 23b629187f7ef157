/*
 * web_view.c: the node's state as the web face shows it (web_int.h):
 * what the main thread publishes each tick, the counters it keeps for
 * /metrics, and /metrics, /healthz, /readyz themselves.
 *
 * /metrics is the Prometheus text format, version 0.0.4.  Every name
 * starts with i40_; docs/web.md lists them, docs/operations.md says
 * which to alert on.  Labels carry public facts only: SCHAC codes, key
 * prefixes, event types, error names.
 */
#include "daemon/web_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/node.h"
#include "protocol/body.h"

#define ROOTS_MS 5000

const unsigned web_lat_ms[WEB_LAT_BUCKETS] = { 1, 2, 5, 10, 25, 50, 100,
	250, 500, 1000, 5000 };

void
web_count_items(struct web_metrics *m, const struct store_item *items,
    const struct store_outcome *out, size_t cnt)
{
	size_t i, j;

	for (i = 0; i < cnt; i++) {
		if (out[i].result == STORE_STORED || out[i].result == STORE_FORK) {
			if (items[i].ev.h.type < WEB_TYPES)
				m->stored_type[items[i].ev.h.type]++;
			continue;
		}
		if (out[i].result != STORE_INVALID && out[i].result != STORE_GAP)
			continue;
		for (j = 0; j < m->nrefused; j++)
			if (m->refused_code[j] == out[i].code)
				break;
		if (j == m->nrefused) {
			if (j == WEB_CODES) {
				m->refused_other++;
				continue;
			}
			m->refused_code[m->nrefused++] = out[i].code;
		}
		m->refused_n[j]++;
	}
}

void
web_count_commit(struct web_metrics *m, uint64_t us)
{
	size_t i;

	m->commits++;
	m->commit_us += us;
	for (i = 0; i < WEB_LAT_BUCKETS; i++)
		if (us <= (uint64_t)web_lat_ms[i] * 1000)
			m->commit_le[i]++;
}

void
web_publish(struct web *w, struct node *n)
{
	struct web_view *v;
	uint64_t now = node_mono_ms();
	char why[400];
	size_t i;

	if (w == NULL)
		return;
	/* Built outside the lock, then copied in: requests wait little. */
	if ((v = calloc(1, sizeof(*v))) == NULL)
		return;
	v->valid = 1;
	snprintf(v->node, sizeof(v->node), "%s", n->cfg->node);
	for (i = 0; i < 32; i++)
		snprintf(v->selfhex + 2 * i, 3, "%02x", n->self[i]);
	if (n->stopped) {
		snprintf(v->signing, sizeof(v->signing), "stopped");
		snprintf(v->why, sizeof(v->why), "%s", n->stop_reason);
	} else if (node_may_sign(n, why, sizeof(why)) != 0) {
		snprintf(v->signing, sizeof(v->signing), "no");
		snprintf(v->why, sizeof(v->why), "%s", why);
	} else if (!n->ready) {
		snprintf(v->signing, sizeof(v->signing), "waiting");
		snprintf(v->why, sizeof(v->why), "%s", n->wait_reason);
	} else
		snprintf(v->signing, sizeof(v->signing), "yes");
	for (i = 0; i < n->nauthors; i++) {
		v->events += n->authors[i].seq;
		v->authors += n->authors[i].seq > 0;
	}
	v->uptime_s = (now - n->started_ms) / 1000;
	v->stored = n->stored;
	v->refused = n->refused;
	v->dropped = n->dropped;
	v->zap_refused = n->zap != NULL ? zap_refused(n->zap) : 0;
	v->shed = n->conn.shed;
	if (n->npeers == 0)
		w->seen_peer = 1;
	for (i = 0; i < n->npeers && v->npeers < WEB_PEERS; i++) {
		struct peer *p = n->peers[i];
		struct web_peer *q = &v->peers[v->npeers++];
		size_t k;

		snprintf(q->schac, sizeof(q->schac), "%s", p->schac);
		for (k = 0; k < 32; k++)
			snprintf(q->hex + 2 * k, 3, "%02x", p->key[k]);
		snprintf(q->state, sizeof(q->state), "%s", p->leaving_ms != 0 ?
		    "leaving" : link_state_name(p->state));
		q->behind = sync_behind(n, p);
		q->ahead = sync_ahead(n, p);
		q->observer = p->observer;
		q->heard = p->last_ms != 0;
		q->last_s = q->heard ? (now - p->last_ms) / 1000 : 0;
		if (p->heard && q->behind == 0 && q->ahead == 0)
			p->equal_ms = now;
		q->ever_equal = p->equal_ms != 0;
		q->converged_s = q->ever_equal ? (now - p->equal_ms) / 1000 : 0;
		if (p->heard || p->nvec > 0)
			w->seen_peer = 1;
	}
	v->heard_peer = w->seen_peer;
	v->m = n->metrics;
	pthread_mutex_lock(&w->mu);
	w->view = *v;
	pthread_mutex_unlock(&w->mu);
	free(v);
}

void
web_view_get(struct web *w, struct web_view *out)
{
	pthread_mutex_lock(&w->mu);
	*out = w->view;
	pthread_mutex_unlock(&w->mu);
}

int
web_roots(struct web *w, uint8_t log_root[32], uint8_t state_root[32],
    uint64_t *age_s)
{
	uint64_t now = web_now_ms();
	uint8_t lr[32], sr[32];
	int fresh, rc;

	pthread_mutex_lock(&w->mu);
	fresh = w->roots_ms != 0 && now - w->roots_ms < ROOTS_MS;
	pthread_mutex_unlock(&w->mu);
	/* The state root is a scan of the store: not once per request. */
	if (!fresh) {
		if ((rc = store_log_root(w->st, lr)) != 0 ||
		    (rc = store_state_root(w->st, sr)) != 0)
			return rc;
		pthread_mutex_lock(&w->mu);
		memcpy(w->log_root, lr, 32);
		memcpy(w->state_root, sr, 32);
		w->roots_ms = now;
		pthread_mutex_unlock(&w->mu);
	}
	pthread_mutex_lock(&w->mu);
	memcpy(log_root, w->log_root, 32);
	memcpy(state_root, w->state_root, 32);
	*age_s = (now - w->roots_ms) / 1000;
	pthread_mutex_unlock(&w->mu);
	return 0;
}

int
web_healthz(struct web_req *r)
{
	struct wbuf b;

	wb_init(&b);
	wb_puts(&b, "ok\n");
	return web_send(r, 200, "text/plain; charset=utf-8", &b);
}

int
web_readyz(struct web_req *r)
{
	struct web_view v;
	struct wbuf b;
	int ok;

	web_view_get(r->w, &v);
	wb_init(&b);
	ok = v.valid && v.heard_peer && strcmp(v.signing, "yes") == 0;
	if (ok)
		wb_puts(&b, "ready\n");
	else if (!v.heard_peer)
		wb_puts(&b, "not ready: no peer's heads seen yet\n");
	else
		wb_printf(&b, "not ready: signing %s: %s\n", v.signing, v.why);
	return web_send(r, ok ? 200 : 503, "text/plain; charset=utf-8", &b);
}

static void
help(struct wbuf *b, const char *name, const char *type, const char *text)
{
	wb_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, text, name, type);
}

enum peer_field { PF_UP, PF_BEHIND, PF_AHEAD, PF_LAST, PF_CONVERGED };

/* One gauge of every peer, labelled; a peer without the value is left out. */
static void
peer_gauge(struct wbuf *b, const struct web_view *v, enum peer_field f,
    const char *name, const char *text)
{
	const struct web_peer *p;
	uint64_t x = 0;
	size_t i;
	int have;

	help(b, name, "gauge", text);
	for (i = 0; i < v->npeers; i++) {
		p = &v->peers[i];
		have = 1;
		switch (f) {
		case PF_UP:
			x = strcmp(p->state, "up") == 0;
			break;
		case PF_BEHIND:
			x = p->behind;
			break;
		case PF_AHEAD:
			x = p->ahead;
			break;
		case PF_LAST:
			have = p->heard;
			x = p->last_s;
			break;
		case PF_CONVERGED:
			have = p->ever_equal;
			x = p->converged_s;
			break;
		}
		if (have)
			wb_printf(b, "%s{peer=\"%s\",key=\"%.16s\"} %llu\n", name,
			    p->schac, p->hex, (unsigned long long)x);
	}
}

/*
 * Events held of each author's log, from the store: its rate is the
 * ingest per author.  Labelled by the member's university where the
 * author is one (a genesis key of the federation's charter is too).
 */
static void
author_gauge(struct wbuf *b, struct store *st)
{
	struct store_member *ms = NULL;
	struct store_head *hs = NULL;
	size_t nm = 0, nh = 0, i, j;

	if (store_heads(st, &hs, &nh) != 0 || store_members(st, &ms, &nm) != 0)
		goto out;
	help(b, "i40_author_events", "gauge",
	    "Events held of an author's log (its head seq).");
	for (i = 0; i < nh; i++) {
		const char *who = "";

		for (j = 0; j < nm; j++)
			if (memcmp(ms[j].key, hs[i].author, KEY_PK_BYTES) == 0)
				who = ms[j].schac;
		wb_printf(b, "i40_author_events{author=\"%s\",key=\"", who);
		for (j = 0; j < 8; j++)
			wb_printf(b, "%02x", hs[i].author[j]);
		wb_printf(b, "\"} %llu\n", (unsigned long long)hs[i].seq);
	}
out:
	free(hs);
	free(ms);
}

int
web_metrics_page(struct web_req *r)
{
	struct web_view v;
	struct store_stats ss;
	struct wbuf b;
	size_t i;

	web_view_get(r->w, &v);
	wb_init(&b);
	help(&b, "i40_events", "gauge", "Events held, every author's log.");
	wb_printf(&b, "i40_events %llu\n", (unsigned long long)v.events);
	help(&b, "i40_events_stored_total", "counter",
	    "Events stored since the start, by type.");
	for (i = 0; i < WEB_TYPES; i++)
		if (v.m.stored_type[i] > 0 && body_type_name((uint32_t)i))
			wb_printf(&b, "i40_events_stored_total{type=\"%s\"} "
			    "%llu\n", body_type_name((uint32_t)i),
			    (unsigned long long)v.m.stored_type[i]);
	help(&b, "i40_events_refused_total", "counter",
	    "Events refused since the start, by reason.");
	for (i = 0; i < v.m.nrefused; i++)
		wb_printf(&b, "i40_events_refused_total{reason=\"%s\"} %llu\n",
		    i40_errname(v.m.refused_code[i]) != NULL ?
		    i40_errname(v.m.refused_code[i]) : "other",
		    (unsigned long long)v.m.refused_n[i]);
	if (v.m.refused_other > 0)
		wb_printf(&b, "i40_events_refused_total{reason=\"other\"} "
		    "%llu\n", (unsigned long long)v.m.refused_other);
	help(&b, "i40_messages_dropped_total", "counter",
	    "Peer messages and events dropped as malformed or unwanted.");
	wb_printf(&b, "i40_messages_dropped_total %llu\n",
	    (unsigned long long)v.dropped);
	help(&b, "i40_zap_refused_total", "counter",
	    "Connections refused by the ZAP handler (not members).");
	wb_printf(&b, "i40_zap_refused_total %llu\n",
	    (unsigned long long)v.zap_refused);
	help(&b, "i40_connections_shed_total", "counter",
	    "Unauthenticated connections closed to keep descriptors free.");
	wb_printf(&b, "i40_connections_shed_total %llu\n",
	    (unsigned long long)v.shed);
	help(&b, "i40_commit_seconds", "histogram",
	    "Time of one store commit (a batch).");
	for (i = 0; i < WEB_LAT_BUCKETS; i++)
		wb_printf(&b, "i40_commit_seconds_bucket{le=\"%g\"} %llu\n",
		    web_lat_ms[i] / 1000.0,
		    (unsigned long long)v.m.commit_le[i]);
	wb_printf(&b, "i40_commit_seconds_bucket{le=\"+Inf\"} %llu\n"
	    "i40_commit_seconds_sum %.6f\ni40_commit_seconds_count %llu\n",
	    (unsigned long long)v.m.commits, (double)v.m.commit_us / 1e6,
	    (unsigned long long)v.m.commits);
	help(&b, "i40_signing", "gauge",
	    "1 when this node may sign events now.");
	wb_printf(&b, "i40_signing %d\n", strcmp(v.signing, "yes") == 0);
	peer_gauge(&b, &v, PF_UP, "i40_peer_up",
	    "1 when the link to a peer is up.");
	peer_gauge(&b, &v, PF_BEHIND, "i40_peer_behind_events",
	    "Events a peer announces that this node lacks.");
	peer_gauge(&b, &v, PF_AHEAD, "i40_peer_ahead_events",
	    "Events this node holds that a peer's last vector lacks.");
	peer_gauge(&b, &v, PF_LAST, "i40_peer_last_contact_seconds",
	    "Seconds since a peer's last message (absent: never).");
	peer_gauge(&b, &v, PF_CONVERGED, "i40_peer_converged_seconds",
	    "Seconds since this node and a peer last held the same heads "
	    "(absent: never since the start).");
	author_gauge(&b, r->w->st);
	if (store_stats(r->w->st, &ss) == 0) {
		help(&b, "i40_forks", "gauge", "Authors with fork evidence.");
		wb_printf(&b, "i40_forks %llu\n", (unsigned long long)ss.forks);
		help(&b, "i40_lmdb_map_bytes", "gauge",
		    "Size of the ledger's LMDB map.");
		wb_printf(&b, "i40_lmdb_map_bytes %llu\n",
		    (unsigned long long)ss.map_size);
		help(&b, "i40_lmdb_used_bytes", "gauge",
		    "Bytes of the map in use (its last page).");
		wb_printf(&b, "i40_lmdb_used_bytes %llu\n",
		    (unsigned long long)ss.map_used);
	}
	help(&b, "i40_http_answers_total", "counter",
	    "Answers of the web face, by status class.");
	for (i = 1; i <= 5; i++)
		wb_printf(&b, "i40_http_answers_total{code=\"%zuxx\"} %llu\n", i,
		    (unsigned long long)atomic_load(&r->w->answers[i]));
	help(&b, "i40_uptime_seconds", "gauge", "Seconds since i40d started.");
	wb_printf(&b, "i40_uptime_seconds %llu\n",
	    (unsigned long long)v.uptime_s);
	return web_send(r, 200, "text/plain; version=0.0.4; charset=utf-8",
	    &b);
}
