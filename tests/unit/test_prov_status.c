/* provider/podmap/status.c: every group and container state -> PodStatus,
 * conditions and their transition times, change detection, events. The ECI
 * side is decoded from response JSON with the real eci decoders. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eci/codec.h"
#include "provider/podmap/status.h"
#include "util/xmalloc.h"

static char *J(const char *s)
{
    char *r = xstrdup(s);
    for (char *p = r; *p; p++)
        if (*p == '\'')
            *p = '"';
    return r;
}

static cJSON *parse(const char *s)
{
    char *j = J(s);
    cJSON *o = cJSON_Parse(j);
    if (!o)
        fail_msg("bad test JSON: %s", j);
    free(j);
    return o;
}

static const podmap_status_ctx CTX = {"vk-eci", "192.168.0.10", "2026-01-01T00:00:00Z", NULL};

#define POD_SPEC                                                                                   \
    "'spec':{'containers':[{'name':'app','image':'nginx:1','resources':{'limits':{'cpu':'1','memory':'1Gi'}}}]"

static cJSON *pod_with(const char *spec_extra, const char *status)
{
    char *s = xasprintf("{'metadata':{'name':'web','namespace':'shop','uid':'u-1'}," POD_SPEC "%s%s}%s%s}",
                        *spec_extra ? "," : "", spec_extra, *status ? ",'status':" : "", status);
    cJSON *p = parse(s);
    free(s);
    return p;
}

/* Decode one group from a DescribeContainerGroups item. */
static void group(const char *item, eci_describe_cgs_resp *resp)
{
    char *s = xasprintf("{'RequestId':'r','TotalCount':1,'ContainerGroups':[%s]}", item);
    cJSON *j = parse(s);
    free(s);
    memset(resp, 0, sizeof *resp);
    eci_error err;
    memset(&err, 0, sizeof err);
    if (eci_decode_describe_cgs(j, resp, &err) != 0)
        fail_msg("decode: %s", err.detail);
    assert_int_equal(resp->n_groups, 1);
    cJSON_Delete(j);
}

static cJSON *map(const cJSON *pod, const char *item)
{
    eci_describe_cgs_resp r;
    group(item, &r);
    cJSON *st = podmap_status_from_group(pod, &r.groups[0], &CTX);
    eci_describe_cgs_resp_free(&r);
    return st;
}

static const char *path_str(const cJSON *o, const char *path)
{
    /* "a.b.0.c" */
    char *p = xstrdup(path), *save = NULL;
    const cJSON *cur = o;
    for (char *tok = strtok_r(p, ".", &save); tok && cur; tok = strtok_r(NULL, ".", &save)) {
        if (cJSON_IsArray(cur))
            cur = cJSON_GetArrayItem(cur, atoi(tok));
        else
            cur = cJSON_GetObjectItemCaseSensitive(cur, tok);
    }
    free(p);
    if (!cur)
        return NULL;
    if (cJSON_IsString(cur))
        return cur->valuestring;
    static char buf[64];
    if (cJSON_IsNumber(cur))
        snprintf(buf, sizeof buf, "%g", cur->valuedouble);
    else if (cJSON_IsBool(cur))
        snprintf(buf, sizeof buf, "%s", cJSON_IsTrue(cur) ? "true" : "false");
    else
        snprintf(buf, sizeof buf, "<%d>", cur->type);
    return buf;
}

static void want(const cJSON *o, const char *path, const char *v)
{
    const char *got = path_str(o, path);
    if (!got || strcmp(got, v)) {
        char *s = cJSON_Print(o);
        fprintf(stderr, "%s\n", s);
        free(s);
        fail_msg("%s: got '%s', want '%s'", path, got ? got : "(missing)", v);
    }
}

static void none(const cJSON *o, const char *path)
{
    const char *got = path_str(o, path);
    if (got)
        fail_msg("%s: unexpected '%s'", path, got);
}

static const cJSON *cond(const cJSON *st, const char *type)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(st, "conditions"))
        if (!strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(c, "type")), type))
            return c;
    fail_msg("no condition %s", type);
    return NULL;
}

static int has_cond(const cJSON *st, const char *type)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(st, "conditions"))
        if (!strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(c, "type")), type))
            return 1;
    return 0;
}

static void want_cond(const cJSON *st, const char *type, const char *status, const char *reason)
{
    const cJSON *c = cond(st, type);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(c, "status")), status);
    if (reason)
        assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(c, "reason")), reason);
}

#define G(status, extra) "{'ContainerGroupId':'eci-1','Status':'" status "','CreationTime':'2026-01-01T00:00:00Z'" extra "}"

