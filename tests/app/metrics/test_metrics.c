/* Metrics on synthetic cases whose answers follow from the definitions: identical frames, constant
 * frames (closed-form SSIM), known offsets (closed-form PSNR), cyclic shifts of known size and sign,
 * single impulses (closed-form Laplacian variance), pure colours. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "maze.h"
#include "metrics.h"
#include "texture.h"

static void fill(uint8_t *rgb, int n, uint8_t r, uint8_t g, uint8_t b)
{
    for (int i = 0; i < n; i++) rgb[i * 3] = r, rgb[i * 3 + 1] = g, rgb[i * 3 + 2] = b;
}

/* A smooth, non-periodic test picture: value noise in three channels. */
static void noise_picture(uint8_t *rgb, int w, int h, uint64_t seed)
{
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            for (int c = 0; c < 3; c++)
                rgb[(y * w + x) * 3 + c] = (uint8_t)(255 * dfv_tex_noise(seed + c, x / 4.0f, y / 4.0f, 1 << 20));
}

/* b(x) = a(x - s), wrapping around: content moves right by s. */
static void roll(const uint8_t *a, uint8_t *b, int w, int h, int s)
{
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) memcpy(&b[(y * w + x) * 3], &a[(y * w + (((x - s) % w) + w) % w) * 3], 3);
}

static int check_similarity(void)
{
    int failures = 0;
    enum { W = 32, H = 24 };
    static uint8_t a[W * H * 3], b[W * H * 3];
    noise_picture(a, W, H, 3);
    CHECK(failures, isinf(dfv_metrics_psnr(a, a, W, H)), "PSNR of identical frames %f", dfv_metrics_psnr(a, a, W, H));
    CHECK(failures, fabs(dfv_metrics_ssim(a, a, W, H) - 1) < 1e-12, "SSIM of identical frames %f", dfv_metrics_ssim(a, a, W, H));
    fill(a, W * H, 100, 100, 100);
    fill(b, W * H, 110, 110, 110);
    double expected_psnr = 10 * log10(255.0 * 255.0 / 100.0);
    CHECK(failures, fabs(dfv_metrics_psnr(a, b, W, H) - expected_psnr) < 1e-9, "PSNR %f, expected %f", dfv_metrics_psnr(a, b, W, H),
          expected_psnr);
    const double c1 = 2.55 * 2.55;
    double expected_ssim = (2 * 100.0 * 110.0 + c1) / (100.0 * 100.0 + 110.0 * 110.0 + c1);
    CHECK(failures, fabs(dfv_metrics_ssim(a, b, W, H) - expected_ssim) < 1e-9, "SSIM %f, expected %f", dfv_metrics_ssim(a, b, W, H),
          expected_ssim);
    /* More noise, less similarity. */
    noise_picture(a, W, H, 5);
    double previous = 1.0;
    for (int amount = 10; amount <= 60; amount += 25) {
        for (int i = 0; i < W * H * 3; i++) {
            int v = a[i] + ((i * 7919) % (2 * amount + 1)) - amount;
            b[i] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
        }
        double s = dfv_metrics_ssim(a, b, W, H);
        CHECK(failures, s < previous && s > 0, "SSIM %f at noise %d did not drop below %f", s, amount, previous);
        previous = s;
    }
    /* Frames smaller than the window still work. */
    CHECK(failures, fabs(dfv_metrics_ssim(a, a, 8, 8) - 1) < 1e-12, "SSIM of small identical frames");
    return failures;
}

static int check_shift(int w, int h, int s)
{
    int failures = 0;
    uint8_t *a = malloc((size_t)w * h * 3), *b = malloc((size_t)w * h * 3);
    noise_picture(a, w, h, (uint64_t)(w * 31 + s));
    roll(a, b, w, h, s);
    double conf;
    double got = dfv_metrics_horizontal_shift(a, b, w, h, &conf);
    CHECK(failures, fabs(got - s) < 0.6, "width %d: shift %+d measured %+.2f", w, s, got);
    CHECK(failures, conf > 0.2, "width %d: weak peak %.2f for a clean shift", w, conf);
    free(a);
    free(b);
    return failures;
}

