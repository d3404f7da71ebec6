#!/usr/bin/env python3
"""The parameter walk: every request parameter of the official SDKs' models
(alibabacloud_eci20180808.models and aliyunsdkeci's *Request.py) is sent to
the emulator and must be either accepted and returned (by
DescribeContainerGroups, or the admin view for what the SDK's response model
has no field for) or refused as the emulator's table says; a value the
table's check refuses must be refused, naming the parameter.

Environment: ECI_ENDPOINT, ECI_ADMIN_URL, ALIBABA_CLOUD_ACCESS_KEY_ID/_SECRET.
Prints one line per finding and a JSON summary line ("SUMMARY {...}");
exits 1 on any finding. A missing SDK is an error, never a skip."""
import hashlib
import json
import os
import re
import sys
import time
import typing
import urllib.request

from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkcore.request import CommonRequest
import aliyunsdkeci.request.v20180808 as core_requests
from alibabacloud_eci20180808 import models as tea_models
from alibabacloud_openapi_util.client import Client as OpenApiUtil

ENDPOINT = os.environ["ECI_ENDPOINT"]
ADMIN = os.environ["ECI_ADMIN_URL"]
HOST = ENDPOINT.split("://", 1)[1].rstrip("/")
CLIENT = AcsClient(os.environ["ALIBABA_CLOUD_ACCESS_KEY_ID"], os.environ["ALIBABA_CLOUD_ACCESS_KEY_SECRET"],
                   "cn-hangzhou", auto_retry=False)
FINDINGS = []


def finding(msg):
    FINDINGS.append(msg)
    print("FINDING " + msg, flush=True)


# ---- the SDK models -------------------------------------------------------

def norm(name):
    """Every list index becomes N (Container.1.Arg.2 -> Container.N.Arg.N)."""
    return re.sub(r"(?<=\.)\d+(?=\.|$|Domain\.)", "N", name)


def tea_fill(cls):
    o = cls()
    for name, t in typing.get_type_hints(cls.__init__).items():
        if name != "return":
            setattr(o, name, tea_sample(t))
    return o


def tea_sample(t):
    origin, args = typing.get_origin(t), typing.get_args(t)
    if origin is typing.Union:
        return tea_sample([a for a in args if a is not type(None)][0])
    if origin in (list, typing.List):
        return [tea_sample(args[0])]
    if origin in (dict, typing.Dict):
        return {"k": "v"}
    if t is bool:
        return True
    if t in (int, float):
        return 1
    if isinstance(t, type) and hasattr(t, "to_map"):
        return tea_fill(t)
    return "S"


def tea_params(op):
    cls = getattr(tea_models, op + "Request")
    return {norm(k) for k in OpenApiUtil.query(tea_fill(cls).to_map())}


def core_params(op):
    path = os.path.join(os.path.dirname(core_requests.__file__), op + "Request.py")
    src = open(path).read()
    names = set()
    for m in re.finditer(r"add_query_param\(\s*((?:'[^']*'|\"[^\"]*\"|str\([^()]*(?:\([^()]*\))?[^()]*\)|\s|\+)+)\s*,",
                         src):
        parts = re.findall(r"'([^']*)'|\"([^\"]*)\"|(str\()", m.group(1))
        names.add("".join("N" if c else (a or b) for a, b, c in parts))
    return names


# ---- calls ------------------------------------------------------------------

def call(action, params):
    if os.environ.get("WALK_DEBUG"): print("CALL", action, params)
    req = CommonRequest(domain=HOST, version="2018-08-08", action_name=action)
    req.set_protocol_type("http")
    req.set_method("POST")
    for k, v in params.items():
        if len(v) > 2000:
            req.add_body_params(k, v)  # long values in the form body, not the URL
        else:
            req.add_query_param(k, v)
    try:
        return 200, json.loads(CLIENT.do_action_with_exception(req))
    except ServerException as e:
        return e.get_http_status(), {"Code": e.get_error_code(), "Message": e.get_error_msg()}


