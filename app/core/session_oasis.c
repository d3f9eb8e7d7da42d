/* The Oasis family (issue 13): open-oasis's DiT over ViT-VAE latents, sampled as generate.py does.
 *
 * Per-frame state: a frame's latent (channels × h × w floats). generate.py keeps latents and never
 * re-encodes what it generated, so the rollout keeps each frame's latent beside its RGB24 picture: seed
 * frames get theirs from the VAE encoder (RGB/255·2 − 1 in, the scaled posterior mean out), generated
 * frames the DDIM result. Each new frame starts from the session's counter-based noise for its absolute
 * index (rng.h, as the Unet3D sampler keys it, so replays are bit for bit), clamped to ±clip_noise, runs
 * the model's DDIM steps over the last `window` frames with the context computed once
 * (dfv_oasis_denoise_last_cached; --no-cache: the whole window every step, as generate.py), and is
 * decoded to pixels as generate.py writes its video: ((y + 1) / 2 clamped to [0, 1]) × 255, truncated. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cJSON.h"
#include "oasis.h"
#include "rng.h"
#include "session_family.h"

typedef struct {
    dfv_ctx *ctx;
    dfv_oasis_model *model;
    dfv_dit *dit;
    dfv_vit_vae *vae;
    dfv_model_config config; /* what the app reads of any model: name, actions, diffusion defaults */
    dfv_oasis_diffusion diffusion; /* the model's, with the live stabilization level */
    dfv_sampler_settings settings;
    bool cached;
    int width, height, action_dim, calls_last;
    size_t latent_floats, pixel_floats;
    float *x, *actions, *pixels; /* a window of latents and action rows; one decoded frame */
} oasis_session;

static void oasis_close(void *impl)
{
    oasis_session *o = impl;
    if (!o) return;
    dfv_vit_vae_destroy(o->vae);
    dfv_dit_destroy(o->dit);
    dfv_ctx_destroy(o->ctx);
    dfv_oasis_model_close(o->model);
    free(o->x), free(o->actions), free(o->pixels);
    free(o);
}

/* Name, action names and provenance from the file's `dfview` metadata (dfv_oasis_model_open checked the
 * rest). */
static int read_card(const char *path, dfv_model_config *c, int action_dim, char err[DFV_ERR_LEN])
{
    dfv_st_file *file;
    if (dfv_st_open(path, &file, err)) return -1;
    cJSON *root = cJSON_Parse(dfv_st_metadata(file, "dfview"));
    dfv_st_close(file);
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(root, "name");
    const cJSON *actions = cJSON_GetObjectItemCaseSensitive(root, "actions");
    const cJSON *names = cJSON_GetObjectItemCaseSensitive(actions, "names");
    const cJSON *source = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(root, "provenance"), "source");
    snprintf(c->name, sizeof c->name, "%s", cJSON_IsString(name) ? name->valuestring : "oasis");
    if (cJSON_IsString(source)) snprintf(c->provenance.source, sizeof c->provenance.source, "%s", source->valuestring);
    c->provenance.steps = -1;
    c->actions.dim = action_dim;
    c->actions.kind = DFV_ACTIONS_CONTINUOUS;
    for (int i = 0; i < action_dim; i++) {
        const cJSON *n = cJSON_GetArrayItem(names, i);
        snprintf(c->actions.actions[i].name, sizeof c->actions.actions[i].name, "%s",
                 cJSON_IsString(n) ? n->valuestring : "");
        if (!c->actions.actions[i].name[0]) snprintf(c->actions.actions[i].name, sizeof c->actions.actions[i].name, "a%d", i);
    }
    cJSON_Delete(root);
    return 0;
}

