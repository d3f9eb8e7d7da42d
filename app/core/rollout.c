#include "rollout.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct dfv_rollout {
    dfv_session *session;
    size_t frame_bytes;
    int action_dim, capacity; /* the buffers hold `capacity` frames of context plus the new one */
    uint8_t *context;         /* capacity + 1 RGB24 frames */
    float *actions;           /* capacity + 1 action rows */
};

dfv_rollout *dfv_rollout_create(dfv_session *session)
{
    dfv_rollout *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    int res = dfv_session_resolution(session);
    *r = (dfv_rollout){.session = session, .frame_bytes = (size_t)res * res * 3,
                       .action_dim = dfv_session_config(session)->actions.dim};
    return r;
}

void dfv_rollout_destroy(dfv_rollout *r)
{
    if (!r) return;
    free(r->context), free(r->actions);
    free(r);
}

dfv_session *dfv_rollout_session(const dfv_rollout *r) { return r->session; }

/* The window can grow while the viewer runs (a knob), so the buffers follow it. */
static bool reserve(dfv_rollout *r, int frames)
{
    if (frames <= r->capacity) return true;
    uint8_t *context = realloc(r->context, r->frame_bytes * (size_t)(frames + 1));
    if (context) r->context = context;
    float *actions = realloc(r->actions, sizeof(float) * (size_t)(frames + 1) * (r->action_dim ? r->action_dim : 1));
    if (actions) r->actions = actions;
    if (!context || !actions) return false;
    r->capacity = frames;
    return true;
}

int dfv_rollout_seed(dfv_rollout *r, dfv_timeline *tl, const uint8_t *rgb, const float *actions)
{
    int frames = dfv_session_context_frames(r->session), A = r->action_dim, id = -1;
    float idle[DFV_MAX_ACTIONS];
    dfv_session_idle_action(r->session, idle);
    for (int i = 0; i < frames; i++) {
        id = dfv_timeline_append(tl, id, rgb + r->frame_bytes * (size_t)i,
                                 actions ? actions + (size_t)i * A : idle, NULL, 0);
        if (id < 0) return -1;
    }
    return id;
}

int dfv_rollout_step(dfv_rollout *r, dfv_timeline *tl, int parent, const float *action, char *err, int err_len)
{
    int window = dfv_session_settings(r->session)->window, A = r->action_dim;
    int keep = window > 1 ? window - 1 : 1;
    int ids[DFV_MAX_WINDOW];
    if (!reserve(r, keep)) return snprintf(err, (size_t)err_len, "out of memory"), -1;
    int n = dfv_timeline_path(tl, parent, ids, keep);
    if (n < 1) return snprintf(err, (size_t)err_len, "frame %d is not in the timeline", parent), -1;
    for (int i = 0; i < n; i++) {
        memcpy(r->context + r->frame_bytes * (size_t)i, dfv_timeline_rgb(tl, ids[i]), r->frame_bytes);
        if (A) memcpy(r->actions + (size_t)i * A, dfv_timeline_get(tl, ids[i])->action, sizeof(float) * (size_t)A);
    }
    if (A) {
        float *row = r->actions + (size_t)n * A;
        if (action) memcpy(row, action, sizeof(float) * (size_t)A);
        else memset(row, 0, sizeof(float) * (size_t)A);
    }
    uint8_t *out = r->context + r->frame_bytes * (size_t)n;
    double started = dfv_seconds_now();
    if (dfv_session_next(r->session, r->context, n, dfv_timeline_get(tl, ids[0])->index, r->actions, out, err,
                         err_len))
        return -1;
    int id = dfv_timeline_append(tl, parent, out, A ? r->actions + (size_t)n * A : NULL, NULL,
                                 (dfv_seconds_now() - started) * 1e3);
    if (id < 0) snprintf(err, (size_t)err_len, "out of memory for the timeline");
    return id;
}

/* ---- a headless branch ----------------------------------------------------------------------------- */

static int emit_seed(dfv_rollout *r, const dfv_timeline *tl, const dfv_branch_job *job, int head,
                     dfv_branch_result *res)
{
    int ids[DFV_MAX_WINDOW];
    int n = dfv_timeline_path(tl, head, ids, dfv_session_context_frames(r->session));
    for (int i = 0; i < n; i++) {
        if (dfv_stop_requested()) return res->interrupted = true, 1;
        if (job->on_frame && job->on_frame(job->user, i, dfv_timeline_rgb(tl, ids[i]))) return -1;
        res->frames_done = i + 1;
    }
    return 0;
}

int dfv_rollout_run_branch(dfv_rollout *r, dfv_timeline *tl, const dfv_branch_job *job, dfv_branch_result *res,
                           char *err, int err_len)
{
    memset(res, 0, sizeof *res);
    err[0] = 0;
    int head = dfv_rollout_seed(r, tl, job->seed_rgb, job->seed_actions);
    if (head < 0) return snprintf(err, (size_t)err_len, "out of memory for the timeline"), -1;
    int rc = emit_seed(r, tl, job, head, res);
    int64_t context = res->frames_done;
    float action[DFV_MAX_ACTIONS] = {0};
    for (int64_t k = 0; k < job->frames && !rc; k++) {
        if (dfv_stop_requested()) {
            res->interrupted = true;
            return 1;
        }
        if (r->action_dim) job->action(job->user, context + k, action);
        head = dfv_rollout_step(r, tl, head, r->action_dim ? action : NULL, err, err_len);
        if (head < 0) return -1;
        res->network_calls += dfv_session_calls_last(r->session);
        if (job->on_frame && job->on_frame(job->user, context + k, dfv_timeline_rgb(tl, head))) return -1;
        res->frames_done++;
        if (job->progress) dfv_progress_report(job->progress, job->progress_base + k + 1, job->stage);
    }
    return rc;
}

/* ---- as the viewer's frame source ------------------------------------------------------------------ */

static int source_seed(void *user, dfv_timeline *tl, char *err, int err_len)
{
    dfv_rollout *r = user;
    uint8_t *rgb = malloc(r->frame_bytes * (size_t)dfv_session_context_frames(r->session));
    int id = -1;
    if (!rgb) snprintf(err, (size_t)err_len, "out of memory");
    else if (!dfv_session_load_seed(r->session, NULL, rgb, err, err_len)) {
        id = dfv_rollout_seed(r, tl, rgb, NULL);
        if (id < 0) snprintf(err, (size_t)err_len, "out of memory for the timeline");
    }
    free(rgb);
    return id;
}

static int source_step(void *user, dfv_timeline *tl, int parent, const float *action, char *err, int err_len)
{
    return dfv_rollout_step(user, tl, parent, action, err, err_len);
}

static int source_calls(void *user) { return dfv_session_calls_last(((dfv_rollout *)user)->session); }

dfv_frame_source dfv_rollout_source(dfv_rollout *r)
{
    dfv_session *s = r->session;
    int res = dfv_session_resolution(s);
    return (dfv_frame_source){
        .user = r, .name = dfv_session_config(s)->name, .device_name = dfv_session_device_name(s), .width = res,
        .height = res, .action_dim = r->action_dim, .action_names = dfv_session_action_names(s),
        .action_kind = dfv_session_config(s)->actions.kind, .seed = source_seed,
        .step = source_step, .calls_per_frame = source_calls, .destroy = NULL};
}
