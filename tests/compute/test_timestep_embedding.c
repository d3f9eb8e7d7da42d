/* The sinusoidal noise-level embedding against a double reference that, like the official network,
 * rounds the frequencies and the arguments to fp32 before taking cos/sin. Timesteps up to 1000 make the
 * arguments large, which is where GPU cos/sin lose accuracy. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "harness.h"

static void test_case(dfv_test *t, dfv_dtype dtype, int frames, int dim, const float *steps)
{
    size_t n = (size_t)frames * dim;
    float *ts = malloc((size_t)frames * sizeof *ts);
    double *ref = malloc(n * sizeof *ref);
    dfv_test_tensor tin = {0}, out = {0};
    dfv_seq *seq = NULL;
    if (!ts || !ref)
        goto done;
    for (int f = 0; f < frames; f++)
        ts[f] = steps ? steps[f] : (float)dfv_test_int(t, 0, 1000);
    int half = dim / 2;
    for (int f = 0; f < frames; f++)
        for (int j = 0; j < dim; j++) {
            int k = j < half ? j : j - half;
            float freq = (float)exp(-log(10000.0) * k / half);
            float arg = ts[f] * freq;
            ref[(size_t)f * dim + j] = j < half ? cos((double)arg) : sin((double)arg);
        }
    if (!dfv_test_input(t, DFV_F32, frames, 1, 1, 1, ts, &tin) || !dfv_test_output(t, dtype, frames, 1, 1, dim, &out) ||
        !(seq = dfv_test_seq(t)))
        goto done;
    char label[128];
    snprintf(label, sizeof label, "timestep_embedding %s T=%d dim=%d", dtype == DFV_F16 ? "f16" : "f32", frames, dim);
    /* fp32 cos/sin of arguments near 1000 rounded to fp32 frequencies: a few ulps of the argument. */
    dfv_tol tol = dfv_test_tol(dtype, DFV_TOL_REDUCTION);
    if (dfv_test_ok(t, dfv_op_timestep_embedding(seq, out.view, tin.view), label) &&
        dfv_test_ok(t, dfv_seq_submit(seq), label))
        dfv_test_check(t, label, &out, ref, tol);
done:
    dfv_seq_destroy(seq);
    dfv_test_tensor_free(t, &tin);
    dfv_test_tensor_free(t, &out);
    free(ts);
    free(ref);
}

int main(void)
{
    dfv_test t;
    if (!dfv_test_begin(&t, "timestep_embedding"))
        return dfv_test_end(&t);
    const float edges[4] = {0, 1, 999, 1000};
    for (int d = 0; d < 2; d++) {
        dfv_dtype dtype = d ? DFV_F16 : DFV_F32;
        if (!dfv_test_dtype_ok(&t, dtype))
            continue;
        test_case(&t, dtype, 4, 48, edges);
        test_case(&t, dtype, 1, 2, NULL);
        test_case(&t, dtype, 16, 64, NULL);
        test_case(&t, dtype, 7, 30, NULL);
    }
    dfv_test_tensor a = {0}, b = {0};
    dfv_seq *seq = NULL;
    float steps[3] = {1, 2, 3};
    if (dfv_test_input(&t, DFV_F32, 3, 1, 1, 1, steps, &a) && dfv_test_output(&t, DFV_F32, 3, 1, 1, 7, &b) &&
        (seq = dfv_test_seq(&t)))
        dfv_test_expect(&t, dfv_op_timestep_embedding(seq, b.view, a.view) == DFV_ERR_ARGUMENT,
                        "odd embedding dim fails: %s", dfv_ctx_error(t.ctx));
    dfv_seq_destroy(seq);
    dfv_test_tensor_free(&t, &a);
    dfv_test_tensor_free(&t, &b);
    return dfv_test_end(&t);
}
