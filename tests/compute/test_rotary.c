/* dfv_op_rotary against a double reference: the DiT's spatial (every pair) and temporal (positions from
 * pos0) rotary, the VAE's half-head rotary (pairs past the table pass through), in place inside a qkv
 * tensor (only the rotated channels change) and out of place, odd pixel counts, angles of hundreds of
 * radians (the table carries cos and sin, so their size does not matter). */
#include <math.h>
#include <string.h>

#include "harness.h"

typedef struct {
    int t, c, h, w;
    int heads, dim_head, channel0, pairs;
    bool temporal;
    int pos0, positions; /* temporal: table rows */
    bool in_place;
} rotary_case;

static void rotary_reference(const float *in, const float *table, double *out, const rotary_case *k)
{
    const int hw = k->h * k->w;
    for (size_t i = 0; i < (size_t)k->t * k->c * hw; i++)
        out[i] = in[i];
    for (int t = 0; t < k->t; t++)
        for (int head = 0; head < k->heads; head++)
            for (int pair = 0; pair < k->pairs; pair++)
                for (int p = 0; p < hw; p++) {
                    int pos = k->temporal ? t + k->pos0 : p;
                    double cs = table[(pos * 2) * k->pairs + pair], sn = table[(pos * 2 + 1) * k->pairs + pair];
                    int c = k->channel0 + head * k->dim_head + 2 * pair;
                    size_t a = ((size_t)t * k->c + c) * hw + p, b = a + hw;
                    out[a] = (double)in[a] * cs - (double)in[b] * sn;
                    out[b] = (double)in[b] * cs + (double)in[a] * sn;
                }
}

static void test_case(dfv_test *t, dfv_dtype dtype, const void *arg)
{
    const rotary_case *k = arg;
    const int positions = k->temporal ? k->positions : k->h * k->w;
    size_t n = (size_t)k->t * k->c * k->h * k->w, table_n = (size_t)positions * 2 * k->pairs;
    dfv_test_scope s = dfv_test_scope_open(t);
    float *x = dfv_test_scope_random(&s, n, -2, 2), *table = dfv_test_scope_random(&s, table_n, -400, 400);
    double *ref = dfv_test_scope_alloc(&s, n, sizeof *ref);
    if (table)
        for (int p = 0; p < positions; p++)
            for (int i = 0; i < k->pairs; i++) {
                double angle = table[(p * 2) * k->pairs + i];
                table[(p * 2) * k->pairs + i] = (float)cos(angle);
                table[(p * 2 + 1) * k->pairs + i] = (float)sin(angle);
            }
    const dfv_test_tensor *in = dfv_test_scope_input(&s, dtype, k->t, k->c, k->h, k->w, x);
    const dfv_test_tensor *tab = dfv_test_scope_input(&s, DFV_F32, 1, positions, 2, k->pairs, table);
    const dfv_test_tensor *result = k->in_place ? in : dfv_test_scope_output(&s, dtype, k->t, k->c, k->h, k->w);
    dfv_seq *seq = dfv_test_scope_seq(&s);
    if (seq) {
        rotary_reference(x, table, ref, k);
        dfv_rotary_desc desc = {k->heads, k->dim_head, k->channel0, k->temporal, k->pos0};
        const char *label = dfv_test_scope_label(
            &s, "rotary %s {%d,%d,%d,%d} %s %dx%d from %d, %d pairs%s", dfv_test_dtype_name(dtype), k->t, k->c, k->h,
            k->w, k->temporal ? "temporal" : "spatial", k->heads, k->dim_head, k->channel0, k->pairs,
            k->in_place ? " in place" : "");
        dfv_test_scope_check(&s, dfv_op_rotary(seq, result->view, in->view, tab->view, &desc), label, result, ref,
                             dfv_test_tol(dtype, DFV_TOL_ELEMENTWISE));
    }
    dfv_test_scope_close(&s);
}

static const dfv_test_shape bad_shapes[] = {
    {2, 8, 2, 3}, /* in / out: 2 heads of 4 */
    {1, 6, 2, 2}, /* a spatial table for 2x3 pixels */
    {1, 5, 2, 2}, /* one row short */
    {1, 6, 2, 3}, /* 3 pairs: more than dim 4 has */
    {1, 6, 1, 2}, /* cos only */
    {2, 8, 3, 2}, /* out of another shape */
};

static void bad_arguments(dfv_test *t, dfv_seq *seq, const dfv_tensor *x)
{
    dfv_rotary_desc spatial = {2, 4, 0, false, 0}, temporal = {2, 4, 0, true, 5};
    dfv_test_rejects(t, dfv_op_rotary(seq, x[0], x[0], x[1], NULL), "rotary rejects no descriptor");
    dfv_test_rejects(t, dfv_op_rotary(seq, x[0], x[0], x[2], &spatial), "rotary rejects a table one pixel short");
    dfv_test_rejects(t, dfv_op_rotary(seq, x[0], x[0], x[3], &spatial), "rotary rejects more pairs than dim/2");
    dfv_test_rejects(t, dfv_op_rotary(seq, x[0], x[0], x[4], &spatial), "rotary rejects a table without sin");
    dfv_test_rejects(t, dfv_op_rotary(seq, x[5], x[0], x[1], &spatial), "rotary rejects out of another shape");
    dfv_test_rejects(t, dfv_op_rotary(seq, x[0], x[0], x[1], &temporal), "rotary rejects frames past the table");
    dfv_rotary_desc wide = {3, 4, 0, false, 0}, odd = {2, 3, 0, false, 0}, shifted = {2, 4, 1, false, 0};
    dfv_test_rejects(t, dfv_op_rotary(seq, x[0], x[0], x[1], &wide), "rotary rejects heads past the channels");
    dfv_test_rejects(t, dfv_op_rotary(seq, x[0], x[0], x[1], &odd), "rotary rejects an odd head dim");
    dfv_test_rejects(t, dfv_op_rotary(seq, x[0], x[0], x[1], &shifted), "rotary rejects a range past the channels");
    dfv_rotary_desc spatial_pos0 = {2, 4, 0, false, 1};
    dfv_test_rejects(t, dfv_op_rotary(seq, x[0], x[0], x[1], &spatial_pos0), "rotary rejects pos0 when spatial");
}

int main(void)
{
    dfv_test t;
    if (!dfv_test_begin(&t, "rotary"))
        return dfv_test_end(&t);
    const rotary_case cases[] = {
        /* t, c, h, w, heads, dim_head, channel0, pairs, temporal, pos0, positions, in_place */
        {3, 192, 3, 4, 8, 16, 0, 8, false, 0, 0, true},    /* the tiny DiT's q and k, spatial */
        {3, 192, 3, 4, 8, 16, 0, 8, true, 0, 3, true},     /* ... temporal */
        {4, 192, 3, 4, 8, 16, 0, 8, true, 2, 9, true},     /* temporal, queries after cached frames */
        {2, 192, 6, 8, 8, 16, 0, 4, false, 0, 0, true},    /* the tiny VAE: the first half of each head */
        {2, 96, 5, 7, 2, 16, 32, 8, false, 0, 0, true},    /* k only, odd pixel count */
        {1, 24, 1, 1, 3, 8, 0, 1, false, 0, 0, false},     /* one pixel, out of place */
        {5, 64, 2, 9, 4, 16, 0, 6, true, 1, 7, false},     /* temporal out of place, partial pairs */
    };
    DFV_TEST_EACH_CASE(&t, test_case, cases);
    DFV_TEST_BAD_ARGUMENTS(&t, bad_arguments, bad_shapes);
    return dfv_test_end(&t);
}
