/*
 * render_case.c — a case's timeline: its events with their log indexes, the
 * checkpoint covering each and the levels that witnessed it (render.h).
 */
#include "courtsync/entry.h"
#include "render_int.h"

/* ---- a case's timeline ---- */

static const char *const event_zh[][2] = {
	{ "case_filed", "立案" },
	{ "handler_assigned", "确定承办人" },
	{ "triage_decided", "繁简分流" },
	{ "node_done", "流程节点" },
	{ "funds_received", "案款到账" },
	{ "funds_paid", "案款发放" },
	{ "extension_approved", "延长审限" },
	{ "suspension_started", "中止执行" },
	{ "suspension_ended", "中止结束" },
	{ "case_closed", "结案" },
	{ "warning_acknowledged", "预警督办" },
	{ "correction", "更正" },
};

static const char *
event_type_zh(const char *type)
{
	for (size_t i = 0; i < sizeof(event_zh) / sizeof(event_zh[0]); i++)
		if (strcmp(event_zh[i][0], type) == 0)
			return event_zh[i][1];
	return type;
}

struct tl_loader {
	struct timeline	*t;
	struct store	*st;
	const struct registry *reg;	/* may be NULL */
	const struct policy *pol;	/* may be NULL */
	struct policy_cosigs cs;	/* one event's counting witnesses */
	struct timeline_event *te;	/* the event being read */
	int64_t		 log;
	size_t		 cap;
	struct buf	 entry;
	struct event	*ev;		/* room for an event and a replacement */
	bool		 failed;
	char		 err[256];
};

/* Copies s into out[cap], cutting at a character boundary. */
static void
utf8_copy(char *out, size_t cap, const char *s)
{
	size_t n = cs_strlcpy(out, s, cap);

	if (n < cap)
		return;
	n = cap - 1;
	while (n > 0 && ((unsigned char)out[n] & 0xc0) == 0x80)
		n--;
	out[n] = '\0';
}

/* A short zh description of the event from its body. */
static void
describe(struct tl_loader *l, struct timeline_event *te)
{
	struct entry e;
	struct event *ev = l->ev;
	char err[CS_ERR_MAX], money[32];
	const char *zh = event_type_zh(te->type);

	snprintf(te->what, sizeof(te->what), "%s", zh);
	if (store_entry_get(l->st, l->log, te->index, &l->entry, NULL, err,
	    sizeof(err)) == -1 ||
	    entry_decode(l->entry.p, l->entry.len, &e, err, sizeof(err)) == -1)
		return;
	memset(ev, 0, 2 * sizeof(*ev));
	ev->replacement = &ev[1];
	if (event_decode_body(e.type, e.body, e.bodylen, ev, err,
	    sizeof(err)) == -1)
		return;
	if (ev->f[F_NODE].present)
		snprintf(te->what, sizeof(te->what), "%s",
		    field_token_zh(F_NODE, ev->f[F_NODE].s));
	else if (ev->f[F_MODE].present)
		snprintf(te->what, sizeof(te->what), "%s: %s", zh,
		    field_token_zh(F_MODE, ev->f[F_MODE].s));
	else if (ev->f[F_AMOUNT].present) {
		fen_format(ev->f[F_AMOUNT].u, money, sizeof(money));
		snprintf(te->what, sizeof(te->what), "%s %s 元", zh, money);
	} else if (ev->f[F_CORRECTS].present)
		snprintf(te->what, sizeof(te->what), "%s 第 %llu 条%s", zh,
		    (unsigned long long)ev->f[F_CORRECTS].u,
		    ev->has_replacement ? " (替换)" : " (作废)");
	else if (ev->f[F_RULE].present || ev->f[F_TRACK].present ||
	    ev->f[F_HANDLER].present) {
		char tmp[CS_TEXT_MAX + 64];

		snprintf(tmp, sizeof(tmp), "%s: %s", zh, ev->f[F_RULE].present ?
		    ev->f[F_RULE].s : ev->f[F_TRACK].present ?
		    field_token_zh(F_TRACK, ev->f[F_TRACK].s) :
		    ev->f[F_HANDLER].s);
		utf8_copy(te->what, sizeof(te->what), tmp);
	}
}

/* Whether the cosigner w may witness the log (policy_eligible; without
 * a registry, only the courts above it by path). */
static bool
may_witness(const struct tl_loader *l, const char *w)
{
	const struct registry_court *rc;

	if (l->reg == NULL)
		return court_path_covers(w, l->t->origin) &&
		    strcmp(w, l->t->origin) != 0;
	rc = registry_find(l->reg, w);
	return rc != NULL && policy_eligible(l->reg, l->t->origin, rc);
}

