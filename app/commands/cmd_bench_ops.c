/* `dfview bench-ops`: times every operator present in the build at the DMLab network's shapes (each op's
 * dfv_bench_<op>, listed by the generated dfv_ops_list.h). */
#include <stdio.h>
#include <string.h>

#include "bench_ops.h"
#include "commands.h"

typedef struct {
    const char *name;
    dfv_status (*run)(dfv_ctx *ctx, FILE *out);
} dfv_op_bench;

static const dfv_op_bench dfv_op_benches[] = {
#define DFV_OP(op) {#op, dfv_bench_##op},
#include "dfv_ops_list.h"
#undef DFV_OP
};
static const int dfv_op_bench_count = (int)(sizeof dfv_op_benches / sizeof dfv_op_benches[0]);

static void dfv_bench_ops_usage(FILE *out)
{
    fprintf(out, "usage: dfview bench-ops [--op NAME]... [--list]\n"
                 "Times each operator at the DMLab network's shapes (window 16, 64x64, widths 48..384) and\n"
                 "prints microseconds per call and GFLOP/s or GB/s. Wall-clock per call with %d calls per\n"
                 "submit (barriers between them, as in a network); DFVIEW_DEVICE picks the device.\n",
            4);
    fprintf(out, "operators in this build:");
    for (int i = 0; i < dfv_op_bench_count; i++)
        fprintf(out, " %s", dfv_op_benches[i].name);
    fprintf(out, "\n");
}

static int dfv_find_op(const char *name)
{
    for (int i = 0; i < dfv_op_bench_count; i++)
        if (!strcmp(dfv_op_benches[i].name, name))
            return i;
    return -1;
}

int dfv_cmd_bench_ops(int argc, char **argv)
{
    bool selected[64] = {false};
    bool any_selected = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            dfv_bench_ops_usage(stdout);
            return 0;
        }
        if (!strcmp(argv[i], "--list")) {
            for (int k = 0; k < dfv_op_bench_count; k++)
                printf("%s\n", dfv_op_benches[k].name);
            return 0;
        }
        if (!strcmp(argv[i], "--op") && i + 1 < argc) {
            int k = dfv_find_op(argv[++i]);
            if (k < 0 || k >= 64) {
                fprintf(stderr, "dfview bench-ops: no operator '%s' in this build (see --list)\n", argv[i]);
                return 2;
            }
            selected[k] = any_selected = true;
            continue;
        }
        fprintf(stderr, "dfview bench-ops: unknown option '%s'\n", argv[i]);
        dfv_bench_ops_usage(stderr);
        return 2;
    }
    char err[DFV_ERR_LEN] = "";
    dfv_ctx *ctx = NULL;
    if (dfv_ctx_create(&(dfv_ctx_desc){0}, &ctx, err)) {
        fprintf(stderr, "dfview bench-ops: %s\n", err);
        return 1;
    }
    printf("device: %s (%s)\n", dfv_ctx_caps(ctx)->name, dfv_ctx_caps(ctx)->driver);
    printf("%-20s %-12s %-22s %15s %17s\n", "op", "variant", "shape (TxCxHxW)", "time/call", "rate");
    int failures = 0;
    for (int i = 0; i < dfv_op_bench_count; i++) {
        if (any_selected && !selected[i])
            continue;
        dfv_status s = dfv_op_benches[i].run(ctx, stdout);
        if (s) {
            fprintf(stderr, "dfview bench-ops: %s: %s\n", dfv_op_benches[i].name, dfv_ctx_error(ctx));
            failures++;
        }
    }
    dfv_ctx_destroy(ctx);
    return failures ? 1 : 0;
}
