/* What every long headless command shares: Ctrl-C as a request to stop between frames, a wall clock, and a
 * progress line on stderr. `render`, `bench --rollout` and `eval` all use it, so they stop, time and report
 * the same way. */
#ifndef DFV_PROGRESS_H
#define DFV_PROGRESS_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

/* Call first thing, before any thread exists (the Vulkan driver starts some): blocks SIGINT and SIGTERM so
 * every thread inherits the mask and the signal waits to be polled between frames. A Ctrl-C then never
 * interrupts a write half-way and no global flag is needed. `old` (may be NULL) receives the previous mask. */
void dfv_stop_signals_block(sigset_t *old);
void dfv_stop_signals_restore(const sigset_t *old);
/* Whether Ctrl-C or SIGTERM arrived since the last call (consumes it). */
bool dfv_stop_requested(void);

double dfv_seconds_now(void); /* monotonic */

typedef struct {
    const char *command; /* "render", "eval": the line's prefix */
    int64_t total;       /* generated frames expected */
    bool quiet;
    double started, last_print;
} dfv_progress;

void dfv_progress_begin(dfv_progress *p, const char *command, int64_t total, bool quiet);
/* Restarts the clock: rates count generated frames only, so the seed's cost nothing. */
void dfv_progress_restart(dfv_progress *p);
double dfv_progress_seconds(const dfv_progress *p);
/* `done` generated frames so far; `stage` (may be NULL) says where, e.g. "episode 2/16". At most four
 * lines a second except the last. */
void dfv_progress_report(dfv_progress *p, int64_t done, const char *stage);
/* Ends the line (when anything was printed). */
void dfv_progress_end(dfv_progress *p);

#endif
