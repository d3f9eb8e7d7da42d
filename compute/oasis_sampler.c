/* generate.py's sampling loop for one new frame (batch 1), on the DiT graph. The arithmetic follows the
 * official float32 expressions term by term:
 *   x_start = √ᾱ_t·x − √(1 − ᾱ_t)·v,  x_noise = (√(1/ᾱ_t)·x − x_start) / √(1/ᾱ_t − 1),
 *   x ← √ᾱ_next·x_start + x_noise·√(1 − ᾱ_next)   (ᾱ_next = 1 on the last step)
 * for the new frame only: context frames enter every step clean, labelled stabilization_level − 1.
 * Cached: the context runs once per new frame and each step runs the new frame alone (dfv_dit_context). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "oasis_graph.h"

int dfv_oasis_ddim_level(int timesteps, int steps, int k)
{
    /* torch.linspace(-1, timesteps - 1, steps + 1)[k] in float32, then .long() (truncation) */
    const float start = -1.0f, end = (float)(timesteps - 1), step = (end - start) / (float)steps;
    float value = k < (steps + 1) / 2 ? start + step * (float)k : end - step * (float)(steps - k);
    return (int)value;
}

/* One DDIM update of the new (last) frame. */
static void ddim_update(float *x, const float *v, size_t n, float alpha, float alpha_next)
{
    const float sqrt_a = sqrtf(alpha), sqrt_1ma = sqrtf(1.0f - alpha), sqrt_recip = sqrtf(1.0f / alpha);
    const float sqrt_recipm1 = sqrtf(1.0f / alpha - 1.0f), sqrt_next = sqrtf(alpha_next);
    const float sqrt_1m_next = sqrtf(1.0f - alpha_next);
    for (size_t i = 0; i < n; i++) {
        float x_start = sqrt_a * x[i] - sqrt_1ma * v[i];
        float x_noise = (sqrt_recip * x[i] - x_start) / sqrt_recipm1;
        x[i] = sqrt_next * x_start + x_noise * sqrt_1m_next;
    }
}

/* The DiT's v for the window's last frame: the whole window (as generate.py), or the new frame alone
 * after a context recorded once (cached). */
static dfv_status predict(dfv_dit *net, const float *window_x, int32_t *levels, const float *window_actions, int n,
                          bool cached, float *v, float *v_last_out, size_t frame)
{
    if (!cached) {
        dfv_status s = dfv_dit_forward(net, window_x, levels, window_actions, 1, n, v);
        if (!s)
            memcpy(v_last_out, v + (size_t)(n - 1) * frame, frame * sizeof *v);
        return s;
    }
    const size_t action = (size_t)dfv_dit_arch(net)->action_dim;
    return dfv_dit_forward_cached(net, window_x + (size_t)(n - 1) * frame, levels + n - 1,
                                  window_actions ? window_actions + (size_t)(n - 1) * action : NULL, 1, v_last_out);
}

static dfv_status denoise_last(dfv_dit *net, const dfv_oasis_diffusion *d, float *x, const float *actions, int frames,
                               int steps, int window, bool cached)
{
    const dfv_oasis_dit_arch *a = dfv_dit_arch(net);
    dfv_ctx *ctx = dfv_dit_ctx(net);
    steps = steps ? steps : d->sampling_steps;
    window = window ? window : d->window;
    if (frames < 1 || steps < 1 || steps >= d->timesteps || window < 1 || window > a->max_frames)
        return dfv_ctx_fail(ctx, DFV_ERR_ARGUMENT,
                            "sampling %d frames with %d steps over a window of %d (1..%d)", frames, steps,
                            window, a->max_frames);
    const size_t frame = (size_t)a->channels * a->input_h * a->input_w, action = (size_t)a->action_dim;
    const int start = frames > window ? frames - window : 0, n = frames - start;
    const float *window_x = x + (size_t)start * frame, *window_actions = actions ? actions + (size_t)start * action : NULL;
    float *x_last = x + (size_t)(frames - 1) * frame;
    for (size_t i = 0; i < frame; i++)
        x_last[i] = fminf(fmaxf(x_last[i], -d->clip_noise), d->clip_noise);
    cached = cached && n > 1; /* nothing to cache for a lone frame */
    float *v = malloc((size_t)(cached ? 1 : n) * frame * sizeof *v), *v_last = malloc(frame * sizeof *v_last);
    int32_t *levels = malloc((size_t)n * sizeof *levels);
    dfv_status s = v && v_last && levels ? DFV_OK : dfv_ctx_fail(ctx, DFV_ERR_MEMORY, "out of host memory");
    for (int i = 0; !s && i < n - 1; i++)
        levels[i] = d->stabilization_level - 1;
    if (!s && cached)
        s = dfv_dit_context(net, window_x, levels, window_actions, n - 1);
    for (int k = steps; k >= 1 && !s; k--) {
        int t = dfv_oasis_ddim_level(d->timesteps, steps, k), t_next = dfv_oasis_ddim_level(d->timesteps, steps, k - 1);
        if (t_next < 0)
            t_next = t;
        levels[n - 1] = t;
        s = predict(net, window_x, levels, window_actions, n, cached, v, v_last, frame);
        if (!s)
            ddim_update(x_last, v_last, frame, d->alphas_cumprod[t], k == 1 ? 1.0f : d->alphas_cumprod[t_next]);
    }
    free(v);
    free(v_last);
    free(levels);
    return s;
}

dfv_status dfv_oasis_denoise_last(dfv_dit *net, const dfv_oasis_diffusion *d, float *x, const float *actions,
                                  int frames, int steps, int window)
{
    return denoise_last(net, d, x, actions, frames, steps, window, false);
}

dfv_status dfv_oasis_denoise_last_cached(dfv_dit *net, const dfv_oasis_diffusion *d, float *x, const float *actions,
                                         int frames, int steps, int window)
{
    return denoise_last(net, d, x, actions, frames, steps, window, true);
}
