#!/usr/bin/env bash
# The k8s/ client library against the real control plane: verbs, list paging
# over 1,200 objects, watch order, watch resume across an apiserver restart,
# relist after 410 Gone (etcd compaction), conflict retries, kubeconfig errors,
# Event aggregation, Lease renew and leader election, a node-scoped pod
# informer, TokenRequest/TokenReview/SubjectAccessReview, the GET cache.
# Each scenario is one "ok/not ok" line printed by tests/progs/k8s_itest.c.
# needs: cluster
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
need_cluster

ITEST=$ECI_TEST_PROGS/k8s_itest
if [ ! -x "$ITEST" ]; then
    not_ok "k8s_itest built" "$ITEST is missing (make VARIANT=san variant-bins)"
    finish
fi
export ECI_ITEST_CLUSTER="bash $ECI_REPO/tests/cluster/cluster.sh"

test_namespace k8s
# The disruptive scenarios (compaction, apiserver restart) run last.
"$ITEST" "$KUBECONFIG" "$TEST_NS" smoke bad-kubeconfig tls conflict watch-order events lease leader \
    informer-pods token paging relist-410 watch-resume
