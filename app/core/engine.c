#include "engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int dfv_engine_open(const dfv_engine_desc *desc, dfv_engine *out, char err[DFV_ERR_LEN])
{
    memset(out, 0, sizeof *out);
    if (!desc->model_path) return dfv_error_set(err, "no model given (--model FILE.safetensors)"), -1;
    if (dfv_model_open(desc->model_path, &out->model, err)) return -1;
    out->config = dfv_model_get_config(out->model);
    dfv_ctx_desc cd = {.device = desc->device};
    if (dfv_ctx_create(&cd, &out->ctx, err)) {
        dfv_engine_close(out);
        return -1;
    }
    dfv_unet_desc nd = {.dtype = desc->fp16 ? DFV_F16 : DFV_F32};
    if (dfv_unet_create(out->ctx, out->model, &nd, &out->net)) {
        dfv_error_set(err, "%s: %s", desc->model_path, dfv_ctx_error(out->ctx));
        dfv_engine_close(out);
        return -1;
    }
    return 0;
}

void dfv_engine_close(dfv_engine *engine)
{
    dfv_unet_destroy(engine->net);
    dfv_ctx_destroy(engine->ctx);
    dfv_model_close(engine->model);
    memset(engine, 0, sizeof *engine);
}

int dfv_engine_parse_option(int argc, char **argv, int i, dfv_engine_desc *desc, char err[DFV_ERR_LEN])
{
    const char *arg = argv[i];
    if (!strcmp(arg, "--fp16")) {
        desc->fp16 = true;
        return 1;
    }
    if (!strcmp(arg, "--model") || !strcmp(arg, "--device")) {
        if (i + 1 >= argc) return dfv_error_set(err, "%s needs a value", arg), -1;
        if (!strcmp(arg, "--model")) {
            desc->model_path = argv[i + 1];
            return 2;
        }
        char *end;
        long v = strtol(argv[i + 1], &end, 10);
        if (*end || v < 0 || v > 64)
            return dfv_error_set(err, "--device takes a device index (see 'dfview devices'), not '%s'", argv[i + 1]),
                   -1;
        desc->device = DFV_DEVICE((int)v);
        return 2;
    }
    return 0;
}
