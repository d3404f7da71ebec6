/* A small Prometheus registry: counters, gauges and histograms with label
 * values, rendered in the text exposition format 0.0.4. Thread-safe.
 * Metric and label names are static strings owned by the caller. */
#ifndef UTIL_PROM_H
#define UTIL_PROM_H

#include <stddef.h>
#include "util/dynbuf.h"

typedef struct prom_registry prom_registry;
typedef struct prom_metric prom_metric;

typedef enum { PROM_COUNTER, PROM_GAUGE, PROM_HISTOGRAM } prom_type;

prom_registry *prom_registry_new(void);
void prom_registry_free(prom_registry *r);

/* Register a metric family with up to 4 label names (NULL-terminated list,
 * may be NULL). Histograms take ascending bucket bounds (nbuckets > 0).
 * The registry owns the family; the pointer stays valid until it is freed. */
prom_metric *prom_counter(prom_registry *r, const char *name, const char *help, const char *const *labels);
prom_metric *prom_gauge(prom_registry *r, const char *name, const char *help, const char *const *labels);
prom_metric *prom_histogram(prom_registry *r, const char *name, const char *help, const char *const *labels,
                            const double *buckets, size_t nbuckets);

/* Label values are given in the order of the family's label names (copied). */
void prom_inc(prom_metric *m, const char *const *label_values, double v);
void prom_set(prom_metric *m, const char *const *label_values, double v);
void prom_observe(prom_metric *m, const char *const *label_values, double v);
/* Drop every series of m (a gauge a collector rebuilds from current state). */
void prom_clear(prom_metric *m);

/* A callback that refreshes gauges right before rendering. */
typedef void (*prom_collect_fn)(void *ud);
void prom_add_collector(prom_registry *r, prom_collect_fn fn, void *ud);
/* The same, the registry freeing ud with free_ud when it is freed. */
void prom_add_collector_owned(prom_registry *r, prom_collect_fn fn, void *ud, void (*free_ud)(void *ud));

/* Append the whole registry in text format to out. */
void prom_render(prom_registry *r, dynbuf *out);

#endif
