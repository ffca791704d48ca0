/*
 * render_staff.c — the pages of signing in (render.h): the sign-in form,
 * the bar naming who is signed in, the acknowledgement form.
 */
#include <stdbool.h>
#include <string.h>

#include "render_int.h"

int
render_html_login(struct buf *b, const char *court_name, const char *next,
    const char *message)
{
	int rc = 0;

	rc |= buf_printf(b, "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head>"
	    "<meta charset=\"utf-8\"><title>登录 · ");
	rc |= render_html_str(b, court_name);
	rc |= buf_printf(b, "</title><style>%s</style></head><body><header>"
	    "<h1>", render_css);
	rc |= render_html_str(b, court_name);
	rc |= buf_printf(b, " · 执行监管</h1></header><main><section"
	    " id=\"login\"><h2>工作人员登录</h2>");
	if (message != NULL && message[0] != '\0') {
		rc |= buf_printf(b, "<p class=\"err\" id=\"login-error\">");
		rc |= render_html_str(b, message);
		rc |= buf_printf(b, "</p>");
	}
	rc |= buf_printf(b, "<form method=\"post\" action=\"/login\">"
	    "<p><label>用户名 <input name=\"user\" id=\"user\""
	    " autocomplete=\"username\" required></label></p>"
	    "<p><label>密码 <input name=\"password\" id=\"password\""
	    " type=\"password\" autocomplete=\"current-password\" required>"
	    "</label></p><input type=\"hidden\" name=\"next\" value=\"");
	rc |= render_html_str(b, next);
	rc |= buf_printf(b, "\"><p><button type=\"submit\" id=\"login-submit\">"
	    "登录</button></p></form></section></main></body></html>\n");
	return rc == 0 ? 0 : -1;
}

/* Inserts t into page at byte offset at. */
static int
insert_at(struct buf *page, size_t at, const struct buf *t)
{
	size_t tail = page->len - at;

	if (buf_append(page, t->p, t->len) == -1)
		return -1;
	memmove(page->p + at + t->len, page->p + at, tail);
	memcpy(page->p + at, t->p, t->len);
	return 0;
}

/* Where `tag` starts in the page (after it, if after), or its end. */
static size_t
offset_of(const struct buf *page, const char *tag, bool after)
{
	size_t n = strlen(tag);

	for (size_t i = 0; i + n <= page->len; i++)
		if (memcmp(page->p + i, tag, n) == 0)
			return i + (after ? n : 0);
	return page->len;
}

int
render_html_userbar(struct buf *page, const char *display,
    const char *role_zh, const char *scope, const char *csrf)
{
	struct buf t;
	int rc = 0;

	buf_init(&t, 4096);
	rc |= buf_printf(&t, "<div class=\"who\" id=\"who\">");
	rc |= render_html_str(&t, display);
	rc |= buf_printf(&t, " · ");
	rc |= render_html_str(&t, role_zh);
	rc |= buf_printf(&t, " · ");
	rc |= render_html_str(&t, scope);
	if (csrf != NULL) {
		rc |= buf_printf(&t, " <form method=\"post\" action=\"/logout\""
		    " style=\"display:inline\"><input type=\"hidden\""
		    " name=\"csrf\" value=\"");
		rc |= render_html_str(&t, csrf);
		rc |= buf_printf(&t, "\"><button type=\"submit\" id=\"logout\">"
		    "退出</button></form>");
	}
	rc |= buf_printf(&t, "</div>");
	if (rc == 0)
		rc = insert_at(page, offset_of(page, "<body>", true), &t);
	buf_free(&t);
	return rc == 0 ? 0 : -1;
}

int
render_html_ack_form(struct buf *page, const char *origin,
    const char *case_no, const char *csrf)
{
	struct buf t;
	int rc = 0;

	buf_init(&t, 4096);
	rc |= buf_printf(&t, "<section id=\"ack\"><h2>确认预警（专人监管）</h2>"
	    "<form method=\"post\" action=\"/ack\"><input type=\"hidden\""
	    " name=\"origin\" value=\"");
	rc |= render_html_str(&t, origin);
	rc |= buf_printf(&t, "\"><input type=\"hidden\" name=\"case\" value=\"");
	rc |= render_html_str(&t, case_no);
	rc |= buf_printf(&t, "\"><input type=\"hidden\" name=\"csrf\" value=\"");
	rc |= render_html_str(&t, csrf);
	rc |= buf_printf(&t, "\"><label>预警规则 <input name=\"rule\" id=\"ack-rule\""
	    " required></label> <label>说明 <input name=\"note\""
	    " id=\"ack-note\"></label> <button type=\"submit\" id=\"ack-submit\">"
	    "确认</button></form></section>");
	if (rc == 0)
		rc = insert_at(page, offset_of(page, "</main>", false), &t);
	buf_free(&t);
	return rc == 0 ? 0 : -1;
}
