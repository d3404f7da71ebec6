/* The emulator's request handling in process (emu_server_handle, no
 * sockets, no runtime): signing (V2 and V3), dispatch, idempotency, paging,
 * the state machine, XML, admin routes, faults. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "eci/emulator/emu.h"
#include "eci/sign.h"
#include "util/clock.h"

static emu_server *S;
static int nonce_seq;

typedef struct res {
    int status;
    int drop;
    cJSON *j;
    char *raw;
} res;

static void res_free(res *r)
{
    cJSON_Delete(r->j);
    free(r->raw);
}

/* Sign and send Action with "K=V" pairs (NULL-terminated). */
static res api_v(const char *method, const char *action, va_list ap)
{
    kv_list p = KV_LIST_INIT;
    kv_add(&p, "Action", action);
    kv_add(&p, "RegionId", "cn-hangzhou");
    const char *kvs;
    while ((kvs = va_arg(ap, const char *)) != NULL) {
        const char *eq = strchr(kvs, '=');
        kv_addn(&p, kvs, (size_t)(eq - kvs), eq + 1, strlen(eq + 1));
        if (strncmp(kvs, "RegionId=", 9) == 0) {
            kv_del(&p, "RegionId");
            kv_addn(&p, kvs, 8, eq + 1, strlen(eq + 1));
        }
    }
    char nonce[32], stamp[32];
    snprintf(nonce, sizeof nonce, "nonce-%d", ++nonce_seq);
    emu_fmt_time(time(NULL), stamp, sizeof stamp);
    kv_add(&p, "Version", "2018-08-08");
    kv_add(&p, "AccessKeyId", "ak");
    kv_add(&p, "SignatureMethod", "HMAC-SHA1");
    kv_add(&p, "SignatureVersion", "1.0");
    kv_add(&p, "SignatureNonce", nonce);
    kv_add(&p, "Timestamp", stamp);
    char sig[64];
    eci_sign_rpc(method, &p, "sk", sig);
    kv_add(&p, "Signature", sig);
    dynbuf q;
    dynbuf_init(&q, 0);
    eci_form_encode(&q, &p);
    emu_http_req req = {0};
    req.method = method;
    req.path = "/";
    int post = strcmp(method, "POST") == 0;
    req.query = post ? NULL : dynbuf_str(&q);
    req.body = post ? dynbuf_str(&q) : NULL;
    req.body_len = post ? q.len : 0;
    req.loopback = 1;
    emu_http_resp resp = {0};
    dynbuf_init(&resp.body, 0);
    emu_server_handle(S, &req, &resp);
    res r = {resp.status, resp.drop, cJSON_Parse(dynbuf_str(&resp.body)), strdup(dynbuf_str(&resp.body))};
    dynbuf_free(&resp.body);
    dynbuf_free(&q);
    kv_free(&p);
    return r;
}

static res api(const char *action, ...)
{
    va_list ap;
    va_start(ap, action);
    res r = api_v("GET", action, ap);
    va_end(ap);
    return r;
}

static res api_post(const char *action, ...)
{
    va_list ap;
    va_start(ap, action);
    res r = api_v("POST", action, ap);
    va_end(ap);
    return r;
}

static res admin(const char *method, const char *path, const char *body, int loopback)
{
    emu_http_req req = {0};
    req.method = method;
    req.path = path;
    req.body = body;
    req.body_len = body ? strlen(body) : 0;
    req.loopback = loopback;
    emu_http_resp resp = {0};
    dynbuf_init(&resp.body, 0);
    emu_server_handle(S, &req, &resp);
    res r = {resp.status, resp.drop, cJSON_Parse(dynbuf_str(&resp.body)), strdup(dynbuf_str(&resp.body))};
    dynbuf_free(&resp.body);
    return r;
}

static const char *code(const res *r)
{
    const cJSON *c = cJSON_GetObjectItem(r->j, "Code");
    return cJSON_IsString(c) ? c->valuestring : "";
}

static const char *str(const cJSON *o, const char *k)
{
    const cJSON *c = cJSON_GetObjectItem(o, k);
    return cJSON_IsString(c) ? c->valuestring : "";
}

/* An emulator without a runtime for the AccessKey "ak"/"sk". */
static emu_server *new_server(int realistic, uint64_t seed)
{
    emu_options o = {0};
    o.access_key_id = "ak";
    o.access_key_secret = "sk";
    o.no_runtime = 1;
    o.realistic = realistic;
    o.schedule_delay_ms = 0;
    o.seed = seed;
    o.state_dir = "/tmp";
    char err[256];
    return emu_server_new(&o, err, sizeof err);
}

