/* Block copies against a direct reference: channel concatenation, frame appends (K/V cache), all four
 * dtype pairs, odd plane sizes whose blocks start at unaligned element offsets; untouched elements of
 * the destination must keep their values. */
#include <stdio.h>
#include <stdlib.h>

#include "harness.h"

typedef struct {
    int src_t, src_c, dst_t, dst_c, h, w;
    int dst_t0, dst_c0, src_t0, src_c0, t_n, c_n;
} copy_case;

static void test_case(dfv_test *t, dfv_dtype src_type, dfv_dtype dst_type, copy_case k)
{
    size_t hw = (size_t)k.h * k.w;
    size_t n_src = (size_t)k.src_t * k.src_c * hw, n_dst = (size_t)k.dst_t * k.dst_c * hw;
    float *src = dfv_test_random(t, n_src, -5, 5), *dst = dfv_test_random(t, n_dst, -5, 5);
    double *ref = malloc(n_dst * sizeof *ref);
    dfv_test_tensor ts = {0}, td = {0};
    dfv_seq *seq = NULL;
    if (!src || !dst || !ref || !dfv_test_input(t, src_type, k.src_t, k.src_c, k.h, k.w, src, &ts) ||
        !dfv_test_input(t, dst_type, k.dst_t, k.dst_c, k.h, k.w, dst, &td) || !(seq = dfv_test_seq(t)))
        goto done;
    for (size_t i = 0; i < n_dst; i++)
        ref[i] = dst[i];
    for (int tt = 0; tt < k.t_n; tt++)
        for (int c = 0; c < k.c_n; c++)
            for (size_t p = 0; p < hw; p++)
                ref[((size_t)(k.dst_t0 + tt) * k.dst_c + k.dst_c0 + c) * hw + p] =
                    dfv_test_round(dst_type, src[((size_t)(k.src_t0 + tt) * k.src_c + k.src_c0 + c) * hw + p]);
    char label[160];
    snprintf(label, sizeof label, "copy %s->%s %dx%d of {%d,%d,%d,%d} (%d,%d) -> {%d,%d} (%d,%d)",
             src_type == DFV_F16 ? "f16" : "f32", dst_type == DFV_F16 ? "f16" : "f32", k.t_n, k.c_n, k.src_t, k.src_c,
             k.h, k.w, k.src_t0, k.src_c0, k.dst_t, k.dst_c, k.dst_t0, k.dst_c0);
    /* Conversion to fp16 is exactly one rounding, so even then the result must match to fp32 precision. */
    if (dfv_test_ok(t, dfv_op_copy(seq, td.view, k.dst_t0, k.dst_c0, ts.view, k.src_t0, k.src_c0, k.t_n, k.c_n),
                    label) &&
        dfv_test_ok(t, dfv_seq_submit(seq), label))
        dfv_test_check(t, label, &td, ref, dfv_test_tol(DFV_F32, DFV_TOL_ELEMENTWISE));
done:
    dfv_seq_destroy(seq);
    dfv_test_tensor_free(t, &ts);
    dfv_test_tensor_free(t, &td);
    free(src);
    free(dst);
    free(ref);
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
    dfv_test_tensor a = {0}, b = {0};
    dfv_seq *seq = NULL;
    if (dfv_test_output(&t, DFV_F32, 2, 3, 4, 4, &a) && dfv_test_output(&t, DFV_F32, 2, 3, 4, 4, &b) &&
        (seq = dfv_test_seq(&t))) {
        dfv_test_expect(&t, dfv_op_copy(seq, b.view, 0, 1, a.view, 0, 0, 2, 3) == DFV_ERR_ARGUMENT,
                        "copy past the destination's channels fails: %s", dfv_ctx_error(t.ctx));
        dfv_test_expect(&t, dfv_op_copy(seq, b.view, 1, 0, a.view, 0, 0, 2, 1) == DFV_ERR_ARGUMENT,
                        "copy past the destination's frames fails: %s", dfv_ctx_error(t.ctx));
    }
    dfv_seq_destroy(seq);
    dfv_test_tensor_free(&t, &a);
    dfv_test_tensor_free(&t, &b);
    return dfv_test_end(&t);
}
