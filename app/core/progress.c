#include "progress.h"

#include <pthread.h>
#include <stdio.h>
#include <time.h>

static void stop_set(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGTERM);
}

void dfv_stop_signals_block(sigset_t *old)
{
    sigset_t stop;
    stop_set(&stop);
    pthread_sigmask(SIG_BLOCK, &stop, old);
}

void dfv_stop_signals_restore(const sigset_t *old)
{
    pthread_sigmask(SIG_SETMASK, old, NULL);
}

bool dfv_stop_requested(void)
{
    sigset_t stop;
    stop_set(&stop);
    struct timespec zero = {0, 0};
    return sigtimedwait(&stop, NULL, &zero) > 0;
}

double dfv_seconds_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

void dfv_progress_begin(dfv_progress *p, const char *command, int64_t total, bool quiet)
{
    *p = (dfv_progress){.command = command, .total = total, .quiet = quiet, .started = dfv_seconds_now(),
                        .last_print = -1};
}

void dfv_progress_restart(dfv_progress *p) { p->started = dfv_seconds_now(); }

double dfv_progress_seconds(const dfv_progress *p) { return dfv_seconds_now() - p->started; }

void dfv_progress_report(dfv_progress *p, int64_t done, const char *stage)
{
    double now = dfv_seconds_now();
    if (p->quiet || (p->last_print >= 0 && now - p->last_print < 0.25 && done < p->total)) return;
    p->last_print = now;
    double elapsed = now - p->started, fps = elapsed > 0 && done > 0 ? done / elapsed : 0;
    double eta = fps > 0 ? (p->total - done) / fps : 0;
    enum { WIDTH = 30 };
    char bar[WIDTH + 1];
    int filled = (int)(WIDTH * done / (p->total > 0 ? p->total : 1));
    for (int i = 0; i < WIDTH; i++) bar[i] = i < filled ? '#' : '.';
    bar[WIDTH] = 0;
    fprintf(stderr, "\rdfview %s: %s%s[%s] %lld/%lld frames  %.2f frames/s  ETA %02d:%02d:%02d ", p->command,
            stage ? stage : "", stage ? " " : "", bar, (long long)done, (long long)p->total, fps, (int)(eta / 3600),
            (int)eta / 60 % 60, (int)eta % 60);
}

void dfv_progress_end(dfv_progress *p)
{
    if (!p->quiet && p->last_print >= 0) fputc('\n', stderr);
    p->last_print = -1;
}
