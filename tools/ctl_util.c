/* ctl_util.c: what every i40ctl subcommand shares (see ctl.h). */
#include "ctl.h"
#include "store/keyfile.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "protocol/codec.h"
#include "protocol/keys.h"

static const char *cmd_name = "i40ctl";
/* ctl_usage_late() was called since the last ctl_opts_init(). */
static int usage_late;

void
ctl_set_cmd(const char *name)
{
	cmd_name = name;
}

const char *
ctl_cmd(void)
{
	return cmd_name;
}

/* "<cmd>: <prefix><message>" on stderr, without a newline. */
static void __attribute__((format(printf, 2, 0)))
vsay(const char *prefix, const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: %s", cmd_name, prefix);
	vfprintf(stderr, fmt, ap);
}

void
ctl_errx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay("", fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void
ctl_err(int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay("", fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", i40_strerror(rc));
}

void
ctl_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay("warning: ", fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* The length of the synopsis: usage up to its first empty line. */
static size_t
synopsis_len(const char *usage)
{
	const char *end = strstr(usage, "\n\n");

	return end != NULL ? (size_t)(end - usage) + 1 : strlen(usage);
}

int
ctl_usage_error(const char *usage, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay("", fmt, ap);
	va_end(ap);
	/* The synopsis only: the whole text is for --help. */
	fprintf(stderr, "\n%.*s", (int)synopsis_len(usage), usage);
	return CTL_EXIT_USAGE;
}

/*
 * After getopt_long returned '?' or ':': name the bad option of argv,
 * print the synopsis, return CTL_EXIT_USAGE.
 */
static int
bad_option(int c, char *argv[], const char *usage)
{
	const char *opt = optind > 0 ? argv[optind - 1] : "?";

	if (c == ':')
		return ctl_usage_error(usage, "option %s needs a value", opt);
	/* A long option given a value it does not take (--json=x). */
	if (optopt != 0 && strncmp(opt, "--", 2) == 0 &&
	    strchr(opt, '=') != NULL)
		return ctl_usage_error(usage, "option %.*s takes no value",
		    (int)(strchr(opt, '=') - opt), opt);
	/* A short option: optopt is its letter. */
	if (strncmp(opt, "--", 2) != 0 && optopt > 0 && optopt < 128 &&
	    isalnum(optopt))
		return ctl_usage_error(usage, "unknown option -%c", optopt);
	return ctl_usage_error(usage, "unknown option %s", opt);
}

void
ctl_usage_late(const char *usage)
{
	fprintf(stderr, "%.*s", (int)synopsis_len(usage), usage);
	usage_late = 1;
}

int
ctl_exit(int ret)
{
	return ret == CTL_EXIT_ERR && usage_late ? CTL_EXIT_USAGE : ret;
}

void
ctl_opts_init(struct ctl_opts *o, const char *usage, int timeout_ms)
{
	usage_late = 0;
	memset(o, 0, sizeof(*o));
	o->usage = usage;
	o->timeout_ms = timeout_ms;
	o->exit = CTL_EXIT_USAGE;
	optind = 0;
}

int
ctl_getopt(int argc, char *argv[], const char *optstring,
    const struct option *longopts, struct ctl_opts *o)
{
	int c;

	while ((c = getopt_long(argc, argv, optstring, longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			o->datadir = optarg;
			break;
		case 'T':
			if (ctl_parse_timeout(optarg, &o->timeout_ms) != 0) {
				o->exit = ctl_usage_error(o->usage, "--timeout "
				    "takes whole seconds from 1 to %d, not `%s'",
				    CTL_TIMEOUT_MAX_S, optarg);
				return -1;
			}
			break;
		case 'J':
			o->json = 1;
			break;
		case 'h':
			fputs(o->usage, stdout);
			o->exit = CTL_EXIT_OK;
			return -1;
		case '?':
		case ':':
			o->exit = bad_option(c, argv, o->usage);
			return -1;
		default:
			return c;
		}
	}
	if (optind < argc) {
		o->exit = ctl_usage_error(o->usage, "unexpected argument `%s'",
		    argv[optind]);
		return -1;
	}
	return 0;
}

int
ctl_dispatch(int argc, char *argv[], const char *usage,
    const struct ctl_sub *sub, size_t n)
{
	size_t i;

	if (argc < 2) {
		fputs(usage, stderr);
		return CTL_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		fputs(usage, stdout);
		return CTL_EXIT_OK;
	}
	for (i = 0; i < n; i++)
		if (strcmp(argv[1], sub[i].name) == 0)
			return sub[i].fn(argc - 1, argv + 1);
	ctl_errx("unknown command `%s'", argv[1]);
	fputs(usage, stderr);
	return CTL_EXIT_ERR;
}

void
ctl_hex(const uint8_t *b, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 15];
	}
	out[2 * n] = '\0';
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
ctl_unhex(const char *s, uint8_t *out, size_t n)
{
	size_t i;
	int hi, lo;

	if (strlen(s) != 2 * n)
		return I40_E_VALUE;
	for (i = 0; i < n; i++) {
		if ((hi = hexval(s[2 * i])) < 0 ||
		    (lo = hexval(s[2 * i + 1])) < 0)
			return I40_E_VALUE;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

int
ctl_parse_key(const char *s, uint8_t pk[32])
{
	size_t len = strlen(s);

	if (len == 64)
		return ctl_unhex(s, pk, 32);
	if (len == KEY_Z85_LEN)
		return key_z85_decode(s, pk);
	return I40_E_VALUE;
}

int
ctl_parse_uint(const char *s, uint64_t max, uint64_t *v)
{
	uint64_t n = 0, d;
	const char *p;

	if (*s == '\0')
		return I40_E_VALUE;
	for (p = s; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return I40_E_VALUE;
		d = (uint64_t)(*p - '0');
		if (n > UINT64_MAX / 10 ||
		    (n == UINT64_MAX / 10 && d > UINT64_MAX % 10))
			return I40_E_RANGE;
		n = n * 10 + d;
	}
	if (n > max)
		return I40_E_RANGE;
	*v = n;
	return 0;
}

int
ctl_parse_hp(const char *s, uint64_t *tenths)
{
	char whole[16];
	size_t i, n = strlen(s);
	uint64_t w;
	int frac = 0;

	/* The unit is optional: "1.5hp" and "1.5" mean the same. */
	if (n >= 2 && strcmp(s + n - 2, "hp") == 0)
		n -= 2;
	for (i = 0; i < n && s[i] != '.' && s[i] != ','; i++)
		;
	if (i == 0 || i >= sizeof(whole))
		return I40_E_VALUE;
	memcpy(whole, s, i);
	whole[i] = '\0';
	if (ctl_parse_uint(whole, UINT64_MAX / 10 - 9, &w) != 0)
		return I40_E_VALUE;
	if (i < n) {
		/* Exactly one decimal: a tenth is the protocol's unit. */
		if (n - i != 2 || s[i + 1] < '0' || s[i + 1] > '9')
			return I40_E_VALUE;
		frac = s[i + 1] - '0';
	}
	*tenths = w * 10 + (uint64_t)frac;
	return 0;
}

void
ctl_format_hp(uint64_t tenths, char out[24])
{
	if (tenths % 10 == 0)
		snprintf(out, 24, "%llu", (unsigned long long)(tenths / 10));
	else
		snprintf(out, 24, "%llu.%u", (unsigned long long)(tenths / 10),
		    (unsigned)(tenths % 10));
}

int
ctl_parse_timeout(const char *s, int *ms)
{
	uint64_t v;

	if (ctl_parse_uint(s, CTL_TIMEOUT_MAX_S, &v) != 0 || v == 0)
		return I40_E_VALUE;
	*ms = (int)v * 1000;
	return 0;
}

const char *
ctl_datadir(const char *opt)
{
	const char *env;

	if (opt != NULL)
		return opt;
	if ((env = getenv(CTL_DATADIR_ENV)) != NULL && *env != '\0')
		return env;
	return CTL_DATADIR_DEFAULT;
}

int
ctl_path(char *out, size_t cap, const char *dir, const char *name)
{
	int n = snprintf(out, cap, "%s/%s", dir, name);

	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

int
ctl_open_input(const char *path, FILE **f)
{
	struct stat sb;
	int e;

	if (strcmp(path, "-") == 0) {
		*f = stdin;
		return 0;
	}
	if ((*f = fopen(path, "rb")) == NULL)
		return -errno;
	if (fstat(fileno(*f), &sb) != 0 || S_ISDIR(sb.st_mode)) {
		e = S_ISDIR(sb.st_mode) ? EISDIR : errno;
		fclose(*f);
		*f = NULL;
		return -e;
	}
	return 0;
}

int
ctl_read_file(const char *path, size_t max, uint8_t **buf, size_t *len)
{
	struct stat sb;
	uint8_t *p = NULL;
	size_t got = 0;
	ssize_t r;
	int fd, rc = 0;

	*buf = NULL;
	*len = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	if (fstat(fd, &sb) != 0) {
		rc = -errno;
		goto out;
	}
	if (!S_ISREG(sb.st_mode)) {
		rc = -EISDIR;
		goto out;
	}
	if ((uint64_t)sb.st_size > max) {
		rc = I40_E_TOO_BIG;
		goto out;
	}
	/* One byte more than the size, to notice a file that grew. */
	if ((p = malloc((size_t)sb.st_size + 1)) == NULL) {
		rc = I40_E_NOMEM;
		goto out;
	}
	while (got <= (size_t)sb.st_size) {
		r = read(fd, p + got, (size_t)sb.st_size + 1 - got);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			goto out;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	if (got > (size_t)sb.st_size)
		rc = -EAGAIN;	/* changed while we read it */
out:
	close(fd);
	if (rc != 0) {
		free(p);
		return rc;
	}
	*buf = p;
	*len = got;
	return 0;
}

/* A new file, durably and never half-written: the key file's writer. */
int
ctl_write_new(const char *path, const uint8_t *buf, size_t len, mode_t mode)
{
	return keyfile_write_new(path, buf, len, mode);
}

json_t *
ctl_json_hex(const uint8_t *b, size_t n)
{
	char buf[2 * 64 + 1];

	if (n > 64)
		return NULL;
	ctl_hex(b, n, buf);
	return json_string(buf);
}

json_t *
ctl_json_strn(const void *s, size_t len)
{
	return json_stringn(s != NULL ? s : "", len);
}

/* The length of the UTF-8 character a lead byte begins (1 if none). */
static size_t
utf8_len(uint8_t c)
{
	return c < 0xc0 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
}

json_t *
ctl_json_text(const char *s)
{
	const uint8_t *p = (const uint8_t *)(s != NULL ? s : "");
	size_t len = strlen((const char *)p), i = 0, o = 0, n;
	char *buf;
	json_t *j;

	if (codec_utf8_valid(p, len))
		return json_stringn((const char *)p, len);
	if ((buf = malloc(3 * len + 1)) == NULL)
		return NULL;
	while (i < len) {
		n = utf8_len(p[i]);
		if (n <= len - i && codec_utf8_valid(p + i, n)) {
			memcpy(buf + o, p + i, n);
			o += n;
			i += n;
		} else {
			memcpy(buf + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
		}
	}
	j = json_stringn(buf, o);
	free(buf);
	return j;
}

json_t *
ctl_json_u64(uint64_t v)
{
	char buf[24];

	if (v <= (uint64_t)INT64_MAX)
		return json_integer((json_int_t)v);
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
	return json_string(buf);
}

int
ctl_json_get_u64(const json_t *v, uint64_t *out)
{
	const char *s;
	char *end;
	unsigned long long x;

	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		*out = (uint64_t)json_integer_value(v);
		return 0;
	}
	if ((s = json_string_value(v)) == NULL || *s < '0' || *s > '9')
		return I40_E_VALUE;
	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return I40_E_VALUE;
	*out = (uint64_t)x;
	return 0;
}

const char *
ctl_clip(const char *s, size_t max, char *buf, size_t cap)
{
	size_t len = strlen(s);

	if (max + 4 > cap)
		max = cap > 4 ? cap - 4 : 0;
	if (len <= max) {
		memcpy(buf, s, len + 1);
		return buf;
	}
	len = ctl_utf8_trim(s, max);
	memcpy(buf, s, len);
	memcpy(buf + len, "\xe2\x80\xa6", 4);	/* "…" and its NUL */
	return buf;
}

size_t
ctl_utf8_trim(const char *s, size_t len)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t k;

	/* Only the last character can be cut: back to its lead byte. */
	for (k = 0; k < 4 && k < len; k++) {
		uint8_t c = p[len - 1 - k];

		if (c < 0x80)
			return len;		/* ASCII ends it: whole */
		if (c >= 0xc0)			/* a lead byte */
			return utf8_len(c) == k + 1 ? len : len - 1 - k;
	}
	return len;
}

int
ctl_json_print(json_t *doc)
{
	int rc = 0;

	if (doc == NULL)
		return I40_E_NOMEM;
	if (json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0)
		rc = -EIO;
	else if (fputc('\n', stdout) == EOF || fflush(stdout) != 0)
		rc = -EIO;
	json_decref(doc);
	return rc;
}

int
ctl_output(json_t *doc, int json,
    void (*human)(const json_t *doc, const void *arg), const void *arg,
    const char *what)
{
	int rc;

	if (json) {
		rc = ctl_json_print(json_incref(doc));
	} else {
		human(doc, arg);
		rc = fflush(stdout) != 0 ? -EIO : 0;
	}
	if (rc != 0)
		ctl_err(rc, "cannot print the %s", what);
	return rc;
}

uint64_t
ctl_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}
