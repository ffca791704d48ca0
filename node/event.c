/*
 * event.c — the event-type table and the parsing, checking and msgpack
 * encoding of events.  Adding an event type or a field starts here; the
 * CLI, import, fold and docs all read these tables.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "courtsync/entry.h"
#include "event.h"

#define ERR(...) cs_err(err, errlen, __VA_ARGS__)

static const struct enum_token tracks[] = {
	{ "simple", "快执" }, { "simple", "简案" },
	{ "complex", "精办" }, { "complex", "繁案" },
	{ NULL, NULL }
};

static const struct enum_token bases[] = {
	{ "balance_covers", "存款足额" },
	{ "paid_after_notice", "通知后履行" },
	{ "no_property", "无财产" },
	{ "needs_disposal", "需处置财产" },
	{ "partial_cover", "财产部分覆盖" },
	{ NULL, NULL }
};

static const struct enum_token nodes[] = {
	{ "notice", "执行通知书" },
	{ "report_order", "报告财产令" },
	{ "online_search", "网络查控" },
	{ "traditional_search", "传统查控" },
	{ "investigation_done", "财产调查完成" },
	{ "seizure", "查封扣押冻结" },
	{ "valuation", "评估询价" },
	{ "auction", "拍卖变卖" },
	{ "debt_offset", "以物抵债" },
	{ "eviction", "强制腾退" },
	{ "consumption_restriction", "限制消费令" },
	{ "dishonesty_list", "失信名单" },
	{ "debtor_search", "查找被执行人" },
	{ "periodic_search", "终本后定期查控" },
	{ NULL, NULL }
};

static const struct enum_token assets[] = {
	{ "deposit", "存款" },
	{ "movable", "动产" },
	{ "real_estate", "不动产" },
	{ "other", "其他财产" },
	{ NULL, NULL }
};

static const struct enum_token modes[] = {
	{ "completed", "执行完毕" },
	{ "terminated_round", "终结本次执行程序" },
	{ "terminated_round", "终本" },
	{ "terminated", "终结执行" },
	{ "withdrawn", "销案" },
	{ "not_enforced", "不予执行" },
	{ "rejected", "驳回申请" },
	{ NULL, NULL }
};

const struct field_def field_defs[F_COUNT] = {
	[F_CASE] = { "case", FK_CASE, NULL, "case number, e.g. (2024)甘1202执123号" },
	[F_DATE] = { "date", FK_DATE, NULL, "business date YYYY-MM-DD" },
	[F_APPLICANT] = { "applicant", FK_TEXT, NULL, "applicant (申请执行人)" },
	[F_RESPONDENT] = { "respondent", FK_TEXT, NULL, "respondent (被执行人)" },
	[F_CLAIMED] = { "claimed", FK_FEN, NULL, "amount claimed, yuan (e.g. 12345.67)" },
	[F_ORIGINAL] = { "original", FK_CASE, NULL, "earlier case a 执恢 case resumes" },
	[F_NONLITIGATION] = { "nonlitigation", FK_BOOL, NULL, "true for a non-litigation (非诉) case: 3-month 审限" },
	[F_HANDLER] = { "handler", FK_TEXT, NULL, "handling judge or officer (承办人)" },
	[F_TEAM] = { "team", FK_TEXT, NULL, "team (团队)" },
	[F_TRACK] = { "track", FK_ENUM, tracks, "simple (快执) or complex (精办)" },
	[F_BASIS] = { "basis", FK_ENUM, bases, "what the triage rested on" },
	[F_FACTS] = { "facts", FK_TEXT, NULL, "facts found by the asset search" },
	[F_NODE] = { "node", FK_ENUM, nodes, "workflow node done" },
	[F_ASSET] = { "asset", FK_ENUM, assets, "kind of property seized" },
	[F_EXPIRES] = { "expires", FK_DATE, NULL, "date the seizure/freeze expires" },
	[F_NOTE] = { "note", FK_TEXT, NULL, "free-text note" },
	[F_AMOUNT] = { "amount", FK_FEN, NULL, "amount, yuan" },
	[F_PAYEE] = { "payee", FK_TEXT, NULL, "who is paid" },
	[F_REF] = { "ref", FK_TEXT, NULL, "bank or voucher reference" },
	[F_MONTHS] = { "months", FK_UINT, NULL, "months of extension (1-12)" },
	[F_APPROVER] = { "approver", FK_TEXT, NULL, "who approved (院长)" },
	[F_REASON] = { "reason", FK_TEXT, NULL, "reason" },
	[F_MODE] = { "mode", FK_ENUM, modes, "closure mode (结案方式)" },
	[F_RECOVERED] = { "recovered", FK_FEN, NULL, "amount actually recovered, yuan" },
	[F_RULE] = { "rule", FK_TEXT, NULL, "warning rule acknowledged" },
	[F_SUPERVISOR] = { "supervisor", FK_TEXT, NULL, "supervisor (专人监管)" },
	[F_CORRECTS] = { "corrects", FK_UINT, NULL, "log index of the entry corrected" },
};

#define END F_COUNT
const struct event_def event_defs[EV_COUNT] = {
	[EV_CASE_FILED] = { "case_filed", "file", "file a case (立案)",
	    { F_CASE, F_DATE, F_APPLICANT, F_RESPONDENT, F_CLAIMED, END },
	    { F_ORIGINAL, F_NONLITIGATION, END } },
	[EV_HANDLER_ASSIGNED] = { "handler_assigned", "assign",
	    "assign the handler/team (确定承办人)",
	    { F_CASE, F_DATE, F_HANDLER, END }, { F_TEAM, END } },
	[EV_TRIAGE_DECIDED] = { "triage_decided", "triage",
	    "decide the track (繁简分流) and the facts it rested on",
	    { F_CASE, F_DATE, F_TRACK, F_BASIS, F_FACTS, END }, { END } },
	[EV_NODE_DONE] = { "node_done", "node",
	    "record a key workflow node done (关键流程节点)",
	    { F_CASE, F_DATE, F_NODE, END }, { F_ASSET, F_EXPIRES, F_NOTE, END } },
	[EV_FUNDS_RECEIVED] = { "funds_received", "funds-in",
	    "funds arrived in the case account (案款到账)",
	    { F_CASE, F_DATE, F_AMOUNT, END }, { F_REF, END } },
	[EV_FUNDS_PAID] = { "funds_paid", "funds-out",
	    "funds paid out (案款发放)",
	    { F_CASE, F_DATE, F_AMOUNT, F_PAYEE, END }, { F_REF, END } },
	[EV_EXTENSION_APPROVED] = { "extension_approved", "extend",
	    "审限 extension approved",
	    { F_CASE, F_DATE, F_MONTHS, F_APPROVER, END }, { END } },
	[EV_SUSPENSION_STARTED] = { "suspension_started", "suspend",
	    "suspension started (中止/暂停计算审限)",
	    { F_CASE, F_DATE, F_REASON, END }, { END } },
	[EV_SUSPENSION_ENDED] = { "suspension_ended", "resume",
	    "suspension ended", { F_CASE, F_DATE, END }, { END } },
	[EV_CASE_CLOSED] = { "case_closed", "close", "close the case (结案)",
	    { F_CASE, F_DATE, F_MODE, F_RECOVERED, END }, { END } },
	[EV_WARNING_ACKNOWLEDGED] = { "warning_acknowledged", "ack",
	    "a supervisor acknowledges a warning (专人监管)",
	    { F_CASE, F_DATE, F_RULE, F_SUPERVISOR, F_NOTE, END }, { END } },
	[EV_CORRECTION] = { "correction", "correct",
	    "correct an earlier entry (append-only)",
	    { F_REASON, F_CORRECTS, END }, { END } },
};
#undef END

int
event_type_by_name(const char *name)
{
	for (int t = 0; t < EV_COUNT; t++)
		if (strcmp(event_defs[t].type, name) == 0)
			return t;
	return -1;
}

int
event_type_by_command(const char *command)
{
	for (int t = 0; t < EV_COUNT; t++)
		if (strcmp(event_defs[t].command, command) == 0)
			return t;
	return -1;
}

int
field_by_name(const char *name)
{
	for (int f = 0; f < F_COUNT; f++)
		if (strcmp(field_defs[f].name, name) == 0)
			return f;
	return -1;
}

static bool
in_list(const enum field_id *list, enum field_id f)
{
	for (int i = 0; i < EV_FIELDS_MAX && list[i] != F_COUNT; i++)
		if (list[i] == f)
			return true;
	return false;
}

bool
event_field_required(enum event_type t, enum field_id f)
{
	return in_list(event_defs[t].required, f);
}

bool
event_field_allowed(enum event_type t, enum field_id f)
{
	return in_list(event_defs[t].required, f) ||
	    in_list(event_defs[t].optional, f);
}

/* ---- value syntax ---- */

