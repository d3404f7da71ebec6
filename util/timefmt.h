/* RFC 3339 times: the one parser and the one formatter of the tree.
 *
 * Parsing is strict RFC 3339 "date-time": YYYY-MM-DD, 'T' (or 't' or a
 * space, which RFC 3339 section 5.6 allows and ECI sends), hh:mm:ss, an
 * optional fraction of any length (digits past nanoseconds are dropped), and
 * 'Z', 'z' or a +hh:mm / -hh:mm offset. Every field is range-checked (the day
 * against its month, leap years included; second 60 is a leap second).
 * Nothing may precede or follow. This is the union of what Kubernetes
 * (metav1.Time, MicroTime, sinceTime, log timestamps) and ECI (times with
 * offsets, milliseconds or nanoseconds) send. */
#ifndef UTIL_TIMEFMT_H
#define UTIL_TIMEFMT_H

#include <stddef.h>
#include <time.h>

/* Room for any output of this module: "2026-01-02T03:04:05.123456789Z". */
#define TIMEFMT_LEN 40

/* Parse s[0..n) into *out (UTC). Returns 0, or -1 when it is not such a time. */
int timefmt_parse(const char *s, size_t n, struct timespec *out);

/* t as UTC "YYYY-MM-DDThh:mm:ss" with `digits` fraction digits (0, 3, 6 or
 * 9; fractions are truncated, never rounded up) and "Z". Returns buf. */
char *timefmt_format(const struct timespec *t, int digits, char *buf, size_t len);
/* Whole seconds: "2026-01-02T03:04:05Z" (metav1.Time). Returns buf. */
char *timefmt_format_s(time_t t, char *buf, size_t len);
/* The wall clock now, as timefmt_format. Returns buf. */
char *timefmt_now(int digits, char *buf, size_t len);

#endif
