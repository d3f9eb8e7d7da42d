/* `dfview world`: play a procedural world simulator itself in the viewer, with the same bindings, HUD,
 * history and recording as `dfview play` (a good way to see what the models learn). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "viewer.h"
#include "viewer_exit.h"
#include "viewer_options.h"
#include "world_source.h"

typedef struct {
    dfv_world_source_desc world;
    dfv_viewer_desc viewer;
} world_options;

static void usage(FILE *out)
{
    fprintf(out, "usage: dfview world --world maze|voxel [--seed S] [--size R] [window options]\n\n"
                 "  --world NAME  maze (DMLab-like) or voxel (Minecraft-like); default maze\n"
                 "  --seed S      world seed (default 1)\n"
                 "  --size R      frame size in pixels, 8..1024 (default 64)\n\n%s"
                 "\nKeys, bindings and the script format: docs/viewer.md.\n",
            dfv_viewer_options_help);
}

static bool parse_u64(const char *text, unsigned long long *out)
{
    errno = 0;
    char *end;
    if (!*text || *text == '-') return false;
    *out = strtoull(text, &end, 0);
    return !errno && end != text && !*end;
}

/* Returns -1 to go on, else the exit code (help or a bad option). */
static int parse(int argc, char **argv, world_options *o)
{
    o->world = (dfv_world_source_desc){.kind = DFV_WORLD_MAZE, .seed = 1, .size = 64};
    /* The simulators step a fixed distance per frame: 15 frames a second walks at a natural pace (and keeps
     * an idle session's history from growing at 60 frames a second). */
    o->viewer.max_rate = 15;
    o->viewer.clip_fps = 15;
    for (int i = 1; i < argc;) {
        char err[DFV_ERR_LEN];
        int used = dfv_viewer_parse_option(&o->viewer, argc, argv, i, err);
        if (used < 0) {
            fprintf(stderr, "dfview world: %s\n", err);
            return 2;
        }
        if (used > 0) {
            i += used;
            continue;
        }
        const char *opt = argv[i];
        if (!strcmp(opt, "--help") || !strcmp(opt, "-h")) {
            usage(stdout);
            return 0;
        }
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        unsigned long long number = 0;
        if (!strcmp(opt, "--world") && value && dfv_world_kind_from_name(value, &o->world.kind) == 0) {
        } else if (!strcmp(opt, "--seed") && value && parse_u64(value, &number)) {
            o->world.seed = number;
        } else if (!strcmp(opt, "--size") && value && parse_u64(value, &number) && number >= 8 && number <= 1024) {
            o->world.size = (int)number;
        } else {
            if (!strcmp(opt, "--world") || !strcmp(opt, "--seed") || !strcmp(opt, "--size"))
                fprintf(stderr, "dfview world: bad or missing value for %s%s%s (see --help)\n", opt, value ? ": " : "",
                        value ? value : "");
            else
                fprintf(stderr, "dfview world: unknown option '%s' (see --help)\n", opt);
            return 2;
        }
        i += 2;
    }
    return -1;
}

int dfv_cmd_world(int argc, char **argv)
{
    world_options o;
    memset(&o, 0, sizeof o);
    int code = parse(argc, argv, &o);
    if (code >= 0) return code;
    char err[DFV_ERR_LEN];
    dfv_frame_source *source = dfv_world_source_create(&o.world, err);
    if (!source) {
        fprintf(stderr, "dfview world: %s\n", err);
        return 1;
    }
    char settings[256];
    snprintf(settings, sizeof settings, "{\"world\": \"%s\", \"world_seed\": %llu, \"size\": %d}",
             dfv_world_kind_name(o.world.kind), (unsigned long long)o.world.seed, o.world.size);
    o.viewer.source = source;
    o.viewer.settings_json = settings;
    char summary[256];
    dfv_viewer_status status = dfv_viewer_run(&o.viewer, summary, sizeof summary, err);
    source->destroy(source->user);
    return dfv_cmd_viewer_exit("world", status, summary, err);
}