static int setup(void **st)
{
    (void)st;
    S = new_server(0, 5);
    return S ? 0 : -1;
}

static int teardown(void **st)
{
    (void)st;
    emu_server_free(S);
    S = NULL;
    return 0;
}

static char *create(const char *name, const char *token)
{
    char n[96], t[96];
    snprintf(n, sizeof n, "ContainerGroupName=%s", name);
    snprintf(t, sizeof t, "ClientToken=%s", token);
    res r = api("CreateContainerGroup", n, t, "Container.1.Name=c", "Container.1.Image=busybox", "Tag.1.Key=suite",
                "Tag.1.Value=unit", NULL);
    assert_int_equal(r.status, 200);
    char *id = strdup(str(r.j, "ContainerGroupId"));
    res_free(&r);
    return id;
}

static int status_is(const char *id, const char *want)
{
    char ids[96];
    snprintf(ids, sizeof ids, "ContainerGroupIds=[\"%s\"]", id);
    for (int i = 0; i < 1200; i++) { /* up to a minute */
        res r = api("DescribeContainerGroups", ids, NULL);
        cJSON *g = cJSON_GetArrayItem(cJSON_GetObjectItem(r.j, "ContainerGroups"), 0);
        int ok = g && strcmp(str(g, "Status"), want) == 0;
        res_free(&r);
        if (ok)
            return 1;
        usleep(50000);
    }
    return 0;
}

static void test_create_and_lifecycle(void **st)
{
    (void)st;
    char *id = create("life-1", "life-tok");
    assert_true(status_is(id, "Running"));
    res r = api("CreateContainerGroup", "ContainerGroupName=life-1", "ClientToken=life-tok", "Container.1.Name=c",
                "Container.1.Image=busybox", "Tag.1.Key=suite", "Tag.1.Value=unit", NULL);
    assert_string_equal(str(r.j, "ContainerGroupId"), id);
    res_free(&r);
    r = api_post("CreateContainerGroup", "ContainerGroupName=life-2", "ClientToken=life-tok", "Container.1.Name=c",
                 "Container.1.Image=busybox", NULL);
    assert_int_equal(r.status, 400);
    assert_string_equal(code(&r), "IdempotentParameterMismatch");
    res_free(&r);
    char gid[96];
    snprintf(gid, sizeof gid, "ContainerGroupId=%s", id);
    r = api("RestartContainerGroup", gid, NULL);
    assert_int_equal(r.status, 200);
    res_free(&r);
    assert_true(status_is(id, "Restarting"));
    assert_true(status_is(id, "Running"));
    char path[128];
    snprintf(path, sizeof path, "/_emulator/groups/%s/fail", id);
    r = admin("POST", path, "{\"reason\":\"Broken\"}", 1);
    assert_int_equal(r.status, 200);
    res_free(&r);
    assert_true(status_is(id, "Failed"));
    r = api("RestartContainerGroup", gid, NULL);
    assert_string_equal(code(&r), "IncorrectStatus");
    res_free(&r);
    r = api("UpdateContainerGroup", gid, "Container.1.Name=c", "Container.1.Image=x", NULL);
    assert_string_equal(code(&r), "IncorrectStatus");
    res_free(&r);
    snprintf(path, sizeof path, "ContainerGroupIds=[\"%s\"]", id);
    r = api("DescribeContainerGroupEvents", path, NULL);
    assert_non_null(strstr(r.raw, "\"Reason\":\"Broken\""));
    assert_non_null(strstr(r.raw, "\"Reason\":\"Restarting\""));
    res_free(&r);
    r = api("DeleteContainerGroup", gid, NULL);
    assert_int_equal(r.status, 200);
    res_free(&r);
    r = api("DeleteContainerGroup", gid, NULL);
    assert_int_equal(r.status, 404);
    assert_string_equal(code(&r), "InvalidParameter.NotFound");
    res_free(&r);
    free(id);
}

