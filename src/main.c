/*
 * main.c - one binary, three roles: "daemon" runs the master, "__worker"
 * is how the master starts a worker, anything else is the command line.
 */
#include <string.h>

#include "cli/cli.h"
#include "master/master.h"
#include "worker/worker.h"

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "daemon") == 0)
		return master_main(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "__worker") == 0)
		return worker_main(argc - 1, argv + 1);
	return cli_main(argc, argv);
}
