/* dfview dataset: the same command line as the standalone dfview-dataset (worlds/dataset_cli.c). */
#include "commands.h"
#include "dataset_cli.h"

int dfv_cmd_dataset(int argc, char **argv)
{
    return dfv_dataset_cli(argc, argv);
}
