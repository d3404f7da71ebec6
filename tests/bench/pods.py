#!/usr/bin/env python3
"""Print a v1 List of N bare pods for the virtual node NODE (placed by the
scheduler through a nodeSelector), as JSON for `kubectl create -f -`.
usage: pods.py N NODE [COMMAND...]"""
import json
import sys

n, node = int(sys.argv[1]), sys.argv[2]
cmd = sys.argv[3:] or ["sleep", "3600"]
items = []
for i in range(n):
    items.append({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "p-%05d" % i, "labels": {"app": "bench"}},
        "spec": {
            "nodeSelector": {"type": "virtual-kubelet", "kubernetes.io/hostname": node},
            "tolerations": [{"key": "virtual-kubelet.io/provider", "operator": "Exists", "effect": "NoSchedule"}],
            "terminationGracePeriodSeconds": 2,
            "containers": [{"name": "app", "image": "busybox", "command": cmd,
                            "resources": {"requests": {"cpu": "250m", "memory": "512Mi"}}}],
        },
    })
json.dump({"apiVersion": "v1", "kind": "List", "items": items}, sys.stdout)
