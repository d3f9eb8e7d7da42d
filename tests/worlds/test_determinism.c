/* Same seed -> the same frames bit for bit (world and agent); different seeds -> different worlds. */
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "check.h"
#include "world.h"

enum { FRAMES = 120 };

/* Runs the agent for FRAMES steps and returns every frame, or NULL when the world cannot be built. */
static uint8_t *rollout(dfv_world_kind kind, uint64_t seed, int size)
{
    char err[DFV_WORLD_ERR_LEN];
    dfv_world *world;
    if (dfv_world_create(kind, seed, size, &world, err)) {
        fprintf(stderr, "%s\n", err);
        return NULL;
    }
    size_t frame_bytes = (size_t)size * size * 3;
    uint8_t *frames = malloc(frame_bytes * FRAMES);
    dfv_agent agent;
    dfv_agent_init(&agent, kind, seed);
    float action[DFV_WORLD_MAX_ACTIONS];
    dfv_world_render(world, frames);
    for (int t = 1; t < FRAMES; t++) {
        dfv_agent_act(&agent, world, action);
        dfv_world_step(world, action, frames + frame_bytes * t);
    }
    dfv_world_destroy(world);
    return frames;
}

static int check_kind(dfv_world_kind kind, int size)
{
    int failures = 0;
    size_t bytes = (size_t)size * size * 3 * FRAMES;
    uint8_t *a = rollout(kind, 1234, size), *b = rollout(kind, 1234, size), *c = rollout(kind, 1235, size);
    CHECK(failures, a && b && c, "%s worlds could not be built", dfv_world_kind_name(kind));
    if (a && b && c) {
        CHECK(failures, !memcmp(a, b, bytes), "%s: seed 1234 twice gave different frames", dfv_world_kind_name(kind));
        CHECK(failures, memcmp(a, c, (size_t)size * size * 3) != 0, "%s: seeds 1234 and 1235 gave the same first frame",
              dfv_world_kind_name(kind));
        /* The agent moves: the last frame differs from the first. */
        CHECK(failures, memcmp(a, a + bytes - (size_t)size * size * 3, (size_t)size * size * 3) != 0,
              "%s: the view never changed", dfv_world_kind_name(kind));
    }
    free(a);
    free(b);
    free(c);
    return failures;
}

int main(void)
{
    int failures = 0;
    failures += check_kind(DFV_WORLD_MAZE, 64);
    failures += check_kind(DFV_WORLD_MAZE, 37); /* odd sizes work too */
    failures += check_kind(DFV_WORLD_VOXEL, 32);
    if (failures) fprintf(stderr, "%d check(s) failed\n", failures);
    return failures ? 1 : 0;
}