/* The model config the rest of the app reads: generate.py's sampler as the sampler settings' defaults. */
static void derive_config(oasis_session *o)
{
    const dfv_oasis_diffusion *d = dfv_oasis_model_diffusion(o->model);
    dfv_model_config *c = &o->config;
    c->arch.channels = 3;
    c->arch.frame_stack = 1;
    c->data_mean = 0.5f, c->data_std = 0.5f; /* the encoder's input: rgb/255 · 2 − 1 */
    dfv_model_diffusion *cd = &c->diffusion;
    cd->timesteps = d->timesteps;
    cd->objective = DFV_OBJECTIVE_V;
    snprintf(cd->beta_schedule, sizeof cd->beta_schedule, "sigmoid");
    cd->alphas_cumprod = d->alphas_cumprod; /* the model's; never freed through this config */
    cd->stabilization_level = d->stabilization_level;
    cd->clip_noise = d->clip_noise;
    cd->sampling_steps = d->sampling_steps;
    snprintf(cd->scheduling, sizeof cd->scheduling, "autoregressive");
    cd->chunk_size = 1;
    cd->context_frames = 1; /* generate.py's n_prompt_frames */
    cd->window = d->window;
    o->diffusion = *d;
}

static int open_networks(oasis_session *o, const dfv_session_desc *desc, char err[DFV_ERR_LEN])
{
    const char *path = desc->engine.model_path;
    dfv_ctx_desc cd = {.device = desc->engine.device};
    if (dfv_ctx_create(&cd, &o->ctx, err)) return -1;
    dfv_dtype dtype = desc->engine.fp16 ? DFV_F16 : DFV_F32;
    if (dfv_dit_create(o->ctx, o->model, dtype, &o->dit))
        return dfv_error_set(err, "%s: %s", path, dfv_ctx_error(o->ctx)), -1;
    if (dfv_vit_vae_create(o->ctx, o->model, dtype, &o->vae))
        return dfv_error_set(err, "%s: %s", path, dfv_ctx_error(o->ctx)), -1;
    return 0;
}

static int oasis_open(const dfv_session_desc *desc, void **impl, dfv_session_model *model, char err[DFV_ERR_LEN])
{
    oasis_session *o = calloc(1, sizeof *o);
    if (!o) return dfv_error_set(err, "out of memory"), -1;
    if (dfv_oasis_model_open(desc->engine.model_path, &o->model, err)) return free(o), -1;
    const dfv_oasis_dit_arch *dit = dfv_oasis_model_dit(o->model);
    const dfv_oasis_vae_arch *vae = dfv_oasis_model_vae(o->model);
    o->width = vae->image_w, o->height = vae->image_h, o->action_dim = dit->action_dim;
    o->latent_floats = (size_t)dit->channels * dit->input_h * dit->input_w;
    o->pixel_floats = (size_t)3 * o->width * o->height;
    derive_config(o);
    int window = o->config.diffusion.window;
    o->x = malloc(o->latent_floats * window * sizeof(float));
    o->actions = calloc((size_t)window * (o->action_dim ? o->action_dim : 1), sizeof(float));
    o->pixels = malloc(o->pixel_floats * sizeof(float));
    if (!o->x || !o->actions || !o->pixels) return dfv_error_set(err, "out of memory"), oasis_close(o), -1;
    if (read_card(desc->engine.model_path, &o->config, o->action_dim, err) || open_networks(o, desc, err))
        return oasis_close(o), -1;
    *model = (dfv_session_model){.config = &o->config, .device_name = dfv_ctx_caps(o->ctx)->name, .width = o->width,
                                 .height = o->height, .context_frames = 1, .state_floats = o->latent_floats,
                                 .stretch_seeds = true, .world_seeds = false};
    *impl = o;
    return 0;
}

/* generate.py's sampler takes steps, window and stabilization; its schedule is autoregressive, one frame
 * at a time, deterministic, with clean context frames. */
