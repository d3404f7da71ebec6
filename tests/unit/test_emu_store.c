/* eci/emulator store, filters, paging tokens, faults, ledger and auth,
 * in process (no sockets). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eci/emulator/emu.h"
#include "eci/sign.h"

static emu_spec *spec_with_tags(const char *name, const char *tk, const char *tv)
{
    kv_list p = KV_LIST_INIT;
    emu_err e;
    kv_add(&p, "ContainerGroupName", name);
    kv_add(&p, "Container.1.Name", "c");
    kv_add(&p, "Container.1.Image", "busybox");
    if (tk) {
        kv_add(&p, "Tag.1.Key", tk);
        kv_add(&p, "Tag.1.Value", tv);
    }
    emu_spec *s = emu_spec_parse_create(&p, "cn-hangzhou", &e);
    kv_free(&p);
    assert_non_null(s);
    return s;
}

static void test_groups(void **st)
{
    (void)st;
    emu_store s;
    emu_rng r;
    emu_rng_init(&r, 42);
    emu_store_init(&s);
    emu_group *a = emu_store_add(&s, &r, spec_with_tags("a-1", NULL, NULL), "tok", 1000);
    emu_group *b = emu_store_add(&s, &r, spec_with_tags("b-1", NULL, NULL), NULL, 1000);
    assert_int_equal(strncmp(a->id, "eci-", 4), 0);
    assert_int_equal(strlen(a->id), 24);
    assert_string_not_equal(a->id, b->id);
    assert_string_not_equal(a->ip, b->ip);
    assert_int_equal(strncmp(a->ip, "10.", 3), 0);
    assert_string_equal(a->status, "Scheduling");
    assert_true(a->seq < b->seq);
    assert_ptr_equal(emu_store_find(&s, b->id), b);
    char id[32];
    snprintf(id, sizeof id, "%s", a->id);
    assert_int_equal(emu_store_remove(&s, id), 0);
    assert_null(emu_store_find(&s, id));
    assert_int_equal(emu_store_remove(&s, id), -1);
    assert_int_equal(s.ngroups, 1);

    emu_store_token_add(&s, "CreateContainerGroup", "t1", "d1", b->id);
    assert_non_null(emu_store_token_find(&s, "CreateContainerGroup", "t1"));
    assert_null(emu_store_token_find(&s, "DeleteContainerGroup", "t1"));

    /* status times and change tracking */
    emu_group_set_status(b, "Running", 2000);
    assert_int_equal((long)b->started, 2000);
    assert_true(b->changed_at == 2000);
    emu_group_touch(b, 3000);
    assert_true(b->changed_at == 2000); /* nothing moved */
    emu_group_set_status(b, "Failed", 4000);
    assert_int_equal((long)b->failed, 4000);
    emu_store_destroy(&s);
    emu_rng_destroy(&r);
}

static void test_events(void **st)
{
    (void)st;
    emu_store s;
    emu_rng r;
    emu_rng_init(&r, 1);
    emu_store_init(&s);
    emu_group *g = emu_store_add(&s, &r, spec_with_tags("ev-1", NULL, NULL), NULL, 0);
    emu_group_event(g, &r, "Warning", "BackOff", "ev-1", "Back-off restarting", 10);
    emu_group_event(g, &r, "Normal", "Pulled", "ev-1", "pulled", 11);
    emu_group_event(g, &r, "Warning", "BackOff", "ev-1", "Back-off restarting", 12);
    assert_int_equal(g->nevents, 2);
    assert_string_equal(g->events[1].reason, "BackOff");
    assert_int_equal(g->events[1].count, 2);
    assert_int_equal((long)g->events[1].first, 10);
    assert_int_equal((long)g->events[1].last, 12);
    assert_string_equal(g->events[1].source, "K8sAgent");
    emu_group_event(g, &r, "Normal", "Scheduled", NULL, "assigned", 13);
    assert_string_equal(g->events[2].source, "EciService");
    for (int i = 0; i < 60; i++) {
        char m[32];
        snprintf(m, sizeof m, "m%d", i);
        emu_group_event(g, &r, "Normal", "X", NULL, m, 100 + i);
    }
    assert_int_equal(g->nevents, EMU_MAX_EVENTS);
    assert_string_equal(g->events[EMU_MAX_EVENTS - 1].message, "m59");
    assert_string_equal(g->events[0].message, "m10");
    emu_store_destroy(&s);
    emu_rng_destroy(&r);
}