static void test_paging(void **st)
{
    (void)st;
    char name[32], tok[32];
    for (int i = 0; i < 25; i++) {
        snprintf(name, sizeof name, "pg-%d", i);
        snprintf(tok, sizeof tok, "pg-tok-%d", i);
        free(create(name, tok));
    }
    char next[64] = "";
    int pages = 0, total = 0;
    do {
        char nt[96];
        snprintf(nt, sizeof nt, "NextToken=%s", next);
        res r = next[0] ? api("DescribeContainerGroups", "Limit=10", "Tag.1.Key=suite", nt, NULL)
                        : api("DescribeContainerGroups", "Limit=10", "Tag.1.Key=suite", NULL);
        assert_int_equal(r.status, 200);
        assert_true(cJSON_GetObjectItem(r.j, "TotalCount")->valueint >= 25);
        total += cJSON_GetArraySize(cJSON_GetObjectItem(r.j, "ContainerGroups"));
        snprintf(next, sizeof next, "%s", str(r.j, "NextToken"));
        res_free(&r);
        pages++;
    } while (next[0] && pages < 10);
    assert_true(total >= 25);
    assert_int_equal(pages, (total + 9) / 10);
    res r = api("DescribeContainerGroups", "Limit=0", NULL);
    assert_string_equal(code(&r), "InvalidParameter.ValueExceeded");
    res_free(&r);
}

/* A V3 request as the SDKs send it, with one deviation named by how. */
typedef enum {
    V3_OK, V3_IN_BODY, V3_BAD_SECRET, V3_NO_ACTION, V3_UNSIGNED_HEADER, V3_BAD_PAYLOAD, V3_OLD_DATE, V3_SM3,
    V3_FIXED_NONCE, V3_NO_AUTH_PARTS, V3_BAD_VERSION,
} v3_how;

static res api_v3(const char *action, v3_how how, const char *param)
{
    kv_list q = KV_LIST_INIT, h = KV_LIST_INIT;
    kv_add(&q, "RegionId", "cn-hangzhou");
    if (param) {
        char *k = strdup(param);
        char *eq = strchr(k, '=');
        *eq = 0;
        kv_set(&q, k, eq + 1);
        free(k);
    }
    dynbuf body, qs;
    dynbuf_init(&body, 0);
    dynbuf_init(&qs, 0);
    if (how == V3_IN_BODY)
        eci_form_encode(&body, &q);
    else
        eci_form_encode(&qs, &q);
    char nonce[32], stamp[32];
    snprintf(nonce, sizeof nonce, "v3-nonce-%d", ++nonce_seq);
    emu_fmt_time(how == V3_OLD_DATE ? time(NULL) - 3600 : time(NULL), stamp, sizeof stamp);
    eci_v3_call c = {.host = "127.0.0.1:1", .action = how == V3_NO_ACTION ? "" : action,
                     .version = how == V3_BAD_VERSION ? "2014-05-26" : "2018-08-08", .date = stamp,
                     .nonce = how == V3_FIXED_NONCE ? "v3-fixed" : nonce,
                     .content_type = how == V3_IN_BODY ? "application/x-www-form-urlencoded" : NULL,
                     .body = body.buf, .body_len = body.len, .query = how == V3_IN_BODY ? NULL : &q,
                     .access_key_id = "ak"};
    eci_v3_sign_call(&h, &c, how == V3_BAD_SECRET ? "other" : "sk");
    if (how == V3_UNSIGNED_HEADER)
        kv_add(&h, "x-acs-extra", "1");
    if (how == V3_BAD_PAYLOAD)
        kv_set(&h, "x-acs-content-sha256", "00");
    if (how == V3_SM3 || how == V3_NO_AUTH_PARTS) {
        char *a = strdup(kv_get(&h, "Authorization"));
        if (how == V3_SM3)
            memcpy(a + 10, "SM3   ", 6); /* ACS3-HMAC-SM3    Credential=... */
        else
            *strstr(a, ",Signature=") = 0;
        kv_set(&h, "Authorization", a);
        free(a);
    }
    emu_http_req req = {0};
    req.method = "POST";
    req.path = "/";
    req.query = qs.len ? dynbuf_str(&qs) : NULL;
    req.body = body.buf;
    req.body_len = body.len;
    req.content_type = c.content_type;
    req.headers = &h;
    req.loopback = 1;
    emu_http_resp resp = {0};
    dynbuf_init(&resp.body, 0);
    emu_server_handle(S, &req, &resp);
    res r = {resp.status, resp.drop, cJSON_Parse(dynbuf_str(&resp.body)), strdup(dynbuf_str(&resp.body))};
    dynbuf_free(&resp.body);
    dynbuf_free(&body);
    dynbuf_free(&qs);
    kv_free(&q);
    kv_free(&h);
    return r;
}

