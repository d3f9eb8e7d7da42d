/* dfview forward on an Oasis model: the official DiT.forward on .npy input. x (B, T, C, H, W) latents,
 * t (B, T) noise levels (int64 or int32), a (B, T, action_dim) -> v of x's shape, float32. With
 * --cache-context N each batch item's first N frames go through the K/V cache and v holds frames N..T-1. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oasis_cli.h"

typedef struct {
    dfv_npy x, t, a;
    int batch, frames;
    size_t frame; /* floats per latent frame */
} forward_inputs;

static bool check_levels(const dfv_npy *t, int timesteps, char err[DFV_ERR_LEN])
{
    for (size_t i = 0; i < t->count; i++) {
        int64_t v = ((const int64_t *)t->data)[i];
        if (v < 0 || v >= timesteps)
            return dfv_error_set(err, "timestep %lld is outside 0..%d", (long long)v, timesteps - 1);
    }
    return true;
}

/* x, t and a against the model and each other; one line on the first mismatch. */
static bool check_inputs(const dfv_oasis_model *m, const dfv_oasis_forward_job *job, forward_inputs *in,
                         char err[DFV_ERR_LEN])
{
    const dfv_oasis_dit_arch *d = dfv_oasis_model_dit(m);
    const int64_t x_shape[5] = {-1, -2, d->channels, d->input_h, d->input_w};
    if (!dfv_npy_check_shape(&in->x, "input (latents)", 5, x_shape, err))
        return false;
    if (in->x.shape[1] > d->max_frames)
        return dfv_error_set(err, "input has %lld frames; this model's window is 1..%d", (long long)in->x.shape[1],
                             d->max_frames);
    in->batch = (int)in->x.shape[0], in->frames = (int)in->x.shape[1];
    in->frame = (size_t)d->channels * d->input_h * d->input_w;
    const int64_t t_shape[2] = {in->batch, in->frames}, a_shape[3] = {in->batch, in->frames, d->action_dim};
    if (!dfv_npy_check_shape(&in->t, "timesteps", 2, t_shape, err) ||
        !check_levels(&in->t, dfv_oasis_model_diffusion(m)->timesteps, err))
        return false;
    if (job->actions && d->action_dim == 0)
        return dfv_error_set(err, "this model takes no actions; leave out --actions");
    if (job->actions && !dfv_npy_check_shape(&in->a, "actions", 3, a_shape, err))
        return false;
    if (job->cache_context < 0 || job->cache_context >= in->frames)
        return dfv_error_set(err, "--cache-context must be between 0 and T-1 (%d)", in->frames - 1);
    return true;
}

/* Batch item b with its first n0 frames as cached context; v gets frames n0..T-1. */
static dfv_status run_cached(dfv_dit *net, const forward_inputs *in, const int32_t *levels, int b, int n0, float *v)
{
    const int T = in->frames, A = dfv_dit_arch(net)->action_dim;
    const float *x = (const float *)in->x.data + in->frame * T * b;
    const float *a = in->a.data ? (const float *)in->a.data + (size_t)A * T * b : NULL;
    const int32_t *t = levels + (size_t)T * b;
    dfv_status s = dfv_dit_context(net, x, t, a, n0);
    if (!s)
        s = dfv_dit_forward_cached(net, x + in->frame * n0, t + n0, a ? a + (size_t)A * n0 : NULL, T - n0,
                                   v + in->frame * (T - n0) * b);
    return s;
}

static int run(dfv_oasis_engine *e, const dfv_oasis_forward_job *job, const forward_inputs *in, char err[DFV_ERR_LEN])
{
    dfv_dit *net = e->dit;
    const int n0 = job->cache_context, B = in->batch, T = in->frames;
    int32_t *levels = malloc(in->t.count * sizeof *levels);
    float *v = malloc(in->frame * (size_t)B * (T - n0) * sizeof *v);
    int rc = -1;
    if (!levels || !v) {
        dfv_error_set(err, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < in->t.count; i++)
        levels[i] = (int32_t)((const int64_t *)in->t.data)[i];
    dfv_status s = DFV_OK;
    if (n0 == 0)
        s = dfv_dit_forward(net, in->x.data, levels, in->a.data, B, T, v);
    for (int b = 0; n0 > 0 && b < B && !s; b++)
        s = run_cached(net, in, levels, b, n0, v);
    if (s) {
        dfv_error_set(err, "%s", dfv_ctx_error(e->ctx));
        goto done;
    }
    const int64_t shape[5] = {B, T - n0, in->x.shape[2], in->x.shape[3], in->x.shape[4]};
    rc = dfv_npy_write_f32(job->output, v, 5, shape, err);
done:
    free(levels), free(v);
    return rc;
}

int dfv_oasis_forward(const dfv_oasis_forward_job *job)
{
    forward_inputs in = {0};
    dfv_oasis_engine e = {0};
    char err[DFV_ERR_LEN];
    int rc = 1;
    if (dfv_npy_read(job->input, DFV_NPY_F32, &in.x, err) ||
        dfv_npy_read(job->timesteps, DFV_NPY_INT, &in.t, err) ||
        (job->actions && dfv_npy_read(job->actions, DFV_NPY_F32, &in.a, err)))
        goto fail;
    if (dfv_oasis_engine_open_model(&job->engine, &e, err) || !check_inputs(e.model, job, &in, err) ||
        dfv_oasis_engine_upload(&job->engine, DFV_OASIS_DIT, &e, err) || run(&e, job, &in, err))
        goto fail;
    rc = 0;
    goto done;
fail:
    fprintf(stderr, "dfview forward: %s\n", err);
done:
    dfv_oasis_engine_close(&e);
    dfv_npy_free(&in.x), dfv_npy_free(&in.t), dfv_npy_free(&in.a);
    return rc;
}
