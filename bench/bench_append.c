/*
 * bench_append.c — what recording costs over bare SQLite.
 *
 * In one fresh temporary directory, on one machine, in one run:
 *
 *   1. single-event transactions: N events recorded one per transaction
 *      through the real path (court_create, court_open, event_set,
 *      court_record), against bare SQLite inserts of the very same entry
 *      bytes (read back out of the node's database) into a one-table
 *      database, one row per transaction; with durability full
 *      (synchronous=FULL) and normal (synchronous=NORMAL);
 *   2. bulk import: the events written as JSON Lines and imported with
 *      import_file (one transaction), against bare inserts of the same
 *      entries in one transaction.
 *
 * The bare baseline includes <sqlite3.h>: it is the floor the node is
 * measured against, not a product module.  See bench/README.md.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "court.h"
#include "event.h"
#include "import.h"

#define TARGET_RATIO	1.5
#define BLOCK_CASES	64	/* cases in flight at once */
#define STEPS		8	/* events per case */
#define FIELDS_MAX	8

static const char	*court_path = "cn/gs/ln/wudu";
static const char	*court_code = "甘1202";

/* ---- time ---- */

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- the workload ---- */

/* One generated event: its type and its fields as text. */
struct gen_event {
	enum event_type	 type;
	size_t		 nf;
	enum field_id	 f[FIELDS_MAX];
	char		 v[FIELDS_MAX][128];
};

