/* test_event.c — case numbers, money, dates, enumerations, the checks
 * within one event, and event bodies (docs/FORMAT.md §3): round trips for
 * every type, golden bytes, and the refusals a reader must make. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "courtsync/codec.h"
#include "courtsync/entry.h"
#include "event.h"
#include "harness.h"

static char err[512];

#define CASE1	"(2024)甘1202执1号"

/* CHECK_STR for field values (1024-byte arrays), messages bounded. */
static void
check_fstr(const char *a, const char *b, const char *expr, int line)
{
	if (strcmp(a, b) != 0) {
		char m[900];
		snprintf(m, sizeof(m), "%.200s (\"%.300s\" != \"%.300s\")",
		    expr, a, b);
		harness_fail(__FILE__, line, m);
	}
}
#define CHECK_FSTR(a, b) check_fstr((a), (b), #a " == " #b, __LINE__)

static struct event *
ev_new(enum event_type t)
{
	struct event *ev = calloc(1, sizeof(*ev));

	ev->type = t;
	return ev;
}

static void
set_ok(struct event *ev, enum field_id f, const char *text)
{
	if (event_set(ev, f, text, err, sizeof(err)) != 0) {
		char m[1200];
		snprintf(m, sizeof(m), "event_set %s \"%.200s\": %.400s",
		    field_defs[f].name, text, err);
		harness_fail(__FILE__, __LINE__, m);
	}
}

/* ---- case numbers ---- */

static void
case_ok(const char *in, int year, const char *court, const char *type,
    uint32_t seq, const char *canon)
{
	struct case_no c;
	char out[CS_CASE_MAX];

	if (case_no_parse(in, &c, err, sizeof(err)) != 0) {
		char m[1200];
		snprintf(m, sizeof(m), "case_no_parse(%s): %s", in, err);
		harness_fail(__FILE__, __LINE__, m);
		return;
	}
	CHECK_EQ_INT(c.year, year);
	CHECK_STR(c.court, court);
	CHECK_STR(c.type, type);
	CHECK_EQ_INT(c.seq, seq);
	case_no_format(&c, out, sizeof(out));
	CHECK_STR(out, canon);
}

static void
case_bad(const char *in)
{
	struct case_no c;
	char want[256];

	err[0] = '\0';
	if (case_no_parse(in, &c, err, sizeof(err)) != -1) {
		char m[256];
		snprintf(m, sizeof(m), "case_no_parse accepted \"%s\"", in);
		harness_fail(__FILE__, __LINE__, m);
		return;
	}
	snprintf(want, sizeof(want),
	    "\"%s\" is not a case number like (2024)甘1202执123号", in);
	CHECK_STR(err, want);
}

static void
test_case_no(void)
{
	case_ok("(2024)甘1202执123号", 2024, "甘1202", "执", 123,
	    "(2024)甘1202执123号");
	case_ok("（2024）甘1202执123号", 2024, "甘1202", "执", 123,
	    "(2024)甘1202执123号");
	case_ok("（2024)甘1202执1号", 2024, "甘1202", "执", 1,
	    "(2024)甘1202执1号");
	case_ok("(2024）甘1202执1号", 2024, "甘1202", "执", 1,
	    "(2024)甘1202执1号");
	case_ok("(2024)甘1202执恢7号", 2024, "甘1202", "执恢", 7,
	    "(2024)甘1202执恢7号");
	case_ok("(2024)甘1202执保8号", 2024, "甘1202", "执保", 8,
	    "(2024)甘1202执保8号");
	case_ok("(2024)甘1202执异9号", 2024, "甘1202", "执异", 9,
	    "(2024)甘1202执异9号");
	case_ok("(2024)甘1202执复10号", 2024, "甘1202", "执复", 10,
	    "(2024)甘1202执复10号");
	case_ok("(2024)甘1202执监11号", 2024, "甘1202", "执监", 11,
	    "(2024)甘1202执监11号");
	case_ok("(2024)甘1202执协12号", 2024, "甘1202", "执协", 12,
	    "(2024)甘1202执协12号");
	case_ok("（2023）最高法执监45号", 2023, "最高法", "执监", 45,
	    "(2023)最高法执监45号");
	case_ok("(2024)甘12执999999号", 2024, "甘12", "执", 999999,
	    "(2024)甘12执999999号");
	case_ok("(1900)甘12执1号", 1900, "甘12", "执", 1, "(1900)甘12执1号");
	case_ok("(2999)甘12执1号", 2999, "甘12", "执", 1, "(2999)甘12执1号");

	case_bad("(2024)甘1202执123");		/* missing 号 */
	case_bad("(2024)甘1202执0号");		/* seq 0 */
	case_bad("(2024)甘1202执012号");		/* leading zero */
	case_bad("(2024)甘1202执1000000号");	/* seq > 999999 */
	case_bad("(2024)甘1202执99999999999999999999号");
	case_bad("甘1202执1号");			/* no year */
	case_bad("()甘1202执1号");
	case_bad("(24)甘1202执1号");
	case_bad("(20x4)甘1202执1号");
	case_bad("(1899)甘1202执1号");
	case_bad("(3000)甘1202执1号");
	case_bad("(2024)甘1202执abc号");		/* letters */
	case_bad("(2024)甘1202执12a号");
	case_bad("(2024)甘1202执a12号");
	case_bad("(2024)甘1202执+1号");
	case_bad("(2024)甘1202执 1号");
	case_bad("(2024)甘1202执1号x");
	case_bad("(2024)甘1202民1号");		/* not an enforcement type */
	case_bad("(2024)执1号");			/* no court code */
	case_bad("(2024)1202执1号");		/* code starts with a digit */
	case_bad("[2024]甘1202执1号");
	case_bad("(2024甘1202执1号");
	case_bad("");
}

