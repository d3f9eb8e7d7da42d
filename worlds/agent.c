#include "agent.h"

#include <string.h>

#include "maze.h"
#include "voxel.h"

void dfv_agent_init(dfv_agent *agent, dfv_world_kind kind, uint64_t seed)
{
    memset(agent, 0, sizeof *agent);
    agent->kind = kind;
    /* Salted so that the agent's choices are independent of the world generated from the same seed. */
    agent->rng = dfv_rng_make(seed ^ 0x6167656e74ULL);
}

void dfv_agent_idle_action(dfv_world_kind kind, float *action)
{
    memset(action, 0, sizeof(float) * (size_t)dfv_world_action_count(kind));
    if (kind == DFV_WORLD_MAZE) action[DFV_MAZE_NONE] = 1.0f;
}

/* Picks an index from unnormalised weights. */
static int weighted_choice(dfv_rng *rng, const float *weights, int count)
{
    float total = 0;
    for (int i = 0; i < count; i++) total += weights[i];
    float r = dfv_rng_float(rng) * total;
    for (int i = 0; i < count; i++) {
        if (r < weights[i]) return i;
        r -= weights[i];
    }
    return count - 1;
}

/* Turn toward whichever side is more open: left if the left probe sees farther. */
static int more_open_side_is_left(const dfv_world *world, dfv_rng *rng)
{
    float left = dfv_world_clearance(world, 1.0f, 4.0f), right = dfv_world_clearance(world, -1.0f, 4.0f);
    if (left == right) return dfv_rng_float(rng) < 0.5f;
    return left > right;
}

static void maze_choose(dfv_agent *a, const dfv_world *world)
{
    static const float weights[DFV_MAZE_ACTION_COUNT] = {0.04f, 0.52f, 0.04f, 0.14f, 0.14f, 0.06f, 0.06f};
    int choice = weighted_choice(&a->rng, weights, DFV_MAZE_ACTION_COUNT);
    if (choice == DFV_MAZE_FORWARD && dfv_world_clearance(world, 0.0f, 1.5f) < 1.0f)
        choice = more_open_side_is_left(world, &a->rng) ? DFV_MAZE_TURN_LEFT : DFV_MAZE_TURN_RIGHT;
    memset(a->current, 0, sizeof a->current);
    a->current[choice] = 1.0f;
    a->hold_frames = choice == DFV_MAZE_FORWARD ? dfv_rng_range(&a->rng, 4, 24)
                     : (choice == DFV_MAZE_TURN_LEFT || choice == DFV_MAZE_TURN_RIGHT) ? dfv_rng_range(&a->rng, 3, 12)
                                                                                          : dfv_rng_range(&a->rng, 2, 8);
}

/* Walking into a wall looks like a frozen frame: swap to a turn toward the open side and keep turning
 * until the view ahead opens up (plus a little more, so exits are not always taken at the same angle). */
static void maze_avoid_walls(dfv_agent *a, const dfv_world *world)
{
    int turning = a->current[DFV_MAZE_TURN_LEFT] > 0.5f || a->current[DFV_MAZE_TURN_RIGHT] > 0.5f;
    if (a->turning_away && turning) {
        if (dfv_world_clearance(world, 0.0f, 2.0f) < 1.5f) a->hold_frames = dfv_rng_range(&a->rng, 1, 3);
        else a->turning_away = 0;
        return;
    }
    if (a->current[DFV_MAZE_FORWARD] > 0.5f && dfv_world_clearance(world, 0.0f, 1.0f) < 0.55f) {
        int left = more_open_side_is_left(world, &a->rng);
        memset(a->current, 0, sizeof a->current);
        a->current[left ? DFV_MAZE_TURN_LEFT : DFV_MAZE_TURN_RIGHT] = 1.0f;
        a->hold_frames = dfv_rng_range(&a->rng, 2, 4);
        a->turning_away = 1;
    }
}

static void voxel_choose(dfv_agent *a, const dfv_world *world)
{
    /* Slots: forward, forward+turn_left, forward+turn_right, turn_left, turn_right, strafe_left,
     * strafe_right, backward, look toward the horizon, jump forward. */
    static const float weights[10] = {0.36f, 0.09f, 0.09f, 0.1f, 0.1f, 0.04f, 0.04f, 0.03f, 0.07f, 0.08f};
    int choice = weighted_choice(&a->rng, weights, 10);
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

static void voxel_avoid_walls(dfv_agent *a, const dfv_world *world, float *action)
{
    if (action[DFV_VOXEL_FORWARD] < 0.5f) return;
    float ahead = dfv_world_clearance(world, 0.0f, 2.0f);
    if (ahead < 0.8f) action[DFV_VOXEL_JUMP] = 1; /* a step up: hop onto it */
    if (ahead < 0.3f && a->hold_frames > 0 && dfv_rng_float(&a->rng) < 0.15f) {
        memset(a->current, 0, sizeof a->current);
        a->current[more_open_side_is_left(world, &a->rng) ? DFV_VOXEL_TURN_LEFT : DFV_VOXEL_TURN_RIGHT] = 1;
        a->hold_frames = dfv_rng_range(&a->rng, 4, 12);
        memcpy(action, a->current, sizeof(float) * DFV_VOXEL_ACTION_COUNT);
    }
}

void dfv_agent_act(dfv_agent *a, const dfv_world *world, float *action)
{
    int count = dfv_world_action_count(a->kind);
    if (a->hold_frames <= 0) {
        a->turning_away = 0;
        if (a->kind == DFV_WORLD_MAZE) maze_choose(a, world);
        else voxel_choose(a, world);
    }
    if (a->kind == DFV_WORLD_MAZE) maze_avoid_walls(a, world);
    a->hold_frames--;
    memcpy(action, a->current, sizeof(float) * (size_t)count);
    if (a->kind == DFV_WORLD_VOXEL) voxel_avoid_walls(a, world, action);
}
