/* eci/sign.c against the published signature vectors.
 *
 * V2 (HMAC-SHA1): the worked example of Alibaba Cloud's "Request syntax and
 * signature method V2 for RPC APIs"
 * (https://www.alibabacloud.com/help/en/sdk/product-overview/rpc-mechanism), vector A,
 * and its older form with "TimeStamp" (https://www.alibabacloud.com/help/doc-detail/131955.html),
 * vector B; the string to sign of the Go SDK's unit test
 * (aliyun/alibaba-cloud-sdk-go sdk/auth/rpc_signature_composer_test.go), vector C.
 *
 * V3 (ACS3-HMAC-SHA256): the step-by-step example of "Request syntax and
 * signature method V3"
 * (https://www.alibabacloud.com/help/en/sdk/product-overview/v3-request-structure-and-signature):
 * RunInstances, x-acs-date 2023-10-26T10:22:32Z, nonce 3156853299f313e23d1673dc12e1703d,
 * canonical request hash 7ea06492..., signature 06563a9e...; and the same request at
 * 09:01:01Z with nonce d410180a5abf7fe235dd9b74aca91fc0, signature e521358f... (the
 * Authorization example of https://help.aliyun.com/zh/model-studio/roa-style-request-body-signature-mechanism).
 * Both are reproduced in spec/kubelet-protocols.md section 7.2 (vector D). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "eci/sign.h"

static void add_vector(kv_list *p, const char *ts_name)
{
    kv_add(p, "AccessKeyId", "testid");
    kv_add(p, "Action", "DescribeRegions");
    kv_add(p, "Format", "XML");
    kv_add(p, "SignatureMethod", "HMAC-SHA1");
    kv_add(p, "SignatureNonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf");
    kv_add(p, "SignatureVersion", "1.0");
    kv_add(p, ts_name, "2016-02-23T12:46:24Z");
    kv_add(p, "Version", "2014-05-26");
}

static void test_vector_a(void **state)
{
    (void)state;
    kv_list p = KV_LIST_INIT;
    add_vector(&p, "Timestamp");
    char sig[64];
    eci_sign_rpc("GET", &p, "testsecret", sig);
    assert_string_equal(sig, "OLeaidS1JvxuMvnyHOwuJ+uX5qY=");
    dynbuf b;
    dynbuf_init(&b, 0);
    eci_percent_encode(&b, sig, strlen(sig));
    assert_string_equal(dynbuf_str(&b), "OLeaidS1JvxuMvnyHOwuJ%2BuX5qY%3D");
    dynbuf_free(&b);
    /* A Signature parameter already present is not signed. */
    kv_add(&p, "Signature", sig);
    char sig2[64];
    eci_sign_rpc("GET", &p, "testsecret", sig2);
    assert_true(eci_sign_equal(sig, sig2));
    kv_free(&p);
}

static void test_vector_b(void **state)
{
    (void)state;
    kv_list p = KV_LIST_INIT;
    add_vector(&p, "TimeStamp");
    char sig[64];
    eci_sign_rpc("GET", &p, "testsecret", sig);
    assert_string_equal(sig, "CT9X0VtwR86fNWSnsc6v8YGOjuE=");
    kv_free(&p);
}

static void test_vector_c(void **state)
{
    (void)state;
    kv_list p = KV_LIST_INIT;
    kv_add(&p, "key", "value");
    kv_add(&p, "q", "http://domain/?q=value&q2=value2");
    dynbuf b;
    dynbuf_init(&b, 0);
    eci_string_to_sign(&b, "GET", &p);
    assert_string_equal(dynbuf_str(&b),
                        "GET&%2F&key%3Dvalue%26q%3Dhttp%253A%252F%252Fdomain%252F%253Fq%253Dvalue%2526q2%253Dvalue2");
    dynbuf_reset(&b);
    kv_list empty = KV_LIST_INIT;
    eci_string_to_sign(&b, "GET", &empty);
    assert_string_equal(dynbuf_str(&b), "GET&%2F&");
    dynbuf_free(&b);
    kv_free(&p);
}

static void test_encode_specials(void **state)
{
    (void)state;
    dynbuf b;
    dynbuf_init(&b, 0);
    const char *s = "a b*c~d+e/\xe4\xb8\xad";
    eci_percent_encode(&b, s, strlen(s));
    assert_string_equal(dynbuf_str(&b), "a%20b%2Ac~d%2Be%2F%E4%B8%AD");
    dynbuf_free(&b);
}

