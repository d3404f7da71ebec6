/* provider/podmap/imagecache: ImageCache object → CreateImageCache request
 * (validation naming the field, pull secrets, ACK annotations), ECI cache →
 * status, change detection. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provider/podmap/imagecache.h"
#include "provider/podmap/translate.h"
#include "util/base64.h"

static const podmap_imc_config CFG = {"e2e", "sg-node1", "vsw-node1", NULL};

static cJSON *obj_of(const char *json)
{
    cJSON *o = cJSON_Parse(json);
    assert_non_null(o);
    return o;
}

#define MD "\"metadata\":{\"name\":\"nginx-cache\",\"uid\":\"0b7c2c4e-1111-2222-3333-444455556666\",\"generation\":2"

static const char *tag(const eci_create_image_cache_req *r, const char *k)
{
    for (size_t i = 0; i < r->n_tags; i++)
        if (!strcmp(r->tags[i].key, k))
            return r->tags[i].value;
    return NULL;
}

static void test_parse_full(void **st)
{
    (void)st;
    cJSON *o = obj_of("{" MD "},\"spec\":{\"images\":[\"nginx:1.25\",\"busybox\"],"
                      "\"imagePullSecrets\":[\"team-a:regcred\",{\"namespace\":\"b\",\"name\":\"other\"}],"
                      "\"imageCacheSize\":40,\"retentionDays\":7}}");
    podmap_imc_spec s;
    assert_int_equal(podmap_imc_parse(o, &CFG, &s), 0);
    assert_null(s.field);
    assert_int_equal(s.req.images.n, 2);
    assert_string_equal(s.req.images.v[1], "busybox");
    assert_string_equal(s.req.image_cache_name, "nginx-cache");
    assert_int_equal(s.req.image_cache_size.set, 1);
    assert_int_equal(s.req.image_cache_size.v, 40);
    assert_int_equal(s.req.retention_days.v, 7);
    assert_string_equal(s.req.security_group_id, "sg-node1");
    assert_string_equal(s.req.vswitch_id, "vsw-node1");
    assert_non_null(s.req.client_token);
    assert_true(strlen(s.req.client_token) <= 64);
    assert_int_equal(s.n_secrets, 2);
    assert_string_equal(s.secrets[0].ns, "team-a");
    assert_string_equal(s.secrets[0].name, "regcred");
    assert_string_equal(s.secrets[1].ns, "b");
    assert_string_equal(tag(&s.req, PODMAP_TAG_CLUSTER), "e2e");
    assert_string_equal(tag(&s.req, PODMAP_IMC_TAG_NAME), "nginx-cache");
    assert_string_equal(tag(&s.req, PODMAP_IMC_TAG_UID), "0b7c2c4e-1111-2222-3333-444455556666");
    podmap_imc_spec_free(&s);
    podmap_imc_spec_free(&s); /* zeroed: twice is fine */
    cJSON_Delete(o);
}

static void expect_invalid(const char *json, const char *field, const char *in_message)
{
    cJSON *o = obj_of(json);
    podmap_imc_spec s;
    assert_int_equal(podmap_imc_parse(o, &CFG, &s), -1);
    assert_non_null(s.field);
    assert_string_equal(s.field, field);
    if (!strstr(s.message, in_message))
        fail_msg("message \"%s\" lacks \"%s\"", s.message, in_message);
    assert_non_null(strstr(s.message, field)); /* the message names the field */
    podmap_imc_spec_free(&s);
    cJSON_Delete(o);
}

static void test_parse_invalid(void **st)
{
    (void)st;
    expect_invalid("{" MD "},\"spec\":{\"images\":[]}}", "spec.images", "at least one image");
    expect_invalid("{" MD "},\"spec\":{}}", "spec.images", "at least one image");
    expect_invalid("{" MD "}}", "spec", "required");
    expect_invalid("{" MD "},\"spec\":{\"images\":\"nginx\"}}", "spec.images", "list");
    expect_invalid("{" MD "},\"spec\":{\"images\":[\"a b\"]}}", "spec.images[0]", "not an image");
    expect_invalid("{" MD "},\"spec\":{\"images\":[\"a\",\"a\"]}}", "spec.images[1]", "twice");
    expect_invalid("{" MD "},\"spec\":{\"images\":[\"a\"],\"imageCacheSize\":10}}", "spec.imageCacheSize",
                   "out of range [20, 32768]");
    expect_invalid("{" MD "},\"spec\":{\"images\":[\"a\"],\"imageCacheSize\":20.5}}", "spec.imageCacheSize",
                   "integer");
    expect_invalid("{" MD "},\"spec\":{\"images\":[\"a\"],\"retentionDays\":0}}", "spec.retentionDays",
                   "out of range");
    expect_invalid("{" MD "},\"spec\":{\"images\":[\"a\"],\"retentionDays\":4.2e101}}", "spec.retentionDays",
                   "out of range");
    expect_invalid("{" MD "},\"spec\":{\"images\":[\"a\"],\"imagePullSecrets\":[\"regcred\"]}}",
                   "spec.imagePullSecrets[0]", "namespace:name");
    expect_invalid("{" MD "},\"spec\":{\"images\":[\"a\"],\"imagePullSecrets\":[\"Bad_NS:x\"]}}",
                   "spec.imagePullSecrets[0]", "namespace");
    expect_invalid("{" MD "},\"spec\":{\"images\":[\"a\"],\"imagePullSecrets\":[7]}}", "spec.imagePullSecrets[0]",
                   "namespace:name");
    expect_invalid("{\"metadata\":{\"name\":\"x\",\"uid\":\"u\",\"annotations\":{\"k8s.aliyun.com/vswitch-ids\":"
                   "\"subnet-1\"}},\"spec\":{\"images\":[\"a\"]}}",
                   "metadata.annotations[k8s.aliyun.com/vswitch-ids]", "vsw-");
    expect_invalid("{\"metadata\":{\"uid\":\"u\"},\"spec\":{\"images\":[\"a\"]}}", "metadata.name", "missing");
    /* 21 images */
    char big[1024] = "{" MD "},\"spec\":{\"images\":[";
    for (int i = 0; i < 21; i++)
        snprintf(big + strlen(big), sizeof big - strlen(big), "%s\"img%d\"", i ? "," : "", i);
    strcat(big, "]}}");
    expect_invalid(big, "spec.images", "at most 20");
}