/* Strict UTF-8 (no overlongs, no surrogates, <= U+10FFFF), no C0 controls
 * except none at all: text fields are single-line. */
static bool
text_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < n) {
		unsigned c = p[i];
		size_t k;
		unsigned cp;

		if (c < 0x20 || c == 0x7f)
			return false;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			k = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			k = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			k = 3;
			cp = c & 0x07;
		} else {
			return false;
		}
		for (size_t j = 1; j <= k; j++) {
			if (i + j >= n || (p[i + j] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (p[i + j] & 0x3f);
		}
		if ((k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += k + 1;
	}
	return true;
}

static bool
leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

bool
date_valid(const char *s)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, m, d;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return false;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return false;
	y = atoi(s);
	m = atoi(s + 5);
	d = atoi(s + 8);
	if (y < 1900 || y > 2999 || m < 1 || m > 12 || d < 1)
		return false;
	return d <= mdays[m - 1] + (m == 2 && leap(y));
}

int64_t
date_days(const char *s)
{
	int64_t y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
	int64_t era, yoe, doy, doe;

	/* days_from_civil (H. Hinnant). */
	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void
date_from_days(int64_t z, char out[11])
{
	int64_t era, doe, yoe, y, doy, mp, d, m;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp + (mp < 10 ? 3 : -9);
	y += m <= 2;
	snprintf(out, 11, "%04u-%02u-%02u", (unsigned)(y % 10000),
	    (unsigned)(m % 100), (unsigned)(d % 100));
}

static int
days_in_month(int64_t y, int64_t m)
{
	static const int dim[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };

	return dim[m - 1] + (m == 2 && leap((int)y));
}

int64_t
add_months(const char *date, int64_t months)
{
	int64_t y = atoi(date), m = atoi(date + 5), d = atoi(date + 8);
	int64_t t = y * 12 + (m - 1) + months;
	int64_t ny = t >= 0 ? t / 12 : -((-t + 11) / 12);
	int64_t nm = t - ny * 12 + 1;
	char out[16];

	if (d > days_in_month(ny, nm))
		d = days_in_month(ny, nm);
	snprintf(out, sizeof(out), "%04d-%02d-%02d", (int)ny, (int)nm, (int)d);
	return date_days(out);
}

void
fen_format(uint64_t fen, char *out, size_t cap)
{
	snprintf(out, cap, "%llu.%02llu", (unsigned long long)(fen / 100),
	    (unsigned long long)(fen % 100));
}

static int
fen_parse(const char *s, uint64_t *fen)
{
	uint64_t yuan = 0, cents = 0;
	const char *p = s;
	int ndig = 0, nfrac = 0;

	if (*p == '-')
		return -2;
	for (; *p >= '0' && *p <= '9'; p++, ndig++) {
		if (ndig >= 13)
			return -1;
		yuan = yuan * 10 + (uint64_t)(*p - '0');
	}
	if (ndig == 0)
		return -1;
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++, nfrac++) {
			if (nfrac >= 2)
				return -1;
			cents = cents * 10 + (uint64_t)(*p - '0');
		}
		if (nfrac == 0)
			return -1;
		if (nfrac == 1)
			cents *= 10;
	}
	if (*p != '\0')
		return -1;
	*fen = yuan * 100 + cents;
	return 0;
}