static void
gen_put(struct gen_event *g, enum field_id f, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
gen_put(struct gen_event *g, enum field_id f, const char *fmt, ...)
{
	va_list ap;

	g->f[g->nf] = f;
	va_start(ap, fmt);
	vsnprintf(g->v[g->nf], sizeof(g->v[0]), fmt, ap);
	va_end(ap);
	g->nf++;
}

static void
yuan(char *out, size_t cap, uint64_t fen)
{
	snprintf(out, cap, "%llu.%02llu", (unsigned long long)(fen / 100),
	    (unsigned long long)(fen % 100));
}

/*
 * Event i of n.  Cases go in blocks of BLOCK_CASES; inside a block each
 * case takes its STEPS steps in turn (every case's filing, then every
 * case's assignment, …), so the log interleaves cases as a court's does
 * and any prefix of the sequence is a valid log.  About n / STEPS cases.
 */
static void
gen_event(uint64_t i, uint64_t n, struct gen_event *g)
{
	uint64_t per = (uint64_t)BLOCK_CASES * STEPS;
	uint64_t block = i / per, off = i % per, w = BLOCK_CASES;
	uint64_t c, step, seq, claimed, got;
	char date[11], exp[11], a[32];
	int64_t day0 = date_days("2024-01-01"), filed;

	if (block == n / per)		/* the last, partial block */
		w = (n - block * per + STEPS - 1) / STEPS;
	step = off / w;
	c = block * BLOCK_CASES + off % w;
	seq = c + 1;
	filed = day0 + (int64_t)((c * 7) % 300);	/* Jan 1 - Oct 26 */
	date_from_days(filed + (int64_t)step * 4, date);
	claimed = 1000000 + (c % 1000) * 1357;
	got = 500000 + (c % 97) * 100;
	memset(g, 0, sizeof(*g));
	gen_put(g, F_CASE, "(2024)%s执%llu号", court_code, (unsigned long long)seq);
	gen_put(g, F_DATE, "%s", date);
	switch (step) {
	case 0:
		g->type = EV_CASE_FILED;
		gen_put(g, F_APPLICANT, "申请执行人%llu有限公司", (unsigned long long)seq);
		gen_put(g, F_RESPONDENT, "被执行人%llu", (unsigned long long)seq);
		yuan(a, sizeof(a), claimed);
		gen_put(g, F_CLAIMED, "%s", a);
		break;
	case 1:
		g->type = EV_HANDLER_ASSIGNED;
		gen_put(g, F_HANDLER, "法官%llu", (unsigned long long)(c % 23));
		gen_put(g, F_TEAM, "执行%llu团队", (unsigned long long)(c % 4 + 1));
		break;
	case 2:
		g->type = EV_NODE_DONE;
		gen_put(g, F_NODE, "notice");
		break;
	case 3:
		g->type = EV_NODE_DONE;
		gen_put(g, F_NODE, "online_search");
		gen_put(g, F_NOTE, "查询到银行存款");
		break;
	case 4:
		g->type = EV_NODE_DONE;
		date_from_days(filed + (int64_t)step * 4 + 365, exp);
		gen_put(g, F_NODE, "seizure");
		gen_put(g, F_ASSET, "deposit");
		gen_put(g, F_EXPIRES, "%s", exp);
		break;
	case 5:
		g->type = EV_FUNDS_RECEIVED;
		yuan(a, sizeof(a), got);
		gen_put(g, F_AMOUNT, "%s", a);
		gen_put(g, F_REF, "BANK-2024-%08llu", (unsigned long long)seq);
		break;
	case 6:
		g->type = EV_FUNDS_PAID;
		yuan(a, sizeof(a), got);
		gen_put(g, F_AMOUNT, "%s", a);
		gen_put(g, F_PAYEE, "申请执行人%llu有限公司", (unsigned long long)seq);
		break;
	default:
		g->type = EV_CASE_CLOSED;
		yuan(a, sizeof(a), got);
		gen_put(g, F_MODE, "completed");
		gen_put(g, F_RECOVERED, "%s", a);
		break;
	}
}

static int
event_build(const struct gen_event *g, struct event *ev, char *err,
    size_t errlen)
{
	memset(ev, 0, sizeof(*ev));
	ev->type = g->type;
	for (size_t k = 0; k < g->nf; k++)
		if (event_set(ev, g->f[k], g->v[k], err, errlen) == -1)
			return -1;
	return 0;
}

/* ---- files ---- */

static int
rm_tree(const char *path)
{
	struct stat sb;
	DIR *d;
	struct dirent *de;
	char sub[4096];
	int ret = 0;

	if (lstat(path, &sb) == -1)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(sb.st_mode))
		return unlink(path);
	if ((d = opendir(path)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		if (rm_tree(sub) == -1)
			ret = -1;
	}
	closedir(d);
	if (rmdir(path) == -1)
		ret = -1;
	return ret;
}

static int
write_jsonl(const char *path, uint64_t n)
{
	struct gen_event g;
	FILE *f = fopen(path, "w");

	if (f == NULL) {
		fprintf(stderr, "bench_append: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (uint64_t i = 0; i < n; i++) {
		gen_event(i, n, &g);
		/* Generated values hold no '"', '\\' or control characters. */
		fprintf(f, "{\"type\":\"%s\"", event_defs[g.type].type);
		for (size_t k = 0; k < g.nf; k++)
			fprintf(f, ",\"%s\":\"%s\"", field_defs[g.f[k]].name, g.v[k]);
		fputs("}\n", f);
	}
	if (fclose(f) != 0) {
		fprintf(stderr, "bench_append: %s: write failed\n", path);
		return -1;
	}
	return 0;
}

/* ---- the node ---- */

static int
node_create(const char *home, bool durable)
{
	struct config cfg;
	char err[512];

	config_init(&cfg);
	if (config_set(&cfg, "path", court_path, err, sizeof(err)) == -1 ||
	    config_set(&cfg, "name", "武都区人民法院", err, sizeof(err)) == -1 ||
	    config_set(&cfg, "code", court_code, err, sizeof(err)) == -1 ||
	    config_set(&cfg, "level", "4", err, sizeof(err)) == -1 ||
	    config_set(&cfg, "parent", "cn/gs/ln", err, sizeof(err)) == -1 ||
	    config_set(&cfg, "durability", durable ? "full" : "normal", err,
	    sizeof(err)) == -1 ||
	    court_create(home, &cfg, err, sizeof(err)) == -1) {
		fprintf(stderr, "bench_append: create %s: %s\n", home, err);
		return -1;
	}
	return 0;
}

/* Records n events one per transaction; *t_rec gets the seconds spent in
 * court_record, *t_build those spent building events with event_set. */
static int
node_record(const char *home, bool durable, uint64_t n, double *t_rec,
    double *t_build)
{
	struct court *c = NULL;
	struct event *ev = NULL;
	struct gen_event g;
	char err[1024];
	double t0, t1, rec = 0, build = 0;
	int ret = -1;

	if (node_create(home, durable) == -1)
		return -1;
	c = calloc(1, sizeof(*c));
	ev = calloc(1, sizeof(*ev));
	if (c == NULL || ev == NULL) {
		fprintf(stderr, "bench_append: out of memory\n");
		goto out;
	}
	if (court_open(c, home, err, sizeof(err)) == -1) {
		fprintf(stderr, "bench_append: open %s: %s\n", home, err);
		goto out;
	}
	for (uint64_t i = 0; i < n; i++) {
		gen_event(i, n, &g);
		t0 = now_s();
		if (event_build(&g, ev, err, sizeof(err)) == -1) {
			fprintf(stderr, "bench_append: event %llu: %s\n",
			    (unsigned long long)i, err);
			goto out;
		}
		t1 = now_s();
		if (court_record(c, ev, NULL, err, sizeof(err)) == -1) {
			fprintf(stderr, "bench_append: record %llu: %s\n",
			    (unsigned long long)i, err);
			goto out;
		}
		build += t1 - t0;
		rec += now_s() - t1;
	}
	*t_rec = rec;
	*t_build = build;
	ret = 0;
out:
	if (c != NULL)
		court_close(c);
	free(c);
	free(ev);
	return ret;
}

static int
node_import(const char *home, const char *jsonl, uint64_t n, double *t)
{
	struct court *c = calloc(1, sizeof(*c));
	char err[1024];
	uint64_t count = 0;
	double t0;
	int ret = -1;

	if (c == NULL || node_create(home, true) == -1) {
		free(c);
		return -1;
	}
	if (court_open(c, home, err, sizeof(err)) == -1) {
		fprintf(stderr, "bench_append: open %s: %s\n", home, err);
		goto out;
	}
	t0 = now_s();
	if (import_file(c, jsonl, RECORDS_JSONL, NULL, NULL, &count, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "bench_append: import: %s\n", err);
		goto out;
	}
	*t = now_s() - t0;
	if (count != n) {
		fprintf(stderr, "bench_append: imported %llu of %llu events\n",
		    (unsigned long long)count, (unsigned long long)n);
		goto out;
	}
	ret = 0;
out:
	court_close(c);
	free(c);
	return ret;
}

/* ---- the bare baseline ---- */

/* Entry bytes, all in one buffer. */
struct rows {
	uint64_t	 n;
	unsigned char	*data;
	size_t		*off;		/* n + 1 offsets */
};

static void
rows_free(struct rows *r)
{
	free(r->data);
	free(r->off);
	memset(r, 0, sizeof(*r));
}

static int
sql_fail(sqlite3 *db, const char *what)
{
	fprintf(stderr, "bench_append: %s: %s\n", what,
	    db != NULL ? sqlite3_errmsg(db) : "out of memory");
	return -1;
}

/* Reads back the entries the node stored, in log order. */
static int
rows_load(const char *home, struct rows *r)
{
	char path[4096];
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	size_t len = 0, cap = 1 << 20;
	uint64_t ncap = 1024;
	int rc, ret = -1;

	memset(r, 0, sizeof(*r));
	snprintf(path, sizeof(path), "%s/courtsync.db", home);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		sql_fail(db, path);
		goto out;
	}
	if (sqlite3_prepare_v2(db, "SELECT data FROM entries ORDER BY log, idx",
	    -1, &st, NULL) != SQLITE_OK) {
		sql_fail(db, "read entries");
		goto out;
	}
	r->data = malloc(cap);
	r->off = malloc(ncap * sizeof(*r->off));
	if (r->data == NULL || r->off == NULL)
		goto oom;
	r->off[0] = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const void *p = sqlite3_column_blob(st, 0);
		size_t k = (size_t)sqlite3_column_bytes(st, 0);

		while (len + k > cap) {
			unsigned char *nd = realloc(r->data, cap * 2);
			if (nd == NULL)
				goto oom;
			r->data = nd;
			cap *= 2;
		}
		if (r->n + 2 > ncap) {
			size_t *no = realloc(r->off, ncap * 2 * sizeof(*no));
			if (no == NULL)
				goto oom;
			r->off = no;
			ncap *= 2;
		}
		memcpy(r->data + len, p, k);
		len += k;
		r->off[++r->n] = len;
	}
	if (rc != SQLITE_DONE) {
		sql_fail(db, "read entries");
		goto out;
	}
	ret = 0;
	goto out;
oom:
	fprintf(stderr, "bench_append: out of memory\n");
out:
	sqlite3_finalize(st);
	sqlite3_close(db);
	if (ret == -1)
		rows_free(r);
	return ret;
}

