/* sample.c: deterministic sample data (see sample.h). */
#include "sample.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <dirent.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

const uint32_t sample_types[] = {
	BODY_GENESIS, BODY_MEMBER_PROPOSE, BODY_MEMBER_ENDORSE,
	BODY_MEMBER_REMOVE, BODY_KEY_ROTATE, BODY_MODULE_PUBLISH,
	BODY_MODULE_UPDATE, BODY_MODULE_RETIRE, BODY_COMPLETION_RECORD,
	BODY_COMPLETION_REVOKE, BODY_CHECKPOINT
};
const size_t sample_ntypes = sizeof(sample_types) / sizeof(sample_types[0]);

void
sample_seed(struct sample_rng *r, uint64_t seed)
{
	r->s = seed;
}

uint64_t
sample_u64(struct sample_rng *r)
{
	uint64_t z = (r->s += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

uint64_t
sample_below(struct sample_rng *r, uint64_t n)
{
	return n == 0 ? 0 : sample_u64(r) % n;
}

uint64_t
sample_env_seed(void)
{
	const char *s = getenv("I40_TEST_SEED");
	struct timespec ts;

	if (s != NULL && *s != '\0')
		return strtoull(s, NULL, 0);
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000007u + (uint64_t)ts.tv_nsec;
}

static struct codec_bytes
lit(const char *s)
{
	struct codec_bytes b = { (const uint8_t *)s, strlen(s) };

	return b;
}

static const char *
pick(struct sample_rng *r, const char *const *v, size_t n)
{
	return v[sample_below(r, n)];
}
#define PICK(r, v) pick(r, v, sizeof(v) / sizeof(v[0]))

/* Append a formatted string to the arena and return it as bytes. */
static struct codec_bytes __attribute__((format(printf, 3, 4)))
arena_fmt(char *arena, size_t *used, const char *fmt, ...)
{
	struct codec_bytes out;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(arena + *used, SAMPLE_ARENA - *used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= SAMPLE_ARENA - *used)
		abort();	/* a test-data bug, not a runtime condition */
	out.p = (const uint8_t *)arena + *used;
	out.len = (size_t)n;
	*used += (size_t)n + 1;
	return out;
}

static const char *const unis[][4] = {
	{ "hh.se", "Högskolan i Halmstad", "Halmstad University", "202100-3203" },
	{ "chalmers.se", "Chalmers tekniska högskola", "Chalmers University of Technology", "556479-5598" },
	{ "kth.se", "Kungliga Tekniska högskolan", "KTH Royal Institute of Technology", "202100-3054" },
	{ "liu.se", "Linköpings universitet", "Linköping University", "202100-3096" },
	{ "ltu.se", "Luleå tekniska universitet", "Luleå University of Technology", "202100-2841" },
	{ "lu.se", "Lunds universitet", "Lund University", "202100-3211" },
	{ "mdu.se", "Mälardalens universitet", "Mälardalen University", "202100-4904" },
	{ "ju.se", "Jönköping University", "Jönköping University", "826001-9049" },
};

static int
member_of(const struct sample_fed *f, size_t i, struct body_member *m,
    char *arena, size_t *used)
{
	memset(m, 0, sizeof(*m));
	memcpy(m->key, f->pk[i], KEY_PK_BYTES);
	m->role = lit("member");
	m->schac = lit(unis[i % 8][0]);
	m->name_sv = lit(unis[i % 8][1]);
	m->name_en = lit(unis[i % 8][2]);
	m->org_no = lit(unis[i % 8][3]);
	m->country = lit("SE");
	m->endpoint = arena_fmt(arena, used, "tcp://node%lu.example.se:%lu",
	    (unsigned long)i, 7400ul + i);
	/* Fixed seeds, deterministic signatures: the same card each run. */
	return key_transport_card(f->keys[i], m->transport, m->transport_sig);
}

int
sample_propose(const struct sample_fed *f, size_t i, const char *role,
    struct body *b, char *arena)
{
	size_t used = 0;
	int rc;

	if (i >= f->nkeys)
		return I40_E_RANGE;
	memset(b, 0, sizeof(*b));
	b->type = BODY_MEMBER_PROPOSE;
	if ((rc = member_of(f, i, &b->u.member, arena, &used)) != 0)
		return rc;
	b->u.member.role.p = (const uint8_t *)role;
	b->u.member.role.len = strlen(role);
	return 0;
}

int
sample_fed_init(struct sample_fed *f, size_t nkeys)
{
	char arena[SAMPLE_ARENA];
	struct body *b;
	uint8_t seed[KEY_SEED_BYTES];
	size_t i, used = 0;
	int rc;

	memset(f, 0, sizeof(*f));
	if (nkeys == 0 || nkeys > SAMPLE_MAX_KEYS)
		return I40_E_RANGE;
	if ((rc = key_init()) != 0)
		return rc;
	for (i = 0; i < nkeys; i++) {
		memset(seed, (int)(i + 1), sizeof(seed));
		if ((rc = key_from_seed(seed, &f->keys[i])) != 0)
			return rc;
		key_public(f->keys[i], f->pk[i]);
		f->nkeys++;
	}
	if ((b = calloc(1, sizeof(*b))) == NULL)
		return I40_E_NOMEM;
	b->type = BODY_GENESIS;
	b->u.charter.qa = lit("Swedish HEIs under UKÄ quality assurance (ESG part 1)");
	b->u.charter.name = lit("Ingenjör4.0 test federation");
	b->u.charter.created = lit("2026-11-25");
	b->u.charter.admit_pct = 50;
	for (i = 0, rc = 0; i < nkeys && rc == 0; i++)
		rc = member_of(f, i, &b->u.charter.members[i], arena, &used);
	b->u.charter.nmembers = (uint32_t)nkeys;
	if (rc == 0)
		rc = body_encode(b, NULL, f->charter, sizeof(f->charter),
		    &f->charter_len, NULL);
	free(b);
	if (rc == 0)
		ev_fed_id(f->charter, f->charter_len, f->fed_id);
	return rc;
}

void
sample_fed_free(struct sample_fed *f)
{
	size_t i;

	for (i = 0; i < f->nkeys; i++)
		key_free(f->keys[i]);
	f->nkeys = 0;
}

static const char *const topics[][3] = {
	{ "ROB", "Robotprogrammering", "Robot programming" },
	{ "AM", "Additiv tillverkning", "Additive manufacturing" },
	{ "DT", "Digitala tvillingar", "Digital twins" },
	{ "ML", "Maskininlärning för produktion", "Machine learning for production" },
	{ "CS", "Cybersäkerhet i industriella system", "Cybersecurity in industrial systems" },
	{ "LEAN", "Lean och automation", "Lean and automation" },
	{ "SV", "Svetsautomation", "Welding automation" },
	{ "IOT", "Industriellt sakernas internet", "Industrial internet of things" },
};
static const char *const skills[][2] = {
	{ "robot programming", "http://data.europa.eu/esco/skill/0d0b7a3a-6b2d-4bd0-a8b4-1f1a4bd8f6b1" },
	{ "additive manufacturing", NULL },
	{ "operate welding equipment", "http://data.europa.eu/esco/skill/6e8ab3ca-8c4f-4a1c-8d8b-6d2c1a6d5b0e" },
	{ "automatisering", NULL },
	{ "data analysis", NULL },
	{ "PLC-programmering", NULL },
};
static const char *const modes[] = { "online", "onsite", "blended" };
static const char *const paces[] = { "synchronous", "asynchronous", "mixed" };
static const char *const assess[] = { "written_exam", "assignment", "project",
    "oral_exam", "lab", "quiz" };
static const char *const sup[] = { "unsupervised", "supervised",
    "supervised_id" };
static const char *const teachers[] = { "Anna Lindqvist", "Björn Öberg",
    "Carina Åström", "David Nilsson" };
static const char *const examiners[] = { "Eva Ekström", "Fredrik Holm",
    "Göran Källström" };
static const char *const scales[][8] = {
	{ "UG", "U", "G", NULL },
	{ "UVG", "U", "G", "VG", NULL },
	{ "U345", "U", "3", "4", "5", NULL },
	{ "AF", "A", "B", "C", "D", "E", "FX", "F" },
	{ "PF", "P", "F", NULL },
};

static void
random_id(struct sample_rng *r, uint8_t *out, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		out[i] = (uint8_t)sample_u64(r);
}

/* Two dates, the second 0-13 days after the first. */
static void
sample_date(struct sample_rng *r, char *arena, size_t *used,
    struct codec_bytes *a, struct codec_bytes *b)
{
	unsigned long y = 2024 + sample_below(r, 4), m = 1 + sample_below(r, 12);
	unsigned long d = 1 + sample_below(r, 14);

	*a = arena_fmt(arena, used, "%04lu-%02lu-%02lu", y, m, d);
	*b = arena_fmt(arena, used, "%04lu-%02lu-%02lu", y, m,
	    d + sample_below(r, 14));
}

static void
sample_module(struct sample_rng *r, struct body_module *m, char *arena,
    size_t *used)
{
	size_t t = sample_below(r, 8), i, k;

	m->code = arena_fmt(arena, used, "I40-%s%lu", topics[t][0],
	    (unsigned long)(1 + sample_below(r, 9)));
	m->title_sv = lit(topics[t][1]);
	m->title_en = lit(topics[t][2]);
	m->credits = 10;
	m->hours = 20 + sample_below(r, 8);
	m->eqf = 6 + sample_below(r, 2);
	m->cycle = lit(m->eqf == 6 ? "first" : "second");
	m->lang[0] = lit("en");
	m->nlang = 1;
	if (sample_below(r, 2)) {
		m->lang[1] = lit("sv");
		m->nlang = 2;
	}
	m->mode = lit(PICK(r, modes));
	m->pace = lit(PICK(r, paces));
	m->supervision = lit(PICK(r, sup));
	m->assessment[0] = lit(assess[sample_below(r, 3)]);
	m->assessment[1] = lit(assess[3 + sample_below(r, 3)]);
	m->nassessment = 1 + (uint32_t)sample_below(r, 2);
	m->summary_en = lit("A short module for engineers in industry.\nAbout 20 hours of work.");
	if (sample_below(r, 2))
		m->summary_sv = lit("En kort modul för yrkesverksamma ingenjörer.");
	m->noutcomes_en = 1 + (uint32_t)sample_below(r, 3);
	for (i = 0; i < m->noutcomes_en; i++)
		m->outcomes_en[i] = arena_fmt(arena, used,
		    "Explain and apply method %lu in a production setting (%lu).",
		    (unsigned long)i + 1, (unsigned long)sample_below(r, 1000));
	if (sample_below(r, 2)) {
		m->outcomes_sv[0] = lit("Förklara och tillämpa metoden på en verklig produktionscell.");
		m->noutcomes_sv = 1;
	}
	m->nskills = (uint32_t)sample_below(r, 4);
	for (i = 0; i < m->nskills; i++) {
		k = sample_below(r, 6);
		m->skills[i].label = lit(skills[k][0]);
		if (skills[k][1] != NULL)
			m->skills[i].esco = lit(skills[k][1]);
	}
	if (sample_below(r, 3) == 0) {
		m->prereqs[0].code = lit("I40-ROB1");
		m->prereqs[0].schac = lit("hh.se");
		m->nprereqs = 1;
		m->entry_en = lit("A degree in engineering or equivalent work experience.");
	}
	m->nteachers = (uint32_t)sample_below(r, 3);
	for (i = 0; i < m->nteachers; i++)
		m->teachers[i] = lit(teachers[(i + t) % 4]);
	m->nsessions = (uint32_t)sample_below(r, 3);
	for (i = 0; i < m->nsessions; i++) {
		sample_date(r, arena, used, &m->sessions[i].start,
		    &m->sessions[i].end);
		m->sessions[i].mode = m->mode;
		m->sessions[i].seats = sample_below(r, 60);
	}
	if (sample_below(r, 2))
		m->url = lit("https://www.ingenjor40.se/moduler/");
	if (sample_below(r, 2))
		m->isced = lit("0714");
	if (sample_below(r, 2))
		m->qa_ref = lit("Kursplan fastställd 2026-05-12, dnr 2026/123");
	if (sample_below(r, 2))
		m->path = lit("Learning path: Automation engineer");
}

int
sample_body(const struct sample_fed *f, size_t author, uint32_t type,
    struct sample_rng *r, struct body *b, char *arena)
{
	uint8_t seed[KEY_SEED_BYTES];
	struct key_secret *next;
	size_t used = 0, s, k;
	int rc;

	memset(b, 0, sizeof(*b));
	b->type = (enum body_type)type;
	switch (type) {
	case BODY_GENESIS:
		return body_decode(type, f->charter, f->charter_len, NULL, b,
		    NULL);
	case BODY_MEMBER_PROPOSE:
		memset(seed, 0x70 + (int)sample_below(r, 16), sizeof(seed));
		if ((rc = key_from_seed(seed, &next)) != 0)
			return rc;
		memset(&b->u.member, 0, sizeof(b->u.member));
		key_public(next, b->u.member.key);
		rc = key_transport_card(next, b->u.member.transport,
		    b->u.member.transport_sig);
		key_free(next);
		if (rc != 0)
			return rc;
		b->u.member.role = lit(sample_below(r, 2) ? "member" : "observer");
		b->u.member.schac = lit("oru.se");
		b->u.member.country = lit("SE");
		b->u.member.name_sv = lit("Örebro universitet");
		b->u.member.name_en = lit("Örebro University");
		b->u.member.endpoint = lit("tcp://i40.oru.se:7400");
		return 0;
	case BODY_MEMBER_ENDORSE:
		random_id(r, b->u.endorse.proposal, 32);
		return 0;
	case BODY_MEMBER_REMOVE:
		memcpy(b->u.remove.key, f->pk[(author + 1) % f->nkeys], 32);
		b->u.remove.upto = sample_below(r, 1000);
		b->u.remove.reason = lit("Left the programme at the end of 2026.");
		return 0;
	case BODY_KEY_ROTATE:
		random_id(r, seed, sizeof(seed));
		if ((rc = key_from_seed(seed, &next)) != 0)
			return rc;
		rc = body_rotate_make(f->fed_id, f->pk[author], next, b);
		key_free(next);
		sodium_memzero(seed, sizeof(seed));
		return rc;
	case BODY_MODULE_PUBLISH:
	case BODY_MODULE_UPDATE:
		sample_module(r, &b->u.module, arena, &used);
		return 0;
	case BODY_MODULE_RETIRE:
		b->u.retire.code = lit("I40-ROB1");
		if (sample_below(r, 2))
			b->u.retire.reason = lit("Replaced by I40-ROB2.");
		return 0;
	case BODY_COMPLETION_RECORD:
		random_id(r, b->u.completion.module, 32);
		random_id(r, b->u.completion.learner, 16);
		s = sample_below(r, 5);
		b->u.completion.scale = lit(scales[s][0]);
		for (k = 1; k < 8 && scales[s][k] != NULL; k++)
			;
		b->u.completion.grade = lit(scales[s][1 +
		    sample_below(r, k - 1)]);
		b->u.completion.examiner = lit(PICK(r, examiners));
		sample_date(r, arena, &used, &b->u.completion.exam_date,
		    &b->u.completion.decision_date);
		if (sample_below(r, 3) == 0)
			b->u.completion.supervision = lit("supervised_id");
		return 0;
	case BODY_COMPLETION_REVOKE:
		random_id(r, b->u.revoke.completion, 32);
		b->u.revoke.reason = lit("Recorded against the wrong learner.");
		return 0;
	case BODY_CHECKPOINT: {
		/* The other members' heads, ascending by key. */
		const uint8_t *order[SAMPLE_MAX_KEYS], *t;
		size_t n = 0, i, j;

		for (i = 0; i < f->nkeys; i++)
			if (i != author)
				order[n++] = f->pk[i];
		for (i = 1; i < n; i++)
			for (j = i; j > 0 && memcmp(order[j - 1], order[j],
			    32) > 0; j--) {
				t = order[j];
				order[j] = order[j - 1];
				order[j - 1] = t;
			}
		for (i = 0; i < n; i++) {
			struct body_head *h = &b->u.checkpoint.heads[i];

			memcpy(h->author, order[i], 32);
			h->seq = 1 + sample_below(r, 1000);
			random_id(r, h->id, 32);
		}
		/* A federation of one member: name some other log. */
		if (n == 0) {
			random_id(r, b->u.checkpoint.heads[0].author, 32);
			b->u.checkpoint.heads[0].seq = 1;
			random_id(r, b->u.checkpoint.heads[0].id, 32);
			n = 1;
		}
		b->u.checkpoint.nheads = (uint32_t)n;
		return 0;
	}
	default:
		return I40_E_EVENT_TYPE;
	}
}

/* Sign the encoded body as author's event at seq, after prev. */
static int
sign_body(const struct sample_fed *f, size_t author, uint64_t seq,
    const uint8_t prev[EV_ID_BYTES], uint32_t type, uint64_t time_ms,
    const uint8_t *body, size_t blen, uint8_t *out, size_t cap, size_t *len,
    uint8_t id[EV_ID_BYTES])
{
	struct ev_header h;

	memset(&h, 0, sizeof(h));
	memcpy(h.fed_id, f->fed_id, EV_FED_ID_BYTES);
	memcpy(h.author, f->pk[author], KEY_PK_BYTES);
	h.seq = seq;
	if (seq > 1)
		memcpy(h.prev, prev, EV_ID_BYTES);
	h.time_ms = time_ms;
	h.type = type;
	return ev_sign(&h, body, blen, f->keys[author], out, cap, len, id);
}

int
sample_event(const struct sample_fed *f, size_t author, uint64_t seq,
    const uint8_t prev[EV_ID_BYTES], uint32_t type, struct sample_rng *r,
    uint8_t *out, size_t cap, size_t *len, uint8_t id[EV_ID_BYTES])
{
	char arena[SAMPLE_ARENA];
	uint8_t body[EV_MAX_BYTES];
	struct body_ctx ctx;
	struct body *b;
	uint64_t time_ms;
	size_t blen;
	int rc;

	if ((b = malloc(sizeof(*b))) == NULL)
		return I40_E_NOMEM;
	if (type == BODY_GENESIS) {
		author = 0;
		seq = 1;
	}
	time_ms = UINT64_C(1795000000000) + sample_below(r, 1000000000);
	ctx.fed_id = f->fed_id;
	ctx.author = f->pk[author];
	rc = sample_body(f, author, type, r, b, arena);
	if (rc == 0)
		rc = body_encode(b, &ctx, body, sizeof(body), &blen, NULL);
	free(b);
	if (rc != 0)
		return rc;
	return sign_body(f, author, seq, prev, type, time_ms, body, blen, out,
	    cap, len, id);
}

int
sample_counting_event(const struct sample_fed *f, size_t a, uint64_t seq,
    const uint8_t prev[EV_ID_BYTES], uint32_t type, const uint8_t *module,
    struct sample_rng *r, uint8_t *out, size_t cap, size_t *len,
    uint8_t id[EV_ID_BYTES])
{
	char arena[SAMPLE_ARENA], code[32];
	uint8_t body[EV_MAX_BYTES];
	struct body_ctx ctx = { f->fed_id, f->pk[a] };
	struct body *b;
	size_t blen;
	int rc;

	if ((b = malloc(sizeof(*b))) == NULL)
		return I40_E_NOMEM;
	if ((rc = sample_body(f, a, type, r, b, arena)) == 0) {
		if (type == BODY_MODULE_PUBLISH) {
			snprintf(code, sizeof(code), "I40-%zu-%llu", a,
			    (unsigned long long)seq);
			b->u.module.code.p = (const uint8_t *)code;
			b->u.module.code.len = strlen(code);
		} else if (type == BODY_COMPLETION_RECORD) {
			memcpy(b->u.completion.module, module, EV_ID_BYTES);
		}
		rc = body_encode(b, &ctx, body, sizeof(body), &blen, NULL);
	}
	free(b);
	if (rc != 0)
		return rc;
	return sign_body(f, a, seq, prev, type, UINT64_C(1795000000000) + seq,
	    body, blen, out, cap, len, id);
}

int
sample_sign_body(const struct sample_fed *f, size_t author, uint64_t seq,
    const uint8_t prev[EV_ID_BYTES], const struct body *b, uint8_t *out,
    size_t cap, size_t *len, uint8_t id[EV_ID_BYTES])
{
	struct body_ctx ctx = { f->fed_id, f->pk[author] };
	uint8_t *body;
	size_t blen;
	int rc;

	if ((body = malloc(EV_MAX_BYTES)) == NULL)
		return I40_E_NOMEM;
	rc = body_encode(b, &ctx, body, EV_MAX_BYTES, &blen, NULL);
	if (rc == 0)
		rc = sign_body(f, author, seq, prev, (uint32_t)b->type,
		    UINT64_C(1795000000000) + seq, body, blen, out, cap, len,
		    id);
	free(body);
	return rc;
}

int
sample_scratch_init(struct sample_fed *f, size_t nkeys, char *dir)
{
	if (sample_fed_init(f, nkeys) != 0)
		return -1;
	if (mkdtemp(dir) == NULL) {
		sample_fed_free(f);
		return -1;
	}
	return 0;
}

void
sample_scratch_free(struct sample_fed *f, const char *dir)
{
	sample_fed_free(f);
	sample_rm_rf(dir);
}

void
sample_rm_rf(const char *path)
{
	char sub[PATH_MAX];
	struct dirent *d;
	struct stat sb;
	DIR *dp;

	if (lstat(path, &sb) != 0)
		return;
	if (S_ISDIR(sb.st_mode) && (dp = opendir(path)) != NULL) {
		while ((d = readdir(dp)) != NULL) {
			if (strcmp(d->d_name, ".") == 0 ||
			    strcmp(d->d_name, "..") == 0)
				continue;
			if (snprintf(sub, sizeof(sub), "%s/%s", path,
			    d->d_name) >= (int)sizeof(sub))
				continue;
			sample_rm_rf(sub);
		}
		closedir(dp);
		(void)rmdir(path);
	} else {
		(void)unlink(path);
	}
}
