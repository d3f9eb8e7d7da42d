/* One kind of world: everything world.c and the exploration agent need to know about it.
 *
 * Adding a world: write worlds/<name>_world.c (or one file with the simulator too) that defines a
 * `const dfv_world_class dfv_<name>_world`, declare it below, and add it to the table in world.c. Its
 * index in that table is its dfv_world_kind; `--world NAME`, `world:NAME:SEED` seeds, datasets and eval
 * find it by name. */
#ifndef DFV_WORLD_CLASS_H
#define DFV_WORLD_CLASS_H

#include "agent.h"
#include "world.h"

typedef struct {
    const char *name;
    int action_count; /* at most DFV_MAX_ACTIONS */
    const char *const *action_names;
    dfv_action_kind action_style;
    int idle_action; /* the "no action" slot of a one-hot world; -1: no action is all zeros */
    /* The simulator, behind an opaque pointer. */
    int (*create)(uint64_t seed, int size, void **sim, char err[DFV_ERR_LEN]);
    void (*destroy)(void *sim);
    void (*step)(void *sim, const float *action);
    void (*render)(const void *sim, uint8_t *rgb);
    dfv_world_pose (*pose)(const void *sim);
    float (*clearance)(const void *sim, float relative_yaw, float max_distance);
    int (*is_solid)(const void *sim, float x, float y, float z);
    int (*camera_collides)(const void *sim);
    /* The exploration agent's policy (agent.c): a new held choice when the last one ran out, then,
     * optionally, a correction of the held choice before each frame (steer) and of the action taken
     * (correct). */
    void (*agent_choose)(dfv_agent *agent, const dfv_world *world);
    void (*agent_steer)(dfv_agent *agent, const dfv_world *world);
    void (*agent_correct)(dfv_agent *agent, const dfv_world *world, float *action);
} dfv_world_class;

extern const dfv_world_class dfv_maze_world;
extern const dfv_world_class dfv_voxel_world;

/* The class of a kind (a valid one: 0..dfv_world_kind_count()-1). */
const dfv_world_class *dfv_world_class_of(dfv_world_kind kind);

#endif
