/* Turning VkResults and failures into the one-line messages that dfv_ctx_error() returns. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "vk_internal.h"

const char *dfv_vk_result_name(VkResult r)
{
    switch (r) {
#define DFV_RESULT(name)                                                                                       \
    case name:                                                                                                 \
        return #name;
        DFV_RESULT(VK_SUCCESS)
        DFV_RESULT(VK_NOT_READY)
        DFV_RESULT(VK_TIMEOUT)
        DFV_RESULT(VK_EVENT_SET)
        DFV_RESULT(VK_EVENT_RESET)
        DFV_RESULT(VK_INCOMPLETE)
        DFV_RESULT(VK_ERROR_OUT_OF_HOST_MEMORY)
        DFV_RESULT(VK_ERROR_OUT_OF_DEVICE_MEMORY)
        DFV_RESULT(VK_ERROR_INITIALIZATION_FAILED)
        DFV_RESULT(VK_ERROR_DEVICE_LOST)
        DFV_RESULT(VK_ERROR_MEMORY_MAP_FAILED)
        DFV_RESULT(VK_ERROR_LAYER_NOT_PRESENT)
        DFV_RESULT(VK_ERROR_EXTENSION_NOT_PRESENT)
        DFV_RESULT(VK_ERROR_FEATURE_NOT_PRESENT)
        DFV_RESULT(VK_ERROR_INCOMPATIBLE_DRIVER)
        DFV_RESULT(VK_ERROR_TOO_MANY_OBJECTS)
        DFV_RESULT(VK_ERROR_FORMAT_NOT_SUPPORTED)
        DFV_RESULT(VK_ERROR_FRAGMENTED_POOL)
        DFV_RESULT(VK_ERROR_UNKNOWN)
        DFV_RESULT(VK_ERROR_OUT_OF_POOL_MEMORY)
        DFV_RESULT(VK_ERROR_INVALID_EXTERNAL_HANDLE)
        DFV_RESULT(VK_ERROR_FRAGMENTATION)
        DFV_RESULT(VK_ERROR_INVALID_OPAQUE_CAPTURE_ADDRESS)
        DFV_RESULT(VK_PIPELINE_COMPILE_REQUIRED)
        DFV_RESULT(VK_ERROR_INVALID_SHADER_NV)
#undef DFV_RESULT
    default:
        return "VK_ERROR_(unnamed)";
    }
}

dfv_status dfv_vk_status(VkResult r)
{
    if (r == VK_ERROR_OUT_OF_HOST_MEMORY || r == VK_ERROR_OUT_OF_DEVICE_MEMORY)
        return DFV_ERR_MEMORY;
    if (r == VK_ERROR_FEATURE_NOT_PRESENT || r == VK_ERROR_EXTENSION_NOT_PRESENT)
        return DFV_ERR_UNSUPPORTED;
    if (r == VK_ERROR_INCOMPATIBLE_DRIVER)
        return DFV_ERR_NO_DEVICE;
    return DFV_ERR_VULKAN;
}

dfv_status dfv_fail_at(char err[DFV_ERR_LEN], dfv_status status, const char *file, int line, const char *fmt, ...)
{
    if (!err)
        return status;
    va_list args;
    va_start(args, fmt);
    int used = vsnprintf(err, DFV_ERR_LEN, fmt, args);
    va_end(args);
    while (!strncmp(file, "../", 3)) /* meson compiles from build/ */
        file += 3;
    if (used >= 0 && used < DFV_ERR_LEN)
        snprintf(err + used, DFV_ERR_LEN - (size_t)used, " (%s:%d)", file, line);
    return status;
}

dfv_status dfv_ctx_fail(dfv_ctx *ctx, dfv_status status, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    vsnprintf(ctx->error, sizeof ctx->error, fmt, args);
    va_end(args);
    return status;
}