/* ---- money ---- */

static void
fen_ok(const char *text, uint64_t fen)
{
	struct event *ev = ev_new(EV_CASE_FILED);

	set_ok(ev, F_CLAIMED, text);
	CHECK(ev->f[F_CLAIMED].present);
	CHECK_EQ_INT(ev->f[F_CLAIMED].u, fen);
	free(ev);
}

static void
fen_bad(const char *text, const char *what)
{
	struct event *ev = ev_new(EV_CASE_FILED);

	err[0] = '\0';
	if (event_set(ev, F_CLAIMED, text, err, sizeof(err)) != -1) {
		char m[256];
		snprintf(m, sizeof(m), "claimed \"%s\" accepted", text);
		harness_fail(__FILE__, __LINE__, m);
	}
	CHECK_ERR(err, what);
	CHECK_ERR(err, "claimed");
	CHECK(!ev->f[F_CLAIMED].present);
	free(ev);
}

static void
test_money(void)
{
	char out[64];

	fen_ok("0", 0);
	fen_ok("12", 1200);
	fen_ok("12.3", 1230);
	fen_ok("12.34", 1234);
	fen_ok("0.01", 1);
	fen_ok("007", 700);
	fen_ok("9999999999999.99", 999999999999999ull);

	fen_bad("-5", "negative");
	fen_bad("12.345", "\"12.345\" is not an amount in yuan");
	fen_bad("1e5", "\"1e5\" is not an amount in yuan");
	fen_bad("", "\"\" is not an amount in yuan");
	fen_bad(".5", "\".5\" is not an amount in yuan");
	fen_bad("1,000", "\"1,000\" is not an amount in yuan");
	fen_bad("12.", "is not an amount in yuan");
	fen_bad("+5", "is not an amount in yuan");
	fen_bad(" 5", "is not an amount in yuan");
	fen_bad("5 ", "is not an amount in yuan");
	fen_bad("１２", "is not an amount in yuan");
	fen_bad("10000000000000", "is not an amount in yuan");	/* 14 digits */

	fen_format(1230, out, sizeof(out));
	CHECK_STR(out, "12.30");
	fen_format(5, out, sizeof(out));
	CHECK_STR(out, "0.05");
	fen_format(0, out, sizeof(out));
	CHECK_STR(out, "0.00");
}

/* ---- dates ---- */

static void
test_date_valid(void)
{
	CHECK(date_valid("2024-02-29"));
	CHECK(!date_valid("2023-02-29"));
	CHECK(!date_valid("2100-02-29"));
	CHECK(date_valid("2000-02-29"));
	CHECK(date_valid("2023-02-28"));
	CHECK(!date_valid("2024-02-30"));
	CHECK(!date_valid("2024-13-01"));
	CHECK(!date_valid("2024-00-10"));
	CHECK(!date_valid("2024-01-00"));
	CHECK(!date_valid("2024-01-32"));
	CHECK(!date_valid("2024-04-31"));
	CHECK(date_valid("2024-12-31"));
	CHECK(!date_valid("2024-1-1"));
	CHECK(!date_valid("2024-01-1"));
	CHECK(!date_valid("2024/01/01"));
	CHECK(!date_valid("2024-01-01 "));
	CHECK(!date_valid("2024-01-0a"));
	CHECK(!date_valid("+024-01-01"));
	CHECK(!date_valid(""));
	CHECK(date_valid("1900-01-01"));
	CHECK(!date_valid("1899-12-31"));
	CHECK(date_valid("2999-12-31"));
	CHECK(!date_valid("3000-01-01"));
}

static void
test_date_days(void)
{
	int64_t first = date_days("1900-01-01"), last = date_days("2999-12-31");
	int64_t prev = first - 1;
	char s[11];
	int bad = 0;

	CHECK_EQ_INT(date_days("1970-01-01"), 0);
	CHECK_EQ_INT(date_days("1970-01-02"), 1);
	CHECK_EQ_INT(date_days("1969-12-31"), -1);
	CHECK_EQ_INT(date_days("2000-03-01"), 11017);
	CHECK_EQ_INT(date_days("2024-06-30"), 19904);	/* 1719705600 / 86400 */
	CHECK_EQ_INT(first, -25567);
	CHECK_EQ_INT(date_days("2024-02-20") - date_days("2024-02-01"), 19);
	CHECK_EQ_INT(date_days("2024-03-01") - date_days("2024-02-28"), 2);
	CHECK_EQ_INT(date_days("2023-03-01") - date_days("2023-02-28"), 1);
	date_from_days(0, s);
	CHECK_STR(s, "1970-01-01");
	date_from_days(19904, s);
	CHECK_STR(s, "2024-06-30");
	date_from_days(first, s);
	CHECK_STR(s, "1900-01-01");
	date_from_days(last, s);
	CHECK_STR(s, "2999-12-31");
	/* Every day, 1900..2999: valid, strictly increasing text, round trip. */
	for (int64_t d = first; d <= last && bad < 5; d++) {
		char t[11];
		date_from_days(d, s);
		if (!date_valid(s) || date_days(s) != d) {
			char m[128];
			snprintf(m, sizeof(m), "day %lld -> \"%s\" -> %lld",
			    (long long)d, s, (long long)date_days(s));
			harness_fail(__FILE__, __LINE__, m);
			bad++;
		}
		if (d > first) {
			date_from_days(prev, t);
			if (strcmp(t, s) >= 0) {
				harness_fail(__FILE__, __LINE__, "not increasing");
				bad++;
			}
		}
		prev = d;
	}
	CHECK_EQ_INT(last - first + 1, 1100 * 365 + 267);	/* leap days */
}

/* ---- enumerations ---- */