static const char *const v3_names = "host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version";
#define EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

static void v3_vector(kv_list *q, kv_list *h, const char *date, const char *nonce)
{
    kv_add(q, "RegionId", "cn-shanghai");
    kv_add(q, "ImageId", "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd");
    /* names in mixed case and order: the canonical form lower-cases and sorts */
    kv_add(h, "X-Acs-Version", "2014-05-26");
    kv_add(h, "Host", "ecs.cn-shanghai.aliyuncs.com");
    kv_add(h, "x-acs-action", "RunInstances");
    kv_add(h, "x-acs-date", date);
    kv_add(h, "x-acs-signature-nonce", nonce);
    kv_add(h, "x-acs-content-sha256", EMPTY_SHA256);
    kv_add(h, "User-Agent", "not signed");
}

static void test_v3_vector(void **state)
{
    (void)state;
    kv_list q = KV_LIST_INIT, h = KV_LIST_INIT;
    v3_vector(&q, &h, "2023-10-26T10:22:32Z", "3156853299f313e23d1673dc12e1703d");
    char payload[65];
    eci_sha256_hex("", 0, payload);
    assert_string_equal(payload, EMPTY_SHA256);
    dynbuf names;
    dynbuf_init(&names, 0);
    eci_v3_signed_headers(&names, &h);
    assert_string_equal(dynbuf_str(&names), v3_names);
    eci_v3_request r = {"POST", "/", &q, &h, dynbuf_str(&names), payload};
    dynbuf b;
    dynbuf_init(&b, 0);
    assert_int_equal(eci_v3_canonical_request(&b, &r), 0);
    assert_string_equal(dynbuf_str(&b),
                        "POST\n/\nImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai\n"
                        "host:ecs.cn-shanghai.aliyuncs.com\nx-acs-action:RunInstances\n"
                        "x-acs-content-sha256:" EMPTY_SHA256 "\nx-acs-date:2023-10-26T10:22:32Z\n"
                        "x-acs-signature-nonce:3156853299f313e23d1673dc12e1703d\nx-acs-version:2014-05-26\n\n"
                        "host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version\n"
                        EMPTY_SHA256);
    char h1[65];
    eci_sha256_hex(b.buf, b.len, h1);
    assert_string_equal(h1, "7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259");
    char sig[65];
    dynbuf_reset(&b);
    assert_int_equal(eci_sign_v3(&r, "YourAccessKeySecret", sig, &b), 0);
    assert_string_equal(sig, "06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0");
    assert_string_equal(dynbuf_str(&b),
                        "ACS3-HMAC-SHA256\n7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259");
    /* a signed header the request lacks */
    eci_v3_request r2 = r;
    r2.signed_headers = "host;x-acs-missing";
    assert_int_equal(eci_sign_v3(&r2, "YourAccessKeySecret", sig, NULL), -1);
    r2.signed_headers = "host;;x-acs-date";
    assert_int_equal(eci_sign_v3(&r2, "YourAccessKeySecret", sig, NULL), -1);
    r2.signed_headers = "host;HOST";
    assert_int_equal(eci_sign_v3(&r2, "YourAccessKeySecret", sig, NULL), -1);
    dynbuf_free(&b);
    dynbuf_free(&names);
    kv_free(&q);
    kv_free(&h);

    v3_vector(&q, &h, "2023-10-26T09:01:01Z", "d410180a5abf7fe235dd9b74aca91fc0");
    r.headers = &h;
    r.signed_headers = v3_names;
    assert_int_equal(eci_sign_v3(&r, "YourAccessKeySecret", sig, NULL), 0);
    assert_string_equal(sig, "e521358f7776c97df52e6b2891a8bc73026794a071b50c3323388c4e0df64804");
    kv_free(&q);
    kv_free(&h);
}

