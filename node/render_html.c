/*
 * render_html.c — the dashboard's HTML pages: inline style, inline SVG charts,
 * no scripts, Chinese labels (render.h).
 */
#include "render_int.h"

/* ---- HTML ---- */

/* Appends s with &, <, >, " and ' escaped. */
int
render_html_str(struct buf *b, const char *s)
{
	int rc = 0;
	const char *run = s;

	for (; *s; s++) {
		const char *e = NULL;

		switch (*s) {
		case '&': e = "&amp;"; break;
		case '<': e = "&lt;"; break;
		case '>': e = "&gt;"; break;
		case '"': e = "&quot;"; break;
		case '\'': e = "&#39;"; break;
		default: continue;
		}
		rc |= buf_append(b, run, (size_t)(s - run));
		rc |= buf_append(b, e, strlen(e));
		run = s + 1;
	}
	rc |= buf_append(b, run, (size_t)(s - run));
	return rc;
}

/* An href attribute's value (escaped): path?k1=v1&k2=v2&query, pairs
 * with a NULL value left out. */
static int
href(struct buf *b, const char *path, const char *k1, const char *v1,
    const char *k2, const char *v2, const char *query)
{
	struct buf u;
	int rc = 0;
	char sep = '?';

	buf_init(&u, 16384);
	rc |= buf_append(&u, path, strlen(path));
	if (v1 != NULL) {
		rc |= buf_printf(&u, "%c%s=", sep, k1);
		rc |= render_url_encode(&u, v1);
		sep = '&';
	}
	if (v2 != NULL) {
		rc |= buf_printf(&u, "%c%s=", sep, k2);
		rc |= render_url_encode(&u, v2);
		sep = '&';
	}
	if (query != NULL && query[0] != '\0')
		rc |= buf_printf(&u, "%c%s", sep, query);
	rc |= buf_append(&u, "", 1);
	if (rc == 0)
		rc |= render_html_str(b, (const char *)u.p);
	buf_free(&u);
	return rc;
}

const char render_css[] =
    "body{font-family:\"Noto Sans CJK SC\",\"Noto Sans SC\",\"Source Han Sans SC\","
    "\"WenQuanYi Micro Hei\",\"Microsoft YaHei\",\"PingFang SC\",sans-serif;"
    "margin:0;color:#1d2733;background:#f4f6f9;font-size:14px}"
    "header{background:#8b1a1a;color:#fff;padding:14px 24px}"
    "header h1{margin:0;font-size:22px;font-weight:600}"
    "header .meta{margin-top:4px;font-size:13px;opacity:.9}"
    "nav{background:#fff;border-bottom:1px solid #d8dde4;padding:0 24px}"
    "nav a{display:inline-block;padding:10px 14px;color:#334;text-decoration:none}"
    "nav a.on{border-bottom:3px solid #8b1a1a;font-weight:600}"
    "main{padding:16px 24px}"
    "section{background:#fff;border:1px solid #d8dde4;border-radius:6px;"
    "padding:12px 16px;margin-bottom:16px}"
    "h2{font-size:17px;margin:4px 0 10px}"
    "table{border-collapse:collapse;width:100%}"
    "th,td{border-bottom:1px solid #e3e7ec;padding:5px 7px;text-align:right;"
    "white-space:nowrap}"
    "th{background:#eef1f5;font-weight:600}"
    "td.l,th.l{text-align:left}"
    "tr.lv td{background:#f7f3e8}tr.tot td{background:#f1e4e4;font-weight:600}"
    "a{color:#1c5fb0}"
    ".od{color:#c92a2a;font-weight:600}.ds{color:#b86e00}.ok{color:#2b8a3e}"
    ".muted{color:#778}.bad{color:#c92a2a}"
    "form.q{margin:0 0 14px}form.q label{margin-right:10px}"
    "form.q input{width:110px}"
    ".badge{display:inline-block;padding:0 6px;border-radius:3px;margin-right:3px;"
    "font-size:12px;background:#e7f5ea;color:#2b8a3e;border:1px solid #b2dfbc}"
    ".badge.no{background:#f1f3f5;color:#99a;border-color:#dde}"
    ".badge.bf{background:#fff0f0;color:#c92a2a;border-color:#f1b0b0}"
    "table.matrix th,table.matrix td{white-space:normal;font-size:12px}"
    "svg text{font-family:inherit}";

static const char *const nav_items[][2] = {
	{ "/", "总览" }, { "/warnings", "预警" }, { "/sync", "同步状态" },
};

/* The page's head, header and navigation; q NULL for a page that is not
 * a query (a case). */
