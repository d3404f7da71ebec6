/* Kubelet API handlers backed by ECI: pods from the informer, logs through
 * DescribeContainerLog (followed by polling from the last line's timestamp,
 * never repeating a line), exec through ExecContainerCommand's WebSocket
 * (provider/kubelet_exec.c) as a kubelet_rc_backend, and the bridge's own metrics. */
#include "provider/kubelet_handlers.h"
#include "provider/bridge_int.h"
#include "provider/kubelet_exec.h"
#include "provider/podmap/status.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/timefmt.h"
#include "util/xmalloc.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define COMP "kubelet"
#define FOLLOW_POLL_MS 1000
#define FOLLOW_MAX_WAIT_MS 16000
#define ECI_TAIL_MAX 2000

struct prov_kubelet {
    prov_bridge *b;
    prov_kauth *auth;
    kubelet_auth kauth;
    kubelet_auth_cache *auth_cache;
    kubelet_handlers handlers;
    prov_kexec *exec;
    prov_kstats *stats;
    kubelet_server *srv;
};

/* ---- shared lookups -------------------------------------------------------- */

/* The pod and its container group. 0 found (pod set, gid filled), or -1 with
 * the HTTP answer already sent. */
static int lookup(prov_bridge *b, const char *ns, const char *name, const char *container, kubelet_response *w,
                  cJSON **pod, char *gid, size_t gidl)
{
    *pod = k8s_informer_get(b->pods, ns, name);
    if (!*pod) {
        kubelet_resp_error(w, 404, "pod \"%s\" not found in namespace \"%s\" on node %s", name, ns, b->cfg->node_name);
        return -1;
    }
    if (container && container[0]) {
        int found = 0;
        const char *lists[] = {"containers", "initContainers"};
        for (int l = 0; l < 2 && !found; l++) {
            const cJSON *c;
            cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(*pod, "spec"),
                                                                   lists[l]))
            {
                const cJSON *n = cJSON_GetObjectItemCaseSensitive(c, "name");
                if (cJSON_IsString(n) && strcmp(n->valuestring, container) == 0)
                    found = 1;
            }
        }
        const cJSON *c;
        cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(*pod, "spec"),
                                                               "ephemeralContainers"))
        {
            const cJSON *n = cJSON_GetObjectItemCaseSensitive(c, "name");
            if (!found && cJSON_IsString(n) && strcmp(n->valuestring, container) == 0) {
                kubelet_resp_error(w, 400, "container \"%s\" in pod \"%s\" is terminated: %s", container, name,
                                   PODMAP_EPHEMERAL_UNSUPPORTED);
                goto fail;
            }
        }
        if (!found) {
            kubelet_resp_error(w, 404, "container \"%s\" not found in pod \"%s\"", container, name);
            goto fail;
        }
    }
    prov_gm_entry e;
    if (prov_gm_get(b->gm, k8s_meta_str(*pod, "uid"), &e) != 0) {
        kubelet_resp_error(w, 400, "container \"%s\" in pod \"%s\" is waiting to start: ContainerCreating",
                        container ? container : "", name);
        goto fail;
    }
    snprintf(gid, gidl, "%s", e.group_id);
    return 0;
fail:
    cJSON_Delete(*pod);
    *pod = NULL;
    return -1;
}

static void send_eci_error(kubelet_response *w, const eci_error *err)
{
    char buf[900];
    eci_error_format(err, buf, sizeof buf);
    int code = 500;
    eci_class cl = eci_error_classify(err);
    if (cl == ECI_CLASS_NOT_FOUND)
        code = 404;
    else if (cl == ECI_CLASS_INVALID)
        code = 400;
    else if (cl == ECI_CLASS_THROTTLED)
        code = 429;
    kubelet_resp_error(w, code, "%s", buf);
}

/* ---- /pods ------------------------------------------------------------------ */

static void h_pods(void *ud, const kubelet_request *req, kubelet_response *w)
{
    prov_kubelet *k = ud;
    (void)req;
    /* Straight from the store's text: no tree per pod. */
    dynbuf d;
    dynbuf_init(&d, (size_t)1 << 30);
    dynbuf_adds(&d, "{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"metadata\":{},\"items\":");
    if (k8s_informer_list_text(k->b->pods, &d) != 0) {
        dynbuf_free(&d);
        kubelet_resp_error(w, 500, "the pod list does not fit in a response");
        return;
    }
    dynbuf_addc(&d, '}');
    kubelet_resp_send(w, 200, "application/json", d.buf, d.len);
    dynbuf_free(&d);
}

