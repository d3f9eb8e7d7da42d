/* Voxel world physics and view: the body never overlaps a solid block (checked by sampling points in
 * its box, independently of the world's own test), it rests on the ground under gravity, a jump goes up
 * and comes back down, turning left moves the image right and looking up moves it down. */
#include <math.h>
#include <stdlib.h>

#include "agent.h"
#include "check.h"
#include "rng.h"
#include "voxel.h"

enum { SIZE = 48 };

static int body_overlaps_blocks(const dfv_voxel *v)
{
    dfv_world_pose p = dfv_voxel_pose(v);
    for (float dz = 0.001f; dz < 1.8f; dz += 0.1f)
        for (float dy = -0.299f; dy <= 0.299f; dy += 0.0997f)
            for (float dx = -0.299f; dx <= 0.299f; dx += 0.0997f) {
                int b = dfv_voxel_block(v, (int)floorf(p.x + dx), (int)floorf(p.y + dy), (int)floorf(p.z + dz));
                if (b != 0 && b != 5 /* water is not solid */) return 1;
            }
    return 0;
}

static int check_walk(uint64_t seed)
{
    int failures = 0;
    char err[DFV_ERR_LEN];
    dfv_world *world;
    dfv_voxel *shadow;
    if (dfv_world_create(DFV_WORLD_VOXEL, seed, 8, &world, err) || dfv_voxel_create(seed, 8, &shadow, err)) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    dfv_agent agent;
    dfv_agent_init(&agent, DFV_WORLD_VOXEL, seed);
    dfv_rng rng = dfv_rng_make(seed + 99);
    float action[DFV_MAX_ACTIONS];
    for (int t = 0; t <= 600 && failures < 5; t++) {
        if (t > 0) {
            if (t < 300) {
                dfv_agent_act(&agent, world, action);
            } else {
                for (int i = 0; i < DFV_VOXEL_ACTION_COUNT; i++) action[i] = dfv_rng_float(&rng) < 0.3f;
            }
            dfv_world_step(world, action, NULL);
        }
        dfv_world_pose p = dfv_world_get_pose(world);
        dfv_voxel_set_pose(shadow, p.x, p.y, p.z, p.yaw, p.pitch); /* same seed, same blocks */
        CHECK(failures, !body_overlaps_blocks(shadow), "seed %llu step %d: body inside blocks at (%.2f %.2f %.2f)",
              (unsigned long long)seed, t, p.x, p.y, p.z);
        CHECK(failures, fabsf(p.pitch) <= DFV_VOXEL_MAX_PITCH + 1e-5f, "seed %llu: pitch %.2f", (unsigned long long)seed, p.pitch);
    }
    dfv_voxel_destroy(shadow);
    dfv_world_destroy(world);
    return failures;
}

static int check_gravity(uint64_t seed)
{
    int failures = 0;
    char err[DFV_ERR_LEN];
    dfv_voxel *v;
    if (dfv_voxel_create(seed, 8, &v, err)) return 1;
    float none[DFV_VOXEL_ACTION_COUNT] = {0}, jump[DFV_VOXEL_ACTION_COUNT] = {0};
    jump[DFV_VOXEL_JUMP] = 1;
    for (int i = 0; i < 30; i++) dfv_voxel_step(v, none);
    float rest = dfv_voxel_pose(v).z;
    CHECK(failures, dfv_voxel_on_ground(v), "seed %llu: not on the ground after spawn", (unsigned long long)seed);
    dfv_voxel_step(v, jump);
    float peak = rest;
    for (int i = 0; i < 40; i++) {
        dfv_voxel_step(v, none);
        peak = fmaxf(peak, dfv_voxel_pose(v).z);
    }
    CHECK(failures, peak > rest + 1.0f && peak < rest + 1.6f, "seed %llu: jump peaked %.2f above ground",
          (unsigned long long)seed, peak - rest);
    CHECK(failures, fabsf(dfv_voxel_pose(v).z - rest) < 1e-4f && dfv_voxel_on_ground(v),
          "seed %llu: did not land back (%.3f vs %.3f)", (unsigned long long)seed, dfv_voxel_pose(v).z, rest);
    dfv_voxel_destroy(v);
    return failures;
}

static float luma(const uint8_t *rgb, int x, int y)
{
    const uint8_t *p = &rgb[(y * SIZE + x) * 3];
    return 0.299f * p[0] + 0.587f * p[1] + 0.114f * p[2];
}

/* Shift (dx along x if horizontal, else along y) that best maps a onto b, by exhaustive search. */
static int best_shift(const uint8_t *a, const uint8_t *b, int horizontal)
{
    int best = 0;
    double best_err = 1e30;
    for (int s = -10; s <= 10; s++) {
        double err = 0;
        for (int y = 12; y < SIZE - 12; y++)
            for (int x = 12; x < SIZE - 12; x++) {
                float d = horizontal ? luma(a, x, y) - luma(b, x + s, y) : luma(a, x, y) - luma(b, x, y + s);
                err += d * d;
            }
        if (err < best_err) best_err = err, best = s;
    }
    return best;
}

static int check_view(uint64_t seed)
{
    int failures = 0;
    char err[DFV_ERR_LEN];
    dfv_voxel *v;
    if (dfv_voxel_create(seed, SIZE, &v, err)) return 1;
    static uint8_t a[SIZE * SIZE * 3], b[SIZE * SIZE * 3];
    float act[DFV_VOXEL_ACTION_COUNT] = {0};
    dfv_world_pose p = dfv_voxel_pose(v);
    /* Look slightly down so terrain, not just sky, fills the view. */
    dfv_voxel_set_pose(v, p.x, p.y, p.z, p.yaw, -0.2f);
    dfv_voxel_render(v, a);
    act[DFV_VOXEL_TURN_LEFT] = 1;
    dfv_voxel_step(v, act);
    dfv_voxel_render(v, b);
    int shift = best_shift(a, b, 1);
    CHECK(failures, shift >= 2 && shift <= 7, "seed %llu: turn_left shifted %d px, expected about +3.5", (unsigned long long)seed, shift);
    dfv_voxel_set_pose(v, p.x, p.y, p.z, p.yaw, -0.2f);
    act[DFV_VOXEL_TURN_LEFT] = 0;
    act[DFV_VOXEL_LOOK_UP] = 1;
    dfv_voxel_step(v, act);
    dfv_voxel_render(v, b);
    shift = best_shift(a, b, 0);
    CHECK(failures, shift >= 1 && shift <= 6, "seed %llu: look_up shifted %d px down, expected about +2.9", (unsigned long long)seed, shift);
    dfv_voxel_destroy(v);
    return failures;
}

int main(void)
{
    int failures = 0;
    for (uint64_t seed = 0; seed < 8; seed++) failures += check_walk(seed) + check_gravity(seed) + check_view(seed);
    if (failures) fprintf(stderr, "%d check(s) failed\n", failures);
    return failures ? 1 : 0;
}