static void t_pending(void **st)
{
    (void)st;
    cJSON *pod = pod_with("", "");
    const char *groups[] = {G("Scheduling", ""), G("Pending", ",'Containers':[{'Name':'app'}]")};
    for (int i = 0; i < 2; i++) {
        cJSON *s = map(pod, groups[i]);
        want(s, "phase", "Pending");
        want(s, "containerStatuses.0.state.waiting.reason", "ContainerCreating");
        want(s, "containerStatuses.0.ready", "false");
        want(s, "containerStatuses.0.started", "false");
        want(s, "containerStatuses.0.image", "nginx:1");
        none(s, "containerStatuses.0.containerID");
        none(s, "podIP");
        want(s, "hostIP", "192.168.0.10");
        want(s, "hostIPs.0.ip", "192.168.0.10");
        want(s, "startTime", "2026-01-01T00:00:00Z");
        want(s, "qosClass", "Guaranteed");
        want_cond(s, "PodScheduled", "True", NULL);
        want_cond(s, "Initialized", "True", NULL);
        want_cond(s, "ContainersReady", "False", "ContainersNotReady");
        want_cond(s, "Ready", "False", "ContainersNotReady");
        want_cond(s, "PodReadyToStartContainers", "False", NULL);
        cJSON_Delete(s);
    }
    cJSON_Delete(pod);
}

static void t_running(void **st)
{
    (void)st;
    cJSON *pod = pod_with("", "");
    cJSON *s = map(pod, G("Running", ",'IntranetIp':'10.1.2.3','Containers':[{'Name':'app','Ready':'true','RestartCount':'2',"
                                     "'CurrentState':{'State':'Running','StartTime':'2019-12-19T12:05:02Z'},"
                                     "'PreviousState':{'State':'Terminated','ExitCode':'1','Signal':'9','Reason':'Error',"
                                     "'StartTime':'2018-08-02T15:00:00Z\\t','FinishTime':'2019-03-29T10:38:50.734+08:00'}}]"));
    want(s, "phase", "Running");
    want(s, "podIP", "10.1.2.3");
    want(s, "podIPs.0.ip", "10.1.2.3");
    want(s, "containerStatuses.0.state.running.startedAt", "2019-12-19T12:05:02Z");
    want(s, "containerStatuses.0.containerID", "eci://eci-1/app");
    want(s, "containerStatuses.0.ready", "true");
    want(s, "containerStatuses.0.started", "true");
    want(s, "containerStatuses.0.restartCount", "2");
    want(s, "containerStatuses.0.lastState.terminated.exitCode", "1");
    want(s, "containerStatuses.0.lastState.terminated.signal", "9");
    want(s, "containerStatuses.0.lastState.terminated.startedAt", "2018-08-02T15:00:00Z");
    want(s, "containerStatuses.0.lastState.terminated.finishedAt", "2019-03-29T02:38:50Z");
    want_cond(s, "Ready", "True", NULL);
    want_cond(s, "ContainersReady", "True", NULL);
    want_cond(s, "PodReadyToStartContainers", "True", NULL);
    none(s, "reason");
    cJSON_Delete(s);

    /* not ready yet */
    s = map(pod, G("Running", ",'IntranetIp':'10.1.2.3','Containers':[{'Name':'app','Ready':false,"
                              "'CurrentState':{'State':'Running'}}]"));
    want_cond(s, "ContainersReady", "False", "ContainersNotReady");
    want(s, "conditions.2.message", "containers with unready status: [app]");
    want(s, "containerStatuses.0.state.running.startedAt", "2026-01-01T00:00:00Z");
    cJSON_Delete(s);

    /* waiting with ECI's reason (e.g. image pull back-off), restarting group */
    s = map(pod, G("Restarting", ",'Containers':[{'Name':'app','CurrentState':{'State':'Waiting',"
                                 "'Reason':'ImagePullBackOff','Message':'Back-off pulling image'}}]"));
    want(s, "phase", "Running");
    want(s, "containerStatuses.0.state.waiting.reason", "ImagePullBackOff");
    want(s, "containerStatuses.0.state.waiting.message", "Back-off pulling image");
    cJSON_Delete(s);
    cJSON_Delete(pod);
}

