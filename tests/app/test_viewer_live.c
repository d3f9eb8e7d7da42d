/* The live loop with a slow frame source (200 ms a frame, like a model on a CPU): the window keeps its
 * 60 Hz pace while frames are generated on their own thread, and closing waits for the frame in flight.
 * Links the viewer directly with a fake source; runs under Xvfb (with_xvfb.sh). */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "generator.h"
#include "viewer.h"

enum { SIZE = 32, STEP_MS = 200, UI_FRAMES = 60 };

static const char *const names[] = {"none", "forward"};

typedef struct {
    dfv_frame_source source;
    uint8_t rgb[SIZE * SIZE * 3];
    int steps;
} slow_source;

static int slow_seed(void *user, dfv_timeline *tl)
{
    slow_source *s = user;
    memset(s->rgb, 40, sizeof s->rgb);
    return dfv_timeline_append(tl, -1, s->rgb, NULL, NULL, 0);
}

static int slow_step(void *user, dfv_timeline *tl, int parent, const float *action, char *err, int err_len)
{
    (void)err, (void)err_len;
    slow_source *s = user;
    struct timespec pause = {0, STEP_MS * 1000000L};
    nanosleep(&pause, NULL);
    memset(s->rgb, 40 + 20 * (++s->steps % 10), sizeof s->rgb);
    return dfv_timeline_append(tl, parent, s->rgb, action, NULL, STEP_MS);
}

static int no_calls(void *user)
{
    (void)user;
    return 1;
}

static void nothing(void *user) { (void)user; }

int main(void)
{
    int failures = 0;
    if (!getenv("DISPLAY")) {
        printf("SKIP: no X display (run under xvfb-run)\n");
        return 77;
    }
    slow_source s = {.source = {.name = "slow test source", .device_name = "test", .width = SIZE, .height = SIZE,
                                .action_dim = 2, .action_names = names, .multi_hot = false, .seed = slow_seed,
                                .step = slow_step, .calls_per_frame = no_calls, .destroy = nothing}};
    s.source.user = &s;
    dfv_viewer_desc desc = {.source = &s.source, .scale = 4, .exit_after = UI_FRAMES, .bindings_path = "/nonexistent"};
    char summary[256], err[512];
    double start = dfv_now_ms();
    dfv_viewer_status status = dfv_viewer_run(&desc, summary, sizeof summary, err, sizeof err);
    double elapsed = dfv_now_ms() - start;
    CHECK(failures, status == DFV_VIEWER_OK, "viewer failed: %s", err);
    /* 60 UI frames at 60 Hz take about a second; blocking on each 200 ms frame would take 12 s (the bound
     * leaves room for a loaded machine). */
    CHECK(failures, elapsed < 8000, "%d UI frames took %.0f ms: the window waited for generation", UI_FRAMES, elapsed);
    CHECK(failures, s.steps >= 3 && s.steps <= UI_FRAMES * 16 / STEP_MS + 3,
          "%d frames generated in %.0f ms at %d ms each", s.steps, elapsed, STEP_MS);
    printf("%d UI frames in %.0f ms with %d frames generated (%s)\n", UI_FRAMES, elapsed, s.steps, summary);
    if (failures) fprintf(stderr, "%d check(s) failed\n", failures);
    return failures ? 1 : 0;
}