int
render_page_begin(struct buf *b, const struct render_names *names,
    const struct view_query *q, const char *title, const char *active,
    const char *query)
{
	int rc = 0;
	const char *self = names->self_path != NULL ? names->self_path :
	    q != NULL ? q->scope : "";

	rc |= buf_printf(b, "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head>"
	    "<meta charset=\"utf-8\"><meta name=\"viewport\" content=\""
	    "width=device-width\"><title>");
	rc |= render_html_str(b, title);
	rc |= buf_printf(b, " · ");
	rc |= render_html_str(b, render_court_name(names, self));
	rc |= buf_printf(b, "</title><style>%s</style></head><body>\n<header>"
	    "<h1>", render_css);
	rc |= render_html_str(b, render_court_name(names, self));
	rc |= buf_printf(b, " · 执行案件四级可视化监管</h1><div class=\"meta\">");
	if (q != NULL) {
		rc |= buf_printf(b, "范围 ");
		rc |= render_html_str(b, render_court_name(names, q->scope));
		rc |= buf_printf(b, " (");
		rc |= render_html_str(b, q->scope);
		rc |= buf_printf(b, ") · 截至 %s · 统计期间 %s 至 %s · 口径 ",
		    q->as_of, q->from, q->to);
		rc |= render_html_str(b, q->types);
	} else {
		rc |= render_html_str(b, title);
	}
	rc |= buf_printf(b, "</div></header>\n<nav>");
	for (size_t i = 0; i < sizeof(nav_items) / sizeof(nav_items[0]); i++) {
		rc |= buf_printf(b, "<a class=\"%s\" href=\"",
		    strcmp(active, nav_items[i][0]) == 0 ? "on" : "");
		rc |= href(b, nav_items[i][0], NULL, NULL, NULL, NULL, query);
		rc |= buf_printf(b, "\">%s</a>", nav_items[i][1]);
	}
	rc |= buf_printf(b, "<a href=\"");
	rc |= href(b, "/api/indicators", NULL, NULL, NULL, NULL, query);
	rc |= buf_printf(b, "\">JSON</a><a href=\"/metrics\">/metrics</a>"
	    "</nav>\n<main>\n");
	return rc;
}

int
render_page_end(struct buf *b)
{
	return buf_printf(b, "</main></body></html>\n");
}

/* The query form: plain GET, no script. */
static int
query_form(struct buf *b, const struct report *r, const char *action)
{
	static const char *const f[][2] = {
		{ "as_of", "截至" }, { "from", "起" }, { "to", "止" },
		{ "scope", "范围" }, { "types", "口径" },
	};
	const char *v[] = { r->q.as_of, r->q.from, r->q.to, r->q.scope,
	    r->q.types };
	int rc = 0;

	rc |= buf_printf(b, "<form class=\"q\" method=\"get\" action=\"%s\">",
	    action);
	for (size_t i = 0; i < 5; i++) {
		rc |= buf_printf(b, "<label>%s <input name=\"%s\" value=\"",
		    f[i][1], f[i][0]);
		rc |= render_html_str(b, v[i]);
		rc |= buf_printf(b, "\"></label>");
	}
	rc |= buf_printf(b, "<button type=\"submit\">查询</button></form>\n");
	return rc;
}

static int
td_u64(struct buf *b, uint64_t v)
{
	return buf_printf(b, "<td>%llu</td>", (unsigned long long)v);
}

static int
html_ind_row(struct buf *b, const struct report *r, const struct report_ind *ri)
{
	int rc = 0, cls = render_ind_class(ri);
	char v[32];

	rc |= buf_printf(b, "<tr class=\"%s\"><td class=\"l\">",
	    cls == 0 ? "court" : cls == 1 ? "lv" : "tot");
	if (cls == 0) {
		int depth = render_path_depth(ri->in.court) - render_path_depth(r->q.scope);

		rc |= buf_printf(b, "<span style=\"padding-left:%dem\">",
		    depth > 0 ? depth * 3 / 2 : 0);
		rc |= render_html_str(b, render_court_name(&r->names, ri->in.court));
		rc |= buf_printf(b, "</span> <span class=\"muted\">");
		rc |= render_html_str(b, ri->in.court);
		rc |= buf_printf(b, "</span></td><td>%d</td>", ri->level);
	} else if (cls == 1) {
		rc |= buf_printf(b, "%s 合计</td><td>%d</td>",
		    render_level_name(ri->level), ri->level);
	} else {
		rc |= buf_printf(b, "总计 ");
		rc |= render_html_str(b, render_court_name(&r->names, ri->in.court));
		rc |= buf_printf(b, "</td><td>—</td>");
	}
	rc |= td_u64(b, ri->in.old_open);
	rc |= td_u64(b, ri->in.received);
	rc |= td_u64(b, ri->in.closed);
	rc |= td_u64(b, ri->in.open_end);
	for (size_t k = 0; k < NIND; k++) {
		render_ind_format(&ri->in, k, v, sizeof(v));
		rc |= buf_printf(b, "<td>%s</td>", v);
	}
	rc |= buf_printf(b, "</tr>\n");
	return rc;
}

