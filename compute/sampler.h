/* The Diffusion Forcing sampler (shared/reference/diffusion-forcing.md §4): DDIM with a noise level per
 * frame, scheduling matrices (schedule.h), a sliding window over the frame sequence, and counter-based
 * noise (rng.h). The network is a callback; nothing here knows about Vulkan.
 *
 * A "frame" is one token of the model: channels × frame_stack planes of resolution² floats, in [-1, 1]
 * (the data normalisation is the caller's). Frames are stored frame-major (T × C × H × W, float32). */
#ifndef DFV_SAMPLER_H
#define DFV_SAMPLER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "schedule.h"

/* One network call: x_in and out are frames × frame_size floats, timesteps one per frame (0..T-1),
 * actions frames × action_dim floats or NULL for unconditioned models. Returns DFV_OK or an error with
 * its one line in err, which the sampler passes on after the frame and step that failed. */
typedef dfv_status (*dfv_denoise_fn)(void *user, const float *x_in, const int32_t *timesteps, const float *actions,
                                     int frames, float *out, char err[DFV_ERR_LEN]);

/* ---- the DDIM step on its own (per-frame levels) ----------------------------------------------- */

typedef struct {
    const float *alphas_cumprod; /* timesteps values */
    int timesteps;
    int steps; /* sampling steps S: levels are 0..S */
    int stabilization_level;
    dfv_objective objective;
    float eta;
    float clip_noise;
} dfv_ddim_params;

/* What the network sees when leaving levels k_from: clean frames (timestep -1) are fed as
 * sqrt(ᾱ[L-1])·x at timestep L-1 (L = stabilization level), the others as they are. With
 * `context_noise` (frames × frame_size standard normals, clamped here to ±clip_noise; NULL: none) a clean
 * frame is fed as sqrt(ᾱ[L-1])·x + sqrt(1 - ᾱ[L-1])·noise instead: a real sample at the level its
 * timestep claims, as in training, rather than the official zero-noise scaling. */
void dfv_ddim_model_inputs(const dfv_ddim_params *p, const float *x, const int32_t *k_from, int frames,
                           size_t frame_size, const float *context_noise, float *x_in, int32_t *timesteps);
/* Moves x (in place) from levels k_from to k_to given the network output on x_in. Frames whose level
 * does not change keep x bit for bit. `noise` (frames × frame_size standard normals, clamped here to
 * ±clip_noise) is read only when eta > 0 and only for frames that change; NULL is fine with eta = 0.
 * A pred_noise output is clamped to ±clip_noise first, as the official code does. */
void dfv_ddim_update(const dfv_ddim_params *p, float *x, const float *x_in, const float *model_out,
                     const int32_t *k_from, const int32_t *k_to, int frames, size_t frame_size, const float *noise);

/* ---- rollouts ---------------------------------------------------------------------------------- */

typedef struct {
    int steps;               /* sampling steps, 1..min(1000, timesteps) */
    dfv_schedule schedule;   /* scheduling matrix */
    int chunk;               /* new frames denoised together (the matrix horizon), 1..window */
    int window;              /* frames the network sees at most, 1..the model's window */
    int stabilization_level; /* 1..timesteps */
    bool context_noise;      /* clean frames with real noise at the stabilization level, drawn once per chunk */
    float eta;               /* 0 = deterministic DDIM */
    uint64_t seed;           /* noise seed */
} dfv_sampler_settings;

/* The model's defaults (its diffusion section), seed 0. Start from these and override. */
void dfv_sampler_settings_default(const dfv_model_config *config, dfv_sampler_settings *out);

typedef struct dfv_sampler dfv_sampler;

/* Checks the settings against the model (one error line naming the setting) and allocates the window
 * buffers once; the config must outlive the sampler. */
dfv_status dfv_sampler_create(const dfv_model_config *config, const dfv_sampler_settings *settings,
                              dfv_denoise_fn denoise, void *user, dfv_sampler **out, char err[DFV_ERR_LEN]);
void dfv_sampler_destroy(dfv_sampler *sampler);
size_t dfv_sampler_frame_size(const dfv_sampler *sampler);
/* The cached-context path, for networks whose earlier frames do not depend on later ones (per-frame
 * GroupNorm, causal attention; see dfv_unet_can_cache). Once per chunk the sampler hands over the clean
 * context frames as the network sees them (sqrt(ᾱ)·x at the stabilization timestep, plus the chunk's
 * context noise when it is on, with their action rows); every step then runs `denoise_new` on the chunk's
 * new frames only (n_new = horizon), their timesteps and action rows, expecting outputs for those frames. Chunks without context use `denoise`. */
typedef dfv_status (*dfv_cache_context_fn)(void *user, const float *x_in, const int32_t *timesteps,
                                           const float *actions, int n_context, char err[DFV_ERR_LEN]);
void dfv_sampler_use_cached_context(dfv_sampler *sampler, dfv_cache_context_fn cache_context,
                                    dfv_denoise_fn denoise_new);

/* Network calls needed for `count` new frames (for progress bars and benchmarks). */
int64_t dfv_sampler_calls_for(const dfv_sampler *sampler, int count);

/* Produces `count` new frames after a history of clean frames, in chunks of settings.chunk.
 *   history        n_history frames, oldest first (only the last window - 1 matter; n_history may be 0)
 *   history_start  absolute index of history[0] in the rollout: noise is keyed by absolute frame index,
 *                  so a branch re-generated from the same frame with the same seed repeats itself
 *   actions        (n_history + count) × action_dim rows aligned with history then the new frames, or NULL
 *   out            count frames
 * The app keeps the history (and branches); the sampler keeps nothing between calls. */
dfv_status dfv_sampler_next(dfv_sampler *sampler, const float *history, int n_history, int64_t history_start,
                            const float *actions, int count, float *out, char err[DFV_ERR_LEN]);

/* Whole rollout into frames[total × frame_size], whose first n_context frames are the (clean) context. */
dfv_status dfv_sampler_rollout(dfv_sampler *sampler, float *frames, int n_context, int total, const float *actions,
                               char err[DFV_ERR_LEN]);

#endif
