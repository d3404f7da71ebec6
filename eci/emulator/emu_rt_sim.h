/* The simulated runtime behind emu_rt when emu_rt_options.simulated is set:
 * no process, no thread, no file. Each container's command is read as a
 * small script (echo, sleep, exit, true, false; anything else runs until
 * stopped) and the group's state machine (init containers in order, restart
 * policies with back-off, events) advances on its timers whenever the group
 * is looked at. Logs are the script's echo lines at their times; usage is a
 * deterministic figure per container. Internal to the runtime (runtime.c
 * forwards to it); the semantics of each call are those of runtime.h. */
#ifndef ECI_EMULATOR_EMU_RT_SIM_H
#define ECI_EMULATOR_EMU_RT_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "eci/emulator/runtime.h"

typedef struct emu_rt_sim emu_rt_sim;

/* Free with emu_rt_sim_free (forgets every group). on_event is called with
 * the simulator's lock held; it must not call back into the runtime. */
emu_rt_sim *emu_rt_sim_new(emu_rt_event_fn on_event, void *ud);
void emu_rt_sim_free(emu_rt_sim *s);

int emu_rt_sim_start(emu_rt_sim *s, const emu_rt_group_spec *spec, char *err, size_t errlen);
/* A container whose script ignores SIGTERM (trap '' TERM) runs on until the
 * grace period ends (then exit 137, SIGKILL): the call sleeps until then,
 * without the lock, while status reads show the others terminated. */
int emu_rt_sim_stop(emu_rt_sim *s, const char *id, int grace_seconds);
int emu_rt_sim_restart(emu_rt_sim *s, const char *id);
int emu_rt_sim_update(emu_rt_sim *s, const emu_rt_group_spec *spec, char *err, size_t errlen);
/* 1 with *out filled when the group changed since gen (0: always), 0 when
 * it did not, -1 for an unknown group. */
int emu_rt_sim_status(emu_rt_sim *s, const char *id, uint64_t gen, emu_rt_group_status *out);
int emu_rt_sim_logs(emu_rt_sim *s, const char *id, const char *container, int previous,
                    const struct timespec *since, long tail, long limit_bytes, int timestamps, dynbuf *out);
int emu_rt_sim_exec_sync(emu_rt_sim *s, const char *id, const char *container, const char *const *argv,
                         size_t argc, dynbuf *out_stdout, int *exit_code, char *err, size_t errlen);
/* Checks the container and fills err: sessions need processes. Always -1. */
int emu_rt_sim_exec_session(emu_rt_sim *s, const char *id, const char *container, char *err, size_t errlen);
int emu_rt_sim_usage(emu_rt_sim *s, const char *id, emu_rt_usage **out, size_t *n);
/* Number of groups. */
size_t emu_rt_sim_count(emu_rt_sim *s);

#endif