static const struct report_ind *
level_row(const struct report *r, int level)
{
	for (size_t i = r->ncourts; i < r->nind; i++)
		if (render_ind_class(&r->ind[i]) == 1 && r->ind[i].level == level)
			return &r->ind[i];
	return NULL;
}

/* 结案率 per court as horizontal bars, each with its level's roll-up
 * marked; then the levels and the total. */
static int
svg_closure(struct buf *b, const struct report *r)
{
	const int x0 = 300, w = 520, row = 26, top = 34;
	size_t n = r->nind;
	int height = top + (int)n * row + 30, rc = 0;

	rc |= buf_printf(b, "<svg id=\"chart-closure\" xmlns=\"http://www.w3.org/2000/svg\""
	    " width=\"900\" height=\"%d\" viewBox=\"0 0 900 %d\" role=\"img\""
	    " aria-label=\"结案率\">", height, height);
	rc |= buf_printf(b, "<text x=\"0\" y=\"16\" font-size=\"14\""
	    " font-weight=\"600\">结案率 (各法院，橙线为所在层级合计)</text>");
	for (int p = 0; p <= 100; p += 25) {
		int x = x0 + w * p / 100;

		rc |= buf_printf(b, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\""
		    " stroke=\"#dde2e8\"/><text x=\"%d\" y=\"%d\" font-size=\"11\""
		    " text-anchor=\"middle\" fill=\"#667\">%d%%</text>", x, top - 6,
		    x, top + (int)n * row, x, top + (int)n * row + 14, p);
	}
	for (size_t i = 0; i < n; i++) {
		const struct report_ind *ri = &r->ind[i];
		const struct report_ind *lv = render_ind_class(ri) == 0 ?
		    level_row(r, ri->level) : NULL;
		int y = top + (int)i * row, cls = render_ind_class(ri);
		double v, lvv;
		bool def = render_ind_get(&ri->in, 0, &v) && isfinite(v);
		char label[300], val[32];

		if (cls == 0)
			snprintf(label, sizeof(label), "%s",
			    render_court_name(&r->names, ri->in.court));
		else if (cls == 1)
			snprintf(label, sizeof(label), "%s 合计",
			    render_level_name(ri->level));
		else
			snprintf(label, sizeof(label), "总计");
		render_ind_format(&ri->in, 0, val, sizeof(val));
		rc |= buf_printf(b, "<g class=\"bar\"><title>");
		rc |= render_html_str(b, label);
		rc |= buf_printf(b, " 结案率 %s</title><text x=\"%d\" y=\"%d\""
		    " font-size=\"13\" text-anchor=\"end\"%s>", val, x0 - 8,
		    y + 15, cls == 0 ? "" : " font-weight=\"600\"");
		rc |= render_html_str(b, label);
		rc |= buf_printf(b, "</text>");
		if (def) {
			double c = v < 0 ? 0 : v > 1 ? 1 : v;

			rc |= buf_printf(b, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\""
			    " height=\"18\" rx=\"2\" fill=\"%s\"/>", x0, y + 2,
			    w * c, cls == 0 ? "#3b7dd8" : cls == 1 ? "#8c6d1f" :
			    "#8b1a1a");
			rc |= buf_printf(b, "<text x=\"%.1f\" y=\"%d\""
			    " font-size=\"12\">%s</text>", x0 + w * c + 6, y + 15,
			    val);
		} else {
			rc |= buf_printf(b, "<text x=\"%d\" y=\"%d\" font-size=\"12\""
			    " fill=\"#99a\">—</text>", x0 + 6, y + 15);
		}
		if (lv != NULL && render_ind_get(&lv->in, 0, &lvv) && isfinite(lvv)) {
			double c = lvv < 0 ? 0 : lvv > 1 ? 1 : lvv;

			rc |= buf_printf(b, "<line class=\"rollup\" x1=\"%.1f\""
			    " y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#e8590c\""
			    " stroke-width=\"3\"/>", x0 + w * c, y, x0 + w * c,
			    y + 22);
		}
		rc |= buf_printf(b, "</g>");
	}
	rc |= buf_printf(b, "</svg>\n");
	return rc;
}