static int
on_witness(void *arg, int ncol, const char *const *v)
{
	struct tl_loader *l = arg;
	struct timeline_event *te = l->te;
	struct policy_witness *pw;

	if (ncol < 2 || v[0] == NULL || !court_path_valid(v[0]) ||
	    !may_witness(l, v[0]))
		return 0;
	if (l->cs.n < NOTE_SIGS_MAX) {
		pw = &l->cs.w[l->cs.n++];
		cs_strlcpy(pw->path, v[0], sizeof(pw->path));
		pw->counts = true;
	}
	te->levels |= 1u << render_path_depth(v[0]);
	if (te->nwitnesses < 4) {
		cs_strlcpy(te->witnesses[te->nwitnesses], v[0], CS_ORIGIN_MAX);
		te->witnessed_at[te->nwitnesses] = v[1] != NULL ?
		    strtoull(v[1], NULL, 10) : 0;
		te->nwitnesses++;
	}
	return 0;
}

static int
on_event_row(void *arg, int ncol, const char *const *v)
{
	struct tl_loader *l = arg;
	struct timeline *t = l->t;
	struct timeline_event te;
	char idx[24], logid[24];
	const char *args[2];
	time_t day;
	struct tm tm;

	if (ncol < 5 || v[0] == NULL || v[1] == NULL || v[3] == NULL)
		return 0;
	memset(&te, 0, sizeof(te));
	te.index = strtoull(v[0], NULL, 10);
	cs_strlcpy(te.type, v[1], sizeof(te.type));
	cs_strlcpy(te.date, v[2] != NULL ? v[2] : "", sizeof(te.date));
	te.time = strtoull(v[3], NULL, 10);
	te.corrected_by = v[4] != NULL ? strtoll(v[4], NULL, 10) : -1;
	day = (time_t)(te.time + 8 * 3600);	/* the CST day, as the fold */
	gmtime_r(&day, &tm);
	strftime(te.recorded, sizeof(te.recorded), "%Y-%m-%d", &tm);
	if (date_valid(te.date))
		te.delay = (int)(date_days(te.recorded) - date_days(te.date));
	te.backfilled = te.delay >= RENDER_BACKFILL_DAYS;
	describe(l, &te);
	/* The smallest checkpoint covering the entry: signed by the origin,
	 * so its own level has seen it. */
	if (store_checkpoint_next(l->st, l->log, te.index, te.index + 1,
	    &te.checkpoint, l->err, sizeof(l->err)) == -1)
		goto fail;
	if (te.checkpoint <= te.index)
		te.checkpoint = 0;
	if (te.checkpoint > 0)
		te.levels |= 1u << t->level;
	/* Every court that cosigned a checkpoint covering it, highest first,
	 * with its first such cosignature. */
	snprintf(logid, sizeof(logid), "%lld", (long long)l->log);
	snprintf(idx, sizeof(idx), "%llu", (unsigned long long)te.index);
	args[0] = logid;
	args[1] = idx;
	l->te = &te;
	l->cs.n = 0;
	if (store_query(l->st, "SELECT witness, MIN(time) FROM cosigs WHERE"
	    " log = ?1 AND size > CAST(?2 AS INTEGER) GROUP BY witness"
	    " ORDER BY length(witness), witness", args, 2, on_witness, l,
	    l->err, sizeof(l->err)) == -1)
		goto fail;
	/* Each counted witness cosigned some checkpoint covering the entry,
	 * so each has committed to it: the policy over their union. */
	if (l->reg != NULL && l->pol != NULL) {
		char missing[384];

		te.witnessed = policy_met(l->pol, l->reg, l->t->origin, &l->cs,
		    missing, sizeof(missing));
	}
	if (render_vec_push((void **)&t->ev, &t->nev, &l->cap, sizeof(te), &te) == -1) {
		snprintf(l->err, sizeof(l->err), "out of memory");
		goto fail;
	}
	return 0;
fail:
	l->failed = true;
	return 1;
}