/* In a rendered maze, turning left moves the picture right: the phase-correlation sign agrees. */
static int check_turn_sign(void)
{
    int failures = 0, agree = 0, total = 0;
    char err[DFV_ERR_LEN];
    static uint8_t a[64 * 64 * 3], b[64 * 64 * 3];
    for (uint64_t seed = 0; seed < 10; seed++) {
        dfv_maze *m;
        if (dfv_maze_create(seed, 64, &m, err)) return 1;
        float act[DFV_MAZE_ACTION_COUNT] = {0};
        for (int turn = DFV_MAZE_TURN_LEFT; turn <= DFV_MAZE_TURN_RIGHT; turn++) {
            dfv_maze_render(m, a);
            memset(act, 0, sizeof act);
            act[turn] = 1;
            dfv_maze_step(m, act);
            dfv_maze_render(m, b);
            double shift = dfv_metrics_horizontal_shift(a, b, 64, 64, NULL);
            agree += turn == DFV_MAZE_TURN_LEFT ? shift > 0 : shift < 0;
            total++;
        }
        dfv_maze_destroy(m);
    }
    CHECK(failures, agree >= total - 1, "turn sign agreed in %d of %d cases", agree, total);
    return failures;
}

static int check_statistics(void)
{
    int failures = 0;
    enum { N = 5 };
    static uint8_t img[N * N * 3], other[N * N * 3];
    fill(img, N * N, 128, 128, 128);
    CHECK(failures, fabs(dfv_metrics_brightness(img, N, N) - 128.0 / 255.0) < 1e-9, "brightness of grey");
    CHECK(failures, dfv_metrics_saturation(img, N, N) == 0, "saturation of grey");
    CHECK(failures, dfv_metrics_sharpness(img, N, N) == 0, "sharpness of a flat frame");
    fill(img, N * N, 200, 100, 100);
    CHECK(failures, fabs(dfv_metrics_saturation(img, N, N) - 0.5) < 1e-9, "saturation of (200,100,100)");
    fill(img, N * N, 255, 0, 0);
    CHECK(failures, fabs(dfv_metrics_saturation(img, N, N) - 1) < 1e-9, "saturation of red");
    CHECK(failures, fabs(dfv_metrics_brightness(img, N, N) - 0.299) < 1e-9, "brightness of red");
    /* One white pixel in the middle of black: interior Laplacians are -1020 once, +255 four times, 0 four
     * times; mean 0, so the variance is (1020^2 + 4 * 255^2) / 9. */
    fill(img, N * N, 0, 0, 0);
    memset(&img[(2 * N + 2) * 3], 255, 3);
    double expected = (1020.0 * 1020.0 + 4 * 255.0 * 255.0) / 9.0;
    CHECK(failures, fabs(dfv_metrics_sharpness(img, N, N) - expected) < 1e-6, "impulse sharpness %f, expected %f",
          dfv_metrics_sharpness(img, N, N), expected);
    fill(other, N * N, 0, 0, 0);
    CHECK(failures, dfv_metrics_change(other, other, N, N) == 0, "change of a frozen frame");
    CHECK(failures, fabs(dfv_metrics_change(img, other, N, N) - 3.0 / (N * N * 3)) < 1e-12, "change of one white pixel");
    return failures;
}

int main(void)
{
    int failures = check_similarity() + check_statistics() + check_turn_sign();
    failures += check_shift(64, 64, 5) + check_shift(64, 64, -7) + check_shift(128, 32, 11) + check_shift(48, 40, 3) +
                check_shift(48, 40, -4);
    if (failures) fprintf(stderr, "%d check(s) failed\n", failures);
    return failures ? 1 : 0;
}
