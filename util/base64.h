/* Base64 (RFC 4648): one encoder and one decoder for the whole tree.
 * Encoding is the standard alphabet with padding. Decoding is strict by
 * default (standard alphabet, padding required, nothing else); flags relax
 * it where a format allows more. */
#ifndef UTIL_BASE64_H
#define UTIL_BASE64_H

#include <stddef.h>

/* Characters (without the NUL) of the encoding of n bytes. */
#define B64_ENCODED_LEN(n) (4 * (((size_t)(n) + 2) / 3))

/* Encode n bytes of p; a fresh NUL-terminated string the caller frees. */
char *b64_encode(const void *p, size_t n);
/* Encode into out (at least B64_ENCODED_LEN(n) + 1 bytes), NUL-terminated;
 * returns the length without the NUL. */
size_t b64_encode_to(char *out, const void *p, size_t n);

enum {
    B64_WS = 1,    /* skip spaces, tabs, CR and LF anywhere (PEM bodies, kubeconfig data) */
    B64_URL = 2,   /* also accept the URL-safe alphabet's '-' and '_' */
    B64_NOPAD = 4, /* padding may be left out */
};

/* Decode s[0..n) into a fresh buffer, NUL-terminated past *outlen (so text
 * can be used as a string); NULL on malformed input or when n exceeds
 * 64 MiB. Malformed: a character outside the alphabet, '=' other than one or
 * two at the end, a length that no encoding has. Caller frees. */
unsigned char *b64_decode(const char *s, size_t n, unsigned flags, size_t *outlen);

#endif
