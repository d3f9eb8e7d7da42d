/* dfview: one binary, one subcommand per front end; all drive the same session -> sampler -> network path. */
#include <stdio.h>
#include <string.h>

#include <libavutil/log.h>

#include "commands.h"
#include "media_hooks.h"

static int eval_with_plot(int argc, char **argv) { return dfv_cmd_eval(argc, argv, dfv_media_write_png, dfv_media_load_seed); }

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} dfv_command;

static const dfv_command dfv_commands[] = {
    {"play", dfv_cmd_play, "steer a world model live in a window (default)"},
    {"render", dfv_cmd_render, "roll a model out headless and write a clip"},
    {"info", dfv_cmd_info, "print a model's card"},
    {"forward", dfv_cmd_forward, "one network call on .npy input"},
    {"encode", dfv_cmd_encode, "an Oasis model's VAE encoder on .npy images"},
    {"decode", dfv_cmd_decode, "an Oasis model's VAE decoder on .npy latents"},
    {"bench", dfv_cmd_bench, "time network calls or whole rollouts"},
    {"bench-ops", dfv_cmd_bench_ops, "time every operator at the DMLab network's shapes"},
    {"devices", dfv_cmd_devices, "list Vulkan devices and their capabilities"},
    {"dataset", dfv_cmd_dataset, "write action-labelled video from a procedural world"},
    {"world", dfv_cmd_world, "play a procedural world itself"},
    {"eval", eval_with_plot, "compare a model's rollouts with the world's ground truth"},
};

static void print_usage(FILE *out)
{
    fprintf(out, "usage: dfview [COMMAND] [OPTIONS]   (no command = play)\n\ncommands:\n");
    for (size_t i = 0; i < sizeof dfv_commands / sizeof dfv_commands[0]; i++)
        fprintf(out, "  %-10s %s\n", dfv_commands[i].name, dfv_commands[i].summary);
    fprintf(out, "\n'dfview COMMAND --help' describes a command's options.\n");
}

int main(int argc, char **argv)
{
    av_log_set_level(AV_LOG_FATAL); /* dfview reports failures itself, in one line; FFmpeg's own logs are noise */
    if (argc < 2 || argv[1][0] == '-') {
        if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
            print_usage(stdout);
            return 0;
        }
        /* Options without a command belong to play: shift so play sees itself as argv[0]. */
        argv[0] = "play";
        return dfv_cmd_play(argc, argv);
    }
    for (size_t i = 0; i < sizeof dfv_commands / sizeof dfv_commands[0]; i++)
        if (!strcmp(argv[1], dfv_commands[i].name))
            return dfv_commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "dfview: unknown command '%s'\n", argv[1]);
    print_usage(stderr);
    return 2;
}
