/* The compute core itself: buffer limits and transfers, hazard-tracked barriers and resubmission,
 * the persisted pipeline cache (reuse, and rejection of corrupt or truncated files), profiling, and
 * the errors for a missing device or loader. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "vk_internal.h" /* to break a Vulkan rule on purpose below */

static void test_buffers(dfv_test *t)
{
    const dfv_device_caps *caps = dfv_ctx_caps(t->ctx);
    dfv_buffer *buf = NULL;
    dfv_status s = dfv_buffer_create(t->ctx, (size_t)caps->max_storage_buffer_range + 1, DFV_MEM_DEVICE, &buf);
    dfv_test_expect(t, s == DFV_ERR_UNSUPPORTED && !buf && strstr(dfv_ctx_error(t->ctx), "maxStorageBufferRange"),
                    "buffer beyond maxStorageBufferRange fails clearly: %s", dfv_ctx_error(t->ctx));

    enum { n = 1000 };
    float data[n], back[n];
    for (int i = 0; i < n; i++)
        data[i] = (float)i * 0.5f - 7.0f;
    for (int kind = 0; kind < 2; kind++) {
        if (!dfv_test_ok(t, dfv_buffer_create(t->ctx, sizeof data, kind ? DFV_MEM_HOST : DFV_MEM_DEVICE, &buf), "buffer"))
            return;
        memset(back, 0, sizeof back);
        bool ok = dfv_test_ok(t, dfv_buffer_upload(t->ctx, buf, 0, data, sizeof data), "upload") &&
                  dfv_test_ok(t, dfv_buffer_download(t->ctx, buf, 40, back, sizeof data - 40), "download");
        dfv_test_expect(t, ok && !memcmp(back, data + 10, sizeof data - 40), "%s buffer round trip at an offset",
                        kind ? "host" : "device");
        dfv_test_expect(t, (dfv_buffer_map(buf) != NULL) == (kind == 1), "only host buffers map");
        dfv_test_rejects(t, dfv_buffer_upload(t->ctx, buf, 8, data, sizeof data), "upload past the end fails");
        dfv_buffer_destroy(t->ctx, buf);
    }
}

enum { hazard_c = 3, hazard_n = hazard_c * 16 }; /* the hazard test's tensors: 1 x 3 x 4 x 4 */

/* The sequence's result after two submits: cache frames 0..2 hold 2(a + b). */
static void check_hazard_result(dfv_test *t, const float *a, const float *b, const dfv_test_tensor *cache)
{
    enum { n = hazard_n };
    double ref[4 * n];
    for (int i = 0; i < n; i++) {
        double sum = 2.0 * ((double)a[i] + b[i]);
        ref[i] = ref[n + i] = ref[2 * n + i] = sum;
        ref[3 * n + i] = 0;
    }
    /* frame 3 of the cache was never written: keep its NaN out of the comparison */
    float got[4 * n];
    if (dfv_test_download(t, cache, got))
        dfv_test_compare(t, "cache after two submits (frames 0..2)", got, ref, 3 * n,
                         dfv_test_tol(DFV_F32, DFV_TOL_ELEMENTWISE));
}

/* Independent dispatches share no barrier; a read-after-write, write-after-read or write-after-write
 * gets exactly one; resubmitting the recorded sequence repeats its effect. */
static void test_hazards(dfv_test *t)
{
    enum { c = hazard_c, n = hazard_n };
    dfv_test_scope s = dfv_test_scope_open(t);
    float *a = dfv_test_scope_random(&s, n, -1, 1), *b = dfv_test_scope_random(&s, n, -1, 1);
    dfv_tensor ta = dfv_test_scope_input(&s, DFV_F32, 1, c, 4, 4, a)->view;
    dfv_tensor tb = dfv_test_scope_input(&s, DFV_F32, 1, c, 4, 4, b)->view;
    dfv_tensor t1 = dfv_test_scope_output(&s, DFV_F32, 1, c, 4, 4)->view;
    dfv_tensor t2 = dfv_test_scope_output(&s, DFV_F32, 1, c, 4, 4)->view;
    dfv_tensor t3 = dfv_test_scope_output(&s, DFV_F32, 1, c, 4, 4)->view;
    const dfv_test_tensor *cache = dfv_test_scope_output(&s, DFV_F32, 4, c, 4, 4);
    dfv_seq *seq = dfv_test_scope_seq(&s);
    bool ok = seq != NULL;
    if (ok) {
        dfv_status steps[7];
        steps[0] = dfv_op_add(seq, t1, ta, tb);                                  /* t1 = a + b */
        steps[1] = dfv_op_add(seq, t2, ta, tb);                                  /* t2 = a + b: independent */
        steps[2] = dfv_op_add(seq, t3, t1, t2);                                  /* reads t1, t2: barrier */
        steps[3] = dfv_op_add(seq, t1, tb, tb);                                  /* t1 = 2b: t1 read since: barrier */
        steps[4] = dfv_op_copy(seq, cache->view, 0, 0, t3, 0, 0, 1, c);          /* cache frame 0 = t3 */
        steps[5] = dfv_op_copy(seq, cache->view, 1, 0, t3, 0, 0, 1, c);          /* frame 1: disjoint, no barrier */
        steps[6] = dfv_op_copy(seq, cache->view, 2, 0, cache->view, 0, 0, 1, c); /* reads frame 0: barrier */
        for (int i = 0; ok && i < 7; i++)
            ok = dfv_test_ok(t, steps[i], "hazard sequence");
    }
    if (ok) {
        dfv_test_expect(t, dfv_seq_barrier_count(seq) == 3 && dfv_seq_dispatch_count(seq) == 7,
                        "hazard tracking: %d barriers for 7 dispatches (expected 3)", dfv_seq_barrier_count(seq));
        ok = dfv_test_ok(t, dfv_seq_submit(seq), "submit") && dfv_test_ok(t, dfv_seq_submit(seq), "resubmit");
    }
    if (ok) {
        check_hazard_result(t, a, b, cache);
        dfv_test_rejects(t, dfv_op_add(seq, t1, ta, tb), "recording after submit fails");
    }
    dfv_test_scope_close(&s);
}

