/* The world frame source: stepping from any frame of the timeline (branching, jumping between branches)
 * gives exactly the frame a fresh simulator shows after that frame's path of actions. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "world_source.h"

enum { SIZE = 32 };

/* The reference: a new world, the path's actions applied in order, the last view rendered. */
static void reference_frame(dfv_world_kind kind, uint64_t seed, const dfv_timeline *tl, int id, uint8_t *rgb)
{
    dfv_world *world;
    char err[DFV_ERR_LEN];
    if (dfv_world_create(kind, seed, SIZE, &world, err) != 0) {
        fprintf(stderr, "%s\n", err);
        exit(1);
    }
    int path[256];
    int n = dfv_timeline_path(tl, id, path, 256);
    for (int k = 1; k < n; k++) dfv_world_step(world, dfv_timeline_get(tl, path[k])->action, NULL);
    dfv_world_render(world, rgb);
    dfv_world_destroy(world);
}

static void random_action(uint32_t *lcg, int dim, bool multi_hot, float *action)
{
    memset(action, 0, DFV_MAX_ACTIONS * sizeof *action);
    for (int a = 0; a < dim; a++) {
        *lcg = *lcg * 1664525u + 1013904223u;
        if (multi_hot ? (*lcg >> 24) % 3 == 0 : a == 0) action[multi_hot ? a : (int)((*lcg >> 20) % (uint32_t)dim)] = 1.0f;
    }
}

static int check_kind(dfv_world_kind kind)
{
    int failures = 0;
    const uint64_t seed = 7;
    char err[DFV_ERR_LEN];
    dfv_world_source_desc desc = {kind, seed, SIZE};
    dfv_frame_source *src = dfv_world_source_create(&desc, err);
    CHECK(failures, src != NULL, "create: %s", err);
    if (!src) return failures;
    dfv_timeline *tl = dfv_timeline_create(src->width, src->height, src->action_dim);
    int seed_id = src->seed(src->user, tl, err);
    /* (parent to step from, steps): branch 0 (ids 1-10), a fork at 4 (11-16), a fork at 7 (17-21), branch 0's
     * head again (22-24, no new branch), a fork inside the first fork (25-26). */
    int plan[][2] = {{-1, 10}, {4, 6}, {7, 5}, {10, 3}, {13, 2}};
    uint32_t lcg = 99;
    uint8_t expected[SIZE * SIZE * 3];
    float action[DFV_MAX_ACTIONS];
    for (size_t p = 0; p < sizeof plan / sizeof plan[0]; p++) {
        int parent = plan[p][0] < 0 ? seed_id : plan[p][0];
        for (int s = 0; s < plan[p][1]; s++) {
            random_action(&lcg, src->action_dim, src->action_kind == DFV_ACTIONS_MULTI_HOT, action);
            int id = src->step(src->user, tl, parent, action, err);
            CHECK(failures, id >= 0, "step from %d: %s", parent, err);
            if (id < 0) break;
            reference_frame(kind, seed, tl, id, expected);
            CHECK(failures, !memcmp(dfv_timeline_rgb(tl, id), expected, sizeof expected),
                  "%s: frame %d (after %d) differs from a fresh simulator", dfv_world_kind_name(kind), id, parent);
            dfv_world_pose pose;
            CHECK(failures, dfv_world_source_pose(dfv_timeline_get(tl, id), &pose), "frame %d has no pose", id);
            parent = id;
        }
    }
    CHECK(failures, dfv_timeline_branch_count(tl) == 4, "%d branches", dfv_timeline_branch_count(tl));
    /* Branching changes what is seen: the fork at 4 diverges from branch 0's frame 5 somewhere. */
    int differing = 0;
    for (int k = 0; k < 6; k++) differing += memcmp(dfv_timeline_rgb(tl, 5 + k), dfv_timeline_rgb(tl, 11 + k), sizeof expected) != 0;
    CHECK(failures, differing > 0, "a branch with other actions shows the same frames");
    CHECK(failures, src->step(src->user, tl, 999, action, err) < 0 && strstr(err, "999"),
          "stepping from a missing frame: %s", err);
    dfv_timeline_destroy(tl);
    src->destroy(src->user);
    return failures;
}

int main(void)
{
    int failures = check_kind(DFV_WORLD_MAZE) + check_kind(DFV_WORLD_VOXEL);
    char err[DFV_ERR_LEN];
    dfv_world_source_desc bad = {DFV_WORLD_MAZE, 1, 3};
    CHECK(failures, dfv_world_source_create(&bad, err) == NULL && err[0], "a 3-pixel world was accepted");
    if (failures) fprintf(stderr, "%d check(s) failed\n", failures);
    return failures ? 1 : 0;
}
