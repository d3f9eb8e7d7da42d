/* `dfview world` driven by input scripts in a real (Xvfb) window; every check reads the window's pixels
 * back from screenshots or decodes the files the viewer wrote:
 *   - input changes the picture, idling does not, the same script gives the same pixels, other actions
 *     give other pixels;
 *   - rewinding and branching: scrubbed-back frames are the recorded ones, a branch that repeats the
 *     original actions reproduces the original frames exactly, one with other actions does not; a click
 *     on the history bar jumps to the frame under it;
 *   - the HUD and the stability panel draw where they should when toggled;
 *   - F9 writes a clip with the right number of frames (also when the window closes while recording);
 *   - a bad bindings file is reported by line and its good lines and the defaults still work;
 *   - dropping a non-image file is refused with a message; no display gives a clear exit 1.
 * With --play MODEL it runs `dfview play` on a tiny model instead: determinism, actions changing frames,
 * rewinding and re-generating a branch with the same actions reproducing its frames, and F9.
 * A second model with the maze's actions adds the --ground-truth view.
 * Usage: test_viewer DFVIEW [--play MODEL [MAZE_MODEL]] (under xvfb-run; see with_xvfb.sh). */
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "decode_clip.h"

static const char *dfview;
static char dir[256];
/* The viewer command and its fixed options: `world --scale 4`, or `play --model ...`. */
static char subcommand[1024] = "world --scale 4";

/* Window geometry for --scale 4 on a 64-pixel world: 256 x 280. The frame's centre box avoids the HUD,
 * notices and the history bar. */
enum { WIN_W = 256, WIN_H = 280, BOX_X0 = 64, BOX_Y0 = 80, BOX_X1 = 192, BOX_Y1 = 200 };

typedef struct {
    int width, height;
    uint8_t *rgb;
} image;

static char *path_in(const char *name)
{
    static char paths[8][512];
    static int next;
    char *p = paths[next++ % 8];
    snprintf(p, 512, "%s/%s", dir, name);
    return p;
}

static void write_text(const char *path, const char *fmt, ...)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        exit(1);
    }
    va_list args;
    va_start(args, fmt);
    vfprintf(f, fmt, args);
    va_end(args);
    fclose(f);
}

static char *read_text(const char *path)
{
    static char text[1 << 16];
    text[0] = '\0';
    FILE *f = fopen(path, "r");
    if (!f) return text;
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    return text;
}

