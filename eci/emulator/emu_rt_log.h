/* One container run's log: stdout and stderr split into timestamped lines in
 * memory, capped (the oldest lines go first). Not thread safe: the runtime
 * guards it with the group's lock. */
#ifndef ECI_EMULATOR_EMU_RT_LOG_H
#define ECI_EMULATOR_EMU_RT_LOG_H

#include <stddef.h>
#include <time.h>

#include "util/dynbuf.h"

typedef struct emu_rt_log emu_rt_log;

/* A log holding at most cap bytes of lines. Free with emu_rt_log_free. */
emu_rt_log *emu_rt_log_new(size_t cap);
void emu_rt_log_free(emu_rt_log *l);
/* Append output read at time now; complete lines are stamped with the time
 * their first byte arrived. A partial line longer than 16 KiB is cut. */
void emu_rt_log_write(emu_rt_log *l, const void *data, size_t n, const struct timespec *now);
/* End of output: a pending partial line becomes a line. */
void emu_rt_log_flush(emu_rt_log *l);
/* Append the log to out with the semantics of emu_rt_logs (since, tail,
 * limit_bytes, timestamps). A pending partial line is included. */
void emu_rt_log_read(const emu_rt_log *l, const struct timespec *since, long tail, long limit_bytes,
                     int timestamps, dynbuf *out);

#endif
