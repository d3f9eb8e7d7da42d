/* The voxel world (Minecraft-like). */
#ifndef DFV_VOXEL_H
#define DFV_VOXEL_H

#include <stdint.h>

#include "world.h"

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

int dfv_voxel_create(uint64_t seed, int size, dfv_voxel **out, char err[DFV_WORLD_ERR_LEN]);
void dfv_voxel_destroy(dfv_voxel *voxel);
void dfv_voxel_step(dfv_voxel *voxel, const float *action);
void dfv_voxel_render(const dfv_voxel *voxel, uint8_t *rgb);
dfv_world_pose dfv_voxel_pose(const dfv_voxel *voxel);
float dfv_voxel_clearance(const dfv_voxel *voxel, float relative_yaw, float max_distance);
int dfv_voxel_is_solid(const dfv_voxel *voxel, float x, float y, float z);
int dfv_voxel_body_collides(const dfv_voxel *voxel);

#endif
