/* The voxel world (Minecraft-like): a 128x128-column, 40-block-high terrain that wraps around (a torus,
 * so there are no edges), from tiling value noise: hills, stone peaks, sand beaches, water at level
 * DFV_VOXEL_WATER_LEVEL, trees. Procedurally textured blocks; sky gradient with a sun and noise clouds;
 * distance fog; first-person voxel ray marching (3D DDA).
 *
 * Units: one block = 1.0; z is up. The body is a box 0.6 wide and 1.8 tall; eyes 1.6 above the feet.
 * Per frame: forward 0.15, backward 0.10, strafe 0.12 blocks; turn 6 degrees; look up/down 5 degrees
 * (pitch clamped to +-60 degrees); gravity 0.04 blocks/frame^2; jump speed 0.32 blocks/frame (clears one
 * block); in water gravity is weaker and jump swims up. Horizontal field of view 70 degrees. */
#ifndef DFV_VOXEL_H
#define DFV_VOXEL_H

#include <stdint.h>

#include "world.h"

#define DFV_VOXEL_WATER_LEVEL 12
#define DFV_VOXEL_FOV 1.22173048f
#define DFV_VOXEL_TURN_STEP 0.10471976f
#define DFV_VOXEL_LOOK_STEP 0.08726646f
#define DFV_VOXEL_MAX_PITCH 1.04719755f

enum {
    DFV_VOXEL_FORWARD,
    DFV_VOXEL_BACKWARD,
    DFV_VOXEL_STRAFE_LEFT,
    DFV_VOXEL_STRAFE_RIGHT,
    DFV_VOXEL_JUMP,
    DFV_VOXEL_TURN_LEFT,
    DFV_VOXEL_TURN_RIGHT,
    DFV_VOXEL_LOOK_UP,
    DFV_VOXEL_LOOK_DOWN,
    DFV_VOXEL_ACTION_COUNT
};

typedef struct dfv_voxel dfv_voxel;

extern const char *const dfv_voxel_action_names[DFV_VOXEL_ACTION_COUNT];

int dfv_voxel_create(uint64_t seed, int size, dfv_voxel **out, char err[DFV_ERR_LEN]);
void dfv_voxel_destroy(dfv_voxel *voxel);
void dfv_voxel_step(dfv_voxel *voxel, const float *action);
void dfv_voxel_render(const dfv_voxel *voxel, uint8_t *rgb);
dfv_world_pose dfv_voxel_pose(const dfv_voxel *voxel);
float dfv_voxel_clearance(const dfv_voxel *voxel, float relative_yaw, float max_distance);
int dfv_voxel_is_solid(const dfv_voxel *voxel, float x, float y, float z);
int dfv_voxel_body_collides(const dfv_voxel *voxel);
/* For tests: places the camera's feet (no collision check) and reads blocks (0 = air). */
void dfv_voxel_set_pose(dfv_voxel *voxel, float x, float y, float z, float yaw, float pitch);
int dfv_voxel_block(const dfv_voxel *voxel, int x, int y, int z);
int dfv_voxel_on_ground(const dfv_voxel *voxel);

#endif
