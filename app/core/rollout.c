#include "rollout.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Per-frame model states (dfv_session_state_floats: an Oasis frame's latent), keyed by timeline frame id.
 * They belong to one timeline; a rollout handed another starts afresh. Entries whose frames the timeline
 * released (dfv_timeline_keep_last) are freed as the rollout moves on, so long renders stay flat. */
typedef struct {
    const dfv_timeline *tl;
    float **by_id;
    int capacity, released; /* ids below `released` were freed */
} state_store;

struct dfv_rollout {
    dfv_session *session;
    size_t frame_bytes, state_floats;
    int action_dim, capacity; /* the buffers hold `capacity` frames of context plus the new one */
    uint8_t *context;         /* capacity + 1 RGB24 frames */
    float *states;            /* capacity + 1 states */
    float *actions;           /* capacity + 1 action rows */
    state_store store;
};

static void store_clear(state_store *st)
{
    for (int i = st->released; i < st->capacity; i++) free(st->by_id[i]);
    free(st->by_id);
    memset(st, 0, sizeof *st);
}

/* The state slot for frame `id` of `tl` (allocated on first use), or NULL when out of memory. */
static float *store_slot(dfv_rollout *r, const dfv_timeline *tl, int id)
{
    state_store *st = &r->store;
    if (st->tl != tl) store_clear(st), st->tl = tl;
    if (id >= st->capacity) {
        int cap = id + 1 > 2 * st->capacity ? id + 1 : 2 * st->capacity;
        float **grown = realloc(st->by_id, sizeof *grown * (size_t)cap);
        if (!grown) return NULL;
        memset(grown + st->capacity, 0, sizeof *grown * (size_t)(cap - st->capacity));
        st->by_id = grown, st->capacity = cap;
    }
    if (!st->by_id[id]) st->by_id[id] = malloc(sizeof(float) * r->state_floats);
    return st->by_id[id];
}

/* A frame's state, NULL when the timeline has no such frame or it was released. */
static const float *store_get(const dfv_rollout *r, const dfv_timeline *tl, int id)
{
    const state_store *st = &r->store;
    return st->tl == tl && id >= st->released && id < st->capacity ? st->by_id[id] : NULL;
}

/* Frees the states of frames the timeline released. */
static void store_release(state_store *st, const dfv_timeline *tl)
{
    while (st->released < st->capacity && st->released < dfv_timeline_count(tl) && !dfv_timeline_get(tl, st->released)) {
        free(st->by_id[st->released]);
        st->by_id[st->released++] = NULL;
    }
}

int dfv_rollout_states_held(const dfv_rollout *r)
{
    int held = 0;
    for (int i = r->store.released; i < r->store.capacity; i++) held += r->store.by_id[i] != NULL;
    return held;
}

dfv_rollout *dfv_rollout_create(dfv_session *session)
{
    dfv_rollout *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    *r = (dfv_rollout){.session = session, .frame_bytes = dfv_session_frame_bytes(session),
                       .state_floats = dfv_session_state_floats(session),
                       .action_dim = dfv_session_config(session)->actions.dim};
    return r;
}

void dfv_rollout_destroy(dfv_rollout *r)
{
    if (!r) return;
    store_clear(&r->store);
    free(r->context), free(r->states), free(r->actions);
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
    float *states = realloc(r->states, sizeof(float) * (r->state_floats ? r->state_floats : 1) * (size_t)(frames + 1));
    if (states) r->states = states;
    if (!context || !actions || !states) return false;
    r->capacity = frames;
    return true;
}

/* The seed frames' states from the session's encoder, kept under their ids. A timeline's first frame (id
 * 0) starts the store afresh, even for a timeline at the address of one destroyed before. */
static int seed_states(dfv_rollout *r, dfv_timeline *tl, const uint8_t *rgb, const int *ids, int frames,
                       char err[DFV_ERR_LEN])
{
    if (!r->state_floats) return 0;
    if (!reserve(r, frames)) return dfv_error_set(err, "out of memory"), -1;
    if (dfv_session_encode_seed(r->session, rgb, frames, r->states, err)) return -1;
    if (ids[0] == 0) store_clear(&r->store);
    for (int i = 0; i < frames; i++) {
        float *slot = store_slot(r, tl, ids[i]);
        if (!slot) return dfv_error_set(err, "out of memory"), -1;
        memcpy(slot, r->states + r->state_floats * (size_t)i, sizeof(float) * r->state_floats);
    }
    return 0;
}

int dfv_rollout_seed(dfv_rollout *r, dfv_timeline *tl, const uint8_t *rgb, const float *actions, char err[DFV_ERR_LEN])
{
    int frames = dfv_session_context_frames(r->session), A = r->action_dim, id = -1, ids[DFV_MAX_WINDOW];
    float idle[DFV_MAX_ACTIONS];
    dfv_session_idle_action(r->session, idle);
    for (int i = 0; i < frames; i++) {
        id = ids[i] = dfv_timeline_append(tl, id, rgb + r->frame_bytes * (size_t)i,
                                          actions ? actions + (size_t)i * A : idle, NULL, 0);
        if (id < 0) return dfv_error_set(err, "out of memory for the timeline"), -1;
    }
    return seed_states(r, tl, rgb, ids, frames, err) ? -1 : id;
}

