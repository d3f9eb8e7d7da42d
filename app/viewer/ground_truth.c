/* Ground truth beside a model rollout; see ground_truth.h. */
#include "ground_truth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"

struct dfv_ground_truth {
    dfv_world_kind kind;
    uint64_t seed;
    int size, context_frames, action_dim;
    size_t frame_bytes;
    dfv_world *world;
    int synced_id;    /* the timeline frame the world's state equals; -1 for none */
    uint8_t **frames; /* by timeline id; NULL until computed */
    int frame_capacity;
    int *path;
    int path_capacity;
    uint8_t *seed_rgb; /* the world seed's frames, to recognise roots grown from it */
};

dfv_ground_truth *dfv_ground_truth_create(dfv_world_kind kind, uint64_t seed, int size, int context_frames, int action_dim,
                                          char err[DFV_ERR_LEN])
{
    if (action_dim != dfv_world_action_count(kind)) {
        dfv_error_set(err, "ground truth: the model has %d actions, the %s world %d", action_dim,
                      dfv_world_kind_name(kind), dfv_world_action_count(kind));
        return NULL;
    }
    dfv_ground_truth *gt = calloc(1, sizeof *gt);
    char world_err[DFV_ERR_LEN];
    if (!gt) {
        dfv_error_set(err, "ground truth: out of memory");
        return NULL;
    }
    *gt = (dfv_ground_truth){.kind = kind, .seed = seed, .size = size, .context_frames = context_frames < 1 ? 1 : context_frames,
                             .action_dim = action_dim, .frame_bytes = (size_t)size * size * 3, .synced_id = -1};
    gt->seed_rgb = malloc(gt->frame_bytes * (size_t)gt->context_frames);
    if (!gt->seed_rgb || dfv_world_create(kind, seed, size, &gt->world, world_err) != 0 ||
        dfv_world_render_seed(kind, seed, size, gt->context_frames, gt->seed_rgb, world_err) != 0) {
        dfv_error_set(err, "ground truth: %s", gt->seed_rgb ? world_err : "out of memory");
        dfv_ground_truth_destroy(gt);
        return NULL;
    }
    return gt;
}

void dfv_ground_truth_destroy(dfv_ground_truth *gt)
{
    if (!gt) return;
    for (int i = 0; i < gt->frame_capacity; i++) free(gt->frames[i]);
    free(gt->frames);
    free(gt->path);
    free(gt->seed_rgb);
    dfv_world_destroy(gt->world);
    free(gt);
}

static bool grow_path(dfv_ground_truth *gt, int needed)
{
    if (needed <= gt->path_capacity) return true;
    int capacity = gt->path_capacity ? gt->path_capacity : 256;
    while (capacity < needed) capacity *= 2;
    int *grown = realloc(gt->path, (size_t)capacity * sizeof *grown);
    if (!grown) return false;
    gt->path = grown;
    gt->path_capacity = capacity;
    return true;
}

static bool grow_frames(dfv_ground_truth *gt, int needed)
{
    if (needed <= gt->frame_capacity) return true;
    int capacity = gt->frame_capacity ? gt->frame_capacity : 256;
    while (capacity < needed) capacity *= 2;
    uint8_t **grown = realloc(gt->frames, (size_t)capacity * sizeof *grown);
    if (!grown) return false;
    for (int i = gt->frame_capacity; i < capacity; i++) grown[i] = NULL;
    gt->frames = grown;
    gt->frame_capacity = capacity;
    return true;
}

/* Resets the world and plays the seed's agent steps: the state after seed frame `index`. */
static void replay_seed(dfv_ground_truth *gt, int index)
{
    char err[DFV_ERR_LEN];
    gt->synced_id = -1;
    if (dfv_world_reset(gt->world, gt->seed, err) != 0) return;
    dfv_agent agent;
    dfv_agent_init(&agent, gt->kind, gt->seed); /* as dfv_world_render_seed does */
    float action[DFV_MAX_ACTIONS];
    for (int t = 1; t <= index; t++) {
        dfv_agent_act(&agent, gt->world, action);
        dfv_world_step(gt->world, action, NULL);
    }
}

/* Brings the world to the state it has at timeline frame id (whose path is known to start at the seed). */
static bool sync_to(dfv_ground_truth *gt, const dfv_timeline *tl, int id)
{
    const dfv_timeline_frame *frame = dfv_timeline_get(tl, id);
    int n = frame->index + 1;
    if (!grow_path(gt, n)) return false;
    n = dfv_timeline_path(tl, id, gt->path, n);
    int seed_last = n < gt->context_frames ? n - 1 : gt->context_frames - 1;
    replay_seed(gt, seed_last);
    for (int k = gt->context_frames; k < n; k++) dfv_world_step(gt->world, dfv_timeline_get(tl, gt->path[k])->action, NULL);
    gt->synced_id = id;
    return true;
}

/* Whether the root of id's path holds the world seed's first frame. */
static bool grows_from_seed(dfv_ground_truth *gt, const dfv_timeline *tl, int id)
{
    int root = id;
    while (dfv_timeline_get(tl, root)->parent >= 0) root = dfv_timeline_get(tl, root)->parent;
    return !memcmp(dfv_timeline_rgb(tl, root), gt->seed_rgb, gt->frame_bytes);
}

const uint8_t *dfv_ground_truth_frame(dfv_ground_truth *gt, const dfv_timeline *tl, int id)
{
    const dfv_timeline_frame *frame = dfv_timeline_get(tl, id);
    if (!frame || dfv_timeline_width(tl) != gt->size || dfv_timeline_height(tl) != gt->size) return NULL;
    if (!grow_frames(gt, id + 1)) return NULL;
    if (gt->frames[id]) return gt->frames[id];
    if (!grows_from_seed(gt, tl, id)) return NULL;
    uint8_t *rgb = malloc(gt->frame_bytes);
    if (!rgb) return NULL;
    if (frame->index < gt->context_frames) {
        memcpy(rgb, gt->seed_rgb + gt->frame_bytes * (size_t)frame->index, gt->frame_bytes);
    } else {
        /* Stepping on from the parent when the world is there; replaying the path otherwise. */
        if (gt->synced_id != frame->parent || frame->parent < 0) {
            if (!sync_to(gt, tl, frame->parent)) return free(rgb), NULL;
        }
        dfv_world_step(gt->world, frame->action, rgb);
        gt->synced_id = id;
    }
    gt->frames[id] = rgb;
    return rgb;
}
