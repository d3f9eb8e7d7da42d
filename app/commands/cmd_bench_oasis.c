/* dfview bench on an Oasis model: the DiT at each window size (a full forward, the cached context and one
 * cached step), what one new frame costs with the official sampling loop and with dfview's cached one,
 * and the ViT-VAE's encode and decode; ms per call, analytic GFLOP (oasis_cli.c) and GFLOP/s. The lines
 * are stable, for scripts/bench-oasis to read. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "progress.h"
#include "oasis_cli.h"

enum { max_windows = 8, max_calls = 100 };

typedef struct {
    dfv_engine_desc engine;
    int windows[max_windows], window_count, calls, warmup, steps;
    bool no_vae;
} bench_args;

typedef struct {
    dfv_oasis_engine *e;
    const bench_args *args;
    float *x, *a, *v, *img, *z;
    int32_t *t;
    const char *name;
} bench_state;

typedef dfv_status (*bench_fn)(bench_state *b, int window);

static void print_usage(FILE *out)
{
    fprintf(out, "usage: dfview bench --model OASIS_MODEL [--window W[,W...]] [--steps N] [--calls N] [--warmup N]\n"
                 "                    [--no-vae] [--fp16] [--device N]\n"
                 "Times the DiT on W frames (default: 1 and 2): a full forward, the W-1-frame cached context and\n"
                 "one cached step; the cost of one new frame with N DDIM steps (default: the model's) for the\n"
                 "official loop (every step on the window) and the cached one; the ViT-VAE on one image.\n");
}

static int parse_windows(const char *text, bench_args *a)
{
    a->window_count = 0;
    for (const char *s = text; *s && a->window_count < max_windows;) {
        char *end;
        long w = strtol(s, &end, 10);
        if (end == s || w < 1 || w > DFV_MAX_WINDOW || (*end && *end != ','))
            return -1;
        a->windows[a->window_count++] = (int)w;
        s = *end ? end + 1 : end;
    }
    return a->window_count ? 0 : -1;
}

static int parse_args(int argc, char **argv, bench_args *a)
{
    *a = (bench_args){.windows = {1, 2}, .window_count = 2, .calls = 3, .warmup = 1};
    for (int i = 1; i < argc; i++) {
        char err[DFV_ERR_LEN];
        int used = dfv_engine_parse_option(argc, argv, i, &a->engine, err);
        if (used < 0)
            return fprintf(stderr, "dfview bench: %s\n", err), -1;
        const bool value = i + 1 < argc;
        if (used)
            i += used - 1;
        else if (!strcmp(argv[i], "--help"))
            print_usage(stdout), exit(0);
        else if (!strcmp(argv[i], "--no-vae"))
            a->no_vae = true;
        else if (value && !strcmp(argv[i], "--window")) {
            if (parse_windows(argv[++i], a))
                return fprintf(stderr, "dfview bench: --window takes sizes 1..%d separated by commas\n",
                               DFV_MAX_WINDOW),
                       -1;
        } else if (value &&
                   (!strcmp(argv[i], "--calls") || !strcmp(argv[i], "--warmup") || !strcmp(argv[i], "--steps"))) {
            int *slot = !strcmp(argv[i], "--calls") ? &a->calls : !strcmp(argv[i], "--warmup") ? &a->warmup : &a->steps;
            *slot = atoi(argv[++i]);
        } else {
            fprintf(stderr, "dfview bench: unexpected argument '%s' for an Oasis model\n", argv[i]);
            return -1;
        }
    }
    if (a->calls < 1 || a->calls > max_calls || a->warmup < 0 || a->steps < 0)
        return fprintf(stderr, "dfview bench: --calls must be 1..%d, --warmup and --steps ≥ 0\n", max_calls), -1;
    return 0;
}

/* ---- what is timed ---------------------------------------------------------------------------------- */

static dfv_status dit_forward(bench_state *b, int w)
{
    return dfv_dit_forward(b->e->dit, b->x, b->t, b->a, 1, w, b->v);
}

static dfv_status dit_context(bench_state *b, int w) { return dfv_dit_context(b->e->dit, b->x, b->t, b->a, w - 1); }

