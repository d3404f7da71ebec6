/* The bridge: registers the virtual node, watches its pods and runs each one
 * as an ECI container group, keeping pod status and events in step.
 * docs/architecture.md walks through it in the order a pod travels. */
#ifndef PROVIDER_BRIDGE_H
#define PROVIDER_BRIDGE_H

#include "provider/config.h"

/* Run until SIGTERM or SIGINT (container groups keep running). Returns 0 on a
 * clean stop, -1 when start-up failed (the reason is logged). cfg is borrowed
 * and must stay valid until the function returns. */
int prov_bridge_run(const prov_cfg *cfg);

#endif
