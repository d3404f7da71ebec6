/* Text kept deflated: many small documents (cached JSON objects) held for
 * long and read now and then. Raw deflate (zlib) with an optional preset
 * dictionary of the strings such documents share: a 1–4 KB document alone
 * repeats too little to shrink much, with the dictionary it shrinks 3–4×.
 * A ztext is one allocation: free() it. Packing and unpacking must use the
 * same dictionary. */
#ifndef UTIL_ZTEXT_H
#define UTIL_ZTEXT_H

#include <stddef.h>

typedef struct ztext ztext;

/* Deflate s[0..n) with dict[0..dict_len) (dict may be NULL). Never fails
 * (aborts when out of memory, as xmalloc). */
ztext *ztext_pack(const char *s, size_t n, const char *dict, size_t dict_len);
/* The text again, NUL-terminated (the caller frees it); NULL when z does
 * not inflate to its recorded length (damaged, or another dictionary). */
char *ztext_unpack(const ztext *z, const char *dict, size_t dict_len);
/* The length of the text (without the NUL). */
size_t ztext_len(const ztext *z);
/* Bytes held by z (header included). */
size_t ztext_size(const ztext *z);

#endif
