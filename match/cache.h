/*
 * cache.h: a catalog's index kept in a file between processes
 * (docs/matching.md, "Speed"), as APT keeps its package cache: a new
 * `i40ctl match` reads it instead of indexing every module again, as
 * long as it was made from the same catalog by the same program.
 *
 * The key is a BLAKE2b hash of what the catalog is made of (each
 * module's current event id and whether it is retired, each member's
 * key and SCHAC code), the cache format, the program file's size and
 * time, and the word list's.  A file with another key, or damaged, is
 * not used: the catalog is built from the store as before and the file
 * written again, atomically (a new file renamed over the old).
 *
 * Ownership: as mt_catalog_build; nothing is kept between calls.
 */
#ifndef I40_MATCH_CACHE_H
#define I40_MATCH_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "match/catalog.h"

#define MT_CACHE_KEY 32

/*
 * The key of st's current catalog, with the word list at dict_path
 * (NULL: none): 0, or the store's error with why set.
 */
int mt_cache_key(struct store *st, const char *dict_path,
    uint8_t key[MT_CACHE_KEY], char *why, size_t cap) I40_MUST_CHECK;

/* c as a cache file at path, for key: 0, or -errno, I40_E_NOMEM. */
int mt_cache_save(const struct mt_catalog *c,
    const uint8_t key[MT_CACHE_KEY], const char *path) I40_MUST_CHECK;

/*
 * The catalog in the cache file at path if it was made for key: 0 and
 * *out; -ENOENT (no file), I40_E_MISMATCH (another catalog or program),
 * I40_E_CORRUPT (damaged), I40_E_NOMEM, or -errno.
 */
int mt_cache_load(const char *path, const uint8_t key[MT_CACHE_KEY],
    struct mt_analyzer *a, const struct mt_dict *d, struct mt_catalog *out)
    I40_MUST_CHECK;

/*
 * st's catalog: from the cache file at path when it is current, else
 * built (mt_catalog_build) and the file written (best effort: a cache
 * that cannot be written costs time, not the answer).  path NULL: no
 * cache.  *cached says which.  0, or an error with why set.
 */
int mt_catalog_open(struct store *st, struct mt_analyzer *a,
    const struct mt_dict *d, const char *dict_path, const char *path,
    struct mt_catalog *out, int *cached, char *why, size_t cap)
    I40_MUST_CHECK;

#endif