static void
test_enum(void)
{
	struct event *ev = ev_new(EV_CASE_CLOSED);

	set_ok(ev, F_MODE, "终本");
	CHECK_FSTR(ev->f[F_MODE].s, "terminated_round");
	set_ok(ev, F_MODE, "终结本次执行程序");
	CHECK_FSTR(ev->f[F_MODE].s, "terminated_round");
	set_ok(ev, F_MODE, "执行完毕");
	CHECK_FSTR(ev->f[F_MODE].s, "completed");
	set_ok(ev, F_MODE, "withdrawn");
	CHECK_FSTR(ev->f[F_MODE].s, "withdrawn");
	CHECK(event_set(ev, F_MODE, "foo", err, sizeof(err)) == -1);
	CHECK_STR(err, "mode: unknown value \"foo\" (one of: completed, "
	    "terminated_round, terminated, withdrawn, not_enforced, rejected)");
	CHECK_FSTR(ev->f[F_MODE].s, "withdrawn");	/* unchanged */
	CHECK(event_set(ev, F_MODE, "Completed", err, sizeof(err)) == -1);
	CHECK(event_set(ev, F_TRACK, "medium", err, sizeof(err)) == -1);
	CHECK_STR(err, "track: unknown value \"medium\" (one of: simple, complex)");
	set_ok(ev, F_TRACK, "繁案");
	CHECK_FSTR(ev->f[F_TRACK].s, "complex");
	set_ok(ev, F_NODE, "终本后定期查控");
	CHECK_FSTR(ev->f[F_NODE].s, "periodic_search");
	set_ok(ev, F_ASSET, "不动产");
	CHECK_FSTR(ev->f[F_ASSET].s, "real_estate");
	set_ok(ev, F_BASIS, "财产部分覆盖");
	CHECK_FSTR(ev->f[F_BASIS].s, "partial_cover");
	CHECK_STR(field_token_zh(F_MODE, "completed"), "执行完毕");
	CHECK_STR(field_token_zh(F_MODE, "nope"), "nope");

	/* Other kinds through event_set. */
	set_ok(ev, F_NONLITIGATION, "yes");
	CHECK_EQ_INT(ev->f[F_NONLITIGATION].u, 1);
	set_ok(ev, F_NONLITIGATION, "false");
	CHECK_EQ_INT(ev->f[F_NONLITIGATION].u, 0);
	CHECK(event_set(ev, F_NONLITIGATION, "maybe", err, sizeof(err)) == -1);
	CHECK_ERR(err, "nonlitigation: \"maybe\" is not true or false");
	set_ok(ev, F_MONTHS, "12");
	CHECK_EQ_INT(ev->f[F_MONTHS].u, 12);
	CHECK(event_set(ev, F_MONTHS, "-1", err, sizeof(err)) == -1);
	CHECK_ERR(err, "months: \"-1\" is not an unsigned integer");
	CHECK(event_set(ev, F_MONTHS, "3x", err, sizeof(err)) == -1);
	CHECK(event_set(ev, F_MONTHS, "", err, sizeof(err)) == -1);
	CHECK(event_set(ev, F_DATE, "2024-02-30", err, sizeof(err)) == -1);
	CHECK_STR(err, "date: \"2024-02-30\" is not a date YYYY-MM-DD");
	CHECK(event_set(ev, F_CASE, "（2024）甘1202执x号", err,
	    sizeof(err)) == -1);
	CHECK_ERR(err, "case: \"（2024）甘1202执x号\" is not a case number");
	set_ok(ev, F_CASE, "（2024）甘1202执5号");
	CHECK_FSTR(ev->f[F_CASE].s, "(2024)甘1202执5号");
	CHECK(event_set(ev, F_NOTE, "", err, sizeof(err)) == -1);
	CHECK_ERR(err, "note: must be non-empty single-line UTF-8 text");
	CHECK(event_set(ev, F_NOTE, "two\nlines", err, sizeof(err)) == -1);
	CHECK(event_set(ev, F_NOTE, "del\x7f", err, sizeof(err)) == -1);
	CHECK(event_set(ev, F_NOTE, "bad \xff utf8", err, sizeof(err)) == -1);
	CHECK(event_set(ev, F_NOTE, "overlong \xc0\xaf", err, sizeof(err)) == -1);
	CHECK(event_set(ev, F_NOTE, "surrogate \xed\xa0\x80", err,
	    sizeof(err)) == -1);
	CHECK(event_set(ev, F_NOTE, "cut \xe6\xad", err, sizeof(err)) == -1);
	set_ok(ev, F_NOTE, "财产 ok 😀");
	{
		char big[CS_TEXT_MAX + 1];
		memset(big, 'a', sizeof(big));
		big[CS_TEXT_MAX - 1] = '\0';		/* 1023 bytes: fine */
		set_ok(ev, F_NOTE, big);
		big[CS_TEXT_MAX - 1] = 'a';
		big[CS_TEXT_MAX] = '\0';		/* 1024: too long */
		CHECK(event_set(ev, F_NOTE, big, err, sizeof(err)) == -1);
		CHECK_ERR(err, "note: longer than 1023 bytes");
	}
	free(ev);
}

/* ---- event_check ---- */

static struct event *
filed(void)
{
	struct event *ev = ev_new(EV_CASE_FILED);

	set_ok(ev, F_CASE, CASE1);
	set_ok(ev, F_DATE, "2024-01-10");
	set_ok(ev, F_APPLICANT, "张三");
	set_ok(ev, F_RESPONDENT, "李四");
	set_ok(ev, F_CLAIMED, "1000");
	return ev;
}

