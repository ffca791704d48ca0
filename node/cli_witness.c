/*
 * cli_witness.c — `courtsync witness`: making a witness home, and running
 * the witness (witness.h) once or as a daemon, courtsync(1).
 */
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "log.h"
#include "witness.h"

static atomic_int stopping;

static void
on_term(int sig)
{
	(void)sig;
	atomic_store(&stopping, 1);
}

static int
is_stopping(void)
{
	return atomic_load(&stopping);
}

static void
nap(unsigned long ms)
{
	while (ms > 0 && !atomic_load(&stopping)) {
		unsigned long step = ms > 50 ? 50 : ms;
		struct timespec ts = { 0, (long)step * 1000000L };

		nanosleep(&ts, NULL);
		ms -= step;
	}
}

static const char *const verdict_names[] = {
	[WITNESS_UNCHANGED] = "unchanged",
	[WITNESS_COSIGNED] = "cosigned",
	[WITNESS_FORK] = "FORK",
	[WITNESS_FORK_KNOWN] = "FORK (known)",
	[WITNESS_INVALID] = "invalid",
	[WITNESS_REFUSED] = "refused",
	[WITNESS_FAILED] = "failed",
};

/* --once: one line per log on standard output, problems on standard
 * error too. */
static void
report_once(void *arg, enum witness_verdict v, const char *hub,
    const char *origin, const char *message)
{
	(void)arg;
	printf("%-12s %-24s %s: %s\n", verdict_names[v], origin, hub, message);
	if (v != WITNESS_UNCHANGED && v != WITNESS_COSIGNED)
		fprintf(stderr, "courtsync: witness: %s %s at %s: %s\n",
		    verdict_names[v], origin, hub, message);
}

/* The daemon: what changed, in its log; a known fork is not repeated. */
static void
report_daemon(void *arg, enum witness_verdict v, const char *hub,
    const char *origin, const char *message)
{
	(void)arg;
	switch (v) {
	case WITNESS_UNCHANGED:
	case WITNESS_FORK_KNOWN:
		break;
	case WITNESS_COSIGNED:
		log_info("%s at %s: %s", origin, hub, message);
		break;
	default:
		log_warn("%s: %s at %s: %s", verdict_names[v], origin, hub,
		    message);
	}
}

static const struct cli_option init_opts[] = {
	{ "path", true }, { "name", true }, { NULL, false }
};
static const struct cli_spec init_spec = { "witness init",
	"usage: courtsync -C HOME witness init --path PATH [--name NAME]\n"
	"Creates the witness home HOME: witness.conf and a new log key.\n",
	NULL, init_opts, 0, 0 };

static int
witness_init_cmd(int argc, char **argv)
{
	const char *v[2], *path, *name;
	char err[CS_ERR_MAX];
	int rc;

	if ((rc = cli_parse(&init_spec, argc, argv, v, NULL)) != CLI_OK)
		return cli_done(rc);
	path = v[0];
	name = v[1];
	if (path == NULL)
		return cli_fail(CLI_USAGE, "usage: courtsync -C HOME witness init"
		    " --path PATH [--name NAME]");
	if (witness_create(cli_home(), path, name, err, sizeof(err)) == -1)
		return cli_fail(CLI_SYSTEM, "witness init: %s", err);
	printf("created the witness home %s for %s; its key: %s/log.vkey\n",
	    cli_home(), path, cli_home());
	return CLI_OK;
}

static void
usage_text(void)
{
	printf("usage: courtsync [-C HOME] witness init --path PATH [--name NAME]\n"
	    "       courtsync [-C HOME] witness [--once] [--hub URL]..."
	    " [--origin PATH]...\n"
	    "                                   [--interval-ms N]\n"
	    "Runs a witness outside the courts (registry role witness): reads"
	    " each hub's\nlatest checkpoints, checks each is consistent with"
	    " what it saw before, and\ncosigns it (POST /v1/cosignature)."
	    "  --hub and --origin replace the lists in\nHOME/witness.conf"
	    " (default origins: every log a hub lists).  --once: one round;\n"
	    "exit 1 if a fork, an invalid checkpoint or a refusal was met, 3 if"
	    " a hub\ncould not be asked.\n");
}

static const struct cli_option run_opts[] = {
	{ "once", false }, { "hub", true }, { "origin", true },
	{ "interval-ms", true }, { NULL, false }
};
static const struct cli_spec run_spec = { "witness", NULL, usage_text,
	run_opts, 0, 0 };