/* A call signed by eci_v3_sign_call verifies through the request view. */
static void test_v3_sign_call(void **state)
{
    (void)state;
    kv_list form = KV_LIST_INIT, h = KV_LIST_INIT;
    kv_add(&form, "RegionId", "cn-hangzhou");
    kv_add(&form, "Container.1.Name", "a b&c");
    dynbuf body;
    dynbuf_init(&body, 0);
    eci_form_encode(&body, &form);
    assert_string_equal(dynbuf_str(&body), "RegionId=cn-hangzhou&Container.1.Name=a%20b%26c");
    eci_v3_call c = {.host = "127.0.0.1:8080", .action = "DescribeRegions", .version = "2018-08-08",
                     .date = "2026-01-02T03:04:05Z", .nonce = "n-1", .security_token = "tok",
                     .content_type = "application/x-www-form-urlencoded", .body = body.buf,
                     .body_len = body.len, .access_key_id = "AKID"};
    eci_v3_sign_call(&h, &c, "sk");
    const char *auth = kv_get(&h, "Authorization");
    assert_non_null(auth);
    dynbuf alg, cred, names, sig;
    dynbuf_init(&alg, 0);
    dynbuf_init(&cred, 0);
    dynbuf_init(&names, 0);
    dynbuf_init(&sig, 0);
    assert_int_equal(eci_v3_parse_authorization(auth, &alg, &cred, &names, &sig), 0);
    assert_string_equal(dynbuf_str(&alg), "ACS3-HMAC-SHA256");
    assert_string_equal(dynbuf_str(&cred), "AKID");
    assert_string_equal(dynbuf_str(&names), "content-type;host;x-acs-action;x-acs-content-sha256;x-acs-date;"
                                            "x-acs-security-token;x-acs-signature-nonce;x-acs-version");
    char payload[65], want[65];
    eci_sha256_hex(body.buf, body.len, payload);
    assert_string_equal(kv_get(&h, "x-acs-content-sha256"), payload);
    eci_v3_request r = {"POST", "/", NULL, &h, dynbuf_str(&names), payload};
    assert_int_equal(eci_sign_v3(&r, "sk", want, NULL), 0);
    assert_true(eci_sign_equal(want, dynbuf_str(&sig)));
    assert_int_equal(eci_sign_v3(&r, "other", want, NULL), 0);
    assert_false(eci_sign_equal(want, dynbuf_str(&sig)));
    dynbuf_free(&alg);
    dynbuf_free(&cred);
    dynbuf_free(&names);
    dynbuf_free(&sig);
    dynbuf_free(&body);
    kv_free(&form);
    kv_free(&h);
}

static void test_v3_parse_authorization(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        int rc;
        const char *alg, *cred, *names, *sig;
    } cases[] = {
        {"ACS3-HMAC-SHA256 Credential=id,SignedHeaders=host;x-acs-date,Signature=abc", 0, "ACS3-HMAC-SHA256", "id",
         "host;x-acs-date", "abc"},
        {"ACS3-HMAC-SM3 Credential=id, SignedHeaders=host, Signature=abc", 0, "ACS3-HMAC-SM3", "id", "host", "abc"},
        {"ACS3-HMAC-SHA256 Credential=id,SignedHeaders=host", -1, NULL, NULL, NULL, NULL},
        {"ACS3-HMAC-SHA256 Credential=,SignedHeaders=host,Signature=abc", -1, NULL, NULL, NULL, NULL},
        {"ACS3-HMAC-SHA256 Credential=a,Credential=b,SignedHeaders=host,Signature=abc", -1, NULL, NULL, NULL, NULL},
        {"ACS3-HMAC-SHA256 Credential=a,Other=b,SignedHeaders=host,Signature=abc", -1, NULL, NULL, NULL, NULL},
        {"ACS3-HMAC-SHA256", -1, NULL, NULL, NULL, NULL},
        {"", -1, NULL, NULL, NULL, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        dynbuf a, c, n, s;
        dynbuf_init(&a, 0);
        dynbuf_init(&c, 0);
        dynbuf_init(&n, 0);
        dynbuf_init(&s, 0);
        assert_int_equal(eci_v3_parse_authorization(cases[i].in, &a, &c, &n, &s), cases[i].rc);
        if (cases[i].rc == 0) {
            assert_string_equal(dynbuf_str(&a), cases[i].alg);
            assert_string_equal(dynbuf_str(&c), cases[i].cred);
            assert_string_equal(dynbuf_str(&n), cases[i].names);
            assert_string_equal(dynbuf_str(&s), cases[i].sig);
        }
        dynbuf_free(&a);
        dynbuf_free(&c);
        dynbuf_free(&n);
        dynbuf_free(&s);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vector_a),
        cmocka_unit_test(test_vector_b),
        cmocka_unit_test(test_vector_c),
        cmocka_unit_test(test_encode_specials),
        cmocka_unit_test(test_v3_vector),
        cmocka_unit_test(test_v3_sign_call),
        cmocka_unit_test(test_v3_parse_authorization),
    };
    return cmocka_run_group_tests_name("eci_sign", tests, NULL, NULL);
}
