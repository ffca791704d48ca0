/* test_fold.c — the fold through a real court: events recorded with
 * court_record in a temporary home, the derived state read back, every
 * refusal with its message and an unchanged log, corrections, rebuild and
 * checkpoints. */
#define _XOPEN_SOURCE 700	/* nftw */
#include <ftw.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "court.h"
#include "event.h"
#include "courtsync/note.h"
#include "store.h"
#include "harness.h"

#define NOW	"1719705600"		/* 2024-06-30 08:00 CST */
#define CA	"(2024)甘1202执1号"
#define CB	"(2024)甘1202执2号"
#define CX	"(2024)甘1202执99号"
#define END	F_COUNT

static char err[512];

/* CHECK_STR for long buffers, messages bounded. */
static void
check_s(const char *a, const char *b, const char *expr, int line)
{
	if (strcmp(a, b) != 0) {
		char m[1000];
		snprintf(m, sizeof(m), "%.150s (\"%.400s\" != \"%.400s\")",
		    expr, a, b);
		harness_fail(__FILE__, line, m);
	}
}
#undef CHECK_STR
#define CHECK_STR(a, b) check_s((a), (b), #a " == " #b, __LINE__)
static char tmpdir[64];
static char home[128];
static struct court court;
static struct court *c = &court;

/* ---- fixture ---- */

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *f)
{
	(void)sb;
	(void)flag;
	(void)f;
	return remove(path);
}

static int
fx_open(void)
{
	struct config cfg;

	setenv("COURTSYNC_TIME", NOW, 1);
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/cs-test-fold-XXXXXX");
	if (mkdtemp(tmpdir) == NULL) {
		harness_fail(__FILE__, __LINE__, "mkdtemp");
		return -1;
	}
	snprintf(home, sizeof(home), "%s/home", tmpdir);
	config_init(&cfg);
	CHECK_EQ_INT(config_set(&cfg, "path", "cn/gs/ln/wudu", err,
	    sizeof(err)), 0);
	CHECK_EQ_INT(config_set(&cfg, "name", "武都区人民法院", err,
	    sizeof(err)), 0);
	CHECK_EQ_INT(config_set(&cfg, "code", "甘1202", err, sizeof(err)), 0);
	CHECK_EQ_INT(config_set(&cfg, "level", "4", err, sizeof(err)), 0);
	CHECK_EQ_INT(config_set(&cfg, "parent", "cn/gs/ln", err, sizeof(err)),
	    0);
	CHECK_EQ_INT(config_set(&cfg, "durability", "normal", err,
	    sizeof(err)), 0);
	if (court_create(home, &cfg, err, sizeof(err)) != 0) {
		harness_fail(__FILE__, __LINE__, err);
		return -1;
	}
	if (court_open(c, home, err, sizeof(err)) != 0) {
		harness_fail(__FILE__, __LINE__, err);
		return -1;
	}
	return 0;
}

static void
fx_close(void)
{
	court_close(c);
	nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	setenv("COURTSYNC_TIME", NOW, 1);
}

/* ---- events ---- */

/* mk(type, field, text, field, text, ..., END) */
static struct event *
mk(enum event_type t, ...)
{
	struct event *ev = calloc(1, sizeof(*ev));
	va_list ap;
	int f;

	ev->type = t;
	va_start(ap, t);
	while ((f = va_arg(ap, int)) != END) {
		const char *text = va_arg(ap, const char *);
		if (event_set(ev, (enum field_id)f, text, err, sizeof(err)) != 0)
			harness_fail(__FILE__, __LINE__, err);
	}
	va_end(ap);
	return ev;
}

/* Records ev (and frees it); returns its index, or UINT64_MAX. */
static uint64_t
rec_at(struct event *ev, int line)
{
	uint64_t idx = UINT64_MAX;

	if (court_record(c, ev, &idx, err, sizeof(err)) != 0) {
		char m[700];
		snprintf(m, sizeof(m), "court_record refused: %.600s", err);
		harness_fail(__FILE__, line, m);
		idx = UINT64_MAX;
	}
	free(ev->replacement);
	free(ev);
	return idx;
}
#define REC(ev) rec_at((ev), __LINE__)

static uint64_t
log_size(uint8_t root[CS_HASH_LEN])
{
	uint64_t size = 0;
	uint8_t r[CS_HASH_LEN];

	CHECK_EQ_INT(court_root(c, &size, root != NULL ? root : r, err,
	    sizeof(err)), 0);
	return size;
}

/* court_record must refuse ev with an error containing want, leaving the
 * log (size and root) as it was.  Frees ev. */
