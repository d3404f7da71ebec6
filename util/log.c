#include "util/log.h"
#include "util/dynbuf.h"
#include "util/timefmt.h"
#include "util/xmalloc.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static atomic_int g_level = LOG_INFO;
static atomic_int g_json = 0;
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;

void log_set_level(log_level lvl) { atomic_store(&g_level, (int)lvl); }
void log_set_json(int json) { atomic_store(&g_json, json ? 1 : 0); }
log_level log_get_level(void) { return (log_level)atomic_load(&g_level); }

static const char *const names[] = {"error", "warn", "info", "debug"};

int log_level_parse(const char *s)
{
    for (int i = 0; i < 4; i++)
        if (s && strcasecmp(s, names[i]) == 0)
            return i;
    if (s && strcasecmp(s, "warning") == 0)
        return LOG_WARN;
    return -1;
}

static void json_str(dynbuf *b, const char *s)
{
    dynbuf_addc(b, '"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            dynbuf_addc(b, '\\');
            dynbuf_addc(b, (char)c);
        } else if (c < 0x20) {
            dynbuf_printf(b, "\\u%04x", c);
        } else {
            dynbuf_addc(b, (char)c);
        }
    }
    dynbuf_addc(b, '"');
}

void log_msg(log_level lvl, const char *component, const char *fmt, ...)
{
    if ((int)lvl > atomic_load(&g_level))
        return;
    char ts[TIMEFMT_LEN];
    timefmt_now(3, ts, sizeof ts);

    va_list ap;
    va_start(ap, fmt);
    char *msg = xvasprintf(fmt, ap);
    va_end(ap);

    dynbuf b;
    dynbuf_init(&b, 0);
    if (atomic_load(&g_json)) {
        dynbuf_printf(&b, "{\"ts\":\"%s\",\"level\":\"%s\",\"component\":", ts, names[lvl]);
        json_str(&b, component ? component : "");
        dynbuf_adds(&b, ",\"msg\":");
        json_str(&b, msg);
        dynbuf_adds(&b, "}\n");
    } else {
        dynbuf_printf(&b, "%s %-5s %s: %s\n", ts, names[lvl], component ? component : "-", msg);
    }
    pthread_mutex_lock(&g_lock);
    fwrite(b.buf, 1, b.len, stderr);
    fflush(stderr);
    pthread_mutex_unlock(&g_lock);
    dynbuf_free(&b);
    free(msg);
}

static const char *const secret_keys[] = {
    "Signature", "AccessKeyId", "AccessKeySecret", "SecurityToken", "token",
    "access_token", "password", "Password", "Authorization", "x-acs-security-token", NULL,
};

char *log_redact(const char *s)
{
    if (!s)
        return xstrdup("");
    dynbuf b;
    dynbuf_init(&b, 0);
    const char *p = s;
    while (*p) {
        int matched = 0;
        for (int i = 0; secret_keys[i]; i++) {
            size_t kl = strlen(secret_keys[i]);
            if (strncasecmp(p, secret_keys[i], kl) == 0 && (p[kl] == '=' || p[kl] == ':') &&
                (p == s || strchr("?&; \t\n,{\"", p[-1]))) {
                dynbuf_add(&b, p, kl + 1);
                p += kl + 1;
                while (*p == ' ')
                    dynbuf_addc(&b, *p++);
                if (strncasecmp(p, "Bearer ", 7) == 0) {
                    dynbuf_add(&b, p, 7);
                    p += 7;
                }
                while (*p && !strchr("& \t\r\n,;\"}", *p))
                    p++;
                dynbuf_adds(&b, "REDACTED");
                matched = 1;
                break;
            }
        }
        if (!matched)
            dynbuf_addc(&b, *p++);
    }
    return dynbuf_take(&b, NULL);
}
