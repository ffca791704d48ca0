/*
 * cli_sync.c — the commands of sync between courts: serve and push
 * (docs/PROTOCOL.md).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "court.h"
#include "serve.h"
#include "cli.h"

static const struct cli_option serve_opts[] = {
	{ "check", false }, { NULL, false }
};
static const struct cli_spec serve_spec = { "serve",
	"usage: courtsync [-C HOME] serve [--check]\n"
	"Runs the node: the HTTPS server for the courts below (if listen is"
	" set)\nand the push loop to the parent (if parent_url is set)."
	"  --check only\nvalidates the configuration, keys, certificates and"
	" registry.\n", NULL, serve_opts, 0, 0 };

int
cmd_serve(int argc, char **argv)
{
	struct court c;
	struct registry reg;
	const char *v[1];
	char err[CS_ERR_MAX];
	int rc;

	if ((rc = cli_parse(&serve_spec, argc, argv, v, NULL)) != CLI_OK)
		return cli_done(rc);
	if (v[0] != NULL) {
		if ((rc = cli_open_court(&c)) != CLI_OK)
			return rc;
		if (serve_check(cli_home(), &c, &reg, err, sizeof(err)) == -1) {
			court_close(&c);
			return cli_fail(CLI_REFUSED, "serve --check: %s", err);
		}
		printf("configuration OK: %s (%s), listen %s, parent %s,"
		    " registry of %zu courts\n", c.cfg.path, c.cfg.name,
		    c.cfg.listen[0] ? c.cfg.listen : "(none)",
		    c.cfg.parent_url[0] ? c.cfg.parent_url : "(none)", reg.n);
		registry_free(&reg);
		court_close(&c);
		return CLI_OK;
	}
	if (serve_run(cli_home(), err, sizeof(err)) == -1)
		return cli_fail(CLI_SYSTEM, "serve: %s", err);
	return CLI_OK;
}

static const struct cli_spec push_spec = { "push",
	"usage: courtsync [-C HOME] push\nPushes every log this node holds to"
	" its parent until the parent\nholds all of it, and reports.\n",
	NULL, NULL, 0, 0 };

int
cmd_push(int argc, char **argv)
{
	struct relay_stats st;
	char err[CS_ERR_MAX];
	int rc;

	if ((rc = cli_parse(&push_spec, argc, argv, NULL, NULL)) != CLI_OK)
		return cli_done(rc);
	if (serve_push_once(cli_home(), &st, err, sizeof(err)) == -1)
		return cli_fail(CLI_SYSTEM, "push: %s", err);
	printf("pushed %llu entries in %llu batches (%llu logs held)\n",
	    (unsigned long long)st.entries, (unsigned long long)st.batches,
	    (unsigned long long)st.logs);
	if (st.evidence > 0)
		printf("relayed %llu items of equivocation evidence\n",
		    (unsigned long long)st.evidence);
	if (st.refused)
		return cli_fail(CLI_REFUSED, "push refused: %s", st.last_error);
	return CLI_OK;
}
