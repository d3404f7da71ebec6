"""Shared helpers of the SDK interop scripts (tests/suites/07-emulator-sdk.sh).

The scripts print TAP lines ("ok - NAME" / "not ok - NAME" with "# " detail
lines) as the shell suites do, end with "# done", and exit 1 when a test
failed. The emulator and credentials come from the environment that
tests/lib.sh start_emulator exports.
"""
import json
import os
import re
import sys
import time
import traceback

UUID = re.compile(r"^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$")
REGION = "cn-hangzhou"
# Conditions are waited for with a generous deadline, never timed.
DEADLINE = float(os.environ.get("ECI_SDK_DEADLINE", "120"))


# Every operation of spec/eci-api.md (section 6) and spec/eci-api-extra.md.
OPERATIONS = (
    "DescribeRegions", "CreateContainerGroup", "UpdateContainerGroup", "RestartContainerGroup",
    "DeleteContainerGroup", "DescribeContainerGroups", "ExecContainerCommand", "CreateImageCache",
    "DescribeImageCaches", "DeleteImageCache", "DescribeContainerGroupMetric", "DescribeMultiContainerGroupMetric",
    "DescribeContainerLog", "DescribeContainerGroupPrice", "ListUsage", "DescribeContainerGroupStatus",
    "DescribeContainerGroupEvents",
)


class Tap:
    def __init__(self, prefix):
        self.prefix = prefix
        self.failed = 0
        self.passed = 0
        self.called = set()  # operations that answered 200

    def ok(self, name):
        self.passed += 1
        print("ok - %s: %s" % (self.prefix, name), flush=True)

    def not_ok(self, name, *details):
        self.failed += 1
        print("not ok - %s: %s" % (self.prefix, name), flush=True)
        for d in details:
            for line in str(d).splitlines() or [""]:
                print("# " + line[:400], flush=True)

    def check(self, name, cond, *details):
        if cond:
            self.ok(name)
        else:
            self.not_ok(name, *details)
        return cond

    def run(self, name, fn):
        """fn() raising means not ok; returns fn's value or None."""
        try:
            v = fn()
        except Exception:  # noqa: BLE001 - any failure is the test's failure
            self.not_ok(name, traceback.format_exc(limit=4))
            return None
        self.ok(name)
        return v

    def done(self):
        missed = [op for op in OPERATIONS if op not in self.called]
        self.check("every operation of the spec answered through the SDK", not missed, "not called: %s" % missed)
        print("# %s: %d passed, %d failed" % (self.prefix, self.passed, self.failed))
        print("# done", flush=True)
        sys.exit(1 if self.failed else 0)


def env():
    endpoint = os.environ["ECI_ENDPOINT"]
    host = re.sub(r"^https?://", "", endpoint).rstrip("/")
    return {
        "endpoint": endpoint,
        "host": host,
        "id": os.environ["ALIBABA_CLOUD_ACCESS_KEY_ID"],
        "secret": os.environ["ALIBABA_CLOUD_ACCESS_KEY_SECRET"],
        "sts_id": os.environ.get("ECI_TEST_STS_ID", ""),
        "sts_secret": os.environ.get("ECI_TEST_STS_SECRET", ""),
    }


def wait_until(what, fn, deadline=DEADLINE, interval=0.2):
    """Poll fn() until it returns a true value; raise after the deadline."""
    end = time.monotonic() + deadline
    last = None
    while True:
        try:
            last = fn()
            if last:
                return last
        except Exception as e:  # noqa: BLE001 - keep polling through transient errors
            last = e
        if time.monotonic() > end:
            raise AssertionError("%s: not reached within %ds (last: %r)" % (what, deadline, last))
        time.sleep(interval)


# Keys the models spell differently from the service, as spec/eci-api-extra.md
# documents: (operation, key path suffix) -> why the emulator keeps its spelling.
KNOWN_SPELLINGS = {
    ("DescribeContainerGroupStatus", "State.Running.StartedAt"):
        "the models spell it StartedAtstartedAt; the service sends StartedAt (eci-api-extra.md 2.2)",
    ("DescribeContainerGroupStatus", "LastState.Running.StartedAt"):
        "the models spell it StartedAtstartedAt; the service sends StartedAt (eci-api-extra.md 2.2)",
}


