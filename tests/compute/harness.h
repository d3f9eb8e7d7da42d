/* The op test harness: every op test checks the device against its own double-accumulating C reference.
 *
 * How an op test uses it (see tests/compute/test_add.c for a complete one): a scope owns everything one
 * case makes (host arrays, guarded tensors, the sequence) and frees it all at the end; a failed allocation
 * records a failure, and from then on the scope makes nothing more and dfv_test_scope_seq() returns NULL.
 *
 *     static void test_case(dfv_test *t, dfv_dtype dtype, const void *arg)
 *     {
 *         const conv_case *c = arg;
 *         dfv_test_scope s = dfv_test_scope_open(t);
 *         float *x = dfv_test_scope_random(&s, n, -1, 1);
 *         double *ref = dfv_test_scope_alloc(&s, n_out, sizeof *ref);
 *         const dfv_test_tensor *in = dfv_test_scope_input(&s, dtype, T, C, H, W, x);    // rounds x in place
 *         const dfv_test_tensor *out = dfv_test_scope_output(&s, dtype, T, C2, H2, W2); // NaN; guarded
 *         dfv_seq *seq = dfv_test_scope_seq(&s);
 *         if (seq) {
 *             conv2d_reference(x, ..., ref); // from the rounded host values
 *             const char *label = dfv_test_scope_label(&s, "conv2d %s ...", dfv_test_dtype_name(dtype), ...);
 *             dfv_test_scope_check(&s, dfv_op_conv2d(seq, out->view, in->view, ...), label, out, ref,
 *                                  dfv_test_tol(dtype, DFV_TOL_REDUCTION)); // op ok, submit, compare
 *         }
 *         dfv_test_scope_close(&s);
 *     }
 *
 * Bad arguments: a table of shapes, and a function of the fp32 tensors made with them in which every op
 * call must return DFV_ERR_ARGUMENT:
 *
 *     static const dfv_test_shape bad_shapes[] = {{2, 4, 6, 6}, {3, 4, 3, 3}, {2, 3, 6, 6}}; // in, weight, out
 *     static void bad_arguments(dfv_test *t, dfv_seq *seq, const dfv_tensor *x)
 *     {
 *         dfv_test_rejects(t, dfv_op_conv2d(seq, x[2], x[0], x[1], NULL, 0, 1), "conv2d rejects stride 0");
 *     }
 *
 *     int main(void)
 *     {
 *         dfv_test t;
 *         if (!dfv_test_begin(&t, "conv2d"))   // no device / no validation layer: skip (exit 77)
 *             return dfv_test_end(&t);
 *         DFV_TEST_EACH_CASE(&t, test_case, cases); // each case in fp32, then in fp16 where the device has it
 *         DFV_TEST_BAD_ARGUMENTS(&t, bad_arguments, bad_shapes);
 *         return dfv_test_end(&t);             // 0 pass, 1 fail, 77 when nothing could run
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

/* "f16" or "f32", for labels. */
const char *dfv_test_dtype_name(dfv_dtype dtype);
/* status == DFV_ERR_ARGUMENT, reported as "<what>: <the context's error>". */
bool dfv_test_rejects(dfv_test *t, dfv_status status, const char *what);

typedef struct {
    int t, c, h, w;
} dfv_test_shape;
/* Records op calls on seq with (variants of) the tensors x, each checked with dfv_test_rejects. */
typedef void dfv_test_reject_fn(dfv_test *t, dfv_seq *seq, const dfv_tensor *x);
/* Bad arguments: makes a guarded fp32 tensor of each of the count shapes (x[i] has shapes[i]; NaN, as
 * no call may run) and a sequence, calls fn, frees them all. */
void dfv_test_bad_arguments(dfv_test *t, dfv_test_reject_fn *fn, const dfv_test_shape *shapes, size_t count);
#define DFV_TEST_BAD_ARGUMENTS(t, fn, shapes) \
    dfv_test_bad_arguments((t), (fn), (shapes), sizeof(shapes) / sizeof((shapes)[0]))

/* One case of an op test, cases[i] of a table. */
typedef void dfv_test_case_fn(dfv_test *t, dfv_dtype dtype, const void *test_case);
/* Runs fn on each of count cases (size bytes apart) in fp32, then again in fp16 unless the device lacks it. */
void dfv_test_each_case(dfv_test *t, dfv_test_case_fn *fn, const void *cases, size_t count, size_t size);
#define DFV_TEST_EACH_CASE(t, fn, cases) \
    dfv_test_each_case((t), (fn), (cases), sizeof(cases) / sizeof((cases)[0]), sizeof((cases)[0]))

enum { dfv_test_scope_tensors = 8, dfv_test_scope_blocks = 8, dfv_test_label_len = 256 };

/* Owns what one case makes; see the top of this file. */
typedef struct {
    dfv_test *t;
    bool ok; /* everything made so far was made */
    dfv_seq *seq;
    int n_tensors, n_blocks;
    dfv_test_tensor tensors[dfv_test_scope_tensors];
    void *blocks[dfv_test_scope_blocks];
    char label[dfv_test_label_len];
} dfv_test_scope;

dfv_test_scope dfv_test_scope_open(dfv_test *t);
/* Destroys the sequence, the tensors and the host arrays. */
void dfv_test_scope_close(dfv_test_scope *s);
/* Zeroed host memory for n elements of size bytes; NULL (a failure recorded) when out of memory. */
void *dfv_test_scope_alloc(dfv_test_scope *s, size_t n, size_t size);
/* dfv_test_random, owned by the scope. */
float *dfv_test_scope_random(dfv_test_scope *s, size_t n, float lo, float hi);
/* dfv_test_input / dfv_test_output, owned by the scope. Never NULL: after a failure (or with host NULL) an
 * empty tensor, and the scope is no longer ok. */
const dfv_test_tensor *dfv_test_scope_input(dfv_test_scope *s, dfv_dtype dtype, int tn, int c, int h, int w,
                                            float *host);
const dfv_test_tensor *dfv_test_scope_output(dfv_test_scope *s, dfv_dtype dtype, int tn, int c, int h, int w);
/* The scope's sequence, made on first use; NULL when anything in the scope failed. */
dfv_seq *dfv_test_scope_seq(dfv_test_scope *s);
/* printf into the scope's label buffer. */
const char *dfv_test_scope_label(dfv_test_scope *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* recorded (the op's status) is DFV_OK and the scope's sequence submits; failures name label. */
bool dfv_test_scope_submit(dfv_test_scope *s, dfv_status recorded, const char *label);
/* dfv_test_scope_submit, then dfv_test_check of result against ref. */
bool dfv_test_scope_check(dfv_test_scope *s, dfv_status recorded, const char *label, const dfv_test_tensor *result,
                          const double *ref, dfv_tol tol);

#endif