def admin(path, method="GET"):
    req = urllib.request.Request(ADMIN + path, method=method)
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read() or b"{}")


def describe(gid):
    st, body = call("DescribeContainerGroups", {"RegionId": "cn-hangzhou", "ContainerGroupIds": json.dumps([gid])})
    groups = body.get("ContainerGroups") or []
    return groups[0] if st == 200 and groups else None


def delete(gid):
    call("DeleteContainerGroup", {"RegionId": "cn-hangzhou", "ContainerGroupId": gid})


def wait_updatable(gid):
    deadline = time.time() + 60
    while time.time() < deadline:
        g = describe(gid)
        if g and g.get("Status") in ("Running", "Pending"):
            return True
        time.sleep(0.1)
    return False


# ---- values -----------------------------------------------------------------

def lookup(obj, path):
    """A value at a response path ("Containers[].Ports[].Port"; [] = the first
    item; "Settings.<wire name>" is one key)."""
    if path.startswith("Settings."):
        return (obj.get("Settings") or {}).get(path[len("Settings."):].replace(".N.", ".1."), None)
    cur = obj
    for part in path.split("."):
        want_list = part.endswith("[]")
        key = part[:-2] if want_list else part
        if not isinstance(cur, dict) or key not in cur:
            return None
        cur = cur[key]
        if want_list:
            if not isinstance(cur, list) or not cur:
                return None
            cur = cur[0]
    return cur


def same(sample, got, name):
    if got is None:
        return False
    if name.endswith(".Password"):
        return got == "sha256:" + hashlib.sha256(sample.encode()).hexdigest()
    if isinstance(got, bool):
        return sample.lower() == ("true" if got else "false")
    if isinstance(got, (int, float)):
        try:
            return abs(float(sample) - float(got)) < 1e-9
        except ValueError:
            return False
    return str(got) == sample


def expand(s):
    """The wire name of the first item: every list index N becomes 1."""
    return re.sub(r"(?<=\.)N(?=\.|$|Domain\.)", "1", s) if s else s


def needs(row):
    out = {}
    for kv in filter(None, row["Needs"].split("&")):
        k, v = kv.split("=", 1)
        out[expand(k)] = v
    return out


BASE_C = {"Container.1.Name": "c1", "Container.1.Image": "busybox:1"}
BASE_I = {"InitContainer.1.Name": "i1", "InitContainer.1.Image": "busybox:1"}


def request_for(op, key, value, row, gid):
    p = {"RegionId": "cn-hangzhou"}
    if op == "CreateContainerGroup":
        p["ContainerGroupName"] = "walk-%d" % (len(FINDINGS) + int(time.time() * 1000) % 100000)
        p.update(BASE_C)
    else:
        p["ContainerGroupId"] = gid
        if key.startswith("Container.") or key.startswith("InitContainer."):
            p.update(BASE_C)
    if key.startswith("InitContainer."):
        p.update(BASE_I)
    p.update(needs(row))
    p[key] = value
    return p


# ---- the walk ----------------------------------------------------------------

def base_group(extra=None):
    p = {"RegionId": "cn-hangzhou", "ContainerGroupName": "walk-base-%d" % int(time.time() * 1000000 % 1e9)}
    p.update(BASE_C)
    p.update(extra or {})
    st, body = call("CreateContainerGroup", p)
    if st != 200:
        finding("base group not created: %s %s" % (st, body))
        return None
    gid = body["ContainerGroupId"]
    if not wait_updatable(gid):
        finding("base group %s never Pending/Running" % gid)
    return gid


