/* The virtual Node: registered on start (created, or its labels, taint and
 * status brought in line), then kept alive by its Lease in kube-node-lease
 * (renewed every quarter of the lease duration) and a status written when it
 * changes or every node-status-update-period (kubelet-protocols.md 6).
 * Node Events as a kubelet writes them (pkg/kubelet: "Starting" once, and
 * "NodeReady" / "NodeNotReady" when the Ready condition it writes changes),
 * about the Node with its name as uid, like the kubelet's node reference. */
#include "provider/bridge_int.h"
#include "provider/podmap/node.h"
#include "k8s/lease.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/xmalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COMP "node"

typedef struct node_state {
    cJSON *last_status; /* status last written */
    time_t last_write;
    time_t last_usage;  /* last ListUsage call (capacity from quotas) */
    char usage_cpu[32], usage_memory[32], usage_pods[32];
    int usage_failed;   /* the last ListUsage failed (logged once per failure streak) */
    int eci_ok;           /* ECI reachability last written */
    char eci_reason[600]; /* the message of the NotReady condition */
} node_state;

#define USAGE_PERIOD_S 60
#define ECI_MIN_POD_CPU 0.25 /* the smallest ECI specification */

/* Capacity from the account's ECI quota: ListUsage gives MaxCpu; memory is
 * derived from it at the largest ECI ratio (1 vCPU : 8 GiB); pods are as
 * many of the smallest specification as the quota holds, at most the
 * configured number (ECI publishes no pod quota). When the call fails (not
 * allowed by the RAM policy, unreachable) the configured numbers stay, with
 * one log line until it succeeds again. */
static void refresh_usage(prov_bridge *b, node_state *ns)
{
    time_t now = time(NULL);
    if (!b->cfg->capacity_from_usage || (ns->last_usage && now - ns->last_usage < USAGE_PERIOD_S))
        return;
    ns->last_usage = now;
    eci_list_usage_resp resp;
    eci_error err;
    eci_error_clear(&err);
    if (b->be->usage(b->be->ud, &resp, &err) == 0 && resp.max_cpu > 0) {
        snprintf(ns->usage_cpu, sizeof ns->usage_cpu, "%.0f", resp.max_cpu);
        snprintf(ns->usage_memory, sizeof ns->usage_memory, "%.0fGi", resp.max_cpu * 8);
        double pods = resp.max_cpu / ECI_MIN_POD_CPU, conf = b->cfg->capacity_pods ? atof(b->cfg->capacity_pods) : 0;
        if (conf > 0 && conf < pods)
            pods = conf;
        snprintf(ns->usage_pods, sizeof ns->usage_pods, "%.0f", pods);
        if (ns->usage_failed)
            log_info(COMP, "ListUsage answers again: capacity from the account's quota (%s vCPU)", ns->usage_cpu);
        ns->usage_failed = 0;
    } else {
        if (!ns->usage_failed) {
            char buf[900];
            log_warn(COMP, "ListUsage failed, the configured capacity is used until it answers: %s",
                     resp.max_cpu <= 0 && !err.code ? "no MaxCpu in the answer"
                                                   : eci_error_format(&err, buf, sizeof buf));
        }
        ns->usage_failed = 1;
        ns->usage_cpu[0] = ns->usage_memory[0] = ns->usage_pods[0] = '\0';
    }
    eci_list_usage_resp_free(&resp);
}

static void facts_now(prov_bridge *b, node_state *ns, podmap_node_facts *f)
{
    memset(f, 0, sizeof *f);
    if (ns->usage_cpu[0]) {
        f->usage_cpu = ns->usage_cpu;
        f->usage_memory = ns->usage_memory;
        f->usage_pods = ns->usage_pods;
    }
    f->now = time(NULL);
    f->version = ECI_KUBELET_VERSION;
    if (!atomic_load(&b->ctl.eci_ok)) {
        f->not_ready = true;
        f->not_ready_reason = "ECIUnreachable";
        f->not_ready_message = "the ECI API did not answer";
        prov_eci_reason(b, ns->eci_reason, sizeof ns->eci_reason);
        if (ns->eci_reason[0])
            f->not_ready_message = ns->eci_reason;
    }
}

