/* The public world API: dispatches to the maze or voxel simulator. */
#include "world.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maze.h"
#include "voxel.h"

struct dfv_world {
    dfv_world_kind kind;
    int size;
    uint64_t seed;
    dfv_maze *maze;
    dfv_voxel *voxel;
};

static const char *const kind_names[] = {"maze", "voxel"};

int dfv_world_kind_from_name(const char *name, dfv_world_kind *kind)
{
    for (int k = 0; k < 2; k++)
        if (name && !strcmp(name, kind_names[k])) {
            *kind = (dfv_world_kind)k;
            return 0;
        }
    return -1;
}

const char *dfv_world_kind_name(dfv_world_kind kind) { return kind == DFV_WORLD_VOXEL ? "voxel" : "maze"; }

int dfv_world_action_count(dfv_world_kind kind)
{
    return kind == DFV_WORLD_VOXEL ? DFV_VOXEL_ACTION_COUNT : DFV_MAZE_ACTION_COUNT;
}

const char *const *dfv_world_action_names(dfv_world_kind kind)
{
    return kind == DFV_WORLD_VOXEL ? dfv_voxel_action_names : dfv_maze_action_names;
}

dfv_world_action_style dfv_world_action_kind(dfv_world_kind kind)
{
    return kind == DFV_WORLD_VOXEL ? DFV_WORLD_MULTI_HOT : DFV_WORLD_ONE_HOT;
}

const char *dfv_world_action_kind_name(dfv_world_action_style kind) { return kind == DFV_WORLD_MULTI_HOT ? "multi-hot" : "one-hot"; }

int dfv_world_action_index(dfv_world_kind kind, const char *name)
{
    const char *const *names = dfv_world_action_names(kind);
    for (int i = 0; i < dfv_world_action_count(kind); i++)
        if (name && !strcmp(names[i], name)) return i;
    return -1;
}

static int build(dfv_world *w, char err[DFV_WORLD_ERR_LEN])
{
    if (w->kind == DFV_WORLD_VOXEL) return dfv_voxel_create(w->seed, w->size, &w->voxel, err);
    return dfv_maze_create(w->seed, w->size, &w->maze, err);
}

static void release(dfv_world *w)
{
    dfv_maze_destroy(w->maze);
    dfv_voxel_destroy(w->voxel);
    w->maze = NULL;
    w->voxel = NULL;
}

int dfv_world_create(dfv_world_kind kind, uint64_t seed, int size, dfv_world **out, char err[DFV_WORLD_ERR_LEN])
{
    if (kind != DFV_WORLD_MAZE && kind != DFV_WORLD_VOXEL) {
        snprintf(err, DFV_WORLD_ERR_LEN, "world: unknown kind %d", (int)kind);
        return -1;
    }
    dfv_world *w = calloc(1, sizeof *w);
    if (!w) {
        snprintf(err, DFV_WORLD_ERR_LEN, "world: out of memory");
        return -1;
    }
    *w = (dfv_world){kind, size, seed, NULL, NULL};
    if (build(w, err)) {
        free(w);
        return -1;
    }
    *out = w;
    return 0;
}

void dfv_world_destroy(dfv_world *world)
{
    if (!world) return;
    release(world);
    free(world);
}

int dfv_world_reset(dfv_world *world, uint64_t seed, char err[DFV_WORLD_ERR_LEN])
{
    release(world);
    world->seed = seed;
    return build(world, err);
}

dfv_world_kind dfv_world_get_kind(const dfv_world *world) { return world->kind; }
int dfv_world_size(const dfv_world *world) { return world->size; }
uint64_t dfv_world_seed(const dfv_world *world) { return world->seed; }

void dfv_world_step(dfv_world *world, const float *action, uint8_t *rgb)
{
    if (world->kind == DFV_WORLD_VOXEL) dfv_voxel_step(world->voxel, action);
    else dfv_maze_step(world->maze, action);
    if (rgb) dfv_world_render(world, rgb);
}

void dfv_world_render(const dfv_world *world, uint8_t *rgb)
{
    if (world->kind == DFV_WORLD_VOXEL) dfv_voxel_render(world->voxel, rgb);
    else dfv_maze_render(world->maze, rgb);
}

dfv_world_pose dfv_world_get_pose(const dfv_world *world)
{
    return world->kind == DFV_WORLD_VOXEL ? dfv_voxel_pose(world->voxel) : dfv_maze_pose(world->maze);
}

float dfv_world_clearance(const dfv_world *world, float relative_yaw, float max_distance)
{
    if (world->kind == DFV_WORLD_VOXEL) return dfv_voxel_clearance(world->voxel, relative_yaw, max_distance);
    return dfv_maze_clearance(world->maze, relative_yaw, max_distance);
}

int dfv_world_is_solid(const dfv_world *world, float x, float y, float z)
{
    if (world->kind == DFV_WORLD_VOXEL) return dfv_voxel_is_solid(world->voxel, x, y, z);
    (void)z;
    return dfv_maze_is_solid(world->maze, x, y);
}

int dfv_world_camera_collides(const dfv_world *world)
{
    if (world->kind == DFV_WORLD_VOXEL) return dfv_voxel_body_collides(world->voxel);
    dfv_world_pose p = dfv_maze_pose(world->maze);
    return dfv_maze_body_collides(world->maze, p.x, p.y);
}
