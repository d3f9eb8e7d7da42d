/* Ground truth for a world-seeded rollout against a direct replay: a fresh world, the agent's steps for the
 * seed frames (as world: seeds are rendered), then each model frame's action; across branches and jumps. */
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "check.h"
#include "ground_truth.h"

enum { SIZE = 24, CONTEXT = 2 };

static void reference(dfv_world_kind kind, uint64_t seed, const dfv_timeline *tl, int id, uint8_t *rgb)
{
    dfv_world *world;
    char err[DFV_ERR_LEN];
    if (dfv_world_create(kind, seed, SIZE, &world, err)) exit(1);
    dfv_agent agent;
    dfv_agent_init(&agent, kind, seed);
    int path[128];
    int n = dfv_timeline_path(tl, id, path, 128);
    float action[DFV_MAX_ACTIONS];
    dfv_world_render(world, rgb);
    for (int k = 1; k < n; k++) {
        if (k < CONTEXT) dfv_agent_act(&agent, world, action);
        else memcpy(action, dfv_timeline_get(tl, path[k])->action, sizeof(float) * (size_t)dfv_world_action_count(kind));
        dfv_world_step(world, action, rgb);
    }
    dfv_world_destroy(world);
}

static int check_kind(dfv_world_kind kind, uint64_t seed)
{
    int failures = 0;
    int dim = dfv_world_action_count(kind);
    char err[DFV_ERR_LEN];
    dfv_ground_truth *gt = dfv_ground_truth_create(kind, seed, SIZE, CONTEXT, dim, err);
    CHECK(failures, gt != NULL, "create: %s", err);
    if (!gt) return failures;
    dfv_timeline *tl = dfv_timeline_create(SIZE, SIZE, dim);
    static uint8_t seed_rgb[CONTEXT * SIZE * SIZE * 3], model_rgb[SIZE * SIZE * 3], expected[SIZE * SIZE * 3];
    dfv_world_render_seed(kind, seed, SIZE, CONTEXT, seed_rgb, err);
    int id = -1;
    for (int f = 0; f < CONTEXT; f++) id = dfv_timeline_append(tl, id, seed_rgb + f * SIZE * SIZE * 3, NULL, NULL, 0);
    /* "Model" frames: any pixels; what matters is the actions. Branch 0, then forks at 3 and 6. */
    int plan[][2] = {{id, 8}, {3, 4}, {6, 3}, {9, 2}};
    uint32_t lcg = 5;
    for (size_t p = 0; p < sizeof plan / sizeof plan[0]; p++) {
        int parent = plan[p][0];
        for (int s = 0; s < plan[p][1]; s++) {
            float action[DFV_MAX_ACTIONS] = {0};
            lcg = lcg * 1664525u + 1013904223u;
            action[(lcg >> 16) % (uint32_t)dim] = 1.0f;
            memset(model_rgb, (int)(lcg >> 24), sizeof model_rgb);
            parent = dfv_timeline_append(tl, parent, model_rgb, action, NULL, 0);
        }
    }
    /* Ask out of order, so both the step-on and the replay paths run. */
    int count = dfv_timeline_count(tl);
    for (int k = 0; k < count; k++) {
        int ask = (k * 7) % count;
        const uint8_t *truth = dfv_ground_truth_frame(gt, tl, ask);
        reference(kind, seed, tl, ask, expected);
        CHECK(failures, truth && !memcmp(truth, expected, sizeof expected), "%s: truth for frame %d differs", dfv_world_kind_name(kind),
              ask);
    }
    int foreign = dfv_timeline_append(tl, -1, model_rgb, NULL, NULL, 0);
    CHECK(failures, dfv_ground_truth_frame(gt, tl, foreign) == NULL, "a root from elsewhere got a ground truth");
    CHECK(failures, dfv_ground_truth_create(kind, seed, SIZE, CONTEXT, dim + 1, err) == NULL && strstr(err, "actions"),
          "a model with other actions was accepted");
    dfv_timeline_destroy(tl);
    dfv_ground_truth_destroy(gt);
    return failures;
}

int main(void)
{
    int failures = check_kind(DFV_WORLD_MAZE, 3) + check_kind(DFV_WORLD_VOXEL, 4);
    if (failures) fprintf(stderr, "%d check(s) failed\n", failures);
    return failures ? 1 : 0;
}
