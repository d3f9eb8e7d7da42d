/* The input-script format: verbs, ordering by frame, taps, and errors with line numbers. */
#include <string.h>

#include "check.h"
#include "input_script.h"

int main(void)
{
    int failures = 0;
    dfv_input_script s;
    char err[DFV_ERR_LEN] = "";
    const char *text = "# a session\n"
                       "10 press W   # walk\n"
                       "2 tap F9\n"
                       "\n"
                       "10 screenshot out dir/shot 1.png\n"
                       "3 press pad:lefty-\n"
                       "4 drop /tmp/x.txt\n"
                       "5 click 12 340\n"
                       "6 resize 640 480\n"
                       "20 quit\n";
    bool ok = dfv_input_script_parse(text, "s.txt", &s, err);
    CHECK(failures, ok, "parse failed: %s", err);
    if (ok) {
        long frames[] = {2, 3, 3, 4, 5, 6, 10, 10, 20};
        dfv_script_verb verbs[] = {DFV_SCRIPT_PRESS, DFV_SCRIPT_RELEASE, DFV_SCRIPT_PRESS, DFV_SCRIPT_DROP,
                                   DFV_SCRIPT_CLICK, DFV_SCRIPT_RESIZE, DFV_SCRIPT_PRESS, DFV_SCRIPT_SCREENSHOT,
                                   DFV_SCRIPT_QUIT};
        CHECK(failures, s.count == 9, "%d events", s.count);
        for (int k = 0; k < s.count && k < 9; k++)
            CHECK(failures, s.events[k].frame == frames[k] && s.events[k].verb == verbs[k], "event %d: frame %ld verb %d", k,
                  s.events[k].frame, (int)s.events[k].verb);
        CHECK(failures, s.events[1].input.key == SDLK_F9, "the tap's release is F9");
        CHECK(failures, s.events[2].input.pad == DFV_PAD_AXIS_NEGATIVE && s.events[2].input.pad_index == SDL_CONTROLLER_AXIS_LEFTY,
              "pad axis input");
        CHECK(failures, !strcmp(s.events[7].path, "out dir/shot 1.png"), "path with spaces: '%s'", s.events[7].path);
        CHECK(failures, s.events[4].x == 12 && s.events[4].y == 340 && s.events[5].x == 640, "click/resize arguments");
        CHECK(failures, dfv_input_script_due(&s, 1) == NULL, "an event due before its frame");
        CHECK(failures, dfv_input_script_due(&s, 3) == &s.events[0] && dfv_input_script_due(&s, 3) == &s.events[1] &&
                            dfv_input_script_due(&s, 3) == &s.events[2] && dfv_input_script_due(&s, 3) == NULL,
              "due events at frame 3");
        CHECK(failures, dfv_input_script_last_frame(&s) == 20, "last frame");
        dfv_input_script_free(&s);
    }
    const char *bad[][2] = {
        {"1 press W\n2 jump W\n", "s.txt:2:"},
        {"1 press W\n\n# x\nfoo press W\n", "s.txt:4:"},
        {"1 press NotAKey\n", "s.txt:1:"},
        {"1 click 5\n", "s.txt:1:"},
        {"1 screenshot\n", "s.txt:1:"},
        {"-3 press W\n", "s.txt:1:"},
        {"1 quit now\n", "s.txt:1:"},
        {"1 press mouse:x\n", "s.txt:1: 'mouse:x' is an axis, not a button: use 'move DX DY'"},
        {"1 press pad:rightx\n", "press its '+' or '-' half"},
        {"1 move 3\n", "s.txt:1: 'move' needs a motion"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        err[0] = '\0';
        bool accepted = dfv_input_script_parse(bad[k][0], "s.txt", &s, err);
        CHECK(failures, !accepted && strstr(err, bad[k][1]), "bad script %zu: accepted=%d err '%s'", k, accepted, err);
        if (accepted) dfv_input_script_free(&s);
    }
    /* Mouse motion and buttons. */
    ok = dfv_input_script_parse("4 move -12 7\n5 tap mouse:right\n", "s.txt", &s, err);
    CHECK(failures, ok && s.count == 3 && s.events[0].verb == DFV_SCRIPT_MOVE && s.events[0].x == -12 && s.events[0].y == 7 &&
                        s.events[1].input.pad == DFV_MOUSE_BUTTON && s.events[1].input.pad_index == SDL_BUTTON_RIGHT,
          "move and mouse buttons: %s", err);
    if (ok) dfv_input_script_free(&s);
    CHECK(failures, !dfv_input_script_load("/nonexistent/script.txt", &s, err) && strstr(err, "/nonexistent/script.txt"),
          "missing file: %s", err);
    if (failures) fprintf(stderr, "%d check(s) failed\n", failures);
    return failures ? 1 : 0;
}
