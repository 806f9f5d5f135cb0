/*
 * cli_driver.c - a stand-in main() for the CLI tests: the containarium
 * binary's main() belongs to src/main.c and pulls in master and worker;
 * this driver links only the cli and common layers, so the CLI can be
 * tested end to end while the other layers are built elsewhere.
 */
#include "cli/cli.h"

int main(int argc, char **argv)
{
	return cli_main(argc, argv);
}
