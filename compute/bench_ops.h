/* `dfview bench-ops`: each op file defines dfv_bench_<op>(), which times the op at the official DMLab
 * network's shapes and prints one line per case through dfv_bench_report(). The list of ops present in
 * the build comes from the generated dfv_ops_list.h. */
#ifndef DFV_BENCH_OPS_H
#define DFV_BENCH_OPS_H

#include <stdio.h>

#include "ops.h"

#define DFV_OP(name) dfv_status dfv_bench_##name(dfv_ctx *ctx, FILE *out);
#include "dfv_ops_list.h"
#undef DFV_OP

typedef struct {
    int t, c, h, w;
} dfv_bench_shape;

/* The DMLab network (dim 48, 64×64, window 16): the activation at each of its four resolutions. */
enum { dfv_bench_level_count = 4 };
extern const dfv_bench_shape dfv_bench_dmlab_levels[dfv_bench_level_count];

/* A device tensor of the shape, filled with a smooth deterministic pattern in [-2, 2]. */
dfv_status dfv_bench_tensor(dfv_ctx *ctx, dfv_dtype dtype, dfv_bench_shape shape, dfv_tensor *out);
void dfv_bench_tensor_free(dfv_ctx *ctx, dfv_tensor *x);

/* Records the op `repeats` times per sequence through record(seq, user), submits once to warm up, then
 * resubmits for about a quarter second; *us is the wall time per op (submit overhead shared by the
 * repeats, barriers between repeats included, as inside a network). */
typedef dfv_status (*dfv_bench_record_fn)(dfv_seq *seq, void *user);
dfv_status dfv_bench_time(dfv_ctx *ctx, dfv_bench_record_fn record, void *user, double *us);

/* One line: op, variant, shape, µs, and GFLOP/s or GB/s. */
void dfv_bench_report(FILE *out, const char *op, const char *variant, const char *shape, double us, double work,
                      bool is_bytes);
/* Times and reports in one call; on failure prints the error on the op's line and returns it. */
dfv_status dfv_bench_case(dfv_ctx *ctx, FILE *out, const char *op, const char *variant, const char *shape,
                          dfv_bench_record_fn record, void *user, double work, bool is_bytes);

/* A tensor's shape and dtype before it has a buffer (dfv_bench_run allocates it). */
static inline dfv_tensor dfv_bench_shaped(dfv_dtype dtype, dfv_bench_shape s)
{
    return (dfv_tensor){.dtype = dtype, .t = s.t, .c = s.c, .h = s.h, .w = s.w};
}

/* One case of an op's bench: its line's first three columns, the op recorded through record(seq, user),
 * the work of one op (FLOPs, or bytes moved with is_bytes), and the tensors it runs on, shaped (e.g. by
 * dfv_bench_shaped) but without buffers yet. */
enum { dfv_bench_max_tensors = 6 };
typedef struct {
    const char *op, *variant, *shape;
    dfv_bench_record_fn record;
    void *user;
    double work;
    bool is_bytes;
    dfv_tensor *tensors[dfv_bench_max_tensors]; /* the first NULL ends the list */
} dfv_bench_spec;

/* A whole case: gives each tensor a buffer of its shape filled as dfv_bench_tensor fills one, times and
 * reports the op (dfv_bench_case), frees the buffers. A case the device cannot run (DFV_ERR_UNSUPPORTED,
 * said on the op's line once it got that far) returns DFV_OK so that the bench goes on; other errors
 * return, their message in the context. */
dfv_status dfv_bench_run(dfv_ctx *ctx, FILE *out, const dfv_bench_spec *spec);

static inline const char *dfv_bench_dtype_name(dfv_dtype d) { return d == DFV_F16 ? "f16" : "f32"; }

#endif
