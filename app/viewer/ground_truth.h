/* The simulator's view of a model rollout seeded from a world (`--seed world:KIND:SEED --ground-truth`):
 * for any frame of the model's timeline, what the world shows after the same actions. The seed frames
 * follow the exploration agent exactly as `world:` seeds are rendered (worlds/world.h), then each model
 * frame's action steps the world. Computed on demand, cached per frame, memory proportional to frames. */
#ifndef DFV_GROUND_TRUTH_H
#define DFV_GROUND_TRUTH_H

#include <stdint.h>

#include "timeline.h"
#include "world.h"

typedef struct dfv_ground_truth dfv_ground_truth;

/* For a timeline of `size`² frames whose seeds hold `context_frames` frames of world KIND/SEED. The
 * actions must be the world's (same count); NULL with err otherwise. */
dfv_ground_truth *dfv_ground_truth_create(dfv_world_kind kind, uint64_t seed, int size, int context_frames, int action_dim,
                                          char err[DFV_ERR_LEN]);
void dfv_ground_truth_destroy(dfv_ground_truth *gt);

/* The world's frame for timeline frame id (size²×3 RGB), or NULL when the frame does not grow from the
 * world seed (a root from elsewhere). Valid while gt lives. Not thread-safe: one caller (the UI). */
const uint8_t *dfv_ground_truth_frame(dfv_ground_truth *gt, const dfv_timeline *tl, int id);

#endif
