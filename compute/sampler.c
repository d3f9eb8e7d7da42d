/* DDIM with per-frame noise levels and the sliding-window rollout; see sampler.h. The arithmetic of a
 * step runs in double per element and is stored as float, so rounding does not drift over 100 steps. */
#include "sampler.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"

/* ---- the DDIM step ----------------------------------------------------------------------------- */

static int32_t model_timestep(const dfv_ddim_params *p, int32_t real)
{
    return real < 0 ? p->stabilization_level - 1 : real;
}

static double clamp(double v, double limit) { return v < -limit ? -limit : v > limit ? limit : v; }

void dfv_ddim_model_inputs(const dfv_ddim_params *p, const float *x, const int32_t *k_from, int frames,
                           size_t frame_size, const float *context_noise, float *x_in, int32_t *timesteps)
{
    int32_t real[DFV_SCHEDULE_MAX_STEPS + 1];
    dfv_schedule_timesteps(p->timesteps, p->steps, real);
    for (int f = 0; f < frames; f++) {
        int32_t t = real[k_from[f]];
        timesteps[f] = model_timestep(p, t);
        const float *src = x + (size_t)f * frame_size;
        float *dst = x_in + (size_t)f * frame_size;
        if (t >= 0) {
            memcpy(dst, src, frame_size * sizeof *dst);
            continue;
        }
        double a = p->alphas_cumprod[timesteps[f]], scale = sqrt(a), spread = sqrt(1.0 - a);
        const float *noise = context_noise ? context_noise + (size_t)f * frame_size : NULL;
        for (size_t i = 0; i < frame_size; i++)
            dst[i] = (float)(noise ? scale * src[i] + spread * clamp(noise[i], p->clip_noise) : scale * src[i]);
    }
}

typedef struct {
    double sqrt_a, sqrt_one_minus_a, eps_denominator; /* at the current level */
    double sqrt_a_next, c, sigma;                     /* at the next level */
} step_coefficients;

static step_coefficients coefficients(const dfv_ddim_params *p, int32_t t_from, int32_t t_to)
{
    double a = p->alphas_cumprod[model_timestep(p, t_from)];
    double a_next = t_to < 0 ? 1.0 : p->alphas_cumprod[t_to];
    double sigma = 0.0;
    if (t_to >= 0 && p->eta > 0.0f)
        sigma = p->eta * sqrt(fmax((1.0 - a / a_next) * (1.0 - a_next) / (1.0 - a), 0.0));
    return (step_coefficients){sqrt(a), sqrt(1.0 - a), sqrt(1.0 / a - 1.0), sqrt(a_next),
                               sqrt(fmax(1.0 - a_next - sigma * sigma, 0.0)), sigma};
}

static void update_frame(const dfv_ddim_params *p, const step_coefficients *k, float *x, const float *x_in,
                         const float *out, const float *noise, size_t n)
{
    double clip = p->clip_noise;
    for (size_t i = 0; i < n; i++) {
        double xi = x_in[i], o = out[i], x0, eps;
        if (p->objective == DFV_OBJECTIVE_EPS) {
            eps = clamp(o, clip);
            x0 = (xi - k->sqrt_one_minus_a * eps) / k->sqrt_a;
        } else {
            x0 = p->objective == DFV_OBJECTIVE_V ? k->sqrt_a * xi - k->sqrt_one_minus_a * o : o;
            eps = (xi / k->sqrt_a - x0) / k->eps_denominator;
        }
        double next = x0 * k->sqrt_a_next + k->c * eps;
        if (noise && k->sigma > 0.0)
            next += k->sigma * clamp(noise[i], clip);
        x[i] = (float)next;
    }
}

void dfv_ddim_update(const dfv_ddim_params *p, float *x, const float *x_in, const float *model_out,
                     const int32_t *k_from, const int32_t *k_to, int frames, size_t frame_size, const float *noise)
{
    int32_t real[DFV_SCHEDULE_MAX_STEPS + 1];
    dfv_schedule_timesteps(p->timesteps, p->steps, real);
    for (int f = 0; f < frames; f++) {
        if (k_from[f] == k_to[f])
            continue;
        step_coefficients k = coefficients(p, real[k_from[f]], real[k_to[f]]);
        size_t at = (size_t)f * frame_size;
        update_frame(p, &k, x + at, x_in + at, model_out + at, p->eta > 0.0f && noise ? noise + at : NULL,
                     frame_size);
    }
}

/* ---- settings ---------------------------------------------------------------------------------- */

