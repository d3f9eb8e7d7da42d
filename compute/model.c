/* The Unet3D layer walk (which tensors a config implies, what one call costs) and model-file checks.
 * Tensor names follow the official main-branch state_dict (shared/reference/diffusion-forcing.md §2,
 * models/dfv_unet.py): Conv3d weights keep their (out, in, 1, k, k) shape. */
#include "model.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- one walk over the network, two consumers (tensor list, FLOP count) ------------------------- */

typedef struct {
    void *user;
    /* A per-frame 2D convolution producing `out_pixels` pixels per frame. */
    void (*conv)(void *user, const char *prefix, int c_in, int c_out, int kernel, long out_pixels);
    /* A linear layer applied to `tokens` vectors per frame. */
    void (*linear)(void *user, const char *prefix, int in, int out, bool bias, long tokens);
    void (*norm)(void *user, const char *prefix, int channels);
    /* The attention products (not the projections): spatial over `pixels` tokens per frame, or temporal
     * over the frames of the window at each of `pixels` positions. */
    void (*attend)(void *user, bool temporal, bool linear, long pixels);
} layer_visitor;

typedef struct {
    const dfv_model_config *config;
    const layer_visitor *v;
} walk_ctx;

/* prefix + "." + suffix; names are far shorter than the buffers, so cutting is only a safety net. */
static void join(char *buf, size_t size, const char *prefix, const char *suffix)
{
    size_t used = 0;
    for (const char *parts[3] = {prefix, ".", suffix}, **p = parts; p < parts + 3; p++)
        for (const char *c = *p; *c && used + 1 < size; c++)
            buf[used++] = *c;
    buf[used] = '\0';
}

static void walk_resblock(const walk_ctx *w, const char *prefix, int c_in, int c_out, bool with_emb, long pixels)
{
    char name[96];
    join(name, sizeof name, prefix, "in_layers.0");
    w->v->norm(w->v->user, name, c_in);
    join(name, sizeof name, prefix, "in_layers.2");
    w->v->conv(w->v->user, name, c_in, c_out, 3, pixels);
    join(name, sizeof name, prefix, "out_layers.0");
    w->v->norm(w->v->user, name, c_out);
    join(name, sizeof name, prefix, "out_layers.2");
    w->v->conv(w->v->user, name, c_out, c_out, 3, pixels);
    if (with_emb) {
        join(name, sizeof name, prefix, "emb_layers.1");
        w->v->linear(w->v->user, name, 4 * w->config->arch.dim, 2 * c_out, true, 1);
    }
    if (c_in != c_out) {
        join(name, sizeof name, prefix, "skip_conv");
        w->v->conv(w->v->user, name, c_in, c_out, 1, pixels);
    }
}

/* `prefix` is the AttentionBlock itself (its norm and attn children). */
static void walk_attention_block(const walk_ctx *w, const char *prefix, int channels, bool temporal, bool linear,
                                 long pixels)
{
    const dfv_model_arch *a = &w->config->arch;
    int inner = a->heads * a->dim_head;
    char name[96];
    join(name, sizeof name, prefix, "norm");
    w->v->norm(w->v->user, name, channels);
    join(name, sizeof name, prefix, "attn.to_qkv");
    w->v->linear(w->v->user, name, channels, 3 * inner, false, pixels);
    w->v->attend(w->v->user, temporal, linear, pixels);
    join(name, sizeof name, prefix, "attn.to_out");
    w->v->linear(w->v->user, name, inner, channels, true, pixels);
}

static void walk_spatial(const walk_ctx *w, const char *prefix, int channels, bool linear, long pixels)
{
    char name[96];
    join(name, sizeof name, prefix, "wrapper.module");
    walk_attention_block(w, name, channels, false, linear, pixels);
}

static void walk_temporal(const walk_ctx *w, const char *prefix, int channels, long pixels)
{
    char name[96];
    join(name, sizeof name, prefix, "wrapper.module.attn_block");
    walk_attention_block(w, name, channels, true, false, pixels);
}

