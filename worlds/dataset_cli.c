#include "dataset_cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "dataset.h"

static void usage(FILE *out, const char *name)
{
    fprintf(out,
            "usage: %s --world maze|voxel --episodes N --frames L --size R --seed S --out DIR\n"
            "       [--threads K] [--shard-episodes E] [--quiet]\n"
            "       %s ... --out -   (stream to stdout; --episodes 0 streams until the reader stops)\n\n"
            "Writes DIR/manifest.json and shards DIR/shard_NNNN_frames.npy (uint8 N,L,R,R,3) and\n"
            "DIR/shard_NNNN_actions.npy (float32 N,L,A). Episode e uses world seed S+e; actions[t] led to\n"
            "frame t (actions[0] is idle). --threads 0 (default) uses every CPU; --shard-episodes 0 (default)\n"
            "puts about 256 MiB of frames in each shard. The stream is one JSON header line, then per episode\n"
            "uint8 frames (L,R,R,3) and float32 actions (L,A); worlds/dataset.h has the details.\n",
            name, name);
}

static int parse_int(const char *name, const char *text, long long lo, long long hi, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno || end == text || *end || v < lo || v > hi) {
        fprintf(stderr, "dataset: %s expects an integer in %lld..%lld, got '%s'\n", name, lo, hi, text);
        return -1;
    }
    *out = v;
    return 0;
}

static int parse_seed(const char *text, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno || end == text || *end || text[0] == '-') {
        fprintf(stderr, "dataset: --seed expects a non-negative integer, got '%s'\n", text);
        return -1;
    }
    *out = v;
    return 0;
}

/* Fills desc from argv; -1 on a bad argument (message printed), 1 when help was asked for. */
static int parse(int argc, char **argv, dfv_dataset_desc *desc)
{
    int have_world = 0, have_episodes = 0;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) return 1;
        if (!strcmp(arg, "--quiet")) {
            desc->progress = 0;
            continue;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "dataset: %s needs a value (or is unknown); see --help\n", arg);
            return -1;
        }
        const char *value = argv[++i];
        long long v = 0;
        if (!strcmp(arg, "--world")) {
            if (dfv_world_kind_from_name(value, &desc->kind)) {
                char kinds[128];
                dfv_world_kind_list(" or ", kinds, sizeof kinds);
                fprintf(stderr, "dataset: unknown world '%s' (%s)\n", value, kinds);
                return -1;
            }
            have_world = 1;
        } else if (!strcmp(arg, "--out")) {
            desc->out_dir = value;
        } else if (!strcmp(arg, "--seed")) {
            if (parse_seed(value, &desc->seed)) return -1;
        } else if (!strcmp(arg, "--episodes")) {
            if (parse_int(arg, value, 0, 100000000, &v)) return -1;
            desc->episodes = (int)v;
            have_episodes = 1;
        } else if (!strcmp(arg, "--frames")) {
            if (parse_int(arg, value, 1, 1000000, &v)) return -1;
            desc->frames = (int)v;
        } else if (!strcmp(arg, "--size")) {
            if (parse_int(arg, value, 8, 1024, &v)) return -1;
            desc->size = (int)v;
        } else if (!strcmp(arg, "--threads")) {
            if (parse_int(arg, value, 0, 256, &v)) return -1;
            desc->threads = (int)v;
        } else if (!strcmp(arg, "--shard-episodes")) {
            if (parse_int(arg, value, 0, 100000000, &v)) return -1;
            desc->shard_episodes = (int)v;
        } else {
            fprintf(stderr, "dataset: unknown option '%s'; see --help\n", arg);
            return -1;
        }
    }
    const char *missing = !have_world ? "--world" : !have_episodes ? "--episodes" : !desc->frames ? "--frames"
                          : !desc->size ? "--size" : !desc->out_dir ? "--out" : NULL;
    if (missing) {
        fprintf(stderr, "dataset: %s is required; see --help\n", missing);
        return -1;
    }
    if (desc->episodes == 0 && strcmp(desc->out_dir, "-")) {
        fprintf(stderr, "dataset: --episodes 0 (endless) needs --out - (a stream)\n");
        return -1;
    }
    return 0;
}

static int stream_to_stdout(const dfv_dataset_desc *desc)
{
    signal(SIGPIPE, SIG_IGN); /* a reader that stops reading ends the stream; it is not an error */
    char err[DFV_ERR_LEN];
    dfv_dataset_stats stats;
    if (dfv_dataset_stream(desc, STDOUT_FILENO, &stats, err)) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    if (desc->progress)
        fprintf(stderr, "dataset: streamed %lld frames in %.2f s\n", (long long)stats.frames, stats.seconds);
    return 0;
}

int dfv_dataset_cli(int argc, char **argv)
{
    dfv_dataset_desc desc = {.progress = 1};
    int parsed = parse(argc, argv, &desc);
    if (parsed == 1) {
        usage(stdout, argv[0]);
        return 0;
    }
    if (parsed) return 2;
    if (!strcmp(desc.out_dir, "-")) return stream_to_stdout(&desc);
    char err[DFV_ERR_LEN];
    dfv_dataset_stats stats;
    if (dfv_dataset_write(&desc, &stats, err)) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    fprintf(stderr, "dataset: %lld frames in %d shard(s) to %s in %.2f s (%.0f frames/s)\n", (long long)stats.frames,
            stats.shards, desc.out_dir, stats.seconds, stats.seconds > 0 ? (double)stats.frames / stats.seconds : 0.0);
    return 0;
}
