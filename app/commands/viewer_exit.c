/* The windowed commands' exit codes; see viewer_exit.h. */
#include "viewer_exit.h"

#include <stdio.h>

int dfv_cmd_viewer_exit(const char *command, dfv_viewer_status status, const char *summary, const char *err)
{
    switch (status) {
    case DFV_VIEWER_OK:
        if (summary && *summary) fprintf(stderr, "dfview %s: %s\n", command, summary);
        return 0;
    case DFV_VIEWER_NO_DISPLAY:
        fprintf(stderr, "dfview %s: %s. No window can be shown here; use `dfview render` to write a clip instead.\n",
                command, err);
        return 1;
    case DFV_VIEWER_FAILED: break;
    }
    fprintf(stderr, "dfview %s: %s\n", command, err);
    return 1;
}
