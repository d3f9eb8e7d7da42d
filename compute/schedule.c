/* Scheduling matrices and noise schedules; the definitions are in schedule.h. */
#include "schedule.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool parse_uncertainty(const char *text, double *out)
{
    if (!*text) {
        *out = 1.0;
        return true;
    }
    if (*text != ':')
        return false;
    char *end = NULL;
    double u = strtod(text + 1, &end);
    if (end == text + 1 || *end || !(u > 0.0) || u > DFV_SCHEDULE_MAX_STEPS)
        return false;
    *out = u;
    return true;
}

bool dfv_schedule_parse(const char *text, dfv_schedule *out)
{
    if (!text)
        return false;
    if (!strcmp(text, "autoregressive")) {
        *out = (dfv_schedule){DFV_SCHEDULE_AUTOREGRESSIVE, 0.0};
        return true;
    }
    if (!strcmp(text, "full_sequence")) {
        *out = (dfv_schedule){DFV_SCHEDULE_FULL_SEQUENCE, 0.0};
        return true;
    }
    static const struct {
        const char *prefix;
        dfv_schedule_kind kind;
    } shaped[] = {{"pyramid", DFV_SCHEDULE_PYRAMID}, {"trapezoid", DFV_SCHEDULE_TRAPEZOID}};
    for (size_t i = 0; i < sizeof shaped / sizeof shaped[0]; i++) {
        size_t n = strlen(shaped[i].prefix);
        if (!strncmp(text, shaped[i].prefix, n)) {
            double u;
            if (!parse_uncertainty(text + n, &u))
                return false;
            *out = (dfv_schedule){shaped[i].kind, u};
            return true;
        }
    }
    return false;
}

void dfv_schedule_format(const dfv_schedule *s, char *buf, size_t size)
{
    switch (s->kind) {
    case DFV_SCHEDULE_AUTOREGRESSIVE: snprintf(buf, size, "autoregressive"); break;
    case DFV_SCHEDULE_FULL_SEQUENCE: snprintf(buf, size, "full_sequence"); break;
    case DFV_SCHEDULE_PYRAMID: snprintf(buf, size, "pyramid:%g", s->uncertainty); break;
    case DFV_SCHEDULE_TRAPEZOID: snprintf(buf, size, "trapezoid:%g", s->uncertainty); break;
    }
}

/* The exact value -1 + floor(k·T/S) in integers (as models/schedule.py computes it): a float linspace
 * can land a hair below an integer and floor one timestep low (numpy's float64 linspace does so for 70
 * values of S at T = 1000, the official float32 torch.linspace for 155); all agree for the released
 * S = 100. */
void dfv_schedule_timesteps(int timesteps, int steps, int32_t *out)
{
    for (int k = 0; k <= steps; k++)
        out[k] = (int32_t)(-1 + ((int64_t)k * timesteps) / steps);
}

/* Offset of column t: how many rows later than column 0 it starts denoising. */
static int column_delay(const dfv_schedule *s, int steps, int horizon, int t)
{
    switch (s->kind) {
    case DFV_SCHEDULE_AUTOREGRESSIVE: return t * steps;
    case DFV_SCHEDULE_PYRAMID: return (int)(t * s->uncertainty);
    case DFV_SCHEDULE_TRAPEZOID: {
        int from_edge = t < horizon - 1 - t ? t : horizon - 1 - t;
        return (int)(from_edge * s->uncertainty);
    }
    case DFV_SCHEDULE_FULL_SEQUENCE: return 0;
    }
    return 0;
}

int dfv_schedule_height(const dfv_schedule *s, int steps, int horizon)
{
    if (steps < 1 || steps > DFV_SCHEDULE_MAX_STEPS || horizon < 1 || horizon > 4096)
        return 0;
    int max_delay = 0;
    for (int t = 0; t < horizon; t++) {
        int d = column_delay(s, steps, horizon, t);
        if (d > max_delay)
            max_delay = d;
    }
    long height = (long)steps + max_delay + 1;
    return height > (1L << 24) ? 0 : (int)height;
}

int dfv_schedule_matrix(const dfv_schedule *s, int steps, int horizon, int32_t *out)
{
    int height = dfv_schedule_height(s, steps, horizon);
    for (int m = 0; m < height; m++)
        for (int t = 0; t < horizon; t++) {
            long level = (long)steps + column_delay(s, steps, horizon, t) - m;
            out[(size_t)m * horizon + t] = (int32_t)(level < 0 ? 0 : level > steps ? steps : level);
        }
    return height;
}

/* alphas_cumprod from a normalised f(s) on s = i/T: betas clipped to [0, 0.999], then the product. */
static void alphas_from_curve(int timesteps, double (*curve)(double), float *out)
{
    double f0 = curve(0.0), prev = 1.0, product = 1.0;
    for (int i = 1; i <= timesteps; i++) {
        double now = curve((double)i / timesteps) / f0;
        double beta = 1.0 - now / prev;
        beta = beta < 0.0 ? 0.0 : beta > 0.999 ? 0.999 : beta;
        product *= 1.0 - beta;
        out[i - 1] = (float)product;
        prev = now;
    }
}

static double sigmoid(double x) { return 1.0 / (1.0 + exp(-x)); }

static double sigmoid_curve(double s)
{
    return (sigmoid(3.0) - sigmoid(6.0 * s - 3.0)) / (sigmoid(3.0) - sigmoid(-3.0));
}

static double cosine_curve(double s)
{
    double c = cos((s + 0.008) / 1.008 * M_PI * 0.5);
    return c * c;
}

void dfv_schedule_alphas_sigmoid(int timesteps, float *out) { alphas_from_curve(timesteps, sigmoid_curve, out); }
void dfv_schedule_alphas_cosine(int timesteps, float *out) { alphas_from_curve(timesteps, cosine_curve, out); }
