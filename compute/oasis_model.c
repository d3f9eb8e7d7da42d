/* Oasis model files: the `dfview` metadata's architecture (type "oasis"), range- and consistency-checked,
 * and the tensor table checked against exactly the names and shapes it implies (models/convert_oasis.py
 * writes them; models/README.md, "Oasis models"). */
#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oasis.h"

struct dfv_oasis_model {
    dfv_st_file *file;
    dfv_oasis_dit_arch dit;
    dfv_oasis_vae_arch vae;
    dfv_oasis_diffusion diffusion;
};

enum { oasis_max_size = 1 << 16, oasis_max_depth = 256 };

static dfv_status oasis_fail(char err[DFV_ERR_LEN], const char *label, const char *fmt, ...)
{
    int used = snprintf(err, DFV_ERR_LEN, "%s: ", label);
    if (used < 0 || used >= DFV_ERR_LEN)
        return DFV_ERR_ARGUMENT;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err + used, DFV_ERR_LEN - (size_t)used, fmt, ap);
    va_end(ap);
    return DFV_ERR_ARGUMENT;
}

/* An integer field of obj in [lo, hi]; false (err set) otherwise. */
static bool get_int(const cJSON *obj, const char *where, const char *key, int lo, int hi, int *out, const char *label,
                    char err[DFV_ERR_LEN])
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!cJSON_IsNumber(item) || item->valuedouble != (double)(int)item->valuedouble || item->valuedouble < lo ||
        item->valuedouble > hi) {
        oasis_fail(err, label, "architecture.%s.%s must be an integer in %d..%d", where, key, lo, hi);
        return false;
    }
    *out = (int)item->valuedouble;
    return true;
}

static bool get_float(const cJSON *obj, const char *where, const char *key, double lo, double hi, float *out,
                      const char *label, char err[DFV_ERR_LEN])
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!cJSON_IsNumber(item) || !(item->valuedouble > lo && item->valuedouble <= hi)) {
        oasis_fail(err, label, "architecture.%s.%s must be a number in (%g, %g]", where, key, lo, hi);
        return false;
    }
    *out = (float)item->valuedouble;
    return true;
}

static bool parse_dit(const cJSON *o, dfv_oasis_dit_arch *a, const char *label, char err[DFV_ERR_LEN])
{
    if (!(get_int(o, "dit", "channels", 1, 1024, &a->channels, label, err) &&
          get_int(o, "dit", "input_h", 1, oasis_max_size, &a->input_h, label, err) &&
          get_int(o, "dit", "input_w", 1, oasis_max_size, &a->input_w, label, err) &&
          get_int(o, "dit", "patch", 1, 64, &a->patch, label, err) &&
          get_int(o, "dit", "hidden", 4, oasis_max_size, &a->hidden, label, err) &&
          get_int(o, "dit", "depth", 1, oasis_max_depth, &a->depth, label, err) &&
          get_int(o, "dit", "heads", 1, 1024, &a->heads, label, err) &&
          get_int(o, "dit", "mlp_hidden", 1, 1 << 20, &a->mlp_hidden, label, err) &&
          get_int(o, "dit", "frequency_dim", 2, 1 << 16, &a->frequency_dim, label, err) &&
          get_int(o, "dit", "action_dim", 0, 1024, &a->action_dim, label, err) &&
          get_int(o, "dit", "max_frames", 1, 1024, &a->max_frames, label, err) &&
          get_float(o, "dit", "layernorm_eps", 0.0, 1.0, &a->layernorm_eps, label, err)))
        return false;
    if (a->hidden % a->heads || (a->hidden / a->heads) % 4) {
        oasis_fail(err, label, "DiT width %d does not split into %d heads of a multiple of 4", a->hidden, a->heads);
        return false;
    }
    if (a->input_h % a->patch || a->input_w % a->patch || a->frequency_dim % 2) {
        oasis_fail(err, label, "DiT input %dx%d is not a multiple of patch %d, or frequency_dim %d is odd", a->input_h,
                   a->input_w, a->patch, a->frequency_dim);
        return false;
    }
    return true;
}

