/* Graceful deletion, ECI's side: the groups of pods being deleted
 * (DeleteContainerGroup sent, prov_gm_entry.deleting) are described by id,
 * 20 a call, on every poll of the status thread (every second while any is
 * stopping). While ECI reports such a group (status Terminating), its pod's
 * status follows it, so each container shows terminated, with the exit code
 * and reason ECI reports, as it stops (the kubelet's status manager does the
 * same while a pod terminates). Once no container of the group runs, or the
 * group is gone, the entry is marked stopped and the pod's key queued:
 * sync_deleting() in podsync.c then writes the final status and deletes the
 * pod (grace 0, uid precondition) without waiting for the grace period. */
#include "provider/controllers.h"
#include "provider/podmap/pod.h"
#include "provider/podmap/status.h"
#include "util/xmalloc.h"

#include <string.h>

typedef struct term_ctx {
    prov_ctl *c;
    char **ids;
} term_ctx;

/* Whether nothing of the described group runs any more. */
static int group_stopped(const eci_container_group *g)
{
    const char *st = g->status ? g->status : "";
    if (!strcmp(st, "Succeeded") || !strcmp(st, "Failed") || !strcmp(st, "Expired") ||
        !strcmp(st, "ScheduleFailed"))
        return 1;
    for (size_t i = 0; i < g->n_containers; i++)
        if (g->containers[i].current_state.state && !strcmp(g->containers[i].current_state.state, "Running"))
            return 0;
    for (size_t i = 0; i < g->n_init_containers; i++)
        if (g->init_containers[i].current_state.state &&
            !strcmp(g->init_containers[i].current_state.state, "Running"))
            return 0;
    return 1;
}

static void term_one(size_t i, const eci_container_group *g, void *arg)
{
    term_ctx *t = arg;
    prov_ctl *c = t->c;
    prov_gm_entry e;
    if (prov_gm_get_by_group(c->gm, t->ids[i], &e) != 0 || !e.deleting || e.stopped)
        return;
    cJSON *pod = prov_ctl_pod(c, e.ns, e.name, e.uid);
    if (!pod)
        return; /* the pod sync deletes the group and forgets it */
    if (g && !podmap_pod_terminal(pod)) {
        char ts[40];
        podmap_status_ctx ctx;
        prov_ctl_status_ctx(c, &ctx, ts, sizeof ts);
        cJSON *st = podmap_status_from_group(pod, g, &ctx);
        prov_status_write(c, pod, st, NULL); /* a failed write is kept and retried by the pod's sync */
        cJSON_Delete(st);
    }
    if (!g || group_stopped(g)) {
        prov_gm_set_stopped(c->gm, e.uid);
        char *key = podmap_pod_key(pod);
        prov_wq_add(c->wq, key);
        free(key);
    }
    cJSON_Delete(pod);
}

static int is_stopping(const prov_gm_entry *e, void *arg)
{
    (void)arg;
    return e->deleting && !e->stopped;
}

size_t prov_term_poll(prov_ctl *c)
{
    if (!prov_gm_any(c->gm, is_stopping, NULL))
        return 0; /* the common case: no copy of the map */
    size_t n;
    prov_gm_entry *all = prov_gm_list(c->gm, &n);
    char **ids = xcalloc(n + 1, sizeof *ids);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (is_stopping(&all[i], NULL))
            ids[k++] = xstrdup(all[i].group_id);
    free(all);
    if (k) {
        term_ctx t = {c, ids};
        prov_describe_ids(c, (const char *const *)ids, k, term_one, &t);
    }
    for (size_t i = 0; i < k; i++)
        free(ids[i]);
    free(ids);
    return k;
}