static void walk_down(const walk_ctx *w, const int *dims, int *side)
{
    const dfv_model_arch *a = &w->config->arch;
    char name[96];
    for (int i = 0; i < a->levels; i++) {
        long pixels = (long)*side * *side;
        int c_in = dims[i], c_out = dims[i + 1];
        snprintf(name, sizeof name, "down_blocks.%d.0.0", i);
        walk_resblock(w, name, c_in, c_out, true, pixels);
        snprintf(name, sizeof name, "down_blocks.%d.0.1", i);
        walk_resblock(w, name, c_out, c_out, true, pixels);
        snprintf(name, sizeof name, "down_blocks.%d.0.2", i);
        walk_spatial(w, name, c_out, dfv_model_linear_attention_at(a, 'd', i), pixels);
        snprintf(name, sizeof name, "down_blocks.%d.0.3", i);
        walk_temporal(w, name, c_out, pixels);
        if (i != a->levels - 1) {
            *side /= 2;
            snprintf(name, sizeof name, "down_blocks.%d.1.conv", i);
            w->v->conv(w->v->user, name, c_out, c_out, 3, (long)*side * *side);
        }
    }
}

static void walk_mid(const walk_ctx *w, int width, int side)
{
    long pixels = (long)side * side;
    walk_resblock(w, "mid_block.0", width, width, true, pixels);
    walk_spatial(w, "mid_block.1", width, dfv_model_linear_attention_at(&w->config->arch, 'm', 0), pixels);
    walk_temporal(w, "mid_block.2", width, pixels);
    walk_resblock(w, "mid_block.3", width, width, true, pixels);
}

static void walk_up(const walk_ctx *w, const int *dims, int *side)
{
    const dfv_model_arch *a = &w->config->arch;
    char name[96];
    for (int j = 0; j < a->levels; j++) {
        long pixels = (long)*side * *side;
        int level = a->levels - 1 - j;
        int c_in = dims[level], c_out = dims[level + 1];
        snprintf(name, sizeof name, "up_blocks.%d.0", j);
        walk_resblock(w, name, 2 * c_out, c_in, true, pixels);
        snprintf(name, sizeof name, "up_blocks.%d.1", j);
        walk_resblock(w, name, c_in, c_in, true, pixels);
        snprintf(name, sizeof name, "up_blocks.%d.2", j);
        walk_spatial(w, name, c_in, dfv_model_linear_attention_at(a, 'u', j), pixels);
        snprintf(name, sizeof name, "up_blocks.%d.3", j);
        walk_temporal(w, name, c_in, pixels);
        if (j != a->levels - 1) {
            *side *= 2;
            snprintf(name, sizeof name, "up_blocks.%d.4.conv", j);
            w->v->conv(w->v->user, name, c_in, c_in, 3, (long)*side * *side);
        }
    }
}

static void walk_network(const dfv_model_config *c, const layer_visitor *v)
{
    const dfv_model_arch *a = &c->arch;
    walk_ctx w = {c, v};
    int dim = a->dim, emb = 4 * dim, in_ch = dfv_model_in_channels(c);
    int dims[DFV_MODEL_MAX_LEVELS + 1] = {dim};
    for (int i = 0; i < a->levels; i++)
        dims[i + 1] = dim * a->dim_mults[i];

    v->linear(v->user, "noise_level_pos_embedding.1.linear_1", dim, emb, true, 1);
    v->linear(v->user, "noise_level_pos_embedding.1.linear_2", emb, emb, true, 1);
    if (c->actions.dim > 0) {
        v->linear(v->user, "action_mlp.0", c->actions.dim, emb, true, 1);
        v->linear(v->user, "action_mlp.2", emb, emb, true, 1);
    }
    long full = (long)a->resolution * a->resolution;
    v->conv(v->user, "init_conv", in_ch, dim, a->init_kernel, full);
    walk_temporal(&w, "init_temporal_attn", dim, full);
    int side = a->resolution;
    walk_down(&w, dims, &side);
    walk_mid(&w, dims[a->levels], side);
    walk_up(&w, dims, &side);
    walk_resblock(&w, "out.0", 2 * dim, dim, false, full);
    v->conv(v->user, "out.1", dim, in_ch, 1, full);
}

bool dfv_model_linear_attention_at(const dfv_model_arch *a, char where, int index)
{
    if (!a->linear_attention || where == 'm')
        return false;
    return where == 'd' ? index != a->levels - 1 : index > 0;
}

int dfv_model_in_channels(const dfv_model_config *c) { return c->arch.channels * c->arch.frame_stack; }

/* ---- tensor list ------------------------------------------------------------------------------- */

typedef struct {
    dfv_model_tensor_spec *out;
    int capacity, count;
} spec_list;