static int oasis_configure(void *impl, const dfv_sampler_settings *s, bool no_cache, char err[DFV_ERR_LEN])
{
    oasis_session *o = impl;
    const dfv_model_diffusion *d = &o->config.diffusion;
    if (s->schedule.kind != DFV_SCHEDULE_AUTOREGRESSIVE || s->chunk != 1 || s->eta != 0.0f)
        return dfv_error_set(err, "Oasis models sample as generate.py does (autoregressive, one frame, DDIM η 0): "
                                  "other schedules are refused"), -1;
    if (s->context_noise)
        return dfv_error_set(err, "Oasis models sample as generate.py does, with clean context frames: "
                                  "--context-noise on is refused"), -1;
    if (s->steps < 1 || s->steps >= d->timesteps)
        return dfv_error_set(err, "sampling steps %d outside 1..%d", s->steps, d->timesteps - 1), -1;
    if (s->window < 1 || s->window > d->window)
        return dfv_error_set(err, "window %d outside 1..%d (the model's)", s->window, d->window), -1;
    if (s->stabilization_level < 1 || s->stabilization_level > d->timesteps)
        return dfv_error_set(err, "stabilization level %d outside 1..%d", s->stabilization_level, d->timesteps), -1;
    o->settings = *s;
    o->diffusion.stabilization_level = s->stabilization_level;
    o->cached = !no_cache;
    return 0;
}

static int oasis_encode(void *impl, const uint8_t *rgb, int n, float *state, char err[DFV_ERR_LEN])
{
    oasis_session *o = impl;
    size_t plane = (size_t)o->width * o->height;
    for (int f = 0; f < n; f++) {
        const uint8_t *px = rgb + (size_t)f * plane * 3;
        for (size_t p = 0; p < plane; p++)
            for (int c = 0; c < 3; c++) o->pixels[c * plane + p] = px[p * 3 + c] / 255.0f * 2.0f - 1.0f;
        if (dfv_vit_vae_encode(o->vae, o->pixels, 1, state + (size_t)f * o->latent_floats))
            return dfv_error_set(err, "VAE encoder: %s", dfv_ctx_error(o->ctx)), -1;
    }
    return 0;
}

/* generate.py's video bytes: (y + 1) / 2, clamped to [0, 1], × 255, truncated (torch's .byte()). */
static void pixels_to_rgb(const oasis_session *o, uint8_t *rgb)
{
    size_t plane = (size_t)o->width * o->height;
    for (size_t p = 0; p < plane; p++)
        for (int c = 0; c < 3; c++) {
            float v = (o->pixels[c * plane + p] + 1.0f) / 2.0f;
            v = v < 0.0f ? 0.0f : v > 1.0f ? 1.0f : v;
            rgb[p * 3 + c] = (uint8_t)(v * 255.0f);
        }
}

static int oasis_next(void *impl, const dfv_session_request *req, char err[DFV_ERR_LEN])
{
    oasis_session *o = impl;
    int keep = o->settings.window - 1, skip = req->n > keep ? req->n - keep : 0, n = req->n - skip;
    size_t L = o->latent_floats, A = (size_t)o->action_dim;
    memcpy(o->x, req->state + (size_t)skip * L, (size_t)n * L * sizeof(float));
    if (A) memcpy(o->actions, req->actions + (size_t)skip * A, (size_t)(n + 1) * A * sizeof(float));
    float *fresh = o->x + (size_t)n * L;
    dfv_rng_normals(o->settings.seed, DFV_NOISE_INITIAL, (uint64_t)(req->first_index + req->n), 0, fresh, L);
    dfv_status s = (o->cached ? dfv_oasis_denoise_last_cached : dfv_oasis_denoise_last)(
        o->dit, &o->diffusion, o->x, A ? o->actions : NULL, n + 1, o->settings.steps, o->settings.window);
    o->calls_last = o->settings.steps + (o->cached && n > 0 ? 1 : 0);
    if (s) return dfv_error_set(err, "DiT: %s", dfv_ctx_error(o->ctx)), -1;
    if (dfv_vit_vae_decode(o->vae, fresh, 1, o->pixels))
        return dfv_error_set(err, "VAE decoder: %s", dfv_ctx_error(o->ctx)), -1;
    memcpy(req->out_state, fresh, L * sizeof(float));
    pixels_to_rgb(o, req->out_rgb);
    return 0;
}

static int oasis_calls_last(const void *impl) { return ((const oasis_session *)impl)->calls_last; }

const dfv_session_family dfv_session_oasis = {.type = "oasis", .open = oasis_open, .close = oasis_close,
                                              .configure = oasis_configure, .encode = oasis_encode,
                                              .next = oasis_next, .calls_last = oasis_calls_last};
