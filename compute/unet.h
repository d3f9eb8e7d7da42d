/* The Diffusion Forcing Unet3D as a graph of ops: planned once per window length, recorded once, resubmitted
 * for every network call. Inputs and outputs live in host-visible buffers, so a call costs one submit. */
#ifndef DFV_UNET_H
#define DFV_UNET_H

#include "model.h"
#include "vk_core.h"

typedef struct dfv_unet dfv_unet;

typedef struct {
    dfv_dtype dtype; /* DFV_F32 (reference) or DFV_F16 (fp16 storage, fp32 arithmetic) */
} dfv_unet_desc;

/* Errors, here and in every call below, are the context's (dfv_ctx_error); *out is NULL on failure. */
dfv_status dfv_unet_create(dfv_ctx *ctx, const dfv_model *model, const dfv_unet_desc *desc, dfv_unet **out);
void dfv_unet_destroy(dfv_unet *net);

/* One network call on T frames (1 ≤ T ≤ the model's window): x T×C×H×W already normalised to [-1, 1],
 * timesteps T real timesteps (0…999), actions T×A or NULL (zeros). Writes v (or ε / x0, per the model's
 * objective) T×C×H×W. The sequence for each T is recorded on first use and kept. */
dfv_status dfv_unet_forward(dfv_unet *net, const float *x, const int32_t *timesteps, const float *actions, int T,
                            float *out);

/* Cached context (models with per-frame GroupNorm only): dfv_unet_cache_context runs the network on clean
 * context frames and keeps every temporal-attention layer's keys and values; dfv_unet_forward_cached then
 * runs the network on n_new frames only, attending to the cached frames first. */
bool dfv_unet_can_cache(const dfv_unet *net);
dfv_status dfv_unet_cache_context(dfv_unet *net, const float *x, const int32_t *timesteps, const float *actions,
                                  int n_ctx);
dfv_status dfv_unet_forward_cached(dfv_unet *net, const float *x_new, const int32_t *timesteps_new,
                                   const float *actions_new, int n_new, float *out);

/* The last forward's dispatch sequence, for profiling and benchmarks (NULL before the first call). */
dfv_seq *dfv_unet_last_seq(dfv_unet *net);
double dfv_unet_flops(const dfv_unet *net, int T); /* model FLOPs of one call on T frames */

#endif