/* Warnings per rule: overdue and due soon, stacked. */
static int
svg_warnings(struct buf *b, const struct report *r, const struct rule_total *t,
    size_t n)
{
	const int x0 = 300, w = 480, row = 26, top = 34;
	uint64_t max = 1;
	int height = top + (int)n * row + 10, rc = 0;

	for (size_t i = 0; i < n; i++)
		if (t[i].overdue + t[i].due_soon > max)
			max = t[i].overdue + t[i].due_soon;
	rc |= buf_printf(b, "<svg id=\"chart-warnings\" xmlns=\"http://www.w3.org/2000/svg\""
	    " width=\"900\" height=\"%d\" viewBox=\"0 0 900 %d\" role=\"img\""
	    " aria-label=\"预警\">", height, height);
	rc |= buf_printf(b, "<text x=\"0\" y=\"16\" font-size=\"14\""
	    " font-weight=\"600\">各规则预警数</text>"
	    "<rect x=\"%d\" y=\"6\" width=\"12\" height=\"12\" fill=\"#c92a2a\"/>"
	    "<text x=\"%d\" y=\"16\" font-size=\"12\">超期</text>"
	    "<rect x=\"%d\" y=\"6\" width=\"12\" height=\"12\" fill=\"#f59f00\"/>"
	    "<text x=\"%d\" y=\"16\" font-size=\"12\">临期</text>",
	    x0, x0 + 16, x0 + 60, x0 + 76);
	for (size_t i = 0; i < n; i++) {
		int y = top + (int)i * row;
		double wo = (double)w * (double)t[i].overdue / (double)max;
		double wd = (double)w * (double)t[i].due_soon / (double)max;

		rc |= buf_printf(b, "<g class=\"bar\"><title>");
		rc |= render_html_str(b, render_report_rule_zh(r, t[i].rule));
		rc |= buf_printf(b, ": 超期 %llu, 临期 %llu</title>",
		    (unsigned long long)t[i].overdue,
		    (unsigned long long)t[i].due_soon);
		rc |= buf_printf(b, "<text x=\"%d\" y=\"%d\" font-size=\"13\""
		    " text-anchor=\"end\">", x0 - 8, y + 15);
		rc |= render_html_str(b, render_report_rule_zh(r, t[i].rule));
		rc |= buf_printf(b, "</text><rect x=\"%d\" y=\"%d\" width=\"%.1f\""
		    " height=\"18\" fill=\"#c92a2a\"/><rect x=\"%.1f\" y=\"%d\""
		    " width=\"%.1f\" height=\"18\" fill=\"#f59f00\"/>"
		    "<text x=\"%.1f\" y=\"%d\" font-size=\"12\">%llu / %llu</text>"
		    "</g>", x0, y + 2, wo, x0 + wo, y + 2, wd, x0 + wo + wd + 6,
		    y + 15, (unsigned long long)t[i].overdue,
		    (unsigned long long)t[i].due_soon);
	}
	rc |= buf_printf(b, "</svg>\n");
	return rc;
}

static int
html_indicators(struct buf *b, const struct report *r)
{
	int rc = 0;

	rc |= buf_printf(b, "<section id=\"indicators\"><h2>质效指标"
	    " <span class=\"muted\">%s 至 %s</span></h2>", r->q.from, r->q.to);
	rc |= svg_closure(b, r);
	rc |= buf_printf(b, "<table><thead><tr><th class=\"l\">法院</th>"
	    "<th>级</th><th>旧存</th><th>新收</th><th>已结</th><th>未结</th>");
	for (size_t k = 0; k < NIND; k++)
		rc |= buf_printf(b, "<th>%s</th>", render_ind_defs[k].zh);
	rc |= buf_printf(b, "</tr></thead><tbody>\n");
	for (size_t i = 0; i < r->nind; i++)
		rc |= html_ind_row(b, r, &r->ind[i]);
	if (r->nind == 0)
		rc |= buf_printf(b, "<tr><td class=\"l\" colspan=\"13\">"
		    "范围内没有案件</td></tr>");
	rc |= buf_printf(b, "</tbody></table></section>\n");
	return rc;
}

