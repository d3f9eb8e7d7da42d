/* The one autoregressive loop. A rollout owns the model's context window over a timeline: the frame after
 * any frame is made from that frame's own path (its last window-1 frames and their actions), so the same
 * object serves a straight render, an eval episode and the viewer's rewinding and branching.
 *
 * `play` steps it from the generation thread (as a frame source), `render`, `bench --rollout` and `eval`
 * run a branch to its end with dfv_rollout_run_branch; exporting and scoring consume the frames it hands
 * out. */
#ifndef DFV_ROLLOUT_H
#define DFV_ROLLOUT_H

#include <stdbool.h>
#include <stdint.h>

#include "frame_source.h"
#include "progress.h"
#include "session.h"
#include "timeline.h"

typedef struct dfv_rollout dfv_rollout;

/* NULL when out of memory. The session must outlive the rollout. */
dfv_rollout *dfv_rollout_create(dfv_session *session);
void dfv_rollout_destroy(dfv_rollout *r);
dfv_session *dfv_rollout_session(const dfv_rollout *r);

/* Appends the session's context frames (RGB24, oldest first) as a new root; `actions` holds one row per
 * frame (NULL: the model's idle action). A model that keeps per-frame state (an Oasis latent) gets the
 * seed frames' from its encoder; the rollout keeps every frame's state beside the timeline, under the
 * frame's id, and frees those the timeline releases (dfv_timeline_keep_last). Returns the newest seed
 * frame's id, or -1 with the reason in err. */
int dfv_rollout_seed(dfv_rollout *r, dfv_timeline *tl, const uint8_t *rgb, const float *actions, char err[DFV_ERR_LEN]);
/* Makes the frame after `parent` under `action` (action_dim floats; NULL: zeros) and appends it. Returns its
 * id, or -1 with the reason in err. */
int dfv_rollout_step(dfv_rollout *r, dfv_timeline *tl, int parent, const float *action, char err[DFV_ERR_LEN]);

/* A headless branch: the seed, then `frames` generated frames, each handed to on_frame as it is made. */
typedef struct {
    const uint8_t *seed_rgb;   /* the session's context frames */
    const float *seed_actions; /* a row per seed frame; NULL: idle */
    int64_t frames;            /* generated frames after the seed */
    /* The action leading into frame `index` (index ≥ the context length) into out[action_dim]. */
    void (*action)(void *user, int64_t index, float *out);
    /* Every frame, seed frames first; non-zero stops the branch (the consumer reported why). */
    int (*on_frame)(void *user, int64_t index, const uint8_t *rgb);
    void *user;
    dfv_progress *progress; /* NULL: none */
    const char *stage;      /* shown with the progress, e.g. "episode 2/16" */
    int64_t progress_base;  /* generated frames done before this branch (several episodes on one line) */
} dfv_branch_job;

typedef struct {
    int64_t frames_done; /* frames handed to on_frame, seed included */
    int64_t network_calls;
    bool interrupted; /* Ctrl-C or SIGTERM (dfv_stop_signals_block) */
} dfv_branch_result;

/* Returns 0 when every frame was made, 1 when stopped by a signal, -1 on failure (a model failure is
 * in err; a consumer's failure was reported by the consumer and err is empty). */
int dfv_rollout_run_branch(dfv_rollout *r, dfv_timeline *tl, const dfv_branch_job *job, dfv_branch_result *result,
                           char err[DFV_ERR_LEN]);

/* How many frames' model states the rollout holds (0 for a model that keeps none): with a timeline that
 * keeps only the last frames, it stays bounded however long the branch. */
int dfv_rollout_states_held(const dfv_rollout *r);

/* The rollout as the viewer's frame source over the viewer's timeline: seeded from the session's seed. */
dfv_frame_source dfv_rollout_source(dfv_rollout *r);

#endif
