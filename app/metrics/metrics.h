/* Frame metrics for `dfview eval` and the viewer's stability panel. Frames are RGB24, width*height*3
 * bytes, rows top to bottom. Pure functions; nothing is allocated that outlives a call. */
#ifndef DFV_METRICS_H
#define DFV_METRICS_H

#include <stdint.h>

/* Peak signal-to-noise ratio in dB over all channels (peak 255); INFINITY for identical frames. */
double dfv_metrics_psnr(const uint8_t *a, const uint8_t *b, int width, int height);
/* Structural similarity (Wang et al. 2004): 11x11 Gaussian window (sigma 1.5), K1 0.01, K2 0.03, on each
 * channel over the windows that fit inside the frame, averaged. 1 for identical frames. Frames smaller
 * than the window use one window covering the whole frame. */
double dfv_metrics_ssim(const uint8_t *a, const uint8_t *b, int width, int height);
/* Horizontal shift in pixels of b relative to a by phase correlation of luma rows (Hann windowed):
 * positive when the content of a appears further right in b (what turning left produces). Sub-pixel by a
 * parabola through the peak. *confidence (optional) is the peak's height, 0..1. */
double dfv_metrics_horizontal_shift(const uint8_t *a, const uint8_t *b, int width, int height, double *confidence);
/* Mean luma (Rec. 601) in 0..1. */
double dfv_metrics_brightness(const uint8_t *rgb, int width, int height);
/* Mean HSV saturation (max-min)/max in 0..1 (0 for black pixels). */
double dfv_metrics_saturation(const uint8_t *rgb, int width, int height);
/* Variance of the 4-neighbour Laplacian of luma (luma in 0..255), over interior pixels: blur lowers it. */
double dfv_metrics_sharpness(const uint8_t *rgb, int width, int height);
/* Mean absolute difference between consecutive frames, 0..1 (0: frozen). */
double dfv_metrics_change(const uint8_t *a, const uint8_t *b, int width, int height);

#endif
