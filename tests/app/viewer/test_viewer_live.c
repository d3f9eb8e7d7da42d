/* The live loop with a slow frame source (200 ms a frame, like a model on a CPU): the window keeps its
 * 60 Hz pace while frames are generated on their own thread, and closing waits for the frame in flight.
 * Links the viewer directly with a fake source; runs under Xvfb (with_xvfb.sh). The window's own pixels
 * (periodic screenshots, read back from the renderer) must show frames the source produced, upscaled. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "decode_clip.h"
#include "generator.h"
#include "viewer.h"

enum { SIZE = 32, STEP_MS = 200, UI_FRAMES = 60, SCALE = 4, SHOT_EVERY = 15, MAX_FRAMES = 64 };

static const char *const names[] = {"none", "forward"};

typedef struct {
    dfv_frame_source source;
    uint8_t rgb[SIZE * SIZE * 3];
    int steps;
    uint8_t produced[MAX_FRAMES][SIZE * SIZE * 3]; /* every frame handed to the viewer, by step */
} slow_source;

/* A picture that differs at every pixel position and from step to step, so that a shifted, flipped,
 * stale or garbled display cannot match. */
static void paint(slow_source *s, int step)
{
    for (int y = 0; y < SIZE; y++)
        for (int x = 0; x < SIZE; x++) {
            uint8_t *p = s->rgb + (y * SIZE + x) * 3;
            p[0] = (uint8_t)(x * 7 + step * 29), p[1] = (uint8_t)(y * 7 + 3), p[2] = (uint8_t)((x ^ y) * 5 + step * 11);
        }
    if (step < MAX_FRAMES) memcpy(s->produced[step], s->rgb, sizeof s->rgb);
}

static int slow_seed(void *user, dfv_timeline *tl, char err[DFV_ERR_LEN])
{
    (void)err;
    slow_source *s = user;
    paint(s, 0);
    return dfv_timeline_append(tl, -1, s->rgb, NULL, NULL, 0);
}

static int slow_step(void *user, dfv_timeline *tl, int parent, const float *action, char err[DFV_ERR_LEN])
{
    (void)err;
    slow_source *s = user;
    struct timespec pause = {0, STEP_MS * 1000000L};
    nanosleep(&pause, NULL);
    paint(s, ++s->steps);
    return dfv_timeline_append(tl, parent, s->rgb, action, NULL, STEP_MS);
}

static int no_calls(void *user)
{
    (void)user;
    return 1;
}

static void nothing(void *user) { (void)user; }

/* The produced frame (index) whose nearest-neighbour upscale equals the screenshot in the lower part of
 * the frame's square (clear of the HUD's text), or -1. The frame spans the window's width and sits
 * somewhere above the history bar: every vertical offset is tried. */
static int frame_shown(const slow_source *s, const decoded_clip *shot)
{
    enum { SHOWN = SIZE * SCALE, TOP = SHOWN * 5 / 8, MARGIN = 4 };
    if (shot->width != SHOWN || shot->height < SHOWN) return -1;
    for (int oy = 0; oy <= shot->height - SHOWN; oy++)
        for (int k = 0; k <= s->steps && k < MAX_FRAMES; k++) {
            bool same = true;
            for (int y = TOP; y < SHOWN - MARGIN && same; y++)
                for (int x = MARGIN; x < SHOWN - MARGIN && same; x++)
                    same = !memcmp(shot->first + ((size_t)(y + oy) * shot->width + x) * 3,
                                   s->produced[k] + ((y / SCALE) * SIZE + x / SCALE) * 3, 3);
            if (same) return k;
        }
    return -1;
}

/* Every screenshot shows a produced frame, and later screenshots show later frames. */
static int check_pixels(const slow_source *s, const char *dir)
{
    int failures = 0, shots = 0, last = -1;
    struct dirent **names = NULL;
    int n = scandir(dir, &names, NULL, alphasort);
    for (int i = 0; i < n; i++) {
        if (strstr(names[i]->d_name, ".png")) {
            char path[512];
            snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name);
            decoded_clip shot;
            int k = decode_clip(path, NULL, &shot) ? frame_shown(s, &shot) : -2;
            CHECK(failures, k >= 0, "%s (%dx%d) shows no frame the source produced (%d)", path, shot.width, shot.height, k);
            CHECK(failures, k >= last, "%s shows frame %d after frame %d", path, k, last);
            printf("%s shows produced frame %d\n", names[i]->d_name, k);
            last = k > last ? k : last;
            shots++;
            decoded_clip_free(&shot);
        }
        free(names[i]);
    }
    free(names);
    CHECK(failures, shots >= 3 && last >= 1, "%d screenshots, the last showing frame %d", shots, last);
    return failures;
}

int main(void)
{
    int failures = 0;
    if (!getenv("DISPLAY")) {
        printf("SKIP: no X display (run under xvfb-run)\n");
        return 77;
    }
    slow_source s = {.source = {.name = "slow test source", .device_name = "test", .width = SIZE, .height = SIZE,
                                .action_dim = 2, .action_names = names, .action_kind = DFV_ACTIONS_ONE_HOT, .seed = slow_seed,
                                .step = slow_step, .calls_per_frame = no_calls, .destroy = nothing}};
    s.source.user = &s;
    char shots[] = "/tmp/dfv-viewer-live-XXXXXX";
    if (!mkdtemp(shots)) {
        perror("mkdtemp");
        return 1;
    }
    dfv_viewer_desc desc = {.source = &s.source, .scale = SCALE, .exit_after = UI_FRAMES, .bindings_path = "/nonexistent",
                            .screenshot_every = SHOT_EVERY, .screenshot_dir = shots};
    char summary[256], err[DFV_ERR_LEN];
    double start = dfv_now_ms();
    dfv_viewer_status status = dfv_viewer_run(&desc, summary, sizeof summary, err);
    double elapsed = dfv_now_ms() - start;
    CHECK(failures, status == DFV_VIEWER_OK, "viewer failed: %s", err);
    /* 60 UI frames at 60 Hz take about a second; blocking on each 200 ms frame would take 12 s (the bound
     * leaves room for a loaded machine). */
    CHECK(failures, elapsed < 8000, "%d UI frames took %.0f ms: the window waited for generation", UI_FRAMES, elapsed);
    CHECK(failures, s.steps >= 3 && s.steps <= UI_FRAMES * 16 / STEP_MS + 3,
          "%d frames generated in %.0f ms at %d ms each", s.steps, elapsed, STEP_MS);
    printf("%d UI frames in %.0f ms with %d frames generated (%s)\n", UI_FRAMES, elapsed, s.steps, summary);
    failures += check_pixels(&s, shots);
    char cleanup[600];
    snprintf(cleanup, sizeof cleanup, "rm -rf '%s'", shots);
    if (system(cleanup) != 0) fprintf(stderr, "could not remove %s\n", shots);
    if (failures) fprintf(stderr, "%d check(s) failed\n", failures);
    return failures ? 1 : 0;
}
