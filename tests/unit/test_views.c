/* test_views.c — the query layer over a real court: events recorded with
 * court_record in a temporary home, then every rule's boundary days, the
 * seven indicators on a hand-computed fixture, roll-ups, numbering,
 * back-filling, peers and a 10,000-case timing. */
#define _XOPEN_SOURCE 700	/* nftw */
#include <ftw.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "court.h"
#include "event.h"
#include "store.h"
#include "views.h"
#include "harness.h"

#define NOW	"1893456000"		/* 2030-01-01 08:00 CST: every date
					 * of the fixtures is in the past */
#define COURT	"cn/gs/ln/wudu"
#define END	F_COUNT

static char err[512];

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
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/cs-test-views-XXXXXX");
	if (mkdtemp(tmpdir) == NULL) {
		harness_fail(__FILE__, __LINE__, "mkdtemp");
		return -1;
	}
	snprintf(home, sizeof(home), "%s/home", tmpdir);
	config_init(&cfg);
	CHECK_EQ_INT(config_set(&cfg, "path", COURT, err, sizeof(err)), 0);
	CHECK_EQ_INT(config_set(&cfg, "name", "武都区人民法院", err,
	    sizeof(err)), 0);
	CHECK_EQ_INT(config_set(&cfg, "code", "甘1202", err, sizeof(err)), 0);
	CHECK_EQ_INT(config_set(&cfg, "level", "4", err, sizeof(err)), 0);
	CHECK_EQ_INT(config_set(&cfg, "parent", "cn/gs/ln", err, sizeof(err)),
	    0);
	CHECK_EQ_INT(config_set(&cfg, "durability", "normal", err,
	    sizeof(err)), 0);
	if (court_create(home, &cfg, err, sizeof(err)) != 0 ||
	    court_open(c, home, err, sizeof(err)) != 0) {
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

static struct event *
file_case(const char *cno, const char *date, const char *claimed)
{
	return mk(EV_CASE_FILED, F_CASE, cno, F_DATE, date, F_APPLICANT,
	    "张三", F_RESPONDENT, "李四", F_CLAIMED, claimed, END);
}

static struct event *
file_nonlit(const char *cno, const char *date, const char *claimed)
{
	return mk(EV_CASE_FILED, F_CASE, cno, F_DATE, date, F_APPLICANT,
	    "张三", F_RESPONDENT, "李四", F_CLAIMED, claimed, F_NONLITIGATION,
	    "true", END);
}

static struct event *
node(const char *cno, const char *date, const char *n)
{
	return mk(EV_NODE_DONE, F_CASE, cno, F_DATE, date, F_NODE, n, END);
}

static struct event *
seizure(const char *cno, const char *date, const char *expires)
{
	return mk(EV_NODE_DONE, F_CASE, cno, F_DATE, date, F_NODE, "seizure",
	    F_ASSET, "deposit", F_EXPIRES, expires, END);
}

static struct event *
assign(const char *cno, const char *date)
{
	return mk(EV_HANDLER_ASSIGNED, F_CASE, cno, F_DATE, date, F_HANDLER,
	    "王法官", END);
}

static struct event *
close_case(const char *cno, const char *date, const char *mode,
    const char *recovered)
{
	return mk(EV_CASE_CLOSED, F_CASE, cno, F_DATE, date, F_MODE, mode,
	    F_RECOVERED, recovered, END);
}

static struct event *
extend(const char *cno, const char *date, const char *months)
{
	return mk(EV_EXTENSION_APPROVED, F_CASE, cno, F_DATE, date, F_MONTHS,
	    months, F_APPROVER, "院长", END);
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
ack(const char *cno, const char *date, const char *rule)
{
	return mk(EV_WARNING_ACKNOWLEDGED, F_CASE, cno, F_DATE, date, F_RULE,
	    rule, F_SUPERVISOR, "赵庭长", F_NOTE, "已督促承办人", END);
}

static struct event *
void_entry(uint64_t target)
{
	char t[32];

	snprintf(t, sizeof(t), "%llu", (unsigned long long)target);
	return mk(EV_CORRECTION, F_REASON, "录入错误", F_CORRECTS, t, END);
}

/* ---- warnings ---- */

#define WMAX	512
static struct warning wv[WMAX];
static char wdetail[WMAX][256];
static size_t wn;

static int
collect(void *arg, const struct warning *w, const char *detail)
{
	(void)arg;
	if (wn < WMAX) {
		wv[wn] = *w;
		snprintf(wdetail[wn], sizeof(wdetail[wn]), "%s", detail);
	}
	wn++;
	return 0;
}

static void
warnings_at(const char *as_of)
{
	struct view_query q;

	views_query_init(&q, COURT);
	snprintf(q.as_of, sizeof(q.as_of), "%s", as_of);
	wn = 0;
	if (views_warnings_detail(&c->st, &q, collect, NULL, err,
	    sizeof(err)) != 0)
		harness_fail(__FILE__, __LINE__, err);
}

/* The warning of (case, rule), or -1. */
static long
wfind(const char *cno, const char *rule)
{
	for (size_t i = 0; i < wn && i < WMAX; i++)
		if (strcmp(wv[i].case_no, cno) == 0 &&
		    strcmp(wv[i].rule, rule) == 0)
			return (long)i;
	return -1;
}

static size_t
wcount(const char *cno)
{
	size_t n = 0;

	for (size_t i = 0; i < wn && i < WMAX; i++)
		n += strcmp(wv[i].case_no, cno) == 0;
	return n;
}

/* A warning of (case, rule) in state st, `days`, with the deadline. */
static void
expect_at(const char *cno, const char *rule, enum warning_state st, int days,
    const char *deadline, int line)
{
	long i = wfind(cno, rule);
	char m[400];

	if (i < 0) {
		snprintf(m, sizeof(m), "no %s warning for %s", rule, cno);
		harness_fail(__FILE__, line, m);
		return;
	}
	if (wv[i].state != st || wv[i].days != days ||
	    strcmp(wv[i].deadline, deadline) != 0) {
		snprintf(m, sizeof(m), "%s %s: %s %d days, deadline %s; want"
		    " %s %d, %s", cno, rule, wv[i].state == WARN_OVERDUE ?
		    "overdue" : "due soon", wv[i].days, wv[i].deadline,
		    st == WARN_OVERDUE ? "overdue" : "due soon", days, deadline);
		harness_fail(__FILE__, line, m);
	}
	CHECK_STR(wv[i].court, COURT);
}
#define EXPECT(cno, rule, st, days, dl) expect_at(cno, rule, st, days, dl, __LINE__)
#define NONE_OF(cno, rule) do { if (wfind(cno, rule) >= 0) { char _m[200]; \
	snprintf(_m, sizeof(_m), "unexpected %s warning for %s", rule, cno); \
	harness_fail(__FILE__, __LINE__, _m); } } while (0)