/* The context's RGB24 frames, states and actions into the rollout's buffers. */
static int gather(dfv_rollout *r, const dfv_timeline *tl, const int *ids, int n, char err[DFV_ERR_LEN])
{
    int A = r->action_dim;
    for (int i = 0; i < n; i++) {
        memcpy(r->context + r->frame_bytes * (size_t)i, dfv_timeline_rgb(tl, ids[i]), r->frame_bytes);
        if (A) memcpy(r->actions + (size_t)i * A, dfv_timeline_get(tl, ids[i])->action, sizeof(float) * (size_t)A);
        if (!r->state_floats) continue;
        const float *state = store_get(r, tl, ids[i]);
        if (!state) return dfv_error_set(err, "frame %d has no model state (not made by this rollout)", ids[i]), -1;
        memcpy(r->states + r->state_floats * (size_t)i, state, sizeof(float) * r->state_floats);
    }
    return 0;
}

int dfv_rollout_step(dfv_rollout *r, dfv_timeline *tl, int parent, const float *action, char err[DFV_ERR_LEN])
{
    int window = dfv_session_settings(r->session)->window, A = r->action_dim;
    int keep = window > 1 ? window - 1 : 1;
    int ids[DFV_MAX_WINDOW];
    if (!reserve(r, keep)) return dfv_error_set(err, "out of memory"), -1;
    int n = dfv_timeline_path(tl, parent, ids, keep);
    if (n < 1) return dfv_error_set(err, "frame %d is not in the timeline", parent), -1;
    if (gather(r, tl, ids, n, err)) return -1;
    if (A) {
        float *row = r->actions + (size_t)n * A;
        if (action) memcpy(row, action, sizeof(float) * (size_t)A);
        else memset(row, 0, sizeof(float) * (size_t)A);
    }
    uint8_t *out = r->context + r->frame_bytes * (size_t)n;
    float *out_state = r->state_floats ? r->states + r->state_floats * (size_t)n : NULL;
    double started = dfv_seconds_now();
    if (dfv_session_next(r->session, r->context, r->state_floats ? r->states : NULL, n,
                         dfv_timeline_get(tl, ids[0])->index, r->actions, out, out_state, err))
        return -1;
    int id = dfv_timeline_append(tl, parent, out, A ? r->actions + (size_t)n * A : NULL, NULL,
                                 (dfv_seconds_now() - started) * 1e3);
    if (id < 0) return dfv_error_set(err, "out of memory for the timeline"), -1;
    if (out_state) {
        float *slot = store_slot(r, tl, id);
        if (!slot) return dfv_error_set(err, "out of memory"), -1;
        memcpy(slot, out_state, sizeof(float) * r->state_floats);
        store_release(&r->store, tl);
    }
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
                           char err[DFV_ERR_LEN])
{
    memset(res, 0, sizeof *res);
    err[0] = 0;
    int head = dfv_rollout_seed(r, tl, job->seed_rgb, job->seed_actions, err);
    if (head < 0) return -1;
    int rc = emit_seed(r, tl, job, head, res);
    int64_t context = res->frames_done;
    float action[DFV_MAX_ACTIONS] = {0};
    for (int64_t k = 0; k < job->frames && !rc; k++) {
        if (dfv_stop_requested()) {
            res->interrupted = true;
            return 1;
        }
        if (r->action_dim) job->action(job->user, context + k, action);
        head = dfv_rollout_step(r, tl, head, r->action_dim ? action : NULL, err);
        if (head < 0) return -1;
        res->network_calls += dfv_session_calls_last(r->session);
        if (job->on_frame && job->on_frame(job->user, context + k, dfv_timeline_rgb(tl, head))) return -1;
        res->frames_done++;
        if (job->progress) dfv_progress_report(job->progress, job->progress_base + k + 1, job->stage);
    }
    return rc;
}

/* ---- as the viewer's frame source ------------------------------------------------------------------ */

static int source_seed(void *user, dfv_timeline *tl, char err[DFV_ERR_LEN])
{
    dfv_rollout *r = user;
    uint8_t *rgb = malloc(r->frame_bytes * (size_t)dfv_session_context_frames(r->session));
    int id = -1;
    if (!rgb) dfv_error_set(err, "out of memory");
    else if (!dfv_session_load_seed(r->session, NULL, rgb, err))
        id = dfv_rollout_seed(r, tl, rgb, NULL, err);
    free(rgb);
    return id;
}

static int source_step(void *user, dfv_timeline *tl, int parent, const float *action, char err[DFV_ERR_LEN])
{
    return dfv_rollout_step(user, tl, parent, action, err);
}

static int source_calls(void *user) { return dfv_session_calls_last(((dfv_rollout *)user)->session); }

dfv_frame_source dfv_rollout_source(dfv_rollout *r)
{
    dfv_session *s = r->session;
    return (dfv_frame_source){
        .user = r, .name = dfv_session_config(s)->name, .device_name = dfv_session_device_name(s),
        .width = dfv_session_width(s), .height = dfv_session_height(s), .action_dim = r->action_dim,
        .action_names = dfv_session_action_names(s), .action_kind = dfv_session_config(s)->actions.kind,
        .seed = source_seed,
        .step = source_step, .calls_per_frame = source_calls, .destroy = NULL};
}