int
render_timeline_load(struct timeline *t, struct store *st, const struct registry *reg,
    const struct policy *pol, const char *origin, const char *case_no,
    char *err, size_t errlen)
{
	struct tl_loader l;
	struct store_log sl;
	struct case_no cn;
	char cno[CS_CASE_MAX], logid[24];
	const char *args[2];
	int r, ret = -1;

	memset(t, 0, sizeof(*t));
	memset(&l, 0, sizeof(l));
	l.reg = reg;
	l.pol = pol;
	if (pol != NULL)
		policy_format(pol, t->policy, sizeof(t->policy));
	if (!court_path_valid(origin)) {
		ERR("origin: \"%s\" is not a court path", origin);
		return 0;
	}
	if (case_no_parse(case_no, &cn, err, errlen) == -1)
		return 0;
	case_no_format(&cn, cno, sizeof(cno));
	cs_strlcpy(t->origin, origin, sizeof(t->origin));
	t->level = render_path_depth(origin);
	if ((r = store_log_get(st, origin, false, &sl, err, errlen)) != 1) {
		if (r == 0)
			ERR("no log of %s is held here", origin);
		return r;
	}
	t->log_size = sl.size;
	if ((r = store_case_get(st, sl.id, cno, &t->cs, err, errlen)) != 1) {
		if (r == 0)
			ERR("case %s is not in the log of %s", cno, origin);
		return r;
	}
	l.t = t;
	l.st = st;
	l.log = sl.id;
	buf_init(&l.entry, CS_ENTRY_MAX);
	if ((l.ev = calloc(2, sizeof(*l.ev))) == NULL) {
		ERR("out of memory");
		goto out;
	}
	snprintf(logid, sizeof(logid), "%lld", (long long)sl.id);
	args[0] = logid;
	args[1] = cno;
	if (store_query(st, "SELECT idx, type, date, time, corrected_by FROM"
	    " events WHERE log = ?1 AND case_no = ?2 ORDER BY idx", args, 2,
	    on_event_row, &l, err, errlen) == -1)
		goto out;
	if (l.failed) {
		ERR("case %s: %s", cno, l.err);
		goto out;
	}
	ret = 1;
out:
	free(l.ev);
	buf_free(&l.entry);
	return ret;
}

void
render_timeline_free(struct timeline *t)
{
	free(t->ev);
	memset(t, 0, sizeof(*t));
}

int
render_json_case(struct buf *b, const struct timeline *t,
    const struct render_names *names)
{
	const struct case_state *cs = &t->cs;
	int rc = 0;
	char when[32];

	rc |= buf_printf(b, "{\"origin\":");
	rc |= render_json_str(b, t->origin);
	rc |= buf_printf(b, ",\"name\":");
	rc |= render_json_str(b, render_court_name(names, t->origin));
	rc |= buf_printf(b, ",\"witness_policy\":");
	rc |= render_json_str(b, t->policy);
	rc |= buf_printf(b, ",\"case\":");
	rc |= render_json_str(b, cs->case_no);
	rc |= buf_printf(b, ",\"type\":");
	rc |= render_json_str(b, cs->type);
	rc |= buf_printf(b, ",\"filed\":\"%s\",\"applicant\":", cs->filed);
	rc |= render_json_str(b, cs->applicant);
	rc |= buf_printf(b, ",\"respondent\":");
	rc |= render_json_str(b, cs->respondent);
	rc |= buf_printf(b, ",\"claimed\":%llu,\"arrived\":%llu,\"paid\":%llu,"
	    "\"closed\":", (unsigned long long)cs->claimed,
	    (unsigned long long)cs->arrived, (unsigned long long)cs->paid);
	if (cs->closed[0] != '\0')
		rc |= buf_printf(b, "\"%s\"", cs->closed);
	else
		rc |= buf_printf(b, "null");
	rc |= buf_printf(b, ",\"mode\":");
	if (cs->mode[0] != '\0')
		rc |= render_json_str(b, cs->mode);
	else
		rc |= buf_printf(b, "null");
	rc |= buf_printf(b, ",\"log_size\":%llu,\"backfill_days\":%d,"
	    "\"events\":[", (unsigned long long)t->log_size,
	    RENDER_BACKFILL_DAYS);
	for (size_t i = 0; i < t->nev; i++) {
		const struct timeline_event *e = &t->ev[i];
		bool first = true;

		cs_utc(e->time, when);
		rc |= buf_printf(b, "%s{\"index\":%llu,\"type\":", i ? ",\n " : "",
		    (unsigned long long)e->index);
		rc |= render_json_str(b, e->type);
		rc |= buf_printf(b, ",\"what\":");
		rc |= render_json_str(b, e->what);
		rc |= buf_printf(b, ",\"date\":\"%s\",\"recorded_at\":\"%s\","
		    "\"recorded\":\"%s\",\"delay\":%d,\"backfilled\":%s,"
		    "\"corrected_by\":", e->date, when, e->recorded, e->delay,
		    e->backfilled ? "true" : "false");
		if (e->corrected_by >= 0)
			rc |= buf_printf(b, "%lld", (long long)e->corrected_by);
		else
			rc |= buf_printf(b, "null");
		rc |= buf_printf(b, ",\"checkpoint\":");
		if (e->checkpoint > 0)
			rc |= buf_printf(b, "%llu",
			    (unsigned long long)e->checkpoint);
		else
			rc |= buf_printf(b, "null");
		rc |= buf_printf(b, ",\"levels\":[");
		for (int lv = 4; lv >= 1; lv--)
			if (e->levels & (1u << lv)) {
				rc |= buf_printf(b, "%s%d", first ? "" : ",", lv);
				first = false;
			}
		rc |= buf_printf(b, "],\"witnessed\":%s,\"witnesses\":[",
		    e->witnessed ? "true" : "false");
		for (size_t w = 0; w < e->nwitnesses; w++) {
			cs_utc(e->witnessed_at[w], when);
			rc |= buf_printf(b, "%s{\"court\":", w ? "," : "");
			rc |= render_json_str(b, e->witnesses[w]);
			rc |= buf_printf(b, ",\"level\":%d,\"first_cosigned\":"
			    "\"%s\"}", render_path_depth(e->witnesses[w]), when);
		}
		rc |= buf_printf(b, "]}");
	}
	rc |= buf_printf(b, "]}\n");
	return rc == 0 ? 0 : -1;
}