/* The Ready condition's status in a NodeStatus, or "". */
static const char *ready_status(const cJSON *status)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(status, "conditions"))
    {
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(c, "type");
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(c, "status");
        if (cJSON_IsString(t) && strcmp(t->valuestring, "Ready") == 0 && cJSON_IsString(st))
            return st->valuestring;
    }
    return "";
}

static void node_event(prov_bridge *b, const char *type, const char *reason, const char *fmt, const char *arg)
{
    cJSON *ref = cJSON_CreateObject();
    cJSON_AddStringToObject(ref, "apiVersion", "v1");
    cJSON_AddStringToObject(ref, "kind", "Node");
    cJSON *md = cJSON_AddObjectToObject(ref, "metadata");
    cJSON_AddStringToObject(md, "name", b->cfg->node_name);
    cJSON_AddStringToObject(md, "uid", b->cfg->node_name);
    k8s_record_eventf(b->rec, ref, type, reason, NULL, fmt, arg);
    cJSON_Delete(ref);
}

static int write_status(prov_bridge *b, node_state *ns, int force)
{
    podmap_node_config nc;
    prov_cfg_node(b->cfg, &nc);
    refresh_usage(b, ns);
    podmap_node_facts f;
    facts_now(b, ns, &f);
    cJSON *next = podmap_node_status(&nc, &f, ns->last_status);
    bool changed = podmap_node_status_changed(ns->last_status, next);
    if (!force && !podmap_node_status_due(changed, ns->last_write, f.now, b->cfg->node_status_update_period_ms)) {
        cJSON_Delete(next);
        return 0;
    }
    cJSON *patch = podmap_node_status_patch(next);
    k8s_error err;
    int rc = k8s_patch(b->kc, &K8S_RES_NODES, NULL, b->cfg->node_name, "status", K8S_PATCH_STRATEGIC, patch, NULL,
                       &err);
    cJSON_Delete(patch);
    if (rc != 0) {
        char buf[768];
        log_warn(COMP, "update node status: %s", k8s_error_format(&err, buf, sizeof buf));
        cJSON_Delete(next);
        return -1;
    }
    const char *was = ready_status(ns->last_status), *now_ready = ready_status(next);
    if (strcmp(was, now_ready) != 0) {
        if (strcmp(now_ready, "True") == 0)
            node_event(b, "Normal", "NodeReady", "Node %s status is now: NodeReady", b->cfg->node_name);
        else if (*now_ready)
            node_event(b, "Normal", "NodeNotReady", "Node %s status is now: NodeNotReady", b->cfg->node_name);
    }
    cJSON_Delete(ns->last_status);
    ns->last_status = next;
    ns->last_write = f.now;
    return 0;
}