/* ACK's write-back: read-only annotations and the ContainerInstanceCreated condition. */
static void t_writeback(void **st)
{
    (void)st;
    cJSON *pod = pod_with("", "");
    cJSON *s = map(pod, G("Running", ",'Cpu':2,'Memory':4,'VpcId':'vpc-1','InternetIp':'47.1.1.1',"
                                     "'Ipv6Address':'2408::1'"));
    want_cond(s, "ContainerInstanceCreated", "True", "Created");
    cJSON_Delete(s);
    eci_describe_cgs_resp r;
    group(G("Running", ",'Cpu':2,'Memory':4,'VpcId':'vpc-1','InternetIp':'47.1.1.1','Ipv6Address':'2408::1'"), &r);
    cJSON *a = podmap_status_writeback(pod, &r.groups[0], NULL, "req-1");
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(a, "k8s.aliyun.com/eci-instance-id")), "eci-1");
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(a, "k8s.aliyun.com/eci-instance-spec")), "2.0-4.0Gi");
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(a, "k8s.aliyun.com/eci-vpc")), "vpc-1");
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(a, "k8s.aliyun.com/eci-request-id")), "req-1");
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(a, "k8s.aliyun.com/allocated-eipAddress")), "47.1.1.1");
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(a, "k8s.aliyun.com/allocated-ipv6Address")), "2408::1");
    /* once on the pod, nothing more to write */
    cJSON_AddItemToObject(cJSON_GetObjectItemCaseSensitive(pod, "metadata"), "annotations", a);
    assert_null(podmap_status_writeback(pod, &r.groups[0], NULL, "req-1"));
    eci_describe_cgs_resp_free(&r);
    cJSON_Delete(pod);
}

/* In-place resize: the applied resources follow ECI's container size. */
static void t_resize(void **st)
{
    (void)st;
    cJSON *pod = pod_with("", "");
    const char *run1 = G("Running", ",'IntranetIp':'10.1.2.3','Containers':[{'Name':'app','Ready':true,'Cpu':1.0,"
                                    "'Memory':1.0,'CurrentState':{'State':'Running'}}]");
    cJSON *s = map(pod, run1);
    want(s, "containerStatuses.0.resources.limits.cpu", "1");
    want(s, "containerStatuses.0.resources.limits.memory", "1Gi");
    none(s, "containerStatuses.0.resources.requests");
    none(s, "containerStatuses.0.allocatedResources");
    assert_false(has_cond(s, "PodResizeInProgress"));
    assert_false(has_cond(s, "PodResizePending"));
    cJSON_Delete(pod);
    /* the spec asks for 2 CPUs, ECI still runs 1: the old size is reported */
    char *old = cJSON_PrintUnformatted(s);
    cJSON_Delete(s);
    char *j = xasprintf("{'metadata':{'name':'web','namespace':'shop','uid':'u-1'},'spec':{'containers':[{'name':'app',"
                        "'image':'nginx:1','resources':{'requests':{'cpu':'500m'},'limits':{'cpu':'2','memory':'1Gi'}}}]},"
                        "'status':%s}",
                        old);
    free(old);
    pod = parse(j);
    free(j);
    s = map(pod, run1);
    want(s, "containerStatuses.0.resources.limits.cpu", "1");
    none(s, "containerStatuses.0.resources.requests");
    want_cond(s, "PodResizeInProgress", "True", NULL);
    assert_false(has_cond(s, "PodResizePending"));
    cJSON_Delete(s);
    /* ECI refused it */
    podmap_status_ctx refused = CTX;
    refused.resize_refused = "ECI refused the new resources: InvalidParameter";
    eci_describe_cgs_resp r;
    group(run1, &r);
    s = podmap_status_from_group(pod, &r.groups[0], &refused);
    eci_describe_cgs_resp_free(&r);
    want_cond(s, "PodResizePending", "True", "Infeasible");
    want(s, "conditions.5.message", "ECI refused the new resources: InvalidParameter");
    assert_false(has_cond(s, "PodResizeInProgress"));
    want(s, "containerStatuses.0.resources.limits.cpu", "1");
    cJSON_Delete(s);
    /* ECI took the new size and updates the group: in progress, then done */
    const char *upd2 = G("Updating", ",'IntranetIp':'10.1.2.3','Containers':[{'Name':'app','Ready':true,'Cpu':2.0,"
                                     "'Memory':1.0,'CurrentState':{'State':'Running'}}]");
    s = map(pod, upd2);
    want(s, "containerStatuses.0.resources.limits.cpu", "2");
    want(s, "containerStatuses.0.resources.requests.cpu", "500m");
    want(s, "containerStatuses.0.allocatedResources.cpu", "500m");
    want_cond(s, "PodResizeInProgress", "True", NULL);
    cJSON_DeleteItemFromObjectCaseSensitive(pod, "status");
    cJSON_AddItemToObject(pod, "status", s);
    s = map(pod, upd2); /* still updating: the condition stays */
    want_cond(s, "PodResizeInProgress", "True", NULL);
    cJSON_DeleteItemFromObjectCaseSensitive(pod, "status");
    cJSON_AddItemToObject(pod, "status", s);
    s = map(pod, G("Running", ",'IntranetIp':'10.1.2.3','Containers':[{'Name':'app','Ready':true,'Cpu':2.0,"
                              "'Memory':1.0,'CurrentState':{'State':'Running'}}]"));
    assert_false(has_cond(s, "PodResizeInProgress"));
    assert_false(has_cond(s, "PodResizePending"));
    want(s, "containerStatuses.0.resources.limits.cpu", "2");
    cJSON_Delete(s);
    cJSON_Delete(pod);
}

