/* Compute pipelines from embedded SPIR-V, one per (shader, specialization constants), kept for the
 * context's lifetime. */
#include <stdlib.h>
#include <string.h>

#include "vk_internal.h"

enum { dfv_max_spec = 8, dfv_max_bindings = 16 };

static bool dfv_pipeline_matches(const dfv_pipeline *p, const dfv_shader *shader, const uint32_t *spec,
                                 uint32_t spec_count)
{
    /* The embedded SPIR-V array identifies the shader; bindings and push size must agree too. */
    return p->shader.code == shader->code && p->shader.binding_count == shader->binding_count &&
           p->shader.push_size == shader->push_size && p->shader.texel_mask == shader->texel_mask &&
           p->shader.texel_f16 == shader->texel_f16 && p->spec_count == spec_count &&
           (spec_count == 0 || !memcmp(p->spec, spec, spec_count * sizeof *spec));
}

static void dfv_pipeline_free(dfv_ctx *ctx, dfv_pipeline *p)
{
    if (p->pipeline)
        ctx->vk.vkDestroyPipeline(ctx->device, p->pipeline, NULL);
    if (p->layout)
        ctx->vk.vkDestroyPipelineLayout(ctx->device, p->layout, NULL);
    if (p->set_layout)
        ctx->vk.vkDestroyDescriptorSetLayout(ctx->device, p->set_layout, NULL);
    free(p);
}

static dfv_status dfv_pipeline_build(dfv_ctx *ctx, dfv_pipeline *p)
{
    dfv_status status = DFV_OK;
    VkShaderModule module = VK_NULL_HANDLE;
    const dfv_shader *shader = &p->shader;

    VkDescriptorSetLayoutBinding bindings[dfv_max_bindings];
    for (uint32_t i = 0; i < shader->binding_count; i++)
        bindings[i] = (VkDescriptorSetLayoutBinding){
            .binding = i,
            .descriptorType = (shader->texel_mask >> i) & 1 ? VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER
                                                            : VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
            .descriptorCount = 1,
            .stageFlags = VK_SHADER_STAGE_COMPUTE_BIT,
        };
    VkDescriptorSetLayoutCreateInfo set_info = {
        .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO,
        .bindingCount = shader->binding_count,
        .pBindings = bindings,
    };
    VK(ctx, vkCreateDescriptorSetLayout, ctx->device, &set_info, NULL, &p->set_layout);
    VkPushConstantRange push = {.stageFlags = VK_SHADER_STAGE_COMPUTE_BIT, .size = shader->push_size};
    VkPipelineLayoutCreateInfo layout_info = {
        .sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO,
        .setLayoutCount = 1,
        .pSetLayouts = &p->set_layout,
        .pushConstantRangeCount = shader->push_size ? 1 : 0,
        .pPushConstantRanges = shader->push_size ? &push : NULL,
    };
    VK(ctx, vkCreatePipelineLayout, ctx->device, &layout_info, NULL, &p->layout);

    VkShaderModuleCreateInfo module_info = {
        .sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO,
        .codeSize = shader->size,
        .pCode = shader->code,
    };
    VK(ctx, vkCreateShaderModule, ctx->device, &module_info, NULL, &module);
    VkSpecializationMapEntry entries[dfv_max_spec];
    for (uint32_t i = 0; i < p->spec_count; i++)
        entries[i] = (VkSpecializationMapEntry){.constantID = i, .offset = i * 4, .size = 4};
    VkSpecializationInfo spec = {
        .mapEntryCount = p->spec_count,
        .pMapEntries = entries,
        .dataSize = p->spec_count * 4,
        .pData = p->spec,
    };
    VkComputePipelineCreateInfo info = {
        .sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO,
        .stage =
            {
                .sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO,
                .stage = VK_SHADER_STAGE_COMPUTE_BIT,
                .module = module,
                .pName = "main",
                .pSpecializationInfo = p->spec_count ? &spec : NULL,
            },
        .layout = p->layout,
    };
    VkResult r = ctx->vk.vkCreateComputePipelines(ctx->device, ctx->pipeline_cache, 1, &info, NULL, &p->pipeline);
    if (r < 0)
        status = dfv_fail(ctx->error, dfv_vk_status(r), "vkCreateComputePipelines(%s): %s", shader->name,
                          dfv_vk_result_name(r));
fail:
    if (module)
        ctx->vk.vkDestroyShaderModule(ctx->device, module, NULL);
    return status;
}

static dfv_status dfv_pipeline_check(dfv_ctx *ctx, const dfv_shader *shader, uint32_t spec_count)
{
    if (!shader || !shader->code || !shader->size)
        return dfv_fail(ctx->error, DFV_ERR_ARGUMENT, "pipeline requested without SPIR-V");
    if (spec_count > dfv_max_spec)
        return dfv_fail(ctx->error, DFV_ERR_ARGUMENT, "%s: %u specialization constants, at most %d", shader->name,
                        spec_count, dfv_max_spec);
    if (shader->binding_count > dfv_max_bindings)
        return dfv_fail(ctx->error, DFV_ERR_ARGUMENT, "%s: %u bindings, at most %d", shader->name,
                        shader->binding_count, dfv_max_bindings);
    if (shader->push_size > ctx->caps.max_push_constants)
        return dfv_fail(ctx->error, DFV_ERR_UNSUPPORTED, "%s: %u bytes of push constants, the device allows %u",
                        shader->name, shader->push_size, ctx->caps.max_push_constants);
    return DFV_OK;
}

dfv_status dfv_pipeline_get(dfv_ctx *ctx, const dfv_shader *shader, const uint32_t *spec, uint32_t spec_count,
                            dfv_pipeline **out)
{
    *out = NULL;
    dfv_status status = dfv_pipeline_check(ctx, shader, spec_count);
    if (status)
        return status;
    for (int i = 0; i < ctx->pipeline_count; i++)
        if (dfv_pipeline_matches(ctx->pipelines[i], shader, spec, spec_count)) {
            *out = ctx->pipelines[i];
            return DFV_OK;
        }
    if (ctx->pipeline_count == ctx->pipeline_capacity) {
        int capacity = ctx->pipeline_capacity ? 2 * ctx->pipeline_capacity : 32;
        dfv_pipeline **grown = realloc(ctx->pipelines, (size_t)capacity * sizeof *grown);
        if (!grown)
            return dfv_fail(ctx->error, DFV_ERR_MEMORY, "out of host memory for the pipeline table");
        ctx->pipelines = grown;
        ctx->pipeline_capacity = capacity;
    }
    dfv_pipeline *p = calloc(1, sizeof *p);
    if (!p)
        return dfv_fail(ctx->error, DFV_ERR_MEMORY, "out of host memory for a pipeline");
    p->shader = *shader;
    p->spec_count = spec_count;
    if (spec_count)
        memcpy(p->spec, spec, spec_count * sizeof *spec);
    if ((status = dfv_pipeline_build(ctx, p))) {
        dfv_pipeline_free(ctx, p);
        return status;
    }
    ctx->pipelines[ctx->pipeline_count++] = p;
    *out = p;
    return DFV_OK;
}

void dfv_pipelines_destroy(dfv_ctx *ctx)
{
    for (int i = 0; i < ctx->pipeline_count; i++)
        dfv_pipeline_free(ctx, ctx->pipelines[i]);
    free(ctx->pipelines);
    ctx->pipelines = NULL;
    ctx->pipeline_count = ctx->pipeline_capacity = 0;
}
