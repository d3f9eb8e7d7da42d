/* Placeholder until this subcommand lands: says so and fails, never pretends to work. */
#include <stdio.h>

#include "commands.h"

int dfv_cmd_play(int argc, char **argv)
{
    (void)argc;
    fprintf(stderr, "dfview %s: not built yet\n", argv[0]);
    return 1;
}
