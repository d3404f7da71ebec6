#include "util/prom.h"
#include "util/htab.h"
#include "util/xmalloc.h"

#include <math.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROM_MAX_LABELS 4

typedef struct prom_series {
    char *values[PROM_MAX_LABELS];
    double value;           /* counter / gauge; histogram sum */
    unsigned long long count;
    unsigned long long *bucket_counts;
    struct prom_series *next;
    char *key; /* the label values joined (the index's key) */
    struct prom_series *hnext;
} prom_series;

struct prom_metric {
    const char *name, *help;
    prom_type type;
    const char *labels[PROM_MAX_LABELS];
    size_t nlabels;
    double *buckets;
    size_t nbuckets;
    prom_series *series;
    /* The series by label values: a gauge set per pod (10,000 series) was a
     * walk of the list per set, quadratic in a scrape. */
    htab index;
    struct prom_metric *next;
    prom_registry *reg;
};

typedef struct prom_collector {
    prom_collect_fn fn;
    void *ud;
    void (*free_ud)(void *ud);
    struct prom_collector *next;
} prom_collector;

struct prom_registry {
    pthread_mutex_t mu;
    prom_metric *head, *tail;
    prom_collector *collectors;
};

prom_registry *prom_registry_new(void)
{
    prom_registry *r = xcalloc(1, sizeof *r);
    pthread_mutex_init(&r->mu, NULL);
    return r;
}

static void series_free_all(prom_metric *m)
{
    prom_series *s = m->series;
    while (s) {
        prom_series *sn = s->next;
        for (size_t i = 0; i < m->nlabels; i++)
            free(s->values[i]);
        free(s->bucket_counts);
        free(s->key);
        free(s);
        s = sn;
    }
    m->series = NULL;
    htab_fini(&m->index);
    htab_init(&m->index, 16, offsetof(prom_series, hnext), offsetof(prom_series, key));
}

void prom_registry_free(prom_registry *r)
{
    if (!r)
        return;
    prom_metric *m = r->head;
    while (m) {
        prom_metric *mn = m->next;
        series_free_all(m);
        htab_fini(&m->index);
        free(m->buckets);
        free(m);
        m = mn;
    }
    prom_collector *c = r->collectors;
    while (c) {
        prom_collector *cn = c->next;
        if (c->free_ud)
            c->free_ud(c->ud);
        free(c);
        c = cn;
    }
    pthread_mutex_destroy(&r->mu);
    free(r);
}

static prom_metric *add(prom_registry *r, const char *name, const char *help, prom_type t,
                        const char *const *labels)
{
    /* A second registration of a name (two clients of one kind) shares the
     * first: one family in the exposition, never two. */
    pthread_mutex_lock(&r->mu);
    for (prom_metric *x = r->head; x; x = x->next)
        if (strcmp(x->name, name) == 0 && x->type == t) {
            pthread_mutex_unlock(&r->mu);
            return x;
        }
    pthread_mutex_unlock(&r->mu);
    prom_metric *m = xcalloc(1, sizeof *m);
    m->name = name;
    m->help = help;
    m->type = t;
    m->reg = r;
    htab_init(&m->index, 16, offsetof(prom_series, hnext), offsetof(prom_series, key));
    for (size_t i = 0; labels && labels[i] && i < PROM_MAX_LABELS; i++)
        m->labels[m->nlabels++] = labels[i];
    pthread_mutex_lock(&r->mu);
    if (r->tail)
        r->tail->next = m;
    else
        r->head = m;
    r->tail = m;
    pthread_mutex_unlock(&r->mu);
    return m;
}

prom_metric *prom_counter(prom_registry *r, const char *name, const char *help, const char *const *labels)
{
    return add(r, name, help, PROM_COUNTER, labels);
}

prom_metric *prom_gauge(prom_registry *r, const char *name, const char *help, const char *const *labels)
{
    return add(r, name, help, PROM_GAUGE, labels);
}

prom_metric *prom_histogram(prom_registry *r, const char *name, const char *help, const char *const *labels,
                            const double *buckets, size_t nbuckets)
{
    prom_metric *m = add(r, name, help, PROM_HISTOGRAM, labels);
    if (m->buckets)
        return m; /* shared: registered before */
    m->buckets = xmalloc(nbuckets * sizeof(double));
    memcpy(m->buckets, buckets, nbuckets * sizeof(double));
    m->nbuckets = nbuckets;
    return m;
}

/* The index key of label values lv: each value's length, a colon and the
 * value, so that no two tuples share a key. The caller frees it. */
static char *series_key(const prom_metric *m, const char *const *lv)
{
    size_t n = 1;
    for (size_t i = 0; i < m->nlabels; i++)
        n += strlen(lv && lv[i] ? lv[i] : "") + 21;
    char *k = xmalloc(n), *p = k;
    for (size_t i = 0; i < m->nlabels; i++) {
        const char *v = lv && lv[i] ? lv[i] : "";
        size_t l = strlen(v);
        p += snprintf(p, 22, "%zu:", l);
        memcpy(p, v, l);
        p += l;
    }
    *p = '\0';
    return k;
}

