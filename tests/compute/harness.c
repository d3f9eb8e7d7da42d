/* The op test harness (see harness.h for how a test uses it). */
#include "harness.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { dfv_test_min_guard = 256 };
static const uint32_t dfv_test_nan_f32 = 0x7fc0deadu; /* a quiet NaN no arithmetic produces */
static const uint16_t dfv_test_nan_f16 = 0x7e5au;

static uint64_t dfv_test_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 1099511628211ull;
    return h ? h : 1;
}

bool dfv_test_begin(dfv_test *t, const char *name)
{
    memset(t, 0, sizeof *t);
    t->name = name;
    const char *seed = getenv("DFVIEW_TEST_SEED");
    t->seed = seed && *seed ? strtoull(seed, NULL, 10) : dfv_test_hash(name);
    t->rng = t->seed ? t->seed : 1;
    const char *v = getenv("DFVIEW_VALIDATE");
    t->validate = v && *v && strcmp(v, "0");
    char err[DFV_ERR_LEN] = "";
    dfv_status s = dfv_ctx_create(&(dfv_ctx_desc){.validate = t->validate}, &t->ctx, err);
    if (s) {
        printf("SKIP %s: no usable Vulkan context: %s\n", name, err);
        t->skipped++;
        return false;
    }
    const dfv_device_caps *caps = dfv_ctx_caps(t->ctx);
    printf("%s on %s, %s shader variants%s\n", name, caps->name, caps->cpu_shaders ? "CPU" : "GPU",
           t->validate ? ", with validation" : "");
    return true;
}

int dfv_test_end(dfv_test *t)
{
    if (t->ctx) {
        int messages = dfv_ctx_validation_messages(t->ctx);
        if (t->validate && messages)
            dfv_test_fail(t, "%d validation message(s) (printed above)", messages);
        dfv_ctx_destroy(t->ctx);
        t->ctx = NULL;
    }
    printf("%s: %d passed, %d failed, %d skipped", t->name, t->passed, t->failed, t->skipped);
    if (t->failed)
        printf(" (DFVIEW_TEST_SEED=%llu reproduces)", (unsigned long long)t->seed);
    printf("\n");
    if (t->failed)
        return 1;
    return t->passed ? 0 : dfv_test_exit_skip;
}

void dfv_test_skip(dfv_test *t, const char *what, const char *reason)
{
    printf("SKIP %s: %s\n", what, reason);
    t->skipped++;
}

bool dfv_test_dtype_ok(dfv_test *t, dfv_dtype dtype)
{
    if (dtype == DFV_F16 && !dfv_ctx_caps(t->ctx)->fp16_storage) {
        dfv_test_skip(t, "fp16 variants", "the device lacks storageBuffer16BitAccess");
        return false;
    }
    return true;
}

void dfv_test_fail(dfv_test *t, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    printf("FAIL ");
    vprintf(fmt, args);
    printf("\n");
    va_end(args);
    t->failed++;
}

bool dfv_test_expect(dfv_test *t, bool cond, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    printf(cond ? "ok   " : "FAIL ");
    vprintf(fmt, args);
    printf("\n");
    va_end(args);
    if (cond)
        t->passed++;
    else
        t->failed++;
    return cond;
}

bool dfv_test_ok(dfv_test *t, dfv_status status, const char *what)
{
    if (status == DFV_OK)
        return true;
    dfv_test_fail(t, "%s: status %d: %s", what, (int)status, t->ctx ? dfv_ctx_error(t->ctx) : "");
    return false;
}

static uint64_t dfv_test_next(dfv_test *t)
{
    t->rng ^= t->rng >> 12;
    t->rng ^= t->rng << 25;
    t->rng ^= t->rng >> 27;
    return t->rng * 2685821657736338717ull;
}

float dfv_test_uniform(dfv_test *t, float lo, float hi)
{
    double u = (double)(dfv_test_next(t) >> 11) * (1.0 / 9007199254740992.0);
    return (float)(lo + (hi - lo) * u);
}

