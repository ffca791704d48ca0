/* cli.h — the courtsync command line (courtsync(1)). */
#ifndef COURTSYNC_CLI_H
#define COURTSYNC_CLI_H

/* Exit statuses, as documented in courtsync(1). */
#define CLI_OK		0	/* done */
#define CLI_REFUSED	1	/* refused as impossible, or verification failed */
#define CLI_USAGE	2	/* bad command line */
#define CLI_SYSTEM	3	/* system error: files, database, keys */

int	cli_main(int argc, char **argv);
/* The home directory the command line chose (-C, $COURTSYNC_HOME, default). */
const char *cli_home(void);

/* Commands implemented beside the CLI. */
int	cmd_audit(int argc, char **argv);	/* node/audit_cli.c */
int	cmd_digest(int argc, char **argv);	/* node/audit_cli.c */

#endif