/* Rule × court: the counts, each linking to the list behind it. */
static int
html_warning_matrix(struct buf *b, const struct report *r,
    const struct rule_total *t, size_t n, const char *query)
{
	int rc = 0;
	size_t i = 0;

	rc |= buf_printf(b, "<table class=\"matrix\"><thead><tr>"
	    "<th class=\"l\">法院</th>");
	for (size_t k = 0; k < n; k++) {
		rc |= buf_printf(b, "<th><a href=\"");
		rc |= href(b, "/warnings", "rule", t[k].rule, NULL, NULL, query);
		rc |= buf_printf(b, "\">");
		rc |= render_html_str(b, render_report_rule_zh(r, t[k].rule));
		rc |= buf_printf(b, "</a></th>");
	}
	rc |= buf_printf(b, "</tr></thead><tbody>\n");
	while (i < r->nwc) {
		const char *court = r->wc[i].court;

		rc |= buf_printf(b, "<tr><td class=\"l\"><a href=\"");
		rc |= href(b, "/warnings", "court", court, NULL, NULL, query);
		rc |= buf_printf(b, "\">");
		rc |= render_html_str(b, render_court_name(&r->names, court));
		rc |= buf_printf(b, "</a></td>");
		for (size_t k = 0; k < n; k++) {
			const struct report_wcount *c = NULL;

			for (size_t j = i; j < r->nwc &&
			    strcmp(r->wc[j].court, court) == 0; j++)
				if (strcmp(r->wc[j].rule, t[k].rule) == 0)
					c = &r->wc[j];
			if (c == NULL) {
				rc |= buf_printf(b, "<td class=\"muted\">0</td>");
				continue;
			}
			rc |= buf_printf(b, "<td><a href=\"");
			rc |= href(b, "/warnings", "rule", c->rule, "court", court,
			    query);
			rc |= buf_printf(b, "\"><span class=\"od\">超期 %llu</span>"
			    " · <span class=\"ds\">临期 %llu</span></a>%s",
			    (unsigned long long)c->overdue,
			    (unsigned long long)c->due_soon,
			    c->acked > 0 ? "<br>" : "");
			if (c->acked > 0)
				rc |= buf_printf(b, "<span class=\"ok\">已督办"
				    " %llu</span>", (unsigned long long)c->acked);
			rc |= buf_printf(b, "</td>");
		}
		rc |= buf_printf(b, "</tr>\n");
		while (i < r->nwc && strcmp(r->wc[i].court, court) == 0)
			i++;
	}
	if (r->nwc == 0)
		rc |= buf_printf(b, "<tr><td class=\"l\" colspan=\"%zu\">"
		    "没有预警</td></tr>", n + 1);
	rc |= buf_printf(b, "</tbody></table>\n");
	return rc;
}

static int
html_warnings_summary(struct buf *b, const struct report *r, const char *query)
{
	struct rule_total *t;
	size_t n = render_rule_totals(r, &t);
	int rc = 0;

	rc |= buf_printf(b, "<section id=\"warnings\"><h2>流程节点预警"
	    " <span class=\"muted\">截至 %s</span></h2><p>"
	    "<span class=\"od\">超期 %llu</span> · <span class=\"ds\">临期"
	    " %llu</span> · <span class=\"ok\">已督办 %llu</span></p>",
	    r->q.as_of, (unsigned long long)r->overdue,
	    (unsigned long long)r->due_soon, (unsigned long long)r->acked);
	rc |= svg_warnings(b, r, t, n);
	rc |= html_warning_matrix(b, r, t, n, query);
	rc |= buf_printf(b, "</section>\n");
	free(t);
	return rc;
}

static int
html_warning_rows(struct buf *b, const struct report *r,
    const struct warning *w, size_t n, const char *query)
{
	int rc = 0;

	rc |= buf_printf(b, "<table class=\"list\"><thead><tr><th class=\"l\">"
	    "法院</th><th class=\"l\">案号</th><th class=\"l\">规则</th>"
	    "<th class=\"l\">状态</th><th>期限</th><th>天数</th>"
	    "<th class=\"l\">督办</th></tr></thead><tbody>\n");
	for (size_t i = 0; i < n; i++) {
		rc |= buf_printf(b, "<tr><td class=\"l\">");
		rc |= render_html_str(b, render_court_name(&r->names, w[i].court));
		rc |= buf_printf(b, "</td><td class=\"l\"><a href=\"");
		rc |= href(b, "/case", "origin", w[i].court, "case", w[i].case_no,
		    query);
		rc |= buf_printf(b, "\">");
		rc |= render_html_str(b, w[i].case_no);
		rc |= buf_printf(b, "</a></td><td class=\"l\">");
		rc |= render_html_str(b, render_report_rule_zh(r, w[i].rule));
		rc |= buf_printf(b, "</td><td class=\"l %s\">%s</td><td>%s</td>"
		    "<td>%s%d 天</td><td class=\"l\">",
		    w[i].state == WARN_OVERDUE ? "od" : "ds", render_state_zh(w[i].state),
		    w[i].deadline, w[i].state == WARN_OVERDUE ? "超 " : "剩 ",
		    w[i].days);
		if (w[i].acked) {
			rc |= buf_printf(b, "<span class=\"ok\">已督办</span> ");
			rc |= render_html_str(b, w[i].ack_by);
			rc |= buf_printf(b, " %s ", w[i].ack_date);
			rc |= render_html_str(b, w[i].ack_note);
		} else {
			rc |= buf_printf(b, "<span class=\"muted\">—</span>");
		}
		rc |= buf_printf(b, "</td></tr>\n");
	}
	rc |= buf_printf(b, "</tbody></table>\n");
	return rc;
}

