/* Action scripts and policies: expansion of repeats and blocks against sequences worked out by hand
 * from the documented format, every error with its line number, policies' determinism and shape,
 * and the text form reading back to the same vectors. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "action_script.h"
#include "check.h"

static const char *const dmlab_names[] = {"none", "forward", "backward", "turn_left", "turn_right", "jump"};
static const dfv_action_space one_hot = {6, DFV_ACTIONS_ONE_HOT, dmlab_names};
static const char *const key_names[] = {"forward", "turn_left", "jump"};
static const dfv_action_space multi_hot = {3, DFV_ACTIONS_MULTI_HOT, key_names};
static const char *const stick_names[] = {"forward", "yaw"};
static const dfv_action_space continuous = {2, DFV_ACTIONS_CONTINUOUS, stick_names};
/* Oasis-500M's 25 actions (open-oasis utils.py ACTION_KEYS): keys 0/1, cameraX/cameraY in [-1, 1]. */
static const char *const oasis_names[] = {
    "inventory", "ESC", "hotbar.1", "hotbar.2", "hotbar.3", "hotbar.4", "hotbar.5", "hotbar.6", "hotbar.7",
    "hotbar.8", "hotbar.9", "forward", "back", "left", "right", "cameraX", "cameraY", "jump", "sneak", "sprint",
    "swapHands", "attack", "use", "pickItem", "drop"};
static const dfv_action_space oasis = {25, DFV_ACTIONS_CONTINUOUS, oasis_names};
enum { OASIS_FORWARD = 11, OASIS_CAMERA_X = 15, OASIS_CAMERA_Y = 16, OASIS_JUMP = 17, OASIS_ATTACK = 21 };

/* `expected` lists, per frame, the index of the single 1 (one-hot scripts). */
static void expect_one_hot(int *failures, const char *text, const int *expected, int count)
{
    char err[DFV_ERR_LEN] = "";
    dfv_action_script *script = NULL;
    bool ok = dfv_action_script_parse(text, strlen(text), "test.txt", &one_hot, &script, err);
    CHECK(*failures, ok, "'%s': %s", text, err);
    if (!ok)
        return;
    CHECK(*failures, dfv_action_script_frame_count(script) == count, "'%s': %lld frames, expected %d", text,
          (long long)dfv_action_script_frame_count(script), count);
    for (int f = 0; f < count && f < dfv_action_script_frame_count(script); f++) {
        const float *v = dfv_action_script_frame(script, f);
        for (int i = 0; i < 6; i++)
            CHECK(*failures, v[i] == (i == expected[f] ? 1.0f : 0.0f), "'%s': frame %d action %d is %g", text, f, i, v[i]);
    }
    CHECK(*failures, dfv_action_script_frame(script, count) == NULL && dfv_action_script_frame(script, -1) == NULL,
          "out-of-range frames must give NULL");
    dfv_action_script_destroy(script);
}

static void expect_vectors(int *failures, const dfv_action_space *space, const char *text, const float *expected,
                           int count)
{
    char err[DFV_ERR_LEN] = "";
    dfv_action_script *script = NULL;
    bool ok = dfv_action_script_parse(text, strlen(text), "test.txt", space, &script, err);
    CHECK(*failures, ok, "'%s': %s", text, err);
    if (!ok)
        return;
    CHECK(*failures, dfv_action_script_frame_count(script) == count, "'%s': %lld frames", text,
          (long long)dfv_action_script_frame_count(script));
    for (int f = 0; f < count && f < dfv_action_script_frame_count(script); f++)
        CHECK(*failures, !memcmp(dfv_action_script_frame(script, f), expected + f * space->dim,
                                 sizeof(float) * (size_t)space->dim), "'%s': frame %d differs", text, f);
    dfv_action_script_destroy(script);
}

static void expect_error(int *failures, const dfv_action_space *space, const char *text, const char *needle)
{
    char err[DFV_ERR_LEN] = "";
    dfv_action_script *script = NULL;
    bool ok = dfv_action_script_parse(text, strlen(text), "test.txt", space, &script, err);
    char shown[40];
    snprintf(shown, sizeof shown, "%s", text);
    for (char *c = shown; *c; c++)
        *c = *c == '\n' ? '|' : *c;
    printf("%-36s -> %s\n", shown, ok ? "accepted" : err);
    CHECK(*failures, !ok && !script && strstr(err, needle) && !strchr(err, '\n'), "expected '%s', got '%s'", needle,
          ok ? "success" : err);
    dfv_action_script_destroy(script);
}

