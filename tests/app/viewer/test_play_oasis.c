/* `dfview play` on an Oasis model in an Xvfb window (the tiny converted golden checkpoints: 32×24 frames,
 * not square): driven by an input script it plays, F9 records a clip, the same script records the same
 * clip again, and `dfview render --replay` of the recording's sidecar makes the same frames, bit for bit.
 * Usage: test_play_oasis DFVIEW MODEL SEED_IMAGE (under xvfb-run; see with_xvfb.sh). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "decode_clip.h"

enum { SCALE = 8, FRAME_W = 32 * SCALE, FRAME_H = 24 * SCALE };

typedef struct {
    const char *dfview, *model, *seed;
    char dir[64];
} play_env;

static int run(const char *command)
{
    int status = system(command);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* Plays under `script`, recording into DIR/NAME-out; returns the exit code. */
static int play(const play_env *e, const char *name, const char *script)
{
    char path[256], command[4096];
    snprintf(path, sizeof path, "%s/%s.script", e->dir, name);
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    fputs(script, f);
    fclose(f);
    snprintf(command, sizeof command,
             "'%s' play --model '%s' --seed '%s' --steps 2 --window 3 --scale %d --script '%s' --out-dir '%s/%s-out' "
             "2> '%s/%s.err'", e->dfview, e->model, e->seed, SCALE, path, e->dir, name, e->dir, name);
    return run(command);
}

/* The recording's path without ".mp4" ("" when there is none). */
static void recording(const play_env *e, const char *name, char *stem, size_t size)
{
    char command[512];
    snprintf(command, sizeof command, "ls '%s/%s-out'/*.mp4 2>/dev/null", e->dir, name);
    FILE *p = popen(command, "r");
    stem[0] = '\0';
    if (p && !fgets(stem, (int)size, p)) stem[0] = '\0';
    if (p) pclose(p);
    stem[strcspn(stem, "\n")] = '\0';
    size_t n = strlen(stem);
    if (n > 4) stem[n - 4] = '\0';
}

/* Two clips hold the same frames: count, size, first and last frame exactly. */
static int same_clip(const char *a_path, const char *b_path, const char *what)
{
    int failures = 0;
    decoded_clip a, b;
    bool ok_a = decode_clip(a_path, NULL, &a), ok_b = ok_a && decode_clip(b_path, NULL, &b);
    CHECK(failures, ok_a && ok_b, "%s: cannot decode %s or %s", what, a_path, b_path);
    if (!ok_a || !ok_b) return failures;
    CHECK(failures, a.width == FRAME_W && a.height == FRAME_H, "%s: %dx%d, want %dx%d", what, a.width, a.height,
          FRAME_W, FRAME_H);
    CHECK(failures, a.frame_count == b.frame_count && a.width == b.width && a.height == b.height,
          "%s: %d frames %dx%d vs %d %dx%d", what, a.frame_count, a.width, a.height, b.frame_count, b.width, b.height);
    if (a.width == b.width && a.height == b.height) {
        double mean;
        int first, last;
        pixel_difference(a.first, b.first, a.width * a.height, &mean, &first);
        pixel_difference(a.last, b.last, a.width * a.height, &mean, &last);
        CHECK(failures, first == 0 && last == 0, "%s: first frames differ by up to %d, last by %d", what, first, last);
        pixel_difference(a.first, a.last, a.width * a.height, &mean, &last);
        CHECK(failures, last > 0, "%s: the clip's first and last frames are equal: the test shows nothing", what);
    }
    printf("%s: %d frames of %dx%d\n", what, a.frame_count, a.width, a.height);
    decoded_clip_free(&a), decoded_clip_free(&b);
    return failures;
}

static int check(const play_env *e)
{
    int failures = 0;
    /* F9 at viewer frame 1 writes the seed and the first generated frame, then records until F9 again. */
    const char *script = "0 tap H\n1 tap F9\n1 press W\n3 release W\n5 tap F9\n6 quit\n";
    char a[512], b[512], command[4096], replayed[600];
    CHECK(failures, play(e, "a", script) == 0, "play a failed (see %s/a.err)", e->dir);
    CHECK(failures, play(e, "b", script) == 0, "play b failed (see %s/b.err)", e->dir);
    recording(e, "a", a, sizeof a);
    recording(e, "b", b, sizeof b);
    CHECK(failures, a[0] && b[0], "no F9 recording in %s", e->dir);
    if (!a[0] || !b[0]) return failures;
    char clip_a[520], clip_b[520];
    snprintf(clip_a, sizeof clip_a, "%s.mp4", a);
    snprintf(clip_b, sizeof clip_b, "%s.mp4", b);
    failures += same_clip(clip_a, clip_b, "the same script, played twice");
    snprintf(replayed, sizeof replayed, "%s/replayed.mp4", e->dir);
    snprintf(command, sizeof command, "'%s' render --quiet --replay '%s.json' --out '%s' 2> '%s/replay.err'", e->dfview,
             a, replayed, e->dir);
    CHECK(failures, run(command) == 0, "render --replay failed (see %s/replay.err)", e->dir);
    failures += same_clip(clip_a, replayed, "the recording and its replay");
    return failures;
}

int main(int argc, char **argv)
{
    if (argc != 4) return fprintf(stderr, "usage: test_play_oasis DFVIEW MODEL SEED_IMAGE\n"), 2;
    if (!getenv("DISPLAY")) return printf("SKIP: no X display (run under xvfb-run)\n"), 77;
    static char paths[3][4096];
    for (int i = 0; i < 3; i++)
        if (!realpath(argv[i + 1], paths[i])) return perror(argv[i + 1]), 1;
    play_env e = {paths[0], paths[1], paths[2], "/tmp/dfview-test-play-oasis-XXXXXX"};
    if (!mkdtemp(e.dir)) return perror("mkdtemp"), 1;
    int failures = check(&e);
    if (failures) {
        fprintf(stderr, "%d check(s) failed; files kept in %s\n", failures, e.dir);
        return 1;
    }
    char command[128];
    snprintf(command, sizeof command, "rm -rf '%s'", e.dir);
    return run(command) == 0 ? 0 : 1;
}
