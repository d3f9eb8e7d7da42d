/* Storage buffers and synchronous transfers. Memory that is host-visible and coherent (all of it on
 * lavapipe and other unified-memory devices) is mapped and copied with memcpy; device-only memory goes
 * through one staging buffer owned by the context. */
#include <stdlib.h>
#include <string.h>

#include "vk_internal.h"

/* Staging is used in chunks of at most this many bytes so a large upload never needs a large buffer. */
static const size_t dfv_staging_chunk = (size_t)32 << 20;

static dfv_status dfv_buffer_allocate(dfv_ctx *ctx, dfv_buffer *buf, VkMemoryPropertyFlags required,
                                      VkMemoryPropertyFlags preferred)
{
    dfv_status status = DFV_OK;
    VkBufferCreateInfo info = {
        .sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO,
        .size = buf->size,
        .usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_UNIFORM_TEXEL_BUFFER_BIT |
                 VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT,
        .sharingMode = VK_SHARING_MODE_EXCLUSIVE,
    };
    VK(ctx, vkCreateBuffer, ctx->device, &info, NULL, &buf->buffer);
    VkMemoryRequirements req;
    ctx->vk.vkGetBufferMemoryRequirements(ctx->device, buf->buffer, &req);
    int type = dfv_ctx_find_memory_type(ctx, req.memoryTypeBits, required, preferred);
    if (type < 0)
        return dfv_fail(ctx->error, DFV_ERR_UNSUPPORTED, "no Vulkan memory type for a %zu-byte %s buffer", buf->size,
                        buf->kind == DFV_MEM_HOST ? "host" : "device");
    VkMemoryAllocateInfo alloc = {
        .sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO,
        .allocationSize = req.size,
        .memoryTypeIndex = (uint32_t)type,
    };
    VK(ctx, vkAllocateMemory, ctx->device, &alloc, NULL, &buf->memory);
    VK(ctx, vkBindBufferMemory, ctx->device, buf->buffer, buf->memory, 0);
    VkMemoryPropertyFlags flags = ctx->memory.memoryTypes[type].propertyFlags;
    const VkMemoryPropertyFlags mappable = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
    if ((flags & mappable) == mappable)
        VK(ctx, vkMapMemory, ctx->device, buf->memory, 0, VK_WHOLE_SIZE, 0, &buf->mapped);
    return DFV_OK;
fail:
    return status;
}

dfv_status dfv_buffer_create(dfv_ctx *ctx, size_t bytes, dfv_mem_kind kind, dfv_buffer **out)
{
    *out = NULL;
    if (bytes == 0)
        return dfv_fail(ctx->error, DFV_ERR_ARGUMENT, "buffer of 0 bytes requested");
    if (bytes > ctx->caps.max_storage_buffer_range)
        return dfv_fail(ctx->error, DFV_ERR_UNSUPPORTED,
                        "buffer of %zu bytes (%.1f MiB) exceeds the device's maxStorageBufferRange of %.1f MiB; "
                        "split the tensor",
                        bytes, (double)bytes / (1 << 20), (double)ctx->caps.max_storage_buffer_range / (1 << 20));
    dfv_buffer *buf = calloc(1, sizeof *buf);
    if (!buf)
        return dfv_fail(ctx->error, DFV_ERR_MEMORY, "out of host memory for a buffer handle");
    buf->size = bytes;
    buf->kind = kind;
    dfv_status status =
        kind == DFV_MEM_HOST
            ? dfv_buffer_allocate(ctx, buf, VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT,
                                  VK_MEMORY_PROPERTY_HOST_CACHED_BIT)
            : dfv_buffer_allocate(ctx, buf, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT, 0);
    if (status) {
        dfv_buffer_destroy(ctx, buf);
        return status;
    }
    *out = buf;
    return DFV_OK;
}

void dfv_buffer_destroy(dfv_ctx *ctx, dfv_buffer *buf)
{
    if (!buf)
        return;
    for (int i = 0; i < 2; i++)
        if (buf->texel_views[i])
            ctx->vk.vkDestroyBufferView(ctx->device, buf->texel_views[i], NULL);
    if (buf->buffer)
        ctx->vk.vkDestroyBuffer(ctx->device, buf->buffer, NULL);
    if (buf->memory)
        ctx->vk.vkFreeMemory(ctx->device, buf->memory, NULL); /* unmaps implicitly */
    free(buf);
}

size_t dfv_buffer_size(const dfv_buffer *buf) { return buf->size; }

dfv_status dfv_buffer_texel_view(dfv_ctx *ctx, dfv_buffer *buf, bool f16, VkBufferView *out)
{
    dfv_status status = DFV_OK;
    if (!buf->texel_views[f16]) {
        /* Whole elements only: a view's range must be a multiple of its texel size. */
        size_t texel = f16 ? 2 : 4;
        VkBufferViewCreateInfo info = {
            .sType = VK_STRUCTURE_TYPE_BUFFER_VIEW_CREATE_INFO,
            .buffer = buf->buffer,
            .format = f16 ? VK_FORMAT_R16_SFLOAT : VK_FORMAT_R32_SFLOAT,
            .offset = 0,
            .range = buf->size / texel * texel,
        };
        VK(ctx, vkCreateBufferView, ctx->device, &info, NULL, &buf->texel_views[f16]);
    }
    *out = buf->texel_views[f16];
    return DFV_OK;
fail:
    return status;
}

void *dfv_buffer_map(dfv_buffer *buf) { return buf->kind == DFV_MEM_HOST ? buf->mapped : NULL; }