void dfv_sampler_settings_default(const dfv_model_config *c, dfv_sampler_settings *out)
{
    memset(out, 0, sizeof *out);
    out->steps = c->diffusion.sampling_steps;
    if (!dfv_schedule_parse(c->diffusion.scheduling, &out->schedule))
        out->schedule = (dfv_schedule){DFV_SCHEDULE_AUTOREGRESSIVE, 0.0};
    out->chunk = c->diffusion.chunk_size;
    out->window = c->diffusion.window;
    out->stabilization_level = c->diffusion.stabilization_level;
    out->context_noise = c->diffusion.context_noise;
    out->eta = c->diffusion.eta;
}

static dfv_status check_settings(const dfv_model_config *c, const dfv_sampler_settings *s, char err[DFV_ERR_LEN])
{
    int max_steps = c->diffusion.timesteps < DFV_SCHEDULE_MAX_STEPS ? c->diffusion.timesteps : DFV_SCHEDULE_MAX_STEPS;
    const char *problem = NULL;
    char detail[160];
    if (s->steps < 1 || s->steps > max_steps)
        snprintf(detail, sizeof detail, "sampling steps %d outside 1..%d", s->steps, max_steps), problem = detail;
    else if (s->window < 1 || s->window > c->diffusion.window)
        snprintf(detail, sizeof detail, "window %d outside 1..%d (the model's)", s->window, c->diffusion.window),
            problem = detail;
    else if (s->chunk < 1 || s->chunk > s->window)
        snprintf(detail, sizeof detail, "chunk %d outside 1..window %d", s->chunk, s->window), problem = detail;
    else if (s->stabilization_level < 1 || s->stabilization_level > c->diffusion.timesteps)
        snprintf(detail, sizeof detail, "stabilization level %d outside 1..%d", s->stabilization_level,
                 c->diffusion.timesteps),
            problem = detail;
    else if (!(s->eta >= 0.0f && s->eta <= 1.0f))
        snprintf(detail, sizeof detail, "eta %g outside 0..1", (double)s->eta), problem = detail;
    else if (!dfv_schedule_height(&s->schedule, s->steps, s->chunk))
        snprintf(detail, sizeof detail, "scheduling matrix for %d steps and chunk %d is too large", s->steps, s->chunk),
            problem = detail;
    if (!problem)
        return DFV_OK;
    snprintf(err, DFV_ERR_LEN, "sampler: %s", problem);
    return DFV_ERR_ARGUMENT;
}

/* ---- the sampler ------------------------------------------------------------------------------- */

struct dfv_sampler {
    const dfv_model_config *config;
    dfv_sampler_settings settings;
    dfv_ddim_params ddim;
    dfv_denoise_fn denoise;
    dfv_cache_context_fn cache_context; /* both NULL unless the cached-context path is on */
    dfv_denoise_fn denoise_new;
    void *user;
    size_t frame_size;
    int action_dim;
    float *x, *x_in, *model_out, *noise; /* window × frame_size each */
    float *context_noise;                 /* window × frame_size, drawn once per chunk; NULL when off */
    int32_t *k_from, *k_to, *timesteps;  /* window each */
    int32_t *matrix;                     /* height(chunk) × chunk */
};

void dfv_sampler_destroy(dfv_sampler *s)
{
    if (!s)
        return;
    free(s->x);
    free(s->x_in);
    free(s->model_out);
    free(s->noise);
    free(s->context_noise);
    free(s->k_from);
    free(s->k_to);
    free(s->timesteps);
    free(s->matrix);
    free(s);
}

static bool allocate_buffers(dfv_sampler *s)
{
    size_t w = (size_t)s->settings.window, values = w * s->frame_size;
    int height = dfv_schedule_height(&s->settings.schedule, s->settings.steps, s->settings.chunk);
    s->x = malloc(values * sizeof *s->x);
    s->x_in = malloc(values * sizeof *s->x_in);
    s->model_out = malloc(values * sizeof *s->model_out);
    s->noise = s->settings.eta > 0.0f ? malloc(values * sizeof *s->noise) : NULL;
    s->context_noise = s->settings.context_noise ? malloc(values * sizeof *s->context_noise) : NULL;
    s->k_from = malloc(w * sizeof *s->k_from);
    s->k_to = malloc(w * sizeof *s->k_to);
    s->timesteps = malloc(w * sizeof *s->timesteps);
    s->matrix = malloc((size_t)height * s->settings.chunk * sizeof *s->matrix);
    return s->x && s->x_in && s->model_out && (s->noise || s->settings.eta <= 0.0f) &&
           (s->context_noise || !s->settings.context_noise) && s->k_from && s->k_to && s->timesteps && s->matrix;
}