static void
refuse_at(struct event *ev, const char *want, int line)
{
	uint8_t r0[CS_HASH_LEN], r1[CS_HASH_LEN];
	uint64_t s0 = log_size(r0), s1, idx;

	err[0] = '\0';
	if (court_record(c, ev, &idx, err, sizeof(err)) != -1) {
		char m[256];
		snprintf(m, sizeof(m), "court_record accepted (want \"%.200s\")",
		    want);
		harness_fail(__FILE__, line, m);
	} else if (strstr(err, want) == NULL) {
		char m[1024];
		snprintf(m, sizeof(m), "error \"%.500s\" lacks \"%.300s\"", err,
		    want);
		harness_fail(__FILE__, line, m);
	}
	s1 = log_size(r1);
	if (s1 != s0 || memcmp(r0, r1, CS_HASH_LEN) != 0)
		harness_fail(__FILE__, line, "the log changed on a refusal");
	CHECK(!c->in_tx);
	free(ev->replacement);
	free(ev);
}
#define REFUSE(ev, want) refuse_at((ev), (want), __LINE__)

static struct event *
file_case(const char *cno, const char *date, const char *claimed)
{
	return mk(EV_CASE_FILED, F_CASE, cno, F_DATE, date, F_APPLICANT,
	    "张三", F_RESPONDENT, "李四", F_CLAIMED, claimed, END);
}

static struct event *
funds_in(const char *cno, const char *date, const char *amount)
{
	return mk(EV_FUNDS_RECEIVED, F_CASE, cno, F_DATE, date, F_AMOUNT,
	    amount, END);
}

static struct event *
funds_out(const char *cno, const char *date, const char *amount)
{
	return mk(EV_FUNDS_PAID, F_CASE, cno, F_DATE, date, F_AMOUNT, amount,
	    F_PAYEE, "张三", END);
}

static struct event *
node(const char *cno, const char *date, const char *n)
{
	return mk(EV_NODE_DONE, F_CASE, cno, F_DATE, date, F_NODE, n, END);
}

static struct event *
close_case(const char *cno, const char *date, const char *mode,
    const char *recovered)
{
	return mk(EV_CASE_CLOSED, F_CASE, cno, F_DATE, date, F_MODE, mode,
	    F_RECOVERED, recovered, END);
}

static struct event *
ack(const char *cno, const char *date)
{
	return mk(EV_WARNING_ACKNOWLEDGED, F_CASE, cno, F_DATE, date, F_RULE,
	    "overdue", F_SUPERVISOR, "赵庭长", F_NOTE, "已阅", END);
}

static struct event *
suspend(const char *cno, const char *date)
{
	return mk(EV_SUSPENSION_STARTED, F_CASE, cno, F_DATE, date, F_REASON,
	    "异议审查", END);
}

static struct event *
resume(const char *cno, const char *date)
{
	return mk(EV_SUSPENSION_ENDED, F_CASE, cno, F_DATE, date, END);
}

/* A correction of entry `target`; repl (owned) may be NULL for a void. */
static struct event *
correct(uint64_t target, struct event *repl)
{
	char t[32];
	struct event *ev;

	snprintf(t, sizeof(t), "%llu", (unsigned long long)target);
	ev = mk(EV_CORRECTION, F_REASON, "录入错误", F_CORRECTS, t, END);
	if (repl != NULL) {
		ev->has_replacement = true;
		ev->replacement = repl;
	}
	return ev;
}

static struct case_state cs;

static int
get_at(const char *cno, int line)
{
	int r = store_case_get(&c->st, c->log.id, cno, &cs, err, sizeof(err));

	if (r != 1) {
		char m[256];
		snprintf(m, sizeof(m), "case %s: store_case_get = %d", cno, r);
		harness_fail(__FILE__, line, m);
		memset(&cs, 0, sizeof(cs));
	}
	return r;
}
#define GET(cno) get_at((cno), __LINE__)

/* One-row query result, columns joined with '|' (NULL as "-"). */
struct qres {
	char	text[512];
	int	rows;
};

static int
q_row(void *arg, int ncol, const char *const *cols)
{
	struct qres *q = arg;

	if (q->rows++ > 0)
		strncat(q->text, ";", sizeof(q->text) - strlen(q->text) - 1);
	for (int i = 0; i < ncol; i++) {
		if (i > 0)
			strncat(q->text, "|", sizeof(q->text) - strlen(q->text) - 1);
		strncat(q->text, cols[i] != NULL ? cols[i] : "-",
		    sizeof(q->text) - strlen(q->text) - 1);
	}
	return 0;
}

