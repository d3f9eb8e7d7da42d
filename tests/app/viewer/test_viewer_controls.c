/* Minecraft controls on a source with Oasis-500M's 25 actions (open-oasis ACTION_KEYS), in a real (Xvfb)
 * window driven by an input script: keys make multi-hot vectors, a click turns mouse-look on, mouse
 * motion gathered over a frame becomes cameraX/cameraY (scaled by the bindings file's sensitivity, clamped
 * to [-1, 1]), mouse buttons are actions while the mouse is captured, Escape releases it (instead of
 * quitting), and the gamepad's right stick turns the camera too. A fake source records the action of
 * every frame it is asked for; scripted runs go in lockstep, so viewer frame t asks for frame t + 1. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "viewer.h"

enum { SIZE = 32, ACTIONS = 25, MAX_STEPS = 64 };
enum { ESC = 1, HOTBAR_3 = 4, FORWARD = 11, LEFT = 13, CAMERA_X = 15, CAMERA_Y = 16, JUMP = 17, SNEAK = 18,
       ATTACK = 21, USE = 22, INVENTORY = 0 };

static const char *const oasis_names[ACTIONS] = {
    "inventory", "ESC", "hotbar.1", "hotbar.2", "hotbar.3", "hotbar.4", "hotbar.5", "hotbar.6", "hotbar.7",
    "hotbar.8", "hotbar.9", "forward", "back", "left", "right", "cameraX", "cameraY", "jump", "sneak", "sprint",
    "swapHands", "attack", "use", "pickItem", "drop"};

typedef struct {
    uint8_t rgb[SIZE * SIZE * 3];
    int steps;
    float actions[MAX_STEPS][ACTIONS];
} recording_source;

static int fake_seed(void *user, dfv_timeline *tl, char err[DFV_ERR_LEN])
{
    (void)err;
    recording_source *s = user;
    return dfv_timeline_append(tl, -1, s->rgb, NULL, NULL, 0);
}

static int fake_step(void *user, dfv_timeline *tl, int parent, const float *action, char err[DFV_ERR_LEN])
{
    (void)err;
    recording_source *s = user;
    if (s->steps < MAX_STEPS) memcpy(s->actions[s->steps], action, sizeof s->actions[0]);
    s->steps++;
    memset(s->rgb, s->steps * 16, sizeof s->rgb);
    return dfv_timeline_append(tl, parent, s->rgb, action, NULL, 1);
}

static int no_calls(void *user)
{
    (void)user;
    return 1;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0) {
        perror(path);
        exit(1);
    }
    fclose(f);
}

/* The frame generated at viewer frame `tick` has exactly these non-zero entries. */
typedef struct {
    int tick;
    int count;
    struct {
        int index;
        float value;
    } set[4];
} expected_frame;

static int check_frame(const recording_source *s, const expected_frame *e)
{
    int failures = 0;
    float want[ACTIONS] = {0};
    for (int k = 0; k < e->count; k++) want[e->set[k].index] = e->set[k].value;
    if (e->tick >= s->steps) {
        CHECK(failures, false, "viewer frame %d generated nothing (%d frames)", e->tick, s->steps);
        return failures;
    }
    for (int a = 0; a < ACTIONS; a++)
        CHECK(failures, s->actions[e->tick][a] == want[a], "viewer frame %d: %s is %g, expected %g", e->tick,
              oasis_names[a], s->actions[e->tick][a], want[a]);
    return failures;
}

