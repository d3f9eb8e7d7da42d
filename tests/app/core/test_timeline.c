/* The timeline against a plain model of the tree (parents only), plus concurrent append/read: frames
 * published while another thread appends are complete, and their pointers never move. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "timeline.h"

enum { W = 8, H = 6, FRAME_BYTES = W * H * 3 };

static void pattern(uint8_t *rgb, int id)
{
    for (int i = 0; i < FRAME_BYTES; i++) rgb[i] = (uint8_t)(id * 31 + i * 7);
}

static bool pattern_ok(const uint8_t *rgb, int id)
{
    uint8_t expected[FRAME_BYTES];
    pattern(expected, id);
    return memcmp(rgb, expected, FRAME_BYTES) == 0;
}

/* A hand-built tree: seed 0, 1, 2, 3 on branch 0; 4 forks from 1; 5 extends 4; 6 forks from 1 again;
 * 7 forks from 3's parent 2; 8 is a second seed. */
static int check_branches(void)
{
    int failures = 0;
    dfv_timeline *tl = dfv_timeline_create(W, H, 3);
    uint8_t rgb[FRAME_BYTES];
    float action[3] = {0, 1, 0};
    uint8_t state[DFV_TIMELINE_STATE_BYTES] = {42};
    const int parents[] = {-1, 0, 1, 2, 1, 4, 1, 2, -1};
    const int branches[] = {0, 0, 0, 0, 1, 1, 2, 3, 4};
    const int indices[] = {0, 1, 2, 3, 2, 3, 2, 3, 0};
    for (int id = 0; id < 9; id++) {
        pattern(rgb, id);
        action[0] = (float)id;
        int got = dfv_timeline_append(tl, parents[id], rgb, action, state, id * 1.5);
        CHECK(failures, got == id, "append %d returned %d", id, got);
    }
    CHECK(failures, dfv_timeline_count(tl) == 9, "count %d", dfv_timeline_count(tl));
    CHECK(failures, dfv_timeline_branch_count(tl) == 5, "branches %d", dfv_timeline_branch_count(tl));
    for (int id = 0; id < 9; id++) {
        const dfv_timeline_frame *f = dfv_timeline_get(tl, id);
        CHECK(failures, f->parent == parents[id] && f->branch == branches[id] && f->index == indices[id],
              "frame %d: parent %d branch %d index %d", id, f->parent, f->branch, f->index);
        CHECK(failures, f->action[0] == (float)id && f->action[1] == 1.0f && f->state[0] == 42 && f->generate_ms == id * 1.5,
              "frame %d: stored action/state/time differ", id);
        CHECK(failures, pattern_ok(dfv_timeline_rgb(tl, id), id), "frame %d: pixels differ", id);
    }
    const int heads[] = {3, 5, 6, 7, 8};
    for (int b = 0; b < 5; b++)
        CHECK(failures, dfv_timeline_branch_head(tl, b) == heads[b], "head of branch %d is %d", b, dfv_timeline_branch_head(tl, b));
    int path[8];
    int n = dfv_timeline_path(tl, 5, path, 8);
    CHECK(failures, n == 4 && path[0] == 0 && path[1] == 1 && path[2] == 4 && path[3] == 5, "path to 5 (n=%d)", n);
    n = dfv_timeline_path(tl, 7, path, 2);
    CHECK(failures, n == 2 && path[0] == 2 && path[1] == 7, "last two frames to 7 (n=%d)", n);
    CHECK(failures, dfv_timeline_append(tl, 99, rgb, action, state, 0) == -1, "append after a missing parent accepted");
    CHECK(failures, dfv_timeline_get(tl, 9) == NULL && dfv_timeline_rgb(tl, -1) == NULL, "unknown ids answered");
    CHECK(failures, dfv_timeline_create(W, H, DFV_MAX_ACTIONS + 1) == NULL, "too many actions accepted");
    dfv_timeline_destroy(tl);
    return failures;
}

enum { THREAD_FRAMES = 3000 };

typedef struct {
    dfv_timeline *tl;
    int failures;
} writer_args;