cJSON *prov_running_pods(const cJSON *pods, prov_runtime_status_fn runtime_status, void *ud)
{
    cJSON *list = cJSON_CreateObject();
    cJSON_AddStringToObject(list, "kind", "PodList");
    cJSON_AddStringToObject(list, "apiVersion", "v1");
    cJSON_AddObjectToObject(list, "metadata");
    cJSON *items = cJSON_AddArrayToObject(list, "items");
    const cJSON *pod;
    cJSON_ArrayForEach(pod, pods)
    {
        const char *uid = k8s_meta_str(pod, "uid");
        cJSON *known = NULL;
        if (!uid || runtime_status(ud, uid, &known) != 0)
            continue;
        const cJSON *status = known ? known : cJSON_GetObjectItemCaseSensitive(pod, "status");
        cJSON *ctrs = cJSON_CreateArray();
        const char *lists[] = {"initContainerStatuses", "containerStatuses"};
        for (int l = 0; l < 2; l++) {
            const cJSON *cs;
            cJSON_ArrayForEach(cs, cJSON_GetObjectItemCaseSensitive(status, lists[l]))
            {
                const cJSON *st = cJSON_GetObjectItemCaseSensitive(cs, "state");
                if (!cJSON_GetObjectItemCaseSensitive(st, "running"))
                    continue;
                cJSON *c = cJSON_CreateObject();
                cJSON_AddItemToObject(c, "name",
                                      cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(cs, "name"), 0));
                cJSON_AddItemToObject(c, "image",
                                      cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(cs, "image"), 0));
                cJSON_AddObjectToObject(c, "resources");
                cJSON_AddItemToArray(ctrs, c);
            }
        }
        cJSON_Delete(known);
        if (cJSON_GetArraySize(ctrs) == 0) {
            cJSON_Delete(ctrs);
            continue;
        }
        cJSON *p = cJSON_CreateObject();
        cJSON *md = cJSON_AddObjectToObject(p, "metadata");
        cJSON_AddStringToObject(md, "name", k8s_meta_str(pod, "name"));
        cJSON_AddStringToObject(md, "namespace", k8s_meta_str(pod, "namespace"));
        cJSON_AddStringToObject(md, "uid", uid);
        cJSON_AddNullToObject(md, "creationTimestamp");
        cJSON_AddItemToObject(cJSON_AddObjectToObject(p, "spec"), "containers", ctrs);
        cJSON_AddObjectToObject(p, "status");
        cJSON_AddItemToArray(items, p);
    }
    return list;
}

/* The bridge's runtime view of a pod: a container group, and the status the
 * bridge last wrote (its view of ECI, remembered before the write reaches
 * the API; the watched pod lags that write by the watch's delay). */
static int bridge_runtime_status(void *ud, const char *uid, cJSON **status)
{
    prov_bridge *b = ud;
    prov_gm_entry e;
    if (prov_gm_get(b->gm, uid, &e) != 0)
        return -1;
    pthread_mutex_lock(&b->ctl.drift_mu);
    *status = prov_written_get(&b->ctl, uid);
    pthread_mutex_unlock(&b->ctl.drift_mu);
    return 0;
}

static void h_running_pods(void *ud, const kubelet_request *req, kubelet_response *w)
{
    prov_kubelet *k = ud;
    (void)req;
    cJSON *pods = k8s_informer_list(k->b->pods);
    cJSON *list = prov_running_pods(pods, bridge_runtime_status, k->b);
    cJSON_Delete(pods);
    char *j = cJSON_PrintUnformatted(list);
    cJSON_Delete(list);
    kubelet_resp_send(w, 200, "application/json", j, strlen(j));
    cJSON_free(j);
}

static void h_metrics(void *ud, const kubelet_request *req, kubelet_response *w)
{
    prov_kubelet *k = ud;
    (void)req;
    dynbuf d;
    dynbuf_init(&d, 0);
    prom_render(k->b->metrics, &d);
    kubelet_resp_send(w, 200, "text/plain; version=0.0.4", d.buf ? d.buf : "", d.len);
    dynbuf_free(&d);
}

