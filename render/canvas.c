/* Software drawing on the window's picture; see canvas.h. */
#include "canvas.h"

#include <stdlib.h>
#include <string.h>

#include "font.h"

bool dfv_canvas_resize(dfv_canvas *canvas, int width, int height)
{
    if (width == canvas->width && height == canvas->height && canvas->pixels) return true;
    free(canvas->pixels);
    canvas->pixels = NULL;
    canvas->width = canvas->height = 0;
    if (width <= 0 || height <= 0) return false;
    canvas->pixels = calloc((size_t)width * (size_t)height, sizeof *canvas->pixels);
    if (!canvas->pixels) return false;
    canvas->width = width;
    canvas->height = height;
    return true;
}

void dfv_canvas_free(dfv_canvas *canvas)
{
    free(canvas->pixels);
    memset(canvas, 0, sizeof *canvas);
}

static dfv_rect clip(const dfv_canvas *canvas, dfv_rect r)
{
    int x0 = r.x < 0 ? 0 : r.x, y0 = r.y < 0 ? 0 : r.y;
    int x1 = r.x + r.w > canvas->width ? canvas->width : r.x + r.w;
    int y1 = r.y + r.h > canvas->height ? canvas->height : r.y + r.h;
    dfv_rect out = {x0, y0, x1 > x0 ? x1 - x0 : 0, y1 > y0 ? y1 - y0 : 0};
    return out;
}

void dfv_canvas_fill(dfv_canvas *canvas, dfv_rect rect, uint32_t color)
{
    dfv_rect r = clip(canvas, rect);
    for (int y = r.y; y < r.y + r.h; y++) {
        uint32_t *row = canvas->pixels + (size_t)y * canvas->width;
        for (int x = r.x; x < r.x + r.w; x++) row[x] = color;
    }
}

static uint32_t mix(uint32_t under, uint32_t over, int alpha)
{
    uint32_t out = 0;
    for (int shift = 0; shift <= 16; shift += 8) {
        int a = (int)((under >> shift) & 255), b = (int)((over >> shift) & 255);
        out |= (uint32_t)((a * (255 - alpha) + b * alpha + 127) / 255) << shift;
    }
    return out;
}

void dfv_canvas_blend(dfv_canvas *canvas, dfv_rect rect, uint32_t color, int alpha)
{
    dfv_rect r = clip(canvas, rect);
    for (int y = r.y; y < r.y + r.h; y++) {
        uint32_t *row = canvas->pixels + (size_t)y * canvas->width;
        for (int x = r.x; x < r.x + r.w; x++) row[x] = mix(row[x], color, alpha);
    }
}

void dfv_canvas_outline(dfv_canvas *canvas, dfv_rect r, uint32_t color)
{
    dfv_canvas_fill(canvas, (dfv_rect){r.x, r.y, r.w, 1}, color);
    dfv_canvas_fill(canvas, (dfv_rect){r.x, r.y + r.h - 1, r.w, 1}, color);
    dfv_canvas_fill(canvas, (dfv_rect){r.x, r.y, 1, r.h}, color);
    dfv_canvas_fill(canvas, (dfv_rect){r.x + r.w - 1, r.y, 1, r.h}, color);
}

static void put(dfv_canvas *canvas, int x, int y, uint32_t color)
{
    if (x >= 0 && y >= 0 && x < canvas->width && y < canvas->height) canvas->pixels[(size_t)y * canvas->width + x] = color;
}

void dfv_canvas_line(dfv_canvas *canvas, int x0, int y0, int x1, int y1, uint32_t color)
{
    int dx = abs(x1 - x0), dy = -abs(y1 - y0);
    int sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1;
    int error = dx + dy;
    for (;;) {
        put(canvas, x0, y0, color);
        if (x0 == x1 && y0 == y1) break;
        int twice = 2 * error;
        if (twice >= dy) error += dy, x0 += sx;
        if (twice <= dx) error += dx, y0 += sy;
    }
}

