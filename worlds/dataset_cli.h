/* The `dataset` command line, shared by `dfview dataset` and the standalone `dfview-dataset` (which runs
 * on training machines without SDL/FFmpeg/Vulkan). argv[0] is the command's name. Returns the exit code:
 * 0 done, 1 failed while writing, 2 bad arguments. */
#ifndef DFV_DATASET_CLI_H
#define DFV_DATASET_CLI_H

int dfv_dataset_cli(int argc, char **argv);

#endif
