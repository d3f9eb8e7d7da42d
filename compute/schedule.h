/* Noise schedules and Diffusion Forcing scheduling matrices (shared/reference/diffusion-forcing.md §3-4).
 *
 * Sampling levels k = 0..S (S sampling steps) stand for timesteps real(k) = -1 + floor(k·T/S), the exact value
 * of floor(linspace(-1, T-1, S+1))[k], of a T-step diffusion; level 0 (timestep -1) is a clean frame, level S pure noise.
 *
 * A scheduling matrix has `height` rows and one column per new frame; row m holds every new frame's level
 * at step m. Sampling walks rows 0 → height-1, one DDIM step from row m to row m+1 per model call.
 *   full_sequence   M[m][t] = S - m                                   height S + 1
 *   pyramid:u       M[m][t] = clip(S + int(t·u) - m, 0, S)            height S + int((h-1)·u) + 1
 *   autoregressive  pyramid with u = S: each frame is fully denoised before the next starts
 *   trapezoid:u     ours, symmetric: M[m][t] = clip(S + int(d(t)·u) - m, 0, S) with d(t) = min(t, h-1-t),
 *                   height S + int(floor((h-1)/2)·u) + 1. Both ends of the chunk are denoised first and the
 *                   middle last; columns t and h-1-t are identical. (The official trapezoid leaves the
 *                   middle column of an even horizon at level 0 from the start and is asymmetric.)
 * Every column starts at S (row 0) and ends at 0 (last row) and never increases. */
#ifndef DFV_SCHEDULE_H
#define DFV_SCHEDULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    DFV_SCHEDULE_AUTOREGRESSIVE = 0,
    DFV_SCHEDULE_PYRAMID = 1,
    DFV_SCHEDULE_FULL_SEQUENCE = 2,
    DFV_SCHEDULE_TRAPEZOID = 3,
    /* A new schedule: a value here, a row in schedule.c's table, its matrix in dfv_schedule_matrix. */
} dfv_schedule_kind;

typedef struct {
    dfv_schedule_kind kind;
    double uncertainty; /* u for pyramid and trapezoid */
} dfv_schedule;

#define DFV_SCHEDULE_MAX_STEPS 1000

/* The kinds, their names ("pyramid") and a list for usage lines ("autoregressive | pyramid:U | ..."). */
int dfv_schedule_kind_count(void);
const char *dfv_schedule_kind_name(dfv_schedule_kind kind);
void dfv_schedule_list(const char *separator, char *out, size_t size);

/* Parses "autoregressive", "full_sequence", "pyramid[:u]" or "trapezoid[:u]" (u > 0, default 1).
 * Returns false on anything else. */
bool dfv_schedule_parse(const char *text, dfv_schedule *out);
/* Writes the canonical text form (e.g. "pyramid:2") into buf. */
void dfv_schedule_format(const dfv_schedule *schedule, char *buf, size_t size);

/* real(k) for k = 0..steps, written to out[steps + 1]; steps in 1..timesteps. */
void dfv_schedule_timesteps(int timesteps, int steps, int32_t *out);

/* Rows of the matrix for `steps` sampling steps and `horizon` new frames; 0 when arguments are invalid
 * or the matrix would exceed `max_rows`. */
int dfv_schedule_height(const dfv_schedule *schedule, int steps, int horizon);
/* Fills out[height × horizon] (row-major); returns the height, 0 on invalid arguments. */
int dfv_schedule_matrix(const dfv_schedule *schedule, int steps, int horizon, int32_t *out);

/* Noise schedules: alphas_cumprod[timesteps] computed in float64, as the official code does, rounded to
 * float32. Sigmoid uses start -3, end 3, tau 1; cosine uses s = 0.008. */
void dfv_schedule_alphas_sigmoid(int timesteps, float *out);
void dfv_schedule_alphas_cosine(int timesteps, float *out);

#endif