static const char *case_types[] = {
	"执恢", "执保", "执异", "执复", "执监", "执协", "执", NULL
};

int
case_no_parse(const char *s, struct case_no *c, char *err, size_t errlen)
{
	const char *p = s, *q;
	size_t n;
	int i;
	unsigned long seq;
	char *end;

	memset(c, 0, sizeof(*c));
	if (strncmp(p, "(", 1) == 0)
		p += 1;
	else if (strncmp(p, "（", 3) == 0)
		p += 3;
	else
		goto bad;
	for (i = 0; i < 4; i++)
		if (p[i] < '0' || p[i] > '9')
			goto bad;
	c->year = atoi(p);
	p += 4;
	if (strncmp(p, ")", 1) == 0)
		p += 1;
	else if (strncmp(p, "）", 3) == 0)
		p += 3;
	else
		goto bad;
	q = strstr(p, "执");
	if (q == NULL || q == p || (size_t)(q - p) >= sizeof(c->court))
		goto bad;
	n = (size_t)(q - p);
	memcpy(c->court, p, n);
	c->court[n] = '\0';
	if (!text_valid(c->court, n) || strpbrk(c->court, "()0123456789") == c->court)
		goto bad;
	for (i = 0; case_types[i] != NULL; i++)
		if (strncmp(q, case_types[i], strlen(case_types[i])) == 0)
			break;
	if (case_types[i] == NULL)
		goto bad;
	strcpy(c->type, case_types[i]);
	p = q + strlen(case_types[i]);
	if (*p < '1' || *p > '9')
		goto bad;
	seq = strtoul(p, &end, 10);
	if (seq > 999999 || strcmp(end, "号") != 0)
		goto bad;
	c->seq = (uint32_t)seq;
	if (c->year < 1900 || c->year > 2999)
		goto bad;
	return 0;
bad:
	ERR("\"%s\" is not a case number like (2024)甘1202执123号", s);
	return -1;
}

