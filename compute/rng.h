/* Counter-based random numbers: Philox4x32-10 (Salmon, Moraes, Dror, Shaw, "Parallel random numbers: as
 * easy as 1, 2, 3", SC'11; the Random123 reference), with Box-Muller normals.
 *
 * Nothing is a running stream: every value is a pure function of (seed, purpose, frame, step, element),
 * so the same seed, settings and actions give bitwise identical noise however the rollout is split into
 * calls, and a GPU shader can produce the same numbers.
 *
 * Layout: key = {seed low 32 bits, seed high 32 bits}; counter = {element / 4, frame low 32 bits,
 * step, purpose | (frame high 16 bits << 16)}. One block gives 4 uint32 words w0..w3 → elements 4b+0..4b+3:
 * u = (w + 0.5)·2^-32 ∈ (0, 1); (z0, z1) = sqrt(-2 ln u0)·(cos 2πu1, sin 2πu1), (z2, z3) likewise from
 * (u2, u3); computed in double, rounded to float. */
#ifndef DFV_RNG_H
#define DFV_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    DFV_NOISE_INITIAL = 0, /* the pure-noise start of a new frame */
    DFV_NOISE_STEP = 1,    /* the σ-noise of a DDIM step with η > 0 */
    DFV_NOISE_CONTEXT = 2, /* context noise: step = the absolute index of the chunk's first new frame */
} dfv_noise_purpose;

/* The bare Philox4x32 block function with 10 rounds. */
void dfv_philox4x32_10(const uint32_t counter[4], const uint32_t key[2], uint32_t out[4]);

/* Standard normals for elements [0, count) of one (frame, step, purpose) address. */
void dfv_rng_normals(uint64_t seed, dfv_noise_purpose purpose, uint64_t frame, uint32_t step, float *out,
                     size_t count);

#endif
