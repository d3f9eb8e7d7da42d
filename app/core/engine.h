/* What every model-running front end opens first: a Vulkan context, a validated model, its network.
 * Errors follow dfv_common.h: one line in err; the command prints it. */
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
int dfv_engine_open(const dfv_engine_desc *desc, dfv_engine *out, char err[DFV_ERR_LEN]);
void dfv_engine_close(dfv_engine *engine);

/* Parses "--model F" / "--device N" / "--fp16"; returns how many argv entries it consumed (0: not an
 * engine option, -1: a bad value, said in err). */
int dfv_engine_parse_option(int argc, char **argv, int i, dfv_engine_desc *desc, char err[DFV_ERR_LEN]);

#endif
