/* libFuzzer target: arbitrary bytes as a model file. Parsing must either succeed or return one error
 * line; never crash, leak, read out of bounds or allocate from an unchecked header number. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[DFV_ERR_LEN];
    dfv_model *model = NULL;
    if (dfv_model_parse(data, size, "fuzz", &model, err) == DFV_OK) {
        /* A model that opens must describe itself without touching bytes it did not validate. */
        const dfv_model_config *config = dfv_model_get_config(model);
        (void)dfv_model_parameter_count(config);
        (void)dfv_model_flops(config, config->diffusion.window);
        dfv_model_close(model);
    } else if (!memchr(err, '\n', strnlen(err, sizeof err))) {
        return 0;
    } else {
        __builtin_trap(); /* errors are one line */
    }
    return 0;
}