#define DETAIL(cno, rule) (wfind(cno, rule) >= 0 ? wdetail[wfind(cno, rule)] : "(none)")

#define CA	"(2024)甘1202执1号"
#define CB	"(2024)甘1202执2号"
#define CC	"(2024)甘1202执3号"
#define CD	"(2024)甘1202执4号"
#define CE	"(2024)甘1202执5号"
#define CF	"(2024)甘1202执6号"

/* Node rules: due exactly today, one day late, done late, done in time. */
static void
test_node_rules(void)
{
	if (fx_open() == -1)
		return;
	REC(file_case(CA, "2024-03-01", "1000"));
	REC(file_case(CB, "2024-03-01", "1000"));
	REC(assign(CB, "2024-03-02"));
	REC(node(CB, "2024-03-05", "report_order"));
	REC(node(CB, "2024-03-03", "online_search"));
	REC(node(CB, "2024-03-15", "notice"));	/* deadline 03-11 */

	warnings_at("2024-03-11");
	EXPECT(CA, "notice", WARN_DUE_SOON, 0, "2024-03-11");
	EXPECT(CA, "report_order", WARN_DUE_SOON, 0, "2024-03-11");
	EXPECT(CA, "assign_handler", WARN_OVERDUE, 3, "2024-03-08");
	EXPECT(CA, "online_search", WARN_OVERDUE, 7, "2024-03-04");
	NONE_OF(CA, "investigation");		/* 03-31: 20 days left */
	NONE_OF(CA, "time_limit");
	NONE_OF(CB, "assign_handler");
	NONE_OF(CB, "report_order");
	NONE_OF(CB, "online_search");
	/* The notice is recorded as done on 03-15: as of 03-11 not yet. */
	EXPECT(CB, "notice", WARN_DUE_SOON, 0, "2024-03-11");

	warnings_at("2024-03-12");
	EXPECT(CA, "notice", WARN_OVERDUE, 1, "2024-03-11");
	EXPECT(CB, "notice", WARN_OVERDUE, 1, "2024-03-11");

	/* Done late: overdue by done − deadline, for as long as it is open. */
	warnings_at("2024-04-20");
	EXPECT(CB, "notice", WARN_OVERDUE, 4, "2024-03-11");
	CHECK_STR(DETAIL(CB, "notice"), "done 2024-03-15");
	EXPECT(CA, "notice", WARN_OVERDUE, 40, "2024-03-11");
	CHECK_STR(DETAIL(CA, "notice"), "");
	EXPECT(CA, "investigation", WARN_OVERDUE, 20, "2024-03-31");
	EXPECT(CB, "investigation", WARN_OVERDUE, 20, "2024-03-31");

	/* Before the filing, nothing. */
	warnings_at("2024-02-28");
	CHECK_EQ_INT(wn, 0);

	/* Order: court, rule (the rules' order), case. */
	warnings_at("2024-04-20");
	for (size_t i = 1; i < wn && i < WMAX; i++) {
		struct rule *r;
		size_t nr, a = 0, b = 0;

		CHECK_EQ_INT(views_rules(&c->st, &r, &nr, err, sizeof(err)), 0);
		for (size_t k = 0; k < nr; k++) {
			if (strcmp(r[k].id, wv[i - 1].rule) == 0)
				a = k;
			if (strcmp(r[k].id, wv[i].rule) == 0)
				b = k;
		}
		free(r);
		CHECK(a < b || (a == b && strcmp(wv[i - 1].case_no,
		    wv[i].case_no) < 0));
	}
	fx_close();
}

/* 审限: +3 months extension, 19 suspended days, an open suspension, a
 * non-litigation case, month-end clamping. */
static void
test_time_limit(void)
{
	if (fx_open() == -1)
		return;
	REC(file_case(CC, "2024-01-10", "1000"));
	REC(extend(CC, "2024-05-01", "3"));
	REC(suspend(CC, "2024-02-01"));
	REC(resume(CC, "2024-02-20"));
	/* 01-10 + 9 months = 10-10, + 19 days = 10-29 */
	warnings_at("2024-10-13");
	NONE_OF(CC, "time_limit");		/* 16 days left */
	warnings_at("2024-10-14");
	EXPECT(CC, "time_limit", WARN_DUE_SOON, 15, "2024-10-29");
	CHECK_STR(DETAIL(CC, "time_limit"),
	    "6 months + 3 extension months + 19 suspended days");
	warnings_at("2024-10-29");
	EXPECT(CC, "time_limit", WARN_DUE_SOON, 0, "2024-10-29");
	warnings_at("2024-10-30");
	EXPECT(CC, "time_limit", WARN_OVERDUE, 1, "2024-10-29");

	/* An open suspension counts up to as_of: the deadline moves. */
	REC(file_case(CD, "2024-01-10", "1000"));
	REC(suspend(CD, "2024-07-01"));
	warnings_at("2024-07-20");	/* 07-10 + 19 = 07-29 */
	EXPECT(CD, "time_limit", WARN_DUE_SOON, 9, "2024-07-29");
	warnings_at("2024-08-20");	/* 07-10 + 50 = 08-29 */
	EXPECT(CD, "time_limit", WARN_DUE_SOON, 9, "2024-08-29");
	warnings_at("2024-06-30");	/* not suspended yet: 10 days left */
	EXPECT(CD, "time_limit", WARN_DUE_SOON, 10, "2024-07-10");

	/* Non-litigation: 3 months, its own rule row. */
	REC(file_nonlit(CE, "2024-01-10", "1000"));
	warnings_at("2024-04-11");
	EXPECT(CE, "time_limit_nonlit", WARN_OVERDUE, 1, "2024-04-10");
	NONE_OF(CE, "time_limit");

	/* 08-31 + 6 months = 02-28 (clamped). */
	REC(file_case(CF, "2024-08-31", "1000"));
	warnings_at("2025-02-28");
	EXPECT(CF, "time_limit", WARN_DUE_SOON, 0, "2025-02-28");
	/* 12 months: 2025-08-31; open_12_months due soon 15 days before. */
	warnings_at("2025-08-16");
	EXPECT(CF, "open_12_months", WARN_DUE_SOON, 15, "2025-08-31");
	warnings_at("2025-09-01");
	EXPECT(CF, "open_12_months", WARN_OVERDUE, 1, "2025-08-31");
	fx_close();
}