static void *writer(void *arg)
{
    writer_args *a = arg;
    uint8_t rgb[FRAME_BYTES];
    uint32_t lcg = 12345;
    for (int id = 0; id < THREAD_FRAMES; id++) {
        lcg = lcg * 1664525u + 1013904223u;
        int parent = id == 0 ? -1 : (int)(lcg % 4 == 0 ? (lcg >> 8) % (uint32_t)id : (uint32_t)id - 1);
        pattern(rgb, id);
        if (dfv_timeline_append(a->tl, parent, rgb, NULL, NULL, 0) != id) a->failures++;
    }
    return NULL;
}

static int check_concurrency(void)
{
    int failures = 0;
    writer_args args = {dfv_timeline_create(W, H, 2), 0};
    pthread_t thread;
    pthread_create(&thread, NULL, writer, &args);
    const uint8_t *first_pointer = NULL;
    int checked = 0;
    while (checked < THREAD_FRAMES) {
        int count = dfv_timeline_count(args.tl);
        for (; checked < count; checked++) {
            const dfv_timeline_frame *f = dfv_timeline_get(args.tl, checked);
            const uint8_t *rgb = dfv_timeline_rgb(args.tl, checked);
            if (!f || !rgb || !pattern_ok(rgb, checked) ||
                (f->parent >= 0 && f->index != dfv_timeline_get(args.tl, f->parent)->index + 1)) {
                failures++;
                fprintf(stderr, "frame %d incomplete or inconsistent while appending\n", checked);
            }
            if (checked == 0) first_pointer = rgb;
        }
    }
    pthread_join(thread, NULL);
    CHECK(failures, args.failures == 0, "%d appends failed", args.failures);
    CHECK(failures, dfv_timeline_rgb(args.tl, 0) == first_pointer && pattern_ok(first_pointer, 0),
          "the first frame moved or changed while the timeline grew");
    int branches = dfv_timeline_branch_count(args.tl);
    int on_branches = 0;
    for (int b = 0; b < branches; b++) {
        int head = dfv_timeline_branch_head(args.tl, b);
        on_branches += dfv_timeline_get(args.tl, head)->branch == b;
    }
    CHECK(failures, on_branches == branches, "%d of %d branch heads belong to their branch", on_branches, branches);
    dfv_timeline_destroy(args.tl);
    return failures;
}

/* A render's timeline keeps only its window: a chain longer than the chunk directory (1M frames) still
 * appends, the last `keep` frames read back whole, and long-gone frames read as absent. */
static int check_keep_last(void)
{
    int failures = 0, keep = 5, length = (1 << 20) + 1000;
    dfv_timeline *tl = dfv_timeline_create(W, H, 1);
    dfv_timeline_keep_last(tl, keep);
    uint8_t rgb[FRAME_BYTES];
    int id = -1;
    for (int i = 0; i < length; i++) {
        pattern(rgb, i);
        int next = dfv_timeline_append(tl, id, rgb, NULL, NULL, 0);
        if (next != i) {
            CHECK(failures, false, "append %d returned %d", i, next);
            break;
        }
        id = next;
    }
    int ids[8];
    int n = dfv_timeline_path(tl, id, ids, keep);
    CHECK(failures, n == keep, "the window holds %d frames, not %d", n, keep);
    for (int k = 0; k < n; k++)
        CHECK(failures, ids[k] == id - keep + 1 + k && pattern_ok(dfv_timeline_rgb(tl, ids[k]), ids[k]),
              "window frame %d is wrong", k);
    CHECK(failures, dfv_timeline_get(tl, 0) == NULL && dfv_timeline_rgb(tl, id - 1000) == NULL,
          "released frames still read as present");
    CHECK(failures, dfv_timeline_get(tl, id)->index == length - 1, "the newest frame's index is wrong");
    dfv_timeline_destroy(tl);
    return failures;
}

int main(void)
{
    int failures = check_branches() + check_concurrency() + check_keep_last();
    if (failures) fprintf(stderr, "%d check(s) failed\n", failures);
    return failures ? 1 : 0;
}