void
case_no_format(const struct case_no *c, char *out, size_t cap)
{
	snprintf(out, cap, "(%04d)%s%s%u号", c->year, c->court, c->type,
	    (unsigned)c->seq);
}

static const char *
enum_lookup(const struct enum_token *t, const char *text)
{
	for (; t->token != NULL; t++)
		if (strcmp(t->token, text) == 0 || strcmp(t->zh, text) == 0)
			return t->token;
	return NULL;
}

const char *
field_token_zh(enum field_id f, const char *token)
{
	const struct enum_token *t = field_defs[f].tokens;

	for (; t != NULL && t->token != NULL; t++)
		if (strcmp(t->token, token) == 0)
			return t->zh;
	return token;
}

int
event_set(struct event *ev, enum field_id f, const char *text, char *err,
    size_t errlen)
{
	const struct field_def *d = &field_defs[f];
	struct field_val *v = &ev->f[f];
	size_t n = strlen(text);
	struct case_no cn;
	const char *tok;
	char *end;
	int r;

	if (n >= CS_TEXT_MAX) {
		ERR("%s: longer than %d bytes", d->name, CS_TEXT_MAX - 1);
		return -1;
	}
	switch (d->kind) {
	case FK_TEXT:
		if (n == 0 || !text_valid(text, n)) {
			ERR("%s: must be non-empty single-line UTF-8 text", d->name);
			return -1;
		}
		memcpy(v->s, text, n + 1);
		break;
	case FK_CASE:
		if (case_no_parse(text, &cn, err, errlen) == -1) {
			char m[256];
			snprintf(m, sizeof(m), "%s", err);
			ERR("%s: %s", d->name, m);
			return -1;
		}
		case_no_format(&cn, v->s, sizeof(v->s));
		break;
	case FK_DATE:
		if (!date_valid(text)) {
			ERR("%s: \"%s\" is not a date YYYY-MM-DD", d->name, text);
			return -1;
		}
		memcpy(v->s, text, n + 1);
		break;
	case FK_FEN:
		r = fen_parse(text, &v->u);
		if (r == -2) {
			ERR("%s: negative amount \"%s\" refused", d->name, text);
			return -1;
		}
		if (r == -1) {
			ERR("%s: \"%s\" is not an amount in yuan (e.g. 1234.56)",
			    d->name, text);
			return -1;
		}
		break;
	case FK_UINT:
		if (n == 0 || n > 19 || text[0] == '-' || text[0] == '+') {
			ERR("%s: \"%s\" is not an unsigned integer", d->name, text);
			return -1;
		}
		v->u = strtoull(text, &end, 10);
		if (*end != '\0') {
			ERR("%s: \"%s\" is not an unsigned integer", d->name, text);
			return -1;
		}
		break;
	case FK_BOOL:
		if (strcmp(text, "true") == 0 || strcmp(text, "1") == 0 ||
		    strcmp(text, "yes") == 0)
			v->u = 1;
		else if (strcmp(text, "false") == 0 || strcmp(text, "0") == 0 ||
		    strcmp(text, "no") == 0)
			v->u = 0;
		else {
			ERR("%s: \"%s\" is not true or false", d->name, text);
			return -1;
		}
		break;
	case FK_ENUM:
		tok = enum_lookup(d->tokens, text);
		if (tok == NULL) {
			char list[512] = "";
			const struct enum_token *t;
			for (t = d->tokens; t->token != NULL; t++) {
				if (t != d->tokens && strcmp(t[-1].token, t->token) == 0)
					continue;
				if (list[0] != '\0')
					strncat(list, ", ", sizeof(list) - strlen(list) - 1);
				strncat(list, t->token, sizeof(list) - strlen(list) - 1);
			}
			ERR("%s: unknown value \"%s\" (one of: %s)", d->name, text, list);
			return -1;
		}
		snprintf(v->s, sizeof(v->s), "%s", tok);
		break;
	}
	v->present = true;
	return 0;
}