/* 终本 with one precondition missing, or too early; the six-monthly
 * searches; a case closed otherwise has no warning. */
static void
test_zhongben(void)
{
	if (fx_open() == -1)
		return;
	REC(file_case(CA, "2024-01-02", "1000"));
	REC(node(CA, "2024-01-05", "notice"));
	REC(node(CA, "2024-01-05", "report_order"));
	REC(node(CA, "2024-02-01", "consumption_restriction"));
	REC(node(CA, "2024-03-01", "investigation_done"));
	REC(close_case(CA, "2024-05-10", "terminated_round", "0"));

	REC(file_case(CB, "2024-01-02", "1000"));
	REC(node(CB, "2024-01-05", "notice"));
	REC(node(CB, "2024-01-05", "report_order"));
	REC(node(CB, "2024-02-01", "consumption_restriction"));
	REC(node(CB, "2024-02-10", "investigation_done"));
	REC(node(CB, "2024-02-10", "debtor_search"));
	REC(close_case(CB, "2024-04-02", "terminated_round", "0"));

	REC(file_case(CC, "2024-01-02", "1000"));
	REC(close_case(CC, "2024-02-01", "completed", "1000"));

	warnings_at("2024-05-20");
	EXPECT(CA, "zhongben_conditions", WARN_OVERDUE, 10, "2024-05-10");
	CHECK_STR(DETAIL(CA, "zhongben_conditions"), "debtor_search");
	CHECK_EQ_INT(wcount(CA), 1);
	/* Closed exactly 3 months after filing: not "more than 3 months". */
	EXPECT(CB, "zhongben_conditions", WARN_OVERDUE, 48, "2024-04-02");
	CHECK_STR(DETAIL(CB, "zhongben_conditions"), "within_3_months");
	CHECK_EQ_INT(wcount(CC), 0);

	/* Periodic search: 6 months after closing. */
	warnings_at("2024-10-25");
	NONE_OF(CA, "periodic_search");		/* 16 days left */
	warnings_at("2024-10-26");
	EXPECT(CA, "periodic_search", WARN_DUE_SOON, 15, "2024-11-10");
	warnings_at("2024-11-10");
	EXPECT(CA, "periodic_search", WARN_DUE_SOON, 0, "2024-11-10");
	CHECK_STR(DETAIL(CA, "periodic_search"), "closed 2024-05-10");
	warnings_at("2024-11-11");
	EXPECT(CA, "periodic_search", WARN_OVERDUE, 1, "2024-11-10");
	REC(node(CA, "2024-11-20", "periodic_search"));
	warnings_at("2024-12-01");
	NONE_OF(CA, "periodic_search");
	warnings_at("2025-05-21");
	EXPECT(CA, "periodic_search", WARN_OVERDUE, 1, "2025-05-20");
	CHECK_STR(DETAIL(CA, "periodic_search"), "last search 2024-11-20");
	/* Five years: a search due after 2029-05-10 is not required. */
	REC(node(CA, "2028-12-01", "periodic_search"));
	warnings_at("2029-06-02");
	NONE_OF(CA, "periodic_search");
	REC(node(CB, "2028-10-01", "periodic_search"));
	warnings_at("2029-04-03");	/* CB: due 2029-04-01 ≤ 2029-04-02 */
	EXPECT(CB, "periodic_search", WARN_OVERDUE, 2, "2029-04-01");
	fx_close();
}

/* Funds: FIFO payouts, a late payout. */
static void
test_payout(void)
{
	if (fx_open() == -1)
		return;
	REC(file_case(CA, "2024-01-02", "5000"));
	REC(funds_in(CA, "2024-02-01", "1000"));
	REC(funds_in(CA, "2024-02-10", "500"));
	REC(funds_out(CA, "2024-02-20", "1200"));
	/* FIFO: the 02-01 arrival is settled; 300 of the 02-10 one is held,
	 * due 03-11. */
	warnings_at("2024-03-07");
	NONE_OF(CA, "payout");
	warnings_at("2024-03-08");
	EXPECT(CA, "payout", WARN_DUE_SOON, 3, "2024-03-11");
	CHECK_STR(DETAIL(CA, "payout"), "300.00 yuan held since 2024-02-10");
	warnings_at("2024-03-12");
	EXPECT(CA, "payout", WARN_OVERDUE, 1, "2024-03-11");
	/* As of 02-15 nothing is paid: 1000 held since 02-01, due 03-02. */
	warnings_at("2024-02-15");
	NONE_OF(CA, "payout");
	REC(funds_out(CA, "2024-03-12", "300"));
	warnings_at("2024-03-20");
	EXPECT(CA, "payout", WARN_OVERDUE, 1, "2024-03-11");
	CHECK_STR(DETAIL(CA, "payout"), "paid out 2024-03-12");

	REC(file_case(CB, "2024-01-02", "5000"));
	REC(funds_in(CB, "2024-02-01", "100"));
	REC(funds_out(CB, "2024-03-02", "100"));	/* day 30: in time */
	warnings_at("2024-04-01");
	NONE_OF(CB, "payout");
	fx_close();
}

