/* generate.py's sampling loop for one new frame (batch 1), on the DiT graph. The arithmetic follows the
 * official float32 expressions term by term:
 *   x_start = √ᾱ_t·x − √(1 − ᾱ_t)·v,  x_noise = (√(1/ᾱ_t)·x − x_start) / √(1/ᾱ_t − 1),
 *   x ← √ᾱ_next·x_start + x_noise·√(1 − ᾱ_next)   (ᾱ_next = 1 on the last step)
 * for the new frame only: context frames enter every step clean, labelled stabilization_level − 1. */
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

dfv_status dfv_oasis_denoise_last(dfv_dit *net, const dfv_oasis_diffusion *d, float *x, const float *actions,
                                  int frames, int steps, int window)
{
    const dfv_oasis_dit_arch *a = dfv_dit_arch(net);
    dfv_oasis_graph *g = dfv_dit_graph(net);
    steps = steps ? steps : d->sampling_steps;
    window = window ? window : d->window;
    if (frames < 1 || steps < 1 || steps >= d->timesteps || window < 1 || window > a->max_frames)
        return dfv_oasis_graph_fail(g, DFV_ERR_ARGUMENT,
                                    "sampling %d frames with %d steps over a window of %d (1..%d)", frames, steps,
                                    window, a->max_frames);
    const size_t frame = (size_t)a->channels * a->input_h * a->input_w, action = (size_t)a->action_dim;
    const int start = frames > window ? frames - window : 0, n = frames - start;
    float *x_last = x + (size_t)(frames - 1) * frame;
    for (size_t i = 0; i < frame; i++)
        x_last[i] = fminf(fmaxf(x_last[i], -d->clip_noise), d->clip_noise);
    float *v = malloc((size_t)n * frame * sizeof *v);
    int32_t *levels = malloc((size_t)n * sizeof *levels);
    if (!v || !levels) {
        free(v);
        free(levels);
        return dfv_oasis_graph_fail(g, DFV_ERR_MEMORY, "out of host memory");
    }
    dfv_status s = DFV_OK;
    for (int k = steps; k >= 1 && !s; k--) {
        int t = dfv_oasis_ddim_level(d->timesteps, steps, k), t_next = dfv_oasis_ddim_level(d->timesteps, steps, k - 1);
        if (t_next < 0)
            t_next = t;
        for (int i = 0; i < n - 1; i++)
            levels[i] = d->stabilization_level - 1;
        levels[n - 1] = t;
        s = dfv_dit_forward(net, x + (size_t)start * frame, levels, actions ? actions + (size_t)start * action : NULL,
                            1, n, v);
        if (!s)
            ddim_update(x_last, v + (size_t)(n - 1) * frame, frame, d->alphas_cumprod[t],
                        k == 1 ? 1.0f : d->alphas_cumprod[t_next]);
    }
    free(v);
    free(levels);
    return s;
}