static struct event *
seizure(const char *date, const char *expires, const char *asset)
{
	struct event *ev = ev_new(EV_NODE_DONE);

	set_ok(ev, F_CASE, CASE1);
	set_ok(ev, F_DATE, date);
	set_ok(ev, F_NODE, "seizure");
	if (expires != NULL)
		set_ok(ev, F_EXPIRES, expires);
	if (asset != NULL)
		set_ok(ev, F_ASSET, asset);
	return ev;
}

static void
check_bad(const struct event *ev, const char *want)
{
	err[0] = '\0';
	CHECK_EQ_INT(event_check(ev, err, sizeof(err)), -1);
	CHECK_STR(err, want);
}

static void
test_event_check(void)
{
	struct event *ev, *r;

	ev = filed();
	CHECK_EQ_INT(event_check(ev, err, sizeof(err)), 0);
	ev->f[F_RESPONDENT].present = false;
	check_bad(ev, "case_filed: field \"respondent\" is required");
	ev->f[F_RESPONDENT].present = true;
	set_ok(ev, F_HANDLER, "王法官");
	check_bad(ev, "case_filed: field \"handler\" does not belong to this"
	    " event");
	ev->f[F_HANDLER].present = false;
	set_ok(ev, F_ORIGINAL, CASE1);
	check_bad(ev, "original: a case cannot resume itself");
	set_ok(ev, F_ORIGINAL, "(2023)甘1202执9号");
	CHECK_EQ_INT(event_check(ev, err, sizeof(err)), 0);
	free(ev);

	ev = seizure("2024-02-01", "2027-02-01", "deposit");
	CHECK_EQ_INT(event_check(ev, err, sizeof(err)), 0);
	free(ev);
	ev = seizure("2024-02-01", NULL, "deposit");
	check_bad(ev, "node seizure: --asset and --expires are required");
	free(ev);
	ev = seizure("2024-02-01", "2027-02-01", NULL);
	check_bad(ev, "node seizure: --asset and --expires are required");
	free(ev);
	ev = seizure("2024-02-01", "2024-02-01", "movable");
	check_bad(ev, "node seizure: expires 2024-02-01 is not after the date"
	    " 2024-02-01");
	free(ev);
	ev = seizure("2024-02-01", "2024-01-31", "movable");
	check_bad(ev, "node seizure: expires 2024-01-31 is not after the date"
	    " 2024-02-01");
	free(ev);
	ev = seizure("2024-02-01", "2024-02-02", "movable");
	CHECK_EQ_INT(event_check(ev, err, sizeof(err)), 0);
	set_ok(ev, F_NODE, "auction");
	check_bad(ev, "node auction: --asset and --expires belong to seizure"
	    " only");
	free(ev);

	ev = ev_new(EV_EXTENSION_APPROVED);
	set_ok(ev, F_CASE, CASE1);
	set_ok(ev, F_DATE, "2024-05-01");
	set_ok(ev, F_APPROVER, "院长");
	set_ok(ev, F_MONTHS, "0");
	check_bad(ev, "months: 0 is not between 1 and 12");
	set_ok(ev, F_MONTHS, "13");
	check_bad(ev, "months: 13 is not between 1 and 12");
	set_ok(ev, F_MONTHS, "1");
	CHECK_EQ_INT(event_check(ev, err, sizeof(err)), 0);
	set_ok(ev, F_MONTHS, "12");
	CHECK_EQ_INT(event_check(ev, err, sizeof(err)), 0);
	free(ev);

	ev = ev_new(EV_FUNDS_RECEIVED);
	set_ok(ev, F_CASE, CASE1);
	set_ok(ev, F_DATE, "2024-05-01");
	set_ok(ev, F_AMOUNT, "0.00");
	check_bad(ev, "amount: must be more than 0.00");
	set_ok(ev, F_AMOUNT, "0.01");
	CHECK_EQ_INT(event_check(ev, err, sizeof(err)), 0);
	free(ev);

	/* A correction: its replacement is checked too, and cannot be a
	 * correction. */
	ev = ev_new(EV_CORRECTION);
	r = ev_new(EV_FUNDS_RECEIVED);
	set_ok(ev, F_REASON, "typo");
	check_bad(ev, "correction: field \"corrects\" is required");
	set_ok(ev, F_CORRECTS, "3");
	CHECK_EQ_INT(event_check(ev, err, sizeof(err)), 0);
	ev->has_replacement = true;
	ev->replacement = r;
	set_ok(r, F_CASE, CASE1);
	set_ok(r, F_DATE, "2024-05-01");
	check_bad(r, "funds_received: field \"amount\" is required");
	check_bad(ev, "funds_received: field \"amount\" is required");
	set_ok(r, F_AMOUNT, "5");
	CHECK_EQ_INT(event_check(ev, err, sizeof(err)), 0);
	r->type = EV_CORRECTION;
	check_bad(ev, "correction: the replacement cannot be a correction");
	ev->replacement = NULL;
	check_bad(ev, "correction: the replacement cannot be a correction");
	free(r);
	free(ev);
}

/* ---- bodies ---- */