static bool parse_vae(const cJSON *o, dfv_oasis_vae_arch *a, const char *label, char err[DFV_ERR_LEN])
{
    if (!(get_int(o, "vae", "latent", 1, 1024, &a->latent, label, err) &&
          get_int(o, "vae", "image_h", 1, oasis_max_size, &a->image_h, label, err) &&
          get_int(o, "vae", "image_w", 1, oasis_max_size, &a->image_w, label, err) &&
          get_int(o, "vae", "patch", 1, 256, &a->patch, label, err) &&
          get_int(o, "vae", "enc_dim", 1, oasis_max_size, &a->enc_dim, label, err) &&
          get_int(o, "vae", "enc_depth", 1, oasis_max_depth, &a->enc_depth, label, err) &&
          get_int(o, "vae", "enc_mlp", 1, 1 << 20, &a->enc_mlp, label, err) &&
          get_int(o, "vae", "dec_dim", 1, oasis_max_size, &a->dec_dim, label, err) &&
          get_int(o, "vae", "dec_depth", 1, oasis_max_depth, &a->dec_depth, label, err) &&
          get_int(o, "vae", "dec_mlp", 1, 1 << 20, &a->dec_mlp, label, err) &&
          get_int(o, "vae", "heads", 1, 1024, &a->heads, label, err) &&
          get_float(o, "vae", "layernorm_eps", 0.0, 1.0, &a->layernorm_eps, label, err) &&
          get_float(o, "vae", "scaling_factor", 0.0, 1e6, &a->scaling_factor, label, err)))
        return false;
    int dims[2] = {a->enc_dim, a->dec_dim};
    for (int i = 0; i < 2; i++)
        if (dims[i] % a->heads || (dims[i] / a->heads) % 8 || dims[i] / a->heads < 16) {
            oasis_fail(err, label, "VAE width %d does not split into %d heads of a multiple of 8, at least 16", dims[i],
                       a->heads);
            return false;
        }
    if (a->image_h % a->patch || a->image_w % a->patch) {
        oasis_fail(err, label, "VAE image %dx%d is not a multiple of patch %d", a->image_h, a->image_w, a->patch);
        return false;
    }
    return true;
}

static bool parse_diffusion(const cJSON *o, dfv_oasis_diffusion *d, const char *label, char err[DFV_ERR_LEN])
{
    const cJSON *objective = cJSON_GetObjectItemCaseSensitive(o, "objective");
    if (!cJSON_IsString(objective) || strcmp(objective->valuestring, "pred_v")) {
        oasis_fail(err, label, "diffusion.objective must be \"pred_v\" (generate.py's)");
        return false;
    }
    if (!(get_int(o, "diffusion", "timesteps", 2, 100000, &d->timesteps, label, err) &&
          get_int(o, "diffusion", "stabilization_level", 1, d->timesteps, &d->stabilization_level, label, err) &&
          get_int(o, "diffusion", "sampling_steps", 1, d->timesteps, &d->sampling_steps, label, err) &&
          get_int(o, "diffusion", "window", 1, 1024, &d->window, label, err) &&
          get_float(o, "diffusion", "clip_noise", 0.0, 1e6, &d->clip_noise, label, err)))
        return false;
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(o, "alphas_cumprod");
    if (!cJSON_IsArray(list) || cJSON_GetArraySize(list) != d->timesteps) {
        oasis_fail(err, label, "diffusion.alphas_cumprod must hold %d values", d->timesteps);
        return false;
    }
    d->alphas_cumprod = malloc((size_t)d->timesteps * sizeof *d->alphas_cumprod);
    if (!d->alphas_cumprod) {
        oasis_fail(err, label, "out of memory");
        return false;
    }
    int i = 0;
    for (const cJSON *it = list->child; it; it = it->next, i++) {
        float f = cJSON_IsNumber(it) ? (float)it->valuedouble : -1.0f;
        if (!(f > 0.0f && f < 1.0f) || (i > 0 && f > d->alphas_cumprod[i - 1])) {
            oasis_fail(err, label, "diffusion.alphas_cumprod[%d] is not in (0, 1) and non-increasing", i);
            return false;
        }
        d->alphas_cumprod[i] = f;
    }
    return true;
}

/* ---- the tensors a configuration implies ----------------------------------------------------------- */

typedef struct {
    const dfv_st_file *file;
    const char *label;
    char *err;
    int expected;
    bool ok;
} tensor_check;

static void expect(tensor_check *c, int ndim, int64_t d0, int64_t d1, int64_t d2, int64_t d3, const char *fmt, ...)
{
    if (!c->ok)
        return;
    char name[128];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(name, sizeof name, fmt, ap);
    va_end(ap);
    c->expected++;
    const dfv_st_tensor *t = dfv_st_find(c->file, name);
    int64_t want[4] = {d0, d1, d2, d3};
    bool same = t && t->ndim == ndim;
    for (int i = 0; same && i < ndim; i++)
        same = t->shape[i] == want[i];
    if (!same) {
        c->ok = false;
        if (!t)
            oasis_fail(c->err, c->label, "tensor %s is missing", name);
        else
            oasis_fail(c->err, c->label, "tensor %s has the wrong shape for this architecture", name);
    }
}

static void expect_linear(tensor_check *c, int out, int in, bool bias, const char *prefix)
{
    expect(c, 2, out, in, 0, 0, "%s.weight", prefix);
    if (bias)
        expect(c, 1, out, 0, 0, 0, "%s.bias", prefix);
}

