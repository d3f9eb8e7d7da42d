/* dfview bench: times network calls on a model (ms per call, GFLOP per call, GFLOP/s); with
 * DFVIEW_PROFILE=1 also the ten most expensive ops of the last call. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "engine.h"
#include "oasis_cli.h"
#include "progress.h"

typedef struct {
    dfv_engine_desc engine;
    int window, calls, warmup;
    bool cached; /* time one new frame after window-1 cached context frames */
} bench_args;

static void print_usage(FILE *out)
{
    fprintf(out, "usage: dfview bench --model M [--window W] [--calls N] [--warmup N] [--cached] [--fp16] [--device N]\n"
                 "       dfview bench --model M --rollout N [session options]: frames/s of a whole rollout\n"
                 "       dfview bench --model OASIS_MODEL ...: see 'dfview bench --model OASIS_MODEL --help'\n"
                 "Times network calls on W frames (default: the model's window) with mixed noise levels.\n"
                 "--cached times one new frame after W-1 cached context frames (per-frame-norm models).\n"
                 "DFVIEW_PROFILE=1 adds the ten most expensive ops; DFVIEW_PROFILE=all also every dispatch in order.\n");
}

static int parse_args(int argc, char **argv, bench_args *a)
{
    *a = (bench_args){.calls = 5, .warmup = 1};
    for (int i = 1; i < argc; i++) {
        char err[DFV_ERR_LEN];
        int used = dfv_engine_parse_option(argc, argv, i, &a->engine, err);
        if (used < 0) return fprintf(stderr, "dfview bench: %s\n", err), -1;
        if (used) {
            i += used - 1;
        } else if (!strcmp(argv[i], "--help")) {
            print_usage(stdout);
            exit(0);
        } else if (!strcmp(argv[i], "--cached")) {
            a->cached = true;
        } else if (i + 1 < argc && (!strcmp(argv[i], "--window") || !strcmp(argv[i], "--calls") || !strcmp(argv[i], "--warmup"))) {
            int v = atoi(argv[i + 1]);
            *(!strcmp(argv[i], "--window") ? &a->window : !strcmp(argv[i], "--calls") ? &a->calls : &a->warmup) = v;
            i++;
        } else {
            fprintf(stderr, "dfview bench: unexpected argument '%s'\n", argv[i]);
            print_usage(stderr);
            return -1;
        }
    }
    if (a->calls < 1 || a->warmup < 0) {
        fprintf(stderr, "dfview bench: --calls must be ≥ 1 and --warmup ≥ 0\n");
        return -1;
    }
    return 0;
}

/* Random frames in [-1, 1]; context frames at the stabilization level, the rest at mixed levels. */
static void fill_inputs(int T, size_t frame, float *x, int32_t *t)
{
    unsigned state = 12345;
    for (size_t i = 0; i < frame * T; i++) {
        state = state * 1103515245u + 12345u;
        x[i] = (float)((state >> 8) & 0xffff) / 32768.0f - 1.0f;
    }
    for (int i = 0; i < T; i++) t[i] = i < T - 2 ? 14 : (i == T - 2 ? 500 : 999);
}

/* CPU time of the whole process (every driver thread included): on a CPU device a steadier figure than
 * wall-clock time when other work shares the cores. */
static double cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

static int time_calls(dfv_engine *e, const bench_args *a, int T, const float *x, const int32_t *t, float *out)
{
    size_t frame = (size_t)dfv_model_in_channels(e->config) * e->config->arch.resolution * e->config->arch.resolution;
    double best = INFINITY, total = 0, cpu_total = 0;
    for (int i = 0; i < a->warmup + a->calls; i++) {
        double t0 = dfv_seconds_now() * 1e3, c0 = cpu_ms();
        dfv_status s = a->cached ? dfv_unet_forward_cached(e->net, x + frame * (T - 1), t + T - 1, NULL, 1, out)
                                 : dfv_unet_forward(e->net, x, t, NULL, T, out);
        if (s) {
            fprintf(stderr, "dfview bench: %s\n", dfv_ctx_error(e->ctx));
            return -1;
        }
        double ms = dfv_seconds_now() * 1e3 - t0;
        if (i >= a->warmup) {
            total += ms;
            cpu_total += cpu_ms() - c0;
            if (ms < best) best = ms;
        }
    }
    double flops = a->cached ? dfv_unet_flops(e->net, 1) : dfv_unet_flops(e->net, T);
    double mean = total / a->calls;
    printf("%s: %s%s, %d frame%s%s: %.2f ms per call (best %.2f; CPU time %.2f ms), %.2f GFLOP per call, %.1f GFLOP/s\n",
           e->config->name, a->engine.fp16 ? "fp16" : "fp32", "", a->cached ? 1 : T, (a->cached ? 1 : T) == 1 ? "" : "s",
           a->cached ? " after cached context" : "", mean, best, cpu_total / a->calls, flops / 1e9, flops / 1e6 / mean);
    return 0;
}

int dfv_cmd_bench(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--rollout")) return dfv_cmd_bench_rollout(argc, argv);
    char err[DFV_ERR_LEN];
    for (int i = 1; i + 1 < argc; i++) /* an Oasis model has its own bench (cmd_bench_oasis.c) */
        if (!strcmp(argv[i], "--model") && dfv_model_family_of(argv[i + 1], err) == DFV_FAMILY_OASIS)
            return dfv_bench_oasis(argc, argv);
    bench_args a;
    if (parse_args(argc, argv, &a)) return 2;
    dfv_engine e;
    if (dfv_engine_open(&a.engine, &e, err)) return fprintf(stderr, "dfview bench: %s\n", err), 1;
    int T = a.window ? a.window : e.config->diffusion.window, rc = 1;
    size_t frame = (size_t)dfv_model_in_channels(e.config) * e.config->arch.resolution * e.config->arch.resolution;
    float *x = malloc(frame * (T > 0 ? T : 1) * sizeof(float)), *out = malloc(frame * (T > 0 ? T : 1) * sizeof(float));
    int32_t t[64];
    if (T < 1 || T > e.config->diffusion.window) {
        fprintf(stderr, "dfview bench: --window must be 1..%d for this model\n", e.config->diffusion.window);
        goto done;
    }
    fill_inputs(T, frame, x, t);
    printf("device: %s\n", dfv_ctx_caps(e.ctx)->name);
    if (a.cached) {
        if (T < 2 || dfv_unet_cache_context(e.net, x, t, NULL, T - 1)) {
            fprintf(stderr, "dfview bench: --cached needs a per-frame-norm model and a window of 2 or more%s%s\n",
                    T >= 2 ? ": " : "", T >= 2 ? dfv_ctx_error(e.ctx) : "");
            goto done;
        }
    }
    if (time_calls(&e, &a, T, x, t, out)) goto done;
    if (getenv("DFVIEW_PROFILE") && dfv_unet_last_seq(e.net)) dfv_seq_profile_print(dfv_unet_last_seq(e.net), stdout, strcmp(getenv("DFVIEW_PROFILE"), "all") ? 10 : -1);
    rc = 0;
done:
    free(x), free(out);
    dfv_engine_close(&e);
    return rc;
}