static const char *
query(struct qres *q, const char *sql, const char *arg)
{
	memset(q, 0, sizeof(*q));
	CHECK_EQ_INT(store_query(&c->st, sql, &arg, arg != NULL ? 1 : 0, q_row,
	    q, err, sizeof(err)), 0);
	return q->text;
}

static void
rebuild_same(void)
{
	uint8_t before[CS_HASH_LEN], after[CS_HASH_LEN];

	CHECK_EQ_INT(court_rebuild(c, NULL, true, before, after, err, sizeof(err)),
	    0);
	CHECK_MEM(before, after, CS_HASH_LEN);
	CHECK_EQ_INT(court_rebuild(c, NULL, false, before, after, err, sizeof(err)),
	    0);
	CHECK_MEM(before, after, CS_HASH_LEN);
}

/* ---- tests ---- */

static void
test_amounts(void)
{
	struct qres q;

	if (fx_open() == -1)
		return;
	CHECK_EQ_INT(log_size(NULL), 0);
	CHECK_EQ_INT(REC(file_case(CA, "2024-01-10", "1000")), 0);
	GET(CA);
	CHECK_STR(cs.case_no, CA);
	CHECK_EQ_INT(cs.year, 2024);
	CHECK_STR(cs.type, "执");
	CHECK_EQ_INT(cs.seq, 1);
	CHECK_STR(cs.filed, "2024-01-10");
	CHECK_EQ_INT(cs.claimed, 100000);
	CHECK_EQ_INT(cs.arrived, 0);
	CHECK_EQ_INT(cs.filed_idx, 0);
	CHECK_EQ_INT(cs.nevents, 1);
	CHECK_STR(cs.closed, "");

	CHECK_EQ_INT(REC(mk(EV_HANDLER_ASSIGNED, F_CASE, CA, F_DATE,
	    "2024-01-11", F_HANDLER, "王法官", F_TEAM, "一组", END)), 1);
	CHECK_EQ_INT(REC(mk(EV_TRIAGE_DECIDED, F_CASE, CA, F_DATE,
	    "2024-01-20", F_TRACK, "快执", F_BASIS, "存款足额", F_FACTS,
	    "存款足额", END)), 2);
	CHECK_EQ_INT(REC(funds_in(CA, "2024-02-01", "300")), 3);
	CHECK_EQ_INT(REC(funds_in(CA, "2024-02-02", "200.50")), 4);
	CHECK_EQ_INT(REC(funds_out(CA, "2024-02-03", "400")), 5);
	GET(CA);
	CHECK_STR(cs.handler, "王法官");
	CHECK_STR(cs.team, "一组");
	CHECK_STR(cs.assigned, "2024-01-11");
	CHECK_STR(cs.track, "simple");
	CHECK_STR(cs.basis, "balance_covers");
	CHECK_STR(cs.triaged, "2024-01-20");
	CHECK_EQ_INT(cs.arrived, 50050);
	CHECK_EQ_INT(cs.paid, 40000);

	REFUSE(funds_out(CA, "2024-02-04", "100.51"), "case " CA ": paying out"
	    " 100.51 yuan but only 100.50 yuan is held");
	CHECK_EQ_INT(REC(funds_out(CA, "2024-02-04", "100.50")), 6);
	REFUSE(funds_out(CA, "2024-02-04", "0.01"), "paying out 0.01 yuan but"
	    " only 0.00 yuan is held");
	GET(CA);
	CHECK_EQ_INT(cs.paid, 50050);
	CHECK_STR(query(&q, "SELECT idx, direction, amount, party FROM ledger"
	    " WHERE case_no = ?1 ORDER BY idx", CA),
	    "3|1|30000|-;4|1|20050|-;5|-1|40000|张三;6|-1|10050|张三");

	CHECK_EQ_INT(REC(mk(EV_EXTENSION_APPROVED, F_CASE, CA, F_DATE,
	    "2024-03-01", F_MONTHS, "3", F_APPROVER, "院长", END)), 7);
	CHECK_EQ_INT(REC(mk(EV_EXTENSION_APPROVED, F_CASE, CA, F_DATE,
	    "2024-03-01", F_MONTHS, "2", F_APPROVER, "院长", END)), 8);
	GET(CA);
	CHECK_EQ_INT(cs.ext_months, 5);

	CHECK_EQ_INT(REC(close_case(CA, "2024-03-02", "执行完毕", "500.50")), 9);
	GET(CA);
	CHECK_STR(cs.closed, "2024-03-02");
	CHECK_STR(cs.mode, "completed");
	CHECK_EQ_INT(cs.recovered, 50050);
	CHECK_EQ_INT(cs.last_idx, 9);
	CHECK_EQ_INT(cs.nevents, 10);

	REFUSE(close_case(CA, "2024-03-03", "completed", "0"), "case " CA
	    " is already closed (2024-03-02, completed)");
	REFUSE(mk(EV_HANDLER_ASSIGNED, F_CASE, CA, F_DATE, "2024-03-03",
	    F_HANDLER, "李法官", END), "case " CA " is already closed");
	REFUSE(funds_in(CA, "2024-03-03", "1"), "is already closed");
	/* A completed case gets no periodic searches; acks are fine. */
	REFUSE(node(CA, "2024-03-03", "periodic_search"), "is already closed");
	CHECK_EQ_INT(REC(ack(CA, "2024-03-04")), 10);
	CHECK_STR(query(&q, "SELECT idx, date, rule, supervisor, note FROM acks"
	    " WHERE case_no = ?1", CA), "10|2024-03-04|overdue|赵庭长|已阅");
	GET(CA);
	CHECK_EQ_INT(cs.nevents, 11);
	rebuild_same();
	fx_close();
}

