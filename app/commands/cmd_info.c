/* dfview info MODEL: the model card. The file is validated completely first, so a card printed means a
 * model that will load. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "model.h"
#include "oasis_cli.h"

static void print_usage(FILE *out)
{
    fprintf(out, "usage: dfview info MODEL.safetensors\n"
                 "Validates a dfview model file and prints its card: architecture, parameter count,\n"
                 "GFLOP per frame per call, diffusion settings, actions and key bindings, provenance.\n"
                 "Oasis models: the DiT and ViT-VAE sizes, rotary frequencies, GFLOP per new frame for the\n"
                 "official sampling loop and dfview's cached one, sampler settings, action names.\n");
}

void dfv_info_print_file(const char *path, const dfv_st_file *file)
{
    int by_dtype[3] = {0, 0, 0};
    size_t bytes = 0;
    for (int i = 0; i < dfv_st_tensor_count(file); i++) {
        const dfv_st_tensor *t = dfv_st_tensor_at(file, i);
        by_dtype[t->dtype]++;
        bytes += t->bytes;
    }
    printf("%-13s%s\n", "file", path);
    printf("%-13s%d tensors, %.2f MiB (", "", dfv_st_tensor_count(file), bytes / 1048576.0);
    const char *sep = "";
    for (int d = 0; d < 3; d++)
        if (by_dtype[d]) {
            printf("%s%d %s", sep, by_dtype[d], dfv_st_dtype_name((dfv_st_dtype)d));
            sep = ", ";
        }
    printf(")\n");
}

static void print_architecture(const dfv_model_config *c)
{
    const dfv_model_arch *a = &c->arch;
    printf("%-13sunet3d, %d×%d×%d", "architecture", a->channels, a->resolution, a->resolution);
    if (a->frame_stack > 1)
        printf(", frame_stack %d", a->frame_stack);
    printf(", dim %d, dim_mults [", a->dim);
    for (int i = 0; i < a->levels; i++)
        printf("%s%d", i ? ", " : "", a->dim_mults[i]);
    printf("], %d heads × %d\n", a->heads, a->dim_head);
    printf("%-13sspatial attention %s; temporal attention %s%s; init kernel %d\n", "",
           a->linear_attention ? "linear on outer levels, full inner" : "full everywhere",
           a->causal ? "causal" : "bidirectional", a->rotary ? " with rotary positions" : "", a->init_kernel);
    printf("%-13sGroupNorm %d groups eps %g over %s; LayerNorm eps %g\n", "", a->groupnorm_groups,
           (double)a->groupnorm_eps, a->groupnorm_per_frame ? "each frame (context can be cached)" : "the whole window",
           (double)a->layernorm_eps);
}

/* The official network uses the rotary frequencies a checkpoint stores; say when they are not the default. */
static void print_rotary(const dfv_model *m)
{
    const dfv_model_arch *a = &dfv_model_get_config(m)->arch;
    if (!a->rotary)
        return;
    bool stored;
    const float *freqs = dfv_model_rotary_freqs(m, &stored);
    printf("%-13s", "rotary");
    if (!stored) {
        printf("default frequencies 1/10000^(2i/%d)%s\n", a->dim_head,
               dfv_model_tensor(m, DFV_MODEL_ROTARY_FREQS) ? " (stored in the file)" : "");
        return;
    }
    printf("NON-DEFAULT frequencies stored in the file:");
    for (int i = 0; i < a->dim_head / 2 && i < 4; i++)
        printf(" %.6g", (double)freqs[i]);
    printf("%s\n", a->dim_head / 2 > 4 ? " …" : "");
}

static void print_cost(const dfv_model_config *c)
{
    long long params = (long long)dfv_model_parameter_count(c);
    printf("%-13s%lld (%.2f M)\n", "parameters", params, params / 1e6);
    int window = c->diffusion.window;
    double per_call = dfv_model_flops(c, window) / 1e9;
    printf("%-13s%.4g GFLOP per frame per call (window 1); %.4g GFLOP per call at window %d (%.4g per frame)\n",
           "cost", dfv_model_flops(c, 1) / 1e9, per_call, window, per_call / window);
    double per_frame = per_call * c->diffusion.sampling_steps / c->diffusion.chunk_size;
    printf("%-13s%.4g %s per new frame with the default sampler (%d steps, full window)\n", "",
           per_frame >= 1000 ? per_frame / 1000 : per_frame, per_frame >= 1000 ? "TFLOP" : "GFLOP",
           c->diffusion.sampling_steps);
}