/* Runs dfview with a script (text) and extra arguments; stderr goes to <name>.err. Returns the exit code. */
static int run_script(const char *name, const char *env, const char *args, const char *script)
{
    char script_path[512], command[4096];
    snprintf(script_path, sizeof script_path, "%s/%s.script", dir, name);
    write_text(script_path, "%s", script);
    snprintf(command, sizeof command, "cd '%s' && %s '%s' %s --script '%s' --out-dir '%s/%s-out' %s 2> '%s/%s.err'", dir,
             env ? env : "", dfview, subcommand, script_path, dir, name, args ? args : "", dir, name);
    int status = system(command);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static image load(const char *name)
{
    image img = {0};
    decoded_clip clip;
    if (decode_clip(path_in(name), NULL, &clip) && clip.frame_count == 1) {
        img.width = clip.width;
        img.height = clip.height;
        img.rgb = clip.first;
        free(clip.last);
    } else {
        fprintf(stderr, "cannot read screenshot %s\n", name);
        decoded_clip_free(&clip);
    }
    return img;
}

/* Pixels that differ inside [x0,x1)×[y0,y1); -1 when either image is missing or sizes differ. */
static int differing(image a, image b, int x0, int y0, int x1, int y1)
{
    if (!a.rgb || !b.rgb || a.width != b.width || a.height != b.height) return -1;
    int n = 0;
    for (int y = y0; y < y1 && y < a.height; y++)
        for (int x = x0; x < x1 && x < a.width; x++) n += memcmp(a.rgb + (y * a.width + x) * 3, b.rgb + (y * a.width + x) * 3, 3) != 0;
    return n;
}

static int box_diff(image a, image b) { return differing(a, b, BOX_X0, BOX_Y0, BOX_X1, BOX_Y1); }
static int all_diff(image a, image b) { return differing(a, b, 0, 0, a.width, a.height); }

static int distinct_colors(image a, int x0, int y0, int x1, int y1)
{
    enum { MAX = 4096 };
    static uint32_t seen[MAX];
    int n = 0;
    for (int y = y0; y < y1 && y < a.height; y++)
        for (int x = x0; x < x1 && x < a.width; x++) {
            const uint8_t *p = a.rgb + (y * a.width + x) * 3;
            uint32_t c = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
            bool known = false;
            for (int k = 0; k < n; k++) known |= seen[k] == c;
            if (!known && n < MAX) seen[n++] = c;
        }
    return n;
}

static int check_input_and_determinism(void)
{
    int failures = 0;
    const char *moving = "0 tap H\n1 screenshot idle1.png\n3 screenshot idle3.png\n4 press W\n12 release W\n12 screenshot %s\n13 quit\n";
    char script[512];
    snprintf(script, sizeof script, moving, "moved.png");
    CHECK(failures, run_script("input1", NULL, NULL, script) == 0, "run failed: %s", read_text(path_in("input1.err")));
    snprintf(script, sizeof script, moving, "moved_again.png");
    CHECK(failures, run_script("input2", NULL, NULL, script) == 0, "run failed: %s", read_text(path_in("input2.err")));
    CHECK(failures, run_script("input3", NULL, NULL, "0 tap H\n4 press Left\n12 release Left\n12 screenshot turned.png\n13 quit\n") == 0,
          "run failed: %s", read_text(path_in("input3.err")));
    CHECK(failures, run_script("input4", NULL, NULL, "0 tap H\n4 press pad:lefty-\n12 release pad:lefty-\n12 screenshot pad.png\n13 quit\n") == 0,
          "run failed: %s", read_text(path_in("input4.err")));
    image idle1 = load("idle1.png"), idle3 = load("idle3.png"), moved = load("moved.png"), again = load("moved_again.png"),
          turned = load("turned.png"), pad = load("pad.png");
    CHECK(failures, all_diff(moved, pad) == 0, "the gamepad's left stick up did not walk like W (%d pixels differ)", all_diff(moved, pad));
    free(pad.rgb);
    CHECK(failures, idle1.width == WIN_W && idle1.height == WIN_H, "window is %dx%d, expected %dx%d", idle1.width, idle1.height, WIN_W, WIN_H);
    CHECK(failures, all_diff(idle1, idle3) == 0, "idling changed %d pixels", all_diff(idle1, idle3));
    CHECK(failures, box_diff(idle3, moved) > 1000, "holding W changed only %d centre pixels", box_diff(idle3, moved));
    CHECK(failures, all_diff(moved, again) == 0, "the same script gave %d different pixels", all_diff(moved, again));
    CHECK(failures, box_diff(moved, turned) > 1000, "W and Left gave nearly the same picture (%d pixels differ)", box_diff(moved, turned));
    free(idle1.rgb), free(idle3.rgb), free(moved.rgb), free(again.rgb), free(turned.rgb);
    return failures;
}

/* Ten frames (5 forward, 5 left), pause, scrub back to frame 5, branch with Left again (must reproduce
 * frames 6-10), pause, scrub back, branch with Right (must differ), then jump around with the bar. */
static int check_rewind_and_branch(void)
{
    int failures = 0;
    char script[4096] = "0 tap H\n0 press W\n5 release W\n5 press Left\n10 release Left\n10 tap P\n";
    size_t used = strlen(script);
    for (int t = 0; t < 10; t++) used += (size_t)snprintf(script + used, sizeof script - used, "%d screenshot o%d.png\n", t, t + 1);
    for (int t = 11; t <= 19; t += 2) used += (size_t)snprintf(script + used, sizeof script - used, "%d tap [\n", t);
    used += (size_t)snprintf(script + used, sizeof script - used, "20 screenshot back5.png\n21 press Left\n26 release Left\n26 tap P\n");
    for (int t = 21; t <= 25; t++) used += (size_t)snprintf(script + used, sizeof script - used, "%d screenshot b%d.png\n", t, t - 15);
    for (int t = 27; t <= 35; t += 2) used += (size_t)snprintf(script + used, sizeof script - used, "%d tap [\n", t);
    used += (size_t)snprintf(script + used, sizeof script - used, "36 press Right\n41 release Right\n41 tap P\n");
    for (int t = 36; t <= 40; t++) used += (size_t)snprintf(script + used, sizeof script - used, "%d screenshot c%d.png\n", t, t - 30);
    /* Bar clicks: far left of the track is the seed's index 0, far right the head (frame 10). */
    used += (size_t)snprintf(script + used, sizeof script - used,
                             "43 tap [\n45 screenshot c9_again.png\n46 click 254 %d\n47 screenshot c10_again.png\n48 quit\n",
                             WIN_H - 8);
    CHECK(failures, run_script("branch", NULL, NULL, script) == 0, "run failed: %s", read_text(path_in("branch.err")));
    const char *err = read_text(path_in("branch.err"));
    CHECK(failures, strstr(err, "21 frames in 3 branches") != NULL, "summary: %s", err);
    image original[11] = {{0}}, repeated[11] = {{0}}, other[11] = {{0}};
    char name[64];
    for (int f = 1; f <= 10; f++) {
        snprintf(name, sizeof name, "o%d.png", f);
        original[f] = load(name);
    }
    for (int f = 6; f <= 10; f++) {
        snprintf(name, sizeof name, "b%d.png", f);
        repeated[f] = load(name);
        snprintf(name, sizeof name, "c%d.png", f);
        other[f] = load(name);
    }
    image back5 = load("back5.png"), c9 = load("c9_again.png"), c10 = load("c10_again.png");
    CHECK(failures, box_diff(back5, original[5]) == 0, "scrubbed back to frame 5, the picture differs from frame 5");
    CHECK(failures, box_diff(back5, original[10]) > 0, "frame 5 and frame 10 look the same: the test shows nothing");
    for (int f = 6; f <= 10; f++) {
        CHECK(failures, box_diff(repeated[f], original[f]) == 0, "branch with the same actions: frame %d differs in %d pixels", f,
              box_diff(repeated[f], original[f]));
        CHECK(failures, box_diff(other[f], original[f]) > 500, "branch with other actions: frame %d differs in only %d pixels", f,
              box_diff(other[f], original[f]));
    }
    CHECK(failures, box_diff(c9, other[9]) == 0, "scrubbing back one frame on the new branch does not show its frame 9");
    CHECK(failures, box_diff(c10, other[10]) == 0, "a click at the end of the bar does not show the branch's head");
    for (int f = 0; f <= 10; f++) free(original[f].rgb), free(repeated[f].rgb), free(other[f].rgb);
    free(back5.rgb), free(c9.rgb), free(c10.rgb);
    return failures;
}

static int check_hud_and_panel(void)
{
    int failures = 0;
    const char *script = "2 tap P\n4 screenshot hud_on.png\n5 tap H\n7 screenshot hud_off.png\n8 tap T\n10 screenshot panel_on.png\n"
                         "11 tap T\n13 screenshot panel_off.png\n14 resize 400 300\n16 screenshot resized.png\n17 tap B\n"
                         "19 screenshot bilinear.png\n20 quit\n";
    CHECK(failures, run_script("panels", NULL, NULL, script) == 0, "run failed: %s", read_text(path_in("panels.err")));
    image on = load("hud_on.png"), off = load("hud_off.png"), panel = load("panel_on.png"), no_panel = load("panel_off.png");
    int hud_pixels = differing(on, off, 0, 0, WIN_W / 2, 40);
    CHECK(failures, hud_pixels > 300, "the HUD changed only %d pixels in the top-left corner", hud_pixels);
    CHECK(failures, differing(on, off, WIN_W / 2, WIN_H / 2, WIN_W, WIN_H - 40) == 0, "toggling the HUD changed the frame's lower right");
    int panel_pixels = differing(panel, off, 0, WIN_H / 2, WIN_W, WIN_H - 20);
    CHECK(failures, panel_pixels > 5000, "the panel changed only %d pixels in the lower half", panel_pixels);
    CHECK(failures, distinct_colors(panel, 0, WIN_H / 2 + 10, WIN_W, WIN_H - 20) >= 8, "the panel region has too few colours to hold plots");
    CHECK(failures, all_diff(no_panel, off) == 0, "hiding the panel did not restore the picture");
    /* Resized wider than tall: the square frame is centred with black bars left and right. */
    image resized = load("resized.png"), smooth = load("bilinear.png");
    CHECK(failures, resized.width == 400 && resized.height == 300, "resized window is %dx%d", resized.width, resized.height);
    if (resized.rgb && resized.width == 400) {
        int bar_pixels = 0, lit_centre = 0;
        for (int x = 0; x < 50; x++) bar_pixels += !memcmp(resized.rgb + (150 * 400 + x) * 3, "\0\0\0", 3) &&
                                                   !memcmp(resized.rgb + (150 * 400 + 399 - x) * 3, "\0\0\0", 3);
        for (int x = 150; x < 250; x++) lit_centre += memcmp(resized.rgb + (150 * 400 + x) * 3, "\0\0\0", 3) != 0;
        CHECK(failures, bar_pixels == 50 && lit_centre > 90, "aspect not kept: %d/50 black bar pixels, %d/100 lit centre pixels",
              bar_pixels, lit_centre);
        /* Bilinear scaling blends neighbours: more distinct colours in the frame than nearest. */
        CHECK(failures, distinct_colors(smooth, 120, 100, 280, 200) > distinct_colors(resized, 120, 100, 280, 200),
              "bilinear scaling shows no more colours than nearest");
    }
    free(on.rgb), free(off.rgb), free(panel.rgb), free(no_panel.rgb), free(resized.rgb), free(smooth.rgb);
    return failures;
}

/* The one clip a run wrote into its out dir, decoded; also returns the sidecar text. */
static int clip_frames(const char *name, char **sidecar)
{
    char command[1024], clip[512] = "";
    snprintf(command, sizeof command, "ls '%s/%s-out'/*.mp4 2>/dev/null", dir, name);
    FILE *p = popen(command, "r");
    if (p) {
        if (!fgets(clip, sizeof clip, p)) clip[0] = '\0';
        pclose(p);
    }
    clip[strcspn(clip, "\n")] = '\0';
    if (!clip[0]) return -1;
    char json[512];
    snprintf(json, sizeof json, "%.*s.json", (int)(strlen(clip) - 4), clip);
    *sidecar = read_text(json);
    decoded_clip decoded;
    if (!decode_clip(clip, NULL, &decoded)) return -2;
    int frames = decoded.width == 256 && decoded.height == 256 ? decoded.frame_count : -3;
    decoded_clip_free(&decoded);
    return frames;
}

static int check_recording(void)
{
    int failures = 0;
    char *sidecar = NULL;
    CHECK(failures, run_script("record", NULL, NULL, "0 tap H\n2 tap F9\n12 tap F9\n14 quit\n") == 0, "run failed: %s",
          read_text(path_in("record.err")));
    int frames = clip_frames("record", &sidecar);
    /* F9 at viewer frame 2 writes the branch so far (seed, frames 1 and 2), then frames 3..12: 13 frames. */
    CHECK(failures, frames == 13, "F9 clip holds %d frames, expected 13", frames);
    CHECK(failures, sidecar && strstr(sidecar, "\"frames\":\t13") && strstr(sidecar, "\"world\":\t\"maze\""), "sidecar: %s",
          sidecar ? sidecar : "(none)");
    CHECK(failures, strstr(read_text(path_in("record.err")), "recorded 13 frames to ") != NULL, "no message saying where the clip went");
    CHECK(failures, run_script("record_close", NULL, NULL, "0 tap H\n2 tap F9\n7 quit\n") == 0, "run failed: %s",
          read_text(path_in("record_close.err")));
    frames = clip_frames("record_close", &sidecar);
    CHECK(failures, frames == 8, "clip finalised at close holds %d frames, expected 8", frames);
    return failures;
}

static int check_bad_bindings(void)
{
    int failures = 0;
    char config[512];
    snprintf(config, sizeof config, "%s/config/dfview", dir);
    char command[600];
    snprintf(command, sizeof command, "mkdir -p '%s'", config);
    CHECK(failures, system(command) == 0, "mkdir failed");
    strncat(config, "/bindings.ini", sizeof config - strlen(config) - 1);
    write_text(config, "# test bindings\nforward = I\nturn_left = Bogus Key\n");
    char env[600];
    snprintf(env, sizeof env, "XDG_CONFIG_HOME='%s/config'", dir);
    const char *script = "0 tap H\n1 screenshot k0.png\n2 press I\n6 release I\n6 screenshot k1.png\n7 press W\n9 release W\n"
                         "9 screenshot k2.png\n10 press Left\n13 release Left\n13 screenshot k3.png\n14 quit\n";
    CHECK(failures, run_script("bindings", env, NULL, script) == 0, "run failed: %s", read_text(path_in("bindings.err")));
    const char *err = read_text(path_in("bindings.err"));
    CHECK(failures, strstr(err, "bindings.ini:3:") && strstr(err, "Bogus Key") && !strstr(err, "bindings.ini:2:"),
          "bad line not reported by number: %s", err);
    image k0 = load("k0.png"), k1 = load("k1.png"), k2 = load("k2.png"), k3 = load("k3.png");
    CHECK(failures, box_diff(k0, k1) > 1000, "the rebound key I did not move forward");
    CHECK(failures, all_diff(k1, k2) == 0, "W still moves after forward was rebound to I");
    CHECK(failures, box_diff(k2, k3) > 1000, "Left (default kept after the bad line) did not turn");
    free(k0.rgb), free(k1.rgb), free(k2.rgb), free(k3.rgb);
    return failures;
}

static int check_drops_and_failures(void)
{
    int failures = 0;
    write_text(path_in("notes.txt"), "this is not an image\n");
    char script[1200];
    snprintf(script, sizeof script, "1 drop %s\n2 screenshot after_drop.png\n3 drop %s\n4 tap .\n5 quit\n", path_in("notes.txt"),
             path_in("idle1.png"));
    CHECK(failures, run_script("drop", NULL, NULL, script) == 0, "run failed after drops: %s", read_text(path_in("drop.err")));
    const char *err = read_text(path_in("drop.err"));
    CHECK(failures, strstr(err, "dropped file refused") && strstr(err, "notes.txt"), "non-image drop not refused: %s", err);
    CHECK(failures, strstr(err, "not supported"), "image drop on a world not answered: %s", err);
    CHECK(failures, strstr(err, "no live settings"), "a knob key on a world not answered: %s", err);

    CHECK(failures, run_script("badscript", NULL, NULL, "1 press W\n2 fly away\n") != 0, "a bad script was accepted");
    CHECK(failures, strstr(read_text(path_in("badscript.err")), "badscript.script:2:") != NULL, "bad script line not named: %s",
          read_text(path_in("badscript.err")));

    int code = run_script("nodisplay", "env -u DISPLAY -u WAYLAND_DISPLAY -u SDL_VIDEODRIVER", "--exit-after 2", "");
    CHECK(failures, code == 1, "no display: exit %d", code);
    CHECK(failures, strstr(read_text(path_in("nodisplay.err")), "dfview render") != NULL, "no display: %s", read_text(path_in("nodisplay.err")));

    char args[600];
    snprintf(args, sizeof args, "--exit-after 20 --screenshot-every 5 '%s/every'", dir);
    CHECK(failures, run_script("every", NULL, args, "") == 0, "run failed: %s", read_text(path_in("every.err")));
    struct stat st;
    int present = 0;
    for (int t = 0; t < 25; t += 5) {
        char name[64];
        snprintf(name, sizeof name, "every/frame-%06d.png", t);
        present += stat(path_in(name), &st) == 0;
    }
    CHECK(failures, present == 4, "--screenshot-every 5 over 20 frames wrote %d of frames 0,5,10,15 (and not 20)", present);
    return failures;
}

static int check_voxel(void)
{
    int failures = 0;
    const char *script = "0 tap H\n2 screenshot v0.png\n3 press R\n8 release R\n8 screenshot v1.png\n9 quit\n";
    CHECK(failures, run_script("voxel", NULL, "--world voxel --seed 3", script) == 0, "run failed: %s", read_text(path_in("voxel.err")));
    image v0 = load("v0.png"), v1 = load("v1.png");
    CHECK(failures, box_diff(v0, v1) > 500, "looking up (R) in the voxel world changed only %d pixels", box_diff(v0, v1));
    free(v0.rgb), free(v1.rgb);
    return failures;
}

/* The model session through the viewer (8x8 frames at --scale 32: the same 256x280 window). */
static int check_play(void)
{
    int failures = 0;
    const char *with_w = "0 tap H\n0 press W\n6 release W\n6 screenshot %s\n7 quit\n";
    char script[512];
    snprintf(script, sizeof script, with_w, "pa.png");
    CHECK(failures, run_script("play_a", NULL, NULL, script) == 0, "run failed: %s", read_text(path_in("play_a.err")));
    snprintf(script, sizeof script, with_w, "pa_again.png");
    CHECK(failures, run_script("play_a2", NULL, NULL, script) == 0, "run failed: %s", read_text(path_in("play_a2.err")));
    CHECK(failures, run_script("play_b", NULL, NULL, "0 tap H\n6 screenshot pb.png\n7 quit\n") == 0, "run failed: %s",
          read_text(path_in("play_b.err")));
    image a = load("pa.png"), again = load("pa_again.png"), b = load("pb.png");
    CHECK(failures, all_diff(a, again) == 0, "the same script and seed gave %d different pixels", all_diff(a, again));
    CHECK(failures, box_diff(a, b) > 0, "holding W made no difference to the model's frames");
    free(a.rgb), free(again.rgb), free(b.rgb);

    /* Four frames with W, pause, back two, W again: the re-generated frames equal the first ones. */
    const char *rewind = "0 tap H\n0 press W\n4 release W\n4 tap P\n2 screenshot q3.png\n3 screenshot q4.png\n"
                         "5 tap [\n7 tap [\n8 press W\n10 release W\n10 tap P\n8 screenshot r3.png\n9 screenshot r4.png\n11 quit\n";
    CHECK(failures, run_script("play_rewind", NULL, NULL, rewind) == 0, "run failed: %s", read_text(path_in("play_rewind.err")));
    CHECK(failures, strstr(read_text(path_in("play_rewind.err")), "in 2 branches") != NULL, "no branch: %s",
          read_text(path_in("play_rewind.err")));
    image q3 = load("q3.png"), q4 = load("q4.png"), r3 = load("r3.png"), r4 = load("r4.png");
    CHECK(failures, box_diff(q3, q4) > 0, "consecutive model frames are identical: the test shows nothing");
    CHECK(failures, box_diff(q3, r3) == 0 && box_diff(q4, r4) == 0,
          "re-generating a branch with the same actions changed the frames (%d and %d pixels)", box_diff(q3, r3), box_diff(q4, r4));
    free(q3.rgb), free(q4.rgb), free(r3.rgb), free(r4.rgb);

    CHECK(failures, run_script("play_record", NULL, NULL, "0 tap H\n1 tap F9\n5 tap F9\n6 quit\n") == 0, "run failed: %s",
          read_text(path_in("play_record.err")));
    char *sidecar = NULL;
    int frames = clip_frames("play_record", &sidecar);
    /* F9 at viewer frame 1: the 2 seed frames and the first generated one, then 4 more. */
    CHECK(failures, frames == 7, "F9 clip of the model holds %d frames, expected 7", frames);
    CHECK(failures, sidecar && strstr(sidecar, "\"format\":\t\"dfview-render\""), "sidecar is not a render sidecar: %s",
          sidecar ? sidecar : "(none)");
    /* The recording replays through `dfview render --replay` to the same frames. */
    char command[4096], clip[512] = "";
    snprintf(command, sizeof command, "ls '%s'/play_record-out/*.mp4", dir);
    FILE *p = popen(command, "r");
    if (p && !fgets(clip, sizeof clip, p)) clip[0] = '\0';
    if (p) pclose(p);
    clip[strcspn(clip, "\n")] = '\0';
    snprintf(command, sizeof command, "'%s' render --quiet --replay '%.*s.json' --out '%s/replayed.mp4' 2> '%s/replay.err'", dfview,
             (int)strlen(clip) - 4, clip, dir, dir);
    CHECK(failures, clip[0] && system(command) == 0, "render --replay failed: %s", read_text(path_in("replay.err")));
    decoded_clip recorded, replayed;
    if (decode_clip(clip, NULL, &recorded) && decode_clip(path_in("replayed.mp4"), NULL, &replayed)) {
        double mean;
        int max;
        pixel_difference(recorded.last, replayed.last, recorded.width * recorded.height, &mean, &max);
        CHECK(failures, replayed.frame_count == recorded.frame_count && replayed.width == recorded.width && max == 0,
              "replay: %d frames %dx%d vs recorded %d %dx%d, last frames differ by up to %d", replayed.frame_count, replayed.width,
              replayed.height, recorded.frame_count, recorded.width, recorded.height, max);
        decoded_clip_free(&recorded), decoded_clip_free(&replayed);
    } else {
        CHECK(failures, false, "cannot decode the recording or its replay");
    }
    return failures;
}

/* --ground-truth with a maze-action model: 512x280, the model left, the simulator right. At the seed both
 * show the same frame; walking moves the simulator's view. */
static int check_ground_truth(const char *maze_model)
{
    int failures = 0;
    char args[1024];
    snprintf(args, sizeof args, "--ground-truth --seed world:maze:3");
    char saved[sizeof subcommand];
    strcpy(saved, subcommand);
    snprintf(subcommand, sizeof subcommand, "play --model '%s' --steps 2 --scale 32", maze_model);
    const char *script = "0 tap H\n0 tap P\n1 screenshot t0.png\n2 tap P\n2 press W\n8 release W\n8 tap P\n9 screenshot t1.png\n10 quit\n";
    CHECK(failures, run_script("truth", NULL, args, script) == 0, "run failed: %s", read_text(path_in("truth.err")));
    strcpy(subcommand, saved);
    image t0 = load("t0.png"), t1 = load("t1.png");
    CHECK(failures, t0.width == 512 && t0.height == 280, "ground-truth window is %dx%d, expected 512x280", t0.width, t0.height);
    if (t0.width == 512 && t1.width == 512) {
        int left_right = 0;
        for (int y = 60; y < 200; y++)
            left_right += memcmp(t0.rgb + (y * 512 + 40) * 3, t0.rgb + (y * 512 + 256 + 40) * 3, 176 * 3) != 0;
        CHECK(failures, left_right == 0, "at the seed, model and ground truth differ on %d rows", left_right);
        CHECK(failures, differing(t0, t1, 256 + 40, 60, 256 + 216, 200) > 0, "walking forward did not move the ground truth");
    }
    free(t0.rgb), free(t1.rgb);
    return failures;
}

static bool play_available(void)
{
    char command[4200], line[256];
    snprintf(command, sizeof command, "'%s' play --help 2>/dev/null", dfview);
    FILE *p = popen(command, "r");
    bool found = false;
    while (p && fgets(line, sizeof line, p)) found |= strstr(line, "model options") != NULL;
    if (p) pclose(p);
    return found;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test_viewer DFVIEW\n");
        return 2;
    }
    if (!getenv("DISPLAY")) {
        printf("SKIP: no X display (run under xvfb-run)\n");
        return 77;
    }
    static char dfview_path[4096];
    if (!realpath(argv[1], dfview_path)) {
        perror(argv[1]);
        return 1;
    }
    dfview = dfview_path;
    snprintf(dir, sizeof dir, "/tmp/dfview-test-viewer-XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    int failures = 0;
    if (argc >= 4 && !strcmp(argv[2], "--play")) {
        if (!play_available()) {
            printf("SKIP: this dfview has no model session yet (app/core/session.c)\n");
            rmdir(dir);
            return 77;
        }
        snprintf(subcommand, sizeof subcommand, "play --model '%s' --steps 4 --scale 32", argv[3]);
        failures = check_play();
        if (argc >= 5) failures += check_ground_truth(argv[4]);
    } else {
        failures = check_input_and_determinism() + check_rewind_and_branch() + check_hud_and_panel() + check_recording() +
                   check_bad_bindings() + check_drops_and_failures() + check_voxel();
    }
    if (failures) fprintf(stderr, "%d check(s) failed; files kept in %s\n", failures, dir);
    else {
        char command[300];
        snprintf(command, sizeof command, "rm -rf '%s'", dir);
        if (system(command) != 0) fprintf(stderr, "could not remove %s\n", dir);
    }
    return failures ? 1 : 0;
}