static void
test_suspension(void)
{
	struct qres q;

	if (fx_open() == -1)
		return;
	REC(file_case(CB, "2024-01-10", "50"));
	REC(funds_in(CB, "2024-01-15", "80"));
	REC(suspend(CB, "2024-02-01"));
	GET(CB);
	CHECK_STR(cs.susp_since, "2024-02-01");
	CHECK_EQ_INT(cs.susp_days, 0);
	REC(resume(CB, "2024-02-20"));
	GET(CB);
	CHECK_EQ_INT(cs.susp_days, 19);
	CHECK_STR(cs.susp_since, "");
	REFUSE(resume(CB, "2024-02-21"), "case " CB " is not suspended");
	REC(suspend(CB, "2024-03-01"));
	REFUSE(suspend(CB, "2024-03-02"), "case " CB " is already suspended"
	    " since 2024-03-01");
	REFUSE(resume(CB, "2024-02-28"), "case " CB ": date 2024-02-28 is"
	    " before the suspension began (2024-03-01)");
	CHECK_STR(query(&q, "SELECT start, end FROM suspensions WHERE"
	    " case_no = ?1 ORDER BY start", CB),
	    "2024-02-01|2024-02-20;2024-03-01|");
	/* Closing while suspended ends the suspension on the closing day. */
	REC(close_case(CB, "2024-03-11", "终本", "0"));
	GET(CB);
	CHECK_EQ_INT(cs.susp_days, 29);
	CHECK_STR(cs.susp_since, "");
	CHECK_STR(cs.mode, "terminated_round");
	CHECK_STR(query(&q, "SELECT start, end FROM suspensions WHERE"
	    " case_no = ?1 ORDER BY start", CB),
	    "2024-02-01|2024-02-20;2024-03-01|2024-03-11");
	/* After 终本: acks, payouts and periodic searches go on. */
	REC(ack(CB, "2024-03-12"));
	REC(funds_out(CB, "2024-03-12", "50"));
	REC(node(CB, "2024-06-12", "periodic_search"));
	GET(CB);
	CHECK_EQ_INT(cs.paid, 5000);
	CHECK_STR(query(&q, "SELECT first_date, last_date, count FROM"
	    " case_nodes WHERE case_no = ?1 AND node = 'periodic_search'", CB),
	    "2024-06-12|2024-06-12|1");
	REFUSE(funds_out(CB, "2024-03-13", "30.01"), "paying out 30.01 yuan"
	    " but only 30.00 yuan is held");
	REFUSE(node(CB, "2024-03-13", "online_search"), "is already closed"
	    " (2024-03-11, terminated_round)");
	REFUSE(funds_in(CB, "2024-03-13", "1"), "is already closed");
	REFUSE(suspend(CB, "2024-03-13"), "is already closed");
	REFUSE(resume(CB, "2024-03-13"), "is already closed");
	REFUSE(close_case(CB, "2024-03-13", "completed", "0"),
	    "is already closed");
	rebuild_same();
	fx_close();
}

