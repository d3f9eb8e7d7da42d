/* A frame source over the procedural worlds (worlds/world.h): `dfview world` plays the simulator itself
 * through the same viewer as the models. Each frame's timeline state holds the camera pose it shows, so
 * stepping from any earlier frame (a branch) first restores the world to that frame by replaying the
 * path's actions from the seed (exact: the worlds are deterministic) and checks the pose it reaches. */
#ifndef DFV_WORLD_SOURCE_H
#define DFV_WORLD_SOURCE_H

#include <stdint.h>

#include "frame_source.h"
#include "world.h"

typedef struct {
    dfv_world_kind kind;
    uint64_t seed;
    int size; /* frame width = height in pixels */
} dfv_world_source_desc;

/* NULL with the reason in err on failure. The returned source (struct included) is freed by calling its
 * destroy(user). */
dfv_frame_source *dfv_world_source_create(const dfv_world_source_desc *desc, char err[DFV_ERR_LEN]);

/* The camera pose a world frame shows, read from its timeline state; false for frames without one. */
bool dfv_world_source_pose(const dfv_timeline_frame *frame, dfv_world_pose *pose);

#endif
