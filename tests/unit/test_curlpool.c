/* util/curlpool: handles come back reset and keep their connection; a handle
 * put back as not reusable, or beyond the cap, is closed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <microhttpd.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "util/curlpool.h"

static atomic_int connections, with_header;

static void on_conn(void *cls, struct MHD_Connection *c, void **ctx, enum MHD_ConnectionNotificationCode code)
{
    (void)cls;
    (void)c;
    (void)ctx;
    if (code == MHD_CONNECTION_NOTIFY_STARTED)
        atomic_fetch_add(&connections, 1);
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                               const char *version, const char *data, size_t *size, void **ctx)
{
    (void)cls;
    (void)url;
    (void)method;
    (void)version;
    (void)data;
    (void)size;
    static int seen;
    if (!*ctx) { /* answer once the request is complete, so the connection stays open */
        *ctx = &seen;
        return MHD_YES;
    }
    if (MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Marker"))
        atomic_fetch_add(&with_header, 1);
    struct MHD_Response *r = MHD_create_response_from_buffer(2, (void *)"ok", MHD_RESPMEM_PERSISTENT);
    enum MHD_Result ret = MHD_queue_response(c, 200, r);
    MHD_destroy_response(r);
    return ret;
}

static size_t sink(char *p, size_t s, size_t n, void *ud)
{
    (void)p;
    (void)ud;
    return s * n;
}

static char url[64];

static CURLcode fetch(CURL *h, struct curl_slist *hdrs)
{
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    if (hdrs)
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    return curl_easy_perform(h);
}

static void test_pool(void **state)
{
    (void)state;
    struct MHD_Daemon *d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, handler, NULL,
                                            MHD_OPTION_NOTIFY_CONNECTION, on_conn, NULL, MHD_OPTION_END);
    assert_non_null(d);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT)->port);
    curlpool *p = curlpool_new(2);

    struct curl_slist *hdrs = curl_slist_append(NULL, "X-Marker: 1");
    CURL *h = curlpool_get(p);
    assert_int_equal(fetch(h, hdrs), CURLE_OK);
    curlpool_put(p, h, 1);
    /* the same handle again: reset (the header is gone), same connection */
    CURL *h2 = curlpool_get(p);
    assert_ptr_equal(h2, h);
    assert_int_equal(fetch(h2, NULL), CURLE_OK);
    assert_int_equal(atomic_load(&with_header), 1);
    assert_int_equal(atomic_load(&connections), 1);
    /* not reusable: closed, the next get makes a new handle and connection */
    curlpool_put(p, h2, 0);
    h = curlpool_get(p);
    assert_int_equal(fetch(h, NULL), CURLE_OK);
    assert_int_equal(atomic_load(&connections), 2);

    /* three out at once, a cap of two: one is closed when all come back */
    CURL *a = h, *b = curlpool_get(p), *c = curlpool_get(p);
    assert_int_equal(fetch(b, NULL), CURLE_OK);
    assert_int_equal(fetch(c, NULL), CURLE_OK);
    assert_int_equal(atomic_load(&connections), 4);
    curlpool_put(p, a, 1);
    curlpool_put(p, b, 1);
    curlpool_put(p, c, 1); /* over the cap */
    CURL *x = curlpool_get(p), *y = curlpool_get(p), *z = curlpool_get(p);
    assert_true((x == b || x == a) && (y == a || y == b));
    assert_int_equal(fetch(x, NULL), CURLE_OK);
    assert_int_equal(fetch(y, NULL), CURLE_OK);
    assert_int_equal(atomic_load(&connections), 4);
    assert_int_equal(fetch(z, NULL), CURLE_OK); /* a fresh handle */
    assert_int_equal(atomic_load(&connections), 5);
    curlpool_put(p, x, 1);
    curlpool_put(p, y, 1);
    curlpool_put(p, z, 1);
    curlpool_put(p, NULL, 1);

    curl_slist_free_all(hdrs);
    curlpool_free(p);
    curlpool_free(NULL);
    MHD_stop_daemon(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pool),
    };
    return cmocka_run_group_tests_name("curlpool", tests, NULL, NULL);
}