/* The events on a date axis; back-filled ones in red, at their business
 * date, with a line to the day they were recorded. */
static int
svg_timeline(struct buf *b, const struct timeline *t)
{
	const int x0 = 40, w = 1000, y = 50;
	int64_t lo = INT64_MAX, hi = INT64_MIN;
	int rc = 0;

	for (size_t i = 0; i < t->nev; i++) {
		const struct timeline_event *e = &t->ev[i];
		int64_t d = date_valid(e->date) ? date_days(e->date) : 0;
		int64_t r = date_days(e->recorded);

		if (d != 0 && d < lo)
			lo = d;
		if (d > hi)
			hi = d;
		if (r > hi)
			hi = r;
	}
	if (t->nev == 0 || lo > hi)
		return 0;
	if (hi == lo)
		hi = lo + 1;
	rc |= buf_printf(b, "<svg id=\"chart-timeline\" xmlns=\"http://www.w3.org/2000/svg\""
	    " width=\"1080\" height=\"110\" viewBox=\"0 0 1080 110\" role=\"img\""
	    " aria-label=\"时间轴\"><line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\""
	    " stroke=\"#889\"/>", x0, y, x0 + w, y);
	for (int k = 0; k < 2; k++) {
		char d[11];

		date_from_days(k == 0 ? lo : hi, d);
		rc |= buf_printf(b, "<text x=\"%d\" y=\"%d\" font-size=\"11\""
		    " text-anchor=\"%s\" fill=\"#667\">%s</text>", k == 0 ? x0 :
		    x0 + w, y + 40, k == 0 ? "start" : "end", d);
	}
	for (size_t i = 0; i < t->nev; i++) {
		const struct timeline_event *e = &t->ev[i];
		int64_t d = date_valid(e->date) ? date_days(e->date) : lo;
		double x = x0 + (double)w * (double)(d - lo) / (double)(hi - lo);

		rc |= buf_printf(b, "<g class=\"event\"><title>#%llu ",
		    (unsigned long long)e->index);
		rc |= render_html_str(b, e->what);
		rc |= buf_printf(b, " %s</title>", e->date);
		if (e->backfilled) {
			double xr = x0 + (double)w * (double)(date_days(
			    e->recorded) - lo) / (double)(hi - lo);

			rc |= buf_printf(b, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\""
			    " y2=\"%d\" stroke=\"#c92a2a\" stroke-dasharray=\"3 2\"/>"
			    "<rect x=\"%.1f\" y=\"%d\" width=\"6\" height=\"6\""
			    " fill=\"#c92a2a\"/>", x, y, xr, y + 18, xr - 3,
			    y + 15);
		}
		rc |= buf_printf(b, "<circle cx=\"%.1f\" cy=\"%d\" r=\"6\""
		    " fill=\"%s\" stroke=\"#fff\"/><text x=\"%.1f\" y=\"%d\""
		    " font-size=\"10\" text-anchor=\"middle\">%llu</text></g>",
		    x, y, e->backfilled ? "#c92a2a" : e->corrected_by >= 0 ?
		    "#99a" : "#1c5fb0", x, (i % 2) ? y + 30 : y - 12,
		    (unsigned long long)e->index);
	}
	rc |= buf_printf(b, "</svg>\n");
	return rc;
}