static void add_spec(spec_list *l, const char *prefix, const char *suffix, int ndim, ...)
{
    if (l->out && l->count < l->capacity) {
        dfv_model_tensor_spec *s = &l->out[l->count];
        join(s->name, sizeof s->name, prefix, suffix);
        s->ndim = ndim;
        va_list ap;
        va_start(ap, ndim);
        for (int i = 0; i < ndim; i++)
            s->shape[i] = va_arg(ap, int64_t);
        va_end(ap);
    }
    l->count++;
}

static void spec_conv(void *user, const char *prefix, int c_in, int c_out, int kernel, long out_pixels)
{
    (void)out_pixels;
    add_spec(user, prefix, "weight", 5, (int64_t)c_out, (int64_t)c_in, (int64_t)1, (int64_t)kernel, (int64_t)kernel);
    add_spec(user, prefix, "bias", 1, (int64_t)c_out);
}

static void spec_linear(void *user, const char *prefix, int in, int out, bool bias, long tokens)
{
    (void)tokens;
    add_spec(user, prefix, "weight", 2, (int64_t)out, (int64_t)in);
    if (bias)
        add_spec(user, prefix, "bias", 1, (int64_t)out);
}

static void spec_norm(void *user, const char *prefix, int channels)
{
    add_spec(user, prefix, "weight", 1, (int64_t)channels);
    add_spec(user, prefix, "bias", 1, (int64_t)channels);
}

static void spec_attend(void *user, bool temporal, bool linear, long pixels)
{
    (void)user, (void)temporal, (void)linear, (void)pixels;
}

int dfv_model_tensor_specs(const dfv_model_config *c, dfv_model_tensor_spec *out, int capacity)
{
    spec_list list = {out, capacity, 0};
    layer_visitor v = {&list, spec_conv, spec_linear, spec_norm, spec_attend};
    walk_network(c, &v);
    return list.count;
}

static int64_t spec_elements(const dfv_model_tensor_spec *s)
{
    int64_t n = 1;
    for (int i = 0; i < s->ndim; i++)
        n *= s->shape[i];
    return n;
}

int64_t dfv_model_parameter_count(const dfv_model_config *c)
{
    int n = dfv_model_tensor_specs(c, NULL, 0);
    dfv_model_tensor_spec *specs = calloc((size_t)n, sizeof *specs);
    if (!specs)
        return -1;
    dfv_model_tensor_specs(c, specs, n);
    int64_t total = 0;
    for (int i = 0; i < n; i++)
        total += spec_elements(&specs[i]);
    free(specs);
    return total;
}

/* ---- FLOP count ---------------------------------------------------------------------------------- */

typedef struct {
    const dfv_model_arch *arch;
    double frames, flops;
} flop_counter;

static void flop_conv(void *user, const char *prefix, int c_in, int c_out, int kernel, long out_pixels)
{
    (void)prefix;
    flop_counter *f = user;
    f->flops += 2.0 * c_in * c_out * kernel * kernel * (double)out_pixels * f->frames;
}

static void flop_linear(void *user, const char *prefix, int in, int out, bool bias, long tokens)
{
    (void)prefix, (void)bias;
    flop_counter *f = user;
    f->flops += 2.0 * in * out * (double)tokens * f->frames;
}

static void flop_norm(void *user, const char *prefix, int channels) { (void)user, (void)prefix, (void)channels; }

/* Two products per head (scores and weighted values, or context and output for linear attention).
 * Causal attention is counted over the full T×T square, as PyTorch's counter does. */
static void flop_attend(void *user, bool temporal, bool linear, long pixels)
{
    flop_counter *f = user;
    double heads = f->arch->heads, dh = f->arch->dim_head, n = (double)pixels;
    if (temporal)
        f->flops += 2.0 * 2.0 * heads * f->frames * f->frames * dh * n;
    else if (linear)
        f->flops += 2.0 * 2.0 * heads * dh * dh * n * f->frames;
    else
        f->flops += 2.0 * 2.0 * heads * n * n * dh * f->frames;
}

double dfv_model_flops(const dfv_model_config *c, int frames)
{
    flop_counter counter = {&c->arch, frames, 0.0};
    layer_visitor v = {&counter, flop_conv, flop_linear, flop_norm, flop_attend};
    walk_network(c, &v);
    return counter.flops;
}

/* ---- model files ------------------------------------------------------------------------------- */

struct dfv_model {
    dfv_st_file *file;
    dfv_model_config config;
    float *rotary_freqs; /* dim_head/2: the file's, or the default */
    bool rotary_stored;  /* the file holds frequencies that differ from the default */
};

