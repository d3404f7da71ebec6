/* Base64 (RFC 4648, standard alphabet) over OpenSSL's codec. */
#ifndef UTIL_BASE64_H
#define UTIL_BASE64_H

#include <stddef.h>

/* Encode n bytes of p; a fresh NUL-terminated string the caller frees. */
char *b64_encode(const void *p, size_t n);

/* Decode s[0..n) (whitespace and newlines allowed, as in PEM bodies and
 * kubeconfig data fields) into a fresh buffer, NUL-terminated past *outlen;
 * NULL on malformed input or when n exceeds 64 MiB. Caller frees. */
unsigned char *b64_decode(const char *s, size_t n, size_t *outlen);

#endif