static void test_signature_v3(void **st)
{
    (void)st;
    static const struct {
        v3_how how;
        int status;
        const char *code;
    } cases[] = {
        {V3_OK, 200, ""},
        {V3_IN_BODY, 200, ""},
        {V3_BAD_SECRET, 400, "SignatureDoesNotMatch"},
        {V3_NO_ACTION, 400, "MissingParameter"},
        {V3_UNSIGNED_HEADER, 400, "IncompleteSignature"},
        {V3_BAD_PAYLOAD, 400, "SignatureDoesNotMatch"},
        {V3_OLD_DATE, 400, "InvalidTimeStamp.Expired"},
        {V3_SM3, 400, "IncompleteSignature"},
        {V3_NO_AUTH_PARTS, 400, "IncompleteSignature"},
        {V3_BAD_VERSION, 400, "InvalidVersion"},
        {V3_FIXED_NONCE, 200, ""},
        {V3_FIXED_NONCE, 400, "SignatureNonceUsed"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        res r = api_v3("DescribeRegions", cases[i].how, NULL);
        if (r.status != cases[i].status || strcmp(code(&r), cases[i].code) != 0)
            fail_msg("case %zu: HTTP %d %s", i, r.status, r.raw);
        if (cases[i].status == 200)
            assert_non_null(cJSON_GetObjectItem(r.j, "Regions"));
        res_free(&r);
    }
    /* the operation reads its parameters from the query (Tea) and the body (eci-kubelet) */
    res r = api_v3("DescribeContainerGroups", V3_OK, "RegionId=cn-shanghai");
    assert_string_equal(code(&r), "RegionNotSupport");
    res_free(&r);
    r = api_v3("DescribeContainerGroups", V3_IN_BODY, "Limit=5");
    assert_int_equal(r.status, 200);
    res_free(&r);
    r = api_v3("DescribeContainerGroups", V3_IN_BODY, "Limit=0");
    assert_int_equal(r.status, 400);
    res_free(&r);
}

static void test_protocol(void **st)
{
    (void)st;
    res r = api("DescribeRegions", "Format=XML", NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.raw, "<DescribeRegionsResponse><RequestId>"));
    assert_non_null(strstr(r.raw, "<Zones>cn-hangzhou-g</Zones><Zones>"));
    res_free(&r);
    r = api("DescribeContainerGroups", "RegionId=cn-shanghai", NULL);
    assert_string_equal(code(&r), "RegionNotSupport");
    res_free(&r);
    emu_http_req req = {0};
    req.method = "DELETE";
    req.path = "/";
    req.query = "Action=DescribeRegions";
    emu_http_resp resp = {0};
    dynbuf_init(&resp.body, 0);
    emu_server_handle(S, &req, &resp);
    assert_int_equal(resp.status, 403);
    assert_non_null(strstr(dynbuf_str(&resp.body), "UnsupportedHTTPMethod"));
    dynbuf_reset(&resp.body);
    req.method = "POST";
    req.query = NULL;
    req.body = "{\"Action\":\"x\"}";
    req.body_len = strlen(req.body);
    req.content_type = "application/json";
    emu_server_handle(S, &req, &resp);
    assert_int_equal(resp.status, 400);
    dynbuf_reset(&resp.body);
    req.method = "GET";
    req.body = NULL;
    req.body_len = 0;
    req.query = "Action=%zz";
    emu_server_handle(S, &req, &resp);
    assert_int_equal(resp.status, 400);
    assert_non_null(strstr(dynbuf_str(&resp.body), "\"RequestId\""));
    dynbuf_free(&resp.body);
}

