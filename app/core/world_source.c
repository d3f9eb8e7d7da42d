/* A frame source over the world simulators; see world_source.h. */
#include "world_source.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Timeline state layout: a tag (so poses are never read from another source's bytes), then the pose. */
static const uint8_t state_tag[4] = {'W', 'P', 'O', 'S'};

typedef struct {
    dfv_frame_source source;
    dfv_world_source_desc desc;
    dfv_world *world;
    int synced_id; /* the timeline frame the world's state currently equals; -1 for none */
    uint8_t *rgb;
    int *path; /* replay scratch */
    int path_capacity;
    char name[64];
} world_source;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void pose_to_state(dfv_world_pose pose, uint8_t state[DFV_TIMELINE_STATE_BYTES])
{
    memset(state, 0, DFV_TIMELINE_STATE_BYTES);
    memcpy(state, state_tag, sizeof state_tag);
    memcpy(state + sizeof state_tag, &pose, sizeof pose);
}

bool dfv_world_source_pose(const dfv_timeline_frame *frame, dfv_world_pose *pose)
{
    if (!frame || memcmp(frame->state, state_tag, sizeof state_tag) != 0) return false;
    memcpy(pose, frame->state + sizeof state_tag, sizeof *pose);
    return true;
}

static bool same_pose(dfv_world_pose a, dfv_world_pose b)
{
    return a.x == b.x && a.y == b.y && a.z == b.z && a.yaw == b.yaw && a.pitch == b.pitch;
}

static int world_seed(void *user, dfv_timeline *tl, char err[DFV_ERR_LEN])
{
    world_source *ws = user;
    if (dfv_world_reset(ws->world, ws->desc.seed, err) != 0) return -1;
    double start = now_ms();
    dfv_world_render(ws->world, ws->rgb);
    uint8_t state[DFV_TIMELINE_STATE_BYTES];
    pose_to_state(dfv_world_get_pose(ws->world), state);
    float no_action[DFV_MAX_ACTIONS] = {0};
    int id = dfv_timeline_append(tl, -1, ws->rgb, no_action, state, now_ms() - start);
    ws->synced_id = id;
    if (id < 0) dfv_error_set(err, "out of memory for the timeline");
    return id;
}

/* Brings the world to the state it had when it showed `id`: reset, then re-apply the path's actions. */
static int restore(world_source *ws, const dfv_timeline *tl, int id, char err[DFV_ERR_LEN])
{
    const dfv_timeline_frame *target = dfv_timeline_get(tl, id);
    if (!target) {
        dfv_error_set(err, "world source: frame %d is not in the timeline", id);
        return -1;
    }
    int length = target->index + 1;
    if (length > ws->path_capacity) {
        int *grown = realloc(ws->path, (size_t)length * sizeof *grown);
        if (!grown) {
            dfv_error_set(err, "world source: out of memory replaying %d frames", length);
            return -1;
        }
        ws->path = grown;
        ws->path_capacity = length;
    }
    char world_err[DFV_ERR_LEN];
    ws->synced_id = -1;
    if (dfv_world_reset(ws->world, ws->desc.seed, world_err) != 0) {
        dfv_error_set(err, "world source: %s", world_err);
        return -1;
    }
    int n = dfv_timeline_path(tl, id, ws->path, length);
    for (int k = 1; k < n; k++) dfv_world_step(ws->world, dfv_timeline_get(tl, ws->path[k])->action, NULL);
    dfv_world_pose expected;
    if (dfv_world_source_pose(target, &expected) && !same_pose(expected, dfv_world_get_pose(ws->world))) {
        dfv_error_set(err, "world source: replaying to frame %d did not reach its recorded pose", id);
        return -1;
    }
    ws->synced_id = id;
    return 0;
}

static int world_step(void *user, dfv_timeline *tl, int parent, const float *action, char err[DFV_ERR_LEN])
{
    world_source *ws = user;
    if (parent != ws->synced_id && restore(ws, tl, parent, err) != 0) return -1;
    double start = now_ms();
    dfv_world_step(ws->world, action, ws->rgb);
    uint8_t state[DFV_TIMELINE_STATE_BYTES];
    pose_to_state(dfv_world_get_pose(ws->world), state);
    int id = dfv_timeline_append(tl, parent, ws->rgb, action, state, now_ms() - start);
    if (id < 0) {
        dfv_error_set(err, "world source: the timeline is full or out of memory");
        ws->synced_id = -1;
        return -1;
    }
    ws->synced_id = id;
    return id;
}

static int world_calls_per_frame(void *user)
{
    (void)user;
    return 0;
}

static void world_destroy(void *user)
{
    world_source *ws = user;
    if (!ws) return;
    dfv_world_destroy(ws->world);
    free(ws->rgb);
    free(ws->path);
    free(ws);
}

dfv_frame_source *dfv_world_source_create(const dfv_world_source_desc *desc, char err[DFV_ERR_LEN])
{
    world_source *ws = calloc(1, sizeof *ws);
    if (!ws) {
        dfv_error_set(err, "world source: out of memory");
        return NULL;
    }
    ws->desc = *desc;
    ws->synced_id = -1;
    if (dfv_world_create(desc->kind, desc->seed, desc->size, &ws->world, err) != 0) {
        free(ws);
        return NULL;
    }
    ws->rgb = malloc((size_t)desc->size * (size_t)desc->size * 3);
    if (!ws->rgb) {
        dfv_error_set(err, "world source: out of memory for a %dx%d frame", desc->size, desc->size);
        world_destroy(ws);
        return NULL;
    }
    snprintf(ws->name, sizeof ws->name, "world %s seed %llu", dfv_world_kind_name(desc->kind),
             (unsigned long long)desc->seed);
    dfv_frame_source *s = &ws->source;
    s->user = ws;
    s->name = ws->name;
    s->device_name = "CPU simulator";
    s->width = desc->size;
    s->height = desc->size;
    s->action_dim = dfv_world_action_count(desc->kind);
    s->action_names = dfv_world_action_names(desc->kind);
    s->action_kind = dfv_world_action_kind(desc->kind);
    s->seed = world_seed;
    s->step = world_step;
    s->calls_per_frame = world_calls_per_frame;
    s->destroy = world_destroy;
    return s;
}