static void t_init_containers(void **st)
{
    (void)st;
    cJSON *pod = pod_with("'initContainers':[{'name':'i1','image':'busybox'},{'name':'i2','image':'busybox'}]", "");
    cJSON *s = map(pod, G("Pending", ",'InitContainers':[{'Name':'i1','CurrentState':{'State':'Terminated','ExitCode':0,"
                                     "'Reason':'Completed','StartTime':'2026-01-01T00:00:01Z','FinishTime':'2026-01-01T00:00:02Z'}},"
                                     "{'Name':'i2','CurrentState':{'State':'Running','StartTime':'2026-01-01T00:00:03Z'}}],"
                                     "'Containers':[{'Name':'app'}]"));
    want(s, "initContainerStatuses.0.state.terminated.reason", "Completed");
    want(s, "initContainerStatuses.0.state.terminated.containerID", "eci://eci-1/i1");
    want(s, "initContainerStatuses.0.ready", "true");
    want(s, "initContainerStatuses.1.ready", "false");
    want(s, "initContainerStatuses.1.state.running.startedAt", "2026-01-01T00:00:03Z");
    want(s, "containerStatuses.0.state.waiting.reason", "PodInitializing");
    want_cond(s, "Initialized", "False", "ContainersNotInitialized");
    want(s, "conditions.1.message", "containers with incomplete status: [i2]");
    cJSON_Delete(s);
    /* failed init container */
    s = map(pod, G("Failed", ",'InitContainers':[{'Name':'i1','CurrentState':{'State':'Terminated','ExitCode':3}}]"));
    want(s, "phase", "Failed");
    want(s, "initContainerStatuses.0.state.terminated.reason", "Error");
    want(s, "initContainerStatuses.0.state.terminated.exitCode", "3");
    want(s, "initContainerStatuses.1.state.waiting.reason", "PodInitializing");
    want_cond(s, "Ready", "False", "PodCompleted");
    cJSON_Delete(s);
    cJSON_Delete(pod);
}

static void t_terminal(void **st)
{
    (void)st;
    cJSON *pod = pod_with("'restartPolicy':'Never'", "");
    cJSON *s = map(pod, G("Succeeded", ",'IntranetIp':'10.1.2.3','SucceededTime':'2026-01-01T00:01:00Z',"
                                       "'Containers':[{'Name':'app','CurrentState':{'State':'Terminated','ExitCode':0,"
                                       "'StartTime':'2026-01-01T00:00:05Z','FinishTime':'2026-01-01T00:01:00Z'}}]"));
    want(s, "phase", "Succeeded");
    want(s, "containerStatuses.0.state.terminated.reason", "Completed");
    want(s, "containerStatuses.0.state.terminated.exitCode", "0");
    want(s, "containerStatuses.0.state.terminated.finishedAt", "2026-01-01T00:01:00Z");
    want(s, "containerStatuses.0.state.terminated.containerID", "eci://eci-1/app");
    want_cond(s, "Ready", "False", "PodCompleted");
    want_cond(s, "ContainersReady", "False", "PodCompleted");
    cJSON_Delete(s);

    s = map(pod, G("Failed", ",'Containers':[{'Name':'app','CurrentState':{'State':'Terminated','ExitCode':137,'Reason':'OOMKilled'}}]"));
    want(s, "phase", "Failed");
    want(s, "containerStatuses.0.state.terminated.reason", "OOMKilled");
    none(s, "reason");
    cJSON_Delete(s);

    s = map(pod, G("ScheduleFailed", ",'Events':[{'Type':'Warning','Reason':'NoStock','Message':'old',"
                                     "'LastTimestamp':'2026-01-01T00:00:01Z'},"
                                     "{'Type':'Warning','Reason':'NoStock','Message':'sold out in cn-hangzhou-k',"
                                     "'LastTimestamp':'2026-01-01T00:00:09Z'},{'Type':'Normal','Message':'x'}]"));
    want(s, "phase", "Failed");
    want(s, "reason", "ScheduleFailed");
    want(s, "message", "sold out in cn-hangzhou-k");
    want(s, "containerStatuses.0.state.waiting.reason", "ScheduleFailed");
    cJSON_Delete(s);

    s = map(pod, G("Expired", ""));
    want(s, "phase", "Failed");
    want(s, "reason", "Expired");
    cJSON_Delete(s);

    /* ECI ended the group at activeDeadlineSeconds: the kubelet's reason */
    s = map(pod, G("Failed", ",'Events':[{'Type':'Warning','Reason':'DeadlineExceeded','Message':'The container "
                             "group was active longer than ActiveDeadlineSeconds.','LastTimestamp':'2026-01-01T00:00:09Z'}]"));
    want(s, "phase", "Failed");
    want(s, "reason", "DeadlineExceeded");
    want(s, "message", "Pod was active on the node longer than the specified deadline");
    cJSON_Delete(s);

    /* unknown group status keeps the pod's phase */
    cJSON_Delete(pod);
    pod = pod_with("", "{'phase':'Running','startTime':'2025-12-31T00:00:00Z','qosClass':'Burstable'}");
    s = map(pod, G("Mystery", ""));
    want(s, "phase", "Running");
    want(s, "startTime", "2025-12-31T00:00:00Z");
    want(s, "qosClass", "Burstable");
    cJSON_Delete(s);
    cJSON_Delete(pod);
}