static void print_diffusion(const dfv_model_config *c)
{
    const dfv_model_diffusion *d = &c->diffusion;
    printf("%-13s%s, %d timesteps%s%s%s, alphas_cumprod %.8g … %.4g\n", "diffusion", dfv_objective_name(d->objective),
           d->timesteps, d->beta_schedule[0] ? " (" : "", d->beta_schedule, d->beta_schedule[0] ? ")" : "",
           (double)d->alphas_cumprod[0], (double)d->alphas_cumprod[d->timesteps - 1]);
    printf("%-13s%d sampling steps, %s scheduling, chunk %d, eta %g, stabilization level %d%s, noise clip ±%g\n",
           "", d->sampling_steps, d->scheduling, d->chunk_size, (double)d->eta, d->stabilization_level,
           d->context_noise ? " with context noise" : "", (double)d->clip_noise);
    printf("%-13s%d context frame%s, window %d frames\n", "", d->context_frames, d->context_frames == 1 ? "" : "s",
           d->window);
    printf("%-13smean %g, std %g\n", "data", (double)c->data_mean, (double)c->data_std);
}

static void print_actions(const dfv_model_actions *a)
{
    if (a->dim == 0) {
        printf("%-13snone (not action-conditioned)\n", "actions");
        return;
    }
    printf("%-13s%d, %s\n", "actions", a->dim, dfv_action_kind_name(a->kind));
    for (int i = 0; i < a->dim; i++) {
        printf("%-13s  %-16s", "", a->actions[i].name);
        for (int k = 0; k < a->actions[i].key_count; k++)
            printf("%s%s", k ? ", " : "", a->actions[i].keys[k]);
        printf("%s\n", a->actions[i].key_count ? "" : "(no key)");
    }
}

static void print_provenance(const dfv_model_provenance *p)
{
    /* Reached only after weights_match(): a recorded hash here has been checked. */
    const char *unknown = "(not recorded)";
    printf("%-13ssource: %s\n", "provenance", p->source[0] ? p->source : unknown);
    printf("%-13straining data: %s\n", "", p->training_data[0] ? p->training_data : unknown);
    if (p->steps >= 0)
        printf("%-13straining steps: %lld\n", "", (long long)p->steps);
    printf("%-13slicense: %s\n", "", p->license[0] ? p->license : unknown);
    if (p->weights_sha256[0])
        printf("%-13sweights sha256: %s (matches the file)\n", "", p->weights_sha256);
    else
        printf("%-13sweights sha256: (not recorded, not checked)\n", "");
}

/* A recorded weights hash that disagrees with the bytes means a damaged or altered file. */
static bool weights_match(const char *path, const dfv_model *m)
{
    const char *recorded = dfv_model_get_config(m)->provenance.weights_sha256;
    if (!recorded[0])
        return true;
    size_t bytes;
    const void *data = dfv_st_data(dfv_model_file(m), &bytes);
    char actual[65];
    dfv_st_sha256_hex(data, bytes, actual);
    if (!strcmp(actual, recorded))
        return true;
    fprintf(stderr, "dfview info: %s: the tensor bytes hash to sha256 %s, but provenance.weights_sha256 says %s\n",
            path, actual, recorded);
    return false;
}

int dfv_cmd_info(int argc, char **argv)
{
    if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        print_usage(stdout);
        return 0;
    }
    if (argc != 2 || argv[1][0] == '-') {
        print_usage(stderr);
        return 2;
    }
    char err[DFV_ERR_LEN];
    if (dfv_model_family_of(argv[1], err) == DFV_FAMILY_OASIS)
        return dfv_info_oasis(argv[1]);
    dfv_model *m = NULL;
    if (dfv_model_open(argv[1], &m, err) != DFV_OK) {
        fprintf(stderr, "dfview info: %s\n", err);
        return 1;
    }
    const dfv_model_config *c = dfv_model_get_config(m);
    if (!weights_match(argv[1], m)) {
        dfv_model_close(m);
        return 1;
    }
    printf("%-13s%s\n", "model", c->name[0] ? c->name : "(unnamed)");
    dfv_info_print_file(argv[1], dfv_model_file(m));
    print_architecture(c);
    print_rotary(m);
    print_cost(c);
    print_diffusion(c);
    print_actions(&c->actions);
    print_provenance(&c->provenance);
    dfv_model_close(m);
    return 0;
}
