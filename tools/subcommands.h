/*
 * subcommands.h: i40ctl's subcommands (docs/i40ctl.md).  Each is
 * tools/cmd_<name>.c with <name>_main(argc, argv), argv[0] being the
 * subcommand's name; each prints its own usage for --help and returns an
 * exit code of ctl.h (CTL_EXIT_*).
 */
#ifndef I40_SUBCOMMANDS_H
#define I40_SUBCOMMANDS_H

int keygen_main(int argc, char *argv[]);
int key_main(int argc, char *argv[]);
int genesis_main(int argc, char *argv[]);
int init_main(int argc, char *argv[]);
int module_main(int argc, char *argv[]);
int completion_main(int argc, char *argv[]);
/* completion import (cmd_completion_import.c), under completion_main. */
int completion_import_main(int argc, char *argv[]);
int learner_main(int argc, char *argv[]);
int catalog_main(int argc, char *argv[]);
int status_main(int argc, char *argv[]);
int peers_main(int argc, char *argv[]);
int sync_main(int argc, char *argv[]);
int member_main(int argc, char *argv[]);
int log_main(int argc, char *argv[]);
int audit_main(int argc, char *argv[]);
int transcript_main(int argc, char *argv[]);
int verify_main(int argc, char *argv[]);
int match_main(int argc, char *argv[]);
int plan_main(int argc, char *argv[]);

#endif
