#!/usr/bin/env python3
"""Run the first container of a Deployment's pod template as a local process,
the way a kubelet on a node would start it. The test cluster has no real
nodes, so suites that apply the deploy/ manifests (or the Helm chart) use this
to run the bridge "in the cluster" from exactly what was applied:

  podrun.py ROOT NAMESPACE DEPLOYMENT [--set-env K=V]... [-- EXTRA ARGS...]

- args and env come from the Deployment as stored in the API server: plain
  values, fieldRef (metadata.name/namespace, status.podIP = 127.0.0.1,
  spec.nodeName, spec.serviceAccountName), secretKeyRef/configMapKeyRef and
  envFrom (optional sources may be missing);
- volumes are materialised under ROOT at their mount paths: configMap, secret
  (optional ones may be missing), projected serviceAccountToken (a token from
  `kubectl create token` with the volume's audience and expiry); a path under
  a mount (or the service-account mount) in an argument, an env value or a
  mounted ConfigMap file is rewritten to ROOT + path, as a chroot would see it;
- the service-account mount (token, ca.crt, namespace) goes to ROOT/var/run/
  secrets/kubernetes.io/serviceaccount and ECI_KUBELET_INCLUSTER_DIR points
  there; KUBERNETES_SERVICE_HOST/PORT name the test apiserver.
The process replaces this one (exec), so the caller's $! is the bridge.
--set-env adds or replaces an environment variable (a test override); EXTRA
ARGS are appended (flags win over the config file and the environment).
"""
import base64
import json
import os
import re
import subprocess
import sys

KUBECTL = os.environ.get("KUBECTL", "kubectl")
KUBECONFIG = os.environ["KUBECONFIG"]
SA_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"


def kc(*args, check=True):
    r = subprocess.run([KUBECTL, "--kubeconfig", KUBECONFIG, *args], capture_output=True, text=True)
    if check and r.returncode != 0:
        sys.exit("podrun: kubectl %s: %s" % (" ".join(args), r.stderr.strip()))
    return r


def get(kind, ns, name, optional=False):
    r = kc("get", kind, "-n", ns, name, "-o", "json", check=not optional)
    if r.returncode != 0:
        return None
    return json.loads(r.stdout)


def data_of(obj):
    """A ConfigMap's or Secret's keys as bytes."""
    out = {}
    for k, v in (obj.get("data") or {}).items():
        out[k] = base64.b64decode(v) if obj["kind"] == "Secret" else v.encode()
    for k, v in (obj.get("binaryData") or {}).items():
        out[k] = base64.b64decode(v)
    return out


