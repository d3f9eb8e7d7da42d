/* The Unet3D family: pixel-space frames through the sampler (compute/sampler.c) and the Unet3D network.
 * Frames enter as RGB24 and leave as RGB24, normalised by the model's data mean and std; no per-frame
 * state. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "session_family.h"

typedef struct {
    dfv_engine engine;
    dfv_sampler *sampler;
    int res, action_dim, window; /* window: the settings' */
    size_t frame_floats;
    float *history, *out; /* the model's window of frames as floats */
    float *actions;       /* the model's window of action rows */
    int calls_last;
} unet_session;

static void unet_close(void *impl)
{
    unet_session *u = impl;
    if (!u) return;
    dfv_sampler_destroy(u->sampler);
    dfv_engine_close(&u->engine);
    free(u->history), free(u->out), free(u->actions);
    free(u);
}

static int unet_open(const dfv_session_desc *desc, void **impl, dfv_session_model *model, char err[DFV_ERR_LEN])
{
    unet_session *u = calloc(1, sizeof *u);
    if (!u) return dfv_error_set(err, "out of memory"), -1;
    if (dfv_engine_open(&desc->engine, &u->engine, err)) return free(u), -1;
    const dfv_model_config *c = u->engine.config;
    u->res = c->arch.resolution;
    u->action_dim = c->actions.dim;
    u->frame_floats = (size_t)dfv_model_in_channels(c) * u->res * u->res;
    int window = c->diffusion.window;
    u->history = malloc(u->frame_floats * window * sizeof(float));
    u->out = malloc(u->frame_floats * window * sizeof(float));
    u->actions = calloc((size_t)window * (u->action_dim ? u->action_dim : 1) + 1, sizeof(float));
    if (c->arch.frame_stack != 1) dfv_error_set(err, "models with frame_stack > 1 are not supported yet");
    else if (!u->history || !u->out || !u->actions) dfv_error_set(err, "out of memory");
    else err[0] = 0;
    if (err[0]) return unet_close(u), -1;
    *model = (dfv_session_model){.config = c, .device_name = dfv_ctx_caps(u->engine.ctx)->name, .width = u->res,
                                 .height = u->res, .world_seeds = true,
                                 .context_frames = c->diffusion.context_frames > 0 ? c->diffusion.context_frames : 1};
    *impl = u;
    return 0;
}

/* ---- the network behind the sampler's callbacks ------------------------------------------------- */

/* The network's status, with the context's message in err when it failed. */
static dfv_status network_status(const unet_session *u, dfv_status s, char err[DFV_ERR_LEN])
{
    if (s) dfv_error_set(err, "%s", dfv_ctx_error(u->engine.ctx));
    return s;
}

static dfv_status denoise_full(void *user, const float *x_in, const int32_t *t, const float *a, int frames, float *out,
                               char err[DFV_ERR_LEN])
{
    unet_session *u = user;
    u->calls_last++;
    return network_status(u, dfv_unet_forward(u->engine.net, x_in, t, a, frames, out), err);
}

static dfv_status cache_context(void *user, const float *x_in, const int32_t *t, const float *a, int n,
                                char err[DFV_ERR_LEN])
{
    unet_session *u = user;
    u->calls_last++; /* one network pass over the context frames */
    return network_status(u, dfv_unet_cache_context(u->engine.net, x_in, t, a, n), err);
}

static dfv_status denoise_new(void *user, const float *x_in, const int32_t *t, const float *a, int n, float *out,
                              char err[DFV_ERR_LEN])
{
    unet_session *u = user;
    u->calls_last++;
    return network_status(u, dfv_unet_forward_cached(u->engine.net, x_in, t, a, n, out), err);
}

static int unet_configure(void *impl, const dfv_sampler_settings *settings, bool no_cache, char err[DFV_ERR_LEN])
{
    unet_session *u = impl;
    dfv_sampler *next;
    if (dfv_sampler_create(u->engine.config, settings, denoise_full, u, &next, err)) return -1;
    if (!no_cache && dfv_unet_can_cache(u->engine.net)) dfv_sampler_use_cached_context(next, cache_context, denoise_new);
    dfv_sampler_destroy(u->sampler);
    u->sampler = next;
    u->window = settings->window;
    return 0;
}

/* uint8 → the model's normalised floats, channel-major. */
static void rgb_to_model(const unet_session *u, const uint8_t *rgb, float *x)
{
    float mean = u->engine.config->data_mean, std = u->engine.config->data_std;
    size_t plane = (size_t)u->res * u->res;
    for (size_t p = 0; p < plane; p++)
        for (int c = 0; c < 3; c++) x[c * plane + p] = (rgb[p * 3 + c] / 255.0f - mean) / std;
}

static void model_to_rgb(const unet_session *u, const float *x, uint8_t *rgb)
{
    float mean = u->engine.config->data_mean, std = u->engine.config->data_std;
    size_t plane = (size_t)u->res * u->res;
    for (size_t p = 0; p < plane; p++)
        for (int c = 0; c < 3; c++) {
            float v = (x[c * plane + p] * std + mean) * 255.0f;
            rgb[p * 3 + c] = (uint8_t)lrintf(v < 0 ? 0 : v > 255 ? 255 : v);
        }
}

static int unet_next(void *impl, const dfv_session_request *req, char err[DFV_ERR_LEN])
{
    unet_session *u = impl;
    int keep = u->window - 1, n = req->n, skip = n > keep ? n - keep : 0;
    n -= skip;
    size_t rgb_frame = (size_t)u->res * u->res * 3;
    for (int i = 0; i < n; i++) rgb_to_model(u, req->context + rgb_frame * (i + skip), u->history + u->frame_floats * i);
    if (u->action_dim)
        memcpy(u->actions, req->actions + (size_t)skip * u->action_dim, (size_t)(n + 1) * u->action_dim * sizeof(float));
    u->calls_last = 0;
    if (dfv_sampler_next(u->sampler, u->history, n, req->first_index + skip, u->action_dim ? u->actions : NULL, 1,
                         u->out, err))
        return -1;
    model_to_rgb(u, u->out, req->out_rgb);
    return 0;
}

static int unet_calls_last(const void *impl) { return ((const unet_session *)impl)->calls_last; }

const dfv_session_family dfv_session_unet3d = {.type = "unet3d", .open = unet_open, .close = unet_close,
                                               .configure = unet_configure, .encode = NULL, .next = unet_next,
                                               .calls_last = unet_calls_last};