static void t_transitions(void **st)
{
    (void)st;
    cJSON *pod = pod_with("", "{'phase':'Running','nominatedNodeName':'x','conditions':["
                              "{'type':'Ready','status':'True','lastTransitionTime':'2025-01-01T00:00:00Z'},"
                              "{'type':'PodScheduled','status':'True','lastTransitionTime':'2024-01-01T00:00:00Z'},"
                              "{'type':'DisruptionTarget','status':'True','lastTransitionTime':'2025-02-02T00:00:00Z'}]}");
    const char *running = G("Running", ",'IntranetIp':'10.1.2.3','Containers':[{'Name':'app','Ready':true,"
                                       "'CurrentState':{'State':'Running','StartTime':'2026-01-01T00:00:00Z'}}]");
    cJSON *s = map(pod, running);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(cond(s, "Ready"), "lastTransitionTime")),
                        "2025-01-01T00:00:00Z");
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(cond(s, "PodScheduled"), "lastTransitionTime")),
                        "2024-01-01T00:00:00Z");
    want_cond(s, "DisruptionTarget", "True", NULL);
    want(s, "nominatedNodeName", "x");
    cJSON_Delete(s);
    s = map(pod, G("Running", ",'Containers':[{'Name':'app','Ready':false,'CurrentState':{'State':'Running'}}]"));
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(cond(s, "Ready"), "lastTransitionTime")),
                        "2026-01-01T00:00:00Z");
    cJSON_Delete(s);

    /* change detection: the status written, re-read with heartbeat noise, is unchanged */
    s = map(pod, running);
    cJSON *again = cJSON_Duplicate(s, 1);
    cJSON *conds = cJSON_GetObjectItem(again, "conditions");
    cJSON *first = cJSON_DetachItemFromArray(conds, 0);
    cJSON_AddItemToArray(conds, first); /* order differs */
    cJSON_ReplaceItemInObject(cJSON_GetArrayItem(conds, 0), "lastProbeTime", cJSON_CreateString("2030-01-01T00:00:00Z"));
    cJSON_AddStringToObject(cJSON_GetArrayItem(cJSON_GetObjectItem(again, "containerStatuses"), 0), "user", "x");
    cJSON_AddStringToObject(again, "resize", "Proposed"); /* not ours */
    assert_int_equal(podmap_status_changed(again, s), 0);
    cJSON_ReplaceItemInObject(again, "podIP", cJSON_CreateString("10.9.9.9"));
    assert_int_equal(podmap_status_changed(again, s), 1);
    assert_int_equal(podmap_status_changed(NULL, s), 1);
    assert_int_equal(podmap_status_changed(NULL, NULL), 0);
    /* feeding the new status back as the pod's status: a stable fixpoint */
    cJSON *pod2 = cJSON_Duplicate(pod, 1);
    cJSON_ReplaceItemInObject(pod2, "status", cJSON_Duplicate(s, 1));
    cJSON *s2 = map(pod2, running);
    assert_int_equal(podmap_status_changed(s, s2), 0);
    cJSON_Delete(s2);
    cJSON_Delete(pod2);
    cJSON_Delete(again);
    cJSON_Delete(s);
    cJSON_Delete(pod);
}

static void t_readiness_gates(void **st)
{
    (void)st;
    const char *running = G("Running", ",'IntranetIp':'10.1.2.3','Containers':[{'Name':'app','Ready':true,"
                                       "'CurrentState':{'State':'Running'}}]");
    cJSON *pod = pod_with("'readinessGates':[{'conditionType':'example.com/lb'}]", "");
    cJSON *s = map(pod, running);
    want_cond(s, "ContainersReady", "True", NULL);
    want_cond(s, "Ready", "False", "ReadinessGatesNotReady");
    cJSON_Delete(s);
    cJSON_Delete(pod);
    pod = pod_with("'readinessGates':[{'conditionType':'example.com/lb'}]",
                   "{'conditions':[{'type':'example.com/lb','status':'True'}]}");
    s = map(pod, running);
    want_cond(s, "Ready", "True", NULL);
    want_cond(s, "example.com/lb", "True", NULL);
    cJSON_Delete(s);
    cJSON_Delete(pod);
}