/* Links to the previous and next pages of the warnings list. */
static int
html_pager_link(struct buf *b, const struct report *r, const char *query,
    size_t offset, const char *label)
{
	char off[32], lim[32];
	struct buf q;
	int rc = 0;

	snprintf(off, sizeof(off), "%zu", offset);
	snprintf(lim, sizeof(lim), "%zu", r->list_limit);
	buf_init(&q, 16384);
	rc |= buf_printf(&q, "limit=%s", lim);
	if (r->list_rule[0] != '\0') {
		rc |= buf_printf(&q, "&rule=");
		rc |= render_url_encode(&q, r->list_rule);
	}
	if (r->list_court[0] != '\0') {
		rc |= buf_printf(&q, "&court=");
		rc |= render_url_encode(&q, r->list_court);
	}
	if (query != NULL && query[0] != '\0')
		rc |= buf_printf(&q, "&%s", query);
	rc |= buf_append(&q, "", 1);
	rc |= buf_printf(b, " <a href=\"");
	if (rc == 0)
		rc |= href(b, "/warnings", "offset", off, NULL, NULL,
		    (const char *)q.p);
	rc |= buf_printf(b, "\">%s</a>", label);
	buf_free(&q);
	return rc;
}

static int
html_pager(struct buf *b, const struct report *r, const char *query)
{
	int rc = 0;

	if (r->list_offset == 0 && r->list_offset + r->nlist >= r->list_total)
		return 0;
	rc |= buf_printf(b, "<p class=\"pager\">");
	if (r->list_offset > 0)
		rc |= html_pager_link(b, r, query, r->list_offset >
		    r->list_limit ? r->list_offset - r->list_limit : 0,
		    "上一页");
	if (r->list_offset + r->nlist < r->list_total)
		rc |= html_pager_link(b, r, query, r->list_offset + r->nlist,
		    "下一页");
	rc |= buf_printf(b, "</p>\n");
	return rc;
}

static int
html_integrity(struct buf *b, const struct report *r, const char *query)
{
	int rc = 0;

	rc |= buf_printf(b, "<section id=\"integrity\"><h2>数据完整性</h2>"
	    "<p>案号编号问题 %llu 项 (缺号 %llu, 重复使用 %llu) · 补录事件"
	    " (记录晚于业务日期 %d 天以上) %llu 件</p>",
	    (unsigned long long)r->num_total, (unsigned long long)r->num_gaps,
	    (unsigned long long)r->num_reused, RENDER_BACKFILL_DAYS,
	    (unsigned long long)r->bf_total);
	if (r->nbc > 0) {
		rc |= buf_printf(b, "<table><thead><tr><th class=\"l\">法院</th>"
		    "<th>补录事件</th><th>最长延迟</th></tr></thead><tbody>");
		for (size_t i = 0; i < r->nbc; i++) {
			rc |= buf_printf(b, "<tr><td class=\"l\">");
			rc |= render_html_str(b, render_court_name(&r->names, r->bc[i].court));
			rc |= buf_printf(b, "</td><td>%llu</td><td>%d 天</td></tr>",
			    (unsigned long long)r->bc[i].events,
			    r->bc[i].max_delay);
		}
		rc |= buf_printf(b, "</tbody></table>");
	}
	if (r->nbf > 0) {
		rc |= buf_printf(b, "<h2>补录事件</h2><table><thead><tr>"
		    "<th class=\"l\">案号</th><th>日志序号</th><th>业务日期</th>"
		    "<th>记录日期</th><th>延迟</th><th>首次见证</th></tr></thead>"
		    "<tbody>");
		for (size_t i = 0; i < r->nbf && i < 50; i++) {
			const struct backfill *bf = &r->bf[i];

			rc |= buf_printf(b, "<tr><td class=\"l\"><a href=\"");
			rc |= href(b, "/case", "origin", bf->court, "case",
			    bf->case_no, query);
			rc |= buf_printf(b, "\">");
			rc |= render_html_str(b, bf->case_no);
			rc |= buf_printf(b, "</a></td><td>%llu</td><td>%s</td>"
			    "<td>%s</td><td class=\"bad\">%d 天</td><td>%s</td>"
			    "</tr>", (unsigned long long)bf->index, bf->date,
			    bf->recorded, bf->delay, bf->witnessed[0] ?
			    bf->witnessed : "—");
		}
		rc |= buf_printf(b, "</tbody></table>");
	}
	if (r->nnum > 0) {
		rc |= buf_printf(b, "<h2>案号编号问题</h2><ul>");
		for (size_t i = 0; i < r->nnum && i < 50; i++) {
			const struct numbering_issue *ni = &r->num[i];

			rc |= buf_printf(b, "<li>");
			rc |= render_html_str(b, render_court_name(&r->names, ni->court));
			rc |= buf_printf(b, " (%d)", ni->year);
			rc |= render_html_str(b, ni->type);
			if (ni->reused)
				rc |= buf_printf(b, " 第%u号 重复使用</li>",
				    ni->first);
			else
				rc |= buf_printf(b, " 缺号 %u–%u</li>", ni->first,
				    ni->last);
		}
		rc |= buf_printf(b, "</ul>");
	}
	rc |= buf_printf(b, "</section>\n");
	return rc;
}

