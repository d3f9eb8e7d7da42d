/* dfview-dataset: the dataset writer alone, for machines that have no SDL, FFmpeg or Vulkan. */
#include "dataset_cli.h"

int main(int argc, char **argv)
{
    return dfv_dataset_cli(argc, argv);
}
