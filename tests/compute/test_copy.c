/* Block copies against a direct reference: channel concatenation, frame appends (K/V cache), all four
 * dtype pairs, odd plane sizes whose blocks start at unaligned element offsets; untouched elements of
 * the destination must keep their values. */
#include "harness.h"

typedef struct {
    int src_t, src_c, dst_t, dst_c, h, w;
    int dst_t0, dst_c0, src_t0, src_c0, t_n, c_n;
} copy_case;

/* dst with the block of src (rounded to dst_type) copied into it. */
static void copy_reference(const float *src, const float *dst, double *ref, dfv_dtype dst_type, const copy_case *k)
{
    size_t hw = (size_t)k->h * k->w, n_dst = (size_t)k->dst_t * k->dst_c * hw;
    for (size_t i = 0; i < n_dst; i++)
        ref[i] = dst[i];
    for (int tt = 0; tt < k->t_n; tt++)
        for (int c = 0; c < k->c_n; c++)
            for (size_t p = 0; p < hw; p++)
                ref[((size_t)(k->dst_t0 + tt) * k->dst_c + k->dst_c0 + c) * hw + p] =
                    dfv_test_round(dst_type, src[((size_t)(k->src_t0 + tt) * k->src_c + k->src_c0 + c) * hw + p]);
}

static void test_case(dfv_test *t, dfv_dtype src_type, dfv_dtype dst_type, copy_case k)
{
    size_t hw = (size_t)k.h * k.w;
    size_t n_src = (size_t)k.src_t * k.src_c * hw, n_dst = (size_t)k.dst_t * k.dst_c * hw;
    dfv_test_scope s = dfv_test_scope_open(t);
    float *src = dfv_test_scope_random(&s, n_src, -5, 5), *dst = dfv_test_scope_random(&s, n_dst, -5, 5);
    double *ref = dfv_test_scope_alloc(&s, n_dst, sizeof *ref);
    const dfv_test_tensor *ts = dfv_test_scope_input(&s, src_type, k.src_t, k.src_c, k.h, k.w, src);
    const dfv_test_tensor *td = dfv_test_scope_input(&s, dst_type, k.dst_t, k.dst_c, k.h, k.w, dst);
    dfv_seq *seq = dfv_test_scope_seq(&s);
    if (seq) {
        copy_reference(src, dst, ref, dst_type, &k);
        const char *label = dfv_test_scope_label(
            &s, "copy %s->%s %dx%d of {%d,%d,%d,%d} (%d,%d) -> {%d,%d} (%d,%d)", dfv_test_dtype_name(src_type),
            dfv_test_dtype_name(dst_type), k.t_n, k.c_n, k.src_t, k.src_c, k.h, k.w, k.src_t0, k.src_c0, k.dst_t,
            k.dst_c, k.dst_t0, k.dst_c0);
        /* Conversion to fp16 is exactly one rounding, so even then the result must match to fp32 precision. */
        dfv_status recorded =
            dfv_op_copy(seq, td->view, k.dst_t0, k.dst_c0, ts->view, k.src_t0, k.src_c0, k.t_n, k.c_n);
        dfv_test_scope_check(&s, recorded, label, td, ref, dfv_test_tol(DFV_F32, DFV_TOL_ELEMENTWISE));
    }
    dfv_test_scope_close(&s);
}

static const dfv_test_shape bad_shapes[] = {{2, 3, 4, 4}, {2, 3, 4, 4}}; /* src, dst */

static void bad_arguments(dfv_test *t, dfv_seq *seq, const dfv_tensor *x)
{
    dfv_test_rejects(t, dfv_op_copy(seq, x[1], 0, 1, x[0], 0, 0, 2, 3), "copy past the destination's channels fails");
    dfv_test_rejects(t, dfv_op_copy(seq, x[1], 1, 0, x[0], 0, 0, 2, 1), "copy past the destination's frames fails");
}

int main(void)
{
    dfv_test t;
    if (!dfv_test_begin(&t, "copy"))
        return dfv_test_end(&t);
    const copy_case cases[] = {
        /* concatenation: second half of the channels */
        {16, 5, 16, 12, 3, 5, 0, 7, 0, 0, 16, 5},
        /* a channel slice out of the middle, odd plane */
        {2, 9, 2, 4, 7, 3, 0, 1, 0, 3, 2, 3},
        /* K/V-cache append: 3 frames into frames 5..7 */
        {3, 6, 16, 6, 4, 4, 5, 0, 0, 0, 3, 6},
        /* planes of 8 and 4 elements: the vec4 path, with block starts off the 16-byte grid */
        {16, 5, 16, 12, 2, 4, 0, 7, 0, 0, 16, 5},
        {3, 7, 3, 9, 2, 2, 0, 3, 0, 1, 3, 5},
        /* a single element */
        {1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1},
        /* frames and channels offset on both sides, 1-wide planes (unaligned starts) */
        {4, 7, 5, 9, 1, 3, 1, 2, 1, 1, 3, 5},
    };
    const dfv_dtype pairs[4][2] = {{DFV_F32, DFV_F32}, {DFV_F16, DFV_F16}, {DFV_F32, DFV_F16}, {DFV_F16, DFV_F32}};
    for (int p = 0; p < 4; p++) {
        if ((pairs[p][0] == DFV_F16 || pairs[p][1] == DFV_F16) && !dfv_test_dtype_ok(&t, DFV_F16))
            continue;
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
            test_case(&t, pairs[p][0], pairs[p][1], cases[i]);
    }
    DFV_TEST_BAD_ARGUMENTS(&t, bad_arguments, bad_shapes);
    return dfv_test_end(&t);
}