static void test_filters(void **st)
{
    (void)st;
    emu_store s;
    emu_rng r;
    emu_rng_init(&r, 7);
    emu_store_init(&s);
    emu_group *a = emu_store_add(&s, &r, spec_with_tags("fa-1", "node", "n1"), NULL, 100);
    emu_group *b = emu_store_add(&s, &r, spec_with_tags("fb-1", "node", "n2"), NULL, 100);
    kv_list p = KV_LIST_INIT;
    emu_err e;
    emu_filter f;
    kv_add(&p, "Tag.1.Key", "node");
    kv_add(&p, "Tag.1.Value", "n1");
    assert_int_equal(emu_filter_parse(&p, &f, 1, &e), 0);
    assert_true(emu_filter_match(&f, a, 200));
    assert_false(emu_filter_match(&f, b, 200));
    emu_filter_free(&f);
    kv_free(&p);
    kv_add(&p, "Tag.1.Key", "node");
    assert_int_equal(emu_filter_parse(&p, &f, 1, &e), 0);
    assert_true(emu_filter_match(&f, a, 200) && emu_filter_match(&f, b, 200));
    emu_filter_free(&f);
    kv_free(&p);
    char ids[128];
    snprintf(ids, sizeof ids, "[\"%s\",\"eci-unknown\"]", b->id);
    kv_add(&p, "ContainerGroupIds", ids);
    assert_int_equal(emu_filter_parse(&p, &f, 1, &e), 0);
    assert_false(emu_filter_match(&f, a, 200));
    assert_true(emu_filter_match(&f, b, 200));
    emu_filter_free(&f);
    kv_free(&p);
    kv_add(&p, "ContainerGroupIds", "eci-a,eci-b");
    assert_int_equal(emu_filter_parse(&p, &f, 1, &e), -1);
    assert_string_equal(e.code, "InvalidParameter");
    kv_free(&p);
    dynbuf many;
    dynbuf_init(&many, 0);
    dynbuf_addc(&many, '[');
    for (int i = 0; i < 21; i++)
        dynbuf_printf(&many, "%s\"eci-%d\"", i ? "," : "", i);
    dynbuf_addc(&many, ']');
    kv_add(&p, "ContainerGroupIds", dynbuf_str(&many));
    assert_int_equal(emu_filter_parse(&p, &f, 1, &e), -1);
    kv_free(&p);
    dynbuf_free(&many);
    kv_add(&p, "Status", "Running,Scheduling");
    assert_int_equal(emu_filter_parse(&p, &f, 1, &e), 0);
    assert_true(emu_filter_match(&f, a, 200));
    emu_filter_free(&f);
    kv_free(&p);
    kv_add(&p, "Status", "Running");
    assert_int_equal(emu_filter_parse(&p, &f, 1, &e), 0);
    assert_false(emu_filter_match(&f, a, 200));
    emu_filter_free(&f);
    kv_free(&p);
    /* SinceSecond */
    kv_add(&p, "RegionId", "cn-hangzhou");
    assert_int_equal(emu_filter_parse(&p, &f, 0, &e), 0);
    f.since = 30;
    assert_true(emu_filter_match(&f, a, 120));
    assert_false(emu_filter_match(&f, a, 131));
    emu_filter_free(&f);
    kv_free(&p);

    char tok[40];
    uint64_t off = 0;
    emu_token_encode(12345, tok);
    assert_int_equal(emu_token_decode(tok, &off), 0);
    assert_int_equal((long)off, 12345);
    tok[3] = tok[3] == '0' ? '1' : '0';
    assert_int_equal(emu_token_decode(tok, &off), -1);
    assert_int_equal(emu_token_decode("garbage", &off), -1);
    emu_store_destroy(&s);
    emu_rng_destroy(&r);
}

