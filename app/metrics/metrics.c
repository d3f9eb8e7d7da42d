#include "metrics.h"

#include <complex.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static inline double luma_at(const uint8_t *p) { return 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2]; }

double dfv_metrics_psnr(const uint8_t *a, const uint8_t *b, int width, int height)
{
    size_t n = (size_t)width * height * 3;
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        double d = (double)a[i] - (double)b[i];
        sum += d * d;
    }
    if (sum == 0) return INFINITY;
    return 10.0 * log10(255.0 * 255.0 / (sum / (double)n));
}

/* ---- SSIM ---- */

enum { SSIM_WINDOW = 11 };

static void gaussian_window(double w[SSIM_WINDOW])
{
    double sum = 0;
    for (int i = 0; i < SSIM_WINDOW; i++) {
        double x = i - (SSIM_WINDOW - 1) / 2.0;
        w[i] = exp(-x * x / (2 * 1.5 * 1.5));
        sum += w[i];
    }
    for (int i = 0; i < SSIM_WINDOW; i++) w[i] /= sum;
}

/* SSIM of one window of size (wx, wy) at (x0, y0) on channel c with separable weights. */
static double ssim_window(const uint8_t *a, const uint8_t *b, int width, int x0, int y0, int wx, int wy, int c,
                          const double *weights_x, const double *weights_y)
{
    const double c1 = (0.01 * 255) * (0.01 * 255), c2 = (0.03 * 255) * (0.03 * 255);
    double ma = 0, mb = 0, aa = 0, bb = 0, ab = 0;
    for (int y = 0; y < wy; y++)
        for (int x = 0; x < wx; x++) {
            double w = weights_x[x] * weights_y[y];
            size_t i = ((size_t)(y0 + y) * width + (x0 + x)) * 3 + c;
            double va = a[i], vb = b[i];
            ma += w * va;
            mb += w * vb;
            aa += w * va * va;
            bb += w * vb * vb;
            ab += w * va * vb;
        }
    double var_a = aa - ma * ma, var_b = bb - mb * mb, cov = ab - ma * mb;
    return ((2 * ma * mb + c1) * (2 * cov + c2)) / ((ma * ma + mb * mb + c1) * (var_a + var_b + c2));
}

double dfv_metrics_ssim(const uint8_t *a, const uint8_t *b, int width, int height)
{
    double g[SSIM_WINDOW];
    gaussian_window(g);
    if (width < SSIM_WINDOW || height < SSIM_WINDOW) {
        double *ux = malloc(sizeof(double) * (size_t)width), *uy = malloc(sizeof(double) * (size_t)height);
        if (!ux || !uy) {
            free(ux);
            free(uy);
            return NAN;
        }
        for (int i = 0; i < width; i++) ux[i] = 1.0 / width;
        for (int i = 0; i < height; i++) uy[i] = 1.0 / height;
        double s = 0;
        for (int c = 0; c < 3; c++) s += ssim_window(a, b, width, 0, 0, width, height, c, ux, uy);
        free(ux);
        free(uy);
        return s / 3;
    }
    double sum = 0;
    long count = 0;
    for (int y = 0; y + SSIM_WINDOW <= height; y++)
        for (int x = 0; x + SSIM_WINDOW <= width; x++)
            for (int c = 0; c < 3; c++) {
                sum += ssim_window(a, b, width, x, y, SSIM_WINDOW, SSIM_WINDOW, c, g, g);
                count++;
            }
    return sum / (double)count;
}

/* ---- phase correlation ---- */

/* In-place DFT of length n: radix-2 FFT when n is a power of two, the direct sum otherwise. */
static void dft(double complex *x, int n, int inverse, double complex *scratch)
{
    double sign = inverse ? 1.0 : -1.0;
    if ((n & (n - 1)) == 0) {
        for (int i = 1, j = 0; i < n; i++) {
            int bit = n >> 1;
            for (; j & bit; bit >>= 1) j ^= bit;
            j ^= bit;
            if (i < j) {
                double complex t = x[i];
                x[i] = x[j];
                x[j] = t;
            }
        }
        for (int len = 2; len <= n; len <<= 1) {
            double complex w_len = cexp(sign * 2.0 * M_PI * I / len);
            for (int i = 0; i < n; i += len) {
                double complex w = 1;
                for (int k = 0; k < len / 2; k++) {
                    double complex u = x[i + k], v = x[i + k + len / 2] * w;
                    x[i + k] = u + v;
                    x[i + k + len / 2] = u - v;
                    w *= w_len;
                }
            }
        }
        return;
    }
    for (int k = 0; k < n; k++) {
        double complex s = 0;
        for (int t = 0; t < n; t++) s += x[t] * cexp(sign * 2.0 * M_PI * I * (double)k * t / n);
        scratch[k] = s;
    }
    memcpy(x, scratch, sizeof(double complex) * (size_t)n);
}

