/* cache.c: a catalog's index in a file between processes (see cache.h). */
#include "match/cache.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "match/io_int.h"
#include "protocol/codec.h"

/* Bumped whenever the file's layout or the analysis changes. */
#define CACHE_VERSION 1
static const char cache_magic[8] = "I40MTCH\n";
/* A catalog's cache is tens of MB; past this it is not one. */
#define CACHE_MAX ((size_t)1 << 31)

static void
hash_file_id(crypto_generichash_state *h, const char *path)
{
	struct stat sb;
	uint64_t v[3] = { 0, 0, 0 };

	if (path != NULL && stat(path, &sb) == 0) {
		v[0] = (uint64_t)sb.st_size;
		v[1] = (uint64_t)sb.st_mtim.tv_sec;
		v[2] = (uint64_t)sb.st_mtim.tv_nsec;
	}
	crypto_generichash_update(h, (const uint8_t *)v, sizeof(v));
}

int
mt_cache_key(struct store *st, const char *dict_path,
    uint8_t key[MT_CACHE_KEY], char *why, size_t cap)
{
	struct store_member *mem = NULL;
	struct store_module *ms = NULL;
	crypto_generichash_state h;
	size_t nmem = 0, nms = 0, i;
	uint64_t v = CACHE_VERSION;
	uint8_t r;
	int rc;

	if ((rc = store_members(st, &mem, &nmem)) != 0 ||
	    (rc = store_module_ids(st, &ms, &nms)) != 0) {
		snprintf(why, cap, "cannot read the catalog: %s",
		    i40_strerror(rc));
		free(mem);
		return rc;
	}
	crypto_generichash_init(&h, NULL, 0, MT_CACHE_KEY);
	crypto_generichash_update(&h, (const uint8_t *)cache_magic,
	    sizeof(cache_magic));
	crypto_generichash_update(&h, (const uint8_t *)&v, sizeof(v));
	/* A new build of the program may analyse differently. */
	hash_file_id(&h, "/proc/self/exe");
	hash_file_id(&h, dict_path);
	for (i = 0; i < nmem; i++) {
		crypto_generichash_update(&h, mem[i].key, sizeof(mem[i].key));
		crypto_generichash_update(&h, (const uint8_t *)mem[i].schac,
		    strlen(mem[i].schac) + 1);
	}
	for (i = 0; i < nms; i++) {
		r = ms[i].retired != 0;
		crypto_generichash_update(&h, ms[i].id, sizeof(ms[i].id));
		crypto_generichash_update(&h, &r, 1);
	}
	crypto_generichash_final(&h, key, MT_CACHE_KEY);
	store_modules_free(ms, nms);
	free(mem);
	return 0;
}

static void
put_str(struct mt_wbuf *b, const char *s)
{
	size_t n = strlen(s);

	mt_put_u64(b, n);
	mt_put(b, s, n);
}

/* A string of at most cap - 1 bytes, UTF-8, no NUL, into dst. */
static void
take_str(struct mt_rbuf *r, char *dst, size_t cap)
{
	uint64_t n = mt_take_u64(r);
	const char *s;

	if (r->bad || n >= cap || (s = mt_take(r, (size_t)n)) == NULL ||
	    memchr(s, '\0', (size_t)n) != NULL ||
	    !codec_utf8_valid((const uint8_t *)s, (size_t)n)) {
		r->bad = 1;
		dst[0] = '\0';
		return;
	}
	memcpy(dst, s, (size_t)n);
	dst[n] = '\0';
}

static void
put_module(struct mt_wbuf *b, const struct mt_module *m)
{
	size_t k;

	mt_put(b, m->id, sizeof(m->id));
	mt_put(b, m->author, sizeof(m->author));
	put_str(b, m->code);
	put_str(b, m->schac);
	put_str(b, m->title_sv);
	put_str(b, m->title_en);
	mt_put_u64(b, m->credits);
	mt_put_u64(b, m->eqf);
	put_str(b, m->mode);
	mt_put_u64(b, m->nsessions);
	for (k = 0; k < m->nsessions; k++) {
		put_str(b, m->sessions[k].start);
		put_str(b, m->sessions[k].end);
		put_str(b, m->sessions[k].mode);
	}
	mt_put_u64(b, m->pre);
	mt_put_u64(b, m->npre);
}