dfv_status dfv_sampler_create(const dfv_model_config *config, const dfv_sampler_settings *settings,
                              dfv_denoise_fn denoise, void *user, dfv_sampler **out, char err[DFV_ERR_LEN])
{
    *out = NULL;
    dfv_status st = check_settings(config, settings, err);
    if (st != DFV_OK)
        return st;
    dfv_sampler *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, DFV_ERR_LEN, "sampler: out of memory");
        return DFV_ERR_MEMORY;
    }
    s->config = config;
    s->settings = *settings;
    s->denoise = denoise;
    s->user = user;
    s->action_dim = config->actions.dim;
    s->frame_size = (size_t)dfv_model_in_channels(config) * config->arch.resolution * config->arch.resolution;
    s->ddim = (dfv_ddim_params){config->diffusion.alphas_cumprod, config->diffusion.timesteps, settings->steps,
                                settings->stabilization_level, config->diffusion.objective, settings->eta,
                                config->diffusion.clip_noise};
    if (!allocate_buffers(s)) {
        dfv_sampler_destroy(s);
        snprintf(err, DFV_ERR_LEN, "sampler: out of memory for a %d-frame window", settings->window);
        return DFV_ERR_MEMORY;
    }
    *out = s;
    return DFV_OK;
}

size_t dfv_sampler_frame_size(const dfv_sampler *s) { return s->frame_size; }

void dfv_sampler_use_cached_context(dfv_sampler *s, dfv_cache_context_fn cache_context, dfv_denoise_fn denoise_new)
{
    bool both = cache_context && denoise_new;
    s->cache_context = both ? cache_context : NULL;
    s->denoise_new = both ? denoise_new : NULL;
}

int64_t dfv_sampler_calls_for(const dfv_sampler *s, int count)
{
    int64_t calls = 0;
    for (int done = 0; done < count;) {
        int h = count - done < s->settings.chunk ? count - done : s->settings.chunk;
        calls += dfv_schedule_height(&s->settings.schedule, s->settings.steps, h) - 1;
        done += h;
    }
    return calls;
}

/* The frames of one chunk: `context` clean frames from the sequence, then `horizon` new ones. */
typedef struct {
    const float *history;
    int n_history;
    const float *out;
    int64_t history_start;
} sequence;

static const float *sequence_frame(const sequence *q, size_t frame_size, int p)
{
    return p < q->n_history ? q->history + (size_t)p * frame_size : q->out + (size_t)(p - q->n_history) * frame_size;
}

static void start_chunk(dfv_sampler *s, const sequence *q, int start, int context, int horizon)
{
    size_t fs = s->frame_size;
    for (int j = 0; j < context; j++)
        memcpy(s->x + (size_t)j * fs, sequence_frame(q, fs, start + j), fs * sizeof *s->x);
    float clip = s->config->diffusion.clip_noise;
    for (int j = context; j < context + horizon; j++) {
        float *frame = s->x + (size_t)j * fs;
        dfv_rng_normals(s->settings.seed, DFV_NOISE_INITIAL, (uint64_t)(q->history_start + start + j), 0, frame, fs);
        for (size_t i = 0; i < fs; i++)
            frame[i] = (float)clamp(frame[i], clip);
    }
    /* One draw per (frame, chunk) for every window frame that may be fed clean, keyed by absolute indices so
     * that cached and full-window calls, and a rollout split into any calls, see the same noise. */
    if (s->context_noise)
        for (int j = 0; j < context + horizon; j++)
            dfv_rng_normals(s->settings.seed, DFV_NOISE_CONTEXT, (uint64_t)(q->history_start + start + j),
                            (uint32_t)(q->history_start + start + context), s->context_noise + (size_t)j * fs, fs);
}

/* Levels of the window for row m: context frames clean, new frames from the matrix. Returns whether any
 * frame changes between rows m and m + 1. */
static bool row_levels(dfv_sampler *s, int m, int context, int horizon)
{
    bool changes = false;
    for (int j = 0; j < context + horizon; j++) {
        s->k_from[j] = j < context ? 0 : s->matrix[(size_t)m * horizon + (j - context)];
        s->k_to[j] = j < context ? 0 : s->matrix[(size_t)(m + 1) * horizon + (j - context)];
        changes = changes || s->k_from[j] != s->k_to[j];
    }
    return changes;
}

/* The network's own message (why) after the frame and step that failed. */
static dfv_status network_failed(const sequence *q, int start, int context, int m, dfv_status st,
                                 const char why[DFV_ERR_LEN], char err[DFV_ERR_LEN])
{
    dfv_error_set(err, "sampler: the network call failed (frame %lld, step %d)%s%s",
                  (long long)(q->history_start + start + context), m, why[0] ? ": " : "", why);
    return st;
}

