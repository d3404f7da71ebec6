#include "util/httptok.h"

#include <string.h>
#include <strings.h>

static int ows(char c) { return c == ' ' || c == '\t'; }

int httptok_next(const char **cur, const char **tok, size_t *len)
{
    const char *p = *cur;
    for (;;) {
        while (*p == ',' || ows(*p))
            p++;
        if (!*p) {
            *cur = p;
            return 0;
        }
        const char *s = p;
        while (*p && *p != ',')
            p++;
        const char *e = p;
        while (e > s && ows(e[-1]))
            e--;
        if (e > s) {
            *cur = p;
            *tok = s;
            *len = (size_t)(e - s);
            return 1;
        }
    }
}

int httptok_has(const char *list, const char *token, int icase)
{
    size_t tl = strlen(token), n;
    const char *t;
    while (list && httptok_next(&list, &t, &n))
        if (n == tl && (icase ? strncasecmp(t, token, n) : memcmp(t, token, n)) == 0)
            return 1;
    return 0;
}

int httptok_header_has(const kv_list *headers, const char *name, const char *token)
{
    for (size_t i = 0; i < headers->n; i++)
        if (strcasecmp(headers->items[i].key, name) == 0 && httptok_has(headers->items[i].val, token, 1))
            return 1;
    return 0;
}

const char *httptok_header_pick(const kv_list *headers, const char *name, const char *const *supported, size_t n,
                                int *offered)
{
    if (offered)
        *offered = 0;
    for (size_t i = 0; i < headers->n; i++) {
        if (strcasecmp(headers->items[i].key, name) != 0)
            continue;
        const char *v = headers->items[i].val, *t;
        size_t len;
        while (httptok_next(&v, &t, &len)) {
            if (offered)
                *offered = 1;
            for (size_t k = 0; k < n; k++)
                if (strlen(supported[k]) == len && memcmp(supported[k], t, len) == 0)
                    return supported[k];
        }
    }
    return NULL;
}
