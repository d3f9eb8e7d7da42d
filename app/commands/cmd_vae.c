/* dfview encode / dfview decode: an Oasis model's ViT-VAE on .npy input, for parity checks and for making
 * latents. One code path, two directions:
 *   encode: images (N, 3, H, W) float32 in [-1, 1] -> z (N, latent, h, w), the scaled latent mean;
 *   decode: z (N, latent, h, w) -> (N, 3, H, W), the decoder's output before it becomes pixels.
 * Images go through one at a time, so memory stays that of one image whatever N is. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "oasis_cli.h"

typedef struct {
    const char *command; /* "encode" or "decode" */
    bool decode;
    dfv_engine_desc engine;
    const char *input, *output;
} vae_args;

static void print_usage(FILE *out, const char *command)
{
    fprintf(out, "usage: dfview %s --model M --input %s.npy --output %s.npy [--fp16] [--device N]\n", command,
            strcmp(command, "encode") ? "z" : "img", strcmp(command, "encode") ? "img" : "z");
    if (strcmp(command, "encode"))
        fprintf(out, "An Oasis model's ViT-VAE decoder: z float32 (N, latent, h, w) as the DiT makes it ->\n"
                     "(N, 3, H, W) float32, the decoder's output before it becomes pixels ((y + 1) / 2, clamped).\n");
    else
        fprintf(out, "An Oasis model's ViT-VAE encoder: images float32 (N, 3, H, W) in [-1, 1] -> z float32\n"
                     "(N, latent, h, w), the latent mean times the scaling factor (what the DiT takes).\n");
}

static int parse_args(int argc, char **argv, vae_args *a)
{
    for (int i = 1; i < argc; i++) {
        char err[DFV_ERR_LEN];
        int used = dfv_engine_parse_option(argc, argv, i, &a->engine, err);
        if (used < 0)
            return fprintf(stderr, "dfview %s: %s\n", a->command, err), -1;
        if (used) {
            i += used - 1;
            continue;
        }
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            print_usage(stdout, a->command);
            exit(0);
        }
        const char **slot = !strcmp(argv[i], "--input") ? &a->input : !strcmp(argv[i], "--output") ? &a->output : NULL;
        if (!slot || i + 1 >= argc) {
            fprintf(stderr, "dfview %s: unexpected argument '%s' (see 'dfview %s --help')\n", a->command, argv[i],
                    a->command);
            return -1;
        }
        *slot = argv[++i];
    }
    if (!a->input || !a->output || !a->engine.model_path) {
        fprintf(stderr, "dfview %s: --model, --input and --output are required\n", a->command);
        return -1;
    }
    return 0;
}

/* The model must be an Oasis model: a Unet3D works in pixel space and has no VAE. */
static bool check_family(const char *path, char err[DFV_ERR_LEN])
{
    dfv_model_family family = dfv_model_family_of(path, err);
    if (family == DFV_FAMILY_UNET3D)
        return dfv_error_set(err, "%s is a Unet3D model, which works in pixel space and has no VAE (encode and decode "
                                  "need an Oasis model)",
                             path);
    return family == DFV_FAMILY_OASIS;
}

static int run(const vae_args *a, dfv_oasis_engine *e, const dfv_npy *in, char err[DFV_ERR_LEN])
{
    const dfv_oasis_vae_arch *v = dfv_oasis_model_vae(e->model);
    const int h = v->image_h / v->patch, w = v->image_w / v->patch, n = (int)in->shape[0];
    const int64_t image[4] = {-3, 3, v->image_h, v->image_w}, latent[4] = {-3, v->latent, h, w};
    const char *what = a->decode ? "input (latents)" : "input (images)";
    if (!dfv_npy_check_shape(in, what, 4, a->decode ? latent : image, err) ||
        dfv_oasis_engine_upload(&a->engine, DFV_OASIS_VAE, e, err))
        return -1;
    const int64_t *out_shape = a->decode ? image : latent;
    const size_t in_size = in->count / (size_t)n, out_size = (size_t)out_shape[1] * out_shape[2] * out_shape[3];
    float *out = malloc(out_size * (size_t)n * sizeof *out);
    if (!out)
        return dfv_error_set(err, "out of memory"), -1;
    dfv_status s = DFV_OK;
    for (int i = 0; i < n && !s; i++) {
        const float *src = (const float *)in->data + in_size * i;
        s = a->decode ? dfv_vit_vae_decode(e->vae, src, 1, out + out_size * i)
                      : dfv_vit_vae_encode(e->vae, src, 1, out + out_size * i);
    }
    const int64_t shape[4] = {n, out_shape[1], out_shape[2], out_shape[3]};
    int rc = -1;
    if (s)
        dfv_error_set(err, "%s", dfv_ctx_error(e->ctx));
    else
        rc = dfv_npy_write_f32(a->output, out, 4, shape, err);
    free(out);
    return rc;
}

static int vae_command(int argc, char **argv, bool decode)
{
    vae_args a = {.command = decode ? "decode" : "encode", .decode = decode};
    if (parse_args(argc, argv, &a))
        return 2;
    char err[DFV_ERR_LEN];
    dfv_npy in = {0};
    dfv_oasis_engine e = {0};
    int rc = 0;
    if (!check_family(a.engine.model_path, err) || dfv_npy_read(a.input, DFV_NPY_F32, &in, err) ||
        dfv_oasis_engine_open_model(&a.engine, &e, err) || run(&a, &e, &in, err)) {
        fprintf(stderr, "dfview %s: %s\n", a.command, err);
        rc = 1;
    }
    dfv_oasis_engine_close(&e);
    dfv_npy_free(&in);
    return rc;
}

int dfv_cmd_encode(int argc, char **argv) { return vae_command(argc, argv, false); }

int dfv_cmd_decode(int argc, char **argv) { return vae_command(argc, argv, true); }