int main(void)
{
    int failures = 0;
    if (!getenv("DISPLAY")) {
        printf("SKIP: no X display (run under xvfb-run)\n");
        return 77;
    }
    char dir[] = "/tmp/dfv-viewer-controls-XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    char script[600], bindings[600];
    snprintf(script, sizeof script, "%s/controls.script", dir);
    snprintf(bindings, sizeof bindings, "%s/bindings.ini", dir);
    /* 0.005 per pixel and a stick at 0.25 per frame: other numbers than the defaults. */
    write_file(bindings, "mouse_sensitivity = 0.005\nstick_sensitivity = 0.25\nhotbar.3 = 3, Keypad 3\n");
    write_file(script,
               "0 press W\n0 press Space\n"         /* frames 0-1: forward+jump */
               "1 press Left Shift\n"               /* frame 1: + sneak */
               "2 release W\n2 release Space\n2 release Left Shift\n"
               "3 move 40 40\n"                     /* no mouse-look yet: no camera */
               "4 click 64 40\n"                    /* captures the mouse; the click is no action */
               "5 move 30 -20\n5 move 10 0\n"       /* frame 5: 40 right, 20 up */
               "6 press mouse:left\n"               /* frame 6: attack, the camera still */
               "7 release mouse:left\n7 move 0 1000\n" /* frame 7: clamped to 1 */
               "8 tap mouse:right\n8 tap 3\n"      /* frame 8: use + hotbar.3 */
               "9 tap Escape\n"                     /* releases the mouse, does not quit */
               "10 move 50 0\n10 tap E\n"           /* frame 10: inventory, no camera */
               "11 press pad:rightx+\n"             /* frame 11: the stick turns right */
               "12 release pad:rightx+\n12 press pad:lefty-\n" /* frame 12: the left stick walks */
               "13 release pad:lefty-\n"
               "14 quit\n");
    recording_source s = {.steps = 0};
    dfv_frame_source source = {.user = &s, .name = "oasis-shaped test source", .device_name = "test", .width = SIZE,
                               .height = SIZE, .action_dim = ACTIONS, .action_names = oasis_names,
                               .action_kind = DFV_ACTIONS_CONTINUOUS, .seed = fake_seed, .step = fake_step,
                               .calls_per_frame = no_calls};
    dfv_viewer_desc desc = {.source = &source, .scale = 4, .script_path = script, .bindings_path = bindings,
                            .output_dir = dir};
    char summary[256], err[DFV_ERR_LEN];
    dfv_viewer_status status = dfv_viewer_run(&desc, summary, sizeof summary, err);
    CHECK(failures, status == DFV_VIEWER_OK, "viewer failed: %s", err);
    CHECK(failures, s.steps == 14, "%d frames generated, expected 14 (Escape must not quit)", s.steps);
    const expected_frame expected[] = {
        {0, 2, {{FORWARD, 1}, {JUMP, 1}}},
        {1, 3, {{FORWARD, 1}, {JUMP, 1}, {SNEAK, 1}}},
        {2, 0, {{0, 0}}},
        {3, 0, {{0, 0}}},
        {4, 0, {{0, 0}}},
        {5, 2, {{CAMERA_Y, (float)(40 * 0.005)}, {CAMERA_X, (float)(-20 * 0.005)}}},
        {6, 1, {{ATTACK, 1}}},
        {7, 1, {{CAMERA_X, 1}}},
        {8, 2, {{USE, 1}, {HOTBAR_3, 1}}},
        {9, 0, {{0, 0}}},
        {10, 1, {{INVENTORY, 1}}},
        {11, 1, {{CAMERA_Y, 0.25f}}},
        {12, 1, {{FORWARD, 1}}},
        {13, 0, {{0, 0}}},
    };
    for (size_t k = 0; k < sizeof expected / sizeof expected[0]; k++) failures += check_frame(&s, &expected[k]);
    for (int t = 0; t < s.steps && t < MAX_STEPS; t++) {
        printf("frame %2d:", t);
        for (int a = 0; a < ACTIONS; a++)
            if (s.actions[t][a] != 0) printf(" %s=%g", oasis_names[a], s.actions[t][a]);
        printf("\n");
    }
    char cleanup[600];
    snprintf(cleanup, sizeof cleanup, "rm -rf '%s'", dir);
    if (system(cleanup) != 0) fprintf(stderr, "could not remove %s\n", dir);
    printf("%s (%s): %d failures\n", failures ? "FAIL" : "ok", summary, failures);
    return failures ? 1 : 0;
}
