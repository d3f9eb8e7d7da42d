/* Action-labelled video datasets from a world, in the format the trainer reads:
 *   DIR/manifest.json  {"world", "size", "frames_per_episode", "action_names", "action_kind", "seed",
 *                       "shards": [{"frames", "actions", "episodes", "first_seed"}]}
 *   DIR/shard_NNNN_frames.npy   uint8   (episodes, frames, size, size, 3)
 *   DIR/shard_NNNN_actions.npy  float32 (episodes, frames, actions)
 * Episode e (counting from 0 over all shards) uses world seed `seed + e`. actions[t] is the action that
 * led from frame t-1 to frame t; frame 0 is the spawn view and actions[0] is the idle action ("none"
 * one-hot for the maze, all zeros for the voxel world). */
#ifndef DFV_DATASET_H
#define DFV_DATASET_H

#include <stdint.h>

#include "world.h"

typedef struct {
    dfv_world_kind kind;
    int episodes;
    int frames;          /* per episode */
    int size;            /* pixels per side */
    uint64_t seed;
    const char *out_dir; /* created if missing */
    int threads;         /* 0: one per online CPU */
    int shard_episodes;  /* 0: as many as fit in about 256 MiB of frames */
    int progress;        /* draw a progress bar on stderr */
} dfv_dataset_desc;

typedef struct {
    double seconds;
    int64_t frames;
    int shards;
} dfv_dataset_stats;

/* Renders one episode: frames (frames*size*size*3 bytes) and actions (frames*action_count floats). */
int dfv_dataset_episode(dfv_world_kind kind, uint64_t seed, int frames, int size, uint8_t *rgb, float *actions,
                        char err[DFV_ERR_LEN]);

int dfv_dataset_write(const dfv_dataset_desc *desc, dfv_dataset_stats *stats, char err[DFV_ERR_LEN]);

/* The same episodes as a byte stream on fd (out_dir and shard_episodes are ignored; episodes 0: until the
 * reader closes the pipe, which ends the stream without an error):
 *   one line of JSON  {"format": "dfview-dataset-stream", "version": 1, "world", "size", "frames_per_episode",
 *                      "action_count", "action_names", "action_kind", "seed"}
 *   then per episode, in seed order: uint8 frames (frames, size, size, 3), float32 little-endian actions
 *   (frames, action_count). */
int dfv_dataset_stream(const dfv_dataset_desc *desc, int fd, dfv_dataset_stats *stats, char err[DFV_ERR_LEN]);

#endif