static void
fmt_ago(int64_t s, char *out, size_t cap)
{
	if (s < 0)
		snprintf(out, cap, "从未");
	else if (s < 120)
		snprintf(out, cap, "%lld 秒前", (long long)s);
	else if (s < 7200)
		snprintf(out, cap, "%lld 分钟前", (long long)(s / 60));
	else if (s < 172800)
		snprintf(out, cap, "%lld 小时前", (long long)(s / 3600));
	else
		snprintf(out, cap, "%lld 天前", (long long)(s / 86400));
}

/* Unix seconds as China Standard Time, "2024-06-30 14:05:09". */
void
render_fmt_cst(uint64_t t, char *out, size_t cap)
{
	time_t tt = (time_t)(t + 8 * 3600);
	struct tm tm;

	if (t == 0) {
		snprintf(out, cap, "—");
		return;
	}
	gmtime_r(&tt, &tm);
	strftime(out, cap, "%Y-%m-%d %H:%M:%S", &tm);
}

static int
html_sync_children(struct buf *b, const struct report *r)
{
	int rc = 0;
	char ago[64], ok[32], seen[32];

	rc |= buf_printf(b, "<section id=\"sync\"><h2>下级法院同步状态</h2>"
	    "<table><thead><tr><th class=\"l\">法院</th><th>最近上报成功</th>"
	    "<th>距今</th><th>最近请求</th><th>已收条目</th><th>最新检查点</th>"
	    "<th>滞后条目</th><th>请求数</th><th class=\"l\">最近错误</th>"
	    "<th>分叉告警</th></tr></thead><tbody>\n");
	for (size_t i = 0; i < r->npeers; i++) {
		const struct peer_health *p = &r->peers[i];

		fmt_ago(render_since(r, p->last_ok), ago, sizeof(ago));
		render_fmt_cst(p->last_ok, ok, sizeof(ok));
		render_fmt_cst(p->last_seen, seen, sizeof(seen));
		rc |= buf_printf(b, "<tr><td class=\"l\">");
		rc |= render_html_str(b, render_court_name(&r->names, p->court));
		rc |= buf_printf(b, " <span class=\"muted\">");
		rc |= render_html_str(b, p->court);
		rc |= buf_printf(b, "</span></td><td>%s</td><td>%s</td><td>%s</td>"
		    "<td>%llu</td><td>%llu</td><td>%llu</td><td>%llu</td>"
		    "<td class=\"l%s\">", ok, ago, seen,
		    (unsigned long long)p->held,
		    (unsigned long long)p->checkpoint,
		    (unsigned long long)render_peer_lag(p),
		    (unsigned long long)p->requests,
		    p->last_error[0] ? " bad" : "");
		rc |= render_html_str(b, p->last_error[0] ? p->last_error : "—");
		rc |= buf_printf(b, "</td><td class=\"%s\">%llu</td></tr>\n",
		    p->equivocations ? "bad" : "", (unsigned long long)
		    p->equivocations);
	}
	if (r->npeers == 0)
		rc |= buf_printf(b, "<tr><td class=\"l\" colspan=\"10\">没有下级法院"
		    "上报记录</td></tr>");
	rc |= buf_printf(b, "</tbody></table></section>\n");
	return rc;
}