/* Multi-hot keys with continuous values on Oasis's actions: '+' and spaces separate terms, camera=X,Y sets
 * cameraX and cameraY. */
static void oasis_lines(int *failures)
{
    float expected[4][25] = {{0}};
    expected[0][OASIS_FORWARD] = expected[0][OASIS_JUMP] = 1, expected[0][OASIS_CAMERA_X] = 0.2f;
    expected[0][OASIS_CAMERA_Y] = -0.1f;
    expected[1][OASIS_CAMERA_X] = 0.2f;
    expected[2][OASIS_ATTACK] = 1, expected[2][OASIS_CAMERA_Y] = -1, expected[2][4] = 1; /* hotbar.3 */
    expect_vectors(failures, &oasis,
                   "forward+jump camera=0.2,-0.1\ncameraX=0.2\nattack hotbar.3 + cameraY = -1\nnone",
                   &expected[0][0], 4);
}

static void scripts(int *failures)
{
    enum { NONE, FWD, BACK, LEFT, RIGHT, JUMP };
    expect_one_hot(failures, "forward\n# a comment line\n\n   turn_left   # trailing comment\r\n", (int[]){FWD, LEFT}, 2);
    expect_one_hot(failures, "repeat 3\nforward\nturn_left", (int[]){FWD, FWD, FWD, LEFT}, 4);
    expect_one_hot(failures, "repeat 4 backward\nJUMP", (int[]){BACK, BACK, BACK, BACK, JUMP}, 5);
    expect_one_hot(failures, "repeat 2 {\n  forward\n  repeat 2\n  turn_left\n}\nnone",
                   (int[]){FWD, LEFT, LEFT, FWD, LEFT, LEFT, NONE}, 7);
    expect_one_hot(failures, "repeat 2\nrepeat 3\njump\nforward", (int[]){JUMP, JUMP, JUMP, JUMP, JUMP, JUMP, FWD}, 7);
    expect_one_hot(failures, "repeat 0 forward\nrepeat 0 {\njump\n}\nturn_right", (int[]){RIGHT}, 1);
    expect_one_hot(failures, "0,1,0,0,0,0\n4\n0 0 0 0 0 1", (int[]){FWD, RIGHT, JUMP}, 3);

    expect_vectors(failures, &multi_hot, "turn_left+jump\nnone\nforward + jump\n1,0,1",
                   (float[]){0, 1, 1, 0, 0, 0, 1, 0, 1, 1, 0, 1}, 4);
    expect_vectors(failures, &continuous, "forward+yaw=-0.25\n0.5, -1\nyaw = 0.75\nnone\nforward yaw=-1",
                   (float[]){1, -0.25f, 0.5f, -1, 0, 0.75f, 0, 0, 1, -1}, 5);

    oasis_lines(failures);

    /* 200,000 frames from three lines: repeats multiply. */
    char err[DFV_ERR_LEN];
    dfv_action_script *big = NULL;
    const char *nested = "repeat 400 {\nrepeat 500 forward\n}";
    CHECK(*failures, dfv_action_script_parse(nested, strlen(nested), "big", &one_hot, &big, err) &&
                         dfv_action_script_frame_count(big) == 200000, "nested repeat: %s", err);
    dfv_action_script_destroy(big);
}

