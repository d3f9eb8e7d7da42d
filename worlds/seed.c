/* Seed frames for `--seed world:KIND:SEED`: the spawn view, then the exploration agent's next frames. */
#include <stdio.h>
#include <string.h>

#include "agent.h"
#include "world.h"

int dfv_world_render_seed(dfv_world_kind kind, uint64_t seed, int size, int count, uint8_t *rgb,
                          char err[DFV_ERR_LEN])
{
    if (count < 1) {
        dfv_error_set(err, "world seed: frame count %d must be at least 1", count);
        return -1;
    }
    dfv_world *world;
    if (dfv_world_create(kind, seed, size, &world, err)) return -1;
    /* Same agent seeding as the dataset writer, so seed frames match episode `seed` of a dataset. */
    dfv_agent agent;
    dfv_agent_init(&agent, kind, seed);
    float action[DFV_MAX_ACTIONS];
    size_t frame_bytes = (size_t)size * size * 3;
    dfv_world_render(world, rgb);
    for (int t = 1; t < count; t++) {
        dfv_agent_act(&agent, world, action);
        dfv_world_step(world, action, rgb + frame_bytes * (size_t)t);
    }
    dfv_world_destroy(world);
    return 0;
}

int dfv_world_parse_seed_spec(const char *spec, dfv_world_kind *kind, uint64_t *seed)
{
    char name[16];
    unsigned long long value;
    char tail;
    if (!spec || strchr(spec, '-') || sscanf(spec, "world:%15[a-z]:%llu%c", name, &value, &tail) != 2 ||
        dfv_world_kind_from_name(name, kind))
        return -1;
    *seed = value;
    return 0;
}
