/* The sinusoidal noise-level embedding against a double reference that, like the official network,
 * rounds the frequencies and the arguments to fp32 before taking cos/sin. Timesteps up to 1000 make the
 * arguments large, which is where GPU cos/sin lose accuracy. */
#include <math.h>

#include "harness.h"

typedef struct {
    int frames, dim;
    const float *steps; /* NULL: random timesteps in 0..1000 */
} ts_case;

static void timestep_embedding_reference(const float *ts, double *ref, int frames, int dim)
{
    int half = dim / 2;
    for (int f = 0; f < frames; f++)
        for (int j = 0; j < dim; j++) {
            int k = j < half ? j : j - half;
            float freq = (float)exp(-log(10000.0) * k / half);
            float arg = ts[f] * freq;
            ref[(size_t)f * dim + j] = j < half ? cos((double)arg) : sin((double)arg);
        }
}

static void test_case(dfv_test *t, dfv_dtype dtype, const void *arg)
{
    const ts_case *k = arg;
    dfv_test_scope s = dfv_test_scope_open(t);
    float *ts = dfv_test_scope_alloc(&s, (size_t)k->frames, sizeof *ts);
    double *ref = dfv_test_scope_alloc(&s, (size_t)k->frames * k->dim, sizeof *ref);
    for (int f = 0; s.ok && f < k->frames; f++)
        ts[f] = k->steps ? k->steps[f] : (float)dfv_test_int(t, 0, 1000);
    const dfv_test_tensor *tin = dfv_test_scope_input(&s, DFV_F32, k->frames, 1, 1, 1, ts);
    const dfv_test_tensor *out = dfv_test_scope_output(&s, dtype, k->frames, 1, 1, k->dim);
    dfv_seq *seq = dfv_test_scope_seq(&s);
    if (seq) {
        timestep_embedding_reference(ts, ref, k->frames, k->dim);
        const char *label = dfv_test_scope_label(&s, "timestep_embedding %s T=%d dim=%d", dfv_test_dtype_name(dtype),
                                                 k->frames, k->dim);
        /* fp32 cos/sin of arguments near 1000 rounded to fp32 frequencies: a few ulps of the argument. */
        dfv_test_scope_check(&s, dfv_op_timestep_embedding(seq, out->view, tin->view), label, out, ref,
                             dfv_test_tol(dtype, DFV_TOL_REDUCTION));
    }
    dfv_test_scope_close(&s);
}

static const dfv_test_shape bad_shapes[] = {{3, 1, 1, 1}, {3, 1, 1, 7}}; /* timesteps, out */

static void bad_arguments(dfv_test *t, dfv_seq *seq, const dfv_tensor *x)
{
    dfv_test_rejects(t, dfv_op_timestep_embedding(seq, x[1], x[0]), "odd embedding dim fails");
}

int main(void)
{
    dfv_test t;
    if (!dfv_test_begin(&t, "timestep_embedding"))
        return dfv_test_end(&t);
    const float edges[4] = {0, 1, 999, 1000};
    const ts_case cases[] = {{4, 48, edges}, {1, 2, NULL}, {16, 64, NULL}, {7, 30, NULL}};
    DFV_TEST_EACH_CASE(&t, test_case, cases);
    DFV_TEST_BAD_ARGUMENTS(&t, bad_arguments, bad_shapes);
    return dfv_test_end(&t);
}
