/* The voxel world as a world kind (world_class.h): its simulator (voxel.c) behind the world API, and how
 * the exploration agent walks it. */
#include <string.h>

#include "voxel.h"
#include "world_class.h"

static int create(uint64_t seed, int size, void **sim, char err[DFV_ERR_LEN])
{
    return dfv_voxel_create(seed, size, (dfv_voxel **)sim, err);
}

static void destroy(void *sim) { dfv_voxel_destroy(sim); }
static void step(void *sim, const float *action) { dfv_voxel_step(sim, action); }
static void render(const void *sim, uint8_t *rgb) { dfv_voxel_render(sim, rgb); }
static dfv_world_pose pose(const void *sim) { return dfv_voxel_pose(sim); }
static float clearance(const void *sim, float relative_yaw, float max_distance)
{
    return dfv_voxel_clearance(sim, relative_yaw, max_distance);
}
static int is_solid(const void *sim, float x, float y, float z) { return dfv_voxel_is_solid(sim, x, y, z); }
static int camera_collides(const void *sim) { return dfv_voxel_body_collides(sim); }

static void agent_choose(dfv_agent *a, const dfv_world *world)
{
    /* Slots: forward, forward+turn_left, forward+turn_right, turn_left, turn_right, strafe_left,
     * strafe_right, backward, look toward the horizon, jump forward. */
    static const float weights[10] = {0.36f, 0.09f, 0.09f, 0.1f, 0.1f, 0.04f, 0.04f, 0.03f, 0.07f, 0.08f};
    int choice = dfv_agent_weighted_choice(&a->rng, weights, 10);
    memset(a->current, 0, sizeof a->current);
    dfv_world_pose pose = dfv_world_get_pose(world);
    switch (choice) {
    case 0: a->current[DFV_VOXEL_FORWARD] = 1; break;
    case 1: a->current[DFV_VOXEL_FORWARD] = a->current[DFV_VOXEL_TURN_LEFT] = 1; break;
    case 2: a->current[DFV_VOXEL_FORWARD] = a->current[DFV_VOXEL_TURN_RIGHT] = 1; break;
    case 3: a->current[DFV_VOXEL_TURN_LEFT] = 1; break;
    case 4: a->current[DFV_VOXEL_TURN_RIGHT] = 1; break;
    case 5: a->current[DFV_VOXEL_STRAFE_LEFT] = 1; break;
    case 6: a->current[DFV_VOXEL_STRAFE_RIGHT] = 1; break;
    case 7: a->current[DFV_VOXEL_BACKWARD] = 1; break;
    case 8:
        /* Glance up or down, but drift back toward the horizon when already tilted. */
        if (pose.pitch > 0.15f) a->current[DFV_VOXEL_LOOK_DOWN] = 1;
        else if (pose.pitch < -0.15f) a->current[DFV_VOXEL_LOOK_UP] = 1;
        else a->current[dfv_rng_float(&a->rng) < 0.5f ? DFV_VOXEL_LOOK_UP : DFV_VOXEL_LOOK_DOWN] = 1;
        break;
    default: a->current[DFV_VOXEL_FORWARD] = a->current[DFV_VOXEL_JUMP] = 1; break;
    }
    a->hold_frames = a->current[DFV_VOXEL_FORWARD] > 0.5f ? dfv_rng_range(&a->rng, 6, 30) : dfv_rng_range(&a->rng, 2, 10);
}

static void agent_correct(dfv_agent *a, const dfv_world *world, float *action)
{
    if (action[DFV_VOXEL_FORWARD] < 0.5f) return;
    float ahead = dfv_world_clearance(world, 0.0f, 2.0f);
    if (ahead < 0.8f) action[DFV_VOXEL_JUMP] = 1; /* a step up: hop onto it */
    if (ahead < 0.3f && a->hold_frames > 0 && dfv_rng_float(&a->rng) < 0.15f) {
        memset(a->current, 0, sizeof a->current);
        a->current[dfv_agent_open_side_is_left(world, &a->rng) ? DFV_VOXEL_TURN_LEFT : DFV_VOXEL_TURN_RIGHT] = 1;
        a->hold_frames = dfv_rng_range(&a->rng, 4, 12);
        memcpy(action, a->current, sizeof(float) * DFV_VOXEL_ACTION_COUNT);
    }
}

const dfv_world_class dfv_voxel_world = {
    .name = "voxel", .action_count = DFV_VOXEL_ACTION_COUNT, .action_names = dfv_voxel_action_names,
    .action_style = DFV_ACTIONS_MULTI_HOT, .idle_action = -1, .create = create, .destroy = destroy, .step = step,
    .render = render, .pose = pose, .clearance = clearance, .is_solid = is_solid, .camera_collides = camera_collides,
    .agent_choose = agent_choose, .agent_correct = agent_correct};
