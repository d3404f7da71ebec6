/* The threads a unit test owns, for "nothing left behind" checks. */
#ifndef TESTS_UNIT_THREADS_H
#define TESTS_UNIT_THREADS_H

#include "util/procstat.h"

/* ThreadSanitizer runs a background thread of its own once the process has
 * made a thread; it is not the test's. */
#if defined(__SANITIZE_THREAD__)
#define UNIT_RUNTIME_THREADS 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define UNIT_RUNTIME_THREADS 1
#endif
#endif
#ifndef UNIT_RUNTIME_THREADS
#define UNIT_RUNTIME_THREADS 0
#endif

/* Threads of this process (call it after a thread was made), the sanitizer's
 * own excluded; -1 when /proc is unreadable. */
static inline int unit_threads(void)
{
    procstat st;
    if (procstat_read(&st) != 0)
        return -1;
    return (int)st.threads - UNIT_RUNTIME_THREADS;
}

#endif
