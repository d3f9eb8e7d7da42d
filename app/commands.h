/* Every dfview subcommand: argv[0] is the subcommand's name; returns the process exit code. */
#ifndef DFV_COMMANDS_H
#define DFV_COMMANDS_H

int dfv_cmd_play(int argc, char **argv);
int dfv_cmd_render(int argc, char **argv);
int dfv_cmd_info(int argc, char **argv);
int dfv_cmd_forward(int argc, char **argv);
int dfv_cmd_bench(int argc, char **argv);
int dfv_cmd_bench_ops(int argc, char **argv);
int dfv_cmd_devices(int argc, char **argv);
int dfv_cmd_dataset(int argc, char **argv);
int dfv_cmd_world(int argc, char **argv);
int dfv_cmd_eval(int argc, char **argv);
/* `bench --rollout`: needs the whole app (sampler, encoder), so the engine-only binary lacks it. */
int dfv_cmd_bench_rollout(int argc, char **argv);

#endif
