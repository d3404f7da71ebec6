/* Alibaba Cloud RPC request signature, method V2 (SignatureMethod=HMAC-SHA1,
 * SignatureVersion=1.0). Shared by the client, which signs, and the emulator,
 * which verifies. See spec/kubelet-protocols.md section 7.1. */
#ifndef ECI_SIGN_H
#define ECI_SIGN_H

#include <stddef.h>
#include "util/dynbuf.h"
#include "util/kv.h"

/* Append the RFC 3986 percent-encoding Alibaba uses (unreserved A-Z a-z 0-9
 * - _ . ~ literal, everything else %XY upper-case) of s[0..len) to out. */
void eci_percent_encode(dynbuf *out, const char *s, size_t len);

/* Append "k1=v1&k2=v2..." to out: params sorted by name (byte order), each
 * name and value percent-encoded, any "Signature" parameter skipped. */
void eci_canonical_query(dynbuf *out, const kv_list *params);

/* Append the string to sign: METHOD&%2F&percentEncode(canonical query). */
void eci_string_to_sign(dynbuf *out, const char *method, const kv_list *params);

/* Compute Base64(HMAC-SHA1(secret + "&", StringToSign)) into sig
 * (NUL-terminated, at most 28 characters + NUL). */
void eci_sign_rpc(const char *method, const kv_list *params, const char *secret, char sig[64]);

/* Constant-time comparison of two signatures; 1 when equal. */
int eci_sign_equal(const char *a, const char *b);

#endif
