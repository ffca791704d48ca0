/* cli.h — the courtsync command line (courtsync(1)). */
#ifndef COURTSYNC_CLI_H
#define COURTSYNC_CLI_H

/* Exit statuses, as documented in courtsync(1). */
#define CLI_OK		0	/* done */
#define CLI_REFUSED	1	/* refused as impossible, or verification failed */
#define CLI_USAGE	2	/* bad command line */
#define CLI_SYSTEM	3	/* system error: files, database, keys */

int	cli_main(int argc, char **argv);
/* Prints "courtsync: <message>" to standard error; returns status. */
int	cli_fail(int status, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Matches argv[*i] against "--name VALUE", "--name=VALUE" (or "-n VALUE"
 * for a one-letter name), taking the value from the next argument if
 * needed: 1 matched, 0 not, -1 the value is missing. */
int	cli_opt(int argc, char **argv, int *i, const char *name,
	    const char **val);

/* The home directory the command line chose (-C, $COURTSYNC_HOME, default). */
const char *cli_home(void);

/* Commands implemented beside the CLI. */
int	cmd_audit(int argc, char **argv);	/* node/audit_cli.c */
int	cmd_digest(int argc, char **argv);	/* node/audit_cli.c */
int	cmd_witness(int argc, char **argv);	/* node/witness_cli.c */

#endif
