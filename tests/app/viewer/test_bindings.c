/* Bindings: defaults follow the action names, a bindings file rebinds by name, every bad line is reported
 * with its number and changes nothing. */
#include <string.h>

#include "bindings.h"
#include "check.h"

static const char *const voxel_like[] = {"forward", "backward", "strafe_left", "strafe_right", "jump",
                                         "turn_left", "turn_right", "look_up", "look_down"};
static const char *const odd_names[] = {"none", "forward", "wave", "dance"};

static int key_action(const dfv_bindings *b, const char *key)
{
    return dfv_bindings_action_for(b, dfv_input_key(SDL_GetKeyFromName(key)));
}

static int key_control(const dfv_bindings *b, const char *key)
{
    return dfv_bindings_control_for(b, dfv_input_key(SDL_GetKeyFromName(key)));
}

static int check_defaults(void)
{
    int failures = 0;
    dfv_bindings b;
    dfv_bindings_defaults(&b, voxel_like, 9);
    const char *keys[][2] = {{"W", "forward"}, {"Up", "forward"}, {"S", "backward"}, {"Q", "strafe_left"},
                             {"E", "strafe_right"}, {"Space", "jump"}, {"Left", "turn_left"}, {"D", "turn_right"},
                             {"R", "look_up"}, {"F", "look_down"}};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        int a = key_action(&b, keys[k][0]);
        CHECK(failures, a >= 0 && !strcmp(voxel_like[a], keys[k][1]), "%s -> %s", keys[k][0], a >= 0 ? voxel_like[a] : "nothing");
    }
    dfv_input pad_a = {SDLK_UNKNOWN, DFV_PAD_BUTTON, SDL_CONTROLLER_BUTTON_A};
    dfv_input stick_up = {SDLK_UNKNOWN, DFV_PAD_AXIS_NEGATIVE, SDL_CONTROLLER_AXIS_LEFTY};
    CHECK(failures, dfv_bindings_action_for(&b, pad_a) == 4, "pad A is not jump");
    CHECK(failures, dfv_bindings_action_for(&b, stick_up) == 0, "left stick up is not forward");
    CHECK(failures, key_control(&b, "F9") == DFV_CONTROL_RECORD && key_control(&b, "F12") == DFV_CONTROL_SCREENSHOT &&
                        key_control(&b, "[") == DFV_CONTROL_SCRUB_BACK && key_control(&b, "F11") == DFV_CONTROL_FULLSCREEN,
          "control defaults");
    for (int c = 0; c < DFV_CONTROL_COUNT; c++)
        CHECK(failures, b.controls[c].count >= 1 && dfv_bindings_control_name((dfv_control)c)[0] != '?',
              "control %d (%s) has no default key", c, dfv_bindings_control_name((dfv_control)c));
    CHECK(failures, key_control(&b, ".") == DFV_CONTROL_STEPS_UP && key_control(&b, "G") == DFV_CONTROL_RNG_RESEED, "knob keys");
    /* Unknown names get spare number keys, "none" gets nothing. */
    dfv_bindings_defaults(&b, odd_names, 4);
    CHECK(failures, b.actions[0].count == 0, "'none' got a key");
    CHECK(failures, key_action(&b, "1") == 2 && key_action(&b, "2") == 3, "spare keys: 1 -> %d, 2 -> %d", key_action(&b, "1"),
          key_action(&b, "2"));
    return failures;
}

static int check_file(void)
{
    int failures = 0;
    dfv_bindings b;
    dfv_bindings_defaults(&b, voxel_like, 9);
    const char *text = "# my keys\n"
                       "[bindings]\n"
                       "forward = I, pad:y\n"
                       "fly = X\n"            /* 4: unknown action */
                       "jump = Nonsensekey\n" /* 5: unknown key: jump keeps Space */
                       "just words\n"         /* 6: no '=' */
                       "pause = Space\n"      /* takes Space away from jump */
                       "look_up = pad:rightx*\n"; /* 8: bad pad input */
    char errors[1024] = "";
    int bad = dfv_bindings_parse(&b, text, "bindings.ini", errors, sizeof errors);
    CHECK(failures, bad == 4, "%d bad lines reported", bad);
    CHECK(failures, strstr(errors, "bindings.ini:4:") && strstr(errors, "bindings.ini:5:") && strstr(errors, "bindings.ini:6:") &&
                        strstr(errors, "bindings.ini:8:") && !strstr(errors, "bindings.ini:3:") && !strstr(errors, "bindings.ini:7:"),
          "line numbers in:\n%s", errors);
    CHECK(failures, strstr(errors, "'fly'") && strstr(errors, "'Nonsensekey'"), "reasons name the culprit:\n%s", errors);
    CHECK(failures, key_action(&b, "I") == 0 && key_action(&b, "W") < 0, "forward rebound to I only");
    CHECK(failures, key_control(&b, "Space") == DFV_CONTROL_PAUSE && key_action(&b, "Space") < 0,
          "Space moved to pause and left jump");
    CHECK(failures, key_action(&b, "R") == 7, "look_up lost its default after a bad line");
    CHECK(failures, key_action(&b, "S") == 1, "untouched defaults changed");
    /* A model's own keys replace the name-based defaults and take their keys from controls. */
    static const char *const model_names[] = {"a0", "a1", "a2"};
    const char *model_keys[] = {NULL, "W, Up", "P, NoSuchKey"};
    dfv_bindings m;
    dfv_bindings_defaults(&m, model_names, 3);
    errors[0] = '\0';
    int problems = dfv_bindings_apply_source_keys(&m, model_keys, "tiny", errors, sizeof errors);
    CHECK(failures, problems == 1 && strstr(errors, "'a2'") && strstr(errors, "NoSuchKey"), "model key problems: %s", errors);
    CHECK(failures, key_action(&m, "W") == 1 && key_action(&m, "1") == 0 && key_action(&m, "3") == 2,
          "model keys: W -> %d, 1 -> %d, 3 -> %d", key_action(&m, "W"), key_action(&m, "1"), key_action(&m, "3"));
    bool found = true;
    CHECK(failures, dfv_bindings_load_file(&b, "/nonexistent/dfview/bindings.ini", &found, errors, sizeof errors) == 0 && !found,
          "a missing file is not an error");
    return failures;
}