static void
test_refusals(void)
{
	if (fx_open() == -1)
		return;
	REFUSE(mk(EV_HANDLER_ASSIGNED, F_CASE, CX, F_DATE, "2024-01-11",
	    F_HANDLER, "王", END), "case " CX " is not filed");
	REC(file_case(CA, "2024-01-10", "1"));
	REFUSE(file_case(CA, "2024-01-11", "2"), "case " CA " is already filed"
	    " (log entry 0)");
	REFUSE(file_case("（2024）甘1202执1号", "2024-01-11", "2"),
	    "is already filed");
	REFUSE(funds_in(CA, "2024-01-09", "1"), "case " CA ": date 2024-01-09"
	    " is before the filing date 2024-01-10");
	REFUSE(funds_in(CA, "2024-07-01", "1"), "case " CA ": date 2024-07-01"
	    " is after the day it is recorded (2024-06-30)");
	REFUSE(file_case(CB, "2024-07-01", "1"), "date 2024-07-01 is after the"
	    " day it is recorded (2024-06-30)");
	REC(funds_in(CA, "2024-06-30", "1"));
	REFUSE(funds_out(CA, "2024-06-30", "1.01"), "paying out 1.01 yuan but"
	    " only 1.00 yuan is held");
	REFUSE(file_case("(2024)甘1203执1号", "2024-01-10", "1"),
	    "case (2024)甘1203执1号 belongs to court 甘1203, not to this court"
	    " (甘1202)");
	REFUSE(funds_in("(2024)甘1203执1号", "2024-01-10", "1"),
	    "case (2024)甘1203执1号 belongs to court 甘1203, not to this court"
	    " (甘1202)");
	REFUSE(file_case("(2024)甘12执1号", "2024-01-10", "1"),
	    "belongs to court 甘12, not to this court (甘1202)");
	REFUSE(file_case("(2023)甘1202执5号", "2024-01-10", "1"),
	    "case (2023)甘1202执5号: number year 2023 does not match the filing"
	    " date 2024-01-10");
	REFUSE(file_case("(2024)甘1202执5号", "2023-12-31", "1"),
	    "number year 2024 does not match the filing date 2023-12-31");
	REFUSE(resume(CA, "2024-02-01"), "is not suspended");
	/* The event's own checks run before anything is written. */
	REFUSE(mk(EV_EXTENSION_APPROVED, F_CASE, CA, F_DATE, "2024-03-01",
	    F_MONTHS, "13", F_APPROVER, "院长", END), "months: 13 is not between"
	    " 1 and 12");
	REFUSE(mk(EV_SUSPENSION_ENDED, F_CASE, CA, END),
	    "field \"date\" is required");
	CHECK_EQ_INT(log_size(NULL), 2);

	/* The recording day is the day in China (UTC+8). */
	setenv("COURTSYNC_TIME", "1719763199", 1);	/* 06-30 23:59:59 CST */
	REFUSE(funds_in(CA, "2024-07-01", "1"), "after the day it is recorded"
	    " (2024-06-30)");
	setenv("COURTSYNC_TIME", "1719763200", 1);	/* 07-01 00:00:00 CST */
	REC(funds_in(CA, "2024-07-01", "1"));
	setenv("COURTSYNC_TIME", "17197x", 1);
	REFUSE(funds_in(CA, "2024-07-01", "1"), "COURTSYNC_TIME=\"17197x\" is"
	    " not Unix seconds");
	setenv("COURTSYNC_TIME", NOW, 1);
	rebuild_same();
	fx_close();
}

