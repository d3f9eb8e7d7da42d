// Flat workgroup index over the 2D grid of workgroups that dfv_op_grid() (compute/vk_op_util.c) makes:
// large element counts exceed the 65535 workgroups some devices allow in x.
#ifndef DFV_GRID_GLSL
#define DFV_GRID_GLSL

uint dfv_flat_group()
{
    return gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
}

#endif
