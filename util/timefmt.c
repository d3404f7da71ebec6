#include "util/timefmt.h"

#include <stdio.h>

/* Two to four decimal digits at s; -1 when any is not a digit. */
static int num(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

static int days_in(int year, int month)
{
    static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : d[month - 1];
}

int timefmt_parse(const char *s, size_t n, struct timespec *out)
{
    if (!s || n < 20)
        return -1;
    int Y = num(s, 4), M = num(s + 5, 2), D = num(s + 8, 2);
    int h = num(s + 11, 2), m = num(s + 14, 2), sec = num(s + 17, 2);
    if (Y < 0 || s[4] != '-' || M < 1 || M > 12 || s[7] != '-' || D < 1 || D > days_in(Y, M) ||
        (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || h < 0 || h > 23 || s[13] != ':' || m < 0 || m > 59 ||
        s[16] != ':' || sec < 0 || sec > 60)
        return -1;
    size_t i = 19;
    long nsec = 0;
    if (s[i] == '.') {
        size_t start = ++i;
        for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
            if (i - start < 9)
                nsec = nsec * 10 + (s[i] - '0');
        if (i == start)
            return -1;
        for (size_t k = i - start; k < 9; k++)
            nsec *= 10;
    }
    if (i >= n)
        return -1;
    long off = 0;
    if (s[i] == 'Z' || s[i] == 'z') {
        i++;
    } else if (s[i] == '+' || s[i] == '-') {
        if (n - i < 6 || s[i + 3] != ':')
            return -1;
        int oh = num(s + i + 1, 2), om = num(s + i + 4, 2);
        if (oh < 0 || oh > 23 || om < 0 || om > 59)
            return -1;
        off = (oh * 3600L + om * 60L) * (s[i] == '-' ? -1 : 1);
        i += 6;
    } else {
        return -1;
    }
    if (i != n)
        return -1;
    struct tm tm = {0};
    tm.tm_year = Y - 1900;
    tm.tm_mon = M - 1;
    tm.tm_mday = D;
    tm.tm_hour = h;
    tm.tm_min = m;
    tm.tm_sec = sec;
    out->tv_sec = timegm(&tm) - off;
    out->tv_nsec = nsec;
    return 0;
}

char *timefmt_format(const struct timespec *t, int digits, char *buf, size_t len)
{
    struct tm tm;
    time_t s = t->tv_sec;
    if (!len)
        return buf;
    if (!gmtime_r(&s, &tm)) {
        buf[0] = '\0';
        return buf;
    }
    long ns = t->tv_nsec < 0 ? 0 : t->tv_nsec > 999999999L ? 999999999L : t->tv_nsec;
    char frac[12] = "";
    if (digits == 3)
        snprintf(frac, sizeof frac, ".%03ld", ns / 1000000);
    else if (digits == 6)
        snprintf(frac, sizeof frac, ".%06ld", ns / 1000);
    else if (digits == 9)
        snprintf(frac, sizeof frac, ".%09ld", ns);
    snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d%sZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
    return buf;
}

char *timefmt_format_s(time_t t, char *buf, size_t len)
{
    struct timespec ts = {t, 0};
    return timefmt_format(&ts, 0, buf, len);
}

char *timefmt_now(int digits, char *buf, size_t len)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return timefmt_format(&ts, digits, buf, len);
}