static void script_errors(int *failures)
{
    expect_error(failures, &one_hot, "forward\n\nfly\n", "test.txt:3: unknown action 'fly' (this model's actions: none, forward");
    expect_error(failures, &one_hot, "# header\nturn_left+jump", "test.txt:2:");
    expect_error(failures, &one_hot, "turn_left+jump", "one action per frame");
    expect_error(failures, &one_hot, "repeat x\nforward", "test.txt:1: 'repeat' needs a count");
    expect_error(failures, &one_hot, "repeat -2 forward", "needs a count");
    expect_error(failures, &one_hot, "forward\n}", "test.txt:2: '}' without");
    expect_error(failures, &one_hot, "forward\nrepeat 2 {\njump", "test.txt:2: the block opened here is never closed");
    expect_error(failures, &one_hot, "forward\nrepeat 2", "test.txt:2: 'repeat 2' has nothing after it");
    expect_error(failures, &one_hot, "repeat 2 {\nrepeat 3\n}", "test.txt:2:");
    expect_error(failures, &one_hot, "{\nforward\n}", "test.txt:1: '{' must end");
    expect_error(failures, &one_hot, "forward\n9", "test.txt:2: action index 9 is out of range");
    expect_error(failures, &one_hot, "0,1", "test.txt:1: expected 6 numbers");
    expect_error(failures, &one_hot, "0,1,1,0,0,0", "exactly one 1");
    expect_error(failures, &one_hot, "forward=0.5", "test.txt:1: 'forward=0.5' gives a value");
    expect_error(failures, &multi_hot, "0,2,0", "take 0 or 1");
    expect_error(failures, &multi_hot, "forward+", "ends with '+'");
    expect_error(failures, &multi_hot, "forward++jump", "empty action name");
    expect_error(failures, &continuous, "forward\nyaw=abc", "test.txt:2: 'yaw=abc' needs a number");
    expect_error(failures, &continuous, "1,2,x", "not a number");
    expect_error(failures, &continuous, "yaw=1.5", "test.txt:1: yaw=1.5 is out of range");
    expect_error(failures, &continuous, "0.5,-2", "out of range");
    expect_error(failures, &one_hot, "forward jump", "one action per frame");
    expect_error(failures, &oasis, "forward camera=0.2", "give both values (camera=X,Y)");
    expect_error(failures, &oasis, "camera=0.2,2", "cameraY=2 is out of range");
    expect_error(failures, &oasis, "cameraX=0.1,0.2", "is one action but is given two values");
    expect_error(failures, &oasis, "camera=1,2,3", "more than two values");
    expect_error(failures, &oasis, "cameraX=0.1 camera=0,0", "names cameraX twice");
    expect_error(failures, &oasis, "forward jump=", "'jump=' needs a number");
    expect_error(failures, &oasis, "forward, jump", "unexpected ','");
    expect_error(failures, &oasis, "fly", "unknown action 'fly' (this model's actions: inventory, ESC, hotbar.1");
    expect_error(failures, &multi_hot, "forward jump=1", "gives a value");
    expect_error(failures, &continuous, "camera=0,0", "unknown action 'camera'");
    expect_error(failures, &one_hot, "# only comments\n\n", "no frames");
    expect_error(failures, &one_hot, "repeat 100000 {\nrepeat 100000 forward\n}", "more than");
}

static void file_loading(int *failures)
{
    char err[DFV_ERR_LEN] = "";
    dfv_action_script *script = NULL;
    CHECK(*failures, !dfv_action_script_load("/nonexistent-dfview/actions.txt", &one_hot, &script, err) &&
                         strstr(err, "/nonexistent-dfview/actions.txt: No such file"), "missing file: %s", err);
    char path[] = "/tmp/dfv_actions_XXXXXX";
    int fd = mkstemp(path);
    const char text[] = "repeat 2 forward\nwalk\n";
    bool written = fd >= 0 && write(fd, text, sizeof text - 1) == (ssize_t)(sizeof text - 1);
    if (fd >= 0)
        close(fd);
    CHECK(*failures, written, "cannot write %s", path);
    CHECK(*failures, !dfv_action_script_load(path, &one_hot, &script, err) && strstr(err, path) &&
                         strstr(err, ":2: unknown action 'walk'"), "file error: %s", err);
    unlink(path);
}

static int hot_index(const float *v, int dim)
{
    int index = -1, ones = 0;
    for (int i = 0; i < dim; i++)
        if (v[i] == 1.0f) {
            index = i;
            ones++;
        }
    return ones == 1 ? index : -1;
}