int
render_html_case(struct buf *b, const struct timeline *t,
    const struct render_names *names, const char *query)
{
	const struct case_state *cs = &t->cs;
	char claimed[32], arrived[32], paid[32], when[32];
	int rc = 0;

	(void)query;
	fen_format(cs->claimed, claimed, sizeof(claimed));
	fen_format(cs->arrived, arrived, sizeof(arrived));
	fen_format(cs->paid, paid, sizeof(paid));
	rc |= render_page_begin(b, names, NULL, cs->case_no, "", query);
	rc |= buf_printf(b, "<section id=\"case\"><h2>");
	rc |= render_html_str(b, cs->case_no);
	rc |= buf_printf(b, " <span class=\"muted\">");
	rc |= render_html_str(b, render_court_name(names, t->origin));
	rc |= buf_printf(b, "</span></h2><table><tbody><tr><td class=\"l\">立案"
	    " %s</td><td class=\"l\">申请执行人 ", cs->filed);
	rc |= render_html_str(b, cs->applicant);
	rc |= buf_printf(b, "</td><td class=\"l\">被执行人 ");
	rc |= render_html_str(b, cs->respondent);
	rc |= buf_printf(b, "</td><td class=\"l\">申请标的 %s 元</td>"
	    "<td class=\"l\">到账 %s 元 · 发放 %s 元</td><td class=\"l\">",
	    claimed, arrived, paid);
	if (cs->closed[0] != '\0') {
		rc |= buf_printf(b, "已结 %s ", cs->closed);
		rc |= render_html_str(b, field_token_zh(F_MODE, cs->mode));
	} else {
		rc |= buf_printf(b, "未结");
	}
	rc |= buf_printf(b, "</td></tr></tbody></table><p><a href=\"/proof?origin=");
	rc |= render_url_encode(b, t->origin);
	rc |= buf_printf(b, "&amp;case=");
	rc |= render_url_encode(b, cs->case_no);
	rc |= buf_printf(b, "\" download=\"case.proof\">下载本案证明文件 (case proof)</a>"
	    " <span class=\"muted\">可离线核验: courtsync audit --proof</span></p>"
	    "</section>\n"
	    "<section id=\"timeline\"><h2>时间线 <span class=\"muted\">日志"
	    " %llu 条; 记录晚于业务日期 %d 天以上为补录</span></h2>",
	    (unsigned long long)t->log_size, RENDER_BACKFILL_DAYS);
	rc |= svg_timeline(b, t);
	rc |= buf_printf(b, "<table><thead><tr><th>日志序号</th><th>业务日期</th>"
	    "<th>记录时间 (北京时间)</th><th class=\"l\">事件</th>"
	    "<th class=\"l\">补录</th><th>覆盖检查点</th>"
	    "<th class=\"l\">见证层级</th><th class=\"l\">见证结论</th>"
	    "</tr></thead><tbody>\n");
	for (size_t i = 0; i < t->nev; i++) {
		const struct timeline_event *e = &t->ev[i];

		render_fmt_cst(e->time, when, sizeof(when));
		rc |= buf_printf(b, "<tr><td>%llu</td><td>%s</td><td>%s</td>"
		    "<td class=\"l\">", (unsigned long long)e->index, e->date,
		    when);
		rc |= render_html_str(b, e->what);
		if (e->corrected_by >= 0)
			rc |= buf_printf(b, " <span class=\"muted\">(已被第"
			    " %lld 条更正)</span>", (long long)e->corrected_by);
		rc |= buf_printf(b, "</td><td class=\"l\">");
		if (e->backfilled)
			rc |= buf_printf(b, "<span class=\"badge bf\">补录 晚 %d"
			    " 天</span>", e->delay);
		else
			rc |= buf_printf(b, "<span class=\"muted\">—</span>");
		rc |= buf_printf(b, "</td><td>");
		if (e->checkpoint > 0)
			rc |= buf_printf(b, "%llu", (unsigned long long)
			    e->checkpoint);
		else
			rc |= buf_printf(b, "<span class=\"muted\">未签</span>");
		rc |= buf_printf(b, "</td><td class=\"l\">");
		for (int lv = 4; lv >= 1; lv--)
			rc |= buf_printf(b, "<span class=\"badge%s\">%s</span>",
			    e->levels & (1u << lv) ? "" : " no",
			    lv == 4 ? "基层" : lv == 3 ? "中级" : lv == 2 ? "高级" :
			    "最高");
		rc |= buf_printf(b, "</td><td class=\"l\">%s</td></tr>\n",
		    e->witnessed ? "<span class=\"badge\">已见证</span>" :
		    "<span class=\"badge no\">未见证</span>");
	}
	rc |= buf_printf(b, "</tbody></table></section>\n");
	rc |= render_page_end(b);
	return rc == 0 ? 0 : -1;
}

