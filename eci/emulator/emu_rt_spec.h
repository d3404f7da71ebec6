/* Internal to the emulator's runtime (runtime.c, emu_rt_sim.c): the deep
 * copy of a group spec, its checks, container states, and the kubelet's
 * checks before it creates a container. */
#ifndef ECI_EMULATOR_EMU_RT_SPEC_H
#define ECI_EMULATOR_EMU_RT_SPEC_H

#include <stddef.h>

#include "eci/emulator/runtime.h"

/* Everything a spec copy allocated; embedded by its owner, zeroed to start. */
typedef struct emu_rt_arena {
    void **p;
    size_t n, alloc;
    kv_list **kv;
    size_t nkv;
} emu_rt_arena;

/* A deep copy of s whose memory belongs to a (freed with emu_rt_arena_free,
 * which leaves a zeroed arena). */
emu_rt_group_spec *emu_rt_spec_copy(emu_rt_arena *a, const emu_rt_group_spec *s);
void emu_rt_arena_free(emu_rt_arena *a);
/* Id, restart policy and absolute mount paths. 0, or -1 with err. */
int emu_rt_spec_check(const emu_rt_group_spec *s, char *err, size_t errlen);
/* Reset *s to kind with reason and message (NULL: ""). */
void emu_rt_set_state(emu_rt_state *s, emu_rt_state_kind k, const char *reason, const char *msg);
/* The kubelet's verifyRunAsNonRoot, the image user being this process's:
 * 0, or -1 with the kubelet's message (CreateContainerConfigError). */
int emu_rt_config_check(const char *group_id, const emu_rt_container *cs, char *msg, size_t len);

/* ECI's container env conventions (as ACK documents them):
 * ECI_CONTAINER_TYPE=sidecar marks a sidecar, stopped once every other
 * container of the group has finished for good, its exit code then not
 * counting; ECI_CONTAINER_IGNORE_EXIT_CODE=true keeps a container's exit code
 * out of the group's phase. */
int emu_rt_is_sidecar(const emu_rt_container *cs);
int emu_rt_ignores_exit(const emu_rt_container *cs);

#endif
