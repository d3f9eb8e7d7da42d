/* Voxel world: placeholder until the simulator lands; creation fails with a clear error. */
#include "voxel.h"

#include <stdio.h>

const char *const dfv_voxel_action_names[DFV_VOXEL_ACTION_COUNT] = {
    "forward", "backward", "strafe_left", "strafe_right", "jump", "turn_left", "turn_right", "look_up", "look_down",
};

int dfv_voxel_create(uint64_t seed, int size, dfv_voxel **out, char err[DFV_WORLD_ERR_LEN])
{
    (void)seed;
    (void)size;
    *out = NULL;
    snprintf(err, DFV_WORLD_ERR_LEN, "voxel: world not built yet");
    return -1;
}

void dfv_voxel_destroy(dfv_voxel *voxel) { (void)voxel; }
void dfv_voxel_step(dfv_voxel *voxel, const float *action) { (void)voxel; (void)action; }
void dfv_voxel_render(const dfv_voxel *voxel, uint8_t *rgb) { (void)voxel; (void)rgb; }
dfv_world_pose dfv_voxel_pose(const dfv_voxel *voxel) { (void)voxel; return (dfv_world_pose){0}; }
float dfv_voxel_clearance(const dfv_voxel *voxel, float relative_yaw, float max_distance)
{
    (void)voxel;
    (void)relative_yaw;
    return max_distance;
}
int dfv_voxel_is_solid(const dfv_voxel *voxel, float x, float y, float z)
{
    (void)voxel;
    (void)x;
    (void)y;
    (void)z;
    return 0;
}
int dfv_voxel_body_collides(const dfv_voxel *voxel) { (void)voxel; return 0; }