static struct event *
full_event(enum event_type t)
{
	struct event *ev = ev_new(t);

	if (t != EV_CORRECTION) {
		set_ok(ev, F_CASE, "（2024）甘1202执恢3号");
		set_ok(ev, F_DATE, "2024-03-15");
	}
	switch (t) {
	case EV_CASE_FILED:
		set_ok(ev, F_APPLICANT, "甘肃某某银行股份有限公司");
		set_ok(ev, F_RESPONDENT, "李四");
		set_ok(ev, F_CLAIMED, "12345.67");
		set_ok(ev, F_ORIGINAL, "(2022)甘1202执88号");
		set_ok(ev, F_NONLITIGATION, "true");
		break;
	case EV_HANDLER_ASSIGNED:
		set_ok(ev, F_HANDLER, "王法官");
		set_ok(ev, F_TEAM, "执行一组");
		break;
	case EV_TRIAGE_DECIDED:
		set_ok(ev, F_TRACK, "精办");
		set_ok(ev, F_BASIS, "无财产");
		set_ok(ev, F_FACTS, "网络查控未发现财产");
		break;
	case EV_NODE_DONE:
		set_ok(ev, F_NODE, "seizure");
		set_ok(ev, F_ASSET, "real_estate");
		set_ok(ev, F_EXPIRES, "2027-03-14");
		set_ok(ev, F_NOTE, "房产一套");
		break;
	case EV_FUNDS_RECEIVED:
		set_ok(ev, F_AMOUNT, "300.5");
		set_ok(ev, F_REF, "BANK-001");
		break;
	case EV_FUNDS_PAID:
		set_ok(ev, F_AMOUNT, "70000.01");
		set_ok(ev, F_PAYEE, "张三");
		set_ok(ev, F_REF, "V-9");
		break;
	case EV_EXTENSION_APPROVED:
		set_ok(ev, F_MONTHS, "6");
		set_ok(ev, F_APPROVER, "院长");
		break;
	case EV_SUSPENSION_STARTED:
		set_ok(ev, F_REASON, "案外人异议");
		break;
	case EV_SUSPENSION_ENDED:
		break;
	case EV_CASE_CLOSED:
		set_ok(ev, F_MODE, "终本");
		set_ok(ev, F_RECOVERED, "0");
		break;
	case EV_WARNING_ACKNOWLEDGED:
		set_ok(ev, F_RULE, "overdue_payout");
		set_ok(ev, F_SUPERVISOR, "赵庭长");
		set_ok(ev, F_NOTE, "已督办");
		break;
	case EV_CORRECTION:
		set_ok(ev, F_REASON, "录入错误");
		set_ok(ev, F_CORRECTS, "4294967296");
		break;
	default:
		break;
	}
	return ev;
}

static void
same_fields(const struct event *a, const struct event *b)
{
	CHECK_EQ_INT(a->type, b->type);
	for (int f = 0; f < F_COUNT; f++) {
		CHECK_EQ_INT(a->f[f].present, b->f[f].present);
		if (!a->f[f].present || !b->f[f].present)
			continue;
		switch (field_defs[f].kind) {
		case FK_FEN:
		case FK_UINT:
		case FK_BOOL:
			CHECK_EQ_INT(a->f[f].u, b->f[f].u);
			break;
		default:
			CHECK_FSTR(a->f[f].s, b->f[f].s);
			break;
		}
	}
}

static void
roundtrip(const struct event *ev)
{
	struct event *d = ev_new(EV_CASE_FILED), *dr = ev_new(EV_CASE_FILED);
	struct buf b, b2;

	CHECK_EQ_INT(event_check(ev, err, sizeof(err)), 0);
	buf_init(&b, CS_ENTRY_MAX);
	buf_init(&b2, CS_ENTRY_MAX);
	CHECK_EQ_INT(event_encode_body(ev, &b, err, sizeof(err)), 0);
	d->replacement = dr;
	if (event_decode_body(event_defs[ev->type].type, b.p, b.len, d, err,
	    sizeof(err)) != 0) {
		char m[1200];
		snprintf(m, sizeof(m), "decode %s: %s",
		    event_defs[ev->type].type, err);
		harness_fail(__FILE__, __LINE__, m);
		goto out;
	}
	same_fields(ev, d);
	CHECK_EQ_INT(d->has_replacement, ev->type == EV_CORRECTION &&
	    ev->has_replacement);
	CHECK(d->replacement == dr);
	if (d->has_replacement)
		same_fields(ev->replacement, dr);
	CHECK_EQ_INT(event_encode_body(d, &b2, err, sizeof(err)), 0);
	CHECK_EQ_INT(b.len, b2.len);
	if (b.len == b2.len)
		CHECK_MEM(b.p, b2.p, b.len);
out:
	buf_free(&b);
	buf_free(&b2);
	free(d);
	free(dr);
}

static void
test_body_roundtrip(void)
{
	for (int t = 0; t < EV_COUNT; t++) {
		struct event *ev = full_event((enum event_type)t);
		roundtrip(ev);
		/* Required fields only, too. */
		for (int f = 0; f < F_COUNT; f++)
			if (!event_field_required((enum event_type)t, f))
				ev->f[f].present = false;
		if (t != EV_NODE_DONE)		/* seizure needs its optionals */
			roundtrip(ev);
		free(ev);
	}
	/* A correction with a replacement of each type. */
	for (int t = 0; t < EV_CORRECTION; t++) {
		struct event *ev = full_event(EV_CORRECTION);
		struct event *r = full_event((enum event_type)t);
		ev->has_replacement = true;
		ev->replacement = r;
		roundtrip(ev);
		free(r);
		free(ev);
	}
}