int
mt_cache_save(const struct mt_catalog *c, const uint8_t key[MT_CACHE_KEY],
    const char *path)
{
	struct mt_wbuf b = { NULL, 0, 0, 0 };
	char tmp[4096];
	size_t i, k;
	int fd, rc;

	mt_put(&b, cache_magic, sizeof(cache_magic));
	mt_put_u64(&b, CACHE_VERSION);
	mt_put(&b, key, MT_CACHE_KEY);
	mt_put_u64(&b, c->n);
	for (i = 0; i < c->n; i++)
		put_module(&b, &c->m[i]);
	mt_put_u64(&b, c->ntags);
	for (i = 0; i < c->ntags; i++) {
		put_str(&b, c->tags[i].key);
		put_str(&b, c->tags[i].label);
		mt_put_u64(&b, c->tags[i].nstems);
		for (k = 0; k < c->tags[i].nstems; k++)
			put_str(&b, c->tags[i].stems[k]);
	}
	mt_put_u64(&b, c->npre);
	for (i = 0; i < c->npre; i++) {
		put_str(&b, c->pre[i].code);
		put_str(&b, c->pre[i].schac);
		mt_put_u64(&b, c->pre[i].mod == SIZE_MAX ? UINT64_MAX :
		    c->pre[i].mod);
	}
	if ((rc = mt_index_save(c->ix, &b)) == 0 && !b.oom) {
		/* The file's own hash last: a damaged file is not read. */
		uint8_t h[crypto_generichash_BYTES];

		crypto_generichash(h, sizeof(h), b.p, b.n, NULL, 0);
		mt_put(&b, h, sizeof(h));
	}
	if (rc != 0 || b.oom) {
		free(b.p);
		return rc != 0 ? rc : I40_E_NOMEM;
	}
	/* A new file renamed over the old: readers see one or the other. */
	if (snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid()) >=
	    (int)sizeof(tmp)) {
		free(b.p);
		return -ENAMETOOLONG;
	}
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0644)) < 0) {
		rc = -errno;
		free(b.p);
		return rc;
	}
	rc = 0;
	for (i = 0; rc == 0 && i < b.n;) {
		ssize_t w = write(fd, b.p + i, b.n - i);

		if (w < 0 && errno != EINTR)
			rc = -errno;
		else if (w > 0)
			i += (size_t)w;
	}
	if (close(fd) != 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, path) != 0)
		rc = -errno;
	if (rc != 0)
		(void)unlink(tmp);
	free(b.p);
	return rc;
}

static int
load_modules(struct mt_rbuf *r, struct mt_catalog *c)
{
	uint64_t n = mt_take_u64(r), k, ns;
	size_t i;
	const void *v;

	/* Each module takes more than 100 bytes: the count is bounded. */
	if (r->bad || n > (r->n - r->off) / 100)
		return I40_E_CORRUPT;
	if ((c->m = calloc((size_t)n + 1, sizeof(*c->m))) == NULL)
		return I40_E_NOMEM;
	c->n = (size_t)n;
	for (i = 0; !r->bad && i < c->n; i++) {
		struct mt_module *m = &c->m[i];

		if ((v = mt_take(r, 32)) != NULL)
			memcpy(m->id, v, 32);
		if ((v = mt_take(r, 32)) != NULL)
			memcpy(m->author, v, 32);
		take_str(r, m->code, sizeof(m->code));
		take_str(r, m->schac, sizeof(m->schac));
		take_str(r, m->title_sv, sizeof(m->title_sv));
		take_str(r, m->title_en, sizeof(m->title_en));
		m->credits = mt_take_u64(r);
		m->eqf = mt_take_u64(r);
		take_str(r, m->mode, sizeof(m->mode));
		if ((ns = mt_take_u64(r)) > MT_SESSIONS_MAX)
			r->bad = 1;
		for (k = 0; !r->bad && k < ns; k++) {
			take_str(r, m->sessions[k].start,
			    sizeof(m->sessions[k].start));
			take_str(r, m->sessions[k].end,
			    sizeof(m->sessions[k].end));
			take_str(r, m->sessions[k].mode,
			    sizeof(m->sessions[k].mode));
		}
		m->nsessions = (size_t)ns;
		m->pre = (size_t)mt_take_u64(r);
		m->npre = (size_t)mt_take_u64(r);
	}
	return r->bad ? I40_E_CORRUPT : 0;
}

static int
load_tags(struct mt_rbuf *r, struct mt_catalog *c)
{
	uint64_t n = mt_take_u64(r), k, ns;
	size_t i;

	if (r->bad || n > (r->n - r->off) / 24)
		return I40_E_CORRUPT;
	if ((c->tags = calloc((size_t)n + 1, sizeof(*c->tags))) == NULL)
		return I40_E_NOMEM;
	c->ntags = (size_t)n;
	for (i = 0; !r->bad && i < c->ntags; i++) {
		struct mt_tag *t = &c->tags[i];

		take_str(r, t->key, sizeof(t->key));
		take_str(r, t->label, sizeof(t->label));
		if ((ns = mt_take_u64(r)) > MT_TAG_STEMS)
			r->bad = 1;
		for (k = 0; !r->bad && k < ns; k++)
			take_str(r, t->stems[k], sizeof(t->stems[k]));
		t->nstems = (size_t)ns;
	}
	return r->bad ? I40_E_CORRUPT : 0;
}

