/* Philox4x32-10 and Box-Muller normals; the layout is documented in rng.h. */
#include "rng.h"

#include <math.h>

/* Constants of the Random123 reference: round multipliers and the Weyl key increments. */
#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u
#define PHILOX_W1 0xBB67AE85u

static void philox_round(uint32_t ctr[4], const uint32_t key[2])
{
    uint64_t p0 = (uint64_t)PHILOX_M0 * ctr[0];
    uint64_t p1 = (uint64_t)PHILOX_M1 * ctr[2];
    uint32_t next[4] = {(uint32_t)(p1 >> 32) ^ ctr[1] ^ key[0], (uint32_t)p1, (uint32_t)(p0 >> 32) ^ ctr[3] ^ key[1],
                        (uint32_t)p0};
    for (int i = 0; i < 4; i++)
        ctr[i] = next[i];
}

void dfv_philox4x32_10(const uint32_t counter[4], const uint32_t key[2], uint32_t out[4])
{
    uint32_t ctr[4] = {counter[0], counter[1], counter[2], counter[3]};
    uint32_t k[2] = {key[0], key[1]};
    for (int round = 0; round < 10; round++) {
        if (round) {
            k[0] += PHILOX_W0;
            k[1] += PHILOX_W1;
        }
        philox_round(ctr, k);
    }
    for (int i = 0; i < 4; i++)
        out[i] = ctr[i];
}

static double open_unit(uint32_t word) { return ((double)word + 0.5) * (1.0 / 4294967296.0); }

static void box_muller(uint32_t a, uint32_t b, double *z0, double *z1)
{
    double radius = sqrt(-2.0 * log(open_unit(a)));
    double angle = 2.0 * M_PI * open_unit(b);
    *z0 = radius * cos(angle);
    *z1 = radius * sin(angle);
}

void dfv_rng_normals(uint64_t seed, dfv_noise_purpose purpose, uint64_t frame, uint32_t step, float *out, size_t count)
{
    const uint32_t key[2] = {(uint32_t)seed, (uint32_t)(seed >> 32)};
    uint32_t counter[4] = {0, (uint32_t)frame, step, (uint32_t)purpose | (uint32_t)((frame >> 32) & 0xffff) << 16};
    for (size_t base = 0; base < count; base += 4) {
        counter[0] = (uint32_t)(base / 4);
        uint32_t w[4];
        dfv_philox4x32_10(counter, key, w);
        double z[4];
        box_muller(w[0], w[1], &z[0], &z[1]);
        box_muller(w[2], w[3], &z[2], &z[3]);
        for (size_t i = 0; i < 4 && base + i < count; i++)
            out[base + i] = (float)z[i];
    }
}
