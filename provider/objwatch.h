/* Watches of the ConfigMaps and Secrets that pods wait for: one watch per
 * object, in its namespace with fieldSelector metadata.name=NAME (what the
 * Node authorizer lets a node watch: objects its pods refer to, as the
 * kubelet's watch-based ConfigMap and Secret managers do). When the object
 * appears (or changes after the resourceVersion given, for a missing key),
 * its cached copy is dropped, every pod waiting for it is queued at once and
 * the watch ends. */
#ifndef PROVIDER_OBJWATCH_H
#define PROVIDER_OBJWATCH_H

struct prov_bridge;
typedef struct prov_ow prov_ow;

prov_ow *prov_ow_new(struct prov_bridge *b);
/* Stop every watch and free; NULL is fine. */
void prov_ow_free(prov_ow *w);
/* Pod pod_key (a work-queue key) waits for kind ("ConfigMap" or "Secret")
 * ns/name; rv: the object exists and only a change after this
 * resourceVersion counts (NULL: its creation). Thread-safe. */
void prov_ow_wait(prov_ow *w, const char *kind, const char *ns, const char *name, const char *rv,
                  const char *pod_key);

#endif