static void
test_corrections(void)
{
	struct qres q;
	uint64_t i_in100, i_in50, i_void, i_node, i_b;

	if (fx_open() == -1)
		return;
	REC(file_case(CA, "2024-01-10", "1000"));			/* 0 */
	i_in100 = REC(funds_in(CA, "2024-02-01", "100"));		/* 1 */
	i_in50 = REC(funds_in(CA, "2024-02-02", "50"));		/* 2 */
	GET(CA);
	CHECK_EQ_INT(cs.arrived, 15000);
	i_void = REC(correct(i_in50, NULL));				/* 3 */
	CHECK_EQ_INT(i_void, 3);
	GET(CA);
	CHECK_EQ_INT(cs.arrived, 10000);
	CHECK_EQ_INT(cs.nevents, 2);
	CHECK_EQ_INT(cs.last_idx, 3);
	CHECK_STR(query(&q, "SELECT idx FROM ledger WHERE case_no = ?1", CA),
	    "1");
	CHECK_STR(query(&q, "SELECT idx, type, corrected_by FROM events WHERE"
	    " case_no = ?1 ORDER BY idx", CA), "0|case_filed|-;1|funds_received"
	    "|-;2|funds_received|3;3|correction|-");
	/* With the 50 voided, 120 is more than is held. */
	REFUSE(funds_out(CA, "2024-02-03", "120"), "paying out 120.00 yuan but"
	    " only 100.00 yuan is held");
	CHECK_EQ_INT(REC(funds_out(CA, "2024-02-03", "80")), 4);
	/* Voiding the 100 now would leave 80 paid out of nothing. */
	REFUSE(correct(i_in100, NULL), "correction of entry 1 refused:"
	    " replaying case " CA ": case " CA ": paying out 80.00 yuan but"
	    " only 0.00 yuan is held");
	GET(CA);
	CHECK_EQ_INT(cs.arrived, 10000);
	CHECK_EQ_INT(cs.paid, 8000);
	/* Replacing the 100 by 90 keeps the payout covered. */
	REC(correct(i_in100, funds_in(CA, "2024-02-01", "90")));	/* 5 */
	GET(CA);
	CHECK_EQ_INT(cs.arrived, 9000);
	CHECK_EQ_INT(cs.paid, 8000);
	CHECK_STR(query(&q, "SELECT idx, amount FROM ledger WHERE case_no = ?1"
	    " ORDER BY idx", CA), "1|9000;4|8000");

	/* Replace a node_done with a different date. */
	i_node = REC(node(CA, "2024-01-15", "notice"));			/* 6 */
	CHECK_STR(query(&q, "SELECT first_date, last_date, count FROM"
	    " case_nodes WHERE case_no = ?1 AND node = 'notice'", CA),
	    "2024-01-15|2024-01-15|1");
	REC(correct(i_node, node(CA, "2024-01-12", "notice")));	/* 7 */
	CHECK_STR(query(&q, "SELECT first_date, last_date, count FROM"
	    " case_nodes WHERE case_no = ?1 AND node = 'notice'", CA),
	    "2024-01-12|2024-01-12|1");
	/* Corrected again: the latest correction counts. */
	REC(correct(i_node, node(CA, "2024-01-20", "notice")));	/* 8 */
	CHECK_STR(query(&q, "SELECT first_date, last_date, count FROM"
	    " case_nodes WHERE case_no = ?1 AND node = 'notice'", CA),
	    "2024-01-20|2024-01-20|1");
	GET(CA);
	CHECK_EQ_INT(cs.arrived, 9000);
	CHECK_EQ_INT(cs.paid, 8000);
	CHECK_EQ_INT(cs.nevents, 4);
	CHECK_EQ_INT(log_size(NULL), 9);

	/* Refusals. */
	REFUSE(correct(9, NULL), "correction: entry 9 does not precede this"
	    " entry");
	REFUSE(correct(1000, NULL), "correction: entry 1000 does not precede"
	    " this entry");
	i_b = REC(file_case(CB, "2024-01-10", "5"));			/* 9 */
	REFUSE(correct(i_node, node(CB, "2024-01-12", "notice")),
	    "correction: the replacement names case " CB " but entry 6 is about"
	    " case " CA);
	REFUSE(correct(i_void, NULL), "correction: entry 3 is itself a"
	    " correction; correct the original entry again instead");
	REFUSE(correct(i_void, funds_in(CA, "2024-02-02", "50")),
	    "entry 3 is itself a correction");
	REFUSE(correct(0, funds_in(CA, "2024-01-10", "1")),
	    "correction: a filing can only be replaced by a filing");
	REFUSE(correct(i_node, file_case(CA, "2024-01-10", "1")),
	    "correction: a filing can only be replaced by a filing");
	/* A replacement is held to the same rules as a new event. */
	REFUSE(correct(i_node, node(CA, "2024-07-01", "notice")),
	    "after the day it is recorded (2024-06-30)");
	REFUSE(correct(i_node, node(CA, "2024-01-01", "notice")),
	    "is before the filing date 2024-01-10");
	REFUSE(correct(i_in100, funds_in(CA, "2024-02-01", "79.99")),
	    "paying out 80.00 yuan but only 79.99 yuan is held");
	/* Voiding a filing that other events rest on. */
	REFUSE(correct(0, NULL), "correction of entry 0 refused");
	/* Replacing a filing by a filing changes the claim. */
	REC(correct(0, file_case(CA, "2024-01-10", "2000")));	/* 10 */
	GET(CA);
	CHECK_EQ_INT(cs.claimed, 200000);
	CHECK_EQ_INT(cs.arrived, 9000);
	/* Voiding a bare filing removes the case; it may then be filed anew. */
	REC(correct(i_b, NULL));					/* 11 */
	CHECK_EQ_INT(store_case_get(&c->st, c->log.id, CB, &cs, err,
	    sizeof(err)), 0);
	REFUSE(funds_in(CB, "2024-02-01", "1"), "case " CB " is not filed");
	REC(file_case(CB, "2024-01-11", "6"));			/* 12 */
	GET(CB);
	CHECK_EQ_INT(cs.filed_idx, 12);
	CHECK_STR(cs.filed, "2024-01-11");
	CHECK_EQ_INT(log_size(NULL), 13);

	rebuild_same();
	fx_close();
}

