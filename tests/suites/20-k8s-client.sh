#!/usr/bin/env bash
# The k8s/ client library against the real control plane: verbs, list paging
# over 1,200 objects, watch order, watch resume across an apiserver restart,
# relist after 410 Gone (etcd compaction), conflict retries, kubeconfig errors,
# Event aggregation, Lease renew and leader election, a node-scoped pod
# informer, TokenRequest/TokenReview/SubjectAccessReview.
# needs: cluster
set -uo pipefail
REPO=${ECI_REPO:-$(cd "$(dirname "$0")/../.." && pwd)}
PROGS=${ECI_TEST_PROGS:-$REPO/build/san/progs}
ITEST=$PROGS/k8s_itest
export ECI_ITEST_CLUSTER="bash $REPO/tests/cluster/cluster.sh"
KUBECTL=${KUBECTL:-kubectl}

if [ ! -x "$ITEST" ]; then
    echo "not ok - k8s_itest: $ITEST not built (make VARIANT=san variant-bins)"
    exit 1
fi
if [ -z "${KUBECONFIG:-}" ] || [ ! -f "$KUBECONFIG" ]; then
    echo "not ok - k8s-client: KUBECONFIG is not set"
    exit 1
fi

NS=k8s-itest-$$-$RANDOM
cleanup() {
    "$KUBECTL" delete namespace "$NS" --wait=false >/dev/null 2>&1 || true
}
trap cleanup EXIT INT TERM

# The disruptive scenarios (apiserver restart, compaction) run last.
"$ITEST" "$KUBECONFIG" "$NS" smoke bad-kubeconfig conflict watch-order events lease leader \
    informer-pods token paging relist-410 watch-resume