int
event_check(const struct event *ev, char *err, size_t errlen)
{
	const struct event_def *d = &event_defs[ev->type];

	for (int f = 0; f < F_COUNT; f++) {
		if (ev->f[f].present && !event_field_allowed(ev->type, f)) {
			ERR("%s: field \"%s\" does not belong to this event",
			    d->type, field_defs[f].name);
			return -1;
		}
		if (!ev->f[f].present && event_field_required(ev->type, f)) {
			ERR("%s: field \"%s\" is required", d->type,
			    field_defs[f].name);
			return -1;
		}
	}
	for (int f = 0; f < F_COUNT; f++) {
		if (field_defs[f].kind == FK_FEN && ev->f[f].present &&
		    ev->f[f].u > (uint64_t)CS_FEN_MAX) {
			ERR("%s: amount above 10,000,000,000,000 yuan",
			    field_defs[f].name);
			return -1;
		}
	}
	if (ev->f[F_AMOUNT].present && ev->f[F_AMOUNT].u == 0) {
		ERR("amount: must be more than 0.00");
		return -1;
	}
	switch (ev->type) {
	case EV_NODE_DONE:
		if (strcmp(ev->f[F_NODE].s, "seizure") == 0) {
			if (!ev->f[F_ASSET].present || !ev->f[F_EXPIRES].present) {
				ERR("node seizure: --asset and --expires are required");
				return -1;
			}
			if (strcmp(ev->f[F_EXPIRES].s, ev->f[F_DATE].s) <= 0) {
				ERR("node seizure: expires %s is not after the date %s",
				    ev->f[F_EXPIRES].s, ev->f[F_DATE].s);
				return -1;
			}
		} else if (ev->f[F_ASSET].present || ev->f[F_EXPIRES].present) {
			ERR("node %s: --asset and --expires belong to seizure only",
			    ev->f[F_NODE].s);
			return -1;
		}
		break;
	case EV_EXTENSION_APPROVED:
		if (ev->f[F_MONTHS].u < 1 || ev->f[F_MONTHS].u > 12) {
			ERR("months: %llu is not between 1 and 12",
			    (unsigned long long)ev->f[F_MONTHS].u);
			return -1;
		}
		break;
	case EV_CASE_FILED:
		if (ev->f[F_ORIGINAL].present &&
		    strcmp(ev->f[F_ORIGINAL].s, ev->f[F_CASE].s) == 0) {
			ERR("original: a case cannot resume itself");
			return -1;
		}
		break;
	case EV_CORRECTION:
		if (ev->has_replacement) {
			if (ev->replacement == NULL ||
			    ev->replacement->type == EV_CORRECTION) {
				ERR("correction: the replacement cannot be a correction");
				return -1;
			}
			return event_check(ev->replacement, err, errlen);
		}
		break;
	default:
		break;
	}
	return 0;
}