static int
bare_exec(sqlite3 *db, const char *q)
{
	char *msg = NULL;

	if (sqlite3_exec(db, q, NULL, NULL, &msg) != SQLITE_OK) {
		fprintf(stderr, "bench_append: %s: %s\n", q,
		    msg != NULL ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static int
bare_step(sqlite3 *db, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : sql_fail(db, "bare insert");
}

/*
 * Inserts the rows into a fresh one-table database with the node's
 * pragmas: one transaction per row, or (one_tx) all rows in one.
 * Statements are prepared once: this is the floor.
 */
static int
bare_insert(const char *path, const struct rows *r, bool full, bool one_tx,
    double *t)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *ins = NULL, *begin = NULL, *commit = NULL;
	double t0;
	int ret = -1;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		sql_fail(db, path);
		goto out;
	}
	if (bare_exec(db, "PRAGMA journal_mode=WAL") == -1 ||
	    bare_exec(db, full ? "PRAGMA synchronous=FULL" :
	    "PRAGMA synchronous=NORMAL") == -1 ||
	    bare_exec(db, "PRAGMA cache_size=-65536") == -1 ||
	    bare_exec(db, "CREATE TABLE t(log INTEGER, idx INTEGER, data BLOB,"
	    " PRIMARY KEY(log, idx)) WITHOUT ROWID") == -1)
		goto out;
	if (sqlite3_prepare_v2(db, "INSERT INTO t VALUES (1, ?1, ?2)", -1, &ins,
	    NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "BEGIN IMMEDIATE", -1, &begin,
	    NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "COMMIT", -1, &commit, NULL) != SQLITE_OK) {
		sql_fail(db, "prepare");
		goto out;
	}
	t0 = now_s();
	if (one_tx && bare_step(db, begin) == -1)
		goto out;
	for (uint64_t i = 0; i < r->n; i++) {
		if (!one_tx && bare_step(db, begin) == -1)
			goto out;
		sqlite3_bind_int64(ins, 1, (sqlite3_int64)i);
		sqlite3_bind_blob(ins, 2, r->data + r->off[i],
		    (int)(r->off[i + 1] - r->off[i]), SQLITE_STATIC);
		if (bare_step(db, ins) == -1)
			goto out;
		if (!one_tx && bare_step(db, commit) == -1)
			goto out;
	}
	if (one_tx && bare_step(db, commit) == -1)
		goto out;
	*t = now_s() - t0;
	ret = 0;
out:
	sqlite3_finalize(ins);
	sqlite3_finalize(begin);
	sqlite3_finalize(commit);
	sqlite3_close(db);
	return ret;
}

/* ---- report ---- */

struct result {
	const char	*name;
	uint64_t	 n;
	double		 t_node;	/* seconds */
	double		 t_bare;
};

static double
ratio(const struct result *r)
{
	return r->t_node / r->t_bare;
}

static void
print_result(const struct result *r)
{
	printf("%-30s %9llu %12.0f %9.1f %12.0f %9.1f %7.2fx  %s\n", r->name,
	    (unsigned long long)r->n, (double)r->n / r->t_node,
	    r->t_node / (double)r->n * 1e6, (double)r->n / r->t_bare,
	    r->t_bare / (double)r->n * 1e6, ratio(r),
	    ratio(r) <= TARGET_RATIO ? "met" : "MISSED");
}

static void
usage(void)
{
	fprintf(stderr, "usage: bench_append [-n events] [-b bulk-multiplier]"
	    " [-d parent-dir] [-r runs] [-k]\n"
	    "  -n  events for the single-event runs (default 20000)\n"
	    "  -b  bulk import size as a multiple of n (default 10)\n"
	    "  -d  where to make the temporary directory (default $TMPDIR"
	    " or /tmp)\n"
	    "  -r  only these runs, comma-separated: full,normal,bulk"
	    " (default all)\n"
	    "  -k  keep the temporary directory (for profiling)\n");
}

static int
parse_u64(const char *s, uint64_t *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 10);
	return (errno != 0 || *s == '\0' || *s == '-' || *end != '\0' ||
	    *out == 0) ? -1 : 0;
}