/* One network evaluation for row m: the whole window, or the new frames after cached context. */
static dfv_status evaluate(dfv_sampler *s, bool cached, int context, int horizon, const float *window_actions,
                           char why[DFV_ERR_LEN])
{
    size_t fs = s->frame_size;
    dfv_ddim_model_inputs(&s->ddim, s->x, s->k_from, context + horizon, fs, s->context_noise, s->x_in, s->timesteps);
    if (!cached)
        return s->denoise(s->user, s->x_in, s->timesteps, window_actions, context + horizon, s->model_out, why);
    const float *new_actions = window_actions ? window_actions + (size_t)context * s->action_dim : NULL;
    return s->denoise_new(s->user, s->x_in + (size_t)context * fs, s->timesteps + context, new_actions, horizon,
                          s->model_out + (size_t)context * fs, why);
}

static dfv_status denoise_chunk(dfv_sampler *s, const sequence *q, int start, int context, int horizon,
                                const float *actions, char err[DFV_ERR_LEN])
{
    int frames = context + horizon;
    size_t fs = s->frame_size;
    int height = dfv_schedule_matrix(&s->settings.schedule, s->settings.steps, horizon, s->matrix);
    const float *window_actions = actions ? actions + (size_t)start * s->action_dim : NULL;
    bool cached = s->cache_context && context > 0;
    char why[DFV_ERR_LEN] = "";
    if (cached) {
        row_levels(s, 0, context, horizon); /* context frames sit at level 0 on every row */
        dfv_ddim_model_inputs(&s->ddim, s->x, s->k_from, context, fs, s->context_noise, s->x_in, s->timesteps);
        dfv_status st = s->cache_context(s->user, s->x_in, s->timesteps, window_actions, context, why);
        if (st != DFV_OK)
            return network_failed(q, start, context, 0, st, why, err);
    }
    for (int m = 0; m + 1 < height; m++) {
        if (!row_levels(s, m, context, horizon))
            continue;
        dfv_status st = evaluate(s, cached, context, horizon, window_actions, why);
        if (st != DFV_OK)
            return network_failed(q, start, context, m, st, why, err);
        if (s->noise)
            for (int j = 0; j < frames; j++)
                if (s->k_from[j] != s->k_to[j])
                    dfv_rng_normals(s->settings.seed, DFV_NOISE_STEP, (uint64_t)(q->history_start + start + j),
                                    (uint32_t)m, s->noise + (size_t)j * fs, fs);
        dfv_ddim_update(&s->ddim, s->x, s->x_in, s->model_out, s->k_from, s->k_to, frames, fs, s->noise);
    }
    return DFV_OK;
}

dfv_status dfv_sampler_next(dfv_sampler *s, const float *history, int n_history, int64_t history_start,
                            const float *actions, int count, float *out, char err[DFV_ERR_LEN])
{
    if (n_history < 0 || count < 0 || (n_history > 0 && !history) || (count > 0 && !out) || history_start < 0) {
        snprintf(err, DFV_ERR_LEN, "sampler: bad arguments (history %d frames, %d new frames)", n_history, count);
        return DFV_ERR_ARGUMENT;
    }
    sequence q = {history, n_history, out, history_start};
    size_t fs = s->frame_size;
    for (int current = n_history; current < n_history + count;) {
        int remaining = n_history + count - current;
        int horizon = remaining < s->settings.chunk ? remaining : s->settings.chunk;
        int frames = current + horizon < s->settings.window ? current + horizon : s->settings.window;
        int start = current + horizon - frames, context = frames - horizon;
        start_chunk(s, &q, start, context, horizon);
        dfv_status st = denoise_chunk(s, &q, start, context, horizon, actions, err);
        if (st != DFV_OK)
            return st;
        memcpy(out + (size_t)(current - n_history) * fs, s->x + (size_t)context * fs, (size_t)horizon * fs * sizeof *out);
        current += horizon;
    }
    return DFV_OK;
}

dfv_status dfv_sampler_rollout(dfv_sampler *s, float *frames, int n_context, int total, const float *actions,
                               char err[DFV_ERR_LEN])
{
    if (n_context < 0 || total < n_context) {
        snprintf(err, DFV_ERR_LEN, "sampler: rollout of %d frames from %d context frames", total, n_context);
        return DFV_ERR_ARGUMENT;
    }
    return dfv_sampler_next(s, frames, n_context, 0, actions, total - n_context, frames + (size_t)n_context * s->frame_size,
                            err);
}