/* Bilinear sample at source coordinates (sx, sy) in pixel-centre space, edges clamped. */
static uint32_t sample_bilinear(const uint8_t *rgb, int width, int height, float sx, float sy)
{
    if (sx < 0) sx = 0;
    if (sy < 0) sy = 0;
    if (sx > width - 1) sx = (float)(width - 1);
    if (sy > height - 1) sy = (float)(height - 1);
    int x0 = (int)sx, y0 = (int)sy;
    int x1 = x0 + 1 < width ? x0 + 1 : x0, y1 = y0 + 1 < height ? y0 + 1 : y0;
    float fx = sx - x0, fy = sy - y0;
    uint32_t out = 0;
    for (int c = 0; c < 3; c++) {
        const uint8_t *row0 = rgb + (size_t)y0 * width * 3, *row1 = rgb + (size_t)y1 * width * 3;
        float top = row0[x0 * 3 + c] * (1 - fx) + row0[x1 * 3 + c] * fx;
        float bottom = row1[x0 * 3 + c] * (1 - fx) + row1[x1 * 3 + c] * fx;
        int v = (int)(top * (1 - fy) + bottom * fy + 0.5f);
        out |= (uint32_t)(v > 255 ? 255 : v) << (16 - 8 * c);
    }
    return out;
}

/* Nearest: each destination column's source byte offset is computed once per blit, not per pixel. */
static void blit_nearest(dfv_canvas *canvas, dfv_rect dst, dfv_rect r, const uint8_t *rgb, int width, int height)
{
    int *column = malloc((size_t)r.w * sizeof *column);
    if (!column) return;
    for (int x = 0; x < r.w; x++) column[x] = (int)((int64_t)(r.x + x - dst.x) * width / dst.w) * 3;
    for (int y = r.y; y < r.y + r.h; y++) {
        uint32_t *row = canvas->pixels + (size_t)y * canvas->width + r.x;
        const uint8_t *src = rgb + (size_t)((int64_t)(y - dst.y) * height / dst.h) * width * 3;
        for (int x = 0; x < r.w; x++) {
            const uint8_t *p = src + column[x];
            row[x] = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
        }
    }
    free(column);
}

void dfv_canvas_blit_rgb(dfv_canvas *canvas, dfv_rect dst, const uint8_t *rgb, int width, int height, bool bilinear)
{
    if (dst.w <= 0 || dst.h <= 0 || width <= 0 || height <= 0) return;
    dfv_rect r = clip(canvas, dst);
    if (r.w <= 0 || r.h <= 0) return;
    if (!bilinear) {
        blit_nearest(canvas, dst, r, rgb, width, height);
        return;
    }
    for (int y = r.y; y < r.y + r.h; y++) {
        uint32_t *row = canvas->pixels + (size_t)y * canvas->width;
        float fy = ((float)(y - dst.y) + 0.5f) * height / dst.h - 0.5f;
        for (int x = r.x; x < r.x + r.w; x++) {
            float fx = ((float)(x - dst.x) + 0.5f) * width / dst.w - 0.5f;
            row[x] = sample_bilinear(rgb, width, height, fx, fy);
        }
    }
}

int dfv_canvas_text(dfv_canvas *canvas, int x, int y, int scale, uint32_t color, const char *text)
{
    int pen = x;
    for (const char *c = text; *c; c++, pen += DFV_FONT_CELL_WIDTH * scale)
        for (int gy = 0; gy < DFV_FONT_GLYPH_HEIGHT; gy++)
            for (int gx = 0; gx < DFV_FONT_GLYPH_WIDTH; gx++)
                if (dfv_font_pixel(*c, gx, gy))
                    dfv_canvas_fill(canvas, (dfv_rect){pen + gx * scale, y + gy * scale, scale, scale}, color);
    return pen - x;
}

int dfv_text_width(const char *text, int scale) { return (int)strlen(text) * DFV_FONT_CELL_WIDTH * scale; }
int dfv_text_height(int scale) { return DFV_FONT_CELL_HEIGHT * scale; }

dfv_rect dfv_rect_fit(dfv_rect area, int width, int height)
{
    if (area.w <= 0 || area.h <= 0 || width <= 0 || height <= 0) return (dfv_rect){area.x, area.y, 0, 0};
    int w = area.w, h = (int)((int64_t)area.w * height / width);
    if (h > area.h) {
        h = area.h;
        w = (int)((int64_t)area.h * width / height);
    }
    return (dfv_rect){area.x + (area.w - w) / 2, area.y + (area.h - h) / 2, w, h};
}

bool dfv_rect_contains(dfv_rect r, int x, int y) { return x >= r.x && y >= r.y && x < r.x + r.w && y < r.y + r.h; }

void dfv_canvas_to_rgb(const dfv_canvas *canvas, uint8_t *rgb)
{
    size_t n = (size_t)canvas->width * canvas->height;
    for (size_t i = 0; i < n; i++) {
        uint32_t p = canvas->pixels[i];
        rgb[i * 3] = (uint8_t)(p >> 16);
        rgb[i * 3 + 1] = (uint8_t)(p >> 8);
        rgb[i * 3 + 2] = (uint8_t)p;
    }
}
