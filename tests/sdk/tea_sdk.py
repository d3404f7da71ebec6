"""The Tea SDK (alibabacloud-eci20180808 + alibabacloud-tea-openapi), with its
default settings (signature V3, ACS3-HMAC-SHA256; parameters in the query of
a POST), against bin/eci-emulator: every operation of spec/eci-api.md and
spec/eci-api-extra.md, each answer parsed into the SDK's model with no field
the model does not know, and the error answers' status, Code, Message and
RequestId."""
import base64
import uuid

from alibabacloud_eci20180808 import models as m
from alibabacloud_eci20180808.client import Client
from alibabacloud_tea_openapi import models as open_api_models
from alibabacloud_tea_openapi.exceptions import AlibabaCloudException
from alibabacloud_tea_util.models import RuntimeOptions

import sdklib

T = sdklib.Tap("tea")
E = sdklib.env()


class RecordingClient(Client):
    """The SDK's client, unchanged, keeping the raw answer of the last call."""

    last = None

    def call_api(self, params, request, runtime):
        self.last = super().call_api(params, request, runtime)
        return self.last


def client(secret=None, key_id=None, token=None, signature_algorithm=None):
    cfg = open_api_models.Config(
        signature_algorithm=signature_algorithm,
        access_key_id=key_id or E["id"],
        access_key_secret=secret or E["secret"],
        security_token=token,
        endpoint=E["host"],
        protocol="http",
        region_id=sdklib.REGION,
    )
    return RecordingClient(cfg)


C = client()


def snake(name):
    out = ""
    for i, ch in enumerate(name):
        if ch.isupper() and i:
            out += "_"
        out += ch.lower()
    return out


def call(op, req, c=None):
    """Call op with req (a dict in the API's spelling) through the SDK's
    generated method; check that the model knows every field of the answer."""
    c = c or C
    request = getattr(m, op + "Request")().from_map(dict({"RegionId": sdklib.REGION}, **req))
    resp = getattr(c, snake(op) + "_with_options")(request, RuntimeOptions())
    raw = c.last["body"]
    unknown = sdklib.unknown_keys_of(op, raw, resp.body.to_map())
    if unknown:
        raise AssertionError("%s answer has fields the SDK model does not know: %s" % (op, ", ".join(unknown[:20])))
    if not sdklib.UUID.match(resp.body.request_id or ""):
        raise AssertionError("%s: RequestId %r" % (op, resp.body.request_id))
    T.called.add(op)
    return resp.body


def expect_error(name, op, req, status, code, c=None):
    return sdklib.expect_error(
        T, name, lambda: call(op, req, c), AlibabaCloudException,
        lambda e: (e.status_code, e.code, e.message, e.request_id or (e.data or {}).get("RequestId")), status, code)


# ---- the defaults: signature V3
T.check("the SDK's default signature is ACS3-HMAC-SHA256 (no signature settings)",
        not C._signature_algorithm and not C._signature_version, repr(C._signature_algorithm))
e = expect_error("a wrong secret: 400 SignatureDoesNotMatch", "DescribeRegions", {}, 400, "SignatureDoesNotMatch",
                 client(secret="wrong-secret"))
if e is not None:
    T.check("the V3 StringToSign in the mismatch message", "ACS3-HMAC-SHA256" in (e.message or ""), e.message)
if E["sts_id"]:
    expect_error("an STS key without its token: 400 MissingSecurityToken", "DescribeRegions", {}, 400,
                 "MissingSecurityToken", client(key_id=E["sts_id"], secret=E["sts_secret"]))
sdklib.regions(T, call, client(key_id=E["sts_id"], secret=E["sts_secret"], token="tok-1") if E["sts_id"] else None)
# The SDK's other method, V2 (signature_algorithm="v2": HMAC-SHA1 parameters).
T.run("with signature_algorithm=v2 (HMAC-SHA1): DescribeContainerGroups",
      lambda: call("DescribeContainerGroups", {"Limit": 5}, client(signature_algorithm="v2")))

