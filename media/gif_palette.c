#include "gif_palette.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define CELL_BITS 5
#define CELL_COUNT (1 << (3 * CELL_BITS))
#define EXACT_SLOTS 1024 /* open-addressing table for the exact-colour path; > 4 × 256 */

typedef struct {
    uint64_t sum[3];
    uint32_t count;
} colour_cell;

typedef struct {
    int first, last; /* a range of occupied cells in dfv_gif_quantizer.occupied */
    uint64_t weight;
} colour_box;

struct dfv_gif_quantizer {
    colour_cell cells[CELL_COUNT];
    int16_t cell_to_index[CELL_COUNT]; /* -1: not yet mapped this frame */
    int occupied[CELL_COUNT];
    int occupied_count;
    uint32_t exact_colours[EXACT_SLOTS];
    int16_t exact_index[EXACT_SLOTS];
};

static int cell_of(const uint8_t *p)
{
    return (p[0] >> 3) << 10 | (p[1] >> 3) << 5 | p[2] >> 3;
}

static int cell_channel(int cell, int channel)
{
    return cell >> (10 - 5 * channel) & 31;
}

dfv_gif_quantizer *dfv_gif_quantizer_create(void)
{
    return calloc(1, sizeof(dfv_gif_quantizer));
}

void dfv_gif_quantizer_destroy(dfv_gif_quantizer *quantizer)
{
    free(quantizer);
}

static uint32_t exact_hash(uint32_t colour)
{
    return (colour * 2654435761u) >> 22; /* top 10 bits: EXACT_SLOTS */
}

/* Returns the slot of colour, inserting it when absent; -1 when the table holds 256 colours already. */
static int exact_slot(dfv_gif_quantizer *q, uint32_t colour, int *palette_size, uint32_t palette[256])
{
    for (uint32_t slot = exact_hash(colour);; slot = (slot + 1) % EXACT_SLOTS) {
        if (q->exact_index[slot] < 0) {
            if (*palette_size == 256)
                return -1;
            q->exact_colours[slot] = colour;
            q->exact_index[slot] = (int16_t)*palette_size;
            palette[(*palette_size)++] = colour;
            return (int)slot;
        }
        if (q->exact_colours[slot] == colour)
            return (int)slot;
    }
}