/* Seizure: valuation within 30 days, renewal before expiry. */
static void
test_seizure(void)
{
	if (fx_open() == -1)
		return;
	REC(file_case(CA, "2024-01-02", "5000"));
	REC(seizure(CA, "2024-01-20", "2025-01-20"));
	warnings_at("2024-01-19");
	NONE_OF(CA, "valuation");
	warnings_at("2024-02-19");
	EXPECT(CA, "valuation", WARN_DUE_SOON, 0, "2024-02-19");
	warnings_at("2024-02-20");
	EXPECT(CA, "valuation", WARN_OVERDUE, 1, "2024-02-19");
	warnings_at("2024-12-20");
	NONE_OF(CA, "seizure_renewal");		/* 31 days left */
	warnings_at("2024-12-21");
	EXPECT(CA, "seizure_renewal", WARN_DUE_SOON, 30, "2025-01-20");
	CHECK_STR(DETAIL(CA, "seizure_renewal"), "expires 2025-01-20");
	warnings_at("2025-01-21");
	EXPECT(CA, "seizure_renewal", WARN_OVERDUE, 1, "2025-01-20");
	/* A renewal: a new seizure with a later expiry. */
	REC(seizure(CA, "2025-01-15", "2026-01-15"));
	warnings_at("2025-01-21");
	NONE_OF(CA, "seizure_renewal");
	/* Valuation done late. */
	REC(node(CA, "2024-03-01", "valuation"));
	warnings_at("2025-01-21");
	EXPECT(CA, "valuation", WARN_OVERDUE, 11, "2024-02-19");
	REC(file_case(CB, "2024-01-02", "5000"));
	warnings_at("2024-06-01");
	NONE_OF(CB, "valuation");		/* no seizure: no clock */
	fx_close();
}

/* Acknowledgment: marks the warning from its date on. */
static void
test_ack(void)
{
	long i;

	if (fx_open() == -1)
		return;
	REC(file_case(CA, "2024-03-01", "1000"));
	REC(ack(CA, "2024-03-13", "notice"));
	REC(ack(CA, "2024-03-14", "something_else"));
	warnings_at("2024-03-12");
	i = wfind(CA, "notice");
	CHECK(i >= 0 && !wv[i].acked);
	warnings_at("2024-03-14");
	i = wfind(CA, "notice");
	CHECK(i >= 0);
	if (i >= 0) {
		CHECK(wv[i].acked);
		CHECK_STR(wv[i].ack_by, "赵庭长");
		CHECK_STR(wv[i].ack_date, "2024-03-13");
		CHECK_STR(wv[i].ack_note, "已督促承办人");
		CHECK_EQ_INT(wv[i].state, WARN_OVERDUE);
		CHECK_EQ_INT(wv[i].days, 3);
	}
	i = wfind(CA, "report_order");
	CHECK(i >= 0 && !wv[i].acked);
	/* The later acknowledgment is the one shown. */
	REC(mk(EV_WARNING_ACKNOWLEDGED, F_CASE, CA, F_DATE, "2024-03-20",
	    F_RULE, "notice", F_SUPERVISOR, "钱院长", F_NOTE, "再次督促",
	    END));
	warnings_at("2024-03-25");
	i = wfind(CA, "notice");
	CHECK(i >= 0 && wv[i].acked);
	if (i >= 0)
		CHECK_STR(wv[i].ack_by, "钱院长");
	/* A long note is cut at a character boundary: "a" + 84 characters
	 * of 3 bytes = 253 bytes fit in 255. */
	{
		char note[400] = "a";

		for (int k = 0; k < 100; k++)
			strcat(note, "执");
		REC(mk(EV_WARNING_ACKNOWLEDGED, F_CASE, CA, F_DATE,
		    "2024-03-21", F_RULE, "notice", F_SUPERVISOR, "钱院长",
		    F_NOTE, note, END));
		warnings_at("2024-03-25");
		i = wfind(CA, "notice");
		CHECK(i >= 0 && strlen(wv[i].ack_note) == 253);
	}
	fx_close();
}