/* One context: create, run an add (builds a pipeline), destroy (saves the cache). */
static bool run_context(dfv_test *t, bool profile, bool *cache_loaded)
{
    dfv_ctx *ctx = NULL;
    char err[DFV_ERR_LEN];
    if (!dfv_test_ok(t, dfv_ctx_create(&(dfv_ctx_desc){.profile = profile}, &ctx, err), err))
        return false;
    *cache_loaded = dfv_ctx_pipeline_cache_loaded(ctx);
    dfv_buffer *buf = NULL;
    dfv_seq *seq = NULL;
    bool ok = !dfv_buffer_create(ctx, 256, DFV_MEM_DEVICE, &buf) && !dfv_seq_create(ctx, &seq);
    if (ok) {
        dfv_tensor x = {.buf = buf, .dtype = DFV_F32, .t = 1, .c = 1, .h = 1, .w = 64};
        ok = !dfv_op_add(seq, x, x, x) && !dfv_seq_submit(seq);
    }
    if (!ok)
        dfv_test_fail(t, "running add on a second context: %s", dfv_ctx_error(ctx));
    if (ok && profile && dfv_ctx_caps(ctx)->timestamps) {
        dfv_test_expect(t, dfv_seq_last_gpu_ms(seq) >= 0, "profiling reports %.3f ms", dfv_seq_last_gpu_ms(seq));
        dfv_seq_profile_print(seq, stdout, 5);
    }
    if (dfv_ctx_validation_messages(ctx))
        dfv_test_fail(t, "%d validation messages on a second context", dfv_ctx_validation_messages(ctx));
    dfv_seq_destroy(seq);
    dfv_buffer_destroy(ctx, buf);
    dfv_ctx_destroy(ctx);
    return ok;
}

static void corrupt_file(const char *path, long at, bool truncate_instead)
{
    FILE *f = fopen(path, "r+b");
    if (!f)
        return;
    if (truncate_instead) {
        fclose(f);
        if (truncate(path, at)) {
        }
        return;
    }
    fseek(f, at, SEEK_SET);
    int ch = fgetc(f);
    fseek(f, at, SEEK_SET);
    fputc(ch ^ 0x5a, f);
    fclose(f);
}

static void test_pipeline_cache(dfv_test *t)
{
    char dir[] = "/tmp/dfview-cache-test-XXXXXX";
    if (!mkdtemp(dir)) {
        dfv_test_skip(t, "pipeline cache", "cannot create a temporary directory");
        return;
    }
    setenv("XDG_CACHE_HOME", dir, 1);
    unsetenv("DFVIEW_PIPELINE_CACHE");
    const dfv_device_caps *caps = dfv_ctx_caps(t->ctx);
    char path[512];
    snprintf(path, sizeof path, "%s/dfview/pipelines-%04x-%04x.bin", dir, caps->vendor_id, caps->device_id);
    bool loaded = true;
    if (run_context(t, false, &loaded))
        dfv_test_expect(t, !loaded && access(path, R_OK) == 0, "first run starts empty and saves %s", path);
    if (run_context(t, true, &loaded))
        dfv_test_expect(t, loaded, "second run reuses the saved cache");
    corrupt_file(path, 80, false); /* a byte of the driver's data: the checksum must catch it */
    if (run_context(t, false, &loaded))
        dfv_test_expect(t, !loaded, "a corrupted cache is ignored, not fatal");
    corrupt_file(path, 20, true); /* cut inside our header */
    if (run_context(t, false, &loaded))
        dfv_test_expect(t, !loaded, "a truncated cache is ignored, not fatal");
    if (run_context(t, false, &loaded))
        dfv_test_expect(t, loaded, "the cache is rewritten after being rejected");
    unlink(path);
    char sub[600];
    snprintf(sub, sizeof sub, "%s/dfview", dir);
    rmdir(sub);
    rmdir(dir);
}