static bool quantize_exact(dfv_gif_quantizer *q, const uint8_t *rgb, int width, int height, int stride,
                           uint32_t palette[256], uint8_t *indices, int index_stride)
{
    memset(q->exact_index, 0xff, sizeof q->exact_index);
    int palette_size = 0;
    for (int y = 0; y < height; y++) {
        for (int x = 0; x < width; x++) {
            const uint8_t *p = rgb + (size_t)y * stride + x * 3;
            uint32_t colour = 0xff000000u | (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
            int slot = exact_slot(q, colour, &palette_size, palette);
            if (slot < 0)
                return false;
            indices[(size_t)y * index_stride + x] = (uint8_t)q->exact_index[slot];
        }
    }
    return true;
}

static void build_histogram(dfv_gif_quantizer *q, const uint8_t *rgb, int width, int height, int stride)
{
    memset(q->cells, 0, sizeof q->cells);
    q->occupied_count = 0;
    for (int y = 0; y < height; y++) {
        for (int x = 0; x < width; x++) {
            const uint8_t *p = rgb + (size_t)y * stride + x * 3;
            colour_cell *cell = &q->cells[cell_of(p)];
            if (cell->count++ == 0)
                q->occupied[q->occupied_count++] = cell_of(p);
            for (int c = 0; c < 3; c++)
                cell->sum[c] += p[c];
        }
    }
}

/* The channel with the widest spread of cells in the box: the one to cut. */
static int widest_channel(const dfv_gif_quantizer *q, const colour_box *box, int *spread)
{
    int best = 0;
    *spread = -1;
    for (int c = 0; c < 3; c++) {
        int lo = 31, hi = 0;
        for (int i = box->first; i <= box->last; i++) {
            int v = cell_channel(q->occupied[i], c);
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
        }
        if (hi - lo > *spread) {
            *spread = hi - lo;
            best = c;
        }
    }
    return best;
}

static void sort_cells_by_channel(dfv_gif_quantizer *q, const colour_box *box, int channel)
{
    /* Counting sort over the 32 channel values keeps this linear. */
    int counts[33] = {0};
    int n = box->last - box->first + 1;
    int *sorted = malloc(sizeof(int) * (size_t)n);
    if (!sorted)
        return;
    for (int i = box->first; i <= box->last; i++)
        counts[cell_channel(q->occupied[i], channel) + 1]++;
    for (int v = 1; v <= 32; v++)
        counts[v] += counts[v - 1];
    for (int i = box->first; i <= box->last; i++)
        sorted[counts[cell_channel(q->occupied[i], channel)]++] = q->occupied[i];
    memcpy(q->occupied + box->first, sorted, sizeof(int) * (size_t)n);
    free(sorted);
}

/* Splits at the weighted median; returns false when the box holds one cell or one value. */
static bool split_box(dfv_gif_quantizer *q, colour_box *box, colour_box *upper)
{
    int spread = 0;
    int channel = widest_channel(q, box, &spread);
    if (box->first == box->last || spread == 0)
        return false;
    sort_cells_by_channel(q, box, channel);
    /* Both halves keep at least one cell. */
    uint64_t half = box->weight / 2;
    int cut = box->first;
    uint64_t acc = q->cells[q->occupied[cut]].count;
    while (cut < box->last - 1 && acc < half)
        acc += q->cells[q->occupied[++cut]].count;
    *upper = (colour_box){cut + 1, box->last, box->weight - acc};
    box->last = cut;
    box->weight = acc;
    return true;
}

static int median_cut(dfv_gif_quantizer *q, colour_box boxes[256], uint64_t total)
{
    int box_count = 1;
    boxes[0] = (colour_box){0, q->occupied_count - 1, total};
    bool splittable[256] = {true};
    while (box_count < 256) {
        int pick = -1;
        for (int i = 0; i < box_count; i++)
            if (splittable[i] && (pick < 0 || boxes[i].weight > boxes[pick].weight))
                pick = i;
        if (pick < 0)
            break;
        splittable[pick] = split_box(q, &boxes[pick], &boxes[box_count]);
        if (splittable[pick])
            splittable[box_count++] = true;
    }
    return box_count;
}

static uint32_t box_mean_colour(const dfv_gif_quantizer *q, const colour_box *box)
{
    uint64_t sum[3] = {0}, count = 0;
    for (int i = box->first; i <= box->last; i++) {
        const colour_cell *cell = &q->cells[q->occupied[i]];
        for (int c = 0; c < 3; c++)
            sum[c] += cell->sum[c];
        count += cell->count;
    }
    uint32_t colour = 0xff000000u;
    for (int c = 0; c < 3; c++)
        colour |= (uint32_t)((sum[c] + count / 2) / count) << (16 - 8 * c);
    return colour;
}

static int nearest_entry(const uint32_t palette[256], int size, const colour_cell *cell)
{
    int best = 0;
    long best_distance = -1;
    for (int i = 0; i < size; i++) {
        long distance = 0;
        for (int c = 0; c < 3; c++) {
            long mean = (long)(cell->sum[c] / cell->count);
            long d = mean - (long)(palette[i] >> (16 - 8 * c) & 0xff);
            distance += d * d;
        }
        if (best_distance < 0 || distance < best_distance) {
            best_distance = distance;
            best = i;
        }
    }
    return best;
}

static void quantize_median_cut(dfv_gif_quantizer *q, const uint8_t *rgb, int width, int height, int stride,
                                uint32_t palette[256], uint8_t *indices, int index_stride)
{
    build_histogram(q, rgb, width, height, stride);
    colour_box boxes[256];
    int size = median_cut(q, boxes, (uint64_t)width * height);
    for (int i = 0; i < size; i++)
        palette[i] = box_mean_colour(q, &boxes[i]);
    /* Map each occupied cell (by its mean colour) to its nearest entry once, then every pixel by cell. */
    for (int i = 0; i < q->occupied_count; i++) {
        int cell = q->occupied[i];
        q->cell_to_index[cell] = (int16_t)nearest_entry(palette, size, &q->cells[cell]);
    }
    for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++)
            indices[(size_t)y * index_stride + x] =
                (uint8_t)q->cell_to_index[cell_of(rgb + (size_t)y * stride + x * 3)];
}

void dfv_gif_quantize(dfv_gif_quantizer *quantizer, const uint8_t *rgb, int width, int height, int stride,
                      uint32_t palette[256], uint8_t *indices, int index_stride)
{
    for (int i = 0; i < 256; i++)
        palette[i] = 0xff000000u;
    if (quantize_exact(quantizer, rgb, width, height, stride, palette, indices, index_stride))
        return;
    for (int i = 0; i < 256; i++)
        palette[i] = 0xff000000u;
    quantize_median_cut(quantizer, rgb, width, height, stride, palette, indices, index_stride);
}
