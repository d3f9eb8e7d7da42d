/* Software drawing: scaling against a direct computation, aspect fitting, clipping, the font's coverage,
 * and the history bar's hit testing. */
#include <stdlib.h>
#include <string.h>

#include "canvas.h"
#include "check.h"
#include "font.h"
#include "layout.h"
#include "timeline_bar.h"

static int check_blit(void)
{
    int failures = 0;
    enum { SW = 4, SH = 3 };
    uint8_t src[SW * SH * 3];
    for (int i = 0; i < SW * SH * 3; i++) src[i] = (uint8_t)(i * 19 + 3);
    dfv_canvas c = {0};
    dfv_canvas_resize(&c, 12, 9);
    dfv_canvas_fill(&c, (dfv_rect){0, 0, 12, 9}, 0x123456);
    dfv_rect dst = {2, 1, 8, 6};
    dfv_canvas_blit_rgb(&c, dst, src, SW, SH, false);
    int wrong = 0;
    for (int y = 0; y < 9; y++)
        for (int x = 0; x < 12; x++) {
            uint32_t expected = 0x123456;
            if (x >= 2 && x < 10 && y >= 1 && y < 7) {
                const uint8_t *p = src + (((y - 1) / 2) * SW + (x - 2) / 2) * 3;
                expected = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
            }
            wrong += c.pixels[y * 12 + x] != expected;
        }
    CHECK(failures, wrong == 0, "%d pixels wrong after a nearest 2x blit", wrong);
    /* Bilinear at 1:1 samples pixel centres: the image itself. */
    dfv_canvas_blit_rgb(&c, (dfv_rect){0, 0, SW, SH}, src, SW, SH, true);
    uint8_t back[12 * 9 * 3];
    dfv_canvas_to_rgb(&c, back);
    wrong = 0;
    for (int y = 0; y < SH; y++) wrong += memcmp(back + y * 12 * 3, src + y * SW * 3, SW * 3) != 0;
    CHECK(failures, wrong == 0, "bilinear 1:1 changed %d rows", wrong);
    /* Drawing far outside clips instead of writing out of bounds. */
    dfv_canvas_fill(&c, (dfv_rect){-50, -50, 1000, 3}, 0);
    dfv_canvas_line(&c, -100, -100, 200, 300, 0xffffff);
    dfv_canvas_text(&c, 10, 7, 3, 0xffffff, "CLIPPED");
    dfv_canvas_free(&c);
    return failures;
}

static int check_fit(void)
{
    int failures = 0;
    dfv_rect r = dfv_rect_fit((dfv_rect){0, 0, 800, 400}, 64, 64);
    CHECK(failures, r.w == 400 && r.h == 400 && r.x == 200 && r.y == 0, "square in wide: %d,%d %dx%d", r.x, r.y, r.w, r.h);
    r = dfv_rect_fit((dfv_rect){10, 20, 300, 900}, 128, 64);
    CHECK(failures, r.w == 300 && r.h == 150 && r.x == 10 && r.y == 20 + 375, "wide in tall: %d,%d %dx%d", r.x, r.y, r.w, r.h);
    dfv_layout split = dfv_layout_compute(640, 300, 64, 64, false, true);
    CHECK(failures, split.frame.w == split.companion.w && split.frame.h == split.companion.h &&
                        split.frame.x + split.frame.w <= split.companion.x && split.companion.x + split.companion.w <= 640,
          "split views differ in size or overlap");
    dfv_layout l = dfv_layout_compute(640, 480, 64, 64, true, false);
    CHECK(failures, l.panel.h > 0 && l.frame.y + l.frame.h <= l.panel.y && l.panel.y + l.panel.h <= l.bar.y &&
                        l.bar.y + l.bar.h == 480 && l.frame.w == l.frame.h,
          "layout with panel overlaps or loses the aspect");
    return failures;
}

static int check_font(void)
{
    int failures = 0;
    /* Every printable character has its own glyph (not the missing-glyph box); letters ignore case. */
    static bool bitmaps[128][35];
    for (int c = 33; c < 127; c++) {
        bool box = true;
        for (int y = 0; y < 7; y++)
            for (int x = 0; x < 5; x++) {
                bitmaps[c][y * 5 + x] = dfv_font_pixel((char)c, x, y);
                bool edge = x == 0 || y == 0 || x == 4 || y == 6;
                if (bitmaps[c][y * 5 + x] != edge) box = false;
            }
        CHECK(failures, !box, "'%c' has no glyph", c);
    }
    for (int a = 33; a < 127; a++)
        for (int b = a + 1; b < 127; b++) {
            bool lower_pair = b >= 'a' && b <= 'z' && a == b - 32;
            bool same = !memcmp(bitmaps[a], bitmaps[b], sizeof bitmaps[a]);
            if (lower_pair) CHECK(failures, same, "'%c' and '%c' differ", a, b);
            else if (!(a >= 'a' && a <= 'z') && !(b >= 'a' && b <= 'z')) CHECK(failures, !same, "'%c' and '%c' look the same", a, b);
        }
    return failures;
}

static int check_bar(void)
{
    int failures = 0;
    dfv_rect rect = {0, 100, 400, 20};
    dfv_timeline_bar bar = {.length = 50, .position = 10, .text_scale = 1};
    int previous = -1, monotone = 1;
    for (int x = 0; x < 400; x++) {
        int index = dfv_timeline_bar_index_at(rect, &bar, x);
        if (index < previous || index < 0 || index >= 50) monotone = 0;
        previous = index;
    }
    CHECK(failures, monotone && dfv_timeline_bar_index_at(rect, &bar, 0) == 0 && dfv_timeline_bar_index_at(rect, &bar, 399) == 49,
          "bar hit test is not a monotone map onto 0..49");
    return failures;
}

int main(void)
{
    int failures = check_blit() + check_fit() + check_font() + check_bar();
    if (failures) fprintf(stderr, "%d check(s) failed\n", failures);
    return failures ? 1 : 0;
}