def unknown_keys_of(op, raw, mapped):
    """unknown_keys without the documented spelling differences of op."""
    out = []
    for p in unknown_keys(raw, mapped):
        plain = p.replace("[]", "")
        while "[" in plain:
            a, b = plain.split("[", 1)
            plain = a + b.split("]", 1)[1]
        if not any(op == o and plain.endswith(suffix) for (o, suffix) in KNOWN_SPELLINGS):
            out.append(p)
    return out


def unknown_keys(raw, mapped, path=""):
    """Paths of keys of the raw JSON that the SDK model dropped (the model
    does not know them), comparing the raw body with model.to_map()."""
    out = []
    if isinstance(raw, dict):
        if not isinstance(mapped, dict):
            return [path or "."]
        for k, v in raw.items():
            p = "%s.%s" % (path, k) if path else k
            if k not in mapped:
                out.append(p)
            else:
                out.extend(unknown_keys(v, mapped[k], p))
    elif isinstance(raw, list):
        if not isinstance(mapped, list) or len(mapped) != len(raw):
            return [path + "[]"]
        for i, v in enumerate(raw):
            out.extend(unknown_keys(v, mapped[i], "%s[%d]" % (path, i)))
    return out


def expect_error(T, name, fn, error_type, fields, want_status, want_code):
    """fn() must raise the SDK's error_type; fields(e) gives its (HTTP
    status, Code, Message, RequestId), which must be what the docs promise.
    Returns the error, or None."""
    try:
        fn()
    except error_type as e:
        status, code, message, request_id = fields(e)
        bad = []
        if status != want_status:
            bad.append("HTTP status %r, want %r" % (status, want_status))
        if code != want_code:
            bad.append("Code %r, want %r" % (code, want_code))
        if not message:
            bad.append("no Message")
        if not request_id or not UUID.match(str(request_id)):
            bad.append("RequestId %r is not a UUID" % (request_id,))
        T.check(name, not bad, *(bad + ["Message: %s" % message]))
        return e
    except Exception as e:  # noqa: BLE001
        T.not_ok(name, "not the SDK's error type: %r" % e)
        return None
    T.not_ok(name, "the call succeeded")
    return None


def ids_json(*ids):
    return json.dumps(list(ids))


# ---- the operations both scripts run the same way. call(op, params) sends
# op with params (API spelling) through the script's SDK and returns the
# answer parsed into the SDK's model.

def regions(T, call, sts_client):
    """DescribeRegions, and with an STS key and its token (sts_client: a
    client built with them, or None)."""
    if sts_client is not None:
        T.run("an STS key with its security token", lambda: call("DescribeRegions", {}, sts_client))
    b = T.run("DescribeRegions", lambda: call("DescribeRegions", {}))
    if b:
        T.check("DescribeRegions lists the region with its zones",
                any(r.region_id == REGION and r.zones for r in b.regions), b.to_map())


def running_group(call, gid):
    bb = call("DescribeContainerGroups", {"ContainerGroupIds": ids_json(gid)})
    g = bb.container_groups[0] if bb.container_groups else None
    return g if g and g.status == "Running" else None


