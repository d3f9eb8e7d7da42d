/* Command sequences: dispatches recorded once into one command buffer and resubmitted. A global memory
 * barrier goes in only where a dispatch touches a range that an earlier dispatch since the last barrier
 * wrote (or writes a range that one read); with profiling on, a timestamp follows every dispatch. */
#include <stdlib.h>
#include <string.h>

#include "vk_internal.h"

enum { dfv_sets_per_pool = 256, dfv_descriptors_per_set = 16, dfv_queries_per_pool = 512 };

typedef struct {
    VkBuffer buffer;
    size_t begin, end;
} dfv_range;

typedef struct {
    dfv_range *items;
    int count, capacity;
} dfv_range_list;

typedef struct {
    const char *label;
    double work; /* flops or bytes */
    bool is_bytes;
    uint32_t groups[3];
} dfv_dispatch_rec;

struct dfv_seq {
    dfv_ctx *ctx;
    VkCommandPool command_pool;
    VkCommandBuffer cmd;
    VkFence fence;
    bool recording, ended;

    VkDescriptorPool *descriptor_pools;
    int descriptor_pool_count, sets_in_last_pool;

    dfv_range_list written, read; /* since the last barrier */
    int barrier_count;

    dfv_dispatch_rec *dispatches;
    int dispatch_count, dispatch_capacity;

    /* Profiling: query 0 is the start, query i + 1 follows dispatch i. */
    VkQueryPool *query_pools;
    int query_pool_count;
    uint32_t queries_used;
    double *dispatch_us; /* of the last submit */
    double last_gpu_ms;
};

static bool dfv_grow(void **items, int *capacity, int needed, size_t item_size)
{
    if (needed <= *capacity)
        return true;
    int cap = *capacity ? *capacity : 16;
    while (cap < needed)
        cap *= 2;
    void *grown = realloc(*items, (size_t)cap * item_size);
    if (!grown)
        return false;
    *items = grown;
    *capacity = cap;
    return true;
}