static void test_faults(void **st)
{
    (void)st;
    emu_faults f;
    char err[128], code[80];
    emu_faults_init(&f, 99);
    assert_int_equal(emu_faults_add_rule(&f, "CreateContainerGroup:Throttling:x2", err, sizeof err), 0);
    assert_int_equal(emu_faults_add_rule(&f, "bad", err, sizeof err), -1);
    assert_int_equal(emu_faults_add_rule(&f, "A:B:2", err, sizeof err), -1);
    assert_int_equal(emu_faults_check(&f, "DescribeRegions", code), 0);
    assert_int_equal(emu_faults_check(&f, "CreateContainerGroup", code), 1);
    assert_string_equal(code, "Throttling");
    assert_int_equal(emu_faults_check(&f, "CreateContainerGroup", code), 1);
    assert_int_equal(emu_faults_check(&f, "CreateContainerGroup", code), 0);
    assert_int_equal(emu_faults_add_rule(&f, "*:drop:1", err, sizeof err), 0);
    assert_int_equal(emu_faults_check(&f, "Anything", code), 2);
    emu_faults_clear(&f);
    assert_int_equal(emu_faults_add_rule(&f, "X:InternalError:0.5", err, sizeof err), 0);
    int hits = 0;
    for (int i = 0; i < 1000; i++)
        hits += emu_faults_check(&f, "X", code) == 1;
    assert_true(hits > 400 && hits < 600);
    /* deterministic with the same seed */
    unsigned runs[2];
    for (int k = 0; k < 2; k++) {
        emu_faults g;
        emu_faults_init(&g, 1234);
        emu_faults_add_rule(&g, "X:InternalError:0.5", err, sizeof err);
        runs[k] = 0;
        for (int i = 0; i < 1000; i++)
            runs[k] = runs[k] * 3u + (unsigned)(emu_faults_check(&g, "X", code) == 1);
        emu_faults_destroy(&g);
    }
    assert_int_equal(runs[0], runs[1]);
    emu_faults_clear(&f);
    assert_int_equal(emu_faults_add_qps(&f, "DescribeRegions:2", err, sizeof err), 0);
    assert_false(emu_faults_throttled(&f, "DescribeRegions"));
    assert_false(emu_faults_throttled(&f, "DescribeRegions"));
    assert_true(emu_faults_throttled(&f, "DescribeRegions"));
    assert_false(emu_faults_throttled(&f, "ListUsage"));
    assert_int_equal(emu_faults_add_rule(&f, "CreateContainerGroup:ScheduleFailed:x1", err, sizeof err), 0);
    assert_int_equal(emu_faults_check(&f, "CreateContainerGroup", code), 0);
    assert_true(emu_faults_schedule_fail(&f));
    assert_false(emu_faults_schedule_fail(&f));
    assert_int_equal(emu_faults_add_rule(&f, "Schedule:OperationDenied.NoStock:x1", err, sizeof err), 0);
    assert_int_equal(emu_faults_check(&f, "CreateContainerGroup", code), 0);
    assert_true(emu_faults_schedule_fail(&f));
    assert_false(emu_faults_schedule_fail(&f));
    emu_faults_set_unreachable(&f, 10);
    assert_true(emu_faults_unreachable(&f));
    emu_faults_set_unreachable(&f, 0);
    assert_false(emu_faults_unreachable(&f));
    cJSON *j = emu_faults_json(&f);
    assert_non_null(cJSON_GetObjectItem(j, "rules"));
    cJSON_Delete(j);
    emu_faults_destroy(&f);
    assert_int_equal(emu_code_status("Throttling"), 400);
    assert_int_equal(emu_code_status("ServiceUnavailable"), 503);
    assert_int_equal(emu_code_status("InvalidAction"), 403);
    assert_int_equal(emu_code_status("InvalidAccessKeyId.NotFound"), 404);
}

static void test_ledger(void **st)
{
    (void)st;
    emu_ledger l;
    emu_ledger_init(&l);
    emu_ledger_record(&l, "CreateContainerGroup", "OK");
    emu_ledger_record(&l, "CreateContainerGroup", "OK");
    emu_ledger_record(&l, "CreateContainerGroup", "Throttling");
    emu_ledger_record_create(&l, "t1", "eci-1", "OK", "R1");
    emu_ledger_record_create(&l, "t1", "eci-1", "OK", "R2");
    cJSON *j = emu_ledger_json(&l);
    cJSON *c = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "calls"), "CreateContainerGroup");
    assert_int_equal(cJSON_GetObjectItem(c, "OK")->valueint, 2);
    assert_int_equal(cJSON_GetObjectItem(c, "Throttling")->valueint, 1);
    assert_int_equal(cJSON_GetObjectItem(j, "groups_created")->valueint, 1);
    assert_int_equal(cJSON_GetObjectItem(j, "creates_ok")->valueint, 2);
    cJSON_Delete(j);
    emu_ledger_reset(&l);
    j = emu_ledger_json(&l);
    assert_int_equal(cJSON_GetObjectItem(j, "total")->valueint, 0);
    cJSON_Delete(j);
    emu_ledger_destroy(&l);
}