int
main(int argc, char **argv)
{
	const char *parent = getenv("TMPDIR");
	char dir[4096], home[4200], path[4200];
	struct result res[3];
	struct rows rows;
	struct event *probe;
	struct gen_event g;
	uint64_t n = 20000, mult = 10, nbulk;
	double t_build[2] = { 0, 0 }, t0 = 0;
	bool run[3] = { true, true, true }, keep = false;	/* normal, full, bulk */
	int opt, ret = 1, nres = 0;

	while ((opt = getopt(argc, argv, "n:b:d:r:kh")) != -1) {
		switch (opt) {
		case 'n':
			if (parse_u64(optarg, &n) == -1) {
				usage();
				return 2;
			}
			break;
		case 'b':
			if (parse_u64(optarg, &mult) == -1) {
				usage();
				return 2;
			}
			break;
		case 'd':
			parent = optarg;
			break;
		case 'r':
			run[0] = strstr(optarg, "normal") != NULL;
			run[1] = strstr(optarg, "full") != NULL;
			run[2] = strstr(optarg, "bulk") != NULL;
			if (!run[0] && !run[1] && !run[2]) {
				usage();
				return 2;
			}
			break;
		case 'k':
			keep = true;
			break;
		default:
			usage();
			return opt == 'h' ? 0 : 2;
		}
	}
	if (parent == NULL || *parent == '\0')
		parent = "/tmp";
	nbulk = n * mult;
	snprintf(dir, sizeof(dir), "%s/bench_append.XXXXXX", parent);
	if (mkdtemp(dir) == NULL) {
		fprintf(stderr, "bench_append: mkdtemp %s: %s\n", dir,
		    strerror(errno));
		return 1;
	}
	memset(&rows, 0, sizeof(rows));

	/* Check the workload's first event parses before timing anything. */
	probe = calloc(1, sizeof(*probe));
	if (probe == NULL)
		goto out;
	gen_event(0, n, &g);
	if (event_build(&g, probe, path, sizeof(path)) == -1) {
		fprintf(stderr, "bench_append: workload: %s\n", path);
		free(probe);
		goto out;
	}
	free(probe);

	printf("bench_append: SQLite %s, %ld CPUs online, directory %s\n",
	    sqlite3_libversion(), sysconf(_SC_NPROCESSORS_ONLN), dir);
	printf("workload: %llu events over ~%llu cases (filed, assigned,"
	    " 3 nodes, funds in, funds out, closed); bulk %llu events\n\n",
	    (unsigned long long)n, (unsigned long long)((n + STEPS - 1) / STEPS),
	    (unsigned long long)nbulk);
	fflush(stdout);

	for (int full = 1; full >= 0; full--) {
		struct result *r = &res[nres];
		const char *tag = full ? "full" : "normal";

		if (!run[full])
			continue;
		snprintf(home, sizeof(home), "%s/node-%s", dir, tag);
		snprintf(path, sizeof(path), "%s/bare-%s.db", dir, tag);
		r->name = full ? "1 event/tx, durability=full" :
		    "1 event/tx, durability=normal";
		r->n = n;
		if (node_record(home, full, n, &r->t_node,
		    &t_build[full]) == -1 ||
		    rows_load(home, &rows) == -1)
			goto out;
		if (rows.n != n) {
			fprintf(stderr, "bench_append: node holds %llu entries,"
			    " expected %llu\n", (unsigned long long)rows.n,
			    (unsigned long long)n);
			goto out;
		}
		if (bare_insert(path, &rows, full, false, &r->t_bare) == -1)
			goto out;
		rows_free(&rows);
		nres++;
	}

	if (!run[2])
		goto report;
	snprintf(path, sizeof(path), "%s/events.jsonl", dir);
	snprintf(home, sizeof(home), "%s/node-bulk", dir);
	t0 = now_s();
	if (write_jsonl(path, nbulk) == -1)
		goto out;
	t0 = now_s() - t0;
	res[nres].name = "bulk import (JSONL), 1 tx";
	res[nres].n = nbulk;
	if (node_import(home, path, nbulk, &res[nres].t_node) == -1 ||
	    rows_load(home, &rows) == -1)
		goto out;
	snprintf(path, sizeof(path), "%s/bare-bulk.db", dir);
	if (bare_insert(path, &rows, true, true, &res[nres].t_bare) == -1)
		goto out;
	nres++;
report:
	printf("%-30s %9s %12s %9s %12s %9s %8s  %s\n", "benchmark", "events",
	    "courtsync/s", "us/event", "bare/s", "us/row", "ratio",
	    "target <=1.5x");
	for (int i = 0; i < nres; i++)
		print_result(&res[i]);
	printf("\nratio = time per event via courtsync / time per bare insert"
	    " of the same entry bytes (same journal_mode=WAL, same synchronous;"
	    " bulk: synchronous=FULL both).\nNot in the courtsync column:");
	for (int full = 1; full >= 0; full--)
		if (run[full])
			printf(" building events with event_set %.1f us/event"
			    " (%s run);", t_build[full] / (double)n * 1e6,
			    full ? "full" : "normal");
	if (run[2])
		printf(" writing the %llu-line JSONL file %.2f s.",
		    (unsigned long long)nbulk, t0);
	printf("\n");
	ret = 0;
out:
	rows_free(&rows);
	if (keep)
		fprintf(stderr, "bench_append: kept %s\n", dir);
	else if (rm_tree(dir) == -1)
		fprintf(stderr, "bench_append: could not remove all of %s\n", dir);
	return ret;
}
