/* dfview info on an Oasis model: the card of a DiT + ViT-VAE file (models/README.md, "Oasis models"). The
 * file is validated completely first (dfv_oasis_model_open), so a card printed means a model that loads. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "oasis_cli.h"
#include "safetensors.h"

static void print_architecture(const dfv_oasis_model *m)
{
    const dfv_oasis_dit_arch *d = dfv_oasis_model_dit(m);
    const dfv_oasis_vae_arch *v = dfv_oasis_model_vae(m);
    printf("%-13soasis: DiT over ViT-VAE latents (open-oasis)\n", "architecture");
    printf("%-13sDiT: %d×%d×%d latents, patch %d (%d tokens per frame), width %d, %d blocks, %d heads × %d, "
           "MLP %d,\n",
           "", d->channels, d->input_h, d->input_w, d->patch, (d->input_h / d->patch) * (d->input_w / d->patch),
           d->hidden, d->depth, d->heads, d->hidden / d->heads, d->mlp_hidden);
    printf("%-13s     spatial attention per frame (2-D axial rotary), causal temporal attention (1-D rotary),\n"
           "%-13s     adaLN from the noise level (%d-wide embedding) + %d action values, max %d frames, eps %g\n",
           "", "", d->frequency_dim, d->action_dim, d->max_frames, (double)d->layernorm_eps);
    printf("%-13sViT-VAE: %d×%d images, patch %d -> %d×%d×%d latents (scaling factor %.8g); encoder width %d × %d\n"
           "%-13s     blocks (MLP %d), decoder width %d × %d blocks (MLP %d), %d heads, eps %g\n",
           "", v->image_h, v->image_w, v->patch, v->latent, v->image_h / v->patch, v->image_w / v->patch,
           (double)v->scaling_factor, v->enc_dim, v->enc_depth, "", v->enc_mlp, v->dec_dim, v->dec_depth, v->dec_mlp,
           v->heads, (double)v->layernorm_eps);
}

/* One stored frequency vector against the official default; the first values when it differs. */
static void print_freqs(const char *what, const dfv_st_tensor *t, const char *default_text, double (*def)(int, int))
{
    const int n = (int)t->count;
    float values[512];
    bool same = n <= 512;
    if (same)
        dfv_st_to_f32(t, values);
    for (int i = 0; same && i < n; i++)
        same = fabs(values[i] - def(i, n)) <= 1e-5 * fabs(def(i, n));
    printf("%-13s%s: %d frequencies, ", "", what, n);
    if (same) {
        printf("the default %s\n", default_text);
        return;
    }
    printf("NON-DEFAULT (used as stored):");
    for (int i = 0; i < n && i < 4; i++)
        printf(" %.6g", (double)values[i]);
    printf("%s\n", n > 4 ? " …" : "");
}

static double pixel_default(int i, int n) /* linspace(1, 256 / 2, n) · π */
{
    return (n > 1 ? 1.0 + (128.0 - 1.0) * i / (n - 1) : 1.0) * M_PI;
}

static double lang_default(int i, int n) /* 1 / 10000^(2i / dim), dim = 2n */
{
    return 1.0 / pow(10000.0, (double)(2 * i) / (2 * n));
}

static void print_rotary(const dfv_oasis_model *m)
{
    printf("%-13sDiT frequencies from the file:\n", "rotary");
    print_freqs("spatial", dfv_oasis_model_tensor(m, "dit.spatial_rotary_emb.freqs"), "linspace(1, 128, n)·π",
                pixel_default);
    print_freqs("temporal", dfv_oasis_model_tensor(m, "dit.temporal_rotary_emb.freqs"), "1/10000^(2i/head dim)",
                lang_default);
    printf("%-13sViT-VAE: computed from the latent grid (not stored), on the first half of each head\n", "");
}

static long long count_prefix(const dfv_st_file *file, const char *prefix)
{
    long long n = 0;
    for (int i = 0; i < dfv_st_tensor_count(file); i++)
        if (!strncmp(dfv_st_tensor_at(file, i)->name, prefix, strlen(prefix)))
            n += (long long)dfv_st_tensor_at(file, i)->count;
    return n;
}

/* "117.8 GFLOP", "37.78 TFLOP" */
static const char *flops_text(double flops, char text[32])
{
    if (flops >= 1e12)
        snprintf(text, 32, "%.4g TFLOP", flops / 1e12);
    else
        snprintf(text, 32, "%.4g GFLOP", flops / 1e9);
    return text;
}