static void test_admin_and_faults(void **st)
{
    (void)st;
    res r = admin("GET", "/_emulator/ledger", NULL, 0);
    assert_int_equal(r.status, 403);
    res_free(&r);
    r = admin("POST", "/_emulator/faults", "{\"rules\":[\"DescribeRegions:InternalError:x1\",{\"action\":\"ListUsage\",\"code\":\"drop\",\"count\":1}]}", 1);
    assert_int_equal(r.status, 200);
    res_free(&r);
    r = api("DescribeRegions", NULL);
    assert_int_equal(r.status, 500);
    assert_string_equal(code(&r), "InternalError");
    res_free(&r);
    r = api("DescribeRegions", NULL);
    assert_int_equal(r.status, 200);
    res_free(&r);
    r = api("ListUsage", NULL);
    assert_int_equal(r.drop, 1);
    res_free(&r);
    r = admin("POST", "/_emulator/faults", "{\"rules\":[\"bad\"]}", 1);
    assert_int_equal(r.status, 400);
    res_free(&r);
    r = admin("POST", "/_emulator/unreachable", "{\"seconds\":30}", 1);
    assert_int_equal(r.status, 200);
    res_free(&r);
    r = api("DescribeRegions", NULL);
    assert_int_equal(r.drop, 1);
    res_free(&r);
    r = admin("DELETE", "/_emulator/faults", NULL, 1);
    res_free(&r);
    r = api("DescribeRegions", NULL);
    assert_int_equal(r.status, 200);
    res_free(&r);
    r = admin("GET", "/_emulator/ledger", NULL, 1);
    assert_int_equal(r.status, 200);
    cJSON *calls = cJSON_GetObjectItem(r.j, "calls");
    assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(calls, "DescribeRegions"), "InternalError")->valueint, 1);
    assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(calls, "ListUsage"), "Dropped")->valueint, 1);
    res_free(&r);
    r = admin("GET", "/_emulator/groups", NULL, 1);
    assert_int_equal(r.status, 200);
    res_free(&r);
    r = admin("GET", "/_emulator/nope", NULL, 1);
    assert_int_equal(r.status, 404);
    res_free(&r);
    r = admin("POST", "/_emulator/reset", NULL, 1);
    assert_int_equal(r.status, 200);
    res_free(&r);
    r = api("DescribeContainerGroups", NULL);
    assert_int_equal(cJSON_GetObjectItem(r.j, "TotalCount")->valueint, 0);
    res_free(&r);
}

/* --realistic: the account's published quotas (spec/eci-api-extra.md
 * section 7). Create and Delete are the service's token bucket, a burst of
 * 100 refilled at 1000 per 60 s; the others a minute's calls. A run of
 * DeleteContainerGroup calls is answered (NotFound: the bucket is checked
 * before the group) until the burst and what refilled meanwhile are spent. */
static void test_realistic_quotas(void **st)
{
    (void)st;
    emu_server *plain = S;
    S = new_server(1, 6);
    assert_non_null(S);
    res r = admin("GET", "/_emulator/faults", NULL, 1);
    assert_int_equal(r.status, 200);
    cJSON *limits = cJSON_GetObjectItem(r.j, "limits");
    static const struct {
        const char *action;
        double burst, per_second;
    } want[] = {
        {"CreateContainerGroup", 100, 1000 / 60.0},
        {"DeleteContainerGroup", 100, 1000 / 60.0},
        {"UpdateContainerGroup", 1000, 1000 / 60.0},
        {"DescribeContainerGroups", 2000, 2000 / 60.0},
        {"DescribeContainerGroupStatus", 10000, 10000 / 60.0},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        cJSON *b = cJSON_GetObjectItem(limits, want[i].action);
        assert_non_null(b);
        assert_true(cJSON_GetObjectItem(b, "burst")->valuedouble == want[i].burst);
        assert_true(fabs(cJSON_GetObjectItem(b, "per_second")->valuedouble - want[i].per_second) < 1e-9);
    }
    res_free(&r);
    double t0 = clock_mono_s();
    int answered = 0;
    for (;;) {
        r = api("DeleteContainerGroup", "ContainerGroupId=eci-none", NULL);
        int throttled = strcmp(code(&r), "Throttling") == 0;
        res_free(&r);
        if (throttled)
            break;
        answered++;
        assert_true(answered <= 100 + (clock_mono_s() - t0) * 1000 / 60.0 + 1);
    }
    assert_true(answered >= 100);
    emu_server_free(S);
    S = plain;
}

