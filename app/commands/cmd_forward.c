/* dfview forward: one network call on .npy input, for parity checks against the reference network. The
 * model file's family decides: Unet3D here, Oasis in cmd_forward_oasis.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "engine.h"
#include "npy_io.h"
#include "oasis_cli.h"

typedef struct {
    dfv_engine_desc engine;
    const char *input, *timesteps, *actions, *output;
    int cache_context; /* > 0: the first N frames go through the K/V cache, output holds the rest */
} forward_args;

static void print_usage(FILE *out)
{
    fprintf(out,
            "usage: dfview forward --model M --input x.npy --timesteps t.npy [--actions a.npy] --output v.npy\n"
            "                      [--fp16] [--device N] [--cache-context N]\n"
            "x: float32 (T, B, C, H, W) in [-1, 1]; t: int64 (T, B) timesteps 0..999; a: float32 (T, B, A).\n"
            "Writes the network output (v for v-prediction models) as float32 of x's shape. With\n"
            "--cache-context N the first N frames are cached context and the output holds frames N..T-1.\n"
            "Oasis models (the file says which): x float32 (B, T, C, H, W) latents; t (B, T) noise levels,\n"
            "int64 or int32; a float32 (B, T, action_dim); v as the official DiT returns it, of x's shape.\n");
}

static int parse_args(int argc, char **argv, forward_args *a)
{
    memset(a, 0, sizeof *a);
    for (int i = 1; i < argc; i++) {
        char err[DFV_ERR_LEN];
        int used = dfv_engine_parse_option(argc, argv, i, &a->engine, err);
        if (used < 0) return fprintf(stderr, "dfview forward: %s\n", err), -1;
        if (used) {
            i += used - 1;
            continue;
        }
        const char **slot = !strcmp(argv[i], "--input") ? &a->input : !strcmp(argv[i], "--timesteps") ? &a->timesteps
                          : !strcmp(argv[i], "--actions") ? &a->actions : !strcmp(argv[i], "--output") ? &a->output : NULL;
        if (!strcmp(argv[i], "--help")) {
            print_usage(stdout);
            exit(0);
        }
        if (i + 1 < argc && !strcmp(argv[i], "--cache-context")) {
            a->cache_context = atoi(argv[++i]);
            continue;
        }
        if (!slot || i + 1 >= argc) {
            fprintf(stderr, "dfview forward: unexpected argument '%s'\n", argv[i]);
            print_usage(stderr);
            return -1;
        }
        *slot = argv[++i];
    }
    if (!a->input || !a->timesteps || !a->output || !a->engine.model_path) {
        fprintf(stderr, "dfview forward: --model, --input, --timesteps and --output are required\n");
        return -1;
    }
    return 0;
}

/* Checks x, t, a against the model and each other; one line on the first mismatch. */
static int check_shapes(const dfv_model_config *c, const dfv_npy *x, const dfv_npy *t, const dfv_npy *act)
{
    int in_ch = dfv_model_in_channels(c), res = c->arch.resolution;
    if (x->ndim != 5 || x->shape[2] != in_ch || x->shape[3] != res || x->shape[4] != res) {
        fprintf(stderr, "dfview forward: input must be (T, B, %d, %d, %d) for this model\n", in_ch, res, res);
        return -1;
    }
    if (x->shape[0] < 1 || x->shape[0] > c->diffusion.window) {
        fprintf(stderr, "dfview forward: input has %lld frames; this model's window is 1..%d\n",
                (long long)x->shape[0], c->diffusion.window);
        return -1;
    }
    if (t->ndim != 2 || t->shape[0] != x->shape[0] || t->shape[1] != x->shape[1]) {
        fprintf(stderr, "dfview forward: timesteps must be int64 (T, B) = (%lld, %lld)\n", (long long)x->shape[0],
                (long long)x->shape[1]);
        return -1;
    }
    for (size_t i = 0; i < t->count; i++) {
        int64_t v = ((int64_t *)t->data)[i];
        if (v < 0 || v >= c->diffusion.timesteps) {
            fprintf(stderr, "dfview forward: timestep %lld is outside 0..%d\n", (long long)v, c->diffusion.timesteps - 1);
            return -1;
        }
    }
    if (act && (act->ndim != 3 || act->shape[0] != x->shape[0] || act->shape[1] != x->shape[1] ||
                act->shape[2] != c->actions.dim)) {
        fprintf(stderr, "dfview forward: actions must be float32 (T, B, %d)\n", c->actions.dim);
        return -1;
    }
    return 0;
}

