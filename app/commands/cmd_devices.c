/* `dfview devices`: every Vulkan device with the capabilities that matter; '*' marks the one dfview uses
 * (DFVIEW_DEVICE=N or --device N choose another). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "vk_core.h"

static void dfv_devices_usage(FILE *out)
{
    fprintf(out, "usage: dfview devices [--device N]\n"
                 "Lists the Vulkan devices; '*' marks the one dfview would use (best by type, or\n"
                 "DFVIEW_DEVICE / --device N). DFVIEW_VALIDATE=1 enables the Khronos validation layer.\n");
}

int dfv_cmd_devices(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            dfv_devices_usage(stdout);
            return 0;
        }
        if (!strcmp(argv[i], "--device") && i + 1 < argc) {
            /* The listing reads the choice from the environment, like every other command. */
            setenv("DFVIEW_DEVICE", argv[++i], 1);
            continue;
        }
        fprintf(stderr, "dfview devices: unknown option '%s'\n", argv[i]);
        dfv_devices_usage(stderr);
        return 2;
    }
    char err[DFV_ERR_LEN] = "";
    if (dfv_devices_print(stdout, err) != DFV_OK) {
        fprintf(stderr, "dfview devices: %s\n", err);
        return 1;
    }
    return 0;
}