int dfv_test_int(dfv_test *t, int lo, int hi)
{
    return lo + (int)(dfv_test_next(t) % (uint64_t)(hi - lo + 1));
}

float *dfv_test_random(dfv_test *t, size_t n, float lo, float hi)
{
    float *v = malloc((n ? n : 1) * sizeof *v);
    if (!v) {
        dfv_test_fail(t, "out of host memory for %zu random values", n);
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        v[i] = dfv_test_uniform(t, lo, hi);
    return v;
}

uint16_t dfv_test_f32_to_f16(float f)
{
    uint32_t x;
    memcpy(&x, &f, 4);
    uint16_t sign = (uint16_t)((x >> 16) & 0x8000u);
    uint32_t abs = x & 0x7fffffffu;
    if (abs > 0x7f800000u) /* NaN: keep it quiet */
        return sign | 0x7e00u | (uint16_t)((abs >> 13) & 0x1ffu);
    if (abs >= 0x477ff000u) /* rounds to beyond 65504 */
        return sign | 0x7c00u;
    if (abs < 0x38800000u) { /* below 2^-14: a subnormal half (or zero) */
        if (abs < 0x33000000u) /* below half of the smallest subnormal */
            return sign;
        uint32_t mant = (abs & 0x7fffffu) | 0x800000u;
        uint32_t dropped_bits = 126u - (abs >> 23); /* half subnormal = mant · 2^(exponent - 126) */
        uint32_t half = mant >> dropped_bits;
        uint32_t rest = mant & ((1u << dropped_bits) - 1);
        uint32_t halfway = 1u << (dropped_bits - 1);
        if (rest > halfway || (rest == halfway && (half & 1)))
            half++;
        return sign | (uint16_t)half;
    }
    uint32_t half = ((abs - 0x38000000u) >> 13); /* rebias exponent 127 -> 15 */
    uint32_t rest = abs & 0x1fffu;
    if (rest > 0x1000u || (rest == 0x1000u && (half & 1)))
        half++;
    return sign | (uint16_t)half;
}

float dfv_test_f16_to_f32(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t exp = (h >> 10) & 0x1fu, mant = h & 0x3ffu;
    float magnitude;
    if (exp == 0)
        magnitude = ldexpf((float)mant, -24);
    else if (exp == 31)
        magnitude = mant ? NAN : INFINITY;
    else
        magnitude = ldexpf((float)(mant | 0x400u), (int)exp - 25);
    uint32_t bits;
    memcpy(&bits, &magnitude, 4);
    bits |= sign;
    memcpy(&magnitude, &bits, 4);
    return magnitude;
}

float dfv_test_round(dfv_dtype dtype, float f)
{
    return dtype == DFV_F16 ? dfv_test_f16_to_f32(dfv_test_f32_to_f16(f)) : f;
}

void dfv_test_round_all(dfv_dtype dtype, float *values, size_t n)
{
    for (size_t i = 0; dtype == DFV_F16 && i < n; i++)
        values[i] = dfv_test_round(dtype, values[i]);
}

static uint8_t dfv_test_guard_byte(size_t i) { return (uint8_t)(0xa5u ^ (i * 37u)); }

/* Allocates buffer = guard | tensor | guard and fills it: guards with their pattern, the tensor with
 * host values (converted) or with the NaN sentinel. */
static bool dfv_test_tensor_make(dfv_test *t, dfv_dtype dtype, int tn, int c, int h, int w, const float *host,
                                 dfv_test_tensor *out)
{
    memset(out, 0, sizeof *out);
    size_t align = dfv_ctx_caps(t->ctx)->min_storage_buffer_offset_alignment;
    size_t guard = (dfv_test_min_guard + align - 1) / align * align;
    dfv_tensor view = {.offset = guard, .dtype = dtype, .t = tn, .c = c, .h = h, .w = w};
    size_t n = dfv_tensor_count(view), bytes = dfv_tensor_bytes(view), total = bytes + 2 * guard;
    uint8_t *image = malloc(total);
    if (!image) {
        dfv_test_fail(t, "out of host memory for a %zu-byte test tensor", total);
        return false;
    }
    for (size_t i = 0; i < guard; i++) {
        image[i] = dfv_test_guard_byte(i);
        image[guard + bytes + i] = dfv_test_guard_byte(i);
    }
    for (size_t i = 0; i < n; i++) {
        if (dtype == DFV_F16) {
            uint16_t v = host ? dfv_test_f32_to_f16(host[i]) : dfv_test_nan_f16;
            memcpy(image + guard + 2 * i, &v, 2);
        } else if (host) {
            memcpy(image + guard + 4 * i, &host[i], 4);
        } else {
            memcpy(image + guard + 4 * i, &dfv_test_nan_f32, 4);
        }
    }
    bool ok = dfv_test_ok(t, dfv_buffer_create(t->ctx, total, DFV_MEM_DEVICE, &view.buf), "test buffer") &&
              dfv_test_ok(t, dfv_buffer_upload(t->ctx, view.buf, 0, image, total), "test upload");
    free(image);
    if (!ok) {
        dfv_buffer_destroy(t->ctx, view.buf);
        return false;
    }
    *out = (dfv_test_tensor){.buf = view.buf, .view = view, .guard_bytes = guard};
    return true;
}

bool dfv_test_input(dfv_test *t, dfv_dtype dtype, int tn, int c, int h, int w, float *host, dfv_test_tensor *out)
{
    dfv_test_round_all(dtype, host, (size_t)tn * c * h * w);
    return dfv_test_tensor_make(t, dtype, tn, c, h, w, host, out);
}

bool dfv_test_output(dfv_test *t, dfv_dtype dtype, int tn, int c, int h, int w, dfv_test_tensor *out)
{
    return dfv_test_tensor_make(t, dtype, tn, c, h, w, NULL, out);
}

void dfv_test_tensor_free(dfv_test *t, dfv_test_tensor *x)
{
    if (x->buf)
        dfv_buffer_destroy(t->ctx, x->buf);
    memset(x, 0, sizeof *x);
}

bool dfv_test_download(dfv_test *t, const dfv_test_tensor *x, float *dst)
{
    size_t n = dfv_tensor_count(x->view), bytes = dfv_tensor_bytes(x->view), guard = x->guard_bytes;
    size_t total = bytes + 2 * guard;
    uint8_t *image = malloc(total);
    if (!image) {
        dfv_test_fail(t, "out of host memory downloading %zu bytes", total);
        return false;
    }
    bool ok = dfv_test_ok(t, dfv_buffer_download(t->ctx, x->buf, 0, image, total), "test download");
    for (size_t i = 0; ok && i < guard; i++) {
        if (image[i] != dfv_test_guard_byte(i) || image[guard + bytes + i] != dfv_test_guard_byte(i)) {
            bool before = image[i] != dfv_test_guard_byte(i);
            dfv_test_fail(t, "out-of-bounds write: guard byte %zu %s the tensor changed", before ? guard - i : i + 1,
                          before ? "before" : "after");
            ok = false;
        }
    }
    for (size_t i = 0; ok && i < n; i++) {
        if (x->view.dtype == DFV_F16) {
            uint16_t v;
            memcpy(&v, image + guard + 2 * i, 2);
            dst[i] = dfv_test_f16_to_f32(v);
        } else {
            memcpy(&dst[i], image + guard + 4 * i, 4);
        }
    }
    free(image);
    return ok;
}

dfv_tol dfv_test_tol(dfv_dtype dtype, dfv_tol_kind kind)
{
    if (dtype == DFV_F16)
        return (dfv_tol){5e-4, 1e-2};
    return kind == DFV_TOL_ELEMENTWISE ? (dfv_tol){1e-10, 1e-5} : (dfv_tol){1e-7, 1e-3};
}

bool dfv_test_compare(dfv_test *t, const char *label, const float *got, const double *ref, size_t n, dfv_tol tol)
{
    double err2 = 0, ref2 = 0, max_err = 0, max_ref = 0;
    size_t worst = 0, bad = n;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(got[i])) {
            bad = i;
            break;
        }
        double e = fabs((double)got[i] - ref[i]);
        err2 += e * e;
        ref2 += ref[i] * ref[i];
        if (e > max_err) {
            max_err = e;
            worst = i;
        }
        if (fabs(ref[i]) > max_ref)
            max_ref = fabs(ref[i]);
    }
    if (bad < n)
        return dfv_test_expect(t, false, "%s: element %zu is %g (never written, or overflow); reference %g", label,
                               bad, (double)got[bad], ref[bad]);
    double nmse = ref2 > 0 ? err2 / ref2 : err2;
    double max_allowed = tol.max_abs * (max_ref > 1 ? max_ref : 1);
    bool ok = nmse <= tol.nmse && max_err <= max_allowed;
    return dfv_test_expect(t, ok, "%s: nmse %.2e (<= %.0e), max-abs %.2e (<= %.1e) at %zu: %.7g vs %.7g", label, nmse,
                           tol.nmse, max_err, max_allowed, worst, n ? (double)got[worst] : 0.0, n ? ref[worst] : 0.0);
}

