/* dfview bench --rollout N: frames per second of a whole rollout with the model's default sampler,
 * end to end: sampling, readback and H.264 encoding into a scratch clip. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "action_script.h"
#include "commands.h"
#include "media_hooks.h"
#include "render_job.h"

static void random_action(void *user, int64_t index, float *out)
{
    dfv_session *s = user;
    const dfv_model_config *c = dfv_session_config(s);
    memset(out, 0, sizeof(float) * c->actions.dim);
    out[(index / 4 * 2654435761u) % (unsigned)c->actions.dim] = 1.0f; /* a new action every 4 frames */
}

int dfv_cmd_bench_rollout(int argc, char **argv)
{
    dfv_session_desc d;
    dfv_session_desc_default(&d);
    d.load_image = dfv_media_load_seed;
    long frames = 0;
    char err[DFV_ERR_LEN];
    for (int i = 1; i < argc; i++) {
        int used = dfv_session_parse_option(argc, argv, i, &d, err);
        if (used < 0) return fprintf(stderr, "dfview bench: %s\n", err), 2;
        if (used) i += used - 1;
        else if (!strcmp(argv[i], "--rollout") && i + 1 < argc) frames = strtol(argv[++i], NULL, 10);
        else return fprintf(stderr, "dfview bench: unexpected argument '%s' with --rollout\n", argv[i]), 2;
    }
    if (frames < 1) return fprintf(stderr, "dfview bench: --rollout takes a frame count ≥ 1\n"), 2;
    dfv_session *s;
    if (dfv_session_open(&d, &s, err)) return fprintf(stderr, "dfview bench: %s\n", err), 1;
    int ctx = dfv_session_context_frames(s);
    uint8_t *seed = malloc(dfv_session_frame_bytes(s) * ctx);
    char path[64];
    snprintf(path, sizeof path, "/tmp/dfview-bench-%d.mp4", (int)getpid());
    int rc = 1;
    if (dfv_session_load_seed(s, d.seed, seed, err)) {
        fprintf(stderr, "dfview bench: %s\n", err);
    } else {
        dfv_render_job job = {.out_path = path, .frames = ctx + frames, .quiet = true, .action = random_action, .user = s};
        dfv_render_result r;
        rc = dfv_render_run(s, seed, &job, &r) ? 1 : 0;
        const dfv_sampler_settings *st = dfv_session_settings(s);
        if (!rc)
            printf("%s on %s: %ld frames in %.2f s = %.3f frames/s (%.1f network calls per frame, %d steps, window %d, %s)\n",
                   dfv_session_config(s)->name, dfv_session_device_name(s), frames, r.seconds,
                   frames / r.seconds, (double)r.network_calls / frames, st->steps, st->window,
                   d.no_cache ? "full window" : "cached context where the model allows it");
        remove(path);
    }
    free(seed);
    dfv_session_close(s);
    return rc;
}