static void
test_body_golden(void)
{
	static const char want1[] = "\x82\xa4" "case" "\xb4" CASE1
	    "\xa4" "date" "\xaa" "2024-02-20";
	static const char want2[] = "\x84\xa4" "case" "\xb4" CASE1
	    "\xa4" "date" "\xaa" "2024-02-20" "\xa6" "amount" "\xcd\x75\x30"
	    "\xa3" "ref" "\xa1" "R";
	/* correction {reason: "x", corrects: 200, replacement: {type:
	 * "suspension_ended", body: {case, date}}} */
	static const char want3[] = "\x83\xa6" "reason" "\xa1" "x"
	    "\xa8" "corrects" "\xcc\xc8"
	    "\xab" "replacement" "\x82\xa4" "type" "\xb0" "suspension_ended"
	    "\xa4" "body" "\x82\xa4" "case" "\xb4" CASE1
	    "\xa4" "date" "\xaa" "2024-02-20";
	struct event *ev = ev_new(EV_SUSPENSION_ENDED), *c;
	struct buf b;

	CHECK_EQ_INT(strlen(CASE1), 20);
	set_ok(ev, F_CASE, CASE1);
	set_ok(ev, F_DATE, "2024-02-20");
	buf_init(&b, 0);
	CHECK_EQ_INT(event_encode_body(ev, &b, err, sizeof(err)), 0);
	CHECK_EQ_INT(b.len, sizeof(want1) - 1);
	if (b.len == sizeof(want1) - 1)
		CHECK_MEM(b.p, want1, b.len);

	c = ev_new(EV_CORRECTION);
	set_ok(c, F_REASON, "x");
	set_ok(c, F_CORRECTS, "200");
	c->has_replacement = true;
	c->replacement = ev;
	buf_reset(&b);
	CHECK_EQ_INT(event_encode_body(c, &b, err, sizeof(err)), 0);
	CHECK_EQ_INT(b.len, sizeof(want3) - 1);
	if (b.len == sizeof(want3) - 1)
		CHECK_MEM(b.p, want3, b.len);
	free(c);

	ev->type = EV_FUNDS_RECEIVED;
	set_ok(ev, F_REF, "R");
	set_ok(ev, F_AMOUNT, "300");
	buf_reset(&b);
	CHECK_EQ_INT(event_encode_body(ev, &b, err, sizeof(err)), 0);
	CHECK_EQ_INT(b.len, sizeof(want2) - 1);
	if (b.len == sizeof(want2) - 1)
		CHECK_MEM(b.p, want2, b.len);
	buf_free(&b);
	free(ev);
}

/* Decodes body bytes as type; returns the result, err set. */
static int
decode(const char *type, const struct buf *b)
{
	struct event *ev = ev_new(EV_CASE_FILED), *r = ev_new(EV_CASE_FILED);
	int rc;

	ev->replacement = r;
	err[0] = '\0';
	rc = event_decode_body(type, b->p, b->len, ev, err, sizeof(err));
	free(ev);
	free(r);
	return rc;
}

/* A suspension_ended body with one extra pair written by fn, or with the
 * date replaced. */
static void
body_start(struct buf *b, struct codec_writer *w, uint32_t n)
{
	buf_init(b, 0);
	codec_writer_init(w, b);
	codec_put_map(w, n);
	codec_put_cstr(w, "case");
	codec_put_cstr(w, CASE1);
}

/* A body value of one msgpack type: a string (or, with n, one that holds
 * a NUL), an unsigned or signed integer, a boolean, binary, an empty map. */
struct body_val {
	enum { BV_STR, BV_UINT, BV_INT, BV_BOOL, BV_BIN, BV_MAP } kind;
	const char	*s;
	size_t		 n;		/* BV_STR with a NUL, BV_BIN */
	int64_t		 i;
};
#define STR(x)		{ BV_STR, (x), 0, 0 }
#define STRN(x, n)	{ BV_STR, (x), (n), 0 }
#define UINT(x)		{ BV_UINT, NULL, 0, (x) }
#define INT(x)		{ BV_INT, NULL, 0, (x) }
#define BOOL(x)		{ BV_BOOL, NULL, 0, (x) }
#define BIN(x)		{ BV_BIN, (x), sizeof(x) - 1, 0 }
#define MAP0		{ BV_MAP, NULL, 0, 0 }

/* A body {case: CASE1, pairs...} of an event type refused with an error
 * that is want exactly (or contains it, if !exact). */
struct body_refusal {
	const char	*type;
	struct { const char *key; struct body_val v; } pair[5];
	bool		 exact;
	const char	*want;
};

static const struct body_refusal body_refusals[] = {
	/* Unknown field; a field of another event type; "replacement"
	 * outside a correction. */
	{ "suspension_ended", { { "date", STR("2024-02-20") },
	    { "bogus", UINT(1) } }, true,
	    "suspension_ended: unknown body field \"bogus\"" },
	{ "suspension_ended", { { "date", STR("2024-02-20") },
	    { "handler", STR("王") } }, true,
	    "suspension_ended: unknown body field \"handler\"" },
	{ "suspension_ended", { { "date", STR("2024-02-20") },
	    { "replacement", MAP0 } }, true,
	    "suspension_ended: unknown body field \"replacement\"" },
	/* Wrong msgpack types. */
	{ "suspension_ended", { { "date", UINT(20240220) } }, true,
	    "suspension_ended: field \"date\" must be a string" },
	{ "funds_received", { { "date", STR("2024-02-20") },
	    { "amount", STR("300") } }, true,
	    "funds_received: field \"amount\" must be an unsigned integer" },
	{ "funds_received", { { "date", STR("2024-02-20") },
	    { "amount", INT(-300) } }, true,
	    "funds_received: field \"amount\" must be an unsigned integer" },
	{ "funds_received", { { "date", STR("2024-02-20") },
	    { "amount", BOOL(true) } }, true,
	    "funds_received: field \"amount\" must be an unsigned integer" },
	{ "case_filed", { { "date", STR("2024-02-20") },
	    { "applicant", STR("甲") }, { "respondent", STR("乙") },
	    { "claimed", UINT(1) }, { "nonlitigation", UINT(1) } }, true,
	    "case_filed: field \"nonlitigation\" must be a boolean" },
	{ "suspension_ended", { { "date", BIN("2024-02-20") } }, true,
	    "suspension_ended: field \"date\" must be a string" },
	/* Duplicate field; missing required field. */
	{ "suspension_ended", { { "date", STR("2024-02-20") },
	    { "date", STR("2024-02-21") } }, true,
	    "suspension_ended: duplicate body field \"date\"" },
	{ "suspension_ended", { { NULL, UINT(0) } }, true,
	    "suspension_ended: field \"date\" is required" },
	/* Not canonical: an enum alias, a bad date, a control character,
	 * an embedded NUL. */
	{ "case_closed", { { "date", STR("2024-02-20") },
	    { "mode", STR("终本") }, { "recovered", UINT(0) } }, false,
	    "case_closed: field invalid" },
	{ "suspension_ended", { { "date", STR("2024-02-30") } }, false,
	    "suspension_ended: field invalid: date: \"2024-02-30\""
	    " is not a date" },
	{ "suspension_started", { { "date", STR("2024-02-20") },
	    { "reason", STR("a\tb") } }, false,
	    "suspension_started: field invalid" },
	{ "suspension_started", { { "date", STR("2024-02-20") },
	    { "reason", STRN("a\0b", 3) } }, false,
	    "suspension_started: field invalid" },
	/* A seizure without expires fails the event's own checks. */
	{ "node_done", { { "date", STR("2024-02-20") },
	    { "node", STR("seizure") }, { "asset", STR("deposit") } }, true,
	    "node seizure: --asset and --expires are required" },
};