static void test_parse_annotations(void **st)
{
    (void)st;
    cJSON *o = obj_of("{\"metadata\":{\"name\":\"7up.cache\",\"uid\":\"u-1\",\"annotations\":{"
                      "\"k8s.aliyun.com/vswitch-ids\":\"vsw-a,vsw-b\",\"k8s.aliyun.com/security-group-id\":\"sg-x\","
                      "\"k8s.aliyun.com/resource-group-id\":\"rg-y\",\"k8s.aliyun.com/imc-os-type\":\"linux\"}},"
                      "\"spec\":{\"images\":[\"a\"]}}");
    podmap_imc_spec s;
    assert_int_equal(podmap_imc_parse(o, &CFG, &s), 0);
    assert_string_equal(s.req.vswitch_id, "vsw-a");
    assert_string_equal(s.req.security_group_id, "sg-x");
    assert_string_equal(s.req.resource_group_id, "rg-y");
    /* ECI names start with a letter and have no dots */
    assert_string_equal(s.req.image_cache_name, "ic-7up-cache");
    assert_int_equal(s.n_ignored, 2); /* the second vSwitch, imc-os-type */
    podmap_imc_spec_free(&s);
    cJSON_Delete(o);
    /* no security group anywhere */
    podmap_imc_config nosg = {NULL, NULL, "vsw-1", NULL};
    o = obj_of("{" MD "},\"spec\":{\"images\":[\"a\"]}}");
    assert_int_equal(podmap_imc_parse(o, &nosg, &s), -1);
    assert_string_equal(s.field, "metadata.annotations[k8s.aliyun.com/security-group-id]");
    podmap_imc_spec_free(&s);
    cJSON_Delete(o);
}

static cJSON *secret_with(const char *docker_json)
{
    char *b = b64_encode(docker_json, strlen(docker_json));
    cJSON *s = cJSON_CreateObject();
    cJSON *d = cJSON_AddObjectToObject(s, "data");
    cJSON_AddStringToObject(d, ".dockerconfigjson", b);
    free(b);
    return s;
}

static void test_add_secret(void **st)
{
    (void)st;
    cJSON *o = obj_of("{" MD "},\"spec\":{\"images\":[\"a\"],\"imagePullSecrets\":[\"n:one\",\"n:two\",\"n:bad\"]}}");
    podmap_imc_spec s;
    assert_int_equal(podmap_imc_parse(o, &CFG, &s), 0);
    cJSON *one = secret_with("{\"auths\":{\"https://reg.example/v2/\":{\"username\":\"u1\",\"password\":\"p1\"}}}");
    cJSON *two = secret_with("{\"auths\":{\"reg.example\":{\"username\":\"u2\",\"password\":\"p2\"},"
                             "\"other.example\":{\"auth\":\"dTM6cDM=\"}}}");
    cJSON *bad = cJSON_Parse("{\"data\":{\"token\":\"eA==\"}}");
    assert_int_equal(podmap_imc_add_secret(&s, 0, one), 0);
    assert_int_equal(podmap_imc_add_secret(&s, 1, two), 0);
    assert_int_equal(s.req.n_registry_credentials, 2); /* reg.example: the first wins */
    assert_string_equal(s.req.registry_credentials[0].server, "reg.example");
    assert_string_equal(s.req.registry_credentials[0].user_name, "u1");
    assert_string_equal(s.req.registry_credentials[1].server, "other.example");
    assert_string_equal(s.req.registry_credentials[1].user_name, "u3");
    assert_string_equal(s.req.registry_credentials[1].password, "p3");
    assert_int_equal(podmap_imc_add_secret(&s, 2, bad), -1);
    assert_string_equal(s.field, "spec.imagePullSecrets[2]");
    assert_non_null(strstr(s.message, "\"bad\""));
    assert_null(strstr(s.message, "p1"));
    cJSON_Delete(one);
    cJSON_Delete(two);
    cJSON_Delete(bad);
    podmap_imc_spec_free(&s);
    cJSON_Delete(o);
}

