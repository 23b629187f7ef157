/* ctl_view.c: query data as JSON, and for people (see ctl_view.h). */
#include "ctl_view.h"

#include <string.h>

#include "ctl.h"
#include "ctl_node.h"

/* A member's SCHAC code as JSON, or null for a key no record names. */
static json_t *
schac_of(const struct store_member *ms, size_t n, const uint8_t key[32])
{
	const struct store_member *m = ctl_member_find(ms, n, key);

	return m != NULL ? json_string(m->schac) : json_null();
}

json_t *
ctl_view_peers(const struct msg_peers *p, const struct store_member *ms,
    size_t n)
{
	json_t *list = json_array(), *o;
	uint32_t i;

	if (list == NULL)
		return NULL;
	for (i = 0; i < p->npeers; i++) {
		const struct msg_peer *pe = &p->peers[i];

		if ((o = json_object()) == NULL ||
		    json_array_append_new(list, o) != 0 ||
		    json_object_set_new(o, "key", ctl_json_hex(pe->key,
		    32)) != 0 ||
		    json_object_set_new(o, "schac", schac_of(ms, n,
		    pe->key)) != 0 ||
		    json_object_set_new(o, "state", ctl_json_strn(pe->state.p,
		    pe->state.len)) != 0 ||
		    json_object_set_new(o, "behind",
		    ctl_json_u64(pe->behind)) != 0 ||
		    json_object_set_new(o, "ahead",
		    ctl_json_u64(pe->ahead)) != 0 ||
		    json_object_set_new(o, "last_ms",
		    ctl_json_u64(pe->last_ms)) != 0 ||
		    json_object_set_new(o, "endpoint",
		    ctl_json_strn(pe->endpoint.p, pe->endpoint.len)) != 0) {
			json_decref(list);
			return NULL;
		}
	}
	return list;
}

const char *
ctl_view_str(const json_t *v)
{
	return json_is_string(v) ? json_string_value(v) : "-";
}

/* "12 s ago", "3 min ago", "never", for a peer's last message. */
static void
ago(json_int_t last_ms, char *out, size_t cap)
{
	json_int_t now = (json_int_t)ctl_now_ms(), d;

	if (last_ms <= 0) {
		snprintf(out, cap, "never");
		return;
	}
	d = now > last_ms ? (now - last_ms) / 1000 : 0;
	if (d < 120)
		snprintf(out, cap, "%lld s ago", (long long)d);
	else if (d < 7200)
		snprintf(out, cap, "%lld min ago", (long long)(d / 60));
	else
		snprintf(out, cap, "%lld h ago", (long long)(d / 3600));
}

void
ctl_view_print_peers(FILE *f, const json_t *peers)
{
	const json_t *o;
	char when[32];
	size_t i;

	if (json_array_size(peers) == 0) {
		fprintf(f, "  (no peers)\n");
		return;
	}
	fprintf(f, "  %-16s %-16s %-10s %8s %8s %-12s %s\n", "SCHAC", "KEY",
	    "STATE", "BEHIND", "AHEAD", "LAST SEEN", "ENDPOINT");
	json_array_foreach(peers, i, o) {
		ago(json_integer_value(json_object_get(o, "last_ms")), when,
		    sizeof(when));
		fprintf(f, "  %-16s %.16s %-10s %8lld %8lld %-12s %s\n",
		    ctl_view_str(json_object_get(o, "schac")),
		    ctl_view_str(json_object_get(o, "key")),
		    ctl_view_str(json_object_get(o, "state")),
		    (long long)json_integer_value(json_object_get(o,
		    "behind")), (long long)json_integer_value(
		    json_object_get(o, "ahead")), when,
		    ctl_view_str(json_object_get(o, "endpoint")));
	}
}

json_t *
ctl_view_heads(const struct store_head *h, size_t nh,
    const struct store_member *ms, size_t n)
{
	json_t *list = json_array(), *o;
	size_t i;

	if (list == NULL)
		return NULL;
	for (i = 0; i < nh; i++) {
		if ((o = json_object()) == NULL ||
		    json_array_append_new(list, o) != 0 ||
		    json_object_set_new(o, "author", ctl_json_hex(h[i].author,
		    32)) != 0 ||
		    json_object_set_new(o, "schac", schac_of(ms, n,
		    h[i].author)) != 0 ||
		    json_object_set_new(o, "seq",
		    ctl_json_u64(h[i].seq)) != 0 ||
		    json_object_set_new(o, "id", ctl_json_hex(h[i].id,
		    32)) != 0 ||
		    json_object_set_new(o, "frozen",
		    ctl_json_u64(h[i].frozen)) != 0 ||
		    json_object_set_new(o, "last",
		    ctl_json_u64(h[i].last)) != 0 ||
		    json_object_set_new(o, "settled",
		    ctl_json_u64(h[i].settled)) != 0) {
			json_decref(list);
			return NULL;
		}
	}
	return list;
}

void
ctl_view_print_heads(FILE *f, const json_t *heads)
{
	const json_t *o;
	json_int_t frozen;
	char fz[80];
	size_t i;

	fprintf(f, "  %-16s %-16s %8s %8s %-16s %s\n", "AUTHOR", "SCHAC",
	    "SEQ", "SETTLED", "ID", "FROZEN");
	json_array_foreach(heads, i, o) {
		frozen = json_integer_value(json_object_get(o, "frozen"));
		if (frozen > 0)
			snprintf(fz, sizeof(fz), "fork at seq %lld: counts up "
			    "to seq %lld", (long long)frozen, (long long)
			    json_integer_value(json_object_get(o, "last")));
		else
			snprintf(fz, sizeof(fz), "-");
		fprintf(f, "  %.16s %-16s %8lld %8lld %.16s %s\n",
		    ctl_view_str(json_object_get(o, "author")),
		    ctl_view_str(json_object_get(o, "schac")),
		    (long long)json_integer_value(json_object_get(o, "seq")),
		    (long long)json_integer_value(json_object_get(o,
		    "settled")),
		    ctl_view_str(json_object_get(o, "id")), fz);
	}
}