/* The node lifecycle controller's Ready=False (and any other drift) is
 * corrected from the group; ephemeral containers end at once, stably. */
static void t_drift_and_ephemeral(void **st)
{
    (void)st;
    const char *running = G("Running", ",'IntranetIp':'10.1.2.3','Containers':[{'Name':'app','Ready':true,"
                                       "'CurrentState':{'State':'Running'}}]");
    cJSON *pod = pod_with("", "{'conditions':[{'type':'Ready','status':'False','reason':'NodeNotReady'}]}");
    cJSON *s = map(pod, running);
    want_cond(s, "Ready", "True", NULL);
    assert_true(podmap_status_changed(cJSON_GetObjectItem(pod, "status"), s));
    cJSON_Delete(s);
    cJSON_Delete(pod);

    pod = pod_with("'ephemeralContainers':[{'name':'dbg','image':'busybox'}]", "");
    s = map(pod, running);
    want(s, "ephemeralContainerStatuses.0.name", "dbg");
    want(s, "ephemeralContainerStatuses.0.state.terminated.reason", PODMAP_EPHEMERAL_REASON);
    want(s, "ephemeralContainerStatuses.0.state.terminated.message", PODMAP_EPHEMERAL_UNSUPPORTED);
    want_cond(s, "Ready", "True", NULL);
    /* written once, a later build keeps it as it was (its times too) */
    cJSON *pod2 = pod_with("'ephemeralContainers':[{'name':'dbg','image':'busybox'}]", "{}");
    cJSON_ReplaceItemInObject(pod2, "status", cJSON_Duplicate(s, 1));
    const podmap_status_ctx later = {"vk-eci", "192.168.0.10", "2026-01-01T00:05:00Z", NULL};
    eci_describe_cgs_resp r;
    group(running, &r);
    cJSON *s2 = podmap_status_from_group(pod2, &r.groups[0], &later);
    eci_describe_cgs_resp_free(&r);
    assert_true(cJSON_Compare(cJSON_GetObjectItem(s, "ephemeralContainerStatuses"),
                              cJSON_GetObjectItem(s2, "ephemeralContainerStatuses"), 1));
    /* a running container ECI gives no start time for keeps the startedAt
     * written before, so a later build is no change (no write every poll) */
    want(s2, "containerStatuses.0.state.running.startedAt", path_str(s, "containerStatuses.0.state.running.startedAt"));
    assert_false(podmap_status_changed(s, s2));
    cJSON_Delete(s2);
    cJSON_Delete(pod2);
    cJSON_Delete(s);
    cJSON_Delete(pod);
}

static void t_status_api(void **st)
{
    (void)st;
    cJSON *pod = pod_with("'initContainers':[{'name':'i1','image':'busybox'}]", "");
    cJSON *j = parse("{'RequestId':'r','TotalCount':1,'Data':[{'ContainerGroupId':'eci-9','Name':'shop-web',"
                     "'Status':'Running','uuid':'u-1','PodStatus':{'Phase':'Running','PodIp':'10.0.0.7',"
                     "'StartTime':'2026-01-01T00:00:00Z','ContainerStatuses':[{'Name':'app','Image':'nginx:1',"
                     "'ImageID':'nginx@sha256:abc','Ready':true,'Started':true,'RestartCount':1,"
                     "'State':{'Running':{'StartedAtstartedAt':'2026-01-01T00:00:10Z'}},"
                     "'LastState':{'Terminated':{'ExitCode':2,'Reason':'Error','FinishedAt':'2026-01-01T00:00:09Z'}}}]}}]}");
    eci_describe_status_resp r;
    memset(&r, 0, sizeof r);
    eci_error err;
    memset(&err, 0, sizeof err);
    assert_int_equal(eci_decode_describe_status(j, &r, &err), 0);
    cJSON *s = podmap_status_from_status(pod, &r.items[0], &CTX);
    want(s, "phase", "Running");
    want(s, "podIP", "10.0.0.7");
    want(s, "containerStatuses.0.imageID", "nginx@sha256:abc");
    want(s, "containerStatuses.0.containerID", "eci://eci-9/app");
    want(s, "containerStatuses.0.state.running.startedAt", "2026-01-01T00:00:10Z");
    want(s, "containerStatuses.0.lastState.terminated.exitCode", "2");
    want(s, "initContainerStatuses.0.state.terminated.reason", "Completed");
    want_cond(s, "Ready", "True", NULL);
    cJSON_Delete(s);
    eci_describe_status_resp_free(&r);
    cJSON_Delete(j);
    cJSON_Delete(pod);
}