static void signed_params(kv_list *p, const char *id, const char *secret, const char *nonce, const char *stamp)
{
    kv_add(p, "Action", "DescribeRegions");
    kv_add(p, "Version", "2018-08-08");
    kv_add(p, "Format", "JSON");
    kv_add(p, "AccessKeyId", id);
    kv_add(p, "SignatureMethod", "HMAC-SHA1");
    kv_add(p, "SignatureVersion", "1.0");
    kv_add(p, "SignatureNonce", nonce);
    kv_add(p, "Timestamp", stamp);
    char sig[64];
    eci_sign_rpc("GET", p, secret, sig);
    kv_add(p, "Signature", sig);
}

static void test_auth(void **st)
{
    (void)st;
    emu_auth a;
    emu_err e;
    emu_auth_init(&a, "ak", "sk", "STS.ak", "stssk", NULL);
    time_t now = 1700000000;
    char stamp[32];
    emu_fmt_time(now, stamp, sizeof stamp);
    kv_list p = KV_LIST_INIT;
    signed_params(&p, "ak", "sk", "n1", stamp);
    assert_int_equal(emu_auth_check(&a, "GET", &p, now, &e), 0);
    assert_int_equal(emu_auth_check(&a, "GET", &p, now, &e), -1);
    assert_string_equal(e.code, "SignatureNonceUsed");
    assert_int_equal(emu_auth_check(&a, "POST", &p, now, &e), -1);
    assert_string_equal(e.code, "SignatureDoesNotMatch");
    assert_non_null(strstr(e.msg, "server string to sign is:POST&%2F&AccessKeyId%3Dak"));
    kv_free(&p);
    signed_params(&p, "ak", "wrong", "n2", stamp);
    assert_int_equal(emu_auth_check(&a, "GET", &p, now, &e), -1);
    assert_string_equal(e.code, "SignatureDoesNotMatch");
    assert_int_equal(e.http, 400);
    assert_null(strstr(e.msg, "sk&"));
    kv_free(&p);
    signed_params(&p, "nobody", "sk", "n3", stamp);
    assert_int_equal(emu_auth_check(&a, "GET", &p, now, &e), -1);
    assert_string_equal(e.code, "InvalidAccessKeyId.NotFound");
    assert_int_equal(e.http, 404);
    kv_free(&p);
    signed_params(&p, "ak", "sk", "n4", stamp);
    assert_int_equal(emu_auth_check(&a, "GET", &p, now + 901, &e), -1);
    assert_string_equal(e.code, "InvalidTimeStamp.Expired");
    kv_free(&p);
    signed_params(&p, "ak", "sk", "n5", "yesterday");
    assert_int_equal(emu_auth_check(&a, "GET", &p, now, &e), -1);
    assert_string_equal(e.code, "InvalidTimeStamp.Format");
    kv_free(&p);
    signed_params(&p, "ak", "sk", "n6", stamp);
    kv_set(&p, "Version", "2014-05-26");
    assert_int_equal(emu_auth_check(&a, "GET", &p, now, &e), -1);
    assert_string_equal(e.code, "InvalidVersion");
    kv_del(&p, "SignatureNonce");
    assert_int_equal(emu_auth_check(&a, "GET", &p, now, &e), -1);
    assert_string_equal(e.code, "MissingParameter");
    assert_non_null(strstr(e.msg, "SignatureNonce"));
    kv_free(&p);
    /* STS pair: a token is required, any token is accepted */
    signed_params(&p, "STS.ak", "stssk", "n7", stamp);
    assert_int_equal(emu_auth_check(&a, "GET", &p, now, &e), -1);
    assert_string_equal(e.code, "MissingSecurityToken");
    kv_free(&p);
    kv_add(&p, "SecurityToken", "tok");
    signed_params(&p, "STS.ak", "stssk", "n8", stamp);
    assert_int_equal(emu_auth_check(&a, "GET", &p, now, &e), 0);
    kv_free(&p);
    emu_auth_destroy(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_groups), cmocka_unit_test(test_events), cmocka_unit_test(test_filters),
        cmocka_unit_test(test_faults), cmocka_unit_test(test_ledger), cmocka_unit_test(test_auth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
