/* The plain-HTTP health listener (default :10248, like the kubelet's
 * healthz port): /healthz (the process serves), /readyz (the pod cache has
 * synced and the group map is rebuilt) and /metrics (Prometheus text, to
 * loopback clients only; 403 for others). Idle or half-sent requests are
 * closed after a few seconds and cost no thread. */
#ifndef PROVIDER_HEALTH_H
#define PROVIDER_HEALTH_H

#include <stddef.h>
#include "util/prom.h"

typedef struct prov_health prov_health;

/* Start serving on bind ("host:port" or ":port"). metrics may be NULL;
 * ready(ud) answers /readyz. Returns NULL with a message in err. */
prov_health *prov_health_start(const char *bind, prom_registry *metrics, int (*ready)(void *), void *ud, char *err,
                               size_t errlen);
/* Stop and free; NULL is fine. */
void prov_health_stop(prov_health *h);

#endif