static void policies(int *failures)
{
    char err[DFV_ERR_LEN] = "";
    dfv_action_policy policy;
    float v[6], w[6];
    CHECK(*failures, dfv_action_policy_parse("still", &one_hot, &policy, err), "%s", err);
    dfv_action_policy_frame(&policy, &one_hot, 5, v);
    CHECK(*failures, hot_index(v, 6) == 0, "still must be 'none'");
    CHECK(*failures, dfv_action_policy_parse("forward", &one_hot, &policy, err), "%s", err);
    dfv_action_policy_frame(&policy, &one_hot, 9, v);
    CHECK(*failures, hot_index(v, 6) == 1, "forward must be 'forward'");
    CHECK(*failures, dfv_action_policy_parse("circle", &one_hot, &policy, err), "%s", err);
    int pattern[6];
    for (int f = 0; f < 6; f++) {
        dfv_action_policy_frame(&policy, &one_hot, f, v);
        pattern[f] = hot_index(v, 6);
    }
    CHECK(*failures, pattern[0] == 1 && pattern[1] == 1 && pattern[2] == 3 && pattern[5] == 3,
          "one-hot circle is forward, forward, turn_left");
    CHECK(*failures, dfv_action_policy_parse("circle", &multi_hot, &policy, err), "%s", err);
    dfv_action_policy_frame(&policy, &multi_hot, 0, v);
    CHECK(*failures, v[0] == 1 && v[1] == 1 && v[2] == 0, "multi-hot circle presses forward and turn_left");
    dfv_action_policy_parse("still", &multi_hot, &policy, err);
    dfv_action_policy_frame(&policy, &multi_hot, 0, v);
    CHECK(*failures, v[0] == 0 && v[1] == 0 && v[2] == 0, "multi-hot still is no keys");

    /* random: one-hot vectors, held 4 frames, reproducible from the seed, covering every action. */
    CHECK(*failures, dfv_action_policy_parse("random:7", &one_hot, &policy, err) && policy.seed == 7, "%s", err);
    int seen[6] = {0}, changes = 0, previous = -1;
    for (int f = 0; f < 4000; f++) {
        dfv_action_policy_frame(&policy, &one_hot, f, v);
        dfv_action_policy_frame(&policy, &one_hot, f, w);
        int index = hot_index(v, 6);
        CHECK(*failures, index >= 0 && !memcmp(v, w, sizeof v), "random frame %d is not a repeatable one-hot", f);
        if (index < 0)
            break;
        seen[index]++;
        if (f % 4 != 0)
            CHECK(*failures, index == previous, "random must hold an action 4 frames (frame %d)", f);
        changes += f % 4 == 0 && index != previous;
        previous = index;
    }
    for (int i = 0; i < 6; i++)
        CHECK(*failures, seen[i] > 4000 / 6 / 2, "random chose action %d only %d times in 4000 frames", i, seen[i]);
    CHECK(*failures, changes > 500, "random changed action only %d times", changes);
    dfv_action_policy other;
    dfv_action_policy_parse("random:8", &one_hot, &other, err);
    int differ = 0;
    for (int f = 0; f < 400; f += 4) {
        dfv_action_policy_frame(&policy, &one_hot, f, v);
        dfv_action_policy_frame(&other, &one_hot, f, w);
        differ += memcmp(v, w, sizeof v) != 0;
    }
    CHECK(*failures, differ > 50, "seeds 7 and 8 agree on %d of 100 segments", 100 - differ);
    dfv_action_policy_parse("random", &continuous, &policy, err);
    dfv_action_policy_frame(&policy, &continuous, 3, v);
    CHECK(*failures, fabsf(v[0]) <= 1 && fabsf(v[1]) <= 1 && (v[0] != 0 || v[1] != 0), "continuous random in [-1, 1]");

    static const char *const no_forward_names[] = {"left", "right"};
    dfv_action_space no_forward = {2, DFV_ACTIONS_ONE_HOT, no_forward_names};
    CHECK(*failures, !dfv_action_policy_parse("forward", &no_forward, &policy, err) && strstr(err, "no forward action"),
          "forward without a forward action: %s", err);
    CHECK(*failures, !dfv_action_policy_parse("dance", &one_hot, &policy, err) && strstr(err, "unknown"), "%s", err);
    CHECK(*failures, !dfv_action_policy_parse("random:-3", &one_hot, &policy, err), "negative seed accepted");
    CHECK(*failures, !dfv_action_policy_parse("circle", &continuous, &policy, err) || policy.turn_index == 1,
          "continuous circle turns with yaw");
}

