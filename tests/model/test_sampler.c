/* Sampler, schedule and RNG tests. References: Random123's published Philox4x32-10 known answers; the
 * Python reference sampler (models/sampler.py, models/schedule.py, float64 numpy) run on the same inputs;
 * the spec's published alphas_cumprod values.
 * usage: test_sampler PYTHON MODELS_DIR TESTS_DIR WORK_DIR */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"
#include "npy.h"
#include "rng.h"
#include "sampler.h"
#include "schedule.h"

typedef struct {
    int checks, failures;
    const char *python, *models, *tests, *work;
} suite;

__attribute__((format(printf, 2, 3))) static int run_python(const suite *t, const char *fmt, ...)
{
    char args[2048], command[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    snprintf(command, sizeof command, "'%s' %s", t->python, args);
    int rc = system(command);
    if (rc != 0)
        fprintf(stderr, "command failed (%d): %s\n", rc, command);
    return rc;
}

static void work_path(const suite *t, char *buf, size_t size, const char *name)
{
    snprintf(buf, size, "%s/%s", t->work, name);
}

/* ---- RNG ------------------------------------------------------------------------------------------ */

static void test_philox_known_answers(suite *t)
{
    /* Random123 tests/kat_vectors, the "philox4x32 10" lines: counter, key, expected output. */
    static const uint32_t kat[3][10] = {
        {0, 0, 0, 0, 0, 0, 0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8},
        {0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0x408f276d, 0x41c83b0e, 0xa20bc7c6,
         0x6d5451fd},
        {0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0, 0xd16cfe09, 0x94fdcceb, 0x5001e420,
         0x24126ea1},
    };
    for (int v = 0; v < 3; v++) {
        uint32_t out[4];
        dfv_philox4x32_10(kat[v], kat[v] + 4, out);
        CHECK_COUNTED(t, !memcmp(out, kat[v] + 6, sizeof out), "philox vector %d: %08x %08x %08x %08x", v, out[0], out[1],
              out[2], out[3]);
    }
}

static void test_normals(suite *t)
{
    enum { N = 1 << 20 };
    float *z = malloc(N * sizeof *z);
    dfv_rng_normals(42, DFV_NOISE_INITIAL, 3, 0, z, N);
    double sum = 0, sq = 0;
    long tail = 0;
    for (int i = 0; i < N; i++) {
        sum += z[i];
        sq += (double)z[i] * z[i];
        tail += fabsf(z[i]) > 3.0f;
    }
    double mean = sum / N, var = sq / N - mean * mean;
    /* Standard errors at 2^20 samples: mean 0.001, variance 0.0014, 3σ tail fraction 5e-5. */
    CHECK_COUNTED(t, fabs(mean) < 0.005 && fabs(var - 1.0) < 0.007, "normals: mean %g variance %g", mean, var);
    CHECK_COUNTED(t, fabs((double)tail / N - 0.0026998) < 0.0003, "normals: %.5f beyond 3 sigma", (double)tail / N);

    /* Addressing: a prefix does not depend on how many values were asked for; every coordinate matters. */
    float a[7], b[10], c[7];
    dfv_rng_normals(42, DFV_NOISE_INITIAL, 3, 0, a, 7);
    dfv_rng_normals(42, DFV_NOISE_INITIAL, 3, 0, b, 10);
    CHECK_COUNTED(t, !memcmp(a, b, sizeof a) && !memcmp(a, z, sizeof a), "normals depend on the request length");
    dfv_rng_normals(43, DFV_NOISE_INITIAL, 3, 0, c, 7);
    CHECK_COUNTED(t, memcmp(a, c, sizeof a), "seed ignored");
    dfv_rng_normals(42, DFV_NOISE_STEP, 3, 0, c, 7);
    CHECK_COUNTED(t, memcmp(a, c, sizeof a), "purpose ignored");
    dfv_rng_normals(42, DFV_NOISE_INITIAL, 4, 0, c, 7);
    CHECK_COUNTED(t, memcmp(a, c, sizeof a), "frame ignored");
    dfv_rng_normals(42, DFV_NOISE_INITIAL, 3, 1, c, 7);
    CHECK_COUNTED(t, memcmp(a, c, sizeof a), "step ignored");
    dfv_rng_normals(42, DFV_NOISE_INITIAL, 3 + (1ull << 32), 0, c, 7);
    CHECK_COUNTED(t, memcmp(a, c, sizeof a), "frame high bits ignored");
    free(z);
}

/* ---- schedules ---------------------------------------------------------------------------------- */

static void test_timesteps(suite *t)
{
    char path[1024];
    work_path(t, path, sizeof path, "timesteps.npy");
    if (run_python(t, "'%s/sampler_ref.py' timesteps '%s'", t->tests, path)) {
        CHECK_COUNTED(t, false, "python timesteps");
        return;
    }
    size_t n;
    double *want = npy_read(path, &n);
    size_t at = 0;
    int wrong = 0;
    int32_t real[DFV_SCHEDULE_MAX_STEPS + 1];
    for (int s = 1; s <= 1000 && want; s++) {
        dfv_schedule_timesteps(1000, s, real);
        for (int k = 0; k <= s; k++, at++)
            wrong += at >= n || real[k] != (int32_t)want[at];
    }
    CHECK_COUNTED(t, want && at == n && wrong == 0, "timesteps: %d of %zu differ from models/schedule.py", wrong, n);
    dfv_schedule_timesteps(1000, 100, real);
    CHECK_COUNTED(t, real[0] == -1 && real[1] == 9 && real[50] == 499 && real[100] == 999, "S = 100 gives -1 + 10k");
    free(want);
}

static void test_alphas(suite *t)
{
    static float sigmoid[1000], cosine[1000];
    dfv_schedule_alphas_sigmoid(1000, sigmoid);
    dfv_schedule_alphas_cosine(1000, cosine);
    /* Published values (spec §3). */
    CHECK_COUNTED(t, fabs(sigmoid[0] - 0.99969971) < 5e-8 && fabs(sigmoid[14] - 0.99532056) < 5e-8 &&
                 fabs(sigmoid[499] - 0.5) < 5e-8 && fabs(sigmoid[999] / 3.0029e-7 - 1) < 1e-4,
          "sigmoid schedule: %.8f %.8f %.8f %.5g", sigmoid[0], sigmoid[14], sigmoid[499], sigmoid[999]);
    CHECK_COUNTED(t, fabs(cosine[14] - 0.99887115) < 5e-8 && fabs(cosine[999] / 2.4288e-9 - 1) < 1e-4,
          "cosine schedule: %.8f %.5g", cosine[14], cosine[999]);
    const char *kinds[] = {"sigmoid", "cosine"};
    const float *mine[] = {sigmoid, cosine};
    for (int k = 0; k < 2; k++) {
        char path[1024];
        work_path(t, path, sizeof path, "alphas.npy");
        size_t n = 0;
        double *want = run_python(t, "'%s/sampler_ref.py' alphas %s '%s'", t->tests, kinds[k], path) ? NULL
                                                                                                     : npy_read(path, &n);
        double worst = 0;
        for (size_t i = 0; want && i < n; i++)
            worst = fmax(worst, fabs(mine[k][i] - want[i]) / want[i]);
        CHECK_COUNTED(t, want && n == 1000 && worst < 1.2e-7, "%s schedule: worst relative error %g vs models/schedule.py",
              kinds[k], worst);
        free(want);
    }
}

static void check_matrix_shape(suite *t, const char *kind, const int32_t *m, int height, int steps, int horizon)
{
    bool ok = true, symmetric = true;
    for (int c = 0; c < horizon; c++) {
        ok = ok && m[c] == steps && m[(size_t)(height - 1) * horizon + c] == 0;
        for (int r = 1; r < height; r++)
            ok = ok && m[(size_t)r * horizon + c] <= m[(size_t)(r - 1) * horizon + c];
        for (int r = 0; r < height; r++)
            symmetric = symmetric && m[(size_t)r * horizon + c] == m[(size_t)r * horizon + horizon - 1 - c];
    }
    CHECK_COUNTED(t, ok, "%s S=%d h=%d: columns must go S -> 0 without rising", kind, steps, horizon);
    if (!strncmp(kind, "trapezoid", 9))
        CHECK_COUNTED(t, symmetric, "%s S=%d h=%d is not symmetric", kind, steps, horizon);
}

static void test_matrices(suite *t)
{
    static const struct {
        const char *kind;
        int steps, horizon;
    } cases[] = {{"autoregressive", 10, 1}, {"autoregressive", 7, 4}, {"pyramid:1", 100, 5}, {"pyramid:2.5", 10, 4},
                 {"full_sequence", 10, 3}, {"trapezoid", 10, 4},      {"trapezoid:3", 12, 5}, {"trapezoid:2", 5, 6},
                 {"pyramid:0.5", 9, 7}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        dfv_schedule s;
        CHECK_COUNTED(t, dfv_schedule_parse(cases[i].kind, &s), "parse %s", cases[i].kind);
        int height = dfv_schedule_height(&s, cases[i].steps, cases[i].horizon);
        int32_t *m = malloc((size_t)height * cases[i].horizon * sizeof *m + 1);
        dfv_schedule_matrix(&s, cases[i].steps, cases[i].horizon, m);
        check_matrix_shape(t, cases[i].kind, m, height, cases[i].steps, cases[i].horizon);
        char path[1024];
        work_path(t, path, sizeof path, "matrix.npy");
        size_t n = 0;
        double *want = run_python(t, "'%s/sampler.py' matrix --kind %s --steps %d --horizon %d --out '%s'", t->models,
                                  cases[i].kind, cases[i].steps, cases[i].horizon, path)
                           ? NULL
                           : npy_read(path, &n);
        int wrong = 0;
        for (size_t j = 0; want && j < n && n == (size_t)height * cases[i].horizon; j++)
            wrong += m[j] != (int32_t)want[j];
        CHECK_COUNTED(t, want && n == (size_t)height * cases[i].horizon && !wrong,
              "%s S=%d h=%d: %zu values from Python, %d x %d here, %d differ", cases[i].kind, cases[i].steps,
              cases[i].horizon, n, height, cases[i].horizon, wrong);
        free(want);
        free(m);
    }
    dfv_schedule s;
    CHECK_COUNTED(t, !dfv_schedule_parse("pyramid:-1", &s) && !dfv_schedule_parse("zigzag", &s) &&
                 !dfv_schedule_parse("pyramid:", &s) && !dfv_schedule_parse(NULL, &s),
          "bad schedule names must be refused");
}

/* ---- one DDIM step -------------------------------------------------------------------------------- */

enum { STEP_FRAMES = 6, FRAME_SIZE = 48 };

typedef struct {
    const char *objective_name;
    dfv_objective objective;
    int steps, stabilization;
    float eta;
    int32_t k_from[STEP_FRAMES], k_to[STEP_FRAMES];
    bool context_noise; /* clean frames get the (3×, partly clamped) `noise` as context noise too */
} step_case;

static void write_step_inputs(const suite *t, const step_case *c, const float *x, const float *out, const float *noise,
                              const float *alphas)
{
    char path[1024];
    int shape[5] = {STEP_FRAMES, 1, 3, 4, 4}, one = 1000;
    work_path(t, path, sizeof path, "x.npy");
    npy_write_f32(path, x, shape, 5);
    work_path(t, path, sizeof path, "v.npy");
    npy_write_f32(path, out, shape, 5);
    work_path(t, path, sizeof path, "noise.npy");
    npy_write_f32(path, noise, shape, 5);
    work_path(t, path, sizeof path, "alphas.npy");
    npy_write_f32(path, alphas, &one, 1);
    work_path(t, path, sizeof path, "kf.npy");
    npy_write_i64(path, c->k_from, STEP_FRAMES);
    work_path(t, path, sizeof path, "kt.npy");
    npy_write_i64(path, c->k_to, STEP_FRAMES);
}

static double worst_difference(const float *mine, const double *want, size_t n)
{
    double worst = 0;
    for (size_t i = 0; i < n; i++)
        worst = fmax(worst, fabs(mine[i] - want[i]) / (1.0 + fabs(want[i])));
    return worst;
}

static void run_step_case(suite *t, const step_case *c, const float *alphas)
{
    enum { N = STEP_FRAMES * FRAME_SIZE };
    float x[N], out[N], noise[N], x_in[N], original[N];
    int32_t tc[STEP_FRAMES];
    dfv_rng_normals(7, DFV_NOISE_INITIAL, 0, 0, x, N);
    dfv_rng_normals(7, DFV_NOISE_INITIAL, 1, 0, out, N);
    dfv_rng_normals(7, DFV_NOISE_INITIAL, 2, 0, noise, N);
    for (int i = 0; i < N; i++)
        out[i] *= 0.5f, noise[i] *= 3.0f; /* noise beyond ±clip exercises the clamp */
    write_step_inputs(t, c, x, out, noise, alphas);
    memcpy(original, x, sizeof x);

    dfv_ddim_params p = {alphas, 1000, c->steps, c->stabilization, c->objective, c->eta, 6.0f};
    dfv_ddim_model_inputs(&p, x, c->k_from, STEP_FRAMES, FRAME_SIZE, c->context_noise ? noise : NULL, x_in, tc);
    dfv_ddim_update(&p, x, x_in, out, c->k_from, c->k_to, STEP_FRAMES, FRAME_SIZE, noise);

    char xs[1024], xn[1024], xi[1024], ts[1024];
    work_path(t, xs, sizeof xs, "");
    work_path(t, xn, sizeof xn, "x_new.npy");
    work_path(t, xi, sizeof xi, "x_in.npy");
    work_path(t, ts, sizeof ts, "tc.npy");
    int rc = run_python(t,
                        "'%s/sampler.py' ddim-step --x '%sx.npy' --from '%skf.npy' --to '%skt.npy' --v '%sv.npy' "
                        "--alphas '%salphas.npy' --steps %d --stabilization %d --objective %s --eta %g "
                        "--noise '%snoise.npy' --clip 6 --out '%s' --model-input '%s' --model-timesteps '%s' %s%s%s",
                        t->models, xs, xs, xs, xs, xs, c->steps, c->stabilization, c->objective_name, (double)c->eta,
                        xs, xn, xi, ts, c->context_noise ? "--context-noise '" : "", c->context_noise ? xs : "",
                        c->context_noise ? "noise.npy'" : "");
    size_t n1 = 0, n2 = 0, n3 = 0;
    double *want_x = rc ? NULL : npy_read(xn, &n1), *want_in = rc ? NULL : npy_read(xi, &n2);
    double *want_tc = rc ? NULL : npy_read(ts, &n3);
    CHECK_COUNTED(t, want_x && want_in && want_tc && n1 == N && n2 == N && n3 == STEP_FRAMES, "%s: python reference failed",
          c->objective_name);
    if (want_x && want_in && want_tc && n1 == N && n2 == N && n3 == STEP_FRAMES) {
        double dx = worst_difference(x, want_x, N), din = worst_difference(x_in, want_in, N);
        CHECK_COUNTED(t, dx < 2e-6 && din < 2e-7, "%s S=%d eta=%g: x_new differs by %g, x_in by %g", c->objective_name,
              c->steps, (double)c->eta, dx, din);
        for (int f = 0; f < STEP_FRAMES; f++)
            CHECK_COUNTED(t, tc[f] == (int32_t)want_tc[f], "%s: frame %d timestep %d want %.0f", c->objective_name, f, tc[f],
                  want_tc[f]);
    }
    for (int f = 0; f < STEP_FRAMES; f++)
        if (c->k_from[f] == c->k_to[f])
            CHECK_COUNTED(t, !memcmp(x + f * FRAME_SIZE, original + f * FRAME_SIZE, FRAME_SIZE * sizeof *x),
                  "%s: unchanged frame %d was modified", c->objective_name, f);
    free(want_x);
    free(want_in);
    free(want_tc);
}

static void test_ddim_step(suite *t)
{
    static float alphas[1000];
    dfv_schedule_alphas_cosine(1000, alphas);
    static const step_case cases[] = {
        {"pred_v", DFV_OBJECTIVE_V, 100, 15, 0.0f, {0, 0, 3, 50, 100, 20}, {0, 0, 2, 49, 99, 20}},
        {"pred_v", DFV_OBJECTIVE_V, 7, 15, 0.0f, {0, 1, 5, 7, 7, 3}, {0, 0, 0, 0, 6, 3}},
        {"pred_v", DFV_OBJECTIVE_V, 100, 1, 0.7f, {0, 0, 3, 50, 100, 20}, {0, 0, 2, 49, 99, 20}},
        {"pred_noise", DFV_OBJECTIVE_EPS, 100, 15, 0.0f, {0, 10, 3, 50, 100, 1}, {0, 9, 2, 40, 99, 0}},
        {"pred_noise", DFV_OBJECTIVE_EPS, 20, 15, 1.0f, {0, 0, 3, 20, 20, 1}, {0, 0, 2, 19, 10, 0}},
        {"pred_x0", DFV_OBJECTIVE_X0, 100, 15, 0.0f, {0, 0, 3, 50, 100, 1}, {0, 0, 2, 49, 99, 0}},
        {"pred_x0", DFV_OBJECTIVE_X0, 1000, 30, 0.3f, {0, 0, 3, 500, 1000, 1}, {0, 0, 2, 499, 999, 0}},
        {"pred_v", DFV_OBJECTIVE_V, 7, 300, 0.0f, {0, 1, 5, 0, 7, 3}, {0, 0, 0, 0, 6, 3}, true},
        {"pred_x0", DFV_OBJECTIVE_X0, 20, 15, 0.5f, {0, 0, 3, 20, 20, 1}, {0, 0, 2, 19, 10, 0}, true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        run_step_case(t, &cases[i], alphas);
}

/* ---- rollouts ------------------------------------------------------------------------------------- */

enum { RES = 4, CHANNELS = 3, FS = CHANNELS * RES * RES };

typedef struct {
    int action_dim;
    long calls, cache_calls, fail_at;
    double cached_first_mean;
} toy_network;

/* The toy network of sampler_ref.py: out[t] = 0.5·tanh(x_in[t]) + 0.1·mean(x_in[0]) + 1e-4·tc[t]
 * + 0.05·sum(actions[t]). */
static dfv_status toy_denoise(void *user, const float *x_in, const int32_t *timesteps, const float *actions, int frames,
                              float *out, char err[DFV_ERR_LEN])
{
    (void)err;
    toy_network *net = user;
    net->calls++;
    double first_mean = 0;
    for (int i = 0; i < FS; i++)
        first_mean += x_in[i];
    first_mean /= FS;
    for (int f = 0; f < frames; f++) {
        double bias = 0.1 * first_mean + 1e-4 * timesteps[f];
        for (int a = 0; actions && a < net->action_dim; a++)
            bias += 0.05 * actions[f * net->action_dim + a];
        for (int i = 0; i < FS; i++)
            out[f * FS + i] = (float)(0.5 * tanh(x_in[f * FS + i]) + bias);
    }
    return DFV_OK;
}

static double frame_mean(const float *frame)
{
    double sum = 0;
    for (int i = 0; i < FS; i++)
        sum += frame[i];
    return sum / FS;
}

/* The same toy network split for the cached-context path: the context call remembers what the new
 * frames need from it (the window's first frame), the per-step call sees the new frames only. */
static dfv_status toy_cache_context(void *user, const float *x_in, const int32_t *timesteps, const float *actions,
                                    int n_context, char err[DFV_ERR_LEN])
{
    (void)timesteps, (void)actions, (void)n_context, (void)err;
    toy_network *net = user;
    net->cache_calls++;
    net->cached_first_mean = frame_mean(x_in);
    return DFV_OK;
}

static dfv_status toy_denoise_new(void *user, const float *x_in, const int32_t *timesteps, const float *actions,
                                  int n_new, float *out, char err[DFV_ERR_LEN])
{
    (void)err;
    toy_network *net = user;
    net->calls++;
    for (int f = 0; f < n_new; f++) {
        double bias = 0.1 * net->cached_first_mean + 1e-4 * timesteps[f];
        for (int a = 0; actions && a < net->action_dim; a++)
            bias += 0.05 * actions[f * net->action_dim + a];
        for (int i = 0; i < FS; i++)
            out[f * FS + i] = (float)(0.5 * tanh(x_in[f * FS + i]) + bias);
    }
    return DFV_OK;
}

static dfv_status failing_denoise(void *user, const float *x_in, const int32_t *timesteps, const float *actions,
                                  int frames, float *out, char err[DFV_ERR_LEN])
{
    toy_network *net = user;
    if (net->calls + 1 >= net->fail_at)
        return dfv_error_set(err, "vkQueueSubmit: VK_ERROR_DEVICE_LOST"), DFV_ERR_VULKAN;
    return toy_denoise(user, x_in, timesteps, actions, frames, out, err);
}

static void toy_config(dfv_model_config *c, float *alphas, dfv_objective objective, int window, int action_dim)
{
    memset(c, 0, sizeof *c);
    c->arch = (dfv_model_arch){.channels = CHANNELS, .resolution = RES, .frame_stack = 1, .dim = 16, .levels = 1,
                               .dim_mults = {1}, .heads = 1, .dim_head = 8, .init_kernel = 3, .groupnorm_groups = 8};
    dfv_schedule_alphas_cosine(1000, alphas);
    c->diffusion = (dfv_model_diffusion){.timesteps = 1000, .objective = objective, .alphas_cumprod = alphas,
                                         .stabilization_level = 15, .clip_noise = 6.0f, .sampling_steps = 10,
                                         .scheduling = "autoregressive", .chunk_size = 1, .context_frames = 2,
                                         .window = window};
    c->actions.dim = action_dim;
}

typedef struct {
    const char *name, *scheduling, *objective_name;
    dfv_objective objective;
    int steps, chunk, window, context, total, action_dim, stabilization;
    float eta;
    bool context_noise;
} rollout_case;

/* The noise in the order models/sampler.py's NoiseStream consumes it (see its docstring), taken from the
 * same (frame, step) addresses the C sampler uses. */
static float *python_noise_stream(const rollout_case *rc, const dfv_sampler_settings *s, size_t *count)
{
    size_t cap = 1 << 22, n = 0;
    float *noise = malloc(cap * sizeof *noise);
    for (int current = rc->context; current < rc->total;) {
        int h = rc->total - current < rc->chunk ? rc->total - current : rc->chunk;
        for (int j = 0; j < h; j++, n += FS)
            dfv_rng_normals(s->seed, DFV_NOISE_INITIAL, (uint64_t)(current + j), 0, noise + n, FS);
        int start = current + h - rc->window > 0 ? current + h - rc->window : 0;
        for (int j = start; rc->context_noise && j < current + h; j++, n += FS)
            dfv_rng_normals(s->seed, DFV_NOISE_CONTEXT, (uint64_t)j, (uint32_t)current, noise + n, FS);
        int height = dfv_schedule_height(&s->schedule, rc->steps, h);
        for (int m = 0; rc->eta > 0 && m + 1 < height; m++)
            for (int j = start; j < current + h; j++, n += FS)
                dfv_rng_normals(s->seed, DFV_NOISE_STEP, (uint64_t)j, (uint32_t)m, noise + n, FS);
        current += h;
    }
    *count = n;
    return noise;
}

static void write_rollout_args(const suite *t, const rollout_case *rc, const float *frames, const float *actions,
                               const dfv_sampler_settings *s, const float *alphas)
{
    char path[1024];
    int ctx_shape[5] = {rc->context, 1, CHANNELS, RES, RES}, act_shape[3] = {rc->total, 1, rc->action_dim},
        thousand = 1000;
    work_path(t, path, sizeof path, "r_context.npy");
    npy_write_f32(path, frames, ctx_shape, 5);
    if (rc->action_dim) {
        work_path(t, path, sizeof path, "r_actions.npy");
        npy_write_f32(path, actions, act_shape, 3);
    }
    work_path(t, path, sizeof path, "r_alphas.npy");
    npy_write_f32(path, alphas, &thousand, 1);
    size_t n;
    float *noise = python_noise_stream(rc, s, &n);
    int flat = (int)n;
    work_path(t, path, sizeof path, "r_noise.npy");
    npy_write_f32(path, noise, &flat, 1);
    free(noise);
    char actions_path[1024] = "";
    if (rc->action_dim)
        work_path(t, actions_path, sizeof actions_path, "r_actions.npy");
    work_path(t, path, sizeof path, "r_args.json");
    FILE *f = fopen(path, "w");
    fprintf(f,
            "{\"context\": \"%s/r_context.npy\", \"actions\": \"%s\", \"alphas\": \"%s/r_alphas.npy\", "
            "\"noise\": \"%s/r_noise.npy\", \"total\": %d, \"steps\": %d, \"scheduling\": \"%s\", \"chunk\": %d, "
            "\"window\": %d, \"stabilization\": %d, \"objective\": \"%s\", \"eta\": %g, \"clip\": 6.0, "
            "\"context_noise\": %s}\n",
            t->work, actions_path, t->work, t->work, rc->total, rc->steps, rc->scheduling,
            rc->chunk, rc->window, rc->stabilization, rc->objective_name, (double)rc->eta,
            rc->context_noise ? "true" : "false");
    fclose(f);
}

static void run_rollout_case(suite *t, const rollout_case *rc)
{
    static float alphas[1000];
    dfv_model_config config;
    toy_config(&config, alphas, rc->objective, rc->window, rc->action_dim);
    dfv_sampler_settings s;
    dfv_sampler_settings_default(&config, &s);
    s.steps = rc->steps, s.chunk = rc->chunk, s.eta = rc->eta, s.seed = 1234, s.stabilization_level = rc->stabilization;
    s.context_noise = rc->context_noise;
    dfv_schedule_parse(rc->scheduling, &s.schedule);
    toy_network net = {rc->action_dim, 0, 0, 0, 0.0};
    dfv_sampler *sampler = NULL;
    char err[DFV_ERR_LEN];
    CHECK_COUNTED(t, dfv_sampler_create(&config, &s, toy_denoise, &net, &sampler, err) == DFV_OK, "%s: %s", rc->name, err);
    if (!sampler)
        return;
    size_t values = (size_t)rc->total * FS;
    float *frames = calloc(values, sizeof *frames), *actions = calloc((size_t)rc->total * 4 + 1, sizeof *actions);
    dfv_rng_normals(99, DFV_NOISE_INITIAL, 0, 0, frames, (size_t)rc->context * FS);
    for (int i = 0; i < rc->total * rc->action_dim; i++)
        actions[i] = (float)((i * 7) % 3 == 0);
    CHECK_COUNTED(t, dfv_sampler_rollout(sampler, frames, rc->context, rc->total, rc->action_dim ? actions : NULL, err) == DFV_OK,
          "%s: %s", rc->name, err);
    CHECK_COUNTED(t, net.calls == dfv_sampler_calls_for(sampler, rc->total - rc->context), "%s: %ld calls, predicted %lld",
          rc->name, net.calls, (long long)dfv_sampler_calls_for(sampler, rc->total - rc->context));

    /* Bitwise the same when the app asks frame by frame, passing only a window-sized tail of history. */
    float *stepwise = calloc(values, sizeof *stepwise);
    memcpy(stepwise, frames, (size_t)rc->context * FS * sizeof *frames);
    for (int have = rc->context; have < rc->total; have++) {
        int keep = have < rc->window ? have : rc->window, first = have - keep;
        CHECK_COUNTED(t, dfv_sampler_next(sampler, stepwise + (size_t)first * FS, keep, first,
                                  rc->action_dim ? actions + first * rc->action_dim : NULL, 1,
                                  stepwise + (size_t)have * FS, err) == DFV_OK,
              "%s: %s", rc->name, err);
    }
    if (rc->chunk == 1)
        CHECK_COUNTED(t, !memcmp(stepwise, frames, values * sizeof *frames), "%s: frame-by-frame calls differ from one rollout",
              rc->name);

    /* The cached-context path gives the same frames bit for bit (the toy's split is exact). */
    float *cached = calloc(values, sizeof *cached);
    memcpy(cached, frames, (size_t)rc->context * FS * sizeof *frames);
    toy_network cached_net = {rc->action_dim, 0, 0, 0, 0.0};
    dfv_sampler *cached_sampler = NULL;
    if (dfv_sampler_create(&config, &s, toy_denoise, &cached_net, &cached_sampler, err) == DFV_OK) {
        dfv_sampler_use_cached_context(cached_sampler, toy_cache_context, toy_denoise_new);
        CHECK_COUNTED(t, dfv_sampler_rollout(cached_sampler, cached, rc->context, rc->total, rc->action_dim ? actions : NULL,
                                     err) == DFV_OK,
              "%s cached: %s", rc->name, err);
        CHECK_COUNTED(t, !memcmp(cached, frames, values * sizeof *frames) && cached_net.cache_calls > 0,
              "%s: cached-context rollout differs from the full-window one", rc->name);
        dfv_sampler_destroy(cached_sampler);
    }
    free(cached);

    write_rollout_args(t, rc, frames, actions, &s, alphas);
    char args[1024], out[1024];
    work_path(t, args, sizeof args, "r_args.json");
    work_path(t, out, sizeof out, "r_frames.npy");
    size_t n = 0;
    double *want = run_python(t, "'%s/sampler_ref.py' rollout '%s' '%s'", t->tests, args, out) ? NULL : npy_read(out, &n);
    CHECK_COUNTED(t, want && n == values, "%s: python rollout gave %zu values, want %zu", rc->name, n, values);
    if (want && n == values) {
        double worst = worst_difference(frames, want, values);
        CHECK_COUNTED(t, worst < 1e-4, "%s: rollout differs from models/sampler.py by %g", rc->name, worst);
    }
    free(want);
    free(stepwise);
    free(frames);
    free(actions);
    dfv_sampler_destroy(sampler);
}

static void test_rollouts(suite *t)
{
    static const rollout_case cases[] = {
        {"autoregressive", "autoregressive", "pred_v", DFV_OBJECTIVE_V, 10, 1, 4, 2, 7, 0, 15, 0.0f},
        {"pyramid+actions+eta", "pyramid:2", "pred_v", DFV_OBJECTIVE_V, 8, 2, 4, 2, 9, 3, 15, 0.5f},
        {"trapezoid x0", "trapezoid:2", "pred_x0", DFV_OBJECTIVE_X0, 6, 3, 5, 1, 8, 0, 4, 0.0f},
        /* One chunk only: with pred_noise the toy network's x0 estimates grow to ~1e4, and a later chunk would
         * feed them back as context, where the official ±clip clamp of pred_noise outputs (which the Python
         * reference leaves out) makes the two diverge by design. */
        {"trapezoid eps", "trapezoid:2", "pred_noise", DFV_OBJECTIVE_EPS, 6, 3, 5, 1, 4, 0, 4, 0.0f},
        {"full_sequence x0 eta", "full_sequence", "pred_x0", DFV_OBJECTIVE_X0, 5, 1, 3, 1, 5, 2, 15, 1.0f},
        /* Context noise: autoregressive past the window (the context slides), and pyramid chunks, where a new
         * frame that finishes early is fed clean to the rest of its chunk with its own context noise. */
        {"autoregressive context noise", "autoregressive", "pred_v", DFV_OBJECTIVE_V, 5, 1, 4, 2, 8, 3, 300, 0.0f,
         true},
        {"pyramid context noise eta", "pyramid:2", "pred_v", DFV_OBJECTIVE_V, 6, 3, 5, 1, 8, 0, 200, 0.5f, true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        run_rollout_case(t, &cases[i]);
}

static void test_settings_refused(suite *t)
{
    static float alphas[1000];
    dfv_model_config config;
    toy_config(&config, alphas, DFV_OBJECTIVE_V, 4, 0);
    dfv_sampler_settings good;
    dfv_sampler_settings_default(&config, &good);
    struct {
        dfv_sampler_settings s;
        const char *fragment;
    } bad[] = {{good, "sampling steps 0"}, {good, "window 5"}, {good, "chunk 5"}, {good, "stabilization level 0"},
               {good, "eta"}};
    bad[0].s.steps = 0, bad[1].s.window = 5, bad[2].s.chunk = 5, bad[3].s.stabilization_level = 0, bad[4].s.eta = -1;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        dfv_sampler *s = NULL;
        char err[DFV_ERR_LEN] = "";
        CHECK_COUNTED(t, dfv_sampler_create(&config, &bad[i].s, toy_denoise, NULL, &s, err) != DFV_OK && !s &&
                     strstr(err, bad[i].fragment),
              "settings case %zu: '%s'", i, err);
    }
}

static void test_network_failure(suite *t)
{
    static float alphas[1000];
    dfv_model_config config;
    toy_config(&config, alphas, DFV_OBJECTIVE_V, 4, 0);
    dfv_sampler_settings s;
    dfv_sampler_settings_default(&config, &s);
    toy_network net = {0, 0, 0, 5, 0.0};
    dfv_sampler *sampler = NULL;
    char err[DFV_ERR_LEN] = "";
    float frames[3 * FS] = {0};
    dfv_status st = dfv_sampler_create(&config, &s, failing_denoise, &net, &sampler, err);
    if (st == DFV_OK)
        st = dfv_sampler_rollout(sampler, frames, 1, 3, NULL, err);
    CHECK_COUNTED(t, st == DFV_ERR_VULKAN &&
                         !strcmp(err, "sampler: the network call failed (frame 1, step 4): vkQueueSubmit: VK_ERROR_DEVICE_LOST"),
          "a failing network must stop the rollout with its status and its message: %d '%s'", st, err);
    dfv_sampler_destroy(sampler);
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: %s PYTHON MODELS_DIR TESTS_DIR WORK_DIR\n", argv[0]);
        return 2;
    }
    suite t = {0, 0, argv[1], argv[2], argv[3], argv[4]};
    mkdir(t.work, 0755);
    test_philox_known_answers(&t);
    test_normals(&t);
    test_timesteps(&t);
    test_alphas(&t);
    test_matrices(&t);
    test_ddim_step(&t);
    test_settings_refused(&t);
    test_network_failure(&t);
    test_rollouts(&t);
    printf("%d checks, %d failed\n", t.checks, t.failures);
    return t.failures ? 1 : 0;
}
