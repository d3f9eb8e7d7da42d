/* Every dfview subcommand: argv[0] is the subcommand's name; returns the process exit code. */
#ifndef DFV_COMMANDS_H
#define DFV_COMMANDS_H

#include "eval_plot.h"
#include "session.h"

int dfv_cmd_play(int argc, char **argv);
int dfv_cmd_render(int argc, char **argv);
int dfv_cmd_info(int argc, char **argv);
int dfv_cmd_forward(int argc, char **argv);
/* An Oasis model's ViT-VAE on .npy input (cmd_vae.c). */
int dfv_cmd_encode(int argc, char **argv);
int dfv_cmd_decode(int argc, char **argv);
int dfv_cmd_bench(int argc, char **argv);
int dfv_cmd_bench_ops(int argc, char **argv);
int dfv_cmd_devices(int argc, char **argv);
int dfv_cmd_dataset(int argc, char **argv);
int dfv_cmd_world(int argc, char **argv);
/* write_png: the plot's PNG writer, load_frames: the video decoder for --video (both NULL in dfview-engine,
 * which writes the CSV and JSON of world evals only). */
int dfv_cmd_eval(int argc, char **argv, dfv_png_writer write_png, dfv_image_seed_loader load_frames);
/* `bench --rollout`: needs the whole app (sampler, encoder), so the engine-only binary lacks it. */
int dfv_cmd_bench_rollout(int argc, char **argv);

#endif