/* Runs batch element b: gathers its frames, calls the network, scatters the output. */
static int run_one(dfv_engine *e, const forward_args *args, const dfv_npy *x, const dfv_npy *t, const dfv_npy *act,
                   int b, float *out)
{
    int T = (int)x->shape[0], B = (int)x->shape[1], A = e->config->actions.dim, n0 = args->cache_context;
    size_t frame = (size_t)x->shape[2] * x->shape[3] * x->shape[4];
    float *xb = malloc(frame * T * sizeof(float)), *vb = malloc(frame * T * sizeof(float));
    float *ab = act ? malloc((size_t)T * A * sizeof(float)) : NULL;
    int32_t ts[64];
    for (int i = 0; i < T; i++) {
        memcpy(xb + frame * i, (float *)x->data + frame * ((size_t)i * B + b), frame * sizeof(float));
        ts[i] = (int32_t)((int64_t *)t->data)[(size_t)i * B + b];
        if (ab) memcpy(ab + (size_t)i * A, (float *)act->data + ((size_t)i * B + b) * A, (size_t)A * sizeof(float));
    }
    dfv_status s;
    if (n0 > 0) {
        s = dfv_unet_cache_context(e->net, xb, ts, ab, n0);
        if (!s) s = dfv_unet_forward_cached(e->net, xb + frame * n0, ts + n0, ab ? ab + (size_t)n0 * A : NULL, T - n0, vb);
    } else {
        s = dfv_unet_forward(e->net, xb, ts, ab, T, vb);
    }
    for (int i = 0; !s && i < T - n0; i++)
        memcpy(out + frame * ((size_t)i * B + b), vb + frame * i, frame * sizeof(float));
    if (s) fprintf(stderr, "dfview forward: %s\n", dfv_ctx_error(e->ctx));
    free(xb), free(vb), free(ab);
    return s ? -1 : 0;
}

int dfv_cmd_forward(int argc, char **argv)
{
    forward_args args;
    if (parse_args(argc, argv, &args)) return 2;
    char err[DFV_ERR_LEN];
    if (dfv_model_family_of(args.engine.model_path, err) == DFV_FAMILY_OASIS) {
        const dfv_oasis_forward_job job = {args.engine, args.input, args.timesteps, args.actions, args.output,
                                           args.cache_context};
        return dfv_oasis_forward(&job);
    }
    dfv_npy x = {0}, t = {0}, act = {0};
    int rc = 1;
    if (dfv_npy_read(args.input, DFV_NPY_F32, &x, err) ||
        dfv_npy_read(args.timesteps, DFV_NPY_I64, &t, err) ||
        (args.actions && dfv_npy_read(args.actions, DFV_NPY_F32, &act, err))) {
        fprintf(stderr, "dfview forward: %s\n", err);
        goto done;
    }
    dfv_engine e;
    if (dfv_engine_open(&args.engine, &e, err)) {
        fprintf(stderr, "dfview forward: %s\n", err);
        goto done;
    }
    const dfv_npy *actp = args.actions ? &act : NULL;
    if (check_shapes(e.config, &x, &t, actp)) goto close;
    if (args.cache_context < 0 || args.cache_context >= x.shape[0]) {
        fprintf(stderr, "dfview forward: --cache-context must be between 0 and T-1\n");
        goto close;
    }
    int64_t shape[5];
    memcpy(shape, x.shape, sizeof shape);
    shape[0] -= args.cache_context;
    float *out = malloc((size_t)shape[0] * shape[1] * shape[2] * shape[3] * shape[4] * sizeof(float));
    rc = 0;
    for (int b = 0; b < x.shape[1] && !rc; b++) rc = run_one(&e, &args, &x, &t, actp, b, out) ? 1 : 0;
    if (!rc && dfv_npy_write_f32(args.output, out, 5, shape, err)) {
        fprintf(stderr, "dfview forward: %s\n", err);
        rc = 1;
    }
    free(out);
close:
    dfv_engine_close(&e);
done:
    dfv_npy_free(&x), dfv_npy_free(&t), dfv_npy_free(&act);
    return rc;
}