static int
html_sync_logs(struct buf *b, const struct report *r)
{
	int rc = 0;

	rc |= buf_printf(b, "<section id=\"logs\"><h2>本节点所持日志</h2>");
	if (r->has_parent) {
		rc |= buf_printf(b, "<p>向上级上报: ");
		if (r->push_error[0]) {
			rc |= buf_printf(b, "<span class=\"bad\">最近错误 ");
			rc |= render_html_str(b, r->push_error);
			rc |= buf_printf(b, "</span>");
		} else {
			rc |= buf_printf(b, "<span class=\"ok\">无错误记录</span>");
		}
		rc |= buf_printf(b, "</p>");
	}
	rc |= buf_printf(b, "<table><thead><tr><th class=\"l\">日志</th>"
	    "<th>条目</th><th>最新检查点</th><th>上级已持有</th><th>待上报</th>"
	    "</tr></thead><tbody>\n");
	for (size_t i = 0; i < r->nlogs; i++) {
		const struct report_log *l = &r->logs[i];

		rc |= buf_printf(b, "<tr><td class=\"l\">");
		rc |= render_html_str(b, render_court_name(&r->names, l->origin));
		rc |= buf_printf(b, " <span class=\"muted\">");
		rc |= render_html_str(b, l->origin);
		rc |= buf_printf(b, "</span></td><td>%llu</td><td>%llu</td>",
		    (unsigned long long)l->size,
		    (unsigned long long)l->checkpoint);
		if (r->has_parent)
			rc |= buf_printf(b, "<td>%llu</td><td>%llu</td></tr>\n",
			    (unsigned long long)l->parent,
			    (unsigned long long)(l->size > l->parent ?
			    l->size - l->parent : 0));
		else
			rc |= buf_printf(b, "<td>—</td><td>—</td></tr>\n");
	}
	rc |= buf_printf(b, "</tbody></table></section>\n");
	return rc;
}

int
render_html_overview(struct buf *b, const struct report *r, const char *query)
{
	int rc = 0;

	rc |= render_page_begin(b, &r->names, &r->q, "总览", "/", query);
	rc |= query_form(b, r, "/");
	if (r->what & REPORT_INDICATORS)
		rc |= html_indicators(b, r);
	if (r->what & REPORT_WARNINGS)
		rc |= html_warnings_summary(b, r, query);
	if (r->what & REPORT_SYNC)
		rc |= html_sync_children(b, r);
	if (r->what & REPORT_INTEGRITY)
		rc |= html_integrity(b, r, query);
	rc |= render_page_end(b);
	return rc == 0 ? 0 : -1;
}

int
render_html_warnings(struct buf *b, const struct report *r, const char *query)
{
	int rc = 0;

	rc |= render_page_begin(b, &r->names, &r->q, "预警", "/warnings", query);
	rc |= query_form(b, r, "/warnings");
	if (r->what & REPORT_LIST) {
		rc |= buf_printf(b, "<section id=\"list\"><h2>预警清单: ");
		rc |= render_html_str(b, r->list_rule[0] ? render_report_rule_zh(r, r->list_rule) :
		    "全部规则");
		rc |= buf_printf(b, " · ");
		rc |= render_html_str(b, r->list_court[0] ? render_court_name(&r->names,
		    r->list_court) : render_court_name(&r->names, r->q.scope));
		rc |= buf_printf(b, " <span class=\"muted\">共 %llu 件，按超期"
		    "天数排列，第 %zu–%zu 件</span></h2>",
		    (unsigned long long)r->list_total,
		    r->nlist > 0 ? r->list_offset + 1 : r->list_offset,
		    r->list_offset + r->nlist);
		rc |= html_warning_rows(b, r, r->list, r->nlist, query);
		rc |= html_pager(b, r, query);
		rc |= buf_printf(b, "</section>\n");
	}
	if (r->what & REPORT_WARNINGS) {
		rc |= html_warnings_summary(b, r, query);
		if (r->ntop > 0) {
			rc |= buf_printf(b, "<section id=\"top\"><h2>超期最久的"
			    " %zu 件</h2>", r->ntop);
			rc |= html_warning_rows(b, r, r->top, r->ntop, query);
			rc |= buf_printf(b, "</section>\n");
		}
	}
	rc |= render_page_end(b);
	return rc == 0 ? 0 : -1;
}

int
render_html_sync(struct buf *b, const struct report *r, const char *query)
{
	int rc = 0;

	rc |= render_page_begin(b, &r->names, &r->q, "同步状态", "/sync", query);
	rc |= html_sync_children(b, r);
	rc |= html_sync_logs(b, r);
	rc |= render_page_end(b);
	return rc == 0 ? 0 : -1;
}

int
render_html_error(struct buf *b, const char *title, const char *message)
{
	int rc = 0;

	rc |= buf_printf(b, "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head>"
	    "<meta charset=\"utf-8\"><title>");
	rc |= render_html_str(b, title);
	rc |= buf_printf(b, "</title><style>%s</style></head><body><main>"
	    "<section><h2>", render_css);
	rc |= render_html_str(b, title);
	rc |= buf_printf(b, "</h2><p>");
	rc |= render_html_str(b, message);
	rc |= buf_printf(b, "</p><p><a href=\"/\">返回总览</a></p></section>"
	    "</main></body></html>\n");
	return rc == 0 ? 0 : -1;
}

