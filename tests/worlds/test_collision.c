/* The camera never enters geometry: at spawn and after every step, for the agent and for random flailing
 * (which pushes into walls on purpose). Checked with an exact circle-vs-cell distance, independent of the
 * world's own collision test, plus a no-tunnelling check along each step's path. */
#include <math.h>
#include <stdlib.h>

#include "agent.h"
#include "check.h"
#include "maze.h"
#include "rng.h"
#include "world.h"

/* Smallest distance from (x, y) to any non-open cell near it. */
static float distance_to_walls(const dfv_maze *maze, float x, float y)
{
    float best = 1e9f;
    int cx = (int)floorf(x), cy = (int)floorf(y);
    for (int dy = -2; dy <= 2; dy++)
        for (int dx = -2; dx <= 2; dx++) {
            if (dfv_maze_cell(maze, cx + dx, cy + dy) == DFV_MAZE_OPEN) continue;
            float nx = fminf(fmaxf(x, (float)(cx + dx)), (float)(cx + dx + 1));
            float ny = fminf(fmaxf(y, (float)(cy + dy)), (float)(cy + dy + 1));
            float d = hypotf(x - nx, y - ny);
            if (d < best) best = d;
        }
    return best;
}

static int check_pose(const dfv_world *world, const dfv_maze *maze, dfv_world_pose before, uint64_t seed, int t)
{
    int failures = 0;
    dfv_world_pose p = dfv_world_get_pose(world);
    float clearance = distance_to_walls(maze, p.x, p.y);
    CHECK(failures, clearance >= DFV_MAZE_BODY_RADIUS - 1e-4f, "seed %llu step %d: body %.3f from a wall at (%.3f, %.3f)",
          (unsigned long long)seed, t, clearance, p.x, p.y);
    CHECK(failures, !dfv_world_camera_collides(world), "seed %llu step %d: world reports a collision", (unsigned long long)seed, t);
    float moved = hypotf(p.x - before.x, p.y - before.y);
    CHECK(failures, moved <= DFV_MAZE_MOVE_STEP + DFV_MAZE_STRAFE_STEP + 1e-4f, "seed %llu step %d: jumped %.3f",
          (unsigned long long)seed, t, moved);
    for (int k = 1; k <= 8; k++) {
        float x = before.x + (p.x - before.x) * k / 8.0f, y = before.y + (p.y - before.y) * k / 8.0f;
        CHECK(failures, dfv_maze_cell(maze, (int)floorf(x), (int)floorf(y)) == DFV_MAZE_OPEN,
              "seed %llu step %d: path crosses a wall at (%.3f, %.3f)", (unsigned long long)seed, t, x, y);
    }
    return failures;
}

/* The public API hides the map, so a second maze built from the same seed (hence the same map) answers
 * which cells are walls. */
static int run(uint64_t seed, int use_agent)
{
    char err[DFV_ERR_LEN];
    dfv_world *world;
    dfv_maze *maze;
    if (dfv_world_create(DFV_WORLD_MAZE, seed, 16, &world, err) || dfv_maze_create(seed, 16, &maze, err)) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    int failures = check_pose(world, maze, dfv_world_get_pose(world), seed, 0);
    dfv_agent agent;
    dfv_agent_init(&agent, DFV_WORLD_MAZE, seed);
    dfv_rng rng = dfv_rng_make(seed * 77);
    float action[DFV_MAX_ACTIONS] = {0};
    for (int t = 1; t <= 1500 && failures < 5; t++) {
        if (use_agent) {
            dfv_agent_act(&agent, world, action);
        } else {
            /* Two random keys at once: exercises combined moves (e.g. forward + strafe into a corner). */
            for (int i = 0; i < DFV_MAZE_ACTION_COUNT; i++) action[i] = 0;
            action[dfv_rng_range(&rng, 0, DFV_MAZE_ACTION_COUNT - 1)] = 1;
            action[dfv_rng_range(&rng, 0, DFV_MAZE_ACTION_COUNT - 1)] = 1;
        }
        dfv_world_pose before = dfv_world_get_pose(world);
        dfv_world_step(world, action, NULL);
        failures += check_pose(world, maze, before, seed, t);
    }
    dfv_maze_destroy(maze);
    dfv_world_destroy(world);
    return failures;
}

int main(void)
{
    int failures = 0;
    for (uint64_t seed = 0; seed < 40; seed++) failures += run(seed, 1) + run(seed, 0);
    if (failures) fprintf(stderr, "%d check(s) failed\n", failures);
    return failures ? 1 : 0;
}