static void t_failed_pending(void **st)
{
    (void)st;
    cJSON *pod = pod_with("'initContainers':[{'name':'i1','image':'busybox'}]",
                          "{'phase':'Running','podIP':'10.1.1.1','containerStatuses':[{'name':'app',"
                          "'containerID':'eci://eci-7/app','restartCount':3,"
                          "'state':{'running':{'startedAt':'2025-01-01T00:00:00Z'}}}],"
                          "'initContainerStatuses':[{'name':'i1','state':{'terminated':{'exitCode':0,'reason':'Completed'}}}]}");
    cJSON *s = podmap_status_failed(pod, "ContainerGroupNotFound", "the ECI container group eci-7 is gone", &CTX);
    want(s, "phase", "Failed");
    want(s, "reason", "ContainerGroupNotFound");
    want(s, "message", "the ECI container group eci-7 is gone");
    want(s, "podIP", "10.1.1.1");
    want(s, "containerStatuses.0.state.terminated.exitCode", "137");
    want(s, "containerStatuses.0.state.terminated.reason", "ContainerStatusUnknown");
    want(s, "containerStatuses.0.state.terminated.containerID", "eci://eci-7/app");
    want(s, "containerStatuses.0.restartCount", "3");
    want(s, "initContainerStatuses.0.state.terminated.reason", "Completed");
    want_cond(s, "Ready", "False", "PodCompleted");
    cJSON_Delete(s);
    cJSON_Delete(pod);

    pod = pod_with("", "");
    s = podmap_status_failed(pod, "ProviderFailed", "spec.volumes[0].hostPath: hostPath volumes cannot be used on ECI", &CTX);
    want(s, "phase", "Failed");
    want(s, "reason", "ProviderFailed");
    want(s, "containerStatuses.0.state.waiting.reason", "ProviderFailed");
    cJSON_Delete(s);
    s = podmap_status_pending(pod, "CreateContainerConfigError", "configmap \"x\" not found", &CTX);
    want(s, "phase", "Pending");
    want(s, "containerStatuses.0.state.waiting.reason", "CreateContainerConfigError");
    want(s, "containerStatuses.0.state.waiting.message", "configmap \"x\" not found");
    want_cond(s, "Ready", "False", "ContainersNotReady");
    cJSON_Delete(s);
    cJSON_Delete(pod);
}

/* The last status of a deleted pod (the kubelet's TerminatePod): stopped
 * containers keep ECI's exit code, a running one becomes
 * ContainerStatusUnknown 137, and the phase is Failed unless every container
 * exited 0. */
static void t_finished(void **st)
{
    (void)st;
    cJSON *pod = pod_with("", "{'phase':'Running'}");
    cJSON *last = parse("{'phase':'Running','containerStatuses':[{'name':'app','containerID':'eci://eci-9/app',"
                        "'ready':true,'started':true,'state':{'terminated':{'exitCode':143,'signal':15,"
                        "'reason':'Error','finishedAt':'2026-01-01T00:00:00Z'}}}],"
                        "'conditions':[{'type':'Ready','status':'True','lastTransitionTime':'2025-01-01T00:00:00Z'}]}");
    cJSON *s = podmap_status_finished(pod, last, &CTX);
    want(s, "phase", "Failed");
    want(s, "containerStatuses.0.state.terminated.exitCode", "143");
    want(s, "containerStatuses.0.state.terminated.reason", "Error");
    want(s, "containerStatuses.0.ready", "false");
    want_cond(s, "Ready", "False", "PodCompleted");
    want_cond(s, "ContainersReady", "False", "PodCompleted");
    cJSON_Delete(s);
    cJSON_Delete(last);
    last = parse("{'phase':'Running','containerStatuses':[{'name':'app','containerID':'eci://eci-9/app',"
                 "'state':{'terminated':{'exitCode':0,'reason':'Completed'}}}]}");
    s = podmap_status_finished(pod, last, &CTX);
    want(s, "phase", "Succeeded");
    cJSON_Delete(s);
    cJSON_Delete(last);
    cJSON_Delete(pod);
    /* nothing written yet: from the pod's own status */
    pod = pod_with("", "{'phase':'Running','containerStatuses':[{'name':'app','containerID':'eci://eci-9/app',"
                       "'state':{'running':{'startedAt':'2025-01-01T00:00:00Z'}}}]}");
    s = podmap_status_finished(pod, NULL, &CTX);
    want(s, "phase", "Failed");
    want(s, "containerStatuses.0.state.terminated.exitCode", "137");
    want(s, "containerStatuses.0.state.terminated.reason", "ContainerStatusUnknown");
    cJSON_Delete(s);
    cJSON_Delete(pod);
}

