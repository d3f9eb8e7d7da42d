/* Window options shared by the windowed commands; see viewer_options.h. */
#include "viewer_options.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char dfv_viewer_options_help[] =
    "window options:\n"
    "  --scale K                initial window size: frame size x K (default: about 512 pixels)\n"
    "  --script FILE            timed input events (docs/viewer.md); runs in lockstep, reproducibly\n"
    "  --exit-after N           quit after N viewer frames\n"
    "  --screenshot-every K DIR write what the window shows every K viewer frames to DIR/frame-NNNNNN.png\n"
    "  --bindings FILE          key bindings (default $XDG_CONFIG_HOME/dfview/bindings.ini)\n"
    "  --out-dir DIR            where F9 recordings and F12 screenshots go (default: current directory)\n"
    "  --fps F                  frame rate of F9 recordings (default 10)\n"
    "  --rate F                 generate at most F frames per second while playing live\n";

static bool parse_long(const char *text, long lo, long hi, long *out)
{
    errno = 0;
    char *end;
    long value = strtol(text, &end, 10);
    if (errno || end == text || *end || value < lo || value > hi) return false;
    *out = value;
    return true;
}

static int need(int argc, int i, int count, const char *option, char err[DFV_ERR_LEN])
{
    if (i + count < argc) return 0;
    dfv_error_set(err, "%s needs %s", option, count == 1 ? "a value" : "two values");
    return -1;
}

int dfv_viewer_parse_option(dfv_viewer_desc *d, int argc, char **argv, int i, char err[DFV_ERR_LEN])
{
    const char *opt = argv[i];
    long value = 0;
    err[0] = '\0';
    if (!strcmp(opt, "--scale")) {
        if (need(argc, i, 1, opt, err) || !parse_long(argv[i + 1], 1, 64, &value)) goto bad;
        d->scale = (int)value;
        return 2;
    }
    if (!strcmp(opt, "--exit-after")) {
        if (need(argc, i, 1, opt, err) || !parse_long(argv[i + 1], 1, 1L << 40, &value)) goto bad;
        d->exit_after = value;
        return 2;
    }
    if (!strcmp(opt, "--screenshot-every")) {
        if (need(argc, i, 2, opt, err) || !parse_long(argv[i + 1], 1, 1L << 30, &value)) goto bad;
        d->screenshot_every = (int)value;
        d->screenshot_dir = argv[i + 2];
        return 3;
    }
    if (!strcmp(opt, "--fps") || !strcmp(opt, "--rate")) {
        char *end;
        if (need(argc, i, 1, opt, err)) return -1;
        double fps = strtod(argv[i + 1], &end);
        if (end == argv[i + 1] || *end || !(fps > 0 && fps <= 240)) goto bad;
        *(!strcmp(opt, "--fps") ? &d->clip_fps : &d->max_rate) = fps;
        return 2;
    }
    const char **text_option = !strcmp(opt, "--script")     ? &d->script_path
                               : !strcmp(opt, "--bindings") ? &d->bindings_path
                               : !strcmp(opt, "--out-dir")  ? &d->output_dir
                                                            : NULL;
    if (!text_option) return 0;
    if (need(argc, i, 1, opt, err)) return -1;
    *text_option = argv[i + 1];
    return 2;
bad:
    if (!err[0])
        dfv_error_set(err, "bad value '%s' for %s", i + 1 < argc ? argv[i + 1] : "", opt);
    return -1;
}