# ---- CreateContainerGroup with most parts of the model
token = str(uuid.uuid4())
create = {
    "ContainerGroupName": "tea-sdk-1",
    "SecurityGroupId": "sg-tea",
    "VSwitchId": "vsw-tea",
    "RestartPolicy": "Always",
    "ClientToken": token,
    "Cpu": 2.0,
    "Memory": 4.0,
    "Tag": [{"Key": "suite", "Value": "tea"}],
    "Container": [{
        "Name": "app",
        "Image": "busybox:1.36",
        "Command": ["sh", "-c"],
        "Arg": ["echo hello-tea; sleep 600"],
        "Cpu": 1.0,
        "Memory": 2.0,
        "EnvironmentVar": [{"Key": "GREETING", "Value": "hi"}],
        "Port": [{"Port": 8080, "Protocol": "TCP"}],
        "VolumeMount": [{"Name": "cfg", "MountPath": "/etc/cfg", "ReadOnly": True},
                        {"Name": "scratch", "MountPath": "/scratch"}],
        "ReadinessProbe": {"Exec": {"Command": ["true"]}, "PeriodSeconds": 5},
    }],
    "InitContainer": [{"Name": "init", "Image": "busybox:1.36", "Command": ["true"]}],
    "Volume": [
        {"Name": "cfg", "Type": "ConfigFileVolume",
         "ConfigFileVolume": {"ConfigFileToPath": [{"Path": "a.conf",
                                                     "Content": base64.b64encode(b"hello").decode()}]}},
        {"Name": "scratch", "Type": "EmptyDirVolume", "EmptyDirVolume": {}},
    ],
    "DnsConfig": {"NameServer": ["10.0.0.10"], "Search": ["svc.local"], "Option": [{"Name": "ndots", "Value": "2"}]},
    "HostAliase": [{"Ip": "10.0.0.5", "Hostname": ["db"]}],
}
b = T.run("CreateContainerGroup", lambda: call("CreateContainerGroup", create))
gid = b.container_group_id if b else None
T.check("CreateContainerGroup returns an eci- id", bool(gid and gid.startswith("eci-")), gid)
if gid:
    b2 = T.run("CreateContainerGroup again with the ClientToken", lambda: call("CreateContainerGroup", create))
    T.check("the ClientToken returns the same group", bool(b2) and b2.container_group_id == gid,
            b2.to_map() if b2 else None)


if gid:
    g = T.run("DescribeContainerGroups: the group becomes Running",
              lambda: sdklib.wait_until("Running", lambda: sdklib.running_group(call, gid)))
    if g:
        T.check("DescribeContainerGroups returns what was created (name, containers, volumes, tags)",
                g.container_group_name == "tea-sdk-1" and [c.name for c in g.containers] == ["app"]
                and g.init_containers and g.init_containers[0].name == "init"
                and sorted(v.name for v in g.volumes) == ["cfg", "scratch"]
                and any(t.key == "suite" and t.value == "tea" for t in g.tags)
                and g.containers[0].volume_mounts and g.containers[0].current_state.state == "Running",
                g.to_map())
    b = T.run("DescribeContainerGroups by name, tag and status", lambda: call("DescribeContainerGroups", {
        "ContainerGroupName": "tea-sdk-1", "Tag": [{"Key": "suite", "Value": "tea"}], "Status": "Running",
        "Limit": 10}))
    T.check("the filters find the group", bool(b) and [x.container_group_id for x in b.container_groups] == [gid]
            and b.total_count == 1, b.to_map() if b else None)
    sdklib.group_ops(T, call, gid, "tea", {
        "ContainerGroupId": gid, "ClientToken": str(uuid.uuid4()),
        "Container": [{"Name": "app", "Image": "busybox:1.37", "Command": ["sh", "-c"],
                       "Arg": ["echo hello-tea-2; sleep 600"]}]})

sdklib.account_ops(T, call, {"ImageCacheName": "tea-cache", "Image": ["busybox:1.36"], "SecurityGroupId": "sg-tea",
                             "VSwitchId": "vsw-tea"})

# ---- errors: documented status, Code, Message, RequestId
expect_error("DescribeContainerGroups in another region: RegionNotSupport", "DescribeContainerGroups",
             {"RegionId": "cn-shanghai"}, 403, "RegionNotSupport")
expect_error("CreateContainerGroup without an image: MissingParameter", "CreateContainerGroup",
             {"ContainerGroupName": "tea-bad", "SecurityGroupId": "sg-tea", "VSwitchId": "vsw-tea",
              "Container": [{"Name": "app"}]}, 400, "MissingParameter")
expect_error("DeleteContainerGroup of an unknown id: InvalidParameter.NotFound", "DeleteContainerGroup",
             {"ContainerGroupId": "eci-doesnotexist00000"}, 404, "InvalidParameter.NotFound")

if gid:
    sdklib.delete_group(T, call, gid)

T.done()