static void test_misc_ops(void **st)
{
    (void)st;
    res r = api("DescribeContainerGroupPrice", "Cpu=2", "Memory=4", NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.raw, "\"TradePrice\":0.00012252"));
    res_free(&r);
    r = api("DescribeContainerGroupPrice", "Cpu=2", NULL);
    assert_string_equal(code(&r), "MissingParameter");
    res_free(&r);
    r = api("CreateImageCache", "ImageCacheName=c1", "Image.1=busybox", "SecurityGroupId=sg-1", "VSwitchId=vsw-1", NULL);
    assert_int_equal(r.status, 200);
    char id[96];
    snprintf(id, sizeof id, "ImageCacheId=%s", str(r.j, "ImageCacheId"));
    res_free(&r);
    r = api("DescribeImageCaches", id, NULL);
    assert_string_equal(str(cJSON_GetArrayItem(cJSON_GetObjectItem(r.j, "ImageCaches"), 0), "Status"), "Preparing");
    assert_int_equal(cJSON_GetObjectItem(r.j, "TotalCount")->valueint, 1);
    assert_string_equal(str(r.j, "NextToken"), "");
    res_free(&r);
    /* paging: a second cache, one per page */
    r = api("CreateImageCache", "ImageCacheName=c2", "Image.1=nginx", "SecurityGroupId=sg-1", "VSwitchId=vsw-1", NULL);
    assert_int_equal(r.status, 200);
    res_free(&r);
    r = api("DescribeImageCaches", "Limit=1", NULL);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(r.j, "ImageCaches")), 1);
    assert_int_equal(cJSON_GetObjectItem(r.j, "TotalCount")->valueint, 2);
    char nt[96];
    snprintf(nt, sizeof nt, "NextToken=%s", str(r.j, "NextToken"));
    res_free(&r);
    r = api("DescribeImageCaches", "Limit=1", nt, NULL);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(r.j, "ImageCaches")), 1);
    assert_string_equal(str(r.j, "NextToken"), "");
    res_free(&r);
    r = api("DescribeImageCaches", "MatchImage.1=nginx", NULL);
    assert_int_equal(cJSON_GetObjectItem(r.j, "TotalCount")->valueint, 1);
    res_free(&r);
    r = api("DescribeImageCaches", "Limit=21", NULL);
    assert_string_equal(code(&r), "InvalidParameter.ValueExceeded");
    res_free(&r);
    /* DescribeContainerGroups filters on SecurityGroupId and ComputeCategory */
    r = api("CreateContainerGroup", "ContainerGroupName=cc-1", "Container.1.Name=c", "Container.1.Image=b",
            "SecurityGroupId=sg-cc", "ComputeCategory.1=Economy", NULL);
    assert_int_equal(r.status, 200);
    res_free(&r);
    r = api("DescribeContainerGroups", "SecurityGroupId=sg-cc", "ComputeCategory=Economy", NULL);
    assert_int_equal(cJSON_GetObjectItem(r.j, "TotalCount")->valueint, 1);
    assert_string_equal(str(cJSON_GetArrayItem(cJSON_GetObjectItem(r.j, "ContainerGroups"), 0), "ComputeCategory"),
                        "Economy");
    res_free(&r);
    r = api("DescribeContainerGroups", "SecurityGroupId=sg-cc", "ComputeCategory=General", NULL);
    assert_int_equal(cJSON_GetObjectItem(r.j, "TotalCount")->valueint, 0);
    res_free(&r);
    r = api("DeleteImageCache", id, NULL);
    assert_int_equal(r.status, 200);
    res_free(&r);
    r = api("DeleteImageCache", id, NULL);
    assert_int_equal(r.status, 404);
    res_free(&r);
    r = api("ExecContainerCommand", "ContainerGroupId=eci-x", "ContainerName=c", "Command=ls", NULL);
    assert_int_equal(r.status, 404);
    res_free(&r);
    r = api("DescribeContainerLog", "ContainerGroupId=eci-x", NULL);
    assert_string_equal(code(&r), "MissingParameter");
    res_free(&r);
    r = api("DescribeMultiContainerGroupMetric", "ContainerGroupIds=[\"eci-x\"]", NULL);
    assert_int_equal(r.status, 200);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(r.j, "MonitorDatas")), 0);
    res_free(&r);
    r = api("ListUsage", NULL);
    assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(r.j, "Attributes"), "MaxCpu")->valueint, 1000);
    res_free(&r);
    r = api("CreateContainerGroup", "ContainerGroupName=dry-1", "Container.1.Name=c", "Container.1.Image=b",
            "DryRun=true", NULL);
    assert_string_equal(code(&r), "DryRunOperation");
    res_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_and_lifecycle), cmocka_unit_test(test_paging),
        cmocka_unit_test(test_protocol),             cmocka_unit_test(test_admin_and_faults),
        cmocka_unit_test(test_misc_ops),             cmocka_unit_test(test_signature_v3),
        cmocka_unit_test(test_realistic_quotas),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