dfv_status dfv_seq_create(dfv_ctx *ctx, dfv_seq **out)
{
    dfv_status status = DFV_OK;
    *out = NULL;
    dfv_seq *seq = calloc(1, sizeof *seq);
    if (!seq)
        return dfv_fail(ctx->error, DFV_ERR_MEMORY, "out of host memory for a sequence");
    seq->ctx = ctx;
    seq->last_gpu_ms = -1;
    VkCommandPoolCreateInfo pool = {
        .sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO,
        .queueFamilyIndex = ctx->queue_family,
    };
    VK(ctx, vkCreateCommandPool, ctx->device, &pool, NULL, &seq->command_pool);
    VkCommandBufferAllocateInfo alloc = {
        .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
        .commandPool = seq->command_pool,
        .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
        .commandBufferCount = 1,
    };
    VK(ctx, vkAllocateCommandBuffers, ctx->device, &alloc, &seq->cmd);
    VkFenceCreateInfo fence = {.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
    VK(ctx, vkCreateFence, ctx->device, &fence, NULL, &seq->fence);
    *out = seq;
    return DFV_OK;
fail:
    dfv_seq_destroy(seq);
    return status;
}

void dfv_seq_destroy(dfv_seq *seq)
{
    if (!seq)
        return;
    dfv_ctx *ctx = seq->ctx;
    for (int i = 0; i < seq->descriptor_pool_count; i++)
        ctx->vk.vkDestroyDescriptorPool(ctx->device, seq->descriptor_pools[i], NULL);
    for (int i = 0; i < seq->query_pool_count; i++)
        ctx->vk.vkDestroyQueryPool(ctx->device, seq->query_pools[i], NULL);
    if (seq->fence)
        ctx->vk.vkDestroyFence(ctx->device, seq->fence, NULL);
    if (seq->command_pool)
        ctx->vk.vkDestroyCommandPool(ctx->device, seq->command_pool, NULL);
    free(seq->descriptor_pools);
    free(seq->query_pools);
    free(seq->written.items);
    free(seq->read.items);
    free(seq->dispatches);
    free(seq->dispatch_us);
    free(seq);
}

static dfv_status dfv_seq_begin(dfv_seq *seq)
{
    dfv_status status = DFV_OK;
    dfv_ctx *ctx = seq->ctx;
    VkCommandBufferBeginInfo begin = {.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
    VK(ctx, vkBeginCommandBuffer, seq->cmd, &begin);
    seq->recording = true;
    return DFV_OK;
fail:
    return status;
}

/* Next timestamp query; a fresh pool is created (and reset in the command stream) when one fills up. */
static dfv_status dfv_seq_timestamp(dfv_seq *seq)
{
    dfv_status status = DFV_OK;
    dfv_ctx *ctx = seq->ctx;
    uint32_t slot = seq->queries_used % dfv_queries_per_pool;
    if (slot == 0) {
        VkQueryPool *grown = realloc(seq->query_pools, (size_t)(seq->query_pool_count + 1) * sizeof *grown);
        if (!grown)
            return dfv_fail(ctx->error, DFV_ERR_MEMORY, "out of host memory for timestamp queries");
        seq->query_pools = grown;
        VkQueryPoolCreateInfo info = {
            .sType = VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO,
            .queryType = VK_QUERY_TYPE_TIMESTAMP,
            .queryCount = dfv_queries_per_pool,
        };
        VK(ctx, vkCreateQueryPool, ctx->device, &info, NULL, &seq->query_pools[seq->query_pool_count]);
        seq->query_pool_count++;
        ctx->vk.vkCmdResetQueryPool(seq->cmd, seq->query_pools[seq->query_pool_count - 1], 0, dfv_queries_per_pool);
    }
    ctx->vk.vkCmdWriteTimestamp(seq->cmd, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT,
                                seq->query_pools[seq->query_pool_count - 1], slot);
    seq->queries_used++;
    return DFV_OK;
fail:
    return status;
}

static dfv_status dfv_seq_descriptor_set(dfv_seq *seq, VkDescriptorSetLayout layout, VkDescriptorSet *set)
{
    dfv_status status = DFV_OK;
    dfv_ctx *ctx = seq->ctx;
    if (seq->descriptor_pool_count == 0 || seq->sets_in_last_pool == dfv_sets_per_pool) {
        VkDescriptorPool *grown =
            realloc(seq->descriptor_pools, (size_t)(seq->descriptor_pool_count + 1) * sizeof *grown);
        if (!grown)
            return dfv_fail(ctx->error, DFV_ERR_MEMORY, "out of host memory for descriptor pools");
        seq->descriptor_pools = grown;
        VkDescriptorPoolSize sizes[2] = {
            {VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, dfv_sets_per_pool * dfv_descriptors_per_set},
            {VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER, dfv_sets_per_pool * dfv_descriptors_per_set},
        };
        VkDescriptorPoolCreateInfo info = {
            .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO,
            .maxSets = dfv_sets_per_pool,
            .poolSizeCount = 2,
            .pPoolSizes = sizes,
        };
        VK(ctx, vkCreateDescriptorPool, ctx->device, &info, NULL, &seq->descriptor_pools[seq->descriptor_pool_count]);
        seq->descriptor_pool_count++;
        seq->sets_in_last_pool = 0;
    }
    VkDescriptorSetAllocateInfo alloc = {
        .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO,
        .descriptorPool = seq->descriptor_pools[seq->descriptor_pool_count - 1],
        .descriptorSetCount = 1,
        .pSetLayouts = &layout,
    };
    VK(ctx, vkAllocateDescriptorSets, ctx->device, &alloc, set);
    seq->sets_in_last_pool++;
    return DFV_OK;
fail:
    return status;
}

static bool dfv_overlaps(const dfv_range_list *list, dfv_range r)
{
    for (int i = 0; i < list->count; i++)
        if (list->items[i].buffer == r.buffer && list->items[i].begin < r.end && r.begin < list->items[i].end)
            return true;
    return false;
}

static bool dfv_range_push(dfv_range_list *list, dfv_range r)
{
    if (!dfv_grow((void **)&list->items, &list->capacity, list->count + 1, sizeof *list->items))
        return false;
    list->items[list->count++] = r;
    return true;
}

static void dfv_seq_barrier(dfv_seq *seq)
{
    VkMemoryBarrier barrier = {
        .sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
        .srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_SHADER_READ_BIT,
        .dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT,
    };
    seq->ctx->vk.vkCmdPipelineBarrier(seq->cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                                      VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, 0, 1, &barrier, 0, NULL, 0, NULL);
    seq->written.count = seq->read.count = 0;
    seq->barrier_count++;
}

static dfv_status dfv_seq_track_hazards(dfv_seq *seq, const dfv_binding *bindings, uint32_t count)
{
    bool hazard = false;
    for (uint32_t i = 0; i < count && !hazard; i++) {
        dfv_range r = {bindings[i].buf->buffer, bindings[i].offset, bindings[i].offset + bindings[i].range};
        hazard = dfv_overlaps(&seq->written, r) || (bindings[i].write && dfv_overlaps(&seq->read, r));
    }
    if (hazard)
        dfv_seq_barrier(seq);
    for (uint32_t i = 0; i < count; i++) {
        dfv_range r = {bindings[i].buf->buffer, bindings[i].offset, bindings[i].offset + bindings[i].range};
        if (!dfv_range_push(bindings[i].write ? &seq->written : &seq->read, r))
            return dfv_fail(seq->ctx->error, DFV_ERR_MEMORY, "out of host memory tracking hazards");
    }
    return DFV_OK;
}

static dfv_status dfv_seq_check_dispatch(dfv_seq *seq, const dfv_pipeline *pipe, const dfv_binding *bindings,
                                         uint32_t binding_count, uint32_t push_size, const uint32_t groups[3])
{
    dfv_ctx *ctx = seq->ctx;
    const char *name = pipe->shader.name;
    if (seq->ended)
        return dfv_fail(ctx->error, DFV_ERR_ARGUMENT, "%s: sequence already submitted; record a new one", name);
    if (binding_count != pipe->shader.binding_count)
        return dfv_fail(ctx->error, DFV_ERR_ARGUMENT, "%s: %u bindings given, the shader has %u", name, binding_count,
                        pipe->shader.binding_count);
    if (push_size != pipe->shader.push_size)
        return dfv_fail(ctx->error, DFV_ERR_ARGUMENT, "%s: %u bytes of push constants given, the shader has %u", name,
                        push_size, pipe->shader.push_size);
    for (int d = 0; d < 3; d++)
        if (groups[d] == 0 || groups[d] > ctx->caps.max_workgroup_count[d])
            return dfv_fail(ctx->error, DFV_ERR_ARGUMENT, "%s: %u workgroups in dimension %d (device allows 1..%u)",
                            name, groups[d], d, ctx->caps.max_workgroup_count[d]);
    for (uint32_t i = 0; i < binding_count; i++) {
        const dfv_binding *b = &bindings[i];
        if (!b->buf || b->range == 0 || b->offset > b->buf->size || b->range > b->buf->size - b->offset)
            return dfv_fail(ctx->error, DFV_ERR_ARGUMENT, "%s: binding %u (offset %zu, %zu bytes) is outside its buffer",
                            name, i, b->offset, b->range);
        if (b->offset % ctx->caps.min_storage_buffer_offset_alignment)
            return dfv_fail(ctx->error, DFV_ERR_ARGUMENT, "%s: binding %u offset %zu is not a multiple of %u", name, i,
                            b->offset, ctx->caps.min_storage_buffer_offset_alignment);
        if (b->range > ctx->caps.max_storage_buffer_range)
            return dfv_fail(ctx->error, DFV_ERR_UNSUPPORTED, "%s: binding %u covers %zu bytes, the device allows %llu",
                            name, i, b->range, (unsigned long long)ctx->caps.max_storage_buffer_range);
    }
    return DFV_OK;
}

static dfv_status dfv_seq_record_info(dfv_seq *seq, const dfv_pipeline *pipe, const dfv_dispatch_info *info,
                                      const uint32_t groups[3])
{
    if (!dfv_grow((void **)&seq->dispatches, &seq->dispatch_capacity, seq->dispatch_count + 1,
                  sizeof *seq->dispatches))
        return dfv_fail(seq->ctx->error, DFV_ERR_MEMORY, "out of host memory recording a dispatch");
    seq->dispatches[seq->dispatch_count++] = (dfv_dispatch_rec){
        .label = info && info->label ? info->label : pipe->shader.name,
        .work = info ? info->flops : 0,
        .is_bytes = info && info->is_bytes,
        .groups = {groups[0], groups[1], groups[2]},
    };
    return DFV_OK;
}

dfv_status dfv_seq_dispatch(dfv_seq *seq, dfv_pipeline *pipe, const dfv_binding *bindings, uint32_t binding_count,
                            const void *push, uint32_t push_size, uint32_t gx, uint32_t gy, uint32_t gz,
                            const dfv_dispatch_info *info)
{
    dfv_ctx *ctx = seq->ctx;
    const uint32_t groups[3] = {gx, gy, gz};
    dfv_status status = dfv_seq_check_dispatch(seq, pipe, bindings, binding_count, push_size, groups);
    if (status)
        return status;
    if (!seq->recording && (status = dfv_seq_begin(seq)))
        return status;
    if (ctx->profile && seq->queries_used == 0 && (status = dfv_seq_timestamp(seq)))
        return status;

    VkDescriptorSet set;
    if ((status = dfv_seq_descriptor_set(seq, pipe->set_layout, &set)))
        return status;
    VkDescriptorBufferInfo infos[16];
    VkBufferView views[16];
    VkWriteDescriptorSet writes[16];
    for (uint32_t i = 0; i < binding_count; i++) {
        bool texel = (pipe->shader.texel_mask >> i) & 1;
        infos[i] = (VkDescriptorBufferInfo){bindings[i].buf->buffer, bindings[i].offset, bindings[i].range};
        if (texel && (status = dfv_buffer_texel_view(ctx, bindings[i].buf, pipe->shader.texel_f16, &views[i])))
            return status;
        writes[i] = (VkWriteDescriptorSet){
            .sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET,
            .dstSet = set,
            .dstBinding = i,
            .descriptorCount = 1,
            .descriptorType = texel ? VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER : VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
            .pBufferInfo = texel ? NULL : &infos[i],
            .pTexelBufferView = texel ? &views[i] : NULL,
        };
    }
    ctx->vk.vkUpdateDescriptorSets(ctx->device, binding_count, writes, 0, NULL);

    if ((status = dfv_seq_track_hazards(seq, bindings, binding_count)))
        return status;
    ctx->vk.vkCmdBindPipeline(seq->cmd, VK_PIPELINE_BIND_POINT_COMPUTE, pipe->pipeline);
    ctx->vk.vkCmdBindDescriptorSets(seq->cmd, VK_PIPELINE_BIND_POINT_COMPUTE, pipe->layout, 0, 1, &set, 0, NULL);
    if (push_size)
        ctx->vk.vkCmdPushConstants(seq->cmd, pipe->layout, VK_SHADER_STAGE_COMPUTE_BIT, 0, push_size, push);
    ctx->vk.vkCmdDispatch(seq->cmd, gx, gy, gz);
    if (ctx->profile && (status = dfv_seq_timestamp(seq)))
        return status;
    return dfv_seq_record_info(seq, pipe, info, groups);
}

static dfv_status dfv_seq_end(dfv_seq *seq)
{
    dfv_status status = DFV_OK;
    dfv_ctx *ctx = seq->ctx;
    if (!seq->recording && (status = dfv_seq_begin(seq)))
        return status;
    /* Later submissions on the queue (this sequence again, other sequences, transfers) and the host see
     * everything this sequence wrote. */
    VkMemoryBarrier barrier = {
        .sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
        .srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_SHADER_READ_BIT,
        .dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_HOST_READ_BIT |
                         VK_ACCESS_TRANSFER_READ_BIT | VK_ACCESS_TRANSFER_WRITE_BIT,
    };
    ctx->vk.vkCmdPipelineBarrier(seq->cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                                 VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_HOST_BIT |
                                     VK_PIPELINE_STAGE_TRANSFER_BIT,
                                 0, 1, &barrier, 0, NULL, 0, NULL);
    VK(ctx, vkEndCommandBuffer, seq->cmd);
    seq->recording = false;
    seq->ended = true;
    return DFV_OK;
fail:
    return status;
}

static dfv_status dfv_seq_read_timestamps(dfv_seq *seq)
{
    dfv_ctx *ctx = seq->ctx;
    if (!ctx->profile || seq->queries_used < 2)
        return DFV_OK;
    uint64_t *stamps = calloc(seq->queries_used, sizeof *stamps);
    if (!stamps)
        return dfv_fail(ctx->error, DFV_ERR_MEMORY, "out of host memory reading timestamps");
    for (int p = 0; p < seq->query_pool_count; p++) {
        uint32_t first = (uint32_t)p * dfv_queries_per_pool;
        uint32_t n = seq->queries_used - first < dfv_queries_per_pool ? seq->queries_used - first
                                                                      : dfv_queries_per_pool;
        VkResult r = ctx->vk.vkGetQueryPoolResults(ctx->device, seq->query_pools[p], 0, n, n * sizeof *stamps,
                                                   stamps + first, sizeof *stamps,
                                                   VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT);
        if (r < 0) {
            free(stamps);
            return dfv_fail(ctx->error, dfv_vk_status(r), "vkGetQueryPoolResults: %s", dfv_vk_result_name(r));
        }
    }
    if (!seq->dispatch_us && !(seq->dispatch_us = calloc((size_t)seq->dispatch_count, sizeof *seq->dispatch_us))) {
        free(stamps);
        return dfv_fail(ctx->error, DFV_ERR_MEMORY, "out of host memory for profile results");
    }
    double ns = ctx->caps.timestamp_period_ns;
    for (int i = 0; i < seq->dispatch_count; i++)
        seq->dispatch_us[i] = (double)(stamps[i + 1] - stamps[i]) * ns * 1e-3;
    seq->last_gpu_ms = (double)(stamps[seq->dispatch_count] - stamps[0]) * ns * 1e-6;
    free(stamps);
    return DFV_OK;
}

dfv_status dfv_seq_submit(dfv_seq *seq)
{
    dfv_status status = DFV_OK;
    dfv_ctx *ctx = seq->ctx;
    if (!seq->ended && (status = dfv_seq_end(seq)))
        return status;
    VkSubmitInfo submit = {
        .sType = VK_STRUCTURE_TYPE_SUBMIT_INFO,
        .commandBufferCount = 1,
        .pCommandBuffers = &seq->cmd,
    };
    VK(ctx, vkResetFences, ctx->device, 1, &seq->fence);
    VK(ctx, vkQueueSubmit, ctx->queue, 1, &submit, seq->fence);
    VK(ctx, vkWaitForFences, ctx->device, 1, &seq->fence, VK_TRUE, UINT64_MAX);
    return dfv_seq_read_timestamps(seq);
fail:
    return status;
}

int dfv_seq_dispatch_count(const dfv_seq *seq) { return seq->dispatch_count; }
int dfv_seq_barrier_count(const dfv_seq *seq) { return seq->barrier_count; }
double dfv_seq_last_gpu_ms(const dfv_seq *seq) { return seq->dispatch_us ? seq->last_gpu_ms : -1; }
dfv_ctx *dfv_seq_ctx(dfv_seq *seq) { return seq->ctx; }

typedef struct {
    const char *label;
    int count;
    double us, work;
    bool is_bytes;
} dfv_profile_row;

static int dfv_profile_row_cmp(const void *a, const void *b)
{
    double d = ((const dfv_profile_row *)b)->us - ((const dfv_profile_row *)a)->us;
    return (d > 0) - (d < 0);
}

void dfv_seq_profile_print(const dfv_seq *seq, FILE *out, int top_n)
{
    if (!seq->dispatch_us) {
        fprintf(out, "no profile: run with DFVIEW_PROFILE=1 on a device with compute timestamps\n");
        return;
    }
    if (top_n < 0) { /* every dispatch in order */
        fprintf(out, "%4s %-28s %16s %10s %10s\n", "#", "op", "workgroups", "us", "rate");
        for (int i = 0; i < seq->dispatch_count; i++) {
            const dfv_dispatch_rec *d = &seq->dispatches[i];
            char groups[32];
            snprintf(groups, sizeof groups, "%ux%ux%u", d->groups[0], d->groups[1], d->groups[2]);
            double rate = seq->dispatch_us[i] > 0 ? d->work / (seq->dispatch_us[i] * 1e3) : 0;
            fprintf(out, "%4d %-28s %16s %10.1f %7.2f %s\n", i, d->label, groups, seq->dispatch_us[i], rate,
                    d->work <= 0 ? "-" : d->is_bytes ? "GB/s" : "GFLOP/s");
        }
    }
    dfv_profile_row *rows = calloc((size_t)seq->dispatch_count + 1, sizeof *rows);
    if (!rows)
        return;
    int n = 0;
    for (int i = 0; i < seq->dispatch_count; i++) {
        const dfv_dispatch_rec *d = &seq->dispatches[i];
        int r = 0;
        while (r < n && strcmp(rows[r].label, d->label))
            r++;
        if (r == n)
            rows[n++] = (dfv_profile_row){.label = d->label, .is_bytes = d->is_bytes};
        rows[r].count++;
        rows[r].us += seq->dispatch_us[i];
        rows[r].work += d->work;
    }
    qsort(rows, (size_t)n, sizeof *rows, dfv_profile_row_cmp);
    fprintf(out, "%-28s %6s %12s %10s\n", "op", "calls", "total us", "rate");
    for (int r = 0; r < n && (top_n <= 0 || r < top_n); r++) {
        double rate = rows[r].us > 0 ? rows[r].work / (rows[r].us * 1e3) : 0; /* G per second */
        fprintf(out, "%-28s %6d %12.1f %7.2f %s\n", rows[r].label, rows[r].count, rows[r].us, rate,
                rows[r].work <= 0 ? "-" : rows[r].is_bytes ? "GB/s" : "GFLOP/s");
    }
    fprintf(out, "total %.3f ms over %d dispatches, %d barriers\n", seq->last_gpu_ms, seq->dispatch_count,
            seq->barrier_count);
    free(rows);
}
