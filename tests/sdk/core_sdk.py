"""The core SDK (aliyun-python-sdk-eci + aliyun-python-sdk-core), with its
default settings (signature V2, HMAC-SHA1; every parameter in the query of a
POST, VolumeMount.N.ReadOnly always sent, "None" when unset), against
bin/eci-emulator: every operation of spec/eci-api.md and spec/eci-api-extra.md.
The core SDK returns the JSON text; it is parsed into the vendor's response
models (alibabacloud_eci20180808.models) with no field the model does not
know. Error answers carry status, Code, Message and RequestId."""
import base64
import importlib
import json
import uuid

from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkcore.auth.credentials import StsTokenCredential
from aliyunsdkcore.client import AcsClient
from alibabacloud_eci20180808 import models as tea_models

import sdklib

T = sdklib.Tap("core")
E = sdklib.env()


def client(secret=None, region=sdklib.REGION, key_id=None, token=None):
    if token:
        return AcsClient(region_id=region,
                         credential=StsTokenCredential(key_id or E["id"], secret or E["secret"], token))
    return AcsClient(key_id or E["id"], secret or E["secret"], region)


C = client()


def request(op, **setters):
    mod = importlib.import_module("aliyunsdkeci.request.v20180808.%sRequest" % op)
    req = getattr(mod, op + "Request")()
    req.set_endpoint(E["host"])
    req.set_protocol_type("http")
    for k, v in setters.items():
        getattr(req, "set_" + k)(v)
    return req


def call(op, setters, c=None):
    """Send op with setters (the request class's set_NAME: value), parse the
    JSON into the response model of the vendor's generated SDK and check it
    knows every field."""
    raw = json.loads((c or C).do_action_with_exception(request(op, **setters)))
    model = getattr(tea_models, op + "ResponseBody")().from_map(raw)
    unknown = sdklib.unknown_keys_of(op, raw, model.to_map())
    if unknown:
        raise AssertionError("%s answer has fields the SDK model does not know: %s" % (op, ", ".join(unknown[:20])))
    if not sdklib.UUID.match(model.request_id or ""):
        raise AssertionError("%s: RequestId %r" % (op, model.request_id))
    T.called.add(op)
    return model


def expect_error(name, op, status, code, c=None, **setters):
    return sdklib.expect_error(
        T, name, lambda: call(op, setters, c), ServerException,
        lambda e: (e.get_http_status(), e.get_error_code(), e.get_error_msg(), e.get_request_id()), status, code)


# ---- the defaults: signature V2
# The SDK compares the StringToSign in a SignatureDoesNotMatch message with
# its own and, when they are the same, reports InvalidAccessKeySecret: so this
# also proves the emulator signed exactly the string the SDK signed.
expect_error("a wrong secret: 400, the server's StringToSign equals the SDK's (InvalidAccessKeySecret)",
             "DescribeRegions", 400, "InvalidAccessKeySecret", client(secret="wrong-secret"))
sdklib.regions(T, call, client(key_id=E["sts_id"], secret=E["sts_secret"], token="tok-1") if E["sts_id"] else None)

