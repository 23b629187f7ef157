/*
 * memscan.c: count the copies of a node's secrets in a running process's
 * memory, for the integration tests (issue 11, item 4: what a memory
 * disclosure in the transport would reveal).
 *
 *   memscan --pid PID --key FILE
 *
 * Reads every mapping of /proc/PID/mem it can (root may read a process
 * that is not dumpable, and pages that are PROT_NONE) and prints, one per
 * line, how often each 32-byte secret of the key in FILE occurs:
 *
 *   seed N         the Ed25519 seed (what the key file holds)
 *   scalar N       the Ed25519 signing scalar, clamped SHA-512(seed): from
 *                  it alone signatures can be forged; it is also what
 *                  crypto_sign_ed25519_sk_to_curve25519 makes, the CURVE
 *                  secret of the first design
 *   transport N    the transport (CURVE) secret of docs/protocol.md §8.3
 *
 * Exit 0 after a scan, 2 on a usage error, 4 if the process cannot be read.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "protocol/keys.h"
#include "store/keyfile.h"

#define NPAT 3
#define CHUNK (1UL << 20)

static void
die(int code, const char *what)
{
	fprintf(stderr, "memscan: %s\n", what);
	exit(code);
}

static void
scan(const uint8_t *buf, size_t len, uint8_t pat[NPAT][32], long count[NPAT])
{
	size_t i;
	int k;

	for (i = 0; i + 32 <= len; i++)
		for (k = 0; k < NPAT; k++)
			if (buf[i] == pat[k][0] && memcmp(buf + i, pat[k],
			    32) == 0)
				count[k]++;
}

int
main(int argc, char **argv)
{
	static const char *names[NPAT] = { "seed", "scalar", "transport" };
	uint8_t pat[NPAT][32], *buf;
	long count[NPAT] = { 0 }, regions = 0;
	struct key_secret *k = NULL;
	char path[64], line[512];
	const char *pid = NULL, *keyf = NULL;
	unsigned long lo, hi;
	FILE *maps;
	int i, fd;

	for (i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--pid") == 0)
			pid = argv[i + 1];
		else if (strcmp(argv[i], "--key") == 0)
			keyf = argv[i + 1];
		else
			die(2, "usage: memscan --pid PID --key FILE");
	}
	if (pid == NULL || keyf == NULL || i != argc)
		die(2, "usage: memscan --pid PID --key FILE");
	if (key_init() != 0 || keyfile_read(keyf, &k) != 0)
		die(4, "cannot read the key file");
	{
		uint8_t sk[crypto_sign_SECRETKEYBYTES], pk[32];

		key_seed(k, pat[0]);
		crypto_sign_seed_keypair(pk, sk, pat[0]);
		if (crypto_sign_ed25519_sk_to_curve25519(pat[1], sk) != 0 ||
		    key_transport_secret(k, pat[2]) != 0)
			die(4, "cannot derive the secrets");
		sodium_memzero(sk, sizeof(sk));
	}
	key_free(k);
	snprintf(path, sizeof(path), "/proc/%s/maps", pid);
	if ((maps = fopen(path, "r")) == NULL)
		die(4, "cannot open /proc/PID/maps");
	snprintf(path, sizeof(path), "/proc/%s/mem", pid);
	if ((fd = open(path, O_RDONLY)) < 0)
		die(4, "cannot open /proc/PID/mem (run as root)");
	/* Chunks overlap by 31 bytes, so no copy is missed at a seam. */
	if ((buf = malloc(CHUNK + 31)) == NULL)
		die(4, "out of memory");
	while (fgets(line, sizeof(line), maps) != NULL) {
		unsigned long at;
		ssize_t got;

		if (sscanf(line, "%lx-%lx", &lo, &hi) != 2 || hi <= lo)
			continue;
		/*
		 * The kernel's [vvar] and [vsyscall] cannot be read; the
		 * sanitizers' shadow (terabytes, reserved, not backed) holds
		 * no copy of anything.
		 */
		if (strstr(line, "[vvar]") != NULL ||
		    strstr(line, "[vsyscall]") != NULL ||
		    hi - lo > (1UL << 32))
			continue;
		for (at = lo; at < hi; at += CHUNK) {
			size_t want = hi - at < CHUNK + 31 ? hi - at :
			    CHUNK + 31;

			got = pread(fd, buf, want, (off_t)at);
			if (got <= 0)
				break;
			scan(buf, (size_t)got, pat, count);
		}
		regions++;
	}
	free(buf);
	fclose(maps);
	close(fd);
	sodium_memzero(pat, sizeof(pat));
	printf("# %ld regions read\n", regions);
	for (i = 0; i < NPAT; i++)
		printf("%s %ld\n", names[i], count[i]);
	return 0;
}