/* Rules: defaults, changes, refusals, a disabled rule. */
static void
test_rules(void)
{
	struct rule *r = NULL;
	size_t n = 0;
	static const char *const ids[] = { "assign_handler", "notice",
	    "report_order", "online_search", "investigation", "valuation",
	    "seizure_renewal", "payout", "time_limit", "time_limit_nonlit",
	    "zhongben_conditions", "periodic_search", "open_12_months" };

	if (fx_open() == -1)
		return;
	CHECK_EQ_INT(views_rules(&c->st, &r, &n, err, sizeof(err)), 0);
	CHECK_EQ_INT(n, sizeof(ids) / sizeof(ids[0]));
	for (size_t i = 0; i < n && i < sizeof(ids) / sizeof(ids[0]); i++) {
		CHECK_STR(r[i].id, ids[i]);
		CHECK(r[i].enabled);
	}
	CHECK_STR(r[1].zh, "执行通知书");
	CHECK_EQ_INT(r[1].days, 10);
	CHECK_EQ_INT(r[1].due_soon, 3);
	CHECK_EQ_INT(r[6].due_soon, 30);
	CHECK_EQ_INT(r[8].days, 6);
	CHECK_EQ_INT(r[8].due_soon, 15);
	free(r);

	CHECK_EQ_INT(views_rule_set(&c->st, "nosuch", "days", "3", err,
	    sizeof(err)), -1);
	CHECK_ERR(err, "no such rule");
	CHECK_EQ_INT(views_rule_set(&c->st, "notice", "days", "-1", err,
	    sizeof(err)), -1);
	CHECK_ERR(err, "rule.notice.days");
	CHECK_EQ_INT(views_rule_set(&c->st, "notice", "enabled", "maybe", err,
	    sizeof(err)), -1);
	CHECK_EQ_INT(views_rule_set(&c->st, "notice", "colour", "1", err,
	    sizeof(err)), -1);

	REC(file_case(CA, "2024-03-01", "1000"));
	CHECK_EQ_INT(views_rule_set(&c->st, "notice", "days", "15", err,
	    sizeof(err)), 0);
	CHECK_EQ_INT(views_rule_set(&c->st, "notice", "due_soon", "5", err,
	    sizeof(err)), 0);
	warnings_at("2024-03-11");
	EXPECT(CA, "notice", WARN_DUE_SOON, 5, "2024-03-16");
	CHECK_EQ_INT(views_rule_set(&c->st, "notice", "enabled", "no", err,
	    sizeof(err)), 0);
	warnings_at("2024-03-20");
	NONE_OF(CA, "notice");
	/* Back to the defaults for the other tests. */
	CHECK_EQ_INT(views_rule_set(&c->st, "notice", "days", "10", err,
	    sizeof(err)), 0);
	CHECK_EQ_INT(views_rule_set(&c->st, "notice", "due_soon", "3", err,
	    sizeof(err)), 0);
	CHECK_EQ_INT(views_rule_set(&c->st, "notice", "enabled", "yes", err,
	    sizeof(err)), 0);
	warnings_at("2024-03-12");
	EXPECT(CA, "notice", WARN_OVERDUE, 1, "2024-03-11");
	fx_close();
}

/* ---- indicators ---- */

#define IMAX 16
static struct indicators iv[IMAX];
static int ilevel[IMAX];
static size_t in_n;

static int
icollect(void *arg, int level, const struct indicators *in)
{
	(void)arg;
	if (in_n < IMAX) {
		iv[in_n] = *in;
		ilevel[in_n] = level;
	}
	in_n++;
	return 0;
}

static void
indicators_for(const char *scope, const char *from, const char *to)
{
	struct view_query q;

	views_query_init(&q, scope);
	snprintf(q.from, sizeof(q.from), "%s", from);
	snprintf(q.to, sizeof(q.to), "%s", to);
	in_n = 0;
	if (views_indicators(&c->st, &q, icollect, NULL, err, sizeof(err)) != 0)
		harness_fail(__FILE__, __LINE__, err);
}

#define NCASES 32
static char cases_v[NCASES][CS_CASE_MAX];
static size_t cases_n;

static int
ccollect(void *arg, const char *court_path, const char *case_no)
{
	(void)arg;
	CHECK_STR(court_path, COURT);
	if (cases_n < NCASES)
		snprintf(cases_v[cases_n], sizeof(cases_v[0]), "%s", case_no);
	cases_n++;
	return 0;
}

static void
cases_of(const char *court_path, const char *which)
{
	struct view_query q;

	views_query_init(&q, COURT);
	snprintf(q.from, sizeof(q.from), "2024-01-01");
	snprintf(q.to, sizeof(q.to), "2024-06-30");
	cases_n = 0;
	if (views_indicator_cases(&c->st, &q, court_path, which, ccollect,
	    NULL, err, sizeof(err)) != 0)
		harness_fail(__FILE__, __LINE__, err);
}

static void
check_fixture_row(const struct indicators *in, int line)
{
	char m[64];

	snprintf(m, sizeof(m), "indicators row (line %d)", line);
	(void)m;
	CHECK_EQ_INT(in->old_open, 4);
	CHECK_EQ_INT(in->received, 5);
	CHECK_EQ_INT(in->closed, 6);
	CHECK_EQ_INT(in->completed, 4);
	CHECK_EQ_INT(in->within_limit, 5);
	CHECK_EQ_INT(in->first_closed, 5);
	CHECK_EQ_INT(in->first_zhongben, 2);
	CHECK_EQ_INT(in->open_end, 3);
	CHECK_EQ_INT(in->open_12m, 1);
	CHECK_EQ_INT(in->claimed, 1600000);
	CHECK_EQ_INT(in->recovered, 650000);
	CHECK_EQ_INT(in->days, 926);
	CHECK(in->closure_rate > 0.666666 && in->closure_rate < 0.666667);
	CHECK(in->completion_rate > 0.666666 && in->completion_rate < 0.666667);
	CHECK(in->recovery_rate == 0.40625);
	CHECK(in->within_limit_rate > 0.833333 &&
	    in->within_limit_rate < 0.833334);
	CHECK(in->first_zhongben_rate == 0.4);
	CHECK(in->over_12m_ratio > 0.333333 && in->over_12m_ratio < 0.333334);
	CHECK(in->avg_days > 154.333333 && in->avg_days < 154.333334);
}

/*
 * Period 2024-01-01..2024-06-30, 口径 执,执恢:
 *  1 (2023)执1  filed 2023-03-01, open             old, open_end, 12m
 *  2 (2023)执2  2023-11-01 → 2024-02-01 completed  old, closed, within, 92 d
 *  3 (2023)执3  2023-06-01 → 2023-12-01            nothing
 *  4 (2024)执1  2024-01-10 → 05-10 终本            rec, closed, zb, 121 d
 *  5 (2024)执2  2024-01-15 → 08-01                 rec, open_end
 *  6 (2024)执3  2024-02-01, open                   rec, open_end
 *  7 (2024)执恢1 2024-03-01 → 03-31 completed      rec, closed (not 执), 30 d
 *  8 (2024)执保1 2024-03-01                        outside the 口径
 *  9 (2023)执4  2023-01-10 → 2024-01-20 completed  old, closed, late, 375 d
 * 10 (2024)执4  2024-01-05 非诉, 10 days suspended → 04-10 completed:
 *               3 months = 04-05 + 10 = 04-15: within; 96 d
 * 11 (2023)执5  2023-12-01, +3 months → 2024-06-30 终本: within only with
 *               the extension; 212 d
 */
