#include "texture.h"

#include <math.h>

dfv_color dfv_color_hsv(float hue, float saturation, float value)
{
    float h = (hue - floorf(hue)) * 6.0f;
    int sector = (int)h;
    float f = h - (float)sector;
    float p = value * (1.0f - saturation), q = value * (1.0f - saturation * f),
          t = value * (1.0f - saturation * (1.0f - f));
    switch (sector) {
    case 0: return (dfv_color){value, t, p};
    case 1: return (dfv_color){q, value, p};
    case 2: return (dfv_color){p, value, t};
    case 3: return (dfv_color){p, q, value};
    case 4: return (dfv_color){t, p, value};
    default: return (dfv_color){value, p, q};
    }
}

static float lattice(uint64_t seed, int x, int y)
{
    uint64_t h = dfv_rng_mix(seed ^ ((uint64_t)(uint32_t)x * 0x9e3779b1ULL) ^ ((uint64_t)(uint32_t)y << 32));
    return (float)(h >> 40) * (1.0f / 16777216.0f);
}

float dfv_tex_noise(uint64_t seed, float x, float y, int period)
{
    float fx = floorf(x), fy = floorf(y);
    int ix = (int)fx, iy = (int)fy;
    float tx = x - fx, ty = y - fy;
    tx = tx * tx * (3.0f - 2.0f * tx);
    ty = ty * ty * (3.0f - 2.0f * ty);
    int x0 = ((ix % period) + period) % period, y0 = ((iy % period) + period) % period;
    int x1 = (x0 + 1) % period, y1 = (y0 + 1) % period;
    float a = lattice(seed, x0, y0), b = lattice(seed, x1, y0), c = lattice(seed, x0, y1), d = lattice(seed, x1, y1);
    return (a + (b - a) * tx) + ((c + (d - c) * tx) - (a + (b - a) * tx)) * ty;
}

/* Two octaves of tiling noise at texel (x, y), in [0, 1]. */
static float grain(uint64_t seed, int x, int y, int cells)
{
    float s = (float)cells / DFV_TEX_SIZE;
    return 0.65f * dfv_tex_noise(seed, x * s, y * s, cells) +
           0.35f * dfv_tex_noise(seed + 1, x * s * 2.0f, y * s * 2.0f, cells * 2);
}

static void put(dfv_texture *tex, int x, int y, dfv_color c, float light)
{
    float rgb[3] = {c.r * light, c.g * light, c.b * light};
    for (int k = 0; k < 3; k++) {
        float v = rgb[k] * 255.0f;
        tex->rgb[(y * DFV_TEX_SIZE + x) * 3 + k] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
    }
}

static dfv_color mix(dfv_color a, dfv_color b, float t)
{
    return (dfv_color){a.r + (b.r - a.r) * t, a.g + (b.g - a.g) * t, a.b + (b.b - a.b) * t};
}

/* Per pattern: colour and brightness of one texel. */
static void pattern_texel(dfv_pattern pattern, int x, int y, dfv_color base, dfv_color accent, uint64_t seed,
                          dfv_color *out, float *light)
{
    float n = grain(seed, x, y, 8);
    *light = 0.8f + 0.4f * n;
    *out = base;
    switch (pattern) {
    case DFV_PATTERN_BRICKS: {
        int row = y / 8, offset = (row & 1) * 8;
        int bx = (x + offset) % 16;
        int brick_id = row * 2 + (x + offset) / 16;
        if (y % 8 == 7 || bx == 15) {
            *out = accent;
            *light = 0.9f;
        } else {
            *light *= 0.85f + 0.3f * lattice(seed + 7, brick_id, 0);
        }
        break;
    }
    case DFV_PATTERN_BLOCKS: {
        int bx = x % 16, by = y % 16;
        if (bx == 0 || by == 0) *light *= 1.3f;
        else if (bx == 15 || by == 15) *light *= 0.55f;
        *out = mix(base, accent, 0.25f * lattice(seed + 3, x / 16, y / 16));
        break;
    }
    case DFV_PATTERN_PLANKS: {
        int plank = x / 8;
        float streak = dfv_tex_noise(seed + (uint64_t)plank, plank * 0.5f, y * 0.25f, 8);
        *light = 0.75f + 0.35f * streak + 0.1f * lattice(seed + 5, plank, 0);
        if (x % 8 == 0) *light *= 0.6f;
        break;
    }
    case DFV_PATTERN_TILES:
        if (x % 8 == 0 || y % 8 == 0) {
            *out = accent;
            *light = 0.7f;
        } else {
            *light = 0.9f + 0.15f * n;
        }
        break;
    case DFV_PATTERN_WAINSCOT:
        if (y >= 20) *out = accent;
        if (y == 19 || y == 20) *light *= 1.35f;
        if (y >= 20 && x % 8 == 0) *light *= 0.7f;
        break;
    case DFV_PATTERN_ROCK:
        *light = 0.55f + 0.7f * grain(seed, x, y, 4);
        *out = mix(base, accent, grain(seed + 9, x, y, 2));
        break;
    case DFV_PATTERN_CHECKER:
        if (((x / 16) ^ (y / 16)) & 1) *out = accent;
        *light = 0.85f + 0.25f * n;
        break;
    case DFV_PATTERN_CARPET:
        *light = 0.75f + 0.4f * grain(seed, x, y, 16);
        if ((x + y) % 16 == 0 || (x - y + 32) % 16 == 0) *out = mix(base, accent, 0.6f);
        break;
    case DFV_PATTERN_CEILING_PANELS: {
        int bx = x % 16, by = y % 16;
        *light = 0.85f + 0.15f * n;
        if (bx == 0 || by == 0) *light = 0.55f;
        if (bx >= 5 && bx <= 10 && by >= 5 && by <= 10) {
            *out = (dfv_color){1.0f, 0.97f, 0.85f};
            *light = 1.0f;
        }
        break;
    }
    case DFV_PATTERN_POSTER: {
        /* A framed picture: a sun disc over two colour bands; shapes move with the seed. */
        float cx = 10.0f + 12.0f * lattice(seed, 1, 1), cy = 10.0f + 6.0f * lattice(seed, 2, 2);
        float r2 = (x - cx) * (x - cx) + (y - cy) * (y - cy);
        float horizon = 18.0f + 6.0f * lattice(seed, 3, 3) + 3.0f * sinf(x * 0.3f + 6.0f * lattice(seed, 4, 4));
        *light = 1.0f;
        if (x < 2 || y < 2 || x > 29 || y > 29) *out = (dfv_color){0.12f, 0.1f, 0.08f};
        else if (r2 < 20.0f) *out = (dfv_color){1.0f, 0.9f, 0.3f};
        else if (y > horizon) *out = accent;
        else *out = mix(base, (dfv_color){1, 1, 1}, 0.3f * (float)y / 32.0f);
        break;
    }
    default: break;
    }
}

void dfv_texture_make(dfv_texture *tex, dfv_pattern pattern, dfv_color base, dfv_color accent, uint64_t seed)
{
    for (int y = 0; y < DFV_TEX_SIZE; y++)
        for (int x = 0; x < DFV_TEX_SIZE; x++) {
            dfv_color c;
            float light;
            pattern_texel(pattern, x, y, base, accent, seed, &c, &light);
            put(tex, x, y, c, light);
        }
}