void dfv_staging_destroy(dfv_ctx *ctx)
{
    dfv_buffer_destroy(ctx, ctx->staging);
    ctx->staging = NULL;
}

static dfv_status dfv_staging_ensure(dfv_ctx *ctx)
{
    if (ctx->staging)
        return DFV_OK;
    size_t bytes = dfv_staging_chunk;
    if (bytes > ctx->caps.max_storage_buffer_range)
        bytes = ctx->caps.max_storage_buffer_range;
    return dfv_buffer_create(ctx, bytes, DFV_MEM_HOST, &ctx->staging);
}

/* One synchronous vkCmdCopyBuffer on the transfer command buffer. */
static dfv_status dfv_copy_and_wait(dfv_ctx *ctx, VkBuffer src, size_t src_offset, VkBuffer dst, size_t dst_offset,
                                    size_t bytes)
{
    dfv_status status = DFV_OK;
    VkCommandBufferBeginInfo begin = {
        .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO,
        .flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT,
    };
    VK(ctx, vkBeginCommandBuffer, ctx->transfer_cmd, &begin);
    /* Earlier compute work may still write src or read dst: order the copy after all shader access. */
    VkMemoryBarrier before = {
        .sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
        .srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_SHADER_READ_BIT,
        .dstAccessMask = VK_ACCESS_TRANSFER_READ_BIT | VK_ACCESS_TRANSFER_WRITE_BIT,
    };
    ctx->vk.vkCmdPipelineBarrier(ctx->transfer_cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                                 VK_PIPELINE_STAGE_TRANSFER_BIT, 0, 1, &before, 0, NULL, 0, NULL);
    VkBufferCopy region = {.srcOffset = src_offset, .dstOffset = dst_offset, .size = bytes};
    ctx->vk.vkCmdCopyBuffer(ctx->transfer_cmd, src, dst, 1, &region);
    VkMemoryBarrier after = {
        .sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
        .srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT,
        .dstAccessMask = VK_ACCESS_HOST_READ_BIT | VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT,
    };
    ctx->vk.vkCmdPipelineBarrier(ctx->transfer_cmd, VK_PIPELINE_STAGE_TRANSFER_BIT,
                                 VK_PIPELINE_STAGE_HOST_BIT | VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, 0, 1, &after, 0,
                                 NULL, 0, NULL);
    VK(ctx, vkEndCommandBuffer, ctx->transfer_cmd);
    VkSubmitInfo submit = {
        .sType = VK_STRUCTURE_TYPE_SUBMIT_INFO,
        .commandBufferCount = 1,
        .pCommandBuffers = &ctx->transfer_cmd,
    };
    VK(ctx, vkResetFences, ctx->device, 1, &ctx->transfer_fence);
    VK(ctx, vkQueueSubmit, ctx->queue, 1, &submit, ctx->transfer_fence);
    VK(ctx, vkWaitForFences, ctx->device, 1, &ctx->transfer_fence, VK_TRUE, UINT64_MAX);
    return DFV_OK;
fail:
    return status;
}

static dfv_status dfv_check_range(dfv_ctx *ctx, const dfv_buffer *buf, size_t offset, size_t bytes, const char *what)
{
    if (offset > buf->size || bytes > buf->size - offset)
        return dfv_fail(ctx->error, DFV_ERR_ARGUMENT, "%s of %zu bytes at offset %zu overruns a %zu-byte buffer", what,
                        bytes, offset, buf->size);
    return DFV_OK;
}

dfv_status dfv_buffer_upload(dfv_ctx *ctx, dfv_buffer *dst, size_t offset, const void *src, size_t bytes)
{
    dfv_status status = dfv_check_range(ctx, dst, offset, bytes, "upload");
    if (status || !bytes)
        return status;
    if (dst->mapped) {
        /* The queue may still be running a sequence that reads this buffer. */
        if (ctx->vk.vkDeviceWaitIdle(ctx->device) < 0)
            return dfv_fail(ctx->error, DFV_ERR_VULKAN, "vkDeviceWaitIdle failed before an upload");
        memcpy((char *)dst->mapped + offset, src, bytes);
        return DFV_OK;
    }
    if ((status = dfv_staging_ensure(ctx)))
        return status;
    for (size_t done = 0; done < bytes;) {
        size_t n = bytes - done < ctx->staging->size ? bytes - done : ctx->staging->size;
        memcpy(ctx->staging->mapped, (const char *)src + done, n);
        if ((status = dfv_copy_and_wait(ctx, ctx->staging->buffer, 0, dst->buffer, offset + done, n)))
            return status;
        done += n;
    }
    return DFV_OK;
}

dfv_status dfv_buffer_download(dfv_ctx *ctx, const dfv_buffer *src, size_t offset, void *dst, size_t bytes)
{
    dfv_status status = dfv_check_range(ctx, src, offset, bytes, "download");
    if (status || !bytes)
        return status;
    if (src->mapped) {
        if (ctx->vk.vkDeviceWaitIdle(ctx->device) < 0)
            return dfv_fail(ctx->error, DFV_ERR_VULKAN, "vkDeviceWaitIdle failed before a download");
        memcpy(dst, (const char *)src->mapped + offset, bytes);
        return DFV_OK;
    }
    if ((status = dfv_staging_ensure(ctx)))
        return status;
    for (size_t done = 0; done < bytes;) {
        size_t n = bytes - done < ctx->staging->size ? bytes - done : ctx->staging->size;
        if ((status = dfv_copy_and_wait(ctx, src->buffer, offset + done, ctx->staging->buffer, 0, n)))
            return status;
        memcpy((char *)dst + done, ctx->staging->mapped, n);
        done += n;
    }
    return DFV_OK;
}
