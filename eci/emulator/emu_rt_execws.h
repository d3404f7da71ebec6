/* The emulator's exec WebSocket server: one libwebsockets service thread on
 * the runtime's exec_listen address serving ws://HOST:PORT/exec/<token>. Each
 * token (made by emu_rt_exec_session) serves one connection within 60 s; the
 * command runs in the container's context (a pty with TTY, else pipes) and
 * its streams use the channel framing of util/k8schan.h. Internal to the
 * runtime. */
#ifndef ECI_EMULATOR_EMU_RT_EXECWS_H
#define ECI_EMULATOR_EMU_RT_EXECWS_H

#include <stddef.h>

#include "eci/emulator/emu_rt_spawn.h"
#include "eci/emulator/runtime.h"

typedef struct emu_rt_execws emu_rt_execws;

/* Build the context to run a command in a container of a group (defined in
 * runtime.c). Returns a context the caller frees, or NULL with err. */
emu_rt_ctx *emu_rt_exec_context(emu_rt *rt, const char *id, const char *container, int tty,
                                char *err, size_t errlen);

/* Start the server thread listening on listen ("HOST:PORT", port 0 picks a
 * free one). NULL with err. Free with emu_rt_execws_free (closes every
 * session and kills its process). */
emu_rt_execws *emu_rt_execws_new(emu_rt *rt, const char *listen, char *err, size_t errlen);
void emu_rt_execws_free(emu_rt_execws *ws);
/* "HOST:PORT" actually listened on (borrowed). */
const char *emu_rt_execws_address(const emu_rt_execws *ws);
/* Register a session; returns the URI the caller frees. argv is copied. */
char *emu_rt_execws_add(emu_rt_execws *ws, const char *id, const char *container,
                        const char *const *argv, size_t argc, int tty, int stdin_open);

#endif
