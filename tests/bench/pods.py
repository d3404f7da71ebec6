#!/usr/bin/env python3
"""Write N bare pods for the virtual node NODE (placed by the scheduler
through a nodeSelector) as M v1 Lists PREFIX.0.json .. PREFIX.M-1.json, for
parallel `kubectl create -f`. NODE may list several nodes, comma-separated:
pod i goes to the (i mod count)-th.
usage: pods.py N NODE PREFIX M [COMMAND...]"""
import json
import sys

n, nodes, prefix, m = int(sys.argv[1]), sys.argv[2].split(","), sys.argv[3], int(sys.argv[4])
cmd = sys.argv[5:] or ["sleep", "3600"]
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