static void windowed_luma_row(const uint8_t *rgb, int width, int y, double complex *out)
{
    double mean = 0;
    for (int x = 0; x < width; x++) mean += luma_at(&rgb[((size_t)y * width + x) * 3]);
    mean /= width;
    for (int x = 0; x < width; x++) {
        double hann = 0.5 - 0.5 * cos(2 * M_PI * (x + 0.5) / width);
        out[x] = (luma_at(&rgb[((size_t)y * width + x) * 3]) - mean) * hann;
    }
}

double dfv_metrics_horizontal_shift(const uint8_t *a, const uint8_t *b, int width, int height, double *confidence)
{
    double complex *fa = malloc(sizeof(double complex) * (size_t)width * 4);
    if (!fa) return NAN;
    double complex *fb = fa + width, *acc = fb + width, *scratch = acc + width;
    memset(acc, 0, sizeof(double complex) * (size_t)width);
    for (int y = 0; y < height; y++) {
        windowed_luma_row(a, width, y, fa);
        windowed_luma_row(b, width, y, fb);
        dft(fa, width, 0, scratch);
        dft(fb, width, 0, scratch);
        /* The cross-power spectrum conj(A)B peaks at the shift taking a to b; summing over rows before
         * normalising lets strong rows outweigh flat ones. */
        for (int k = 0; k < width; k++) acc[k] += conj(fa[k]) * fb[k];
    }
    for (int k = 0; k < width; k++) {
        double m = cabs(acc[k]);
        acc[k] = m > 1e-12 ? acc[k] / m : 0;
    }
    dft(acc, width, 1, scratch);
    int peak = 0;
    for (int k = 1; k < width; k++)
        if (creal(acc[k]) > creal(acc[peak])) peak = k;
    double left = creal(acc[(peak + width - 1) % width]), mid = creal(acc[peak]), right = creal(acc[(peak + 1) % width]);
    double denom = left - 2 * mid + right, offset = denom != 0 ? 0.5 * (left - right) / denom : 0;
    if (offset > 0.5 || offset < -0.5) offset = 0;
    if (confidence) *confidence = mid / width;
    double shift = peak + offset;
    if (shift > width / 2.0) shift -= width;
    free(fa);
    return shift;
}

/* ---- statistics ---- */

double dfv_metrics_brightness(const uint8_t *rgb, int width, int height)
{
    size_t n = (size_t)width * height;
    double sum = 0;
    for (size_t i = 0; i < n; i++) sum += luma_at(&rgb[i * 3]);
    return sum / (double)n / 255.0;
}

double dfv_metrics_saturation(const uint8_t *rgb, int width, int height)
{
    size_t n = (size_t)width * height;
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        const uint8_t *p = &rgb[i * 3];
        int hi = p[0] > p[1] ? p[0] : p[1], lo = p[0] < p[1] ? p[0] : p[1];
        hi = p[2] > hi ? p[2] : hi;
        lo = p[2] < lo ? p[2] : lo;
        if (hi > 0) sum += (double)(hi - lo) / hi;
    }
    return sum / (double)n;
}

double dfv_metrics_sharpness(const uint8_t *rgb, int width, int height)
{
    if (width < 3 || height < 3) return 0;
    double sum = 0, sum2 = 0;
    long n = 0;
    for (int y = 1; y < height - 1; y++)
        for (int x = 1; x < width - 1; x++) {
            const uint8_t *p = &rgb[((size_t)y * width + x) * 3];
            double lap = luma_at(p - 3) + luma_at(p + 3) + luma_at(p - (size_t)width * 3) + luma_at(p + (size_t)width * 3) -
                         4 * luma_at(p);
            sum += lap;
            sum2 += lap * lap;
            n++;
        }
    double mean = sum / n;
    return sum2 / n - mean * mean;
}

double dfv_metrics_change(const uint8_t *a, const uint8_t *b, int width, int height)
{
    size_t n = (size_t)width * height * 3;
    double sum = 0;
    for (size_t i = 0; i < n; i++) sum += abs((int)a[i] - (int)b[i]);
    return sum / (double)n / 255.0;
}
