/* The VkPipelineCache persisted under $XDG_CACHE_HOME/dfview/ (else ~/.cache/dfview/). The file carries
 * our own header naming the vendor, device, driver version and pipelineCacheUUID, plus a checksum of the
 * data; any mismatch, truncation or corruption means the file is ignored (and later overwritten), never
 * an error. DFVIEW_PIPELINE_CACHE=0 turns persistence off. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vk_internal.h"

static const char dfv_cache_magic[8] = {'D', 'F', 'V', 'P', 'C', 'A', 'C', '1'};
static const size_t dfv_cache_max_bytes = (size_t)256 << 20;

typedef struct {
    char magic[8];
    uint32_t vendor_id, device_id, driver_version, reserved;
    uint8_t uuid[VK_UUID_SIZE];
    uint64_t data_size;
    uint64_t checksum;
} dfv_cache_header;

static uint64_t dfv_fnv1a(const uint8_t *data, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ data[i]) * 1099511628211ull;
    return h;
}

static void dfv_cache_header_fill(const dfv_ctx *ctx, dfv_cache_header *h)
{
    memset(h, 0, sizeof *h);
    memcpy(h->magic, dfv_cache_magic, sizeof h->magic);
    h->vendor_id = ctx->caps.vendor_id;
    h->device_id = ctx->caps.device_id;
    h->driver_version = ctx->caps.driver_version;
    memcpy(h->uuid, ctx->caps.pipeline_cache_uuid, VK_UUID_SIZE);
}

/* Creates each missing directory of the path's parent. */
static bool dfv_mkdirs_for(const char *path)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash)
        return true;
    *slash = 0;
    for (char *p = dir + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = 0;
        if (mkdir(dir, 0755) && errno != EEXIST)
            return false;
        *p = '/';
    }
    return !mkdir(dir, 0755) || errno == EEXIST;
}

static bool dfv_cache_path(dfv_ctx *ctx)
{
    const char *env = getenv("DFVIEW_PIPELINE_CACHE");
    if (env && !strcmp(env, "0"))
        return false;
    const char *base = getenv("XDG_CACHE_HOME");
    const char *home = getenv("HOME");
    int n;
    if (base && *base)
        n = snprintf(ctx->pipeline_cache_path, sizeof ctx->pipeline_cache_path, "%s/dfview/pipelines-%04x-%04x.bin",
                     base, ctx->caps.vendor_id, ctx->caps.device_id);
    else if (home && *home)
        n = snprintf(ctx->pipeline_cache_path, sizeof ctx->pipeline_cache_path,
                     "%s/.cache/dfview/pipelines-%04x-%04x.bin", home, ctx->caps.vendor_id, ctx->caps.device_id);
    else
        return false;
    return n > 0 && (size_t)n < sizeof ctx->pipeline_cache_path;
}

/* Returns the validated cache data (malloc'd) or NULL. */
static void *dfv_cache_read(const dfv_ctx *ctx, size_t *size)
{
    FILE *f = fopen(ctx->pipeline_cache_path, "rb");
    if (!f)
        return NULL;
    dfv_cache_header expected, got;
    dfv_cache_header_fill(ctx, &expected);
    void *data = NULL;
    if (fread(&got, sizeof got, 1, f) != 1 || memcmp(got.magic, expected.magic, sizeof got.magic) ||
        got.vendor_id != expected.vendor_id || got.device_id != expected.device_id ||
        got.driver_version != expected.driver_version || memcmp(got.uuid, expected.uuid, VK_UUID_SIZE) ||
        got.data_size == 0 || got.data_size > dfv_cache_max_bytes)
        goto done;
    data = malloc(got.data_size);
    if (!data || fread(data, 1, got.data_size, f) != got.data_size || fgetc(f) != EOF ||
        dfv_fnv1a(data, got.data_size) != got.checksum) {
        free(data);
        data = NULL;
        goto done;
    }
    *size = got.data_size;
done:
    fclose(f);
    return data;
}

void dfv_pipeline_cache_open(dfv_ctx *ctx)
{
    size_t size = 0;
    void *data = NULL;
    if (dfv_cache_path(ctx))
        data = dfv_cache_read(ctx, &size);
    else
        ctx->pipeline_cache_path[0] = 0;
    VkPipelineCacheCreateInfo info = {
        .sType = VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO,
        .initialDataSize = data ? size : 0,
        .pInitialData = data,
    };
    VkResult r = ctx->vk.vkCreatePipelineCache(ctx->device, &info, NULL, &ctx->pipeline_cache);
    if (r < 0 && data) /* the driver refused our data after all: start empty */
        r = ctx->vk.vkCreatePipelineCache(ctx->device, &(VkPipelineCacheCreateInfo){
                                                           .sType = VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO},
                                          NULL, &ctx->pipeline_cache);
    else
        ctx->pipeline_cache_loaded = data != NULL;
    if (r < 0)
        ctx->pipeline_cache = VK_NULL_HANDLE; /* pipelines are then built without a cache */
    free(data);
}

static void dfv_cache_write(const dfv_ctx *ctx, const void *data, size_t size)
{
    if (!dfv_mkdirs_for(ctx->pipeline_cache_path))
        return;
    char tmp[1100];
    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", ctx->pipeline_cache_path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (!f)
        return;
    dfv_cache_header h;
    dfv_cache_header_fill(ctx, &h);
    h.data_size = size;
    h.checksum = dfv_fnv1a(data, size);
    bool ok = fwrite(&h, sizeof h, 1, f) == 1 && fwrite(data, 1, size, f) == size;
    ok = !fclose(f) && ok;
    /* rename() is atomic, so concurrent processes never see a half-written cache. */
    if (!ok || rename(tmp, ctx->pipeline_cache_path))
        unlink(tmp);
}

void dfv_pipeline_cache_close(dfv_ctx *ctx)
{
    if (!ctx->pipeline_cache)
        return;
    size_t size = 0;
    if (ctx->pipeline_cache_path[0] && ctx->pipeline_count > 0 &&
        ctx->vk.vkGetPipelineCacheData(ctx->device, ctx->pipeline_cache, &size, NULL) == VK_SUCCESS && size &&
        size <= dfv_cache_max_bytes) {
        void *data = malloc(size);
        if (data && ctx->vk.vkGetPipelineCacheData(ctx->device, ctx->pipeline_cache, &size, data) == VK_SUCCESS)
            dfv_cache_write(ctx, data, size);
        free(data);
    }
    ctx->vk.vkDestroyPipelineCache(ctx->device, ctx->pipeline_cache, NULL);
    ctx->pipeline_cache = VK_NULL_HANDLE;
}