static void
put_body_val(struct codec_writer *w, const struct body_val *v)
{
	switch (v->kind) {
	case BV_STR:
		if (v->n > 0)
			codec_put_str(w, v->s, v->n);
		else
			codec_put_cstr(w, v->s);
		break;
	case BV_UINT:
		codec_put_uint(w, (uint64_t)v->i);
		break;
	case BV_INT:
		codec_put_int(w, v->i);
		break;
	case BV_BOOL:
		codec_put_bool(w, v->i != 0);
		break;
	case BV_BIN:
		codec_put_bin(w, v->s, v->n);
		break;
	case BV_MAP:
		codec_put_map(w, 0);
		break;
	}
}

static void
test_body_refusals(void)
{
	struct codec_writer w;
	struct buf b;

	/* Baseline. */
	body_start(&b, &w, 2);
	codec_put_cstr(&w, "date");
	codec_put_cstr(&w, "2024-02-20");
	CHECK_EQ_INT(decode("suspension_ended", &b), 0);
	CHECK_EQ_INT(decode("no_such_type", &b), -1);
	CHECK_STR(err, "unknown event type \"no_such_type\"");
	buf_free(&b);

	for (size_t i = 0; i < sizeof(body_refusals) /
	    sizeof(body_refusals[0]); i++) {
		const struct body_refusal *t = &body_refusals[i];
		uint32_t n = 0;

		while (n < 5 && t->pair[n].key != NULL)
			n++;
		body_start(&b, &w, 1 + n);
		for (uint32_t k = 0; k < n; k++) {
			codec_put_cstr(&w, t->pair[k].key);
			put_body_val(&w, &t->pair[k].v);
		}
		CHECK_EQ_INT(decode(t->type, &b), -1);
		if (t->exact)
			CHECK_STR(err, t->want);
		else
			CHECK_ERR(err, t->want);
		buf_free(&b);
	}

	/* A key that is not a string. */
	body_start(&b, &w, 2);
	codec_put_uint(&w, 7);
	codec_put_cstr(&w, "2024-02-20");
	CHECK_EQ_INT(decode("suspension_ended", &b), -1);
	CHECK_STR(err, "suspension_ended: body key 1 is not a short string");
	buf_free(&b);

	/* Not canonical: full-width parentheses in the case number. */
	buf_init(&b, 0);
	codec_writer_init(&w, &b);
	codec_put_map(&w, 2);
	codec_put_cstr(&w, "case");
	codec_put_cstr(&w, "（2024）甘1202执1号");
	codec_put_cstr(&w, "date");
	codec_put_cstr(&w, "2024-02-20");
	CHECK_EQ_INT(decode("suspension_ended", &b), -1);
	CHECK_ERR(err, "suspension_ended: field invalid");
	buf_free(&b);

	/* Not a map; truncated; trailing bytes. */
	buf_init(&b, 0);
	codec_writer_init(&w, &b);
	codec_put_array(&w, 0);
	CHECK_EQ_INT(decode("suspension_ended", &b), -1);
	CHECK_STR(err, "suspension_ended: body is not a map");
	buf_free(&b);
	body_start(&b, &w, 2);
	codec_put_cstr(&w, "date");
	CHECK_EQ_INT(decode("suspension_ended", &b), -1);
	CHECK_ERR(err, "truncated msgpack");
	codec_put_cstr(&w, "2024-02-20");
	codec_put_nil(&w);
	CHECK_EQ_INT(decode("suspension_ended", &b), -1);
	CHECK_ERR(err, "1 trailing bytes after the msgpack object");
	buf_free(&b);
}

static void
corr_start(struct buf *b, struct codec_writer *w, uint32_t n)
{
	buf_init(b, 0);
	codec_writer_init(w, b);
	codec_put_map(w, n);
	codec_put_cstr(w, "reason");
	codec_put_cstr(w, "x");
	codec_put_cstr(w, "corrects");
	codec_put_uint(w, 2);
}

static void
put_repl_body(struct codec_writer *w)
{
	codec_put_map(w, 2);
	codec_put_cstr(w, "case");
	codec_put_cstr(w, CASE1);
	codec_put_cstr(w, "date");
	codec_put_cstr(w, "2024-02-20");
}

