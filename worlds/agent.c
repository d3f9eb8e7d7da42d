#include "agent.h"

#include <string.h>

#include "world_class.h"

void dfv_agent_init(dfv_agent *agent, dfv_world_kind kind, uint64_t seed)
{
    memset(agent, 0, sizeof *agent);
    agent->kind = kind;
    /* Salted so that the agent's choices are independent of the world generated from the same seed. */
    agent->rng = dfv_rng_make(seed ^ 0x6167656e74ULL);
}

void dfv_agent_idle_action(dfv_world_kind kind, float *action)
{
    const dfv_world_class *c = dfv_world_class_of(kind);
    memset(action, 0, sizeof(float) * (size_t)c->action_count);
    if (c->idle_action >= 0) action[c->idle_action] = 1.0f;
}

/* Picks an index from unnormalised weights. */
int dfv_agent_weighted_choice(dfv_rng *rng, const float *weights, int count)
{
    float total = 0;
    for (int i = 0; i < count; i++) total += weights[i];
    float r = dfv_rng_float(rng) * total;
    for (int i = 0; i < count; i++) {
        if (r < weights[i]) return i;
        r -= weights[i];
    }
    return count - 1;
}

/* Turn toward whichever side is more open: left if the left probe sees farther. */
int dfv_agent_open_side_is_left(const dfv_world *world, dfv_rng *rng)
{
    float left = dfv_world_clearance(world, 1.0f, 4.0f), right = dfv_world_clearance(world, -1.0f, 4.0f);
    if (left == right) return dfv_rng_float(rng) < 0.5f;
    return left > right;
}

void dfv_agent_act(dfv_agent *a, const dfv_world *world, float *action)
{
    const dfv_world_class *c = dfv_world_class_of(a->kind);
    if (a->hold_frames <= 0) {
        a->turning_away = 0;
        c->agent_choose(a, world);
    }
    if (c->agent_steer) c->agent_steer(a, world);
    a->hold_frames--;
    memcpy(action, a->current, sizeof(float) * (size_t)c->action_count);
    if (c->agent_correct) c->agent_correct(a, world, action);
}
