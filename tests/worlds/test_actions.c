/* Actions change the view as a person expects: turning left moves the image content right (and right,
 * left) by about focal * tan(turn step) pixels; walking forward magnifies the centre, backward shrinks it.
 * Shifts and zooms are found by brute-force search over candidate warps of the previous frame. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "maze.h"

enum { SIZE = 64 };

static float luma(const uint8_t *rgb, int x, int y)
{
    const uint8_t *p = &rgb[(y * SIZE + x) * 3];
    return 0.299f * p[0] + 0.587f * p[1] + 0.114f * p[2];
}

/* Horizontal shift s (content at x in a is at x+s in b) with the least mean squared difference. */
static int best_shift(const uint8_t *a, const uint8_t *b)
{
    int best = 0;
    double best_err = 1e30;
    for (int s = -14; s <= 14; s++) {
        double err = 0;
        int n = 0;
        for (int y = 0; y < SIZE; y++)
            for (int x = 16; x < SIZE - 16; x++) {
                float d = luma(a, x, y) - luma(b, x + s, y);
                err += d * d;
                n++;
            }
        err /= n;
        if (err < best_err) best_err = err, best = s;
    }
    return best;
}

static float bilinear_luma(const uint8_t *rgb, float x, float y)
{
    x -= 0.5f;
    y -= 0.5f;
    int x0 = (int)floorf(x), y0 = (int)floorf(y);
    float fx = x - x0, fy = y - y0;
    if (x0 < 0 || y0 < 0 || x0 + 1 >= SIZE || y0 + 1 >= SIZE) return 0;
    return (1 - fy) * ((1 - fx) * luma(rgb, x0, y0) + fx * luma(rgb, x0 + 1, y0)) +
           fy * ((1 - fx) * luma(rgb, x0, y0 + 1) + fx * luma(rgb, x0 + 1, y0 + 1));
}

/* Mean squared difference between b's central half and a magnified by `scale` about the centre. */
static double zoom_error(const uint8_t *a, const uint8_t *b, float scale)
{
    double err = 0;
    int n = 0;
    const float c = SIZE * 0.5f;
    for (int y = SIZE / 4; y < 3 * SIZE / 4; y++)
        for (int x = SIZE / 4; x < 3 * SIZE / 4; x++) {
            float sx = c + ((float)x + 0.5f - c) / scale, sy = c + ((float)y + 0.5f - c) / scale;
            float d = bilinear_luma(a, sx, sy) - luma(b, x, y);
            err += d * d;
            n++;
        }
    return err / n;
}

static float best_zoom(const uint8_t *a, const uint8_t *b)
{
    float best = 1.0f;
    double best_err = 1e30;
    for (float s = 0.7f; s <= 1.45f; s += 0.01f) {
        double e = zoom_error(a, b, s);
        if (e < best_err) best_err = e, best = s;
    }
    return best;
}

/* A pose with a long free view ahead, so moves are not blocked and the view has depth. */
static int find_open_view(dfv_maze *maze, uint64_t seed)
{
    for (int cy = 1; cy < DFV_MAZE_MAP - 1; cy++)
        for (int cx = 1; cx < DFV_MAZE_MAP - 1; cx++) {
            if (dfv_maze_cell(maze, cx, cy) != DFV_MAZE_OPEN) continue;
            for (int k = 0; k < 8; k++) {
                float yaw = 0.35f + k * 0.785398f + (float)(seed % 5) * 0.05f;
                dfv_maze_set_pose(maze, cx + 0.5f, cy + 0.5f, yaw);
                if (!dfv_maze_body_collides(maze, cx + 0.5f, cy + 0.5f) && dfv_maze_clearance(maze, 0.0f, 4.0f) >= 3.0f &&
                    dfv_maze_clearance(maze, 0.4f, 2.0f) >= 1.0f && dfv_maze_clearance(maze, -0.4f, 2.0f) >= 1.0f)
                    return 0;
            }
        }
    return -1;
}

static void press(dfv_maze *maze, int action, int times)
{
    float a[DFV_MAZE_ACTION_COUNT] = {0};
    a[action] = 1;
    for (int i = 0; i < times; i++) dfv_maze_step(maze, a);
}

static int check_seed(uint64_t seed, int *measured)
{
    int failures = 0;
    char err[DFV_ERR_LEN];
    dfv_maze *maze;
    if (dfv_maze_create(seed, SIZE, &maze, err)) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    if (find_open_view(maze, seed)) {
        dfv_maze_destroy(maze);
        return 0; /* no long view in this maze: nothing to measure */
    }
    (*measured)++;
    static uint8_t a[SIZE * SIZE * 3], b[SIZE * SIZE * 3];
    dfv_world_pose start = dfv_maze_pose(maze);
    const float expected = 0.5f * SIZE / tanf(DFV_MAZE_FOV * 0.5f) * tanf(DFV_MAZE_TURN_STEP);

    dfv_maze_render(maze, a);
    press(maze, DFV_MAZE_TURN_LEFT, 1);
    dfv_maze_render(maze, b);
    int left = best_shift(a, b);
    CHECK(failures, left > 0 && fabsf(left - expected) <= 2.5f, "seed %llu: turn_left shifted %d px, expected about +%.1f",
          (unsigned long long)seed, left, expected);

    dfv_maze_set_pose(maze, start.x, start.y, start.yaw);
    press(maze, DFV_MAZE_TURN_RIGHT, 1);
    dfv_maze_render(maze, b);
    int right = best_shift(a, b);
    CHECK(failures, right < 0 && fabsf(-right - expected) <= 2.5f,
          "seed %llu: turn_right shifted %d px, expected about -%.1f", (unsigned long long)seed, right, expected);

    dfv_maze_set_pose(maze, start.x, start.y, start.yaw);
    press(maze, DFV_MAZE_FORWARD, 4);
    dfv_maze_render(maze, b);
    float zoom_in = best_zoom(a, b);
    CHECK(failures, zoom_in > 1.03f, "seed %llu: forward zoomed %.2f, expected > 1", (unsigned long long)seed, zoom_in);
    CHECK(failures, zoom_error(a, b, zoom_in) < zoom_error(a, b, 1.0f), "seed %llu: zoom does not explain forward",
          (unsigned long long)seed);

    dfv_maze_set_pose(maze, start.x, start.y, start.yaw);
    press(maze, DFV_MAZE_FORWARD, 4);
    dfv_maze_render(maze, a);
    press(maze, DFV_MAZE_BACKWARD, 4);
    dfv_maze_render(maze, b);
    float zoom_out = best_zoom(a, b);
    CHECK(failures, zoom_out < 0.97f, "seed %llu: backward zoomed %.2f, expected < 1", (unsigned long long)seed, zoom_out);
    dfv_maze_destroy(maze);
    return failures;
}

int main(void)
{
    int failures = 0, measured = 0;
    for (uint64_t seed = 0; seed < 12; seed++) failures += check_seed(seed, &measured);
    CHECK(failures, measured >= 8, "only %d of 12 mazes had a long enough view to measure", measured);
    if (failures) fprintf(stderr, "%d check(s) failed\n", failures);
    return failures ? 1 : 0;
}