static void test_status(void **st)
{
    (void)st;
    cJSON *o = obj_of("{" MD "},\"spec\":{\"images\":[\"a\"]}}");
    eci_event ev = {1, "2026-01-01T00:00:00Z", "2026-01-01T00:00:01Z", "Successfully check image cache resource.",
                    "c.1", "Normal", "Created"};
    eci_image_cache c = {0};
    c.image_cache_id = "imc-1";
    c.status = "Ready";
    c.progress = "100%";
    c.snapshot_id = "s-1";
    c.creation_time = "2026-01-01T00:00:00Z";
    c.expire_date_time = "2026-01-08T00:00:00Z";
    c.events = &ev;
    c.n_events = 1;
    cJSON *s1 = podmap_imc_status(o, &c, "2026-01-01T00:00:05Z");
    assert_string_equal(cJSON_GetObjectItem(s1, "phase")->valuestring, "Ready");
    assert_string_equal(cJSON_GetObjectItem(s1, "imageCacheId")->valuestring, "imc-1");
    assert_string_equal(cJSON_GetObjectItem(s1, "progress")->valuestring, "100%");
    assert_string_equal(cJSON_GetObjectItem(s1, "expireDateTime")->valuestring, "2026-01-08T00:00:00Z");
    assert_int_equal(cJSON_GetObjectItem(s1, "observedGeneration")->valueint, 2);
    cJSON *e0 = cJSON_GetArrayItem(cJSON_GetObjectItem(s1, "events"), 0);
    assert_string_equal(cJSON_GetObjectItem(e0, "reason")->valuestring, "Created");
    assert_null(cJSON_GetObjectItem(s1, "reason"));
    cJSON *s2 = podmap_imc_status(o, &c, "2026-01-01T00:09:00Z");
    assert_false(podmap_imc_status_changed(s1, s2)); /* only lastUpdatedTime moved */
    c.progress = "50%";
    cJSON *s3 = podmap_imc_status(o, &c, "2026-01-01T00:09:00Z");
    assert_true(podmap_imc_status_changed(s1, s3));
    assert_true(podmap_imc_status_changed(NULL, s3));
    assert_false(podmap_imc_status_changed(NULL, NULL));
    /* a Failed cache names the latest Warning */
    eci_event evs[2] = {ev, {1, NULL, NULL, "pull nginx:nope failed", "c.2", "Warning", "Failed"}};
    c.status = "Failed";
    c.events = evs;
    c.n_events = 2;
    cJSON *s4 = podmap_imc_status(o, &c, NULL);
    assert_string_equal(cJSON_GetObjectItem(s4, "message")->valuestring, "pull nginx:nope failed");
    cJSON *s5 = podmap_imc_status_phase(o, "Failed", NULL, "InvalidSpec", "spec.images: at least one", NULL);
    assert_string_equal(cJSON_GetObjectItem(s5, "reason")->valuestring, "InvalidSpec");
    assert_null(cJSON_GetObjectItem(s5, "imageCacheId"));
    cJSON *s6 = podmap_imc_status_phase(o, "Creating", "imc-9", NULL, NULL, NULL);
    assert_string_equal(cJSON_GetObjectItem(s6, "progress")->valuestring, "0%");
    cJSON *wrap = cJSON_CreateObject();
    cJSON_AddItemToObject(wrap, "status", s6);
    assert_string_equal(podmap_imc_id(wrap), "imc-9");
    assert_string_equal(podmap_imc_phase(wrap), "Creating");
    assert_null(podmap_imc_id(o));
    cJSON_Delete(wrap);
    cJSON_Delete(s1);
    cJSON_Delete(s2);
    cJSON_Delete(s3);
    cJSON_Delete(s4);
    cJSON_Delete(s5);
    cJSON_Delete(o);
}

/* Shapes no apiserver would send still give an answer, not a crash. */
static void test_parse_odd_shapes(void **st)
{
    (void)st;
    const char *odd[] = {"[]", "{}", "{\"metadata\":7}", "{\"metadata\":{\"name\":\"x\",\"uid\":\"u\"},\"spec\":[]}",
                         "{\"metadata\":{\"name\":\"x\",\"uid\":\"u\"},\"spec\":{\"images\":[null]}}",
                         "{\"metadata\":{\"name\":\"x\",\"uid\":\"u\"},\"spec\":{\"images\":[\"a\"],"
                         "\"imagePullSecrets\":[{\"namespace\":1}]}}"};
    for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++) {
        cJSON *o = obj_of(odd[i]);
        podmap_imc_spec s;
        assert_int_equal(podmap_imc_parse(o, &CFG, &s), -1);
        assert_non_null(s.message);
        podmap_imc_spec_free(&s);
        cJSON_Delete(o);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_full),     cmocka_unit_test(test_parse_invalid),
        cmocka_unit_test(test_parse_annotations), cmocka_unit_test(test_add_secret),
        cmocka_unit_test(test_status),         cmocka_unit_test(test_parse_odd_shapes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
