/* What the windowed commands (`play`, `world`) make of the viewer's outcome: the message they print and
 * the process exit code. The viewer library only reports; deciding how the process ends is the commands'. */
#ifndef DFV_VIEWER_EXIT_H
#define DFV_VIEWER_EXIT_H

#include "viewer.h"

/* Prints the outcome for `dfview COMMAND` and returns its exit code: 0 (the summary, if any, on stderr),
 * or 1 with err (no display also suggests `dfview render`). */
int dfv_cmd_viewer_exit(const char *command, dfv_viewer_status status, const char *summary, const char *err);

#endif