def group_ops(T, call, gid, word, update):
    """Status, events, log, exec, metrics, update (update: the
    UpdateContainerGroup parameters, which set image busybox:1.37) and
    restart of the Running group gid, whose container "app" printed
    "hello-<word>"."""
    running = lambda: running_group(call, gid)  # noqa: E731
    b = T.run("DescribeContainerGroupStatus", lambda: call("DescribeContainerGroupStatus", {
        "ContainerGroupIds": ids_json(gid)}))
    T.check("DescribeContainerGroupStatus reports the group Running",
            bool(b) and b.data and b.data[0].container_group_id == gid and b.data[0].status == "Running",
            b.to_map() if b else None)
    b = T.run("DescribeContainerGroupEvents", lambda: call("DescribeContainerGroupEvents", {
        "ContainerGroupIds": ids_json(gid)}))
    T.check("DescribeContainerGroupEvents has the group's events",
            bool(b) and b.data and b.data[0].container_group_id == gid and b.data[0].events,
            b.to_map() if b else None)

    def log_has():
        bb = call("DescribeContainerLog", {"ContainerGroupId": gid, "ContainerName": "app", "Tail": 10})
        return bb if "hello-" + word in (bb.content or "") else None

    T.run("DescribeContainerLog returns the container's output", lambda: wait_until("log", log_has))
    b = T.run("ExecContainerCommand (Sync)", lambda: call("ExecContainerCommand", {
        "ContainerGroupId": gid, "ContainerName": "app", "Command": '["echo","exec-%s"]' % word, "Sync": True,
        "TTY": False}))
    T.check("ExecContainerCommand Sync returns the output", bool(b) and "exec-" + word in (b.sync_response or ""),
            b.to_map() if b else None)
    b = T.run("ExecContainerCommand (WebSocket)", lambda: call("ExecContainerCommand", {
        "ContainerGroupId": gid, "ContainerName": "app", "Command": '["sh"]', "TTY": True, "Stdin": True}))
    T.check("ExecContainerCommand returns a WebSocketUri",
            bool(b) and (b.web_socket_uri or "").startswith("ws"), b.to_map() if b else None)
    b = T.run("DescribeContainerGroupMetric", lambda: call("DescribeContainerGroupMetric", {"ContainerGroupId": gid}))
    T.check("DescribeContainerGroupMetric has records", bool(b) and b.container_group_id == gid and b.records,
            b.to_map() if b else None)
    b = T.run("DescribeMultiContainerGroupMetric", lambda: call("DescribeMultiContainerGroupMetric", {
        "ContainerGroupIds": ids_json(gid)}))
    T.check("DescribeMultiContainerGroupMetric has the group",
            bool(b) and b.monitor_datas and b.monitor_datas[0].container_group_id == gid, b.to_map() if b else None)

    T.run("UpdateContainerGroup", lambda: call("UpdateContainerGroup", update))

    def updated():
        g2 = running()
        return g2 if g2 and g2.containers[0].image == "busybox:1.37" else None

    T.run("the update is applied and the group Running again", lambda: wait_until("updated", updated))
    T.run("RestartContainerGroup", lambda: call("RestartContainerGroup", {"ContainerGroupId": gid}))
    T.run("the group is Running after the restart", lambda: wait_until("Running", running))


def account_ops(T, call, cache):
    """Price, usage and the image cache cycle; cache: the CreateImageCache parameters."""
    b = T.run("DescribeContainerGroupPrice", lambda: call("DescribeContainerGroupPrice", {"Cpu": 2.0, "Memory": 4.0}))
    T.check("DescribeContainerGroupPrice has a price", bool(b) and b.price_info and b.price_info.price,
            b.to_map() if b else None)
    b = T.run("ListUsage", lambda: call("ListUsage", {}))
    T.check("ListUsage has usage rows", bool(b) and b.attributes, b.to_map() if b else None)
    b = T.run("CreateImageCache", lambda: call("CreateImageCache", cache))
    cid = b.image_cache_id if b else None
    if not cid:
        return

    def cache_ready():
        bb = call("DescribeImageCaches", {"ImageCacheId": cid})
        return bb if bb.image_caches and bb.image_caches[0].status == "Ready" else None

    T.run("DescribeImageCaches: the cache becomes Ready", lambda: wait_until("Ready", cache_ready))
    T.run("DeleteImageCache", lambda: call("DeleteImageCache", {"ImageCacheId": cid}))


def delete_group(T, call, gid):
    T.run("DeleteContainerGroup", lambda: call("DeleteContainerGroup", {"ContainerGroupId": gid}))

    def gone():
        return not call("DescribeContainerGroups", {"ContainerGroupIds": ids_json(gid)}).container_groups

    T.run("the deleted group leaves DescribeContainerGroups", lambda: wait_until("gone", gone))