static void test_missing_device_and_loader(dfv_test *t)
{
    dfv_ctx *ctx = NULL;
    char err[DFV_ERR_LEN] = "";
    dfv_status s = dfv_ctx_create(&(dfv_ctx_desc){.device = DFV_DEVICE(99)}, &ctx, err);
    dfv_test_expect(t, s == DFV_ERR_NO_DEVICE && !ctx && strstr(err, "device 99"), "device 99 fails clearly: %s", err);
    setenv("DFVIEW_VULKAN_LIBRARY", "/nonexistent/libvulkan.so.1", 1);
    s = dfv_ctx_create(&(dfv_ctx_desc){0}, &ctx, err);
    unsetenv("DFVIEW_VULKAN_LIBRARY");
    dfv_test_expect(t, s == DFV_ERR_NO_DEVICE && !ctx && strstr(err, "Vulkan loader"), "missing loader fails clearly: %s",
                    err);
}

/* DFVIEW_SHADERS=gpu|cpu forces a shader family on any device, auto picks by device type, anything else is
 * refused in one line. The suite compute-gpu-shaders relies on gpu reaching the capabilities. */
static void expect_shader_family(dfv_test *t, const char *value, int want_cpu)
{
    setenv("DFVIEW_SHADERS", value, 1);
    dfv_ctx *ctx = NULL;
    char err[DFV_ERR_LEN] = "";
    dfv_status s = dfv_ctx_create(&(dfv_ctx_desc){0}, &ctx, err);
    if (want_cpu < 0)
        dfv_test_expect(t, s == DFV_ERR_ARGUMENT && !ctx && strstr(err, "DFVIEW_SHADERS") && !strchr(err, '\n'),
                        "DFVIEW_SHADERS=%s is refused: %s", value, err);
    else if (dfv_test_ok(t, s, err))
        dfv_test_expect(t, dfv_ctx_caps(ctx)->cpu_shaders == (bool)want_cpu, "DFVIEW_SHADERS=%s runs the %s variants",
                        value, want_cpu ? "CPU" : "GPU");
    dfv_ctx_destroy(ctx);
}

static void test_shader_switch(dfv_test *t)
{
    const char *saved = getenv("DFVIEW_SHADERS");
    char before[64] = "";
    if (saved)
        snprintf(before, sizeof before, "%s", saved);
    bool cpu_device = dfv_ctx_caps(t->ctx)->type == VK_PHYSICAL_DEVICE_TYPE_CPU;
    expect_shader_family(t, "gpu", 0);
    expect_shader_family(t, "cpu", 1);
    expect_shader_family(t, "auto", cpu_device);
    expect_shader_family(t, "fast", -1);
    if (saved)
        setenv("DFVIEW_SHADERS", before, 1);
    else
        unsetenv("DFVIEW_SHADERS");
}

/* Under DFVIEW_VALIDATE the counter must see a real violation (a buffer with no usage), on a context of
 * its own so that the harness's context stays clean. */
static void test_validation_counts(dfv_test *t)
{
    if (!t->validate)
        return;
    dfv_ctx *ctx = NULL;
    char err[DFV_ERR_LEN];
    if (!dfv_test_ok(t, dfv_ctx_create(&(dfv_ctx_desc){.validate = true}, &ctx, err), err))
        return;
    printf("(the validation error below is provoked on purpose)\n");
    VkBufferCreateInfo info = {.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO, .size = 16, .usage = 0};
    VkBuffer buffer = VK_NULL_HANDLE;
    if (ctx->vk.vkCreateBuffer(ctx->device, &info, NULL, &buffer) == VK_SUCCESS)
        ctx->vk.vkDestroyBuffer(ctx->device, buffer, NULL);
    dfv_test_expect(t, dfv_ctx_validation_messages(ctx) >= 1, "validation messages are counted (%d)",
                    dfv_ctx_validation_messages(ctx));
    dfv_ctx_destroy(ctx);
}

int main(void)
{
    dfv_test t;
    if (!dfv_test_begin(&t, "core"))
        return dfv_test_end(&t);
    test_buffers(&t);
    test_hazards(&t);
    test_pipeline_cache(&t);
    test_missing_device_and_loader(&t);
    test_shader_switch(&t);
    test_validation_counts(&t);
    return dfv_test_end(&t);
}