/* A duration as Go's time.Duration prints it (what a kubelet's /configz shows). */
static void go_duration(int64_t ms, char *buf, size_t n)
{
    int64_t s = ms / 1000, h = s / 3600, m = s % 3600 / 60;
    long long frac = (long long)(ms % 1000);
    char sec[32];
    if (frac)
        snprintf(sec, sizeof sec, "%lld.%03llds", (long long)(s % 60), frac);
    else
        snprintf(sec, sizeof sec, "%llds", (long long)(s % 60));
    if (h)
        snprintf(buf, n, "%lldh%lldm%.24s", (long long)h, (long long)m, sec);
    else if (m)
        snprintf(buf, n, "%lldm%.24s", (long long)m, sec);
    else
        snprintf(buf, n, "%s", sec);
}

/* GET /configz: the node's effective settings as the KubeletConfiguration
 * fields a kubelet reports under "kubeletconfig". */
static void h_configz(void *ud, const kubelet_request *req, kubelet_response *w)
{
    prov_kubelet *k = ud;
    const prov_cfg *cfg = k->b->cfg;
    (void)req;
    char d[48];
    cJSON *root = cJSON_CreateObject();
    cJSON *kc = cJSON_AddObjectToObject(root, "kubeletconfig");
    cJSON_AddStringToObject(kc, "kind", "KubeletConfiguration");
    cJSON_AddStringToObject(kc, "apiVersion", "kubelet.config.k8s.io/v1beta1");
    cJSON_AddBoolToObject(kc, "enableServer", 1);
    cJSON_AddStringToObject(kc, "address", cfg->listen_address[0] ? cfg->listen_address : "0.0.0.0");
    cJSON_AddNumberToObject(kc, "port", cfg->port);
    cJSON_AddStringToObject(kc, "tlsCertFile", cfg->tls_cert_file);
    cJSON_AddStringToObject(kc, "tlsPrivateKeyFile", cfg->tls_private_key_file);
    cJSON *authn = cJSON_AddObjectToObject(kc, "authentication");
    cJSON_AddStringToObject(cJSON_AddObjectToObject(authn, "x509"), "clientCAFile", cfg->client_ca_file);
    cJSON_AddBoolToObject(cJSON_AddObjectToObject(authn, "webhook"), "enabled", 1);
    cJSON_AddBoolToObject(cJSON_AddObjectToObject(authn, "anonymous"), "enabled", 0);
    cJSON_AddStringToObject(cJSON_AddObjectToObject(kc, "authorization"), "mode", "Webhook");
    cJSON_AddStringToObject(kc, "clusterDomain", cfg->cluster_domain);
    cJSON *dns = cJSON_AddArrayToObject(kc, "clusterDNS");
    for (size_t i = 0; i < cfg->cluster_dns.n; i++)
        cJSON_AddItemToArray(dns, cJSON_CreateString(cfg->cluster_dns.items[i]));
    if (!cfg->cluster_dns.n && k->b->cluster_dns[0])
        cJSON_AddItemToArray(dns, cJSON_CreateString(k->b->cluster_dns));
    cJSON_AddNumberToObject(kc, "maxPods", atof(cfg->capacity_pods));
    go_duration(cfg->node_status_update_period_ms, d, sizeof d);
    cJSON_AddStringToObject(kc, "nodeStatusUpdateFrequency", d);
    cJSON_AddNumberToObject(kc, "nodeLeaseDurationSeconds", (double)(cfg->node_lease_duration_ms / 1000));
    go_duration(cfg->streaming_idle_timeout_ms, d, sizeof d);
    cJSON_AddStringToObject(kc, "streamingConnectionIdleTimeout", d);
    cJSON_AddBoolToObject(kc, "registerNode", 1);
    cJSON *taints = cJSON_AddArrayToObject(kc, "registerWithTaints");
    if (cfg->taint.enabled) {
        cJSON *t = cJSON_CreateObject();
        cJSON_AddStringToObject(t, "key", cfg->taint.key);
        if (cfg->taint.value && *cfg->taint.value)
            cJSON_AddStringToObject(t, "value", cfg->taint.value);
        cJSON_AddStringToObject(t, "effect", cfg->taint.effect);
        cJSON_AddItemToArray(taints, t);
    }
    char *body = cJSON_PrintUnformatted(root);
    kubelet_resp_send(w, 200, "application/json", body, strlen(body));
    free(body);
    cJSON_Delete(root);
}

static void h_metrics_cadvisor(void *ud, const kubelet_request *req, kubelet_response *w)
{
    prov_kstats_cadvisor(((prov_kubelet *)ud)->stats, req, w);
}

