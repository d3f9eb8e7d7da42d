/* The maze world (DMLab-like): a grid maze with rooms, per-zone textures, posters, pillars and objects,
 * drawn by a perspective-correct raycaster.
 *
 * Units: one map cell = 1.0. The camera is a circle of radius DFV_MAZE_BODY_RADIUS at eye height 0.5
 * (walls span heights 0..1). Per frame: forward/backward move DFV_MAZE_MOVE_STEP, strafes move
 * DFV_MAZE_STRAFE_STEP, turns rotate DFV_MAZE_TURN_STEP radians (6 degrees). Horizontal field of view
 * DFV_MAZE_FOV (60 degrees), square pixels. */
#ifndef DFV_MAZE_H
#define DFV_MAZE_H

#include <stdint.h>

#include "world.h"

#define DFV_MAZE_MAP 21 /* cells per side: a 10x10 maze of corridors on odd cells plus walls */
#define DFV_MAZE_MOVE_STEP 0.10f
#define DFV_MAZE_STRAFE_STEP 0.08f
#define DFV_MAZE_TURN_STEP 0.10471976f
#define DFV_MAZE_FOV 1.04719755f
#define DFV_MAZE_BODY_RADIUS 0.2f
#define DFV_MAZE_OBJECT_RADIUS 0.15f

enum {
    DFV_MAZE_NONE,
    DFV_MAZE_FORWARD,
    DFV_MAZE_BACKWARD,
    DFV_MAZE_TURN_LEFT,
    DFV_MAZE_TURN_RIGHT,
    DFV_MAZE_STRAFE_LEFT,
    DFV_MAZE_STRAFE_RIGHT,
    DFV_MAZE_ACTION_COUNT
};

enum { DFV_MAZE_OPEN = 0, DFV_MAZE_WALL = 1, DFV_MAZE_PILLAR = 2 };

typedef struct dfv_maze dfv_maze;

extern const char *const dfv_maze_action_names[DFV_MAZE_ACTION_COUNT];

int dfv_maze_create(uint64_t seed, int size, dfv_maze **out, char err[DFV_ERR_LEN]);
void dfv_maze_destroy(dfv_maze *maze);
void dfv_maze_step(dfv_maze *maze, const float *action);
void dfv_maze_render(const dfv_maze *maze, uint8_t *rgb);
dfv_world_pose dfv_maze_pose(const dfv_maze *maze);
/* For tests and tools: places the camera (no collision check) and reads the map. */
void dfv_maze_set_pose(dfv_maze *maze, float x, float y, float yaw);
int dfv_maze_cell(const dfv_maze *maze, int cx, int cy);
int dfv_maze_is_solid(const dfv_maze *maze, float x, float y);
int dfv_maze_body_collides(const dfv_maze *maze, float x, float y);
float dfv_maze_clearance(const dfv_maze *maze, float relative_yaw, float max_distance);

#endif
