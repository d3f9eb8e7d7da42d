/* dfview-engine: the compute-only commands in a binary that links nothing but the engine (no SDL, no
 * FFmpeg), for GPU machines without a desktop stack. */
#include <stdio.h>
#include <string.h>

#include "commands.h"

int dfv_cmd_bench_rollout(int argc, char **argv)
{
    (void)argc, (void)argv;
    fprintf(stderr, "dfview-engine: rollout benchmarks need the full dfview binary\n");
    return 2;
}

static int eval_without_plot(int argc, char **argv) { return dfv_cmd_eval(argc, argv, NULL, NULL); }

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*run)(int, char **);
    } commands[] = {{"devices", dfv_cmd_devices}, {"bench-ops", dfv_cmd_bench_ops}, {"forward", dfv_cmd_forward},
                    {"encode", dfv_cmd_encode}, {"decode", dfv_cmd_decode}, {"info", dfv_cmd_info}, {"bench", dfv_cmd_bench}, {"eval", eval_without_plot}};
    for (size_t i = 0; argc >= 2 && i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name)) return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "usage: dfview-engine devices|bench-ops|forward|encode|decode|info|bench|eval [OPTIONS]\n");
    return 2;
}