static void
test_rebuild_repairs(void)
{
	uint8_t before[CS_HASH_LEN], after[CS_HASH_LEN];
	uint8_t b2[CS_HASH_LEN], a2[CS_HASH_LEN];
	struct case_tally was;

	if (fx_open() == -1)
		return;
	REC(file_case(CA, "2024-01-10", "1000"));
	REC(funds_in(CA, "2024-02-01", "100"));
	REC(suspend(CA, "2024-02-02"));
	REC(correct(1, funds_in(CA, "2024-02-01", "60")));
	rebuild_same();

	/* Corrupt the derived row behind the fold's back. */
	CHECK_EQ_INT(court_begin(c, err, sizeof(err)), 0);
	GET(CA);
	CHECK_EQ_INT(cs.arrived, 6000);
	cs.arrived += 1;
	store_case_tally(&cs, &was);
	CHECK_EQ_INT(store_case_put(&c->st, c->log.id, &was, &cs, err,
	    sizeof(err)), 0);
	CHECK_EQ_INT(court_commit(c, err, sizeof(err)), 0);
	CHECK_EQ_INT(log_size(NULL), 4);

	CHECK_EQ_INT(court_rebuild(c, NULL, true, before, after, err, sizeof(err)),
	    1);
	CHECK(memcmp(before, after, CS_HASH_LEN) != 0);
	GET(CA);
	CHECK_EQ_INT(cs.arrived, 6001);			/* left as it was */
	CHECK_EQ_INT(court_rebuild(c, NULL, true, b2, a2, err, sizeof(err)), 1);
	CHECK_MEM(b2, before, CS_HASH_LEN);
	CHECK_MEM(a2, after, CS_HASH_LEN);

	CHECK_EQ_INT(court_rebuild(c, NULL, false, b2, a2, err, sizeof(err)), 1);
	CHECK_MEM(b2, before, CS_HASH_LEN);
	CHECK_MEM(a2, after, CS_HASH_LEN);
	GET(CA);
	CHECK_EQ_INT(cs.arrived, 6000);			/* repaired */
	CHECK_EQ_INT(court_rebuild(c, NULL, true, b2, a2, err, sizeof(err)), 0);
	CHECK_MEM(b2, after, CS_HASH_LEN);
	CHECK_MEM(a2, after, CS_HASH_LEN);
	/* The court goes on recording after a rebuild. */
	REC(resume(CA, "2024-02-12"));
	GET(CA);
	CHECK_EQ_INT(cs.susp_days, 10);
	CHECK_EQ_INT(log_size(NULL), 5);
	rebuild_same();
	fx_close();
}