bool dfv_test_check(dfv_test *t, const char *label, const dfv_test_tensor *x, const double *ref, dfv_tol tol)
{
    size_t n = dfv_tensor_count(x->view);
    float *got = malloc((n ? n : 1) * sizeof *got);
    if (!got) {
        dfv_test_fail(t, "%s: out of host memory", label);
        return false;
    }
    bool ok = dfv_test_download(t, x, got) && dfv_test_compare(t, label, got, ref, n, tol);
    free(got);
    return ok;
}

dfv_seq *dfv_test_seq(dfv_test *t)
{
    dfv_seq *seq = NULL;
    if (!dfv_test_ok(t, dfv_seq_create(t->ctx, &seq), "sequence"))
        return NULL;
    return seq;
}

const char *dfv_test_dtype_name(dfv_dtype dtype) { return dtype == DFV_F16 ? "f16" : "f32"; }

bool dfv_test_rejects(dfv_test *t, dfv_status status, const char *what)
{
    return dfv_test_expect(t, status == DFV_ERR_ARGUMENT, "%s: %s", what, dfv_ctx_error(t->ctx));
}

void dfv_test_each_case(dfv_test *t, dfv_test_case_fn *fn, const void *cases, size_t count, size_t size)
{
    static const dfv_dtype dtypes[] = {DFV_F32, DFV_F16};
    for (size_t d = 0; d < sizeof dtypes / sizeof dtypes[0]; d++) {
        if (!dfv_test_dtype_ok(t, dtypes[d]))
            continue;
        for (size_t i = 0; i < count; i++)
            fn(t, dtypes[d], (const char *)cases + i * size);
    }
}

