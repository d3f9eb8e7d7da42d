/* The session's model families (internal to app/core): a family opens its model file, device and networks,
 * and turns a context of frames into the next frame. session.c owns what every family shares (options,
 * sampler settings, seeds, the public API) and dispatches on the file's `architecture.type`:
 *   session_unet.c   "unet3d": pixel-space Unet3D through compute/sampler.c (no per-frame state);
 *   session_oasis.c  "oasis":  open-oasis's DiT over ViT-VAE latents (per-frame state: the latent). */
#ifndef DFV_SESSION_FAMILY_H
#define DFV_SESSION_FAMILY_H

#include "session.h"

/* What a family tells the session about its model once open. */
typedef struct {
    const dfv_model_config *config; /* name, actions, diffusion defaults (Oasis: derived from its file) */
    const char *device_name;
    int width, height, context_frames;
    size_t state_floats; /* per-frame model state the rollout keeps (0: none) */
    bool stretch_seeds;  /* seeds resized whole to width×height rather than center-cropped to its aspect */
    bool world_seeds;    /* the world simulators' square frames fit this model */
} dfv_session_model;

/* One next-frame request: `n` context frames (RGB24 and, when the family keeps state, n × state_floats
 * floats), oldest first, the first at absolute index first_index; actions holds n + 1 rows. */
typedef struct {
    const uint8_t *context;
    const float *state;
    int n;
    int64_t first_index;
    const float *actions;
    uint8_t *out_rgb;
    float *out_state; /* state_floats floats, or NULL when the family keeps none */
} dfv_session_request;

typedef struct {
    const char *type; /* architecture.type */
    int (*open)(const dfv_session_desc *desc, void **impl, dfv_session_model *model, char err[DFV_ERR_LEN]);
    void (*close)(void *impl);
    /* Checks settings and rebuilds what depends on them; on failure the previous settings stay. */
    int (*configure)(void *impl, const dfv_sampler_settings *settings, bool no_cache, char err[DFV_ERR_LEN]);
    /* Seed frames (RGB24) → their states; NULL when state_floats is 0. */
    int (*encode)(void *impl, const uint8_t *rgb, int n, float *state, char err[DFV_ERR_LEN]);
    int (*next)(void *impl, const dfv_session_request *req, char err[DFV_ERR_LEN]);
    int (*calls_last)(const void *impl);
} dfv_session_family;

extern const dfv_session_family dfv_session_unet3d;
extern const dfv_session_family dfv_session_oasis;

#endif
