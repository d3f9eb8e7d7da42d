/* What every part of dfview agrees on, from the engine to the commands.
 *
 * Errors: a fallible call returns 0 / true / DFV_OK on success; on failure it writes one line, with no
 * trailing newline and no program name, into a caller's `char err[DFV_ERR_LEN]` and returns non-zero /
 * false / a dfv_status. The one buffer passed implicitly is the engine's context: calls on a dfv_ctx or
 * on what was made from it (buffers, sequences, ops, the networks) write their line into the context's
 * DFV_ERR_LEN buffer, which dfv_ctx_error() returns (compute/vk_core.h); the code that drives the engine
 * copies it into its own err. Only the commands print, prefixed with "dfview COMMAND: ". */
#ifndef DFV_COMMON_H
#define DFV_COMMON_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

/* The one length of an error message buffer. */
#define DFV_ERR_LEN 512

/* The one way to fill a caller's error buffer (which may be NULL) from code that reports with a bool;
 * returns false, so `return dfv_error_set(err, ...)` ends the call. The engine's dfv_status calls use
 * dfv_fail (compute/vk_internal.h), which adds the file and line, or dfv_ctx_fail (the networks). */
static inline bool dfv_error_set(char *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline bool dfv_error_set(char *err, const char *fmt, ...)
{
    if (err) {
        va_list args;
        va_start(args, fmt);
        vsnprintf(err, DFV_ERR_LEN, fmt, args);
        va_end(args);
    }
    return false;
}

/* The most actions a model, a world or a timeline frame carries. */
#define DFV_MAX_ACTIONS 64

/* The longest window any model may use (the network's key/value cache and every caller size to it). */
#define DFV_MAX_WINDOW 64

/* How the actions of a frame combine: models, worlds and action scripts share it. */
typedef enum {
    DFV_ACTIONS_ONE_HOT = 0,    /* exactly one action per frame */
    DFV_ACTIONS_MULTI_HOT = 1,  /* any set of actions per frame (0/1 each) */
    DFV_ACTIONS_CONTINUOUS = 2, /* any real value per dimension */
} dfv_action_kind;

#endif
