/* The exploration agent that drives the worlds for datasets, seeds and eval: sticky random actions (each
 * choice is held for a random number of frames), biased toward moving forward and turning away from
 * walls, so clips look like a person exploring. Deterministic from its seed and the world it sees. */
#ifndef DFV_AGENT_H
#define DFV_AGENT_H

#include <stdint.h>

#include "rng.h"
#include "world.h"

typedef struct {
    dfv_world_kind kind;
    dfv_rng rng;
    int hold_frames;                          /* frames the current choice still lasts */
    float current[DFV_MAX_ACTIONS];     /* the held action vector */
    int turning_away;                         /* turning until the view ahead is open again */
} dfv_agent;

void dfv_agent_init(dfv_agent *agent, dfv_world_kind kind, uint64_t seed);
/* Writes the next frame's action vector (dfv_world_action_count(kind) floats, each 0 or 1). */
void dfv_agent_act(dfv_agent *agent, const dfv_world *world, float *action);
/* The vector that means "no action" for a kind (one-hot: the "none" slot; multi-hot: all zeros). */
void dfv_agent_idle_action(dfv_world_kind kind, float *action);

/* For the worlds' own exploration policies (world_class.h): an index drawn from unnormalised weights, and
 * whether turning left faces the more open side. */
int dfv_agent_weighted_choice(dfv_rng *rng, const float *weights, int count);
int dfv_agent_open_side_is_left(const dfv_world *world, dfv_rng *rng);

#endif
