/* The public world API over the table of world kinds (world_class.h). */
#include "world.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "world_class.h"

/* Every world kind; a kind is its index here. */
static const dfv_world_class *const world_classes[] = {&dfv_maze_world, &dfv_voxel_world};

struct dfv_world {
    dfv_world_kind kind;
    const dfv_world_class *cls;
    int size;
    uint64_t seed;
    void *sim;
};

int dfv_world_kind_count(void) { return (int)(sizeof world_classes / sizeof world_classes[0]); }

static bool valid_kind(dfv_world_kind kind) { return (int)kind >= 0 && (int)kind < dfv_world_kind_count(); }

/* An invalid kind reads as the first, as the API always did for out-of-range kinds. */
const dfv_world_class *dfv_world_class_of(dfv_world_kind kind)
{
    return world_classes[valid_kind(kind) ? (int)kind : 0];
}

void dfv_world_kind_list(const char *separator, char *out, size_t size)
{
    int used = 0;
    out[0] = 0;
    for (int k = 0; k < dfv_world_kind_count() && used >= 0 && (size_t)used < size; k++) {
        int n = snprintf(out + used, size - (size_t)used, "%s%s", k ? separator : "", world_classes[k]->name);
        used = n < 0 ? -1 : used + n;
    }
}

int dfv_world_kind_from_name(const char *name, dfv_world_kind *kind)
{
    for (int k = 0; k < dfv_world_kind_count(); k++)
        if (name && !strcmp(name, world_classes[k]->name)) {
            *kind = (dfv_world_kind)k;
            return 0;
        }
    return -1;
}

const char *dfv_world_kind_name(dfv_world_kind kind) { return dfv_world_class_of(kind)->name; }
int dfv_world_action_count(dfv_world_kind kind) { return dfv_world_class_of(kind)->action_count; }
const char *const *dfv_world_action_names(dfv_world_kind kind) { return dfv_world_class_of(kind)->action_names; }
dfv_action_kind dfv_world_action_kind(dfv_world_kind kind) { return dfv_world_class_of(kind)->action_style; }

const char *dfv_world_action_kind_name(dfv_action_kind kind) { return kind == DFV_ACTIONS_MULTI_HOT ? "multi-hot" : "one-hot"; }

int dfv_world_action_index(dfv_world_kind kind, const char *name)
{
    const char *const *names = dfv_world_action_names(kind);
    for (int i = 0; i < dfv_world_action_count(kind); i++)
        if (name && !strcmp(names[i], name)) return i;
    return -1;
}

int dfv_world_create(dfv_world_kind kind, uint64_t seed, int size, dfv_world **out, char err[DFV_ERR_LEN])
{
    if (!valid_kind(kind)) {
        dfv_error_set(err, "world: unknown kind %d", (int)kind);
        return -1;
    }
    dfv_world *w = calloc(1, sizeof *w);
    if (!w) {
        dfv_error_set(err, "world: out of memory");
        return -1;
    }
    *w = (dfv_world){kind, world_classes[kind], size, seed, NULL};
    if (w->cls->create(seed, size, &w->sim, err)) {
        free(w);
        return -1;
    }
    *out = w;
    return 0;
}

void dfv_world_destroy(dfv_world *world)
{
    if (!world) return;
    world->cls->destroy(world->sim);
    free(world);
}

int dfv_world_reset(dfv_world *world, uint64_t seed, char err[DFV_ERR_LEN])
{
    world->cls->destroy(world->sim);
    world->sim = NULL;
    world->seed = seed;
    return world->cls->create(seed, world->size, &world->sim, err);
}

dfv_world_kind dfv_world_get_kind(const dfv_world *world) { return world->kind; }
int dfv_world_size(const dfv_world *world) { return world->size; }
uint64_t dfv_world_seed(const dfv_world *world) { return world->seed; }

void dfv_world_step(dfv_world *world, const float *action, uint8_t *rgb)
{
    world->cls->step(world->sim, action);
    if (rgb) dfv_world_render(world, rgb);
}

void dfv_world_render(const dfv_world *world, uint8_t *rgb) { world->cls->render(world->sim, rgb); }
dfv_world_pose dfv_world_get_pose(const dfv_world *world) { return world->cls->pose(world->sim); }

float dfv_world_clearance(const dfv_world *world, float relative_yaw, float max_distance)
{
    return world->cls->clearance(world->sim, relative_yaw, max_distance);
}

int dfv_world_is_solid(const dfv_world *world, float x, float y, float z)
{
    return world->cls->is_solid(world->sim, x, y, z);
}

int dfv_world_camera_collides(const dfv_world *world) { return world->cls->camera_collides(world->sim); }