int prov_node_register(prov_bridge *b)
{
    podmap_node_config nc;
    prov_cfg_node(b->cfg, &nc);
    const char *name = b->cfg->node_name;
    cJSON *node = NULL;
    k8s_error err;
    char buf[768];
    if (k8s_get(b->kc, &K8S_RES_NODES, NULL, name, &node, &err) != 0) {
        if (err.code != K8S_E_NOT_FOUND) {
            log_error(COMP, "read node %s: %s", name, k8s_error_format(&err, buf, sizeof buf));
            return -1;
        }
        podmap_node_facts f;
        node_state fresh;
        memset(&fresh, 0, sizeof fresh);
        facts_now(b, &fresh, &f); /* NotReady from the start when ECI did not answer DescribeRegions */
        cJSON *obj = podmap_node_build(&nc, &f, NULL);
        int rc = k8s_create(b->kc, &K8S_RES_NODES, NULL, obj, &node, &err);
        cJSON_Delete(obj);
        if (rc != 0 && err.code == K8S_E_ALREADY_EXISTS)
            rc = k8s_get(b->kc, &K8S_RES_NODES, NULL, name, &node, &err);
        if (rc != 0) {
            log_error(COMP, "register node %s: %s", name, k8s_error_format(&err, buf, sizeof buf));
            return -1;
        }
        log_info(COMP, "registered node %s", name);
        /* Registered with Ready=True already: the transition the kubelet
         * reports with its first status. */
        if (strcmp(ready_status(cJSON_GetObjectItemCaseSensitive(node, "status")), "True") == 0)
            node_event(b, "Normal", "NodeReady", "Node %s status is now: NodeReady", name);
    } else {
        for (int i = 0; i < 5; i++) {
            cJSON *patch = podmap_node_meta_patch(&nc, node);
            if (!patch)
                break;
            cJSON *out = NULL;
            int rc = k8s_patch(b->kc, &K8S_RES_NODES, NULL, name, NULL, K8S_PATCH_MERGE, patch, &out, &err);
            cJSON_Delete(patch);
            if (rc == 0) {
                cJSON_Delete(node);
                node = out;
                break;
            }
            cJSON_Delete(out);
            if (err.code != K8S_E_CONFLICT) {
                log_warn(COMP, "update node %s labels/taint: %s", name, k8s_error_format(&err, buf, sizeof buf));
                break;
            }
            cJSON_Delete(node);
            node = NULL;
            if (k8s_get(b->kc, &K8S_RES_NODES, NULL, name, &node, &err) != 0)
                break;
        }
        log_info(COMP, "node %s exists; taking it over", name);
    }
    const char *uid = node ? k8s_meta_str(node, "uid") : NULL;
    xstrset(&b->node_uid, uid ? uid : "");
    cJSON *st = node ? cJSON_GetObjectItemCaseSensitive(node, "status") : NULL;
    cJSON_Delete(b->node_status);
    b->node_status = st ? cJSON_Duplicate(st, 1) : NULL;
    cJSON_Delete(node);
    return 0;
}

void *prov_node_loop(void *arg)
{
    prov_bridge *b = arg;
    podmap_node_config nc;
    prov_cfg_node(b->cfg, &nc);
    node_state ns = {0};
    ns.last_status = b->node_status; /* keeps lastTransitionTime of a Node taken over */
    b->node_status = NULL;
    int lease_s = (int)(b->cfg->node_lease_duration_ms / 1000);
    k8s_node_lease *lease = k8s_node_lease_new(b->kc, b->cfg->node_name, b->node_uid, lease_s > 0 ? lease_s : 40);
    long renew_ms = (long)podmap_node_lease_renew_interval_ms(&nc);
    if (renew_ms <= 0)
        renew_ms = 10000;
    long status_check_ms = renew_ms < 10000 ? renew_ms : 10000;
    ns.eci_ok = atomic_load(&b->ctl.eci_ok);
    node_event(b, "Normal", "Starting", "Starting eci-kubelet %s.", ECI_KUBELET_VERSION);
    write_status(b, &ns, 1);
    int renewed = 0;
    int64_t last_renew = 0, last_status = clock_mono_ms();
    while (!atomic_load(&b->ctl.stop)) {
        int64_t now = clock_mono_ms();
        if (!renewed || now - last_renew >= renew_ms) {
            k8s_error err;
            if (k8s_node_lease_renew(lease, &err) != 0) {
                char buf[768];
                log_warn(COMP, "renew node lease: %s", k8s_error_format(&err, buf, sizeof buf));
            }
            last_renew = now;
            renewed = 1;
        }
        int64_t since_status = now - last_status;
        /* A change of ECI reachability is written at once, not at the next
         * periodic check. */
        int eci_now = atomic_load(&b->ctl.eci_ok);
        if (since_status >= status_check_ms || ns.eci_ok != eci_now) {
            if (write_status(b, &ns, 0) == 0)
                ns.eci_ok = eci_now;
            last_status = now;
        }
        prov_ctl_sleep(&b->ctl, 1000);
    }
    k8s_node_lease_free(lease);
    cJSON_Delete(ns.last_status);
    return NULL;
}