static void h_stats_summary(void *ud, const kubelet_request *req, kubelet_response *w)
{
    prov_kstats_summary(((prov_kubelet *)ud)->stats, req, w);
}

static void h_metrics_resource(void *ud, const kubelet_request *req, kubelet_response *w)
{
    prov_kstats_resource(((prov_kubelet *)ud)->stats, req, w);
}

/* /run: ExecContainerCommand with Sync (no stdin, no tty); its SyncResponse
 * is the combined output, answered as the kubelet does (raw bytes under an
 * application/json content type). cmd is split on single spaces. */
static void h_run(void *ud, const kubelet_request *req, kubelet_response *w)
{
    prov_kubelet *k = ud;
    prov_bridge *b = k->b;
    const char *ns = kubelet_req_param(req, "namespace"), *name = kubelet_req_param(req, "pod"),
               *container = kubelet_req_param(req, "container"), *uid = kubelet_req_param(req, "uid");
    const char *cmd = kv_get(kubelet_req_query(req), "cmd");
    if (!cmd || !cmd[0]) {
        kubelet_resp_error(w, 400, "missing the cmd parameter");
        return;
    }
    cJSON *pod;
    char gid[64];
    if (lookup(b, ns, name, container, w, &pod, gid, sizeof gid) != 0)
        return;
    int uid_ok = !uid || !uid[0] || strcmp(uid, k8s_meta_str(pod, "uid") ? k8s_meta_str(pod, "uid") : "") == 0;
    cJSON_Delete(pod);
    if (!uid_ok) {
        kubelet_resp_error(w, 404, "pod \"%s\" with uid %s not found in namespace \"%s\"", name, uid, ns);
        return;
    }
    eci_exec_req er = {0};
    er.container_group_id = gid;
    er.container_name = (char *)container;
    for (const char *p = cmd;;) {
        const char *sp = strchr(p, ' ');
        char *word = sp ? xasprintf("%.*s", (int)(sp - p), p) : xstrdup(p);
        eci_strv_add(&er.command, word);
        free(word);
        if (!sp)
            break;
        p = sp + 1;
    }
    er.sync = ECI_BOOL(1);
    er.tty = ECI_BOOL(0);
    er.stdin_open = ECI_BOOL(0);
    eci_exec_resp resp;
    eci_error eerr;
    int rc = eci_exec_container_command(b->ec, &er, &resp, &eerr);
    eci_strv_free(&er.command);
    if (rc != 0) {
        char buf[900];
        kubelet_resp_error(w, 500, "ExecContainerCommand: %s", eci_error_format(&eerr, buf, sizeof buf));
        return;
    }
    const char *out = resp.sync_response ? resp.sync_response : "";
    kubelet_resp_send(w, 200, "application/json", out, strlen(out));
    eci_exec_resp_free(&resp);
}

/* A metav1.Status body: kubectl decodes a failed upgrade's body as a Status
 * (YAML included), so a plain-text message with ": " in it would come out
 * empty. */
static void h_port_forward(void *ud, const kubelet_request *req, kubelet_response *w)
{
    (void)ud;
    (void)req;
    static const char body[] =
        "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":"
        "\"port forwarding is not supported for pods on ECI (virtual node); expose the pod with a Service, or use "
        "kubectl exec\",\"reason\":\"BadRequest\",\"code\":400}";
    kubelet_resp_send(w, 400, "application/json", body, sizeof body - 1);
}

/* ---- /containerLogs ---------------------------------------------------------- */