/* Find or create the series (registry lock held). */
static prom_series *series(prom_metric *m, const char *const *lv)
{
    char *key = series_key(m, lv);
    prom_series *s = htab_get(&m->index, key);
    if (s) {
        free(key);
        return s;
    }
    s = xcalloc(1, sizeof *s);
    for (size_t i = 0; i < m->nlabels; i++)
        s->values[i] = xstrdup(lv && lv[i] ? lv[i] : "");
    if (m->type == PROM_HISTOGRAM)
        s->bucket_counts = xcalloc(m->nbuckets, sizeof *s->bucket_counts);
    s->key = key;
    htab_put(&m->index, s);
    s->next = m->series;
    m->series = s;
    return s;
}

void prom_inc(prom_metric *m, const char *const *lv, double v)
{
    pthread_mutex_lock(&m->reg->mu);
    series(m, lv)->value += v;
    pthread_mutex_unlock(&m->reg->mu);
}

void prom_set(prom_metric *m, const char *const *lv, double v)
{
    pthread_mutex_lock(&m->reg->mu);
    series(m, lv)->value = v;
    pthread_mutex_unlock(&m->reg->mu);
}

void prom_clear(prom_metric *m)
{
    pthread_mutex_lock(&m->reg->mu);
    series_free_all(m);
    pthread_mutex_unlock(&m->reg->mu);
}

void prom_observe(prom_metric *m, const char *const *lv, double v)
{
    pthread_mutex_lock(&m->reg->mu);
    prom_series *s = series(m, lv);
    s->value += v;
    s->count++;
    for (size_t i = 0; i < m->nbuckets; i++)
        if (v <= m->buckets[i])
            s->bucket_counts[i]++;
    pthread_mutex_unlock(&m->reg->mu);
}

void prom_add_collector(prom_registry *r, prom_collect_fn fn, void *ud) { prom_add_collector_owned(r, fn, ud, NULL); }

void prom_add_collector_owned(prom_registry *r, prom_collect_fn fn, void *ud, void (*free_ud)(void *ud))
{
    prom_collector *c = xcalloc(1, sizeof *c);
    c->fn = fn;
    c->ud = ud;
    c->free_ud = free_ud;
    pthread_mutex_lock(&r->mu);
    c->next = r->collectors;
    r->collectors = c;
    pthread_mutex_unlock(&r->mu);
}

static void label_value(dynbuf *out, const char *v)
{
    for (; *v; v++) {
        if (*v == '\\')
            dynbuf_adds(out, "\\\\");
        else if (*v == '"')
            dynbuf_adds(out, "\\\"");
        else if (*v == '\n')
            dynbuf_adds(out, "\\n");
        else
            dynbuf_addc(out, *v);
    }
}

static void labels(dynbuf *out, const prom_metric *m, const prom_series *s, const char *le)
{
    if (!m->nlabels && !le)
        return;
    dynbuf_addc(out, '{');
    for (size_t i = 0; i < m->nlabels; i++) {
        dynbuf_printf(out, "%s%s=\"", i ? "," : "", m->labels[i]);
        label_value(out, s->values[i]);
        dynbuf_addc(out, '"');
    }
    if (le)
        dynbuf_printf(out, "%sle=\"%s\"", m->nlabels ? "," : "", le);
    dynbuf_addc(out, '}');
}

static void number(dynbuf *out, double v)
{
    if (isinf(v))
        dynbuf_adds(out, v > 0 ? "+Inf" : "-Inf");
    else if (v == (double)(long long)v && fabs(v) < 1e15)
        dynbuf_printf(out, "%lld", (long long)v);
    else
        dynbuf_printf(out, "%.9g", v);
}

void prom_render(prom_registry *r, dynbuf *out)
{
    pthread_mutex_lock(&r->mu);
    prom_collector *cs = r->collectors;
    pthread_mutex_unlock(&r->mu);
    for (prom_collector *c = cs; c; c = c->next)
        c->fn(c->ud);

    pthread_mutex_lock(&r->mu);
    static const char *const tnames[] = {"counter", "gauge", "histogram"};
    for (prom_metric *m = r->head; m; m = m->next) {
        dynbuf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", m->name, m->help, m->name, tnames[m->type]);
        for (prom_series *s = m->series; s; s = s->next) {
            if (m->type != PROM_HISTOGRAM) {
                dynbuf_adds(out, m->name);
                labels(out, m, s, NULL);
                dynbuf_addc(out, ' ');
                number(out, s->value);
                dynbuf_addc(out, '\n');
                continue;
            }
            for (size_t i = 0; i < m->nbuckets; i++) {
                char le[32];
                snprintf(le, sizeof le, "%g", m->buckets[i]);
                dynbuf_printf(out, "%s_bucket", m->name);
                labels(out, m, s, le);
                dynbuf_printf(out, " %llu\n", s->bucket_counts[i]);
            }
            dynbuf_printf(out, "%s_bucket", m->name);
            labels(out, m, s, "+Inf");
            dynbuf_printf(out, " %llu\n%s_sum", s->count, m->name);
            labels(out, m, s, NULL);
            dynbuf_addc(out, ' ');
            number(out, s->value);
            dynbuf_printf(out, "\n%s_count", m->name);
            labels(out, m, s, NULL);
            dynbuf_printf(out, " %llu\n", s->count);
        }
    }
    pthread_mutex_unlock(&r->mu);
}
