/* Alibaba Cloud API request signatures, shared by the client, which signs,
 * and the emulator, which verifies (spec/kubelet-protocols.md section 7):
 *
 *  - V3, ACS3-HMAC-SHA256 (the default of the vendor's current SDKs): the
 *    operation, version, date and nonce travel in x-acs-* headers, the
 *    signature in the Authorization header; it covers the method, path,
 *    query string, the signed headers and the SHA-256 of the body.
 *  - V2, HMAC-SHA1 (SignatureMethod=HMAC-SHA1, SignatureVersion=1.0): every
 *    parameter, common ones included, is signed; the signature is one more
 *    parameter. */
#ifndef ECI_SIGN_H
#define ECI_SIGN_H

#include <stddef.h>
#include "util/dynbuf.h"
#include "util/kv.h"

/* Append the RFC 3986 percent-encoding Alibaba uses (unreserved A-Z a-z 0-9
 * - _ . ~ literal, everything else %XY upper-case) of s[0..len) to out. */
void eci_percent_encode(dynbuf *out, const char *s, size_t len);

/* Append "k1=v1&k2=v2..." to out in list order, names and values
 * percent-encoded: a query string or an x-www-form-urlencoded body. */
void eci_form_encode(dynbuf *out, const kv_list *params);

/* ---- V2 (HMAC-SHA1) ------------------------------------------------------ */

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

/* ---- V3 (ACS3-HMAC-SHA256) ----------------------------------------------- */

#define ECI_V3_ALGORITHM "ACS3-HMAC-SHA256"

/* Lower-case hex SHA-256 of p[0..n) into out (64 characters + NUL). */
void eci_sha256_hex(const void *p, size_t n, char out[65]);

/* What a V3 signature covers. Everything is borrowed. */
typedef struct eci_v3_request {
    const char *method;         /* "POST" */
    const char *path;           /* "/" for RPC operations */
    const kv_list *query;       /* query-string parameters only (may be NULL) */
    const kv_list *headers;     /* request headers, names in any case */
    const char *signed_headers; /* lower-case names joined by ';' (the order is normalised) */
    const char *payload_sha256; /* lower-hex SHA-256 of the body */
} eci_v3_request;

/* Append the canonical request: method, path, sorted percent-encoded query,
 * "name:value\n" for each signed header (lower-case name, trimmed values, a
 * repeated header's values sorted and joined by ','), the sorted signed
 * header names, the payload hash; lines joined by '\n'. Returns 0, or -1 when
 * a signed header is missing from headers or the list is empty or malformed
 * (out then holds a partial text). */
int eci_v3_canonical_request(dynbuf *out, const eci_v3_request *r);

/* Signature = hex(HMAC-SHA256(secret, "ACS3-HMAC-SHA256\n" +
 * hex(SHA-256(canonical request)))) into sig (64 characters + NUL); the
 * string to sign into sts when sts is not NULL. Returns -1 as above. */
int eci_sign_v3(const eci_v3_request *r, const char *secret, char sig[65], dynbuf *sts);

/* Append the names V3 requires to be signed, as they occur in headers:
 * host, content-type and every x-acs-* header, lower-case, sorted, unique,
 * joined by ';'. */
void eci_v3_signed_headers(dynbuf *out, const kv_list *headers);

/* The parts of an RPC call signed with V3. Everything is borrowed. */
typedef struct eci_v3_call {
    const char *method;         /* NULL: "POST" */
    const char *host;           /* "eci.cn-hangzhou.aliyuncs.com" or "127.0.0.1:8080" */
    const char *action;         /* x-acs-action */
    const char *version;        /* x-acs-version, "2018-08-08" */
    const char *date;           /* x-acs-date, UTC "YYYY-MM-DDThh:mm:ssZ" */
    const char *nonce;          /* x-acs-signature-nonce */
    const char *security_token; /* x-acs-security-token (STS), or NULL */
    const char *content_type;   /* of the body, or NULL when there is none */
    const char *body;           /* may be NULL when body_len is 0 */
    size_t body_len;
    const kv_list *query;       /* query-string parameters, or NULL */
    const char *access_key_id;
} eci_v3_call;

/* Append the headers of a V3-signed request to headers: host, the x-acs-*
 * headers, content-type when given, and Authorization
 * ("ACS3-HMAC-SHA256 Credential=...,SignedHeaders=...,Signature=..."). */
void eci_v3_sign_call(kv_list *headers, const eci_v3_call *c, const char *secret);

/* Split an Authorization value "ACS3-HMAC-SHA256 Credential=ID,
 * SignedHeaders=a;b,Signature=HEX" (spaces after the commas tolerated) into
 * its parts, appended to the four buffers (the algorithm is not checked).
 * Returns 0, or -1 when a part is missing, empty or repeated. */
int eci_v3_parse_authorization(const char *value, dynbuf *alg, dynbuf *credential, dynbuf *signed_headers,
                               dynbuf *signature);

#endif