static void expect_dit(tensor_check *c, const dfv_oasis_dit_arch *a)
{
    const int d = a->hidden, p = a->patch, dh = d / a->heads;
    char pre[96];
    expect(c, 4, d, a->channels, p, p, "dit.x_embedder.proj.weight");
    expect(c, 1, d, 0, 0, 0, "dit.x_embedder.proj.bias");
    expect_linear(c, d, a->frequency_dim, true, "dit.t_embedder.mlp.0");
    expect_linear(c, d, d, true, "dit.t_embedder.mlp.2");
    if (a->action_dim)
        expect_linear(c, d, a->action_dim, true, "dit.external_cond");
    expect(c, 1, dh / 4, 0, 0, 0, "dit.spatial_rotary_emb.freqs");
    expect(c, 1, dh / 2, 0, 0, 0, "dit.temporal_rotary_emb.freqs");
    for (int i = 0; i < a->depth; i++)
        for (const char *kind = "st"; *kind; kind++) {
            snprintf(pre, sizeof pre, "dit.blocks.%d.%c_adaLN_modulation.1", i, *kind);
            expect_linear(c, 6 * d, d, true, pre);
            snprintf(pre, sizeof pre, "dit.blocks.%d.%c_attn.to_qkv", i, *kind);
            expect_linear(c, 3 * d, d, false, pre);
            snprintf(pre, sizeof pre, "dit.blocks.%d.%c_attn.to_out", i, *kind);
            expect_linear(c, d, d, true, pre);
            snprintf(pre, sizeof pre, "dit.blocks.%d.%c_mlp.fc1", i, *kind);
            expect_linear(c, a->mlp_hidden, d, true, pre);
            snprintf(pre, sizeof pre, "dit.blocks.%d.%c_mlp.fc2", i, *kind);
            expect_linear(c, d, a->mlp_hidden, true, pre);
        }
    expect_linear(c, 2 * d, d, true, "dit.final_layer.adaLN_modulation.1");
    expect_linear(c, p * p * a->channels, d, true, "dit.final_layer.linear");
}

static void expect_vae_blocks(tensor_check *c, const char *where, int dim, int depth, int mlp)
{
    char pre[96];
    for (int i = 0; i < depth && c->ok; i++) {
        const char *norms[2] = {"norm1", "norm2"};
        for (int n = 0; n < 2; n++) {
            expect(c, 1, dim, 0, 0, 0, "vae.%s.%d.%s.weight", where, i, norms[n]);
            expect(c, 1, dim, 0, 0, 0, "vae.%s.%d.%s.bias", where, i, norms[n]);
        }
        snprintf(pre, sizeof pre, "vae.%s.%d.attn.qkv", where, i);
        expect_linear(c, 3 * dim, dim, true, pre);
        snprintf(pre, sizeof pre, "vae.%s.%d.attn.proj", where, i);
        expect_linear(c, dim, dim, true, pre);
        snprintf(pre, sizeof pre, "vae.%s.%d.mlp.fc1", where, i);
        expect_linear(c, mlp, dim, true, pre);
        snprintf(pre, sizeof pre, "vae.%s.%d.mlp.fc2", where, i);
        expect_linear(c, dim, mlp, true, pre);
    }
}

static void expect_vae(tensor_check *c, const dfv_oasis_vae_arch *a)
{
    const int p = a->patch;
    expect(c, 4, a->enc_dim, 3, p, p, "vae.patch_embed.proj.weight");
    expect(c, 1, a->enc_dim, 0, 0, 0, "vae.patch_embed.proj.bias");
    expect_vae_blocks(c, "encoder", a->enc_dim, a->enc_depth, a->enc_mlp);
    expect(c, 1, a->enc_dim, 0, 0, 0, "vae.enc_norm.weight");
    expect(c, 1, a->enc_dim, 0, 0, 0, "vae.enc_norm.bias");
    expect_linear(c, 2 * a->latent, a->enc_dim, true, "vae.quant_conv");
    expect_linear(c, a->dec_dim, a->latent, true, "vae.post_quant_conv");
    expect_vae_blocks(c, "decoder", a->dec_dim, a->dec_depth, a->dec_mlp);
    expect(c, 1, a->dec_dim, 0, 0, 0, "vae.dec_norm.weight");
    expect(c, 1, a->dec_dim, 0, 0, 0, "vae.dec_norm.bias");
    expect_linear(c, 3 * p * p, a->dec_dim, true, "vae.predictor");
}

/* ---- opening ------------------------------------------------------------------------------------- */

static dfv_status oasis_check(const dfv_oasis_model *m, const dfv_st_file *file, const char *label,
                              char err[DFV_ERR_LEN]);