static void
test_indicators(void)
{
	if (fx_open() == -1)
		return;
	REC(file_case("(2023)甘1202执1号", "2023-03-01", "100"));
	REC(file_case("(2023)甘1202执2号", "2023-11-01", "1000"));
	REC(close_case("(2023)甘1202执2号", "2024-02-01", "completed", "1000"));
	REC(file_case("(2023)甘1202执3号", "2023-06-01", "700"));
	REC(close_case("(2023)甘1202执3号", "2023-12-01", "completed", "700"));
	REC(file_case("(2024)甘1202执1号", "2024-01-10", "5000"));
	REC(close_case("(2024)甘1202执1号", "2024-05-10", "terminated_round",
	    "0"));
	REC(file_case("(2024)甘1202执2号", "2024-01-15", "800"));
	REC(close_case("(2024)甘1202执2号", "2024-08-01", "completed", "800"));
	REC(file_case("(2024)甘1202执3号", "2024-02-01", "900"));
	REC(file_case("(2024)甘1202执恢1号", "2024-03-01", "2000"));
	REC(close_case("(2024)甘1202执恢1号", "2024-03-31", "completed",
	    "1500"));
	REC(file_case("(2024)甘1202执保1号", "2024-03-01", "300"));
	REC(file_case("(2023)甘1202执4号", "2023-01-10", "3000"));
	REC(close_case("(2023)甘1202执4号", "2024-01-20", "completed", "3000"));
	REC(file_nonlit("(2024)甘1202执4号", "2024-01-05", "1000"));
	REC(suspend("(2024)甘1202执4号", "2024-02-01"));
	REC(resume("(2024)甘1202执4号", "2024-02-11"));
	REC(close_case("(2024)甘1202执4号", "2024-04-10", "completed", "1000"));
	REC(file_case("(2023)甘1202执5号", "2023-12-01", "4000"));
	REC(extend("(2023)甘1202执5号", "2024-05-01", "3"));
	REC(close_case("(2023)甘1202执5号", "2024-06-30", "terminated_round",
	    "0"));

	/* One court: its row, its level's row and the total agree. */
	indicators_for(COURT, "2024-01-01", "2024-06-30");
	CHECK_EQ_INT(in_n, 3);
	if (in_n == 3) {
		CHECK_STR(iv[0].court, COURT);
		CHECK_EQ_INT(ilevel[0], 4);
		check_fixture_row(&iv[0], __LINE__);
		CHECK_STR(iv[1].court, "level 4");
		CHECK_EQ_INT(ilevel[1], 4);
		check_fixture_row(&iv[1], __LINE__);
		CHECK_STR(iv[2].court, COURT);
		CHECK_EQ_INT(ilevel[2], 0);
		check_fixture_row(&iv[2], __LINE__);
	}
	/* The hub's scope holds the same court. */
	indicators_for("cn/gs/ln", "2024-01-01", "2024-06-30");
	CHECK_EQ_INT(in_n, 3);
	if (in_n == 3) {
		check_fixture_row(&iv[0], __LINE__);
		CHECK_STR(iv[2].court, "cn/gs/ln");
		check_fixture_row(&iv[2], __LINE__);
	}
	/* A path prefix that is not a parent: no court, zero total. */
	indicators_for("cn/gs/ln/wu", "2024-01-01", "2024-06-30");
	CHECK_EQ_INT(in_n, 1);
	if (in_n == 1) {
		CHECK_EQ_INT(ilevel[0], 0);
		CHECK_EQ_INT(iv[0].closed, 0);
		CHECK(iv[0].closure_rate == 0.0 && iv[0].avg_days == 0.0);
	}
	/* Another 口径: 执保 only. */
	{
		struct view_query q;

		views_query_init(&q, COURT);
		snprintf(q.from, sizeof(q.from), "2024-01-01");
		snprintf(q.to, sizeof(q.to), "2024-06-30");
		snprintf(q.types, sizeof(q.types), "执保");
		in_n = 0;
		CHECK_EQ_INT(views_indicators(&c->st, &q, icollect, NULL, err,
		    sizeof(err)), 0);
		CHECK(in_n == 3 && iv[0].received == 1 && iv[0].open_end == 1 &&
		    iv[0].closed == 0);
	}

	cases_of(COURT, "received");
	CHECK_EQ_INT(cases_n, 5);
	if (cases_n == 5) {
		CHECK_STR(cases_v[0], "(2024)甘1202执1号");
		CHECK_STR(cases_v[3], "(2024)甘1202执4号");
		CHECK_STR(cases_v[4], "(2024)甘1202执恢1号");
	}
	cases_of(COURT, "old_open");
	CHECK_EQ_INT(cases_n, 4);
	if (cases_n == 4) {
		CHECK_STR(cases_v[0], "(2023)甘1202执1号");
		CHECK_STR(cases_v[1], "(2023)甘1202执2号");
		CHECK_STR(cases_v[2], "(2023)甘1202执4号");
		CHECK_STR(cases_v[3], "(2023)甘1202执5号");
	}
	cases_of("", "within_limit");
	CHECK_EQ_INT(cases_n, 5);
	cases_of("level 4", "first_zhongben");
	CHECK_EQ_INT(cases_n, 2);
	cases_of(COURT, "open_12m");
	CHECK(cases_n == 1 && strcmp(cases_v[0], "(2023)甘1202执1号") == 0);
	{
		struct view_query q;

		views_query_init(&q, COURT);
		CHECK_EQ_INT(views_indicator_cases(&c->st, &q, COURT, "nosuch",
		    ccollect, NULL, err, sizeof(err)), -1);
		CHECK_ERR(err, "no figure");
		CHECK_EQ_INT(views_indicator_cases(&c->st, &q, "cn/gs/xx",
		    "closed", ccollect, NULL, err, sizeof(err)), -1);
	}
	fx_close();
}