static void
read_vkey(struct note_verifier *v)
{
	char path[300], line[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/log.vkey", home);
	f = fopen(path, "r");
	CHECK(f != NULL);
	if (f == NULL)
		return;
	CHECK(fgets(line, sizeof(line), f) != NULL);
	fclose(f);
	CHECK(strchr(line, '\n') != NULL);
	line[strcspn(line, "\n")] = '\0';
	CHECK_EQ_INT(note_vkey_parse(line, v, err, sizeof(err)), 0);
	CHECK_STR(v->name, "courtsync/cn/gs/ln/wudu");
}

static void
verify_note(const char *note, uint64_t want_size)
{
	static struct note_sig sigs[NOTE_SIGS_MAX];
	struct note_verifier v;
	struct checkpoint ck;
	size_t bodylen = 0, nsigs = 0;
	uint8_t root[CS_HASH_LEN];
	char *bad;

	read_vkey(&v);
	CHECK_EQ_INT(note_split(note, strlen(note), &bodylen, sigs, &nsigs, err,
	    sizeof(err)), 0);
	CHECK_EQ_INT(nsigs, 1);
	CHECK_EQ_INT(note_verify(note, bodylen, sigs, nsigs, &v, NULL, err,
	    sizeof(err)), 0);
	CHECK_EQ_INT(checkpoint_parse(note, bodylen, &ck, err, sizeof(err)), 0);
	CHECK_STR(ck.origin, "courtsync/cn/gs/ln/wudu");
	CHECK_EQ_INT(ck.size, want_size);
	CHECK_EQ_INT(log_size(root), want_size);
	CHECK_MEM(ck.root, root, CS_HASH_LEN);
	/* A forged size fails the signature. */
	bad = strdup(note);
	bad[strlen("courtsync/cn/gs/ln/wudu\n")] ^= 1;
	CHECK_EQ_INT(note_split(bad, strlen(bad), &bodylen, sigs, &nsigs, err,
	    sizeof(err)), 0);
	CHECK_EQ_INT(note_verify(bad, bodylen, sigs, nsigs, &v, NULL, err,
	    sizeof(err)), -1);
	CHECK_ERR(err, "bad signature by courtsync/cn/gs/ln/wudu");
	free(bad);
}

static void
test_checkpoint(void)
{
	static char n0[NOTE_MAX], n1[NOTE_MAX], n2[NOTE_MAX], n3[NOTE_MAX];
	uint64_t size = 99;

	if (fx_open() == -1)
		return;
	/* The empty log. */
	CHECK_EQ_INT(court_checkpoint(c, &size, n0, sizeof(n0), err,
	    sizeof(err)), 0);
	CHECK_EQ_INT(size, 0);
	verify_note(n0, 0);

	REC(file_case(CA, "2024-01-10", "1000"));
	REC(funds_in(CA, "2024-02-01", "100"));
	CHECK_EQ_INT(court_checkpoint(c, &size, n1, sizeof(n1), err,
	    sizeof(err)), 0);
	CHECK_EQ_INT(size, 2);
	CHECK(strcmp(n0, n1) != 0);
	verify_note(n1, 2);
	/* Nothing appended: the same note. */
	size = 99;
	CHECK_EQ_INT(court_checkpoint(c, &size, n2, sizeof(n2), err,
	    sizeof(err)), 0);
	CHECK_EQ_INT(size, 2);
	CHECK_STR(n2, n1);
	/* A refused event appends nothing either. */
	REFUSE(funds_out(CA, "2024-02-02", "101"), "is held");
	CHECK_EQ_INT(court_checkpoint(c, &size, n2, sizeof(n2), err,
	    sizeof(err)), 0);
	CHECK_EQ_INT(size, 2);
	CHECK_STR(n2, n1);
	/* After an append, a new one. */
	REC(funds_out(CA, "2024-02-02", "100"));
	CHECK_EQ_INT(court_checkpoint(c, &size, n3, sizeof(n3), err,
	    sizeof(err)), 0);
	CHECK_EQ_INT(size, 3);
	CHECK(strcmp(n3, n1) != 0);
	verify_note(n3, 3);
	CHECK(!c->in_tx);

	/* Reopened, the court still returns the latest note. */
	court_close(c);
	CHECK_EQ_INT(court_open(c, home, err, sizeof(err)), 0);
	CHECK_EQ_INT(court_checkpoint(c, &size, n2, sizeof(n2), err,
	    sizeof(err)), 0);
	CHECK_EQ_INT(size, 3);
	CHECK_STR(n2, n3);
	fx_close();
}

/* Money sums must not wrap: fen values from a body are uint64 (only
 * `claimed` is capped, by event_check), and a hub folds foreign logs.  Two
 * receipts of 2^63 fen must not leave the case holding 0. */
static void
test_amount_overflow(void)
{
	struct event *ev;
	uint64_t idx;
	int r;

	if (fx_open() == -1)
		return;
	REC(file_case(CA, "2024-01-10", "1"));
	ev = funds_in(CA, "2024-02-01", "1");
	ev->f[F_AMOUNT].u = (uint64_t)1 << 63;
	r = court_record(c, ev, &idx, err, sizeof(err));
	free(ev);
	ev = funds_in(CA, "2024-02-01", "1");
	ev->f[F_AMOUNT].u = (uint64_t)1 << 63;
	r |= court_record(c, ev, &idx, err, sizeof(err));
	free(ev);
	if (r == 0) {
		GET(CA);
		if (cs.arrived < ((uint64_t)1 << 63)) {
			char m[128];
			snprintf(m, sizeof(m), "two receipts of 2^63 fen accepted,"
			    " arrived wrapped to %llu",
			    (unsigned long long)cs.arrived);
			harness_fail(__FILE__, __LINE__, m);
		}
	}
	fx_close();
}

const struct test tests[] = {
	{ "amounts", test_amounts },
	{ "suspension", test_suspension },
	{ "refusals", test_refusals },
	{ "corrections", test_corrections },
	{ "rebuild_repairs", test_rebuild_repairs },
	{ "checkpoint", test_checkpoint },
	{ "amount_overflow", test_amount_overflow },
	{ NULL, NULL },
};