static void t_qos(void **st)
{
    (void)st;
    const struct { const char *spec, *qos; } cases[] = {
        {"{'spec':{'containers':[{'name':'a'}]}}", "BestEffort"},
        {"{'spec':{'containers':[{'name':'a','resources':{'limits':{'cpu':'1','memory':'1Gi'}}}]}}", "Guaranteed"},
        {"{'spec':{'containers':[{'name':'a','resources':{'limits':{'cpu':'1','memory':'1Gi'},'requests':{'cpu':'1','memory':'1Gi'}}}]}}", "Guaranteed"},
        {"{'spec':{'containers':[{'name':'a','resources':{'limits':{'cpu':'1','memory':'1Gi'},'requests':{'cpu':'500m','memory':'1Gi'}}}]}}", "Burstable"},
        {"{'spec':{'containers':[{'name':'a','resources':{'requests':{'cpu':'1'}}}]}}", "Burstable"},
        {"{'spec':{'initContainers':[{'name':'i'}],'containers':[{'name':'a','resources':{'limits':{'cpu':'1','memory':'1Gi'}}},{'name':'b'}]}}", "Burstable"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cJSON *p = parse(cases[i].spec);
        assert_string_equal(podmap_status_qos_class(p), cases[i].qos);
        cJSON_Delete(p);
    }
}

static void t_events(void **st)
{
    (void)st;
    cJSON *pod = pod_with("", "");
    eci_event ev = {3, "2019-03-29T10:38:50.734+08:00", "2019-03-29T10:40:00+08:00", "Pulling image",
                    "web", "Normal", "Pulling"};
    cJSON *e = podmap_status_event_from_eci(pod, "eci-1", &ev, &CTX);
    want(e, "kind", "Event");
    want(e, "metadata.namespace", "shop");
    want(e, "involvedObject.kind", "Pod");
    want(e, "involvedObject.name", "web");
    want(e, "involvedObject.uid", "u-1");
    want(e, "reason", "Pulling");
    want(e, "message", "Pulling image");
    want(e, "type", "Normal");
    want(e, "count", "3");
    want(e, "firstTimestamp", "2019-03-29T02:38:50Z");
    want(e, "lastTimestamp", "2019-03-29T02:40:00Z");
    want(e, "source.component", "eci-kubelet");
    want(e, "source.host", "vk-eci");
    const char *name = path_str(e, "metadata.name");
    assert_int_equal(strncmp(name, "web.", 4), 0);
    assert_int_equal(strlen(name), 4 + 16);
    /* the same ECI event with a higher count keeps its name */
    char *n1 = xstrdup(name);
    ev.count = 4;
    ev.last_timestamp = "garbage";
    cJSON *e2 = podmap_status_event_from_eci(pod, "eci-1", &ev, &CTX);
    assert_string_equal(path_str(e2, "metadata.name"), n1);
    want(e2, "lastTimestamp", "2019-03-29T02:38:50Z");
    cJSON_Delete(e2);
    /* another event, another name */
    ev.reason = "Pulled";
    e2 = podmap_status_event_from_eci(pod, "eci-1", &ev, &CTX);
    assert_string_not_equal(path_str(e2, "metadata.name"), n1);
    cJSON_Delete(e2);
    free(n1);
    cJSON_Delete(e);

    eci_k8s_event k;
    memset(&k, 0, sizeof k);
    k.type = "Warning";
    k.reason = "OOMKilled";
    k.message = "Out of memory";
    k.metadata_name = "web.1861";
    e = podmap_status_event_from_k8s(pod, "eci-1", &k, &CTX);
    want(e, "type", "Warning");
    want(e, "count", "1");
    want(e, "firstTimestamp", "2026-01-01T00:00:00Z");
    cJSON_Delete(e);
    char big[3000];
    memset(big, 'm', sizeof big - 1);
    big[sizeof big - 1] = 0;
    e = podmap_status_event(pod, "k", "Odd", NULL, big, 0, NULL, NULL, &CTX);
    want(e, "type", "Normal");
    want(e, "reason", "ECIEvent");
    assert_int_equal(strlen(path_str(e, "message")), 1024);
    cJSON_Delete(e);
    cJSON_Delete(pod);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_pending),        cmocka_unit_test(t_running),  cmocka_unit_test(t_resize),
        cmocka_unit_test(t_init_containers), cmocka_unit_test(t_terminal),
        cmocka_unit_test(t_transitions),    cmocka_unit_test(t_readiness_gates),
        cmocka_unit_test(t_status_api),     cmocka_unit_test(t_failed_pending), cmocka_unit_test(t_finished),
        cmocka_unit_test(t_qos),            cmocka_unit_test(t_events),
        cmocka_unit_test(t_writeback),      cmocka_unit_test(t_drift_and_ephemeral),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