/* Oasis-500M's actions (open-oasis ACTION_KEYS) get Minecraft's controls; every one of them has a default
 * that parses, and no input drives two things. */
static int check_oasis(void)
{
    static const char *const oasis[] = {
        "inventory", "ESC", "hotbar.1", "hotbar.2", "hotbar.3", "hotbar.4", "hotbar.5", "hotbar.6", "hotbar.7",
        "hotbar.8", "hotbar.9", "forward", "back", "left", "right", "cameraX", "cameraY", "jump", "sneak", "sprint",
        "swapHands", "attack", "use", "pickItem", "drop"};
    int failures = 0;
    dfv_bindings b;
    dfv_bindings_defaults(&b, oasis, 25);
    const char *keys[][2] = {{"W", "forward"}, {"A", "left"}, {"S", "back"}, {"D", "right"}, {"Space", "jump"},
                             {"Left Shift", "sneak"}, {"Left Ctrl", "sprint"}, {"E", "inventory"}, {"Q", "drop"},
                             {"1", "hotbar.1"}, {"9", "hotbar.9"}, {"`", "ESC"}, {"F", "swapHands"}};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        int a = key_action(&b, keys[k][0]);
        CHECK(failures, a >= 0 && !strcmp(oasis[a], keys[k][1]), "%s -> %s", keys[k][0], a >= 0 ? oasis[a] : "nothing");
    }
    CHECK(failures, key_action(&b, "Escape") < 0 && key_control(&b, "Escape") == DFV_CONTROL_QUIT,
          "Escape must stay the viewer's");
    for (int a = 0; a < 25; a++) CHECK(failures, b.actions[a].count >= 1, "%s has no default input", oasis[a]);
    const char *inputs[][2] = {{"mouse:left", "attack"}, {"mouse:right", "use"}, {"mouse:middle", "pickItem"},
                               {"mouse:x", "cameraY"}, {"mouse:y", "cameraX"}, {"pad:rightx", "cameraY"},
                               {"pad:righty", "cameraX"}, {"pad:righttrigger+", "attack"}, {"pad:lefty-", "forward"}};
    for (size_t k = 0; k < sizeof inputs / sizeof inputs[0]; k++) {
        dfv_input in;
        int a = dfv_input_parse(inputs[k][0], &in) ? dfv_bindings_action_for(&b, in) : -2;
        CHECK(failures, a >= 0 && !strcmp(oasis[a], inputs[k][1]), "%s -> %d", inputs[k][0], a);
    }
    CHECK(failures, dfv_bindings_use_mouse_look(&b), "Oasis's camera is not on the mouse");
    char text[128];
    dfv_bindings_describe(&b.actions[15], text, sizeof text);
    CHECK(failures, !strcmp(text, "mouse:y, pad:righty"), "cameraX is described as '%s'", text);
    /* Settings: sensitivities from the file, range-checked. */
    CHECK(failures, b.mouse_sensitivity == DFV_DEFAULT_MOUSE_SENSITIVITY, "default mouse sensitivity");
    char errors[1024] = "";
    int bad = dfv_bindings_parse(&b, "mouse_sensitivity = 0.02\nstick_sensitivity=0.75\nmouse_sensitivity = -1\n"
                                     "stick_sensitivity = fast\ncameraY = mouse:x, pad:leftx\n", "b.ini", errors, sizeof errors);
    CHECK(failures, bad == 2 && strstr(errors, "b.ini:3: mouse_sensitivity takes a number") && strstr(errors, "b.ini:4:"),
          "settings errors: %d '%s'", bad, errors);
    CHECK(failures, b.mouse_sensitivity == 0.02 && b.stick_sensitivity == 0.75, "sensitivities %g %g", b.mouse_sensitivity,
          b.stick_sensitivity);
    dfv_input stick = {SDLK_UNKNOWN, DFV_PAD_AXIS, SDL_CONTROLLER_AXIS_LEFTX};
    CHECK(failures, dfv_bindings_action_for(&b, stick) == 16 && dfv_input_is_analog(stick), "pad:leftx -> cameraY");
    /* The maze's and voxel's names keep no mouse-look. */
    dfv_bindings_defaults(&b, voxel_like, 9);
    CHECK(failures, !dfv_bindings_use_mouse_look(&b), "voxel actions must not use the mouse");
    return failures;
}

int main(void)
{
    int failures = check_defaults() + check_file() + check_oasis();
    if (failures) fprintf(stderr, "%d check(s) failed\n", failures);
    return failures ? 1 : 0;
}