static void
test_correction_refusals(void)
{
	struct codec_writer w;
	struct buf b;
	struct event *ev;

	/* Baseline: a void and a replacement. */
	corr_start(&b, &w, 2);
	CHECK_EQ_INT(decode("correction", &b), 0);
	buf_free(&b);
	corr_start(&b, &w, 3);
	codec_put_cstr(&w, "replacement");
	codec_put_map(&w, 2);
	codec_put_cstr(&w, "type");
	codec_put_cstr(&w, "suspension_ended");
	codec_put_cstr(&w, "body");
	put_repl_body(&w);
	CHECK_EQ_INT(decode("correction", &b), 0);
	/* No room for the replacement. */
	ev = ev_new(EV_CASE_FILED);
	CHECK_EQ_INT(event_decode_body("correction", b.p, b.len, ev, err,
	    sizeof(err)), -1);
	CHECK_STR(err, "correction: no room to decode the replacement");
	free(ev);
	buf_free(&b);

	/* A replacement that is a correction. */
	corr_start(&b, &w, 3);
	codec_put_cstr(&w, "replacement");
	codec_put_map(&w, 2);
	codec_put_cstr(&w, "type");
	codec_put_cstr(&w, "correction");
	codec_put_cstr(&w, "body");
	codec_put_map(&w, 2);
	codec_put_cstr(&w, "reason");
	codec_put_cstr(&w, "y");
	codec_put_cstr(&w, "corrects");
	codec_put_uint(&w, 1);
	CHECK_EQ_INT(decode("correction", &b), -1);
	CHECK_STR(err, "correction: bad replacement type \"correction\"");
	buf_free(&b);
	/* Unknown replacement type; missing body; extra pair; not a map. */
	corr_start(&b, &w, 3);
	codec_put_cstr(&w, "replacement");
	codec_put_map(&w, 2);
	codec_put_cstr(&w, "type");
	codec_put_cstr(&w, "nope");
	codec_put_cstr(&w, "body");
	put_repl_body(&w);
	CHECK_EQ_INT(decode("correction", &b), -1);
	CHECK_STR(err, "correction: bad replacement type \"nope\"");
	buf_free(&b);
	corr_start(&b, &w, 3);
	codec_put_cstr(&w, "replacement");
	codec_put_map(&w, 1);
	codec_put_cstr(&w, "type");
	codec_put_cstr(&w, "suspension_ended");
	CHECK_EQ_INT(decode("correction", &b), -1);
	CHECK_STR(err, "correction: replacement must be a map {type, body}");
	buf_free(&b);
	corr_start(&b, &w, 3);
	codec_put_cstr(&w, "replacement");
	codec_put_map(&w, 3);
	codec_put_cstr(&w, "type");
	codec_put_cstr(&w, "suspension_ended");
	codec_put_cstr(&w, "body");
	put_repl_body(&w);
	codec_put_cstr(&w, "extra");
	codec_put_nil(&w);
	CHECK_EQ_INT(decode("correction", &b), -1);
	CHECK_STR(err, "correction: replacement must be a map {type, body}");
	buf_free(&b);
	corr_start(&b, &w, 3);
	codec_put_cstr(&w, "replacement");
	codec_put_cstr(&w, "suspension_ended");
	CHECK_EQ_INT(decode("correction", &b), -1);
	CHECK_STR(err, "correction: replacement must be a map {type, body}");
	buf_free(&b);
	/* The replacement body is checked like any body. */
	corr_start(&b, &w, 3);
	codec_put_cstr(&w, "replacement");
	codec_put_map(&w, 2);
	codec_put_cstr(&w, "type");
	codec_put_cstr(&w, "suspension_ended");
	codec_put_cstr(&w, "body");
	codec_put_map(&w, 1);
	codec_put_cstr(&w, "case");
	codec_put_cstr(&w, CASE1);
	CHECK_EQ_INT(decode("correction", &b), -1);
	CHECK_STR(err, "suspension_ended: field \"date\" is required");
	buf_free(&b);
	corr_start(&b, &w, 3);
	codec_put_cstr(&w, "replacement");
	codec_put_map(&w, 2);
	codec_put_cstr(&w, "type");
	codec_put_cstr(&w, "suspension_ended");
	codec_put_cstr(&w, "body");
	codec_put_map(&w, 3);
	codec_put_cstr(&w, "case");
	codec_put_cstr(&w, CASE1);
	codec_put_cstr(&w, "date");
	codec_put_cstr(&w, "2024-02-20");
	codec_put_cstr(&w, "replacement");
	codec_put_map(&w, 0);
	CHECK_EQ_INT(decode("correction", &b), -1);
	CHECK_STR(err, "suspension_ended: unknown body field \"replacement\"");
	buf_free(&b);
}

/* FORMAT §3: "A reader MUST refuse ... a duplicate field" — that includes
 * a correction's "replacement". */
static void
test_correction_duplicate_replacement(void)
{
	struct codec_writer w;
	struct buf b;

	corr_start(&b, &w, 4);
	for (int i = 0; i < 2; i++) {
		codec_put_cstr(&w, "replacement");
		codec_put_map(&w, 2);
		codec_put_cstr(&w, "type");
		codec_put_cstr(&w, "suspension_ended");
		codec_put_cstr(&w, "body");
		put_repl_body(&w);
	}
	CHECK_EQ_INT(decode("correction", &b), -1);
	CHECK_ERR(err, "duplicate body field \"replacement\"");
	buf_free(&b);
}

const struct test tests[] = {
	{ "case_no", test_case_no },
	{ "money", test_money },
	{ "date_valid", test_date_valid },
	{ "date_days", test_date_days },
	{ "enum", test_enum },
	{ "event_check", test_event_check },
	{ "body_roundtrip", test_body_roundtrip },
	{ "body_golden", test_body_golden },
	{ "body_refusals", test_body_refusals },
	{ "correction_refusals", test_correction_refusals },
	{ "correction_duplicate_replacement",
	    test_correction_duplicate_replacement },
	{ NULL, NULL },
};
