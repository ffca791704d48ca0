/*
 * cli.h — the courtsync command line (courtsync(1)): one table of
 * commands, one option parser every command declares its options to, and
 * the command files by topic (cli_court.c, cli_report.c, cli_log.c,
 * cli_sync.c, cli_audit.c, cli_proof.c, cli_witness.c).
 */
#ifndef COURTSYNC_CLI_H
#define COURTSYNC_CLI_H

#include <stdbool.h>
#include <stdint.h>

struct court;

/* Exit statuses, as documented in courtsync(1). */
#define CLI_OK		0	/* done */
#define CLI_REFUSED	1	/* refused as impossible, or verification failed */
#define CLI_USAGE	2	/* bad command line */
#define CLI_SYSTEM	3	/* system error: files, database, keys */

/* Not an exit status: --help was given and the usage printed; the
 * command returns CLI_OK without doing anything (cli_done). */
#define CLI_HELP	(-1)

/* A command: argv[0] is its name.  Returns an exit status. */
typedef int (*cli_fn)(int argc, char **argv);

/* One row of a command table (the commands, `log`'s subcommands). */
struct cli_command {
	const char	*name;
	cli_fn		 fn;
	const char	*synopsis;	/* its arguments, for the overview */
	const char	*summary;	/* one line: what it does */
	const char	*group;		/* a heading printed before this row */
};

/* One option a command takes.  A table ends with name NULL. */
struct cli_option {
	const char	*name;		/* "from": --from; one letter "o": -o too */
	bool		 value;		/* takes a value: --from N or --from=N */
};

/* A command's command line, declared once and read by cli_parse/cli_next. */
struct cli_spec {
	const char		*cmd;	/* "log show": names it in messages */
	const char		*usage;	/* printed on stdout by --help */
	void			(*help)(void);	/* prints it instead, if set */
	const struct cli_option	*opts;
	int			 maxpos;	/* positional arguments allowed */
	unsigned		 flags;		/* CLI_ANY_LONG | CLI_DASHDASH */
};
#define CLI_ANY_LONG	0x1	/* any other --name VALUE: CLI_OTHER */
#define CLI_DASHDASH	0x2	/* "--" ends the options: CLI_REST */

/* The state of one parse (cli_begin, then cli_next until CLI_END). */
struct cli_parser {
	const struct cli_spec	*spec;
	int			 argc;
	char			**argv;
	int			 i;		/* the next argument */
	int			 npos;		/* positional arguments seen */
	char			 name[64];	/* the option just read, no dashes */
};

/* What cli_next returns besides an option's index in spec->opts. */
#define CLI_END		(-2)	/* no more arguments */
#define CLI_ARG		(-3)	/* a positional argument, in *val */
#define CLI_OTHER	(-4)	/* CLI_ANY_LONG: --p->name with *val */
#define CLI_REST	(-5)	/* CLI_DASHDASH: "--"; the rest from p->i */
#define CLI_BAD		(-6)	/* a usage error, already reported */

/*
 * Starts reading argv[1..argc) by spec.  If --help or -h is among the
 * arguments (before a "--" under CLI_DASHDASH), prints the usage and
 * returns CLI_HELP, else CLI_OK.  Nothing else is looked at first, so
 * --help never acts, whatever else the line holds.
 */
int	cli_begin(struct cli_parser *p, const struct cli_spec *spec, int argc,
	    char **argv);
/*
 * The next argument: an option's index (its value in *val: the argument
 * after it or after "=", "" for a flag), or one of CLI_END, CLI_ARG,
 * CLI_OTHER, CLI_REST, CLI_BAD.  An unknown option, a missing value and
 * one positional argument too many are reported (exit status CLI_USAGE).
 */
int	cli_next(struct cli_parser *p, const char **val);
/*
 * The whole line at once: vals[k] is the last value of option k (""
 * for a flag given, NULL if absent), pos[0..maxpos) the positional
 * arguments (NULL past the last).  CLI_OK, CLI_HELP or CLI_USAGE.
 */
int	cli_parse(const struct cli_spec *spec, int argc, char **argv,
	    const char **vals, const char **pos);
/* The exit status of a parse that did not return CLI_OK. */
int	cli_done(int rc);
/* Prints spec's usage on stdout. */
void	cli_usage(const struct cli_spec *spec);
/*
 * Runs the row of table (ending with name NULL) named argv[1], argv
 * shifted by one; "what" names the parent command in messages, usage is
 * printed for --help or a missing subcommand.
 */
int	cli_dispatch(const char *what, const struct cli_command *table,
	    const struct cli_spec *usage, int argc, char **argv);

/* Prints "courtsync: <message>" to standard error; returns status. */
int	cli_fail(int status, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Parses a decimal unsigned integer, nothing else: 0 or -1. */
int	cli_u64(const char *s, uint64_t *v);
/* The home directory the command line chose (-C, $COURTSYNC_HOME, default). */
const char *cli_home(void);
struct buf;
struct entry;
/* Appends an entry's body as JSON (null if it does not decode). */
int	cli_body_json(struct buf *b, const struct entry *e);
/* Opens the court at cli_home(): CLI_OK, or CLI_SYSTEM reported. */
int	cli_open_court(struct court *c);
/* The same, for a command that reads the views: first folds what was
 * received from below and not folded yet (court_fold_pending). */
int	cli_open_views(struct court *c);

int	cli_main(int argc, char **argv);

/* The commands, by file. */
int	cmd_init(int argc, char **argv);	/* cli_court.c */
int	cmd_import(int argc, char **argv);
int	cmd_event_line(int argc, char **argv);	/* any event command */
int	cmd_cases(int argc, char **argv);	/* cli_report.c */
int	cmd_case(int argc, char **argv);
int	cmd_report(int argc, char **argv);
int	cmd_log(int argc, char **argv);		/* cli_log.c */
int	cmd_rebuild(int argc, char **argv);
int	cmd_serve(int argc, char **argv);	/* cli_sync.c */
int	cmd_push(int argc, char **argv);
int	cmd_audit(int argc, char **argv);	/* cli_audit.c */
int	cmd_digest(int argc, char **argv);
int	cmd_user(int argc, char **argv);
int	cmd_backup(int argc, char **argv);
int	cmd_restore(int argc, char **argv);
int	cmd_catch_up(int argc, char **argv);
int	cmd_recover(int argc, char **argv);
int	cmd_prove(int argc, char **argv);	/* cli_proof.c */
int	cmd_audit_proof(int argc, char **argv);
int	cmd_witness(int argc, char **argv);	/* cli_witness.c */

#endif
