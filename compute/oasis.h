/* Oasis models (issue 13; layout in models/README.md, "Oasis models"): open-oasis's DiT denoiser and ViT-VAE
 * in one dfview file, made by scripts/convert-oasis. The file's configuration is range-checked and every
 * tensor checked against the names and shapes it implies before anything reaches a GPU.
 * Errors: the file calls take the caller's err; the DiT, the sampler and the ViT-VAE run on a context and
 * leave their one line there (dfv_ctx_error, vk_core.h); their create calls set *out to NULL on failure. */
#ifndef DFV_OASIS_H
#define DFV_OASIS_H

#include <stdint.h>

#include "safetensors.h"
#include "vk_core.h"

typedef struct {
    int channels, input_h, input_w, patch; /* latents channels × input_h × input_w, patch × patch tokens */
    int hidden, depth, heads, mlp_hidden;
    int frequency_dim; /* sinusoidal noise-level embedding width (256) */
    int action_dim;    /* 0: no action conditioning */
    int max_frames;    /* the sampler's window */
    float layernorm_eps;
} dfv_oasis_dit_arch;

typedef struct {
    int latent, image_h, image_w, patch;
    int enc_dim, enc_depth, enc_mlp, dec_dim, dec_depth, dec_mlp;
    int heads; /* encoder's and decoder's */
    float layernorm_eps, scaling_factor;
} dfv_oasis_vae_arch;

/* generate.py's sampler, from the file's `diffusion` section (v-prediction only). */
typedef struct {
    int timesteps;         /* noise levels 0…timesteps−1 */
    float *alphas_cumprod; /* timesteps values, as stored (the converter writes generate.py's, bit for bit) */
    int stabilization_level; /* context frames are labelled stabilization_level − 1, kept clean */
    int sampling_steps;      /* DDIM steps over linspace(−1, timesteps − 1, steps + 1) */
    float clip_noise;        /* new-frame noise clamped to ±clip_noise */
    int window;              /* frames the DiT sees: the last `window` of the rollout */
} dfv_oasis_diffusion;

typedef struct dfv_oasis_model dfv_oasis_model;

/* Opens and validates a model file; errors are one line starting with the path. */
dfv_status dfv_oasis_model_open(const char *path, dfv_oasis_model **out, char err[DFV_ERR_LEN]);
/* The same on bytes the caller keeps alive. */
dfv_status dfv_oasis_model_parse(const void *bytes, size_t size, const char *label, dfv_oasis_model **out,
                                 char err[DFV_ERR_LEN]);
void dfv_oasis_model_close(dfv_oasis_model *model);
const dfv_oasis_dit_arch *dfv_oasis_model_dit(const dfv_oasis_model *model);
const dfv_oasis_vae_arch *dfv_oasis_model_vae(const dfv_oasis_model *model);
const dfv_oasis_diffusion *dfv_oasis_model_diffusion(const dfv_oasis_model *model);
/* A tensor by its name in the file (e.g. "dit.blocks.0.s_attn.to_qkv.weight"); NULL when absent. */
const dfv_st_tensor *dfv_oasis_model_tensor(const dfv_oasis_model *model, const char *name);

/* ---- the DiT (compute/dit.c) ---------------------------------------------------------------------- */

typedef struct dfv_dit dfv_dit;

/* Uploads the DiT's weights and its rotary tables, computed from the stored frequencies. dtype: DFV_F32,
 * or DFV_F16 (fp16 weights and activations, fp32 arithmetic; rotary tables stay fp32). */
dfv_status dfv_dit_create(dfv_ctx *ctx, const dfv_oasis_model *model, dfv_dtype dtype, dfv_dit **out);
void dfv_dit_destroy(dfv_dit *net);
/* The official DiT.forward: x (batch, frames, C, H, W) latents, timesteps (batch, frames) noise levels
 * 0…999, actions (batch, frames, action_dim) or NULL (zeros) -> v of x's shape. frames ≤ max_frames;
 * the temporal rotary positions are 0…frames−1, as in the official sliding window. */
dfv_status dfv_dit_forward(dfv_dit *net, const float *x, const int32_t *timesteps, const float *actions, int batch,
                           int frames, float *v);
/* Cached context, batch 1: dfv_dit_context runs the DiT on `frames` context frames (fewer than max_frames)
 * and keeps every block's temporal keys and values; dfv_dit_forward_cached then runs only `frames` new
 * frames placed after them (positions cached…cached+frames−1) and returns their v — what dfv_dit_forward
 * on the context and the new frames together returns for the new ones. */
dfv_status dfv_dit_context(dfv_dit *net, const float *x, const int32_t *timesteps, const float *actions, int frames);
dfv_status dfv_dit_forward_cached(dfv_dit *net, const float *x, const int32_t *timesteps, const float *actions,
                                  int frames, float *v);
const dfv_oasis_dit_arch *dfv_dit_arch(const dfv_dit *net);

/* ---- generate.py's sampling loop (compute/oasis_sampler.c) ------------------------------------------ */

/* One new frame as generate.py makes it, batch 1: x holds `frames` latent frames (C×h×w each) of a
 * rollout, the last being fresh noise (clamped here to ±clip_noise); actions one row per frame. Runs
 * `steps` DDIM steps (0: the model's) over the last `window` frames (0: the model's), context frames
 * labelled stabilization_level − 1 but kept clean, and writes the denoised frame over the last one. */
dfv_status dfv_oasis_denoise_last(dfv_dit *net, const dfv_oasis_diffusion *diffusion, float *x, const float *actions,
                                  int frames, int steps, int window);
/* The same with the context computed once (dfv_dit_context) and only the new frame in each DDIM step:
 * the same result, ~window times less work per step. */
dfv_status dfv_oasis_denoise_last_cached(dfv_dit *net, const dfv_oasis_diffusion *diffusion, float *x,
                                         const float *actions, int frames, int steps, int window);
/* The DDIM noise levels, level k of 0…steps: generate.py's linspace(−1, timesteps − 1, steps + 1) in
 * float32, truncated. */
int dfv_oasis_ddim_level(int timesteps, int steps, int k);

/* ---- the ViT-VAE (compute/vit_vae.c) ---------------------------------------------------------------- */

typedef struct dfv_vit_vae dfv_vit_vae;

dfv_status dfv_vit_vae_create(dfv_ctx *ctx, const dfv_oasis_model *model, dfv_dtype dtype, dfv_vit_vae **out);
void dfv_vit_vae_destroy(dfv_vit_vae *vae);
/* images (n, 3, image_h, image_w) in the encoder's input range [-1, 1] -> z (n, latent, h, w), the
 * posterior mean times the scaling factor: what the DiT takes. */
dfv_status dfv_vit_vae_encode(dfv_vit_vae *vae, const float *images, int n, float *z);
/* z (n, latent, h, w) as the DiT makes it -> (n, 3, image_h, image_w), the decoder's output before it
 * becomes pixels ((y + 1) / 2, clamped). */
dfv_status dfv_vit_vae_decode(dfv_vit_vae *vae, const float *z, int n, float *images);

#endif
