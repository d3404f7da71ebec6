#include "provider/nodecert.h"
#include "k8s/client.h"
#include "k8s/csr.h"
#include "util/backoff.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/timefmt.h"
#include "util/xmalloc.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define COMP "nodecert"
#define MAX_CONFIGS 4
#define RETRY_MIN_S 2
#define RETRY_MAX_S 300

struct prov_nodecert {
    k8s_client *boot; /* bootstrap identity: may only request node client certificates */
    char *node;
    long expiration_s;
    long wait_ms;
    const atomic_int *stop;
    k8s_cert_pair cur;
    k8s_config *cfgs[MAX_CONFIGS]; /* borrowed: the clients acting as the node */
    size_t ncfgs;
    pthread_mutex_t mu;
    pthread_t tid;
    int started;
    unsigned seed;
};

static int request(prov_nodecert *nc, k8s_cert_pair *out, char *why, size_t whylen)
{
    k8s_error err;
    k8s_error_clear(&err);
    if (k8s_csr_node_client_cert(nc->boot, nc->node, nc->expiration_s, nc->wait_ms, nc->stop, out, &err) == 0)
        return 0;
    k8s_error_format(&err, why, whylen);
    return -1;
}

int prov_nodecert_new(k8s_config *boot, const char *node, int64_t duration_ms, long wait_ms, const atomic_int *stop,
                      prov_nodecert **out)
{
    *out = NULL;
    k8s_error err;
    k8s_error_clear(&err);
    const char *src = k8s_config_source(boot);
    char *source = xstrdup(src ? src : "");
    k8s_client_opts ko = {0};
    ko.user_agent = "eci-kubelet-bootstrap";
    prov_nodecert *nc = xcalloc(1, sizeof *nc);
    pthread_mutex_init(&nc->mu, NULL);
    nc->node = xstrdup(node);
    nc->expiration_s = (long)(duration_ms / 1000);
    nc->wait_ms = wait_ms;
    nc->stop = stop;
    nc->seed = (unsigned)time(NULL) ^ (unsigned)(uintptr_t)nc;
    char why[900];
    if (k8s_client_new(boot, &ko, &nc->boot, &err) != 0) {
        log_error(COMP, "node certificate: bootstrap client (%s): %s", source,
                  k8s_error_format(&err, why, sizeof why));
        goto fail;
    }
    if (request(nc, &nc->cur, why, sizeof why) != 0) {
        log_error(COMP,
                  "node certificate for system:node:%s with the bootstrap credentials (%s): %s (the identity needs "
                  "create and get on certificatesigningrequests and create on certificatesigningrequests/nodeclient; "
                  "see deploy/base/rbac.yaml)",
                  node, source, why);
        goto fail;
    }
    char nb[32], na[32];
    timefmt_format_s(nc->cur.not_before, nb, sizeof nb);
    timefmt_format_s(nc->cur.not_after, na, sizeof na);
    log_info(COMP, "acting as system:node:%s: client certificate valid %s to %s", node, nb, na);
    free(source);
    *out = nc;
    return 0;
fail:
    free(source);
    prov_nodecert_free(nc);
    return -1;
}

k8s_config *prov_nodecert_config(prov_nodecert *nc)
{
    pthread_mutex_lock(&nc->mu);
    k8s_config *c = k8s_config_with_client_cert(k8s_client_config(nc->boot), (unsigned char *)nc->cur.cert,
                                                nc->cur.cert_len, (unsigned char *)nc->cur.key, nc->cur.key_len);
    if (nc->ncfgs < MAX_CONFIGS)
        nc->cfgs[nc->ncfgs++] = c;
    else
        abort(); /* a wiring mistake, not a runtime condition */
    pthread_mutex_unlock(&nc->mu);
    return c;
}

k8s_client *prov_nodecert_bootstrap_client(prov_nodecert *nc) { return nc->boot; }

static int nodecert_stopped(void *nc) { return atomic_load(((prov_nodecert *)nc)->stop); }

/* Sleep until t (wall clock: certificate times are wall-clock times, so the
 * clock is read again every 200 ms rather than trusting one interval) or
 * stop; returns 1 when stopped. */
static int sleep_until(prov_nodecert *nc, time_t t)
{
    for (;;) {
        time_t now = time(NULL);
        if (now >= t)
            return atomic_load(nc->stop) ? 1 : 0;
        if (clock_sleep_unless(200, 200, nodecert_stopped, nc))
            return 1;
    }
}

static void *renew_loop(void *arg)
{
    prov_nodecert *nc = arg;
    double u = (double)rand_r(&nc->seed) / ((double)RAND_MAX + 1.0);
    time_t deadline = k8s_cert_rotation_deadline(nc->cur.not_before, nc->cur.not_after, u);
    char when[32];
    timefmt_format_s(deadline, when, sizeof when);
    log_info(COMP, "node client certificate renewal due at %s", when);
    int fails = 0; /* failed renewals in a row: the backoff step */
    char last[900] = "";
    while (!sleep_until(nc, deadline)) {
        k8s_cert_pair next;
        char why[900];
        if (request(nc, &next, why, sizeof why) != 0) {
            if (atomic_load(nc->stop))
                break;
            /* Keep the current certificate (it is still valid) and retry
             * with backoff; log a failure once per distinct message. */
            if (strcmp(why, last)) {
                char na[32];
                timefmt_format_s(nc->cur.not_after, na, sizeof na);
                log_error(COMP, "renewing the node client certificate (the current one expires %s): %s", na, why);
                snprintf(last, sizeof last, "%s", why);
            }
            deadline = time(NULL) + backoff_ms(RETRY_MIN_S, RETRY_MAX_S, fails++, 25); /* in seconds */
            continue;
        }
        pthread_mutex_lock(&nc->mu);
        for (size_t i = 0; i < nc->ncfgs; i++)
            k8s_config_set_client_cert(nc->cfgs[i], (unsigned char *)next.cert, next.cert_len,
                                       (unsigned char *)next.key, next.key_len);
        k8s_cert_pair_clear(&nc->cur);
        nc->cur = next;
        pthread_mutex_unlock(&nc->mu);
        fails = 0;
        last[0] = '\0';
        u = (double)rand_r(&nc->seed) / ((double)RAND_MAX + 1.0);
        deadline = k8s_cert_rotation_deadline(nc->cur.not_before, nc->cur.not_after, u);
        char na[32];
        timefmt_format_s(nc->cur.not_after, na, sizeof na);
        timefmt_format_s(deadline, when, sizeof when);
        log_info(COMP, "renewed the node client certificate: valid until %s, next renewal at %s", na, when);
    }
    return NULL;
}

void prov_nodecert_start(prov_nodecert *nc)
{
    if (!nc || nc->started)
        return;
    pthread_create(&nc->tid, NULL, renew_loop, nc);
    nc->started = 1;
}

void prov_nodecert_stop(prov_nodecert *nc)
{
    if (!nc || !nc->started)
        return;
    pthread_join(nc->tid, NULL);
    nc->started = 0;
}

void prov_nodecert_free(prov_nodecert *nc)
{
    if (!nc)
        return;
    k8s_cert_pair_clear(&nc->cur);
    k8s_client_free(nc->boot);
    free(nc->node);
    pthread_mutex_destroy(&nc->mu);
    free(nc);
}
