#!/usr/bin/env python3
"""Bench pods.

usage: pods.py N NODE PREFIX M [COMMAND...]
  Write N bare pods for the virtual node NODE (placed by the scheduler
  through a nodeSelector) as M v1 Lists PREFIX.0.json .. PREFIX.M-1.json.
  NODE may list several nodes, comma-separated: pod i goes to the (i mod
  count)-th.

usage: pods.py post KUBECONFIG NAMESPACE PARALLEL RATE BURST FILE...
  Create the pods of the Lists FILE... in NAMESPACE over PARALLEL kept-alive
  connections to the apiserver at once, interleaving the files (so the pods
  of every node arrive from the start). One `kubectl create -f` sends one
  pod at a time, about 20 pods/s on a loaded 2-core machine: slower than the
  account's CreateContainerGroup quota, so the benchmark would time kubectl.
  With RATE > 0 the pods after the first BURST go out at RATE per second.
  Prints how many were created and when the last was accepted; exits 1 when
  any create failed (with the first failures on stderr)."""
import base64
import http.client
import json
import os
import ssl
import sys
import tempfile
import threading
import time
import urllib.parse

import yaml


def write(n, nodes, prefix, m, cmd):
    items = []
    for i in range(n):
        items.append({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "p-%05d" % i, "labels": {"app": "bench"}},
            "spec": {
                "nodeSelector": {"type": "virtual-kubelet", "kubernetes.io/hostname": nodes[i % len(nodes)]},
                "tolerations": [{"key": "virtual-kubelet.io/provider", "operator": "Exists", "effect": "NoSchedule"}],
                "terminationGracePeriodSeconds": 2,
                "containers": [{"name": "app", "image": "busybox", "command": cmd,
                                "resources": {"requests": {"cpu": "250m", "memory": "512Mi"}}}],
            },
        })
    for k in range(m):
        with open("%s.%d.json" % (prefix, k), "w") as f:
            json.dump({"apiVersion": "v1", "kind": "List", "items": items[k::m]}, f)


def tls_context(kubeconfig, tmp):
    """The current context's server and an SSL context with its CA and
    client certificate (the test cluster's admin kubeconfig carries them as
    *-data)."""
    cfg = yaml.safe_load(open(kubeconfig))
    ctx = next(c["context"] for c in cfg["contexts"] if c["name"] == cfg["current-context"])
    cluster = next(c["cluster"] for c in cfg["clusters"] if c["name"] == ctx["cluster"])
    user = next(u["user"] for u in cfg["users"] if u["name"] == ctx["user"])

    def pem(data_key, file_key, obj):
        if file_key in obj:
            return obj[file_key]
        path = os.path.join(tmp, data_key)
        with open(path, "wb") as f:
            f.write(base64.b64decode(obj[data_key]))
        return path

    sc = ssl.create_default_context(cafile=pem("certificate-authority-data", "certificate-authority", cluster))
    sc.load_cert_chain(pem("client-certificate-data", "client-certificate", user),
                       pem("client-key-data", "client-key", user))
    return cluster["server"], sc


def post(kubeconfig, ns, parallel, rate, burst, files):
    """POST the pods over `parallel` connections; with rate > 0 pod i goes out
    no earlier than (i - burst) / rate seconds after the first."""
    lists = [json.load(open(f))["items"] for f in files]
    pods = [p for group in zip(*lists) for p in group]
    pods += [p for items in lists for p in items[min(map(len, lists)):]]
    with tempfile.TemporaryDirectory() as tmp:
        server, sc = tls_context(kubeconfig, tmp)
    u = urllib.parse.urlsplit(server)
    path = "/api/v1/namespaces/%s/pods" % ns
    lock = threading.Lock()
    state = {"next": 0, "done": 0, "failed": [], "last": 0.0}
    start = time.time()

    def worker():
        conn = None
        while True:
            with lock:
                i = state["next"]
                state["next"] += 1
            if i >= len(pods):
                break
            if rate > 0:
                delay = start + max(0, i - burst) / rate - time.time()
                if delay > 0:
                    time.sleep(delay)
            body = json.dumps(pods[i])
            for attempt in range(3):
                try:
                    if conn is None:
                        conn = http.client.HTTPSConnection(u.hostname, u.port or 443, context=sc, timeout=60)
                    conn.request("POST", path, body, {"Content-Type": "application/json"})
                    r = conn.getresponse()
                    text = r.read()
                    break
                except (OSError, http.client.HTTPException) as e:
                    conn = None
                    r, text = None, str(e).encode()
            with lock:
                if r is not None and r.status == 201:
                    state["done"] += 1
                    state["last"] = time.time()
                else:
                    state["failed"].append("%s: %s %s" % (pods[i]["metadata"]["name"],
                                                           r.status if r else "no answer", text[:200]))
        if conn:
            conn.close()

    threads = [threading.Thread(target=worker) for _ in range(parallel)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print("%d pods created, the last at %.3f" % (state["done"], state["last"]))
    for f in state["failed"][:5]:
        print("create failed: " + f, file=sys.stderr)
    return 1 if state["failed"] else 0


if __name__ == "__main__":
    if sys.argv[1] == "post":
        sys.exit(post(sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6]),
                      sys.argv[7:]))
    write(int(sys.argv[1]), sys.argv[2].split(","), sys.argv[3], int(sys.argv[4]), sys.argv[5:] or ["sleep", "3600"])