static dfv_status model_fail(char err[DFV_ERR_LEN], const char *label, const char *what, const char *name)
{
    snprintf(err, DFV_ERR_LEN, "%s: %s '%.96s'", label, what, name);
    return DFV_ERR_ARGUMENT;
}

static void format_shape(char *buf, size_t size, int ndim, const int64_t *shape)
{
    size_t used = (size_t)snprintf(buf, size, "[");
    for (int i = 0; i < ndim && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%lld", i ? ", " : "", (long long)shape[i]);
    if (used < size)
        snprintf(buf + used, size - used, "]");
}

static dfv_status check_one_tensor(const dfv_st_file *file, const dfv_model_tensor_spec *spec, char err[DFV_ERR_LEN])
{
    const char *label = dfv_st_label(file);
    const dfv_st_tensor *t = dfv_st_find(file, spec->name);
    if (!t)
        return model_fail(err, label, "missing tensor", spec->name);
    bool same = t->ndim == spec->ndim;
    for (int i = 0; same && i < spec->ndim; i++)
        same = t->shape[i] == spec->shape[i];
    if (!same) {
        char have[128], want[128];
        format_shape(have, sizeof have, t->ndim, t->shape);
        format_shape(want, sizeof want, spec->ndim, spec->shape);
        snprintf(err, DFV_ERR_LEN, "%s: tensor '%.96s' has shape %s but the config needs %s", label, spec->name,
                 have, want);
        return DFV_ERR_ARGUMENT;
    }
    return DFV_OK;
}

/* The one optional tensor: rotary frequencies, {dim_head/2}, finite. */
static dfv_status check_rotary_freqs(const dfv_st_file *file, const dfv_model_config *c, char err[DFV_ERR_LEN])
{
    const dfv_st_tensor *t = dfv_st_find(file, DFV_MODEL_ROTARY_FREQS);
    if (!t)
        return DFV_OK;
    if (!c->arch.rotary)
        return model_fail(err, dfv_st_label(file), "unexpected tensor (the config has no rotary attention)",
                          DFV_MODEL_ROTARY_FREQS);
    dfv_model_tensor_spec spec = {DFV_MODEL_ROTARY_FREQS, 1, {c->arch.dim_head / 2}};
    dfv_status st = check_one_tensor(file, &spec, err);
    if (st)
        return st;
    float values[DFV_MODEL_MAX_DIM_HEAD / 2];
    dfv_st_to_f32(t, values);
    for (int i = 0; i < c->arch.dim_head / 2; i++)
        if (!isfinite(values[i]))
            return model_fail(err, dfv_st_label(file), "non-finite rotary frequency in", DFV_MODEL_ROTARY_FREQS);
    return DFV_OK;
}

/* Every implied tensor present with its shape, and nothing else in the file. */
static dfv_status check_tensors(const dfv_st_file *file, const dfv_model_config *c, char err[DFV_ERR_LEN])
{
    int n = dfv_model_tensor_specs(c, NULL, 0);
    dfv_model_tensor_spec *specs = calloc((size_t)n, sizeof *specs);
    if (!specs) {
        snprintf(err, DFV_ERR_LEN, "%s: out of memory for the tensor list", dfv_st_label(file));
        return DFV_ERR_MEMORY;
    }
    dfv_model_tensor_specs(c, specs, n);
    dfv_status st = DFV_OK;
    for (int i = 0; i < n && st == DFV_OK; i++)
        st = check_one_tensor(file, &specs[i], err);
    for (int i = 0; i < dfv_st_tensor_count(file) && st == DFV_OK; i++) {
        const char *name = dfv_st_tensor_at(file, i)->name;
        bool expected = !strcmp(name, DFV_MODEL_ROTARY_FREQS); /* checked by check_rotary_freqs */
        for (int j = 0; j < n && !expected; j++)
            expected = !strcmp(specs[j].name, name);
        if (!expected)
            st = model_fail(err, dfv_st_label(file), "unexpected tensor (not in the network the config describes)",
                            name);
    }
    free(specs);
    return st ? st : check_rotary_freqs(file, c, err);
}

static dfv_status load_rotary_freqs(dfv_model *m, char err[DFV_ERR_LEN])
{
    int pairs = m->config.arch.dim_head / 2;
    m->rotary_freqs = calloc((size_t)(pairs > 0 ? pairs : 1), sizeof *m->rotary_freqs);
    if (!m->rotary_freqs) {
        snprintf(err, DFV_ERR_LEN, "%s: out of memory", dfv_st_label(m->file));
        return DFV_ERR_MEMORY;
    }
    dfv_rotary_default_freqs(m->config.arch.dim_head, m->rotary_freqs);
    const dfv_st_tensor *t = dfv_st_find(m->file, DFV_MODEL_ROTARY_FREQS);
    if (t) {
        float stored[DFV_MODEL_MAX_DIM_HEAD / 2];
        dfv_st_to_f32(t, stored);
        m->rotary_stored = memcmp(stored, m->rotary_freqs, (size_t)pairs * sizeof *stored) != 0;
        memcpy(m->rotary_freqs, stored, (size_t)pairs * sizeof *stored);
    }
    return DFV_OK;
}

static dfv_status model_from_file(dfv_st_file *file, dfv_model **out, char err[DFV_ERR_LEN])
{
    const char *json = dfv_st_metadata(file, "dfview");
    if (!json) {
        snprintf(err, DFV_ERR_LEN, "%s: no 'dfview' entry in the safetensors __metadata__ (not a dfview model; "
                 "convert it with scripts/convert-official)", dfv_st_label(file));
        dfv_st_close(file);
        return DFV_ERR_ARGUMENT;
    }
    dfv_model *m = calloc(1, sizeof *m);
    if (!m) {
        snprintf(err, DFV_ERR_LEN, "%s: out of memory", dfv_st_label(file));
        dfv_st_close(file);
        return DFV_ERR_MEMORY;
    }
    m->file = file;
    dfv_status st = dfv_model_config_parse(json, strlen(json), dfv_st_label(file), &m->config, err);
    if (st == DFV_OK)
        st = check_tensors(file, &m->config, err);
    if (st == DFV_OK)
        st = load_rotary_freqs(m, err);
    if (st != DFV_OK) {
        dfv_model_close(m);
        return st;
    }
    *out = m;
    return DFV_OK;
}

/* Names and strings in an error come from the file; a newline or control byte in them must not break the
 * promise of one line. */
static dfv_status one_line(dfv_status st, char err[DFV_ERR_LEN])
{
    for (char *c = err; st != DFV_OK && *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            *c = '?';
    return st;
}

dfv_status dfv_model_open(const char *path, dfv_model **out, char err[DFV_ERR_LEN])
{
    *out = NULL;
    dfv_st_file *file;
    dfv_status st = dfv_st_open(path, &file, err);
    return one_line(st != DFV_OK ? st : model_from_file(file, out, err), err);
}

dfv_status dfv_model_parse(const void *bytes, size_t size, const char *label, dfv_model **out, char err[DFV_ERR_LEN])
{
    *out = NULL;
    dfv_st_file *file;
    dfv_status st = dfv_st_parse(bytes, size, label, &file, err);
    return one_line(st != DFV_OK ? st : model_from_file(file, out, err), err);
}

void dfv_model_close(dfv_model *m)
{
    if (!m)
        return;
    dfv_model_config_free(&m->config);
    free(m->rotary_freqs);
    dfv_st_close(m->file);
    free(m);
}

const dfv_model_config *dfv_model_get_config(const dfv_model *m) { return &m->config; }
const dfv_st_file *dfv_model_file(const dfv_model *m) { return m->file; }
const dfv_st_tensor *dfv_model_tensor(const dfv_model *m, const char *name) { return dfv_st_find(m->file, name); }

dfv_status dfv_model_tensor_f32(const dfv_model *m, const char *name, float *out, size_t count, char err[DFV_ERR_LEN])
{
    const dfv_st_tensor *t = dfv_st_find(m->file, name);
    if (!t)
        return model_fail(err, dfv_st_label(m->file), "no tensor", name);
    if (t->count != count) {
        snprintf(err, DFV_ERR_LEN, "%s: tensor '%.96s' has %llu elements, caller expected %zu", dfv_st_label(m->file),
                 name, (unsigned long long)t->count, count);
        return DFV_ERR_ARGUMENT;
    }
    dfv_st_to_f32(t, out);
    return DFV_OK;
}

const float *dfv_model_rotary_freqs(const dfv_model *m, bool *stored)
{
    if (stored)
        *stored = m->rotary_stored;
    return m->rotary_freqs;
}

void dfv_rotary_default_freqs(int dim_head, float *out)
{
    for (int i = 0; i < dim_head / 2; i++) /* a float exponent and power, as torch computes them */
        out[i] = 1.0f / powf(10000.0f, (float)(2 * i) / (float)dim_head);
}
