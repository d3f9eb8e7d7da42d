/* The window options shared by `dfview world` and `dfview play`: --scale, --script, --exit-after,
 * --screenshot-every, --bindings, --out-dir, --fps. */
#ifndef DFV_VIEWER_OPTIONS_H
#define DFV_VIEWER_OPTIONS_H

#include "viewer.h"

/* If argv[i] is a window option, stores it in desc and returns how many arguments it took; 0 when it is
 * not one; -1 with err for a bad value. */
int dfv_viewer_parse_option(dfv_viewer_desc *desc, int argc, char **argv, int i, char err[DFV_ERR_LEN]);

/* Help text for those options. */
extern const char dfv_viewer_options_help[];

#endif