/* Parses the run options over cfg; 0, or an exit status. */
/* Adds --hub v to cfg (the first replaces the configured list). */
static int
add_hub(struct witness_config *cfg, bool *hubs, const char *v)
{
	if (!*hubs)
		cfg->nhubs = 0;
	*hubs = true;
	if (cfg->nhubs == WITNESS_HUBS_MAX || strncmp(v, "https://", 8) != 0 ||
	    strlen(v) >= WITNESS_URL_MAX)
		return cli_fail(CLI_USAGE, "--hub %s: not an https:// URL (at"
		    " most %d)", v, WITNESS_HUBS_MAX);
	cs_strlcpy(cfg->hubs[cfg->nhubs++], v, WITNESS_URL_MAX);
	return CLI_OK;
}

/* Adds --origin v to cfg (the first replaces the configured list). */
static int
add_origin(struct witness_config *cfg, bool *origins, const char *v)
{
	if (!*origins)
		cfg->norigins = 0;
	*origins = true;
	if (cfg->norigins == WITNESS_ORIGINS_MAX || !court_path_valid(v))
		return cli_fail(CLI_USAGE, "--origin %s: not a court path", v);
	cs_strlcpy(cfg->origins[cfg->norigins++], v, CS_ORIGIN_MAX);
	return CLI_OK;
}

/* Parses the run options over cfg; 0, or an exit status. */
static int
run_options(int argc, char **argv, struct witness_config *cfg, bool *once)
{
	struct cli_parser p;
	bool hubs = false, origins = false;
	const char *v;
	char *end;
	int k, rc = CLI_OK;

	cli_begin(&p, &run_spec, argc, argv);
	while (rc == CLI_OK && (k = cli_next(&p, &v)) != CLI_END) {
		switch (k) {
		case 0:
			*once = true;
			break;
		case 1:
			rc = add_hub(cfg, &hubs, v);
			break;
		case 2:
			rc = add_origin(cfg, &origins, v);
			break;
		case 3:
			cfg->interval_ms = strtoul(v, &end, 10);
			if (*end != '\0' || cfg->interval_ms < 10)
				rc = cli_fail(CLI_USAGE, "--interval-ms %s: not a"
				    " number of at least 10", v);
			break;
		default:
			rc = CLI_USAGE;
		}
	}
	return rc;
}

static int
run_once(struct witness *w)
{
	struct witness_stats st;
	char err[CS_ERR_MAX];

	if (witness_round(w, &st, report_once, NULL, err, sizeof(err)) == -1)
		return cli_fail(CLI_SYSTEM, "witness: %s", err);
	printf("%u logs: %u cosigned, %u forks, %u invalid, %u refused,"
	    " %u failed\n", st.logs, st.cosigned, st.forks, st.invalid,
	    st.refused, st.failed);
	if (st.forks > 0 || st.invalid > 0 || st.refused > 0)
		return CLI_REFUSED;
	return st.failed > 0 ? CLI_SYSTEM : CLI_OK;
}

static int
run_daemon(struct witness *w)
{
	struct witness_stats st;
	struct sigaction sa;
	char err[CS_ERR_MAX];

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	log_info("witnessing %zu hub(s) every %lu ms", w->cfg.nhubs,
	    w->cfg.interval_ms);
	while (!atomic_load(&stopping)) {
		if (witness_round(w, &st, report_daemon, NULL, err,
		    sizeof(err)) == -1) {
			log_warn("%s", err);
			return CLI_SYSTEM;
		}
		nap(w->cfg.interval_ms);
	}
	log_info("stopped");
	return CLI_OK;
}

int
cmd_witness(int argc, char **argv)
{
	struct witness_config cfg;
	struct witness *w;
	char err[CS_ERR_MAX];
	struct cli_parser p;
	const char *v;
	bool once = false;
	int rc, k;

	if (argc > 1 && strcmp(argv[1], "init") == 0)
		return witness_init_cmd(argc - 1, argv + 1);

	/* --help and the syntax before the configuration is read; the
	 * values are applied over it by run_options. */
	if ((rc = cli_begin(&p, &run_spec, argc, argv)) != CLI_OK)
		return cli_done(rc);
	while ((k = cli_next(&p, &v)) != CLI_END)
		if (k == CLI_BAD)
			return CLI_USAGE;
	if (witness_config_read(&cfg, cli_home(), err, sizeof(err)) == -1)
		return cli_fail(CLI_SYSTEM, "witness: %s", err);
	if ((rc = run_options(argc, argv, &cfg, &once)) != 0)
		return rc;
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return cli_fail(CLI_SYSTEM, "witness: out of memory");
	atomic_store(&stopping, 0);
	signal(SIGPIPE, SIG_IGN);
	if (witness_open(w, cli_home(), &cfg, once ? NULL : is_stopping, err,
	    sizeof(err)) == -1) {
		witness_close(w);
		free(w);
		return cli_fail(CLI_SYSTEM, "witness: %s", err);
	}
	log_init(cfg.path);
	rc = once ? run_once(w) : run_daemon(w);
	witness_close(w);
	free(w);
	return rc;
}