def check_effects(op, name, counts):
    """Parameters whose effect is an answer, not a stored value."""
    if op == "CreateContainerGroup":
        base = dict(BASE_C, RegionId="cn-hangzhou", ContainerGroupName="walk-eff")
        if name == "RegionId":
            st, b = call(op, dict(base, RegionId="cn-beijing"))
            return b.get("Code") == "RegionNotSupport"
        if name == "ClientToken":
            tok = "walk-token-%d" % time.time_ns()
            s1, b1 = call(op, dict(base, ClientToken=tok))
            s2, b2 = call(op, dict(base, ClientToken=tok))
            s3, b3 = call(op, dict(base, ClientToken=tok, ContainerGroupName="walk-eff-2"))
            ok = s1 == 200 and s2 == 200 and b1.get("ContainerGroupId") == b2.get("ContainerGroupId") and \
                b3.get("Code") == "IdempotentParameterMismatch"
            if s1 == 200:
                delete(b1["ContainerGroupId"])
            return ok
        if name == "DryRun":
            st, b = call(op, dict(base, DryRun="true"))
            return b.get("Code") == "DryRunOperation"
        if name == "ImageSnapshotId":
            st, b = call(op, dict(base, ImageSnapshotId="imc-walknothere0000000"))
            return b.get("Code") == "ImageSnapshot.NotFound"
    if op == "UpdateContainerGroup":
        if name == "RegionId":
            st, b = call(op, {"RegionId": "cn-beijing", "ContainerGroupId": "eci-walk", "RestartPolicy": "Never"})
            return b.get("Code") == "RegionNotSupport"
        if name == "ContainerGroupId":
            st, b = call(op, {"RegionId": "cn-hangzhou", "ContainerGroupId": "eci-walknothere", "RestartPolicy": "Never"})
            return st == 404 and b.get("Code") == "InvalidParameter.NotFound"
        if name == "ClientToken":
            gid = base_group()
            tok = "walk-token-%d" % time.time_ns()
            p = {"RegionId": "cn-hangzhou", "ContainerGroupId": gid, "RestartPolicy": "Never", "ClientToken": tok}
            s1, _ = call(op, p)
            s2, _ = call(op, p)
            s3, b3 = call(op, dict(p, RestartPolicy="OnFailure"))
            delete(gid)
            return s1 == 200 and s2 == 200 and b3.get("Code") == "IdempotentParameterMismatch"
        if name == "UpdateType":
            results = []
            for ut, want in (("IncrementalUpdate", ["c1", "c2"]), ("RenewUpdate", ["c1"])):
                gid = base_group({"Container.2.Name": "c2", "Container.2.Image": "busybox:1"})
                st, b = call(op, {"RegionId": "cn-hangzhou", "ContainerGroupId": gid, "UpdateType": ut,
                                  "Container.1.Name": "c1", "Container.1.Image": "busybox:2"})
                g = describe(gid) or {}
                names = sorted(c["Name"] for c in g.get("Containers", []))
                results.append(st == 200 and names == want)
                delete(gid)
            return all(results)
    return None


