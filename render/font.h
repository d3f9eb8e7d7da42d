/* A small bitmap font drawn for dfview (5×7 glyphs in 6×9 cells), embedded in the binary: the HUD needs
 * no font file and looks the same everywhere. Letters are upper case only; lower case maps to them. */
#ifndef DFV_FONT_H
#define DFV_FONT_H

#include <stdbool.h>

#define DFV_FONT_GLYPH_WIDTH 5
#define DFV_FONT_GLYPH_HEIGHT 7
#define DFV_FONT_CELL_WIDTH 6
#define DFV_FONT_CELL_HEIGHT 9

/* Whether pixel (x, y) of character c's glyph is set; characters without a glyph draw as a box. */
bool dfv_font_pixel(char c, int x, int y);

#endif
