/* Prints what the C parser makes of an action script, one frame per line, each value as the hex of its
 * 32-bit float: `print_actions [--text] SCRIPT KIND NAME...` (KIND one-hot, multi-hot or continuous); with
 * --text, each frame as dfv_action_format writes it instead. The converter test
 * (test_convert_oasis_actions.py) compares both with the tensor the script came from. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "action_script.h"

int main(int argc, char **argv)
{
    bool text = argc > 1 && !strcmp(argv[1], "--text");
    argc -= text, argv += text;
    if (argc < 4) {
        fprintf(stderr, "usage: print_actions SCRIPT one-hot|multi-hot|continuous NAME...\n");
        return 2;
    }
    dfv_action_space space = {.dim = argc - 3, .names = (const char *const *)(argv + 3)};
    space.kind = !strcmp(argv[2], "one-hot") ? DFV_ACTIONS_ONE_HOT
                 : !strcmp(argv[2], "multi-hot") ? DFV_ACTIONS_MULTI_HOT : DFV_ACTIONS_CONTINUOUS;
    char err[DFV_ERR_LEN];
    dfv_action_script *script = NULL;
    if (!dfv_action_script_load(argv[1], &space, &script, err)) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    for (int64_t f = 0; f < dfv_action_script_frame_count(script); f++) {
        const float *v = dfv_action_script_frame(script, f);
        if (text) {
            char line[4096];
            dfv_action_format(&space, v, line, sizeof line);
            printf("%s\n", line);
            continue;
        }
        for (int i = 0; i < space.dim; i++) {
            unsigned int bits;
            memcpy(&bits, &v[i], sizeof bits);
            printf("%s%08x", i ? " " : "", bits);
        }
        printf("\n");
    }
    dfv_action_script_destroy(script);
    return 0;
}