/* ---- integrity ---- */

#define NMAX 16
static struct numbering_issue nv[NMAX];
static size_t nn;

static int
ncollect(void *arg, const struct numbering_issue *i)
{
	(void)arg;
	if (nn < NMAX)
		nv[nn] = *i;
	nn++;
	return 0;
}

static void
test_numbering(void)
{
	struct view_query q;
	uint64_t idx;

	if (fx_open() == -1)
		return;
	REC(file_case("(2024)甘1202执1号", "2024-01-02", "100"));
	REC(file_case("(2024)甘1202执2号", "2024-01-02", "100"));
	REC(file_case("(2024)甘1202执5号", "2024-01-03", "100"));
	REC(file_case("(2024)甘1202执9号", "2024-01-04", "100"));
	REC(file_case("(2024)甘1202执保2号", "2024-01-04", "100"));
	idx = REC(file_case("(2024)甘1202执10号", "2024-01-05", "100"));
	REC(void_entry(idx));
	REC(file_case("(2024)甘1202执10号", "2024-01-06", "200"));
	views_query_init(&q, COURT);
	nn = 0;
	CHECK_EQ_INT(views_numbering(&c->st, &q, ncollect, NULL, err,
	    sizeof(err)), 0);
	CHECK_EQ_INT(nn, 4);
	if (nn == 4) {
		CHECK_STR(nv[0].type, "执");
		CHECK_EQ_INT(nv[0].year, 2024);
		CHECK_STR(nv[0].court, COURT);
		CHECK(nv[0].first == 3 && nv[0].last == 4 && !nv[0].reused);
		CHECK(nv[1].first == 6 && nv[1].last == 8 && !nv[1].reused);
		CHECK(nv[2].first == 10 && nv[2].last == 10 && nv[2].reused);
		CHECK_STR(nv[3].type, "执保");
		CHECK(nv[3].first == 1 && nv[3].last == 1 && !nv[3].reused);
	}
	fx_close();
}

#define BMAX 16
static struct backfill bv[BMAX];
static size_t bn;

static int
bcollect(void *arg, const struct backfill *b)
{
	(void)arg;
	if (bn < BMAX)
		bv[bn] = *b;
	bn++;
	return 0;
}

static void
test_backfill(void)
{
	struct view_query q;

	if (fx_open() == -1)
		return;
	setenv("COURTSYNC_TIME", "1709265600", 1);	/* 2024-03-01 12:00 CST */
	REC(file_case(CA, "2024-03-01", "100"));		/* 0 */
	setenv("COURTSYNC_TIME", "1712880000", 1);	/* 2024-04-12 08:00 */
	REC(node(CA, "2024-03-03", "notice"));		/* 1: 40 days */
	REC(node(CA, "2024-04-05", "report_order"));	/* 2: 7 days */
	setenv("COURTSYNC_TIME", NOW, 1);		/* 2030-01-01 */
	REC(node(CA, "2024-04-06", "online_search"));	/* 3 */
	/* A witness cosigned the checkpoint of size 3 on 2024-04-20. */
	CHECK_EQ_INT(store_cosig_put(&c->st, c->log.id, 3, "cn/gs/ln",
	    1713571200, "— cn/gs/ln x", err, sizeof(err)), 0);
	views_query_init(&q, COURT);
	bn = 0;
	CHECK_EQ_INT(views_backfill(&c->st, &q, 7, bcollect, NULL, err,
	    sizeof(err)), 0);
	CHECK_EQ_INT(bn, 2);
	if (bn == 2) {
		CHECK_STR(bv[0].court, COURT);
		CHECK_STR(bv[0].case_no, CA);
		CHECK_EQ_INT(bv[0].index, 1);
		CHECK_STR(bv[0].type, "node_done");
		CHECK_STR(bv[0].date, "2024-03-03");
		CHECK_STR(bv[0].recorded, "2024-04-12");
		CHECK_STR(bv[0].witnessed, "2024-04-20");
		CHECK_EQ_INT(bv[0].delay, 40);
		CHECK_EQ_INT(bv[1].index, 3);
		CHECK_STR(bv[1].recorded, "2030-01-01");
		CHECK_STR(bv[1].witnessed, "");
		CHECK_EQ_INT(bv[1].delay, 2096);
	}
	bn = 0;
	CHECK_EQ_INT(views_backfill(&c->st, &q, 6, bcollect, NULL, err,
	    sizeof(err)), 0);
	CHECK_EQ_INT(bn, 3);		/* the 7-day one too */
	bn = 0;
	CHECK_EQ_INT(views_backfill(&c->st, &q, 0, bcollect, NULL, err,
	    sizeof(err)), 0);
	CHECK_EQ_INT(bn, 3);		/* the filing: same day, delay 0 */
	fx_close();
}

static struct peer_health pv[4];
static size_t pn;

static int
pcollect(void *arg, const struct peer_health *p)
{
	(void)arg;
	if (pn < 4)
		pv[pn] = *p;
	pn++;
	return 0;
}

static void
test_peers(void)
{
	uint64_t size;
	char note[4096];

	if (fx_open() == -1)
		return;
	REC(file_case(CA, "2024-03-01", "100"));
	REC(node(CA, "2024-03-03", "notice"));
	CHECK_EQ_INT(court_checkpoint(c, &size, note, sizeof(note), err,
	    sizeof(err)), 0);
	REC(node(CA, "2024-03-04", "report_order"));
	CHECK_EQ_INT(store_peer_note(&c->st, "cn/gs/ln/wudu/x", 1700000000,
	    false, "certificate has expired", 5, err, sizeof(err)), 0);
	pn = 0;
	CHECK_EQ_INT(views_peers(&c->st, pcollect, NULL, err, sizeof(err)), 0);
	CHECK_EQ_INT(pn, 2);
	if (pn == 2) {
		CHECK_STR(pv[0].court, COURT);
		CHECK_EQ_INT(pv[0].held, 3);
		CHECK_EQ_INT(pv[0].checkpoint, 2);
		CHECK_EQ_INT(pv[0].last_seen, 0);
		CHECK_EQ_INT(pv[0].equivocations, 0);
		CHECK_STR(pv[1].court, "cn/gs/ln/wudu/x");
		CHECK_EQ_INT(pv[1].last_seen, 1700000000);
		CHECK_EQ_INT(pv[1].last_ok, 0);
		CHECK_STR(pv[1].last_error, "certificate has expired");
		CHECK_EQ_INT(pv[1].requests, 1);
		CHECK_EQ_INT(pv[1].held, 0);
	}
	fx_close();
}

