/* Same seed -> the same frames bit for bit (world and agent); different seeds -> different worlds. */
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "check.h"
#include "dataset.h"
#include "world.h"

enum { FRAMES = 120 };

/* Runs the agent for FRAMES steps and returns every frame, or NULL when the world cannot be built. */
static uint8_t *rollout(dfv_world_kind kind, uint64_t seed, int size)
{
    char err[DFV_ERR_LEN];
    dfv_world *world;
    if (dfv_world_create(kind, seed, size, &world, err)) {
        fprintf(stderr, "%s\n", err);
        return NULL;
    }
    size_t frame_bytes = (size_t)size * size * 3;
    uint8_t *frames = malloc(frame_bytes * FRAMES);
    dfv_agent agent;
    dfv_agent_init(&agent, kind, seed);
    float action[DFV_MAX_ACTIONS];
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

/* Seed frames are the opening frames of the dataset episode with the same seed. */
static int check_seed_frames(dfv_world_kind kind)
{
    int failures = 0;
    enum { SIZE = 24, COUNT = 6, LONGER = 10 };
    static uint8_t seed_rgb[COUNT * SIZE * SIZE * 3], episode_rgb[LONGER * SIZE * SIZE * 3];
    static float actions[LONGER * DFV_MAX_ACTIONS];
    char err[DFV_ERR_LEN];
    CHECK(failures, !dfv_world_render_seed(kind, 77, SIZE, COUNT, seed_rgb, err), "render_seed: %s", err);
    CHECK(failures, !dfv_dataset_episode(kind, 77, LONGER, SIZE, episode_rgb, actions, err), "episode: %s", err);
    CHECK(failures, !memcmp(seed_rgb, episode_rgb, sizeof seed_rgb), "%s: seed frames differ from the episode's",
          dfv_world_kind_name(kind));
    CHECK(failures, dfv_world_render_seed(kind, 77, SIZE, 0, seed_rgb, err) == -1, "count 0 accepted");
    CHECK(failures, dfv_world_render_seed(kind, 77, 4, 1, seed_rgb, err) == -1, "size 4 accepted");
    return failures;
}

static int check_seed_specs(void)
{
    int failures = 0;
    dfv_world_kind kind;
    uint64_t seed;
    CHECK(failures, !dfv_world_parse_seed_spec("world:maze:42", &kind, &seed) && kind == DFV_WORLD_MAZE && seed == 42,
          "world:maze:42");
    CHECK(failures, !dfv_world_parse_seed_spec("world:voxel:0", &kind, &seed) && kind == DFV_WORLD_VOXEL && seed == 0,
          "world:voxel:0");
    const char *bad[] = {"world:maze:", "world:cave:1", "maze:1", "world:maze:12x", "world:maze:-1", "seed.png", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK(failures, dfv_world_parse_seed_spec(bad[i], &kind, &seed) == -1, "accepted '%s'", bad[i]);
    return failures;
}

int main(void)
{
    int failures = 0;
    failures += check_kind(DFV_WORLD_MAZE, 64);
    failures += check_kind(DFV_WORLD_MAZE, 37); /* odd sizes work too */
    failures += check_kind(DFV_WORLD_VOXEL, 32);
    failures += check_seed_frames(DFV_WORLD_MAZE) + check_seed_frames(DFV_WORLD_VOXEL) + check_seed_specs();
    if (failures) fprintf(stderr, "%d check(s) failed\n", failures);
    return failures ? 1 : 0;
}
