#!/usr/bin/env python3
"""Turn the raw records of one burst (tests/bench/burst.sh) into figures.

usage: analyze.py DIR
DIR holds: meta.json (n, t0, t_end, cpu0, cpu1, clk_tck, hwm_kb, rss_kb,
latency_ms, create_per_min, create_burst, schedule_delay_s), watch.log (lines
"EPOCH UID|NODE|PHASE" from a timed pod watch), ledger.json and groups.json
(emulator admin routes), metrics0.txt / metrics1.txt (the bridge's /metrics
before and after). Prints a report and writes DIR/result.json."""
import json
import math
import os
import re
import sys


def pct(vals, p):
    if not vals:
        return float("nan")
    v = sorted(vals)
    k = max(0, min(len(v) - 1, int(math.ceil(p / 100.0 * len(v))) - 1))
    return v[k]


def metrics(path, name):
    """{label-string: value} of one metric family in a text exposition."""
    out = {}
    try:
        with open(path) as f:
            for line in f:
                m = re.match(r'^%s(\{[^}]*\})?\s+([0-9.eE+-]+)$' % re.escape(name), line.strip())
                if m:  # the expositions of several bridges add up
                    out[m.group(1) or ""] = out.get(m.group(1) or "", 0.0) + float(m.group(2))
    except OSError:
        pass
    return out