# ---- CreateContainerGroup: mounts without ReadOnly (the SDK sends "None")
token = str(uuid.uuid4())
create = dict(
    ContainerGroupName="core-sdk-1", SecurityGroupId="sg-core", VSwitchId="vsw-core", RestartPolicy="Always",
    ClientToken=token, Cpu=2.0, Memory=4.0,
    Tags=[{"Key": "suite", "Value": "core"}],
    Containers=[{
        "Name": "app", "Image": "busybox:1.36", "Commands": ["sh", "-c"], "Args": ["echo hello-core; sleep 600"],
        "Cpu": 1.0, "Memory": 2.0,
        "EnvironmentVars": [{"Key": "GREETING", "Value": "hi"}],
        "Ports": [{"Port": 8080, "Protocol": "TCP"}, {"Port": 9090}],
        "VolumeMounts": [{"Name": "cfg", "MountPath": "/etc/cfg"}, {"Name": "scratch", "MountPath": "/scratch",
                                                                   "ReadOnly": False}],
        "ReadinessProbe.Exec.Commands": ["true"], "ReadinessProbe.PeriodSeconds": 5,
    }],
    InitContainers=[{"Name": "init", "Image": "busybox:1.36", "Commands": ["true"]}],
    Volumes=[
        {"Name": "cfg", "Type": "ConfigFileVolume",
         "ConfigFileVolume.ConfigFileToPaths": [{"Path": "a.conf", "Content": base64.b64encode(b"hello").decode()}]},
        {"Name": "scratch", "Type": "EmptyDirVolume"},
    ],
    DnsConfigNameServers=["10.0.0.10"], DnsConfigSearchs=["svc.local"],
    DnsConfigOptions=[{"Name": "ndots", "Value": "2"}],
    HostAliases=[{"Ip": "10.0.0.5", "Hostnames": ["db"]}],
)
b = T.run("CreateContainerGroup (VolumeMount.1.ReadOnly=None and Port.2.Protocol=None are taken as unset)",
          lambda: call("CreateContainerGroup", create))
gid = b.container_group_id if b else None
T.check("CreateContainerGroup returns an eci- id", bool(gid and gid.startswith("eci-")), gid)


if gid:
    g = T.run("DescribeContainerGroups: the group becomes Running",
              lambda: sdklib.wait_until("Running", lambda: sdklib.running_group(call, gid)))
    if g:
        mounts = {vm.name: vm.read_only for vm in g.containers[0].volume_mounts or []}
        ports = [(p.port, p.protocol) for p in g.containers[0].ports or []]
        T.check("a port sent without a protocol (\"None\") is TCP", ports == [(8080, "TCP"), (9090, "TCP")], ports)
        T.check("DescribeContainerGroups returns what was created (mounts not read-only)",
                g.container_group_name == "core-sdk-1" and mounts == {"cfg": False, "scratch": False}
                and any(t.key == "suite" and t.value == "core" for t in g.tags), g.to_map())
    b = T.run("DescribeContainerGroups by name and tag", lambda: call("DescribeContainerGroups", {
        "ContainerGroupName": "core-sdk-1", "Tags": [{"Key": "suite", "Value": "core"}]}))
    T.check("the filters find the group", bool(b) and [x.container_group_id for x in b.container_groups] == [gid],
            b.to_map() if b else None)
    # mounts without ReadOnly again: the SDK sends "None"
    sdklib.group_ops(T, call, gid, "core", {
        "ContainerGroupId": gid, "ClientToken": str(uuid.uuid4()),
        "Containers": [{"Name": "app", "Image": "busybox:1.37", "Commands": ["sh", "-c"],
                        "Args": ["echo hello-core-2; sleep 600"],
                        "VolumeMounts": [{"Name": "cfg", "MountPath": "/etc/cfg"},
                                         {"Name": "scratch", "MountPath": "/scratch"}]}]})

sdklib.account_ops(T, call, {"ImageCacheName": "core-cache", "Images": ["busybox:1.36"], "SecurityGroupId": "sg-core",
                             "VSwitchId": "vsw-core"})

expect_error("DescribeContainerGroups in another region: RegionNotSupport", "DescribeContainerGroups", 403,
             "RegionNotSupport", client(region="cn-shanghai"))
expect_error("CreateContainerGroup without an image: MissingParameter", "CreateContainerGroup", 400,
             "MissingParameter", ContainerGroupName="core-bad", SecurityGroupId="sg-core", VSwitchId="vsw-core",
             Containers=[{"Name": "app"}])
expect_error("DeleteContainerGroup of an unknown id: InvalidParameter.NotFound", "DeleteContainerGroup", 404,
             "InvalidParameter.NotFound", ContainerGroupId="eci-doesnotexist00000")

if gid:
    sdklib.delete_group(T, call, gid)

T.done()
