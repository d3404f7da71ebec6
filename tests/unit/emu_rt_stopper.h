/* emu_rt_stop_group on a thread of its own, for tests that look at a group
 * while its stop runs (both runtimes). */
#ifndef TESTS_UNIT_EMU_RT_STOPPER_H
#define TESTS_UNIT_EMU_RT_STOPPER_H

#include <pthread.h>

#include "eci/emulator/runtime.h"

typedef struct emu_rt_stopper {
    emu_rt *rt;
    const char *id;
    int grace, rc;
    pthread_t thread;
} emu_rt_stopper;

static inline void *emu_rt_stopper_main(void *arg)
{
    emu_rt_stopper *a = arg;
    a->rc = emu_rt_stop_group(a->rt, a->id, a->grace);
    return NULL;
}

/* Start stopping id with grace seconds; 0, or -1 when no thread could start. */
static inline int emu_rt_stopper_start(emu_rt_stopper *a, emu_rt *rt, const char *id, int grace)
{
    a->rt = rt;
    a->id = id;
    a->grace = grace;
    a->rc = -9;
    return pthread_create(&a->thread, NULL, emu_rt_stopper_main, a) == 0 ? 0 : -1;
}

/* Wait for the stop; emu_rt_stop_group's answer. */
static inline int emu_rt_stopper_join(emu_rt_stopper *a)
{
    pthread_join(a->thread, NULL);
    return a->rc;
}

#endif