dfv_test_scope dfv_test_scope_open(dfv_test *t)
{
    return (dfv_test_scope){.t = t, .ok = true};
}

void dfv_test_scope_close(dfv_test_scope *s)
{
    dfv_seq_destroy(s->seq);
    for (int i = 0; i < s->n_tensors; i++)
        dfv_test_tensor_free(s->t, &s->tensors[i]);
    for (int i = 0; i < s->n_blocks; i++)
        free(s->blocks[i]);
    *s = dfv_test_scope_open(s->t);
}

/* Takes ownership of block (NULL: allocation failed, reported by the caller or here). */
static void *dfv_test_scope_keep(dfv_test_scope *s, void *block, size_t bytes, bool reported)
{
    if (block && s->n_blocks < dfv_test_scope_blocks) {
        s->blocks[s->n_blocks++] = block;
        return block;
    }
    if (block)
        dfv_test_fail(s->t, "a test scope holds at most %d host arrays", dfv_test_scope_blocks);
    else if (!reported)
        dfv_test_fail(s->t, "out of host memory for %zu bytes", bytes);
    free(block);
    s->ok = false;
    return NULL;
}

void *dfv_test_scope_alloc(dfv_test_scope *s, size_t n, size_t size)
{
    return dfv_test_scope_keep(s, calloc(n ? n : 1, size), n * size, false);
}