static int
load_prereqs(struct mt_rbuf *r, struct mt_catalog *c)
{
	uint64_t n = mt_take_u64(r), mod;
	size_t i;

	if (r->bad || n > (r->n - r->off) / 24)
		return I40_E_CORRUPT;
	if ((c->pre = calloc((size_t)n + 1, sizeof(*c->pre))) == NULL)
		return I40_E_NOMEM;
	c->npre = (size_t)n;
	for (i = 0; !r->bad && i < c->npre; i++) {
		take_str(r, c->pre[i].code, sizeof(c->pre[i].code));
		take_str(r, c->pre[i].schac, sizeof(c->pre[i].schac));
		mod = mt_take_u64(r);
		if (mod != UINT64_MAX && mod >= c->n)
			r->bad = 1;
		c->pre[i].mod = mod == UINT64_MAX ? SIZE_MAX : (size_t)mod;
	}
	/* Each module's prerequisites lie within the list. */
	for (i = 0; !r->bad && i < c->n; i++)
		if (c->m[i].pre > c->npre || c->m[i].npre > c->npre -
		    c->m[i].pre)
			r->bad = 1;
	return r->bad ? I40_E_CORRUPT : 0;
}

static int
read_whole(const char *path, uint8_t **buf, size_t *len)
{
	struct stat sb;
	ssize_t got;
	size_t off = 0;
	int fd, rc = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return -errno;
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) ||
	    (uint64_t)sb.st_size > CACHE_MAX) {
		close(fd);
		return I40_E_CORRUPT;
	}
	*len = (size_t)sb.st_size;
	if ((*buf = malloc(*len + 1)) == NULL) {
		close(fd);
		return I40_E_NOMEM;
	}
	while (rc == 0 && off < *len) {
		got = read(fd, *buf + off, *len - off);
		if (got < 0 && errno != EINTR)
			rc = -errno;
		else if (got == 0)
			rc = I40_E_CORRUPT;	/* shorter than it said */
		else if (got > 0)
			off += (size_t)got;
	}
	close(fd);
	if (rc != 0) {
		free(*buf);
		*buf = NULL;
	}
	return rc;
}

int
mt_cache_load(const char *path, const uint8_t key[MT_CACHE_KEY],
    struct mt_analyzer *a, const struct mt_dict *d, struct mt_catalog *out)
{
	struct mt_rbuf r;
	const uint8_t *v;
	uint8_t *buf = NULL;
	size_t len = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	uint8_t h[crypto_generichash_BYTES];

	if ((rc = read_whole(path, &buf, &len)) != 0)
		return rc;
	if (len < sizeof(h) || (crypto_generichash(h, sizeof(h), buf,
	    len - sizeof(h), NULL, 0), sodium_memcmp(h, buf + len - sizeof(h),
	    sizeof(h)) != 0)) {
		free(buf);
		return I40_E_CORRUPT;
	}
	r.p = buf;
	r.n = len - sizeof(h);
	r.off = 0;
	r.bad = 0;
	if ((v = mt_take(&r, sizeof(cache_magic))) == NULL ||
	    memcmp(v, cache_magic, sizeof(cache_magic)) != 0 ||
	    mt_take_u64(&r) != CACHE_VERSION ||
	    (v = mt_take(&r, MT_CACHE_KEY)) == NULL ||
	    sodium_memcmp(v, key, MT_CACHE_KEY) != 0) {
		free(buf);
		return r.bad ? I40_E_CORRUPT : I40_E_MISMATCH;
	}
	if ((rc = load_modules(&r, out)) == 0 &&
	    (rc = load_tags(&r, out)) == 0 &&
	    (rc = load_prereqs(&r, out)) == 0 &&
	    (rc = mt_index_load(a, d, &r, &out->ix)) == 0 &&
	    (r.off != r.n || mt_index_docs(out->ix) != out->n))
		rc = I40_E_CORRUPT;
	free(buf);
	if (rc != 0)
		mt_catalog_free(out);
	return rc;
}

int
mt_catalog_open(struct store *st, struct mt_analyzer *a,
    const struct mt_dict *d, const char *dict_path, const char *path,
    struct mt_catalog *out, int *cached, char *why, size_t cap)
{
	uint8_t key[MT_CACHE_KEY];
	int rc;

	*cached = 0;
	if (path == NULL)
		return mt_catalog_build(st, a, d, out, why, cap);
	if ((rc = mt_cache_key(st, dict_path, key, why, cap)) != 0)
		return rc;
	if (mt_cache_load(path, key, a, d, out) == 0) {
		*cached = 1;
		return 0;
	}
	if ((rc = mt_catalog_build(st, a, d, out, why, cap)) != 0)
		return rc;
	/* Unwritten, the answer stands: the next call builds again. */
	rc = mt_cache_save(out, key, path);
	(void)rc;
	return 0;
}