static void
encode_fields(struct codec_writer *w, const struct event *ev, uint32_t extra)
{
	uint32_t n = extra;

	for (int f = 0; f < F_COUNT; f++)
		n += ev->f[f].present;
	codec_put_map(w, n);
	for (int f = 0; f < F_COUNT; f++) {
		const struct field_val *v = &ev->f[f];
		if (!v->present)
			continue;
		codec_put_cstr(w, field_defs[f].name);
		switch (field_defs[f].kind) {
		case FK_FEN:
		case FK_UINT:
			codec_put_uint(w, v->u);
			break;
		case FK_BOOL:
			codec_put_bool(w, v->u != 0);
			break;
		default:
			codec_put_cstr(w, v->s);
			break;
		}
	}
}

int
event_encode_body(const struct event *ev, struct buf *out, char *err,
    size_t errlen)
{
	struct codec_writer w;
	bool repl = ev->type == EV_CORRECTION && ev->has_replacement;

	codec_writer_init(&w, out);
	encode_fields(&w, ev, repl ? 1 : 0);
	if (repl) {
		codec_put_cstr(&w, "replacement");
		codec_put_map(&w, 2);
		codec_put_cstr(&w, "type");
		codec_put_cstr(&w, event_defs[ev->replacement->type].type);
		codec_put_cstr(&w, "body");
		encode_fields(&w, ev->replacement, 0);
	}
	if (w.failed) {
		ERR("event body too large");
		return -1;
	}
	return 0;
}

static int
decode_fields(const struct codec_value *m, struct event *ev, bool allow_repl,
    struct codec_value *repl, char *err, size_t errlen)
{
	struct codec_value k, v;
	const char *tname = event_defs[ev->type].type;