static void
test_query_init(void)
{
	struct view_query q;

	setenv("COURTSYNC_TIME", "1719705600", 1);	/* 2024-06-30 08:00 CST */
	views_query_init(&q, COURT);
	CHECK_STR(q.scope, COURT);
	CHECK_STR(q.as_of, "2024-06-30");
	CHECK_STR(q.from, "2024-01-01");
	CHECK_STR(q.to, "2024-06-30");
	CHECK_STR(q.types, "执,执恢");
	setenv("COURTSYNC_TIME", "1719763200", 1);	/* 2024-06-30 16:00 UTC
							 * = 07-01 00:00 CST */
	views_query_init(&q, COURT);
	CHECK_STR(q.as_of, "2024-07-01");
	CHECK_STR(q.from, "2024-07-01");
	CHECK_STR(q.to, "2024-12-31");
	setenv("COURTSYNC_TIME", NOW, 1);
}

/* ---- 10,000 cases ---- */

static double
secs(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
count_w(void *arg, const struct warning *w)
{
	(void)w;
	(*(size_t *)arg)++;
	return 0;
}

static int
count_i(void *arg, int level, const struct indicators *in)
{
	(void)level;
	(void)in;
	(*(size_t *)arg)++;
	return 0;
}

static void
test_10k(void)
{
	struct view_query q;
	uint64_t t, idx;
	size_t nw = 0, ni = 0;
	double t0, t1, t2;
	char cno[64], day[11];
	int ok = 0;

	if (fx_open() == -1)
		return;
	CHECK_EQ_INT(clock_now(&t, err, sizeof(err)), 0);
	if (court_begin(c, err, sizeof(err)) != 0)
		goto out;
	for (int i = 0; i < 10000; i++) {
		int year = 2023 + i / 5000;
		struct event *ev;

		date_from_days(date_days(year == 2023 ? "2023-01-01" :
		    "2024-01-01") + (i % 5000) * 365 / 5000, day);
		snprintf(cno, sizeof(cno), "(%d)甘1202执%d号", year,
		    i % 5000 + 1);
		ev = file_case(cno, day, "1000");
		if (court_append(c, ev, t, &idx, err, sizeof(err)) != 0)
			goto fail;
		free(ev);
		ev = node(cno, day, "notice");
		if (court_append(c, ev, t, &idx, err, sizeof(err)) != 0)
			goto fail;
		free(ev);
		ev = funds_in(cno, day, "10");
		if (court_append(c, ev, t, &idx, err, sizeof(err)) != 0)
			goto fail;
		free(ev);
		if (i % 3 == 0) {
			ev = close_case(cno, day, i % 2 ? "completed" :
			    "terminated_round", "10");
			if (court_append(c, ev, t, &idx, err, sizeof(err)) != 0)
				goto fail;
			free(ev);
		}
		continue;
fail:
		free(ev);
		harness_fail(__FILE__, __LINE__, err);
		court_rollback(c);
		goto out;
	}
	if (court_commit(c, err, sizeof(err)) != 0)
		goto out;
	ok = 1;
	views_query_init(&q, COURT);
	snprintf(q.as_of, sizeof(q.as_of), "2024-12-31");
	snprintf(q.from, sizeof(q.from), "2024-01-01");
	snprintf(q.to, sizeof(q.to), "2024-12-31");
	t0 = secs();
	CHECK_EQ_INT(views_warnings(&c->st, &q, count_w, &nw, err,
	    sizeof(err)), 0);
	t1 = secs();
	CHECK_EQ_INT(views_indicators(&c->st, &q, count_i, &ni, err,
	    sizeof(err)), 0);
	t2 = secs();
	fprintf(stderr, "  10,000 cases: warnings %.3f s (%zu), indicators"
	    " %.3f s\n", t1 - t0, nw, t2 - t1);
	{
		/* The oracle counts the same. */
		size_t ow = 0, oi = 0;
		double t3;

		q.recompute = true;
		t2 = secs();
		CHECK_EQ_INT(views_warnings(&c->st, &q, count_w, &ow, err,
		    sizeof(err)), 0);
		t3 = secs();
		CHECK_EQ_INT(views_indicators(&c->st, &q, count_i, &oi, err,
		    sizeof(err)), 0);
		fprintf(stderr, "  the same recomputed: warnings %.3f s (%zu),"
		    " indicators %.3f s\n", t3 - t2, ow, secs() - t3);
		CHECK_EQ_INT(ow, nw);
		q.recompute = false;
	}
	CHECK(nw > 10000);
	CHECK_EQ_INT(ni, 3);
#if !defined(__SANITIZE_ADDRESS__)
	CHECK(t1 - t0 < 1.0);
	CHECK(t2 - t1 < 1.0);
#endif
out:
	if (!ok)
		harness_fail(__FILE__, __LINE__, err);
	fx_close();
}

const struct test tests[] = {
	{ "query_init", test_query_init },
	{ "node_rules", test_node_rules },
	{ "time_limit", test_time_limit },
	{ "zhongben", test_zhongben },
	{ "payout", test_payout },
	{ "seizure", test_seizure },
	{ "ack", test_ack },
	{ "rules", test_rules },
	{ "indicators", test_indicators },
	{ "numbering", test_numbering },
	{ "backfill", test_backfill },
	{ "peers", test_peers },
	{ "10k", test_10k },
	{ NULL, NULL },
};
