#include "oasis_cli.h"

#include <stdio.h>
#include <string.h>

#include "safetensors.h"

int dfv_oasis_engine_open_model(const dfv_engine_desc *desc, dfv_oasis_engine *out, char err[DFV_ERR_LEN])
{
    memset(out, 0, sizeof *out);
    if (!desc->model_path)
        return dfv_error_set(err, "no model given (--model FILE.safetensors)"), -1;
    return dfv_oasis_model_open(desc->model_path, &out->model, err) ? -1 : 0;
}

int dfv_oasis_engine_upload(const dfv_engine_desc *desc, int parts, dfv_oasis_engine *e, char err[DFV_ERR_LEN])
{
    dfv_ctx_desc cd = {.device = desc->device};
    if (dfv_ctx_create(&cd, &e->ctx, err))
        return -1;
    const dfv_dtype dtype = desc->fp16 ? DFV_F16 : DFV_F32;
    if ((parts & DFV_OASIS_DIT) && dfv_dit_create(e->ctx, e->model, dtype, &e->dit))
        return dfv_error_set(err, "%s: the DiT: %s", desc->model_path, dfv_ctx_error(e->ctx)), -1;
    if ((parts & DFV_OASIS_VAE) && dfv_vit_vae_create(e->ctx, e->model, dtype, &e->vae))
        return dfv_error_set(err, "%s: the ViT-VAE: %s", desc->model_path, dfv_ctx_error(e->ctx)), -1;
    return 0;
}

int dfv_oasis_engine_open(const dfv_engine_desc *desc, int parts, dfv_oasis_engine *out, char err[DFV_ERR_LEN])
{
    if (dfv_oasis_engine_open_model(desc, out, err) || dfv_oasis_engine_upload(desc, parts, out, err)) {
        dfv_oasis_engine_close(out);
        return -1;
    }
    return 0;
}

void dfv_oasis_engine_close(dfv_oasis_engine *e)
{
    dfv_dit_destroy(e->dit);
    dfv_vit_vae_destroy(e->vae);
    dfv_ctx_destroy(e->ctx);
    dfv_oasis_model_close(e->model);
    memset(e, 0, sizeof *e);
}

bool dfv_npy_check_shape(const dfv_npy *a, const char *what, int ndim, const int64_t *want, char err[DFV_ERR_LEN])
{
    bool ok = a->ndim == ndim;
    for (int i = 0; ok && i < ndim; i++)
        ok = want[i] < 0 ? a->shape[i] >= 1 : a->shape[i] == want[i];
    if (ok)
        return true;
    char want_text[160] = "(", got_text[160] = "(";
    for (int i = 0; i < ndim; i++) {
        size_t n = strlen(want_text);
        if (want[i] < 0)
            snprintf(want_text + n, sizeof want_text - n, "%s%c", i ? ", " : "", "BTNCHW"[-want[i] - 1]);
        else
            snprintf(want_text + n, sizeof want_text - n, "%s%lld", i ? ", " : "", (long long)want[i]);
    }
    for (int i = 0; i < a->ndim; i++) {
        size_t n = strlen(got_text);
        snprintf(got_text + n, sizeof got_text - n, "%s%lld", i ? ", " : "", (long long)a->shape[i]);
    }
    return dfv_error_set(err, "%s must be %s) for this model, not %s%s)", what, want_text, got_text,
                         a->ndim == 1 ? "," : "");
}

/* ---- analytic cost ---------------------------------------------------------------------------------- */

/* A token-wise Linear (in → out) over `tokens` tokens. */
static double linear(double tokens, double in, double out) { return 2.0 * tokens * in * out; }

/* Per frame, everything but temporal attention. */
static double dit_frame_flops(const dfv_oasis_dit_arch *a)
{
    const double n = (double)(a->input_h / a->patch) * (a->input_w / a->patch), d = a->hidden;
    const double pp = (double)a->patch * a->patch;
    double f = linear(n, a->channels * pp, d);                            /* patch embedding */
    f += linear(1, a->frequency_dim, d) + linear(1, d, d);                /* noise-level MLP */
    f += linear(1, a->action_dim, d);                                     /* action embedding */
    double half = linear(1, d, 6 * d)                                     /* adaLN modulation */
                + linear(n, d, 3 * d) + linear(n, d, d)                   /* qkv, out */
                + linear(n, d, a->mlp_hidden) + linear(n, a->mlp_hidden, d); /* MLP */
    f += a->depth * (2 * half + 4.0 * n * n * d);                         /* + spatial attention */
    return f + linear(1, d, 2 * d) + linear(n, d, a->channels * pp);     /* final layer */
}

double dfv_oasis_dit_flops(const dfv_oasis_dit_arch *a, int frames)
{
    return dfv_oasis_dit_cached_flops(a, 0, frames);
}

double dfv_oasis_dit_cached_flops(const dfv_oasis_dit_arch *a, int context, int frames)
{
    const double n = (double)(a->input_h / a->patch) * (a->input_w / a->patch);
    /* temporal attention: each new frame's tokens against every frame of the window (scores and values) */
    return frames * dit_frame_flops(a) + a->depth * 4.0 * n * frames * (context + frames) * a->hidden;
}

static double vit_blocks(double tokens, double dim, int depth, double mlp)
{
    double block = linear(tokens, dim, 3 * dim) + linear(tokens, dim, dim) + 4.0 * tokens * tokens * dim +
                   linear(tokens, dim, mlp) + linear(tokens, mlp, dim);
    return depth * block;
}

double dfv_oasis_vae_flops(const dfv_oasis_vae_arch *a, bool decoder)
{
    const double n = (double)(a->image_h / a->patch) * (a->image_w / a->patch), pp = (double)a->patch * a->patch;
    if (decoder)
        return linear(n, a->latent, a->dec_dim) + vit_blocks(n, a->dec_dim, a->dec_depth, a->dec_mlp) +
               linear(n, a->dec_dim, 3 * pp);
    return linear(n, 3 * pp, a->enc_dim) + vit_blocks(n, a->enc_dim, a->enc_depth, a->enc_mlp) +
           linear(n, a->enc_dim, 2 * a->latent);
}

double dfv_oasis_frame_flops(const dfv_oasis_dit_arch *a, int steps, int window, bool cached)
{
    if (!cached || window < 2)
        return steps * dfv_oasis_dit_flops(a, window);
    return dfv_oasis_dit_flops(a, window - 1) + steps * dfv_oasis_dit_cached_flops(a, window - 1, 1);
}
