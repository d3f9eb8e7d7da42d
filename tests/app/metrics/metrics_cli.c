/* Prints PSNR and SSIM (app/metrics/metrics.c) of two raw RGB8 frames, for the numpy reference in
 * test_metrics_reference.py.  usage: metrics_cli WIDTH HEIGHT A.rgb B.rgb */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "metrics.h"

static uint8_t *read_frame(const char *path, size_t bytes)
{
    FILE *f = fopen(path, "rb");
    uint8_t *rgb = f ? malloc(bytes) : NULL;
    bool ok = rgb && fread(rgb, 1, bytes, f) == bytes && fgetc(f) == EOF;
    if (f)
        fclose(f);
    if (!ok) {
        fprintf(stderr, "metrics_cli: %s: not %zu bytes of RGB8\n", path, bytes);
        free(rgb);
        return NULL;
    }
    return rgb;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: metrics_cli WIDTH HEIGHT A.rgb B.rgb\n");
        return 2;
    }
    int w = atoi(argv[1]), h = atoi(argv[2]);
    if (w < 1 || h < 1 || w > 4096 || h > 4096) {
        fprintf(stderr, "metrics_cli: bad size %sx%s\n", argv[1], argv[2]);
        return 2;
    }
    size_t bytes = (size_t)w * h * 3;
    uint8_t *a = read_frame(argv[3], bytes), *b = read_frame(argv[4], bytes);
    int rc = a && b ? 0 : 1;
    if (!rc)
        printf("%.17g %.17g\n", dfv_metrics_psnr(a, b, w, h), dfv_metrics_ssim(a, b, w, h));
    free(a);
    free(b);
    return rc;
}