def walk(op, table):
    rows = {r["Name"]: r for r in table if op in r["Operations"]}
    names = tea_params(op) | core_params(op)
    counts = {"parameters": len(names), "returned": 0, "refused": 0, "effect": 0,
              "accepted_and_dropped": 0, "accepted_without_validation": 0, "not_in_table": 0, "valid_refused": 0}
    for name in sorted(names):
        row = rows.get(name)
        if not row:
            counts["not_in_table"] += 1
            finding("%s %s: not in the emulator's table" % (op, name))
            continue
        key = expand(name)
        gid = None
        if op == "UpdateContainerGroup" and (row["Treatment"] in ("stored", "setting") or row["Sample"]):
            gid = base_group()
            if not gid:
                continue
        # 1. the valid sample
        if row["Treatment"] == "refused":
            st, b = call(op, request_for(op, key, row["Sample"] or "walk", row, gid))
            if st >= 400 and key in b.get("Message", ""):
                counts["refused"] += 1
            else:
                counts["accepted_and_dropped"] += 1
                finding("%s %s: documented as refused, answered %s %s" % (op, name, st, b))
        elif row["Returns"] in ("", "-"):
            eff = check_effects(op, name, counts)
            if eff is None and row["Sample"]:
                st, b = call(op, request_for(op, key, row["Sample"], row, gid))
                # accepted: the operation ran (an update that changes nothing is NoNeedUpdate)
                eff = st == 200 or b.get("Code") == "NoNeedUpdate"
                if st == 200 and op == "CreateContainerGroup":
                    delete(b["ContainerGroupId"])
            if eff:
                counts["effect"] += 1
            else:
                counts["accepted_and_dropped"] += 1
                finding("%s %s: no checked effect" % (op, name))
        else:
            st, b = call(op, request_for(op, key, row["Sample"], row, gid))
            if st != 200:
                counts["valid_refused"] += 1
                finding("%s %s=%s: the table's valid sample was refused: %s %s" % (op, name, row["Sample"], st, b))
            else:
                gid = gid or b.get("ContainerGroupId")
                path = row["Returns"]
                if path.startswith("admin:"):
                    got = lookup(admin("/groups/" + gid), path[len("admin:"):])
                else:
                    got = lookup(describe(gid) or {}, path)
                    if not same(row["Sample"], lookup(admin("/groups/" + gid), path), name):
                        got = None
                if same(row["Sample"], got, name):
                    counts["returned"] += 1
                else:
                    counts["accepted_and_dropped"] += 1
                    finding("%s %s=%s: accepted, %s is %r" % (op, name, row["Sample"], path, got))
        if gid:
            delete(gid)
            gid = None
        # 2. a value the check refuses
        if row["Invalid"]:
            if op == "UpdateContainerGroup":
                gid = base_group()
            st, b = call(op, request_for(op, key, row["Invalid"], row, gid))
            if st >= 400 and (key in b.get("Message", "") or b.get("Code") == "Forbidden.Unauthorized"):
                pass
            else:
                counts["accepted_without_validation"] += 1
                finding("%s %s=%r: not refused (%s %s)" % (op, name, row["Invalid"], st, b))
                if st == 200 and op == "CreateContainerGroup":
                    delete(b["ContainerGroupId"])
            if gid:
                delete(gid)
        else:
            counts["accepted_without_validation"] += 1
            finding("%s %s: no value is refused" % (op, name))
    return counts


def coverage(op, table):
    """Every parameter of another operation's models is in the table, and a
    value its check refuses is refused, naming the parameter. Returns the
    number of findings."""
    rows = {r["Name"]: r for r in table if op in r["Operations"]}
    names = tea_params(op) | core_params(op)
    bad = 0
    for name in sorted(names):
        row = rows.get(name)
        if not row:
            finding("%s %s: not in the emulator's table" % (op, name))
            bad += 1
            continue
        key = expand(name)
        if not row["Invalid"]:
            finding("%s %s: no value is refused" % (op, name))
            bad += 1
            continue
        p = {"RegionId": "cn-hangzhou"}
        p[key] = row["Invalid"]
        st, b = call(op, p)
        if not (st >= 400 and (key in b.get("Message", "") or b.get("Code") == "Forbidden.Unauthorized")):
            finding("%s %s=%r: not refused (%s %s)" % (op, name, row["Invalid"][:40], st, b))
            bad += 1
    return bad


def main():
    table = admin("/params")["params"]
    summary = {}
    for op in ("CreateContainerGroup", "UpdateContainerGroup"):
        summary[op] = walk(op, table)
    others = ["RestartContainerGroup", "DeleteContainerGroup", "DescribeContainerGroups",
              "DescribeContainerGroupStatus", "DescribeContainerGroupEvents", "DescribeContainerLog",
              "ExecContainerCommand", "DescribeContainerGroupMetric", "DescribeMultiContainerGroupMetric",
              "DescribeRegions", "DescribeContainerGroupPrice", "ListUsage", "CreateImageCache",
              "DescribeImageCaches", "DeleteImageCache"]
    summary["other_operations_parameters"] = sum(len(tea_params(op) | core_params(op)) for op in others)
    summary["other_operations_findings"] = sum(coverage(op, table) for op in others)
    print("SUMMARY " + json.dumps(summary), flush=True)
    return 1 if FINDINGS else 0


if __name__ == "__main__":
    sys.exit(main())
