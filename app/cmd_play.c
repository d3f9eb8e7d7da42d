/* `dfview play` (and `dfview` with no command): steer a world model live in the viewer.
 *
 * The window options are the viewer's (viewer_options.h); every other argument goes to the model session
 * (app/session.c, the lead's), which parses --model, --seed, --steps, --stabilization, --schedule, ...
 * and returns a frame source. The session's functions are declared weak here so this command builds and
 * says "not built yet" until the session lands; the expected signatures are these: */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "viewer.h"
#include "viewer_options.h"
#include "window.h"

/* EXPECTED FROM app/session.c — the model session as a frame source. argv[0] is "play"; argv holds only
 * the non-window options. NULL with a one-line reason in err (bad model, bad seed, no Vulkan device).
 * A "--help" among the arguments: print the session's options to stdout and return NULL with err "". */
dfv_frame_source *dfv_session_source_create(int argc, char **argv, char *err, int err_len) __attribute__((weak));
/* Optional: the session's settings as a JSON object for recordings' sidecars (model file and hash, seed,
 * steps, stabilization, schedule, RNG seed), valid while the source lives. */
const char *dfv_session_source_settings_json(const dfv_frame_source *source) __attribute__((weak));
/* Optional: reseed from a dropped image or video (appends a new seed root, returns its id or -1). */
int dfv_session_source_reseed(void *user, dfv_timeline *tl, const char *path, char *err, int err_len) __attribute__((weak));
/* Optional: live knobs and a HUD line of the current settings, as in dfv_viewer_desc (user = source->user). */
bool dfv_session_source_adjust(void *user, dfv_knob knob, int direction, char *status, int status_len) __attribute__((weak));
void dfv_session_source_describe(void *user, char *line, int line_len) __attribute__((weak));

static void usage(FILE *out)
{
    fprintf(out, "usage: dfview play [--model M] [--seed S] [--steps N] [--stabilization L] [--schedule S] [window options]\n"
                 "       dfview            (the bundled default model and seed)\n\n%s"
                 "\nModel options are those of `dfview render`. Keys, bindings and the script format: docs/viewer.md.\n",
            dfv_viewer_options_help);
}

/* Splits argv into window options (into desc) and the rest (for the session). Returns -1 to go on, else
 * an exit code. */
static int split_arguments(int argc, char **argv, dfv_viewer_desc *desc, char **rest, int *rest_count, bool *help)
{
    rest[(*rest_count)++] = argv[0];
    for (int i = 1; i < argc;) {
        char err[256];
        int used = dfv_viewer_parse_option(desc, argc, argv, i, err, sizeof err);
        if (used < 0) {
            fprintf(stderr, "dfview play: %s\n", err);
            return 2;
        }
        if (used == 0) {
            if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) *help = true;
            rest[(*rest_count)++] = argv[i];
            used = 1;
        }
        i += used;
    }
    rest[*rest_count] = NULL;
    return -1;
}

static int play(dfv_viewer_desc *desc, int rest_count, char **rest, bool help)
{
    char err[512] = "";
    if (help) {
        usage(stdout);
        if (dfv_session_source_create) dfv_session_source_create(rest_count, rest, err, sizeof err);
        return 0;
    }
    if (!dfv_session_source_create) {
        fprintf(stderr, "dfview play: the model session is not built into this binary yet; "
                        "`dfview world --world maze` plays the simulator in the same viewer\n");
        return 1;
    }
    /* Fail before loading a model when no window can be shown. */
    if (!dfv_window_display_available(err, sizeof err)) return dfv_viewer_exit_code("play", DFV_VIEWER_NO_DISPLAY, NULL, err);
    dfv_frame_source *source = dfv_session_source_create(rest_count, rest, err, sizeof err);
    if (!source) {
        if (err[0]) fprintf(stderr, "dfview play: %s\n", err);
        return 1;
    }
    desc->source = source;
    desc->settings_json = dfv_session_source_settings_json ? dfv_session_source_settings_json(source) : NULL;
    if (dfv_session_source_reseed) {
        desc->reseed = dfv_session_source_reseed;
        desc->reseed_user = source->user;
    }
    if (dfv_session_source_adjust) desc->adjust = dfv_session_source_adjust, desc->adjust_user = source->user;
    if (dfv_session_source_describe) desc->describe = dfv_session_source_describe, desc->describe_user = source->user;
    char summary[256];
    dfv_viewer_status status = dfv_viewer_run(desc, summary, sizeof summary, err, sizeof err);
    source->destroy(source->user);
    return dfv_viewer_exit_code("play", status, summary, err);
}

int dfv_cmd_play(int argc, char **argv)
{
    dfv_viewer_desc desc;
    memset(&desc, 0, sizeof desc);
    char **rest = calloc((size_t)argc + 1, sizeof *rest);
    if (!rest) {
        fprintf(stderr, "dfview play: out of memory\n");
        return 1;
    }
    int rest_count = 0;
    bool help = false;
    int code = split_arguments(argc, argv, &desc, rest, &rest_count, &help);
    if (code < 0) code = play(&desc, rest_count, rest, help);
    free(rest);
    return code;
}
