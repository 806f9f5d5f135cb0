/*
 * master.h - the privileged master process: `containarium daemon`.
 */
#ifndef CONTAINARIUM_MASTER_H
#define CONTAINARIUM_MASTER_H

/* Runs the daemon until SIGTERM; returns the process exit status. */
int master_main(int argc, char **argv);

#endif
