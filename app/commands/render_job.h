/* A headless clip: the rollout's branch from the seed, every frame handed to an exporter as it is made.
 * Memory stays flat (the timeline keeps only the window); Ctrl-C or a failure finalises the clip with the
 * frames so far. Used by `render` and `bench --rollout`. */
#ifndef DFV_RENDER_JOB_H
#define DFV_RENDER_JOB_H

#include <stdbool.h>
#include <stdint.h>

#include "frame_scale.h"
#include "session.h"

typedef struct {
    const char *out_path; /* a clip (see export.h), a .png without a pattern (the last frame only), or NULL */
    int64_t frames;       /* total frames, the seed's context frames included */
    double fps;           /* 0: 10 */
    int scale;            /* 0: 1 */
    dfv_scale_filter filter;
    const char *comment; /* container metadata */
    bool quiet;          /* no progress bar */
    /* The action leading into frame `index` (index ≥ the context length) into out[action_dim]. */
    void (*action)(void *user, int64_t index, float *out);
    void *user;
} dfv_render_job;

typedef struct {
    int64_t frames_done;   /* frames made, seed included */
    int64_t frames_in_file; /* for a single .png: the frames of the rollout it ends */
    bool interrupted;      /* stopped by Ctrl-C */
    double seconds;        /* generation wall time */
    int64_t network_calls;
} dfv_render_result;

/* Returns 0 when all frames were made and written; -1 on failure or interruption (reported on stderr;
 * the clip, if any, is finalised either way and the result says what it holds). The caller blocked the
 * stop signals first (dfv_stop_signals_block) so that Ctrl-C stops between frames. */
int dfv_render_run(dfv_session *s, const uint8_t *seed_rgb, const dfv_render_job *job, dfv_render_result *result);

#endif