def main():
    d = sys.argv[1]
    meta = json.load(open(os.path.join(d, "meta.json")))
    n = meta["n"]
    t0 = meta["t0"]
    bound, running = {}, {}
    for line in open(os.path.join(d, "watch.log")):
        parts = line.strip().split(None, 1)
        if len(parts) < 2 or parts[1].count("|") < 2:
            continue
        t = float(parts[0])
        uid, node, phase = parts[1].split("|")[:3]
        if not uid:
            continue
        if node and uid not in bound:
            bound[uid] = t
        if phase == "Running" and uid not in running:
            running[uid] = t
    ledger = json.load(open(os.path.join(d, "ledger.json")))
    groups = json.load(open(os.path.join(d, "groups.json"))).get("groups", [])
    first_create = {}
    for c in ledger.get("creates", []):
        if c.get("Code") == "OK" and c["ClientToken"] not in first_create:
            first_create[c["ClientToken"]] = c["TimeMs"] / 1000.0
    g_by_uid = {}
    for g in groups:
        uid = (g.get("Tags") or {}).get("eci-kubelet/uid")
        if uid:
            g_by_uid[uid] = g
    bound_to_create, eci_to_pod = [], []
    for uid, g in g_by_uid.items():
        ct = first_create.get(g.get("ClientToken"))
        if ct is not None and uid in bound:
            bound_to_create.append(ct - bound[uid])
        if g.get("RunningAtMs") and uid in running:
            eci_to_pod.append(running[uid] - g["RunningAtMs"] / 1000.0)
    last = max(running.values()) if running else float("nan")
    by_poll = len(running) < n
    if by_poll:
        # The watch missed some pods: the poll's end (coarser) is the time.
        last = meta["t_end"]
    elapsed = last - t0
    calls = ledger.get("calls", {})
    per_action = {a: sum(v.values()) / n for a, v in calls.items()}
    ok_per_action = {a: v.get("OK", 0) / n for a, v in calls.items()}
    k0 = metrics(os.path.join(d, "metrics0.txt"), "eci_kubelet_kube_requests_total")
    k1 = metrics(os.path.join(d, "metrics1.txt"), "eci_kubelet_kube_requests_total")
    kube = {k: k1[k] - k0.get(k, 0) for k in k1 if k1[k] - k0.get(k, 0) > 0}
    kube_total = sum(kube.values())
    w0 = sum(metrics(os.path.join(d, "metrics0.txt"), "eci_kubelet_pod_status_writes_total").values())
    w1 = sum(metrics(os.path.join(d, "metrics1.txt"), "eci_kubelet_pod_status_writes_total").values())
    # Floor: CreateContainerGroup under the service's token bucket (burst B,
    # refill R/s), plus one call's latency and the create-to-Running delay.
    # The quota is the account's: the same floor however many bridges share it.
    rate = meta["create_per_min"] / 60.0
    burst = meta["create_burst"]
    bridges = meta.get("bridges", 1)
    floor = max(0.0, (n - burst) / rate) + meta["latency_ms"] / 1000.0 + meta["schedule_delay_s"]
    throttled = sum(c for v in ledger.get("calls", {}).values() for code, c in v.items() if code.startswith("Throttling"))
    total_calls = sum(sum(v.values()) for v in ledger.get("calls", {}).values())
    cpu = (meta["cpu1"] - meta["cpu0"]) / meta["clk_tck"]
    res = {
        "pods": n,
        "running": len(running),
        "elapsed_s": round(elapsed, 2),
        "pods_per_s": round((n if by_poll else len(running)) / elapsed, 2) if elapsed > 0 else None,
        "floor_s": round(floor, 2),
        "vs_floor": round(elapsed / floor, 2) if floor > 0 else None,
        "bound_to_create_ms": {"p50": round(pct(bound_to_create, 50) * 1000), "p99": round(pct(bound_to_create, 99) * 1000),
                               "samples": len(bound_to_create)},
        "eci_running_to_pod_running_ms": {"p50": round(pct(eci_to_pod, 50) * 1000),
                                          "p99": round(pct(eci_to_pod, 99) * 1000), "samples": len(eci_to_pod)},
        "eci_calls_per_pod": {a: round(v, 3) for a, v in sorted(per_action.items())},
        "eci_ok_calls_per_pod": {a: round(v, 3) for a, v in sorted(ok_per_action.items())},
        "groups_created": ledger.get("groups_created"),
        "creates_ok_per_pod": round(ledger.get("creates_ok", 0) / n, 3),
        "bridges": bridges,
        "throttling_share": round(throttled / total_calls, 4) if total_calls else 0.0,
        "kube_requests_per_pod": round(kube_total / n, 2),
        "kube_requests_by_verb_resource_per_pod": {k: round(v / n, 3) for k, v in sorted(kube.items())},
        "status_writes_per_pod": round((w1 - w0) / n, 2),
        "bridge_cpu_s": round(cpu, 2),
        "bridge_vmhwm_mb": round(meta["hwm_kb"] / 1024.0, 1),
        "bridge_rss_mb": round(meta["rss_kb"] / 1024.0, 1),
        "bridge_rss_anon_mb": round(meta.get("rss_anon_kb", 0) / 1024.0, 1),
        "bridge_rss_file_mb": round(meta.get("rss_file_kb", 0) / 1024.0, 1),
        "bridge_threads": meta.get("threads"),
    }
    json.dump(res, open(os.path.join(d, "result.json"), "w"), indent=1)
    print("burst of %d pods: %d Running in %.1f s = %.1f pods/s (floor %.1f s, %.2fx)%s" %
          (n, n if by_poll else len(running), elapsed, res["pods_per_s"] or 0, floor, res["vs_floor"] or 0,
           " (all Running by the poll; the watch saw %d)" % len(running) if by_poll else ""))
    cts = sorted(first_create.values())
    if len(cts) >= 10:
        marks = [k for k in (100, 1000, 2000, 3000, 4000, 5000, 10000) if k < len(cts)] + [len(cts)]
        print("  creates accepted by: " + ", ".join("%d at %.0f s" % (k, cts[k - 1] - t0) for k in marks))
    print("  pod bound -> CreateContainerGroup accepted: p50 %d ms, p99 %d ms (%d pods)" %
          (res["bound_to_create_ms"]["p50"], res["bound_to_create_ms"]["p99"], len(bound_to_create)))
    print("  ECI Running -> pod Running seen:            p50 %d ms, p99 %d ms (%d pods)" %
          (res["eci_running_to_pod_running_ms"]["p50"], res["eci_running_to_pod_running_ms"]["p99"], len(eci_to_pod)))
    print("  ECI calls per pod: " + ", ".join("%s %.3f" % kv for kv in sorted(per_action.items())))
    print("  distinct groups created: %s; successful CreateContainerGroup per pod %.3f" %
          (ledger.get("groups_created"), res["creates_ok_per_pod"]))
    print("  %d of %d ECI calls answered Throttling (%.2f%%), %d bridge(s) on one account" %
          (throttled, total_calls, 100.0 * res["throttling_share"], bridges))
    print("  apiserver requests per pod: %.2f (%s)" % (res["kube_requests_per_pod"], ", ".join(
        "%s %.2f" % (re.sub(r'[{}"]|verb=|resource=', "", k), v) for k, v in
        res["kube_requests_by_verb_resource_per_pod"].items())))
    print("  pod status writes per pod: %.2f" % res["status_writes_per_pod"])
    ev_path = os.path.join(d, "events.json")
    if os.path.exists(ev_path):
        # Which Events a pod costs, by writer and reason (created by then; the
        # bridge's still queued are not in it).
        by = {}
        try:
            items = json.load(open(ev_path)).get("items", [])
        except ValueError:
            items = []
        for e in items:
            who = (e.get("source") or {}).get("component") or e.get("reportingComponent") or "?"
            k = "%s %s" % (who, e.get("reason"))
            by[k] = by.get(k, 0) + 1
        print("  Events in the namespace per pod: " + ", ".join("%s %.2f" % (k, v / n) for k, v in sorted(by.items())))
    print("  bridge: CPU %.2f s, peak RSS (VmHWM) %.1f MB, RSS now %.1f MB (anonymous %.1f, files %.1f), %s threads" %
          (cpu, res["bridge_vmhwm_mb"], res["bridge_rss_mb"], res["bridge_rss_anon_mb"], res["bridge_rss_file_mb"],
           res["bridge_threads"]))


main()
