/* What every model-running front end opens first: a Vulkan context, a validated model, its network.
 * Errors are printed as one line prefixed with the command's name; the caller only decides the exit. */
#ifndef DFV_APP_ENGINE_H
#define DFV_APP_ENGINE_H

#include <stdbool.h>

#include "model.h"
#include "unet.h"
#include "vk_core.h"

typedef struct {
    const char *model_path;
    int device; /* as dfv_ctx_desc: 0 automatic, DFV_DEVICE(i) the i-th */
    bool fp16;
} dfv_engine_desc;

typedef struct {
    dfv_ctx *ctx;
    dfv_model *model;
    const dfv_model_config *config;
    dfv_unet *net;
} dfv_engine;

/* Opens the model first (no GPU touched for a bad file), then the device, then uploads the network. */
int dfv_engine_open(const char *command, const dfv_engine_desc *desc, dfv_engine *out);
void dfv_engine_close(dfv_engine *engine);

/* Parses "--device N" / "--fp16" style shared options; returns how many argv entries it consumed (0: not
 * an engine option, -1: a bad value, already reported). */
int dfv_engine_parse_option(const char *command, int argc, char **argv, int i, dfv_engine_desc *desc);

#endif