/* Oasis vectors: the multi-hot keys and camera values, the shortest exact decimals, negative zero. */
static void oasis_round_trip(int *failures)
{
    static const struct {
        float forward, jump, camera_x, camera_y;
        const char *line;
    } cases[] = {
        {1, 1, 0.2f, -0.1f, "forward+jump camera=0.2,-0.1"},
        {0, 0, 0, 0.025f, "camera=0,0.025"},
        {1, 0, 1, 0, "forward camera=1,0"},
        {0, 0, -0.0f, 0, "camera=-0,0"},
        {0, 0, 0.1f + 0.2f, 0, "camera=0.3,0"},
        {0, 0, 0, 0, "none"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        float v[25] = {0};
        v[OASIS_FORWARD] = cases[c].forward, v[OASIS_JUMP] = cases[c].jump;
        v[OASIS_CAMERA_X] = cases[c].camera_x, v[OASIS_CAMERA_Y] = cases[c].camera_y;
        char line[512], err[DFV_ERR_LEN] = "";
        dfv_action_format(&oasis, v, line, sizeof line);
        CHECK(*failures, !strcmp(line, cases[c].line), "formatted '%s', expected '%s'", line, cases[c].line);
        dfv_action_script *script = NULL;
        bool ok = dfv_action_script_parse(line, strlen(line), "formatted", &oasis, &script, err);
        CHECK(*failures, ok && !memcmp(dfv_action_script_frame(script, 0), v, sizeof v), "'%s' does not read back (%s)",
              line, err);
        dfv_action_script_destroy(script);
    }
    /* Every camera bin of the dataset, (bin - 40) / 40, and random floats read back bit for bit. */
    uint32_t state = 12345;
    for (int k = 0; k < 2000; k++) {
        float v[25] = {0};
        state = state * 1664525u + 1013904223u;
        float random_value = (float)((double)state / 4294967296.0 * 2.0 - 1.0);
        v[OASIS_CAMERA_X] = k <= 80 ? (float)(k - 40) / 40.0f : random_value;
        v[OASIS_CAMERA_Y] = -random_value;
        char line[512], err[DFV_ERR_LEN] = "";
        dfv_action_format(&oasis, v, line, sizeof line);
        dfv_action_script *script = NULL;
        bool ok = dfv_action_script_parse(line, strlen(line), "formatted", &oasis, &script, err);
        CHECK(*failures, ok && !memcmp(dfv_action_script_frame(script, 0), v, sizeof v), "'%s' does not read back (%s)",
              line, err);
        dfv_action_script_destroy(script);
    }
}

/* Formatting then parsing gives back the same vector, bit for bit. */
static void text_round_trip(int *failures)
{
    const struct {
        const dfv_action_space *space;
        float v[6];
    } cases[] = {
        {&one_hot, {0, 0, 0, 1, 0, 0}}, {&one_hot, {1, 0, 0, 0, 0, 0}}, {&multi_hot, {1, 1, 0}},
        {&multi_hot, {0, 0, 0}},        {&continuous, {0.1f, -0.3333333f}}, {&continuous, {1, 0}},
        {&continuous, {0, 0}},          {&continuous, {-0.0f, 1}}, {&continuous, {-1, 0x1p-149f}},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        char line[256], err[DFV_ERR_LEN] = "";
        dfv_action_format(cases[c].space, cases[c].v, line, sizeof line);
        dfv_action_script *script = NULL;
        bool ok = dfv_action_script_parse(line, strlen(line), "formatted", cases[c].space, &script, err);
        CHECK(*failures, ok && !memcmp(dfv_action_script_frame(script, 0), cases[c].v,
                                       sizeof(float) * (size_t)cases[c].space->dim),
              "'%s' does not read back (%s)", line, err);
        dfv_action_script_destroy(script);
    }
    oasis_round_trip(failures);
}

int main(void)
{
    int failures = 0;
    scripts(&failures);
    script_errors(&failures);
    file_loading(&failures);
    policies(&failures);
    text_round_trip(&failures);
    printf("%s: %d failures\n", failures ? "FAIL" : "ok", failures);
    return failures ? 1 : 0;
}