int prov_log_select(const char *content, int timestamps, int64_t limit_bytes, prov_log_cursor *cur,
                    int (*emit)(void *ud, const char *p, size_t n), void *ud)
{
    const char *p = content;
    long same = 0;
    while (p && *p) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p + 1) : strlen(p);
        const char *sp = memchr(p, ' ', len);
        struct timespec stamp = {0, 0};
        int stamped = sp && timefmt_parse(p, (size_t)(sp - p), &stamp) == 0;
        int64_t sec = (int64_t)stamp.tv_sec;
        long nsec = stamp.tv_nsec;
        int cmp;
        if (!stamped)
            cmp = cur->have ? 0 : 1; /* no stamp: counted with the last one */
        else if (!cur->have)
            cmp = 1;
        else
            cmp = sec != cur->last_sec ? (sec > cur->last_sec ? 1 : -1)
                                       : (nsec != cur->last_nsec ? (nsec > cur->last_nsec ? 1 : -1) : 0);
        int send = 0;
        if (cmp > 0) {
            if (stamped) {
                cur->last_sec = sec;
                cur->last_nsec = nsec;
            }
            cur->have = 1;
            cur->at_last = 1;
            same = 1;
            send = 1;
        } else if (cmp == 0) {
            same++;
            if (same > cur->at_last) {
                cur->at_last = same;
                send = 1;
            }
        }
        if (send && emit) {
            const char *out = p;
            size_t olen = len;
            if (!timestamps && stamped) {
                out = sp + 1;
                olen = len - (size_t)(sp + 1 - p);
            }
            if (limit_bytes > 0 && cur->sent + (int64_t)olen > limit_bytes)
                olen = (size_t)(limit_bytes - cur->sent);
            if (olen && emit(ud, out, olen) != 0)
                return -1;
            cur->sent += (int64_t)olen;
            if (limit_bytes > 0 && cur->sent >= limit_bytes)
                return -1;
        }
        p += len;
    }
    return 0;
}

static int resp_emit(void *ud, const char *p, size_t n)
{
    return kubelet_resp_write(ud, p, n);
}

/* Send the lines of content newer than the cursor (w NULL: only move the
 * cursor). -1 when the client is gone or the byte limit was reached. */
static int emit_lines(kubelet_response *w, const char *content, const kubelet_log_options *o, prov_log_cursor *cur)
{
    return prov_log_select(content, o->timestamps, o->limit_bytes, cur, w ? resp_emit : NULL, w);
}

static int fetch_log(prov_bridge *b, const char *gid, const char *container, const kubelet_log_options *o,
                     const char *start_time, int first, char **content, eci_error *err)
{
    eci_log_req req = {0};
    req.container_group_id = (char *)gid;
    req.container_name = (char *)container;
    req.timestamps = ECI_BOOL(1);
    if (o->previous)
        req.last_time = ECI_BOOL(1);
    char since_buf[40];
    if (first) {
        if (o->tail_lines >= 0)
            req.tail = ECI_INT(o->tail_lines < ECI_TAIL_MAX ? (o->tail_lines > 0 ? o->tail_lines : 1) : ECI_TAIL_MAX);
        else
            req.tail = ECI_INT(ECI_TAIL_MAX);
        if (o->since_seconds > 0)
            req.since_seconds = ECI_INT(o->since_seconds);
        if (o->since_time > 0) {
            req.start_time = timefmt_format_s((time_t)o->since_time, since_buf, sizeof since_buf);
        }
        if (o->limit_bytes > 0 && o->limit_bytes <= 1048576 && !o->follow)
            req.limit_bytes = ECI_INT(o->limit_bytes + 64 * 1024 < 1048576 ? o->limit_bytes + 64 * 1024 : 1048576);
    } else {
        req.tail = ECI_INT(ECI_TAIL_MAX);
        req.start_time = (char *)start_time;
        if (!start_time && o->since_seconds > 0)
            req.since_seconds = ECI_INT(o->since_seconds);
        if (!start_time && o->since_time > 0) {
            req.start_time = timefmt_format_s((time_t)o->since_time, since_buf, sizeof since_buf);
        }
    }
    eci_log_resp resp;
    int rc = eci_describe_container_log(b->ec, &req, &resp, err);
    if (rc == 0) {
        *content = resp.content;
        resp.content = NULL;
    }
    eci_log_resp_free(&resp);
    return rc;
}

/* The container's status entry in the pod's status (NULL when none). */
static const cJSON *container_status(const cJSON *pod, const char *container)
{
    const char *lists[] = {"containerStatuses", "initContainerStatuses", "ephemeralContainerStatuses"};
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(pod, "status");
    for (int l = 0; l < 3; l++) {
        const cJSON *cs;
        cJSON_ArrayForEach(cs, cJSON_GetObjectItemCaseSensitive(status, lists[l]))
        {
            const cJSON *n = cJSON_GetObjectItemCaseSensitive(cs, "name");
            if (cJSON_IsString(n) && strcmp(n->valuestring, container) == 0)
                return cs;
        }
    }
    return NULL;
}

