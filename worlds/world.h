/* Procedural first-person worlds (maze, voxel): deterministic ground-truth simulators that turn per-frame
 * action vectors into RGB24 frames. Pure C; no Vulkan, SDL or FFmpeg.
 *
 * Everything a world shows is a pure function of (kind, seed, size) and the actions applied since reset.
 * Library calls never exit: fallible calls return 0 on success, -1 on failure with one line in err. */
#ifndef DFV_WORLD_H
#define DFV_WORLD_H

#include <stddef.h>
#include <stdint.h>

#include "dfv_common.h"


typedef enum {
    DFV_WORLD_MAZE = 0,
    DFV_WORLD_VOXEL = 1,
} dfv_world_kind;

/* Camera pose, in world units (maze: one unit = one map cell, z = eye height 0.5; voxel: one unit = one
 * block, z = height of the feet, eyes 1.6 higher). yaw in radians,
 * counter-clockwise seen from above (increasing yaw = turning left); pitch in radians, positive = up. */
typedef struct {
    float x, y, z;
    float yaw, pitch;
} dfv_world_pose;

typedef struct dfv_world dfv_world;

/* How many kinds there are: kinds are 0..count-1. */
int dfv_world_kind_count(void);
/* The kinds' names joined by `separator` ("maze|voxel"), for usage lines and messages. */
void dfv_world_kind_list(const char *separator, char *out, size_t size);
/* "maze" / "voxel" <-> kind. Returns -1 for an unknown name. */
int dfv_world_kind_from_name(const char *name, dfv_world_kind *kind);
const char *dfv_world_kind_name(dfv_world_kind kind);

/* Actions of a kind: count, names (in action-vector order) and whether one or several may be active. */
int dfv_world_action_count(dfv_world_kind kind);
const char *const *dfv_world_action_names(dfv_world_kind kind);
dfv_action_kind dfv_world_action_kind(dfv_world_kind kind);
const char *dfv_world_action_kind_name(dfv_action_kind kind);
/* Index of an action name for a kind, or -1. */
int dfv_world_action_index(dfv_world_kind kind, const char *name);

/* Builds the world for seed at size x size pixels (8..1024). */
int dfv_world_create(dfv_world_kind kind, uint64_t seed, int size, dfv_world **out, char err[DFV_ERR_LEN]);
void dfv_world_destroy(dfv_world *world);
/* Regenerates everything from a new seed (same kind and size); the camera goes back to its spawn. */
int dfv_world_reset(dfv_world *world, uint64_t seed, char err[DFV_ERR_LEN]);

dfv_world_kind dfv_world_get_kind(const dfv_world *world);
int dfv_world_size(const dfv_world *world);
uint64_t dfv_world_seed(const dfv_world *world);

/* Applies one frame of actions (dfv_world_action_count floats; a component > 0.5 is pressed; several
 * pressed at once are all applied, so keyboards may hold combinations even in one-hot worlds), then
 * renders the new view into rgb (size*size*3 bytes, rows top to bottom) unless rgb is NULL. */
void dfv_world_step(dfv_world *world, const float *action, uint8_t *rgb);
/* Renders the current view without moving. */
void dfv_world_render(const dfv_world *world, uint8_t *rgb);

dfv_world_pose dfv_world_get_pose(const dfv_world *world);
/* Free distance from the camera along a horizontal ray at yaw + relative_yaw, capped at max_distance:
 * lets the agent steer away from walls without knowing the world's internals. */
float dfv_world_clearance(const dfv_world *world, float relative_yaw, float max_distance);
/* Whether a point is inside solid geometry (maze: a wall cell or an object; voxel: a solid block). */
int dfv_world_is_solid(const dfv_world *world, float x, float y, float z);
/* Whether the camera's body (its collision shape) currently overlaps solid geometry: never true after a
 * step, which the tests check. */
int dfv_world_camera_collides(const dfv_world *world);

/* Renders the first `count` frames a world seed shows (count >= 1): frame 0 is the spawn view, later frames
 * follow the exploration agent seeded from the same seed. rgb holds count*size*size*3 bytes. This is what
 * `--seed world:KIND:SEED` uses. */
int dfv_world_render_seed(dfv_world_kind kind, uint64_t seed, int size, int count, uint8_t *rgb,
                          char err[DFV_ERR_LEN]);
/* Parses "world:maze:SEED" / "world:voxel:SEED" (decimal seed). Returns -1 if spec is not of that form. */
int dfv_world_parse_seed_spec(const char *spec, dfv_world_kind *kind, uint64_t *seed);

#endif
