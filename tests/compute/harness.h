/* The op test harness: every op test checks the device against its own double-accumulating C reference.
 *
 * How an op test uses it (see tests/compute/test_add.c for a complete one):
 *
 *     int main(void)
 *     {
 *         dfv_test t;
 *         if (!dfv_test_begin(&t, "conv2d"))          // no device / no validation layer: skip (exit 77)
 *             return dfv_test_end(&t);
 *         for (int d = 0; d < 2; d++) {
 *             dfv_dtype dtype = d ? DFV_F16 : DFV_F32;
 *             if (!dfv_test_dtype_ok(&t, dtype))      // prints "SKIP ... (reason)"
 *                 continue;
 *             float *x = dfv_test_random(&t, n, -1, 1);
 *             dfv_test_tensor in, out;
 *             dfv_test_input(&t, dtype, T, C, H, W, x, &in);   // rounds x in place to what the device holds
 *             dfv_test_output(&t, dtype, T, C2, H2, W2, &out); // filled with NaN; guards around it
 *             dfv_seq *seq = dfv_test_seq(&t);
 *             if (dfv_test_ok(&t, dfv_op_conv2d(seq, out.view, in.view, ...), "conv2d") &&
 *                 dfv_test_ok(&t, dfv_seq_submit(seq), "submit"))
 *                 dfv_test_check(&t, label, &out, ref, dfv_test_tol(dtype, DFV_TOL_REDUCTION));
 *             ... free: dfv_seq_destroy, dfv_test_tensor_free, free()
 *         }
 *         return dfv_test_end(&t);                    // 0 pass, 1 fail, 77 when nothing could run
 *     }
 *
 * The reference is computed from the (rounded) host values in double. dfv_test_check downloads the whole
 * buffer, fails on a changed guard (an out-of-bounds write) and on NaN/Inf (an output element never
 * written stays NaN), then compares by normalised MSE = Σ(got − ref)² / Σ ref² and by max |got − ref|
 * (relative to max(1, max |ref|)). Thresholds from issue 2: NMSE ≤ 1e-10 for fp32 elementwise, ≤ 1e-7 for
 * fp32 reductions (conv, matmul, attention, norms), ≤ 5e-4 for fp16 storage.
 * Under DFVIEW_VALIDATE=1 (suite 'compute-validate') any validation message fails the test.
 * DFVIEW_TEST_SEED=N changes the random inputs (the seed is printed on failure). */
#ifndef DFV_TEST_HARNESS_H
#define DFV_TEST_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ops.h"

enum { dfv_test_exit_skip = 77 };

typedef struct {
    const char *name;
    dfv_ctx *ctx;
    uint64_t seed, rng;
    int passed, failed, skipped;
    bool validate;
} dfv_test;

typedef enum { DFV_TOL_ELEMENTWISE, DFV_TOL_REDUCTION } dfv_tol_kind;

typedef struct {
    double nmse;    /* normalised mean squared error */
    double max_abs; /* times max(1, max |ref|) */
} dfv_tol;

/* A tensor in its own device buffer with guard bytes planted before and after it. */
typedef struct {
    dfv_buffer *buf;
    dfv_tensor view;
    size_t guard_bytes; /* on each side */
} dfv_test_tensor;

/* Creates the context (DFVIEW_VALIDATE and DFVIEW_DEVICE respected). false: nothing can run; the reason
 * has been printed and dfv_test_end() returns 77. */
bool dfv_test_begin(dfv_test *t, const char *name);
/* Prints the summary, checks the validation-message count, destroys the context; returns the exit code. */
int dfv_test_end(dfv_test *t);

/* true when the device can run this dtype's variants; otherwise prints a SKIP line and counts it. */
bool dfv_test_dtype_ok(dfv_test *t, dfv_dtype dtype);
void dfv_test_skip(dfv_test *t, const char *what, const char *reason);
/* Records a failure with a printf-style message. */
void dfv_test_fail(dfv_test *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Records a pass or a failure; returns cond. */
bool dfv_test_expect(dfv_test *t, bool cond, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* status == DFV_OK, else a failure naming `what` and the context's error. */
bool dfv_test_ok(dfv_test *t, dfv_status status, const char *what);

/* Random numbers (xorshift64*, seeded per test name unless DFVIEW_TEST_SEED is set). */
float dfv_test_uniform(dfv_test *t, float lo, float hi);
int dfv_test_int(dfv_test *t, int lo, int hi); /* inclusive */
float *dfv_test_random(dfv_test *t, size_t n, float lo, float hi); /* malloc'd; NULL only on OOM */

/* IEEE half conversion, round to nearest even (subnormals, Inf and NaN kept). */
uint16_t dfv_test_f32_to_f16(float f);
float dfv_test_f16_to_f32(uint16_t h);
/* The value the device will hold for f in this dtype. */
float dfv_test_round(dfv_dtype dtype, float f);
void dfv_test_round_all(dfv_dtype dtype, float *values, size_t n);

/* Uploads host values (first rounded in place to the dtype) into a guarded tensor. */
bool dfv_test_input(dfv_test *t, dfv_dtype dtype, int tn, int c, int h, int w, float *host, dfv_test_tensor *out);
/* A guarded tensor whose elements are all NaN, so that any element the op fails to write is caught. */
bool dfv_test_output(dfv_test *t, dfv_dtype dtype, int tn, int c, int h, int w, dfv_test_tensor *out);
void dfv_test_tensor_free(dfv_test *t, dfv_test_tensor *x);
/* Downloads the tensor as floats and verifies both guards. */
bool dfv_test_download(dfv_test *t, const dfv_test_tensor *x, float *dst);

dfv_tol dfv_test_tol(dfv_dtype dtype, dfv_tol_kind kind);
/* Compares n values; prints one "ok"/"FAIL" line with the figures; true when within tolerance. */
bool dfv_test_compare(dfv_test *t, const char *label, const float *got, const double *ref, size_t n, dfv_tol tol);
/* Download + guards + NaN/Inf + compare against ref (dfv_tensor_count(x->view) values). */
bool dfv_test_check(dfv_test *t, const char *label, const dfv_test_tensor *x, const double *ref, dfv_tol tol);

/* A new sequence on the test's context (NULL after recording a failure). */
dfv_seq *dfv_test_seq(dfv_test *t);

#endif
