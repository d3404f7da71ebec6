/* Process log: one line per message on stderr, "time level component: text".
 * Library modules (eci/, k8s/) never log; they return errors. The bridge's
 * provider and cmd/ log. Secrets are never passed here: callers log ids and
 * names, not credentials (see log_redact for URLs/queries). */
#ifndef UTIL_LOG_H
#define UTIL_LOG_H

#include <stddef.h>

typedef enum { LOG_ERROR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 } log_level;

/* Set once by main before threads start. */
void log_set_level(log_level lvl);
void log_set_json(int json);
log_level log_get_level(void);
/* Parse "error|warn|info|debug"; -1 when unknown. */
int log_level_parse(const char *s);

void log_msg(log_level lvl, const char *component, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define log_error(comp, ...) log_msg(LOG_ERROR, comp, __VA_ARGS__)
#define log_warn(comp, ...) log_msg(LOG_WARN, comp, __VA_ARGS__)
#define log_info(comp, ...) log_msg(LOG_INFO, comp, __VA_ARGS__)
#define log_debug(comp, ...) \
    do { if (log_get_level() >= LOG_DEBUG) log_msg(LOG_DEBUG, comp, __VA_ARGS__); } while (0)

/* Copy s into a fresh string with the values of secret-bearing query parameters
 * and headers (Signature, AccessKeyId, SecurityToken, token, password,
 * Authorization) replaced by "REDACTED". Caller frees. */
char *log_redact(const char *s);

#endif