/* Whether the container has an earlier run (lastState.terminated). */
static int has_previous(const cJSON *pod, const char *container)
{
    const cJSON *last = cJSON_GetObjectItemCaseSensitive(container_status(pod, container), "lastState");
    return cJSON_GetObjectItemCaseSensitive(last, "terminated") != NULL;
}

static int container_terminated(prov_bridge *b, const char *ns, const char *name, const char *uid,
                                const char *container)
{
    cJSON *pod = k8s_informer_get(b->pods, ns, name);
    if (!pod)
        return 1;
    const char *puid = k8s_meta_str(pod, "uid");
    int gone = !puid || strcmp(puid, uid) != 0;
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(container_status(pod, container), "state");
    int term = cJSON_GetObjectItemCaseSensitive(st, "terminated") != NULL;
    cJSON_Delete(pod);
    return gone || term;
}

/* A follow's wait ends when the bridge stops or the client left. */
typedef struct {
    prov_bridge *b;
    kubelet_response *w;
} follow_wait;

static int follow_over(void *arg)
{
    follow_wait *fw = arg;
    return atomic_load(&fw->b->ctl.stop) || kubelet_resp_client_gone(fw->w);
}

static void h_logs(void *ud, const kubelet_request *req, kubelet_response *w)
{
    prov_kubelet *k = ud;
    prov_bridge *b = k->b;
    const char *ns = kubelet_req_param(req, "namespace"), *name = kubelet_req_param(req, "pod"),
               *container = kubelet_req_param(req, "container");
    kubelet_log_options o;
    char err[256];
    if (kubelet_log_options_parse(kubelet_req_query(req), &o, err, sizeof err) != 0) {
        kubelet_resp_error(w, 400, "%s", err);
        return;
    }
    cJSON *pod;
    char gid[64];
    if (lookup(b, ns, name, container, w, &pod, gid, sizeof gid) != 0)
        return;
    if (o.previous && !has_previous(pod, container)) {
        /* the kubelet's validateContainerLogStatus, answered 400 by its server */
        kubelet_resp_error(w, 400, "previous terminated container \"%s\" in pod \"%s\" not found", container, name);
        cJSON_Delete(pod);
        return;
    }
    char uid[64];
    snprintf(uid, sizeof uid, "%s", k8s_meta_str(pod, "uid"));
    cJSON_Delete(pod);

    char *content = NULL;
    eci_error eerr;
    if (fetch_log(b, gid, container, &o, NULL, 1, &content, &eerr) != 0) {
        send_eci_error(w, &eerr);
        return;
    }
    if (kubelet_resp_begin(w, 200, "text/plain") != 0) {
        free(content);
        return;
    }
    prov_log_cursor cur;
    memset(&cur, 0, sizeof cur);
    int rc;
    if (o.tail_lines == 0) {
        /* Nothing of the past; the one line fetched only places the cursor. */
        kubelet_log_options none = o;
        none.limit_bytes = 0;
        rc = emit_lines(NULL, content, &none, &cur);
    } else {
        rc = emit_lines(w, content, &o, &cur);
    }
    free(content);
    if (!o.follow || rc != 0)
        return;
    int final = 0;
    long wait_ms = FOLLOW_POLL_MS;
    while (!atomic_load(&b->ctl.stop) && !kubelet_resp_client_gone(w)) {
        /* Sleep in short steps so a client that leaves is noticed soon. */
        follow_wait fw = {b, w};
        clock_sleep_unless(wait_ms, 200, follow_over, &fw);
        if (kubelet_resp_client_gone(w) || atomic_load(&b->ctl.stop))
            break;
        int done = container_terminated(b, ns, name, uid, container);
        char start[48] = "";
        if (cur.have && cur.last_sec > 0)
            timefmt_format_s((time_t)cur.last_sec, start, sizeof start);
        content = NULL;
        if (fetch_log(b, gid, container, &o, start[0] ? start : NULL, 0, &content, &eerr) != 0) {
            if (eci_error_classify(&eerr) == ECI_CLASS_NOT_FOUND)
                break;
            /* Throttled or failing: back off (DescribeContainerLog has a
             * per-minute quota shared by every follower). */
            wait_ms = wait_ms * 2 > FOLLOW_MAX_WAIT_MS ? FOLLOW_MAX_WAIT_MS : wait_ms * 2;
            continue;
        }
        wait_ms = FOLLOW_POLL_MS;
        rc = emit_lines(w, content, &o, &cur);
        free(content);
        if (rc != 0 || final)
            break;
        if (done)
            final = 1; /* one more fetch after the container ended */
    }
}