	if (m->type != CODEC_MAP) {
		ERR("%s: body is not a map", tname);
		return -1;
	}
	for (size_t i = 0; i < m->n; i++) {
		char key[64];
		int f;
		struct field_val *fv;

		codec_map_at(m, i, &k, &v);
		if (k.type != CODEC_STR || k.n == 0 || k.n >= sizeof(key)) {
			ERR("%s: body key %zu is not a short string", tname, i);
			return -1;
		}
		memcpy(key, k.p, k.n);
		key[k.n] = '\0';
		if (allow_repl && strcmp(key, "replacement") == 0) {
			if (ev->has_replacement) {
				ERR("%s: duplicate body field \"replacement\"",
				    tname);
				return -1;
			}
			*repl = v;
			ev->has_replacement = true;
			continue;
		}
		f = field_by_name(key);
		if (f == -1 || !event_field_allowed(ev->type, f)) {
			ERR("%s: unknown body field \"%s\"", tname, key);
			return -1;
		}
		fv = &ev->f[f];
		if (fv->present) {
			ERR("%s: duplicate body field \"%s\"", tname, key);
			return -1;
		}
		switch (field_defs[f].kind) {
		case FK_FEN:
		case FK_UINT:
			if (v.type != CODEC_UINT) {
				ERR("%s: field \"%s\" must be an unsigned integer",
				    tname, key);
				return -1;
			}
			fv->u = v.u;
			fv->present = true;
			break;
		case FK_BOOL:
			if (v.type != CODEC_BOOL) {
				ERR("%s: field \"%s\" must be a boolean", tname, key);
				return -1;
			}
			fv->u = v.b;
			fv->present = true;
			break;
		default: {
			char text[CS_TEXT_MAX];
			if (v.type != CODEC_STR || v.n >= sizeof(text)) {
				ERR("%s: field \"%s\" must be a string", tname, key);
				return -1;
			}
			memcpy(text, v.p, v.n);
			text[v.n] = '\0';
			if (strlen(text) != v.n ||
			    event_set(ev, f, text, err, errlen) == -1)
				goto bad;
			if (strcmp(ev->f[f].s, text) != 0) {
				ERR("\"%s\" is not in canonical form (\"%s\")",
				    text, ev->f[f].s);
				goto bad;
			}
			break;
		}
		}
	}
	return 0;
bad:
	{
		char m2[256];
		snprintf(m2, sizeof(m2), "%s", errlen > 0 ? err : "");
		ERR("%s: field invalid: %s", tname, m2);
	}
	return -1;
}

/* Empties an event without touching its ~28 KB of value buffers: a value
 * is read only when its field is present.  (Decoding runs once per entry
 * at every hub; clearing the buffers was a measurable part of it.) */
static void
event_clear(struct event *ev)
{
	for (int f = 0; f < F_COUNT; f++) {
		ev->f[f].present = false;
		ev->f[f].u = 0;
		ev->f[f].s[0] = '\0';
	}
	ev->has_replacement = false;
	ev->type = EV_CASE_FILED;
}

int
event_decode_body(const char *type, const void *body, size_t n,
    struct event *ev, char *err, size_t errlen)
{
	struct codec_doc doc = { 0 };
	struct codec_value root, repl, rt, rb;
	struct event *rev = ev->replacement;
	int t, rc = -1;
	char tname[CS_TYPE_MAX];

	event_clear(ev);
	ev->replacement = rev;
	t = event_type_by_name(type);
	if (t == -1) {
		ERR("unknown event type \"%s\"", type);
		return -1;
	}
	ev->type = (enum event_type)t;
	if (codec_decode(&doc, body, n, &root, err, errlen) == -1)
		goto out;
	if (decode_fields(&root, ev, t == EV_CORRECTION, &repl, err, errlen) == -1)
		goto out;
	if (ev->has_replacement) {
		if (rev == NULL) {
			ERR("correction: no room to decode the replacement");
			goto out;
		}
		if (repl.type != CODEC_MAP || repl.n != 2 ||
		    !codec_map_get(&repl, "type", &rt) || rt.type != CODEC_STR ||
		    rt.n >= sizeof(tname) || !codec_map_get(&repl, "body", &rb)) {
			ERR("correction: replacement must be a map {type, body}");
			goto out;
		}
		memcpy(tname, rt.p, rt.n);
		tname[rt.n] = '\0';
		event_clear(rev);
		rev->replacement = NULL;
		t = event_type_by_name(tname);
		if (t == -1 || t == EV_CORRECTION) {
			ERR("correction: bad replacement type \"%s\"", tname);
			goto out;
		}
		rev->type = (enum event_type)t;
		if (decode_fields(&rb, rev, false, NULL, err, errlen) == -1)
			goto out;
	}
	if (event_check(ev, err, errlen) == -1)
		goto out;
	rc = 0;
out:
	codec_doc_free(&doc);
	return rc;
}
