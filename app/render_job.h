/* A headless rollout: seed frames, then one generated frame per action, each handed to an exporter and/or
 * a callback. Memory stays flat (a ring of the window's frames); Ctrl-C or a failure finalises the clip
 * with the frames so far. Used by render, bench --rollout and eval. */
#ifndef DFV_RENDER_JOB_H
#define DFV_RENDER_JOB_H

#include <stdbool.h>
#include <stdint.h>

#include "frame_scale.h"
#include "session.h"

typedef struct {
    const char *out_path; /* NULL: no clip (benchmarks, eval) */
    int64_t frames;       /* total frames, the seed's context frames included */
    double fps;           /* 0: 10 */
    int scale;            /* 0: 1 */
    dfv_scale_filter filter;
    const char *comment; /* container metadata */
    bool quiet;          /* no progress bar */
    /* The action leading into frame `index` (index ≥ the context length) into out[action_dim]. */
    void (*action)(void *user, int64_t index, float *out);
    /* Optional: every frame as it is made (seed frames first). */
    void (*on_frame)(void *user, int64_t index, const uint8_t *rgb);
    void *user;
} dfv_render_job;

typedef struct {
    int64_t frames_done;   /* frames made, seed included */
    int64_t frames_in_file;
    bool interrupted;      /* stopped by Ctrl-C */
    double seconds;        /* generation wall time */
    int64_t network_calls;
} dfv_render_result;

/* Call first thing, before any thread exists (the Vulkan driver starts some): makes Ctrl-C and SIGTERM
 * stop a render cleanly between frames instead of killing it. Without it a render runs to the end. */
void dfv_render_block_signals(void);

/* Returns 0 when all frames were made and written; -1 on failure or interruption (reported on stderr;
 * the clip, if any, is finalised either way and the result says what it holds). */
int dfv_render_run(dfv_session *s, const uint8_t *seed_rgb, const dfv_render_job *job, dfv_render_result *result);

#endif