static void print_cost(const dfv_oasis_model *m, const dfv_st_file *file)
{
    const dfv_oasis_dit_arch *d = dfv_oasis_model_dit(m);
    const dfv_oasis_diffusion *df = dfv_oasis_model_diffusion(m);
    long long dit = count_prefix(file, "dit."), vae = count_prefix(file, "vae.");
    printf("%-13s%lld (%.2f M): DiT %.2f M, ViT-VAE %.2f M\n", "parameters", dit + vae, (dit + vae) / 1e6, dit / 1e6,
           vae / 1e6);
    const int w = df->window, steps = df->sampling_steps;
    const double official = dfv_oasis_frame_flops(d, steps, w, false);
    const double cached = dfv_oasis_frame_flops(d, steps, w, true);
    char a[32], b[32];
    printf("%-13sDiT: %s per frame (window 1); %s per call at window %d\n", "cost",
           flops_text(dfv_oasis_dit_flops(d, 1), a), flops_text(dfv_oasis_dit_flops(d, w), b), w);
    printf("%-13sper new frame (%d DDIM steps, window %d): official loop %s (every step on the window);\n"
           "%-13sdfview's cached loop %s (context once, each step on the new frame): %.1f× less\n",
           "", steps, w, flops_text(official, a), "", flops_text(cached, b), official / cached);
    printf("%-13sViT-VAE: encode %s per image, decode %s per frame\n", "",
           flops_text(dfv_oasis_vae_flops(dfv_oasis_model_vae(m), false), a),
           flops_text(dfv_oasis_vae_flops(dfv_oasis_model_vae(m), true), b));
}

static void print_diffusion(const dfv_oasis_diffusion *d)
{
    printf("%-13spred_v, %d noise levels, alphas_cumprod %.8g … %.4g\n", "sampler", d->timesteps,
           (double)d->alphas_cumprod[0], (double)d->alphas_cumprod[d->timesteps - 1]);
    printf("%-13s%d DDIM steps over linspace(-1, %d, %d), window %d frames, new-frame noise clipped to ±%g;\n"
           "%-13scontext labelled stabilization level %d − 1 = %d, kept clean\n",
           "", d->sampling_steps, d->timesteps - 1, d->sampling_steps + 1, d->window, (double)d->clip_noise, "",
           d->stabilization_level, d->stabilization_level - 1);
}

/* Name, action names and provenance: metadata the loader does not keep. */
static void print_metadata(const cJSON *root, int action_dim)
{
    const cJSON *actions = cJSON_GetObjectItemCaseSensitive(root, "actions");
    const cJSON *names = cJSON_GetObjectItemCaseSensitive(actions, "names");
    const cJSON *kind = cJSON_GetObjectItemCaseSensitive(actions, "kind");
    printf("%-13s%d%s%s", "actions", action_dim, cJSON_IsString(kind) ? ", " : "",
           cJSON_IsString(kind) ? kind->valuestring : "");
    int i = 0;
    const cJSON *name;
    cJSON_ArrayForEach(name, names)
    {
        if (cJSON_IsString(name))
            printf("%s%s", i % 8 ? ", " : (i ? ",\n             " : ":\n             "), name->valuestring);
        i++;
    }
    printf("\n");
    const cJSON *prov = cJSON_GetObjectItemCaseSensitive(root, "provenance");
    const cJSON *source = cJSON_GetObjectItemCaseSensitive(prov, "source");
    printf("%-13ssource: %s\n", "provenance",
           cJSON_IsString(source) && source->valuestring[0] ? source->valuestring : "(not recorded)");
}

/* A recorded weights hash must match the bytes: 1 it does, 0 none recorded, -1 it does not (said on stderr). */
static int weights_check(const char *path, const dfv_st_file *file, const cJSON *root, char actual[65])
{
    const cJSON *sha = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(root, "provenance"),
                                                        "weights_sha256");
    if (!cJSON_IsString(sha) || !sha->valuestring[0])
        return 0;
    size_t bytes;
    const void *data = dfv_st_data(file, &bytes);
    dfv_st_sha256_hex(data, bytes, actual);
    if (!strcmp(actual, sha->valuestring))
        return 1;
    fprintf(stderr, "dfview info: %s: the tensor bytes hash to sha256 %s, but provenance.weights_sha256 says %s\n",
            path, actual, sha->valuestring);
    return -1;
}

int dfv_info_oasis(const char *path)
{
    char err[DFV_ERR_LEN];
    dfv_oasis_model *m = NULL;
    dfv_st_file *file = NULL;
    if (dfv_oasis_model_open(path, &m, err) || dfv_st_open(path, &file, err)) {
        fprintf(stderr, "dfview info: %s\n", err);
        dfv_oasis_model_close(m);
        return 1;
    }
    cJSON *root = cJSON_Parse(dfv_st_metadata(file, "dfview"));
    char sha[65];
    const int hashed = weights_check(path, file, root, sha);
    if (hashed < 0) {
        cJSON_Delete(root);
        dfv_st_close(file);
        dfv_oasis_model_close(m);
        return 1;
    }
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(root, "name");
    printf("%-13s%s\n", "model", cJSON_IsString(name) && name->valuestring[0] ? name->valuestring : "(unnamed)");
    dfv_info_print_file(path, file);
    print_architecture(m);
    print_rotary(m);
    print_cost(m, file);
    print_diffusion(dfv_oasis_model_diffusion(m));
    print_metadata(root, dfv_oasis_model_dit(m)->action_dim);
    if (hashed)
        printf("%-13sweights sha256: %s (matches the file)\n", "", sha);
    else
        printf("%-13sweights sha256: (not recorded, not checked)\n", "");
    cJSON_Delete(root);
    dfv_st_close(file);
    dfv_oasis_model_close(m);
    return 0;
}