/* ---- exec / attach: provider/kubelet_exec.c, resolving pods to groups here ---- */

static int resolve_group(void *ud, const char *ns, const char *name, const char *uid, char **cg_id, char *err,
                         size_t errlen)
{
    prov_bridge *b = ud;
    cJSON *pod = k8s_informer_get(b->pods, ns, name);
    if (!pod) {
        snprintf(err, errlen, "pod %s/%s not found on node %s", ns, name, b->cfg->node_name);
        return -1;
    }
    const char *puid = k8s_meta_str(pod, "uid");
    prov_gm_entry e;
    int rc = -1;
    if (uid && uid[0] && (!puid || strcmp(uid, puid) != 0))
        snprintf(err, errlen, "pod %s/%s with uid %s not found on node %s", ns, name, uid, b->cfg->node_name);
    else if (!puid || prov_gm_get(b->gm, puid, &e) != 0)
        snprintf(err, errlen, "pod %s/%s has no running container group yet", ns, name);
    else {
        *cg_id = xstrdup(e.group_id);
        rc = 0;
    }
    cJSON_Delete(pod);
    return rc;
}

/* ---- server ------------------------------------------------------------------ */

prov_kubelet *prov_kubelet_start(prov_bridge *b)
{
    const prov_cfg *cfg = b->cfg;
    prov_kubelet *k = xcalloc(1, sizeof *k);
    k->b = b;
    k->auth = prov_kauth_new(b->kc);
    k->kauth.ud = k->auth;
    k->kauth.authn = prov_kauth_authn;
    k->kauth.authz = prov_kauth_authz;
    /* The kubelet's webhook cache lifetimes: tokens 2 min, allowed 5 min, denied 30 s. */
    k->auth_cache = kubelet_auth_cache_new(&k->kauth, 120000, 300000, 30000, 0);
    prov_kexec_config ec = {0};
    ec.client = b->ec;
    ec.resolve = resolve_group;
    ec.resolve_ud = b;
    ec.ws_ca_file = cfg->eci_ca_file[0] ? cfg->eci_ca_file : NULL;
    ec.ws_insecure_skip_verify = cfg->eci_insecure_skip_tls_verify;
    k->exec = prov_kexec_new(&ec);
    k->handlers.ud = k;
    k->handlers.pods = h_pods;
    k->handlers.running_pods = h_running_pods;
    k->handlers.container_logs = h_logs;
    k->handlers.port_forward = h_port_forward;
    k->handlers.run = h_run;
    k->handlers.metrics = h_metrics;
    k->handlers.exec = prov_kexec_backend(k->exec);
    k->stats = prov_kstats_new(b);
    k->handlers.stats_summary = h_stats_summary;
    k->handlers.metrics_resource = h_metrics_resource;
    k->handlers.metrics_cadvisor = h_metrics_cadvisor;
    k->handlers.configz = h_configz;
    kubelet_config kc = {0};
    kc.bind_addr = cfg->listen_address[0] ? cfg->listen_address : NULL;
    kc.port = cfg->port;
    kc.cert_file = cfg->tls_cert_file[0] ? cfg->tls_cert_file : NULL;
    kc.key_file = cfg->tls_private_key_file[0] ? cfg->tls_private_key_file : NULL;
    kc.client_ca_file = cfg->client_ca_file[0] ? cfg->client_ca_file : NULL;
    kc.node_name = cfg->node_name;
    kc.fine_grained_authz = 1;
    kc.auth = kubelet_auth_cache_auth(k->auth_cache);
    kc.handlers = &k->handlers;
    char err[512];
    k->srv = kubelet_server_start(&kc, err, sizeof err);
    if (!k->srv) {
        log_error(COMP, "kubelet API server on port %d: %s", cfg->port, err);
        prov_kubelet_stop(k);
        return NULL;
    }
    log_info(COMP, "kubelet API listening on port %d (TLS%s)", kubelet_server_port(k->srv),
             kc.client_ca_file ? ", client certificates verified" : "");
    return k;
}

void prov_kubelet_stop(prov_kubelet *k)
{
    if (!k)
        return;
    kubelet_server_stop(k->srv);
    prov_kexec_free(k->exec);
    kubelet_auth_cache_free(k->auth_cache);
    prov_kauth_free(k->auth);
    prov_kstats_free(k->stats);
    free(k);
}