static dfv_status dit_cached(bench_state *b, int w)
{
    const dfv_oasis_dit_arch *d = dfv_oasis_model_dit(b->e->model);
    const size_t frame = (size_t)d->channels * d->input_h * d->input_w;
    return dfv_dit_forward_cached(b->e->dit, b->x + frame * (w - 1), b->t + w - 1,
                                  b->a + (size_t)d->action_dim * (w - 1), 1, b->v);
}

static dfv_status vae_encode(bench_state *b, int w) { return (void)w, dfv_vit_vae_encode(b->e->vae, b->img, 1, b->z); }

static dfv_status vae_decode(bench_state *b, int w) { return (void)w, dfv_vit_vae_decode(b->e->vae, b->z, 1, b->img); }

static int compare_ms(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median ms per call over args->calls after args->warmup (robust on a machine shared with other jobs);
 * prints one line; -1 (said) on failure. */
static double time_calls(bench_state *b, bench_fn fn, int w, const char *what, double flops)
{
    double ms[max_calls];
    for (int i = 0; i < b->args->warmup + b->args->calls; i++) {
        double t0 = dfv_seconds_now() * 1e3;
        if (fn(b, w)) {
            fprintf(stderr, "dfview bench: %s: %s\n", what, dfv_ctx_error(b->e->ctx));
            return -1;
        }
        if (i >= b->args->warmup)
            ms[i - b->args->warmup] = dfv_seconds_now() * 1e3 - t0;
    }
    const int n = b->args->calls;
    qsort(ms, (size_t)n, sizeof *ms, compare_ms);
    const double median = n % 2 ? ms[n / 2] : (ms[n / 2 - 1] + ms[n / 2]) / 2;
    printf("%s %s %s: %.2f ms per call (median of %d; best %.2f), %.4g GFLOP, %.2f GFLOP/s\n", b->name,
           b->args->engine.fp16 ? "fp16" : "fp32", what, median, n, ms[0], flops / 1e9, flops / 1e6 / median);
    return median;
}

/* One window size: the forward, the context and a cached step, then the cost of one new frame. */
static int bench_window(bench_state *b, int w, int steps)
{
    const dfv_oasis_dit_arch *d = dfv_oasis_model_dit(b->e->model);
    char what[96];
    snprintf(what, sizeof what, "DiT forward, %d frame%s", w, w == 1 ? "" : "s");
    double full = time_calls(b, dit_forward, w, what, dfv_oasis_dit_flops(d, w)), context = 0, step = full;
    if (full < 0)
        return -1;
    if (w >= 2) {
        snprintf(what, sizeof what, "DiT context, %d frame%s", w - 1, w == 2 ? "" : "s");
        if ((context = time_calls(b, dit_context, w, what, dfv_oasis_dit_flops(d, w - 1))) < 0)
            return -1;
        snprintf(what, sizeof what, "DiT cached step, 1 new frame after %d", w - 1);
        if ((step = time_calls(b, dit_cached, w, what, dfv_oasis_dit_cached_flops(d, w - 1, 1))) < 0)
            return -1;
    }
    const double official = steps * full, cached = context + steps * step;
    const double f_official = dfv_oasis_frame_flops(d, steps, w, false);
    const double f_cached = dfv_oasis_frame_flops(d, steps, w, true);
    printf("%s %s per new frame, window %d, %d steps: official loop %.1f ms (%.4g GFLOP, %.3g frames/s, %.2f GFLOP/s); "
           "cached loop %.1f ms (%.4g GFLOP, %.3g frames/s, %.2f GFLOP/s)\n",
           b->name, b->args->engine.fp16 ? "fp16" : "fp32", w, steps, official, f_official / 1e9, 1e3 / official,
           f_official / 1e6 / official, cached, f_cached / 1e9, 1e3 / cached, f_cached / 1e6 / cached);
    return 0;
}

static int bench_all(bench_state *b)
{
    const dfv_oasis_diffusion *df = dfv_oasis_model_diffusion(b->e->model);
    const int steps = b->args->steps ? b->args->steps : df->sampling_steps;
    for (int i = 0; i < b->args->window_count; i++)
        if (bench_window(b, b->args->windows[i], steps))
            return -1;
    if (b->args->no_vae)
        return 0;
    const dfv_oasis_vae_arch *v = dfv_oasis_model_vae(b->e->model);
    if (time_calls(b, vae_encode, 1, "VAE encode, 1 image", dfv_oasis_vae_flops(v, false)) < 0 ||
        time_calls(b, vae_decode, 1, "VAE decode, 1 frame", dfv_oasis_vae_flops(v, true)) < 0)
        return -1;
    return 0;
}

/* Inputs as a rollout has them: latents ~ [-1, 1], context at level 14, the new frame at 999; keys 0/1. */
static int alloc_inputs(bench_state *b, int max_window)
{
    const dfv_oasis_dit_arch *d = dfv_oasis_model_dit(b->e->model);
    const dfv_oasis_vae_arch *v = dfv_oasis_model_vae(b->e->model);
    const size_t frame = (size_t)d->channels * d->input_h * d->input_w, image = (size_t)3 * v->image_h * v->image_w;
    const size_t actions = (size_t)(d->action_dim ? d->action_dim : 1) * max_window;
    b->x = malloc(frame * max_window * sizeof(float)), b->v = malloc(frame * max_window * sizeof(float));
    b->a = malloc(actions * sizeof(float)), b->t = malloc(max_window * sizeof(int32_t));
    b->img = malloc(image * sizeof(float)), b->z = malloc(frame * sizeof(float));
    if (!b->x || !b->v || !b->a || !b->t || !b->img || !b->z)
        return -1;
    unsigned s = 12345;
    for (size_t i = 0; i < frame * max_window; i++)
        s = s * 1103515245u + 12345u, b->x[i] = (float)((s >> 8) & 0xffff) / 32768.0f - 1.0f;
    for (size_t i = 0; i < image; i++)
        s = s * 1103515245u + 12345u, b->img[i] = (float)((s >> 8) & 0xffff) / 32768.0f - 1.0f;
    for (size_t i = 0; i < actions; i++)
        b->a[i] = (float)((i * 7) % 5 == 0);
    for (int i = 0; i < max_window; i++)
        b->t[i] = i < max_window - 1 ? 14 : 999;
    memcpy(b->z, b->x, frame * sizeof(float));
    return 0;
}

int dfv_bench_oasis(int argc, char **argv)
{
    bench_args a;
    if (parse_args(argc, argv, &a))
        return 2;
    char err[DFV_ERR_LEN];
    dfv_oasis_engine e = {0};
    bench_state b = {.e = &e, .args = &a};
    int rc = 1, max_window = 1;
    for (int i = 0; i < a.window_count; i++)
        max_window = a.windows[i] > max_window ? a.windows[i] : max_window;
    if (dfv_oasis_engine_open_model(&a.engine, &e, err)) {
        fprintf(stderr, "dfview bench: %s\n", err);
        goto done;
    }
    if (max_window > dfv_oasis_model_dit(e.model)->max_frames) {
        fprintf(stderr, "dfview bench: --window must be 1..%d for this model\n",
                dfv_oasis_model_dit(e.model)->max_frames);
        goto done;
    }
    double t0 = dfv_seconds_now() * 1e3;
    if (dfv_oasis_engine_upload(&a.engine, DFV_OASIS_DIT | (a.no_vae ? 0 : DFV_OASIS_VAE), &e, err)) {
        fprintf(stderr, "dfview bench: %s\n", err);
        goto done;
    }
    const char *slash = strrchr(a.engine.model_path, '/');
    b.name = slash ? slash + 1 : a.engine.model_path; /* the file's name names the model in every line */
    printf("device: %s\n%s: uploaded in %.0f ms\n", dfv_ctx_caps(e.ctx)->name, b.name, dfv_seconds_now() * 1e3 - t0);
    if (alloc_inputs(&b, max_window)) {
        fprintf(stderr, "dfview bench: out of memory\n");
        goto done;
    }
    rc = bench_all(&b) ? 1 : 0;
done:
    free(b.x), free(b.v), free(b.a), free(b.t), free(b.img), free(b.z);
    dfv_oasis_engine_close(&e);
    return rc;
}
