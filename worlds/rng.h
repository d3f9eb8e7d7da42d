/* Small deterministic random numbers for the worlds: splitmix64 so that every world, agent and texture is a
 * pure function of its seed on every platform (no libc rand, no global state). */
#ifndef DFV_RNG_H
#define DFV_RNG_H

#include <stdint.h>

typedef struct {
    uint64_t state;
} dfv_rng;

/* One splitmix64 finalisation: also used as a hash to derive independent sub-seeds. */
static inline uint64_t dfv_rng_mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static inline dfv_rng dfv_rng_make(uint64_t seed)
{
    dfv_rng rng = {dfv_rng_mix(seed + 0x9e3779b97f4a7c15ULL)};
    return rng;
}

static inline uint64_t dfv_rng_next(dfv_rng *rng)
{
    rng->state += 0x9e3779b97f4a7c15ULL;
    return dfv_rng_mix(rng->state);
}

/* Uniform in [0, 1) with 24 bits: exact in float. */
static inline float dfv_rng_float(dfv_rng *rng)
{
    return (float)(dfv_rng_next(rng) >> 40) * (1.0f / 16777216.0f);
}

/* Uniform integer in [lo, hi] (inclusive); modulo bias is irrelevant at these ranges. */
static inline int dfv_rng_range(dfv_rng *rng, int lo, int hi)
{
    return lo + (int)(dfv_rng_next(rng) % (uint64_t)(hi - lo + 1));
}

#endif
