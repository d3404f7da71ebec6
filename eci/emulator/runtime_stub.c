/* Placeholder until the process runtime lands: groups exist but run nothing. */
#include "eci/emulator/runtime.h"
#include "util/xmalloc.h"

#include <stdio.h>
#include <string.h>

struct emu_rt { int unused; };

emu_rt *emu_rt_new(const emu_rt_options *opt, char *err, size_t errlen)
{
    (void)opt; (void)err; (void)errlen;
    return xcalloc(1, sizeof(emu_rt));
}
void emu_rt_free(emu_rt *rt) { free(rt); }
int emu_rt_start_group(emu_rt *rt, const emu_rt_group_spec *spec, char *err, size_t errlen)
{ (void)rt; (void)spec; (void)err; (void)errlen; return 0; }
int emu_rt_stop_group(emu_rt *rt, const char *id, int grace) { (void)rt; (void)id; (void)grace; return 0; }
int emu_rt_restart_group(emu_rt *rt, const char *id) { (void)rt; (void)id; return 0; }
int emu_rt_update_group(emu_rt *rt, const emu_rt_group_spec *spec, char *err, size_t errlen)
{ (void)rt; (void)spec; (void)err; (void)errlen; return 0; }
int emu_rt_group_status_get(emu_rt *rt, const char *id, emu_rt_group_status *out)
{ (void)rt; (void)id; memset(out, 0, sizeof *out); out->phase = EMU_GS_RUNNING; return 0; }
void emu_rt_status_free(emu_rt_group_status *st) { free(st->containers); st->containers = NULL; }
int emu_rt_logs(emu_rt *rt, const char *id, const char *c, int prev, const struct timespec *since,
                long tail, long limit, int ts, dynbuf *out)
{ (void)rt; (void)id; (void)c; (void)prev; (void)since; (void)tail; (void)limit; (void)ts; (void)out; return 0; }
char *emu_rt_exec_session(emu_rt *rt, const char *id, const char *c, const char *const *argv, size_t argc,
                          int tty, int in, char *err, size_t errlen)
{ (void)rt; (void)id; (void)c; (void)argv; (void)argc; (void)tty; (void)in; snprintf(err, errlen, "exec not implemented"); return NULL; }
int emu_rt_exec_sync(emu_rt *rt, const char *id, const char *c, const char *const *argv, size_t argc, int t,
                     dynbuf *o, dynbuf *e, int *code, char *err, size_t errlen)
{ (void)rt; (void)id; (void)c; (void)argv; (void)argc; (void)t; (void)o; (void)e; *code = 0; snprintf(err, errlen, "exec not implemented"); return -1; }
int emu_rt_usage_get(emu_rt *rt, const char *id, emu_rt_usage **out, size_t *n)
{ (void)rt; (void)id; *out = NULL; *n = 0; return 0; }
