/* The maze as a world kind (world_class.h): its simulator (maze.c) behind the world API, and how the
 * exploration agent walks it. */
#include <string.h>

#include "maze.h"
#include "world_class.h"

static int create(uint64_t seed, int size, void **sim, char err[DFV_ERR_LEN])
{
    return dfv_maze_create(seed, size, (dfv_maze **)sim, err);
}

static void destroy(void *sim) { dfv_maze_destroy(sim); }
static void step(void *sim, const float *action) { dfv_maze_step(sim, action); }
static void render(const void *sim, uint8_t *rgb) { dfv_maze_render(sim, rgb); }
static dfv_world_pose pose(const void *sim) { return dfv_maze_pose(sim); }
static float clearance(const void *sim, float relative_yaw, float max_distance)
{
    return dfv_maze_clearance(sim, relative_yaw, max_distance);
}
static int is_solid(const void *sim, float x, float y, float z)
{
    (void)z; /* walls span every height */
    return dfv_maze_is_solid(sim, x, y);
}
static int camera_collides(const void *sim)
{
    dfv_world_pose p = dfv_maze_pose(sim);
    return dfv_maze_body_collides(sim, p.x, p.y);
}

static void agent_choose(dfv_agent *a, const dfv_world *world)
{
    static const float weights[DFV_MAZE_ACTION_COUNT] = {0.04f, 0.52f, 0.04f, 0.14f, 0.14f, 0.06f, 0.06f};
    int choice = dfv_agent_weighted_choice(&a->rng, weights, DFV_MAZE_ACTION_COUNT);
    if (choice == DFV_MAZE_FORWARD && dfv_world_clearance(world, 0.0f, 1.5f) < 1.0f)
        choice = dfv_agent_open_side_is_left(world, &a->rng) ? DFV_MAZE_TURN_LEFT : DFV_MAZE_TURN_RIGHT;
    memset(a->current, 0, sizeof a->current);
    a->current[choice] = 1.0f;
    a->hold_frames = choice == DFV_MAZE_FORWARD ? dfv_rng_range(&a->rng, 4, 24)
                     : (choice == DFV_MAZE_TURN_LEFT || choice == DFV_MAZE_TURN_RIGHT) ? dfv_rng_range(&a->rng, 3, 12)
                                                                                          : dfv_rng_range(&a->rng, 2, 8);
}

/* Walking into a wall looks like a frozen frame: swap to a turn toward the open side and keep turning
 * until the view ahead opens up (plus a little more, so exits are not always taken at the same angle). */
static void agent_steer(dfv_agent *a, const dfv_world *world)
{
    int turning = a->current[DFV_MAZE_TURN_LEFT] > 0.5f || a->current[DFV_MAZE_TURN_RIGHT] > 0.5f;
    if (a->turning_away && turning) {
        if (dfv_world_clearance(world, 0.0f, 2.0f) < 1.5f) a->hold_frames = dfv_rng_range(&a->rng, 1, 3);
        else a->turning_away = 0;
        return;
    }
    if (a->current[DFV_MAZE_FORWARD] > 0.5f && dfv_world_clearance(world, 0.0f, 1.0f) < 0.55f) {
        int left = dfv_agent_open_side_is_left(world, &a->rng);
        memset(a->current, 0, sizeof a->current);
        a->current[left ? DFV_MAZE_TURN_LEFT : DFV_MAZE_TURN_RIGHT] = 1.0f;
        a->hold_frames = dfv_rng_range(&a->rng, 2, 4);
        a->turning_away = 1;
    }
}

const dfv_world_class dfv_maze_world = {
    .name = "maze", .action_count = DFV_MAZE_ACTION_COUNT, .action_names = dfv_maze_action_names,
    .action_style = DFV_ACTIONS_ONE_HOT, .idle_action = DFV_MAZE_NONE, .create = create, .destroy = destroy,
    .step = step, .render = render, .pose = pose, .clearance = clearance, .is_solid = is_solid,
    .camera_collides = camera_collides, .agent_choose = agent_choose, .agent_steer = agent_steer};
