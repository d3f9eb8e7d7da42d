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

/* The one table of schedule names, indexed by dfv_schedule_kind; `shaped` kinds take an uncertainty ":u". */
static const struct {
    const char *name;
    bool shaped;
} schedule_kinds[] = {
    [DFV_SCHEDULE_AUTOREGRESSIVE] = {"autoregressive", false},
    [DFV_SCHEDULE_PYRAMID] = {"pyramid", true},
    [DFV_SCHEDULE_FULL_SEQUENCE] = {"full_sequence", false},
    [DFV_SCHEDULE_TRAPEZOID] = {"trapezoid", true},
};

int dfv_schedule_kind_count(void) { return (int)(sizeof schedule_kinds / sizeof schedule_kinds[0]); }

const char *dfv_schedule_kind_name(dfv_schedule_kind kind)
{
    return (int)kind >= 0 && (int)kind < dfv_schedule_kind_count() ? schedule_kinds[kind].name : "?";
}

void dfv_schedule_list(const char *separator, char *out, size_t size)
{
    size_t used = 0;
    out[0] = 0;
    for (int k = 0; k < dfv_schedule_kind_count() && used < size; k++) {
        int n = snprintf(out + used, size - used, "%s%s%s", k ? separator : "", schedule_kinds[k].name,
                         schedule_kinds[k].shaped ? ":U" : "");
        if (n < 0) break;
        used += (size_t)n;
    }
}

bool dfv_schedule_parse(const char *text, dfv_schedule *out)
{
    if (!text)
        return false;
    for (int k = 0; k < dfv_schedule_kind_count(); k++) {
        size_t n = strlen(schedule_kinds[k].name);
        if (strncmp(text, schedule_kinds[k].name, n))
            continue;
        double u = 0.0;
        if (schedule_kinds[k].shaped ? !parse_uncertainty(text + n, &u) : text[n] != 0)
            return false;
        *out = (dfv_schedule){(dfv_schedule_kind)k, u};
        return true;
    }
    return false;
}

void dfv_schedule_format(const dfv_schedule *s, char *buf, size_t size)
{
    if (schedule_kinds[s->kind].shaped) snprintf(buf, size, "%s:%g", dfv_schedule_kind_name(s->kind), s->uncertainty);
    else snprintf(buf, size, "%s", dfv_schedule_kind_name(s->kind));
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