static dfv_status oasis_from_file(dfv_st_file *file, const char *label, dfv_oasis_model **out, char err[DFV_ERR_LEN])
{
    const char *json = dfv_st_metadata(file, "dfview");
    if (!json)
        return oasis_fail(err, label, "no `dfview` metadata: not a dfview model (convert with scripts/convert-oasis)");
    cJSON *root = cJSON_Parse(json);
    if (!root)
        return oasis_fail(err, label, "the `dfview` metadata is not valid JSON");
    dfv_oasis_model model = {.file = file};
    const cJSON *format = cJSON_GetObjectItemCaseSensitive(root, "format");
    const cJSON *arch = cJSON_GetObjectItemCaseSensitive(root, "architecture");
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(arch, "type");
    dfv_status s = DFV_OK;
    if (!cJSON_IsString(format) || strcmp(format->valuestring, "dfview-model"))
        s = oasis_fail(err, label, "metadata format is not \"dfview-model\"");
    else if (!cJSON_IsString(type) || strcmp(type->valuestring, "oasis"))
        s = oasis_fail(err, label, "architecture.type is not \"oasis\"");
    else if (!parse_dit(cJSON_GetObjectItemCaseSensitive(arch, "dit"), &model.dit, label, err) ||
             !parse_vae(cJSON_GetObjectItemCaseSensitive(arch, "vae"), &model.vae, label, err) ||
             !parse_diffusion(cJSON_GetObjectItemCaseSensitive(root, "diffusion"), &model.diffusion, label, err))
        s = DFV_ERR_ARGUMENT;
    cJSON_Delete(root);
    if (!s)
        s = oasis_check(&model, file, label, err);
    if (s) {
        free(model.diffusion.alphas_cumprod);
        return s;
    }
    *out = malloc(sizeof **out);
    if (!*out) {
        free(model.diffusion.alphas_cumprod);
        snprintf(err, DFV_ERR_LEN, "%s: out of memory", label);
        return DFV_ERR_MEMORY;
    }
    **out = model;
    return DFV_OK;
}

/* The architecture's consistency and the tensor table. */
static dfv_status oasis_check(const dfv_oasis_model *m, const dfv_st_file *file, const char *label,
                              char err[DFV_ERR_LEN])
{
    const dfv_oasis_model model = *m;
    if (model.dit.channels != model.vae.latent || model.dit.input_h * model.vae.patch != model.vae.image_h ||
        model.dit.input_w * model.vae.patch != model.vae.image_w)
        return oasis_fail(err, label, "the DiT's %dx%dx%d latents are not the VAE's (%d x %d/%d x %d/%d)",
                          model.dit.channels, model.dit.input_h, model.dit.input_w, model.vae.latent,
                          model.vae.image_h, model.vae.patch, model.vae.image_w, model.vae.patch);
    tensor_check check = {file, label, err, 0, true};
    expect_dit(&check, &model.dit);
    expect_vae(&check, &model.vae);
    if (!check.ok)
        return DFV_ERR_ARGUMENT;
    if (dfv_st_tensor_count(file) != check.expected)
        return oasis_fail(err, label, "%d tensors where the architecture has %d", dfv_st_tensor_count(file),
                          check.expected);
    return DFV_OK;
}

dfv_status dfv_oasis_model_open(const char *path, dfv_oasis_model **out, char err[DFV_ERR_LEN])
{
    dfv_st_file *file;
    dfv_status s = dfv_st_open(path, &file, err);
    if (s)
        return s;
    if ((s = oasis_from_file(file, path, out, err)))
        dfv_st_close(file);
    return s;
}

dfv_status dfv_oasis_model_parse(const void *bytes, size_t size, const char *label, dfv_oasis_model **out,
                                 char err[DFV_ERR_LEN])
{
    dfv_st_file *file;
    dfv_status s = dfv_st_parse(bytes, size, label, &file, err);
    if (s)
        return s;
    if ((s = oasis_from_file(file, label, out, err)))
        dfv_st_close(file);
    return s;
}

void dfv_oasis_model_close(dfv_oasis_model *model)
{
    if (!model)
        return;
    dfv_st_close(model->file);
    free(model->diffusion.alphas_cumprod);
    free(model);
}

const dfv_oasis_dit_arch *dfv_oasis_model_dit(const dfv_oasis_model *model) { return &model->dit; }
const dfv_oasis_vae_arch *dfv_oasis_model_vae(const dfv_oasis_model *model) { return &model->vae; }
const dfv_oasis_diffusion *dfv_oasis_model_diffusion(const dfv_oasis_model *model) { return &model->diffusion; }

const dfv_st_tensor *dfv_oasis_model_tensor(const dfv_oasis_model *model, const char *name)
{
    return dfv_st_find(model->file, name);
}