def main():
    argv = sys.argv[1:]
    extra = []
    if "--" in argv:
        i = argv.index("--")
        argv, extra = argv[:i], argv[i + 1:]
    overrides = {}
    pos = []
    it = iter(argv)
    for a in it:
        if a == "--set-env":
            k, _, v = next(it).partition("=")
            overrides[k] = v
        else:
            pos.append(a)
    root, ns, name = pos
    dep = get("deployment", ns, name)
    spec = dep["spec"]["template"]["spec"]
    c = spec["containers"][0]
    pod_name = "%s-local-0" % name
    sa = spec.get("serviceAccountName", "default")
    mounts = sorted(((m["mountPath"], m["name"]) for m in c.get("volumeMounts", [])), key=lambda m: -len(m[0]))

    def host_path(p):
        for mp, _ in mounts + [(SA_DIR, "")]:
            if p == mp or p.startswith(mp.rstrip("/") + "/"):
                return root + p
        return p

    def rewrite(s):
        # --flag=/path or /path
        if s.startswith("/"):
            return host_path(s)
        if s.startswith("--") and "=/" in s:
            k, _, v = s.partition("=")
            return k + "=" + host_path(v)
        return s

    def write(path, data, mode=0o644):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
        os.chmod(path, mode)

    def token(audience=None, seconds=3600):
        args = ["create", "token", sa, "-n", ns, "--duration", "%ds" % max(seconds, 600)]
        if audience:
            args += ["--audience", audience]
        return kc(*args).stdout.strip().encode()

    # One pass over a file: mount paths, longest first, at a path boundary.
    mount_re = re.compile(b"(?<![\\w./-])(" + b"|".join(
        re.escape(p.encode()) for p in sorted([m[0] for m in mounts] + [SA_DIR], key=len, reverse=True)) + b")")

    # Volumes.
    vols = {v["name"]: v for v in spec.get("volumes", [])}
    for mp, vname in mounts:
        v = vols[vname]
        dest = root + mp
        if "configMap" in v or "secret" in v:
            src = v.get("configMap") or v.get("secret")
            kind = "configmap" if "configMap" in v else "secret"
            obj = get(kind, ns, src.get("name") or src.get("secretName"), optional=src.get("optional", False))
            if obj is None:
                continue
            d = data_of(obj)
            items = src.get("items") or [{"key": k, "path": k} for k in d]
            for item in items:
                data = d[item["key"]]
                if kind == "configmap":
                    data = mount_re.sub(lambda m: root.encode() + m.group(0), data)
                write(os.path.join(dest, item["path"]), data)
        elif "projected" in v:
            for s in v["projected"]["sources"]:
                t = s.get("serviceAccountToken")
                if t:
                    write(os.path.join(dest, t["path"]), token(t.get("audience"), t.get("expirationSeconds", 3600)))
        elif "emptyDir" in v:
            os.makedirs(dest, exist_ok=True)
    # The service-account mount.
    sadir = root + SA_DIR
    write(sadir + "/token", token())
    write(sadir + "/ca.crt", open(os.environ["ECI_CLUSTER_CA"], "rb").read())
    write(sadir + "/namespace", ns.encode())

    # Environment.
    env = {k: os.environ[k] for k in ("PATH", "HOME", "TMPDIR", "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS")
           if k in os.environ}
    env.update({"KUBERNETES_SERVICE_HOST": "127.0.0.1",
                "KUBERNETES_SERVICE_PORT": os.environ["ECI_CLUSTER_APISERVER_PORT"],
                "ECI_KUBELET_INCLUSTER_DIR": sadir, "HOSTNAME": pod_name})
    fields = {"metadata.name": pod_name, "metadata.namespace": ns, "status.podIP": "127.0.0.1",
              "status.hostIP": "127.0.0.1", "spec.nodeName": "localhost", "spec.serviceAccountName": sa}
    for src in c.get("envFrom", []):
        ref = src.get("secretRef") or src.get("configMapRef")
        kind = "secret" if "secretRef" in src else "configmap"
        obj = get(kind, ns, ref["name"], optional=ref.get("optional", False))
        if obj is not None:
            for k, v in data_of(obj).items():
                env[src.get("prefix", "") + k] = v.decode()
    for e in c.get("env", []):
        if "value" in e:
            env[e["name"]] = rewrite(e["value"])
            continue
        vf = e.get("valueFrom", {})
        if "fieldRef" in vf:
            env[e["name"]] = fields[vf["fieldRef"]["fieldPath"]]
        elif "secretKeyRef" in vf or "configMapKeyRef" in vf:
            ref = vf.get("secretKeyRef") or vf.get("configMapKeyRef")
            kind = "secret" if "secretKeyRef" in vf else "configmap"
            obj = get(kind, ns, ref["name"], optional=ref.get("optional", False))
            if obj is not None and ref["key"] in data_of(obj):
                env[e["name"]] = data_of(obj)[ref["key"]].decode()
        elif "resourceFieldRef" in vf:
            continue
    env.update(overrides)
    # $(VAR) references in args, as the kubelet expands them.
    args = []
    for a in c.get("command", [])[1:] + c.get("args", []):
        for k, v in env.items():
            a = a.replace("$(%s)" % k, v)
        args.append(rewrite(a))
    binary = os.environ["PODRUN_BINARY"]
    os.execve(binary, [binary] + args + extra, env)


main()