float *dfv_test_scope_random(dfv_test_scope *s, size_t n, float lo, float hi)
{
    return dfv_test_scope_keep(s, dfv_test_random(s->t, n, lo, hi), n * sizeof(float), true);
}

static const dfv_test_tensor dfv_test_no_tensor;

/* The next free tensor slot, or NULL (the scope no longer ok) after a failure or when all are taken. */
static dfv_test_tensor *dfv_test_scope_slot(dfv_test_scope *s)
{
    if (!s->ok)
        return NULL;
    if (s->n_tensors == dfv_test_scope_tensors) {
        dfv_test_fail(s->t, "a test scope holds at most %d tensors", dfv_test_scope_tensors);
        s->ok = false;
        return NULL;
    }
    return &s->tensors[s->n_tensors++];
}

/* x after dfv_test_input/output returned made; the empty tensor when there was no slot. */
static const dfv_test_tensor *dfv_test_scope_made(dfv_test_scope *s, const dfv_test_tensor *x, bool made)
{
    if (!made)
        s->ok = false;
    return x ? x : &dfv_test_no_tensor;
}

const dfv_test_tensor *dfv_test_scope_input(dfv_test_scope *s, dfv_dtype dtype, int tn, int c, int h, int w,
                                            float *host)
{
    if (!host && s->ok) /* a NULL from a failed dfv_test_scope_random was reported already */
        dfv_test_fail(s->t, "a test input without host values");
    dfv_test_tensor *x = host ? dfv_test_scope_slot(s) : NULL;
    return dfv_test_scope_made(s, x, x && dfv_test_input(s->t, dtype, tn, c, h, w, host, x));
}

const dfv_test_tensor *dfv_test_scope_output(dfv_test_scope *s, dfv_dtype dtype, int tn, int c, int h, int w)
{
    dfv_test_tensor *x = dfv_test_scope_slot(s);
    return dfv_test_scope_made(s, x, x && dfv_test_output(s->t, dtype, tn, c, h, w, x));
}

dfv_seq *dfv_test_scope_seq(dfv_test_scope *s)
{
    if (s->ok && !s->seq && !(s->seq = dfv_test_seq(s->t)))
        s->ok = false;
    return s->ok ? s->seq : NULL;
}

const char *dfv_test_scope_label(dfv_test_scope *s, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    vsnprintf(s->label, sizeof s->label, fmt, args);
    va_end(args);
    return s->label;
}

bool dfv_test_scope_submit(dfv_test_scope *s, dfv_status recorded, const char *label)
{
    if (!s->seq) {
        dfv_test_fail(s->t, "%s: no sequence to submit", label);
        return false;
    }
    return dfv_test_ok(s->t, recorded, label) && dfv_test_ok(s->t, dfv_seq_submit(s->seq), label);
}

bool dfv_test_scope_check(dfv_test_scope *s, dfv_status recorded, const char *label, const dfv_test_tensor *result,
                          const double *ref, dfv_tol tol)
{
    return dfv_test_scope_submit(s, recorded, label) && dfv_test_check(s->t, label, result, ref, tol);
}

void dfv_test_bad_arguments(dfv_test *t, dfv_test_reject_fn *fn, const dfv_test_shape *shapes, size_t count)
{
    dfv_tensor x[dfv_test_scope_tensors];
    if (count > dfv_test_scope_tensors) {
        dfv_test_fail(t, "bad-argument checks take at most %d tensors", dfv_test_scope_tensors);
        return;
    }
    dfv_test_scope s = dfv_test_scope_open(t);
    for (size_t i = 0; i < count; i++)
        x[i] = dfv_test_scope_output(&s, DFV_F32, shapes[i].t, shapes[i].c, shapes[i].h, shapes[i].w)->view;
    dfv_seq *seq = dfv_test_scope_seq(&s);
    if (seq)
        fn(t, seq, x);
    dfv_test_scope_close(&s);
}
