/*
 * dashboard.h — the node's views over HTTPS for people and machines: the
 * HTML dashboard (/, /warnings, /case, /sync), its JSON (/api/…) and
 * /metrics (Prometheus text), on a listener of its own that asks for no
 * client certificate (a browser opens it) and binds loopback unless told
 * otherwise.  Every page is one reading of the views (render.h).
 */
#ifndef COURTSYNC_DASHBOARD_H
#define COURTSYNC_DASHBOARD_H

#include <stdbool.h>

#include "court.h"
#include "courtsync/httpd.h"
#include "registry.h"
#include "render.h"
#include "staff.h"

#define DASHBOARD_MAX_OUT	(64u * 1024 * 1024)	/* one answer's bytes */

#define DASHBOARD_ROUTES	13

#define DASH_SESSIONS	512	/* signed-in sessions kept (LRU beyond) */
#define DASH_THROTTLE	256	/* user names and addresses counted */

struct dashboard;

/* A signed-in browser (dashboard_auth.c). */
struct dash_session {
	uint8_t		 id[CS_HASH_LEN];	/* SHA-256 of the cookie */
	char		 user[STAFF_NAME_MAX];
	char		 csrf[33];		/* the forms' token, hex */
	int64_t		 created, seen;		/* Unix seconds */
	bool		 used;
};

/* Failed sign-ins of one user name ("u:…") or address ("a:…"). */
struct dash_throttle {
	char		 key[96];
	int64_t		 first;
	int		 n;
};

/* Who is asking, for one request. */
struct dash_who {
	struct store_staff	 u;
	const struct staff_role	*role;
	struct dash_session	*s;	/* NULL: an API token */
	char			 addr[64];
};

enum dash_kind { DASH_HTML, DASH_JSON, DASH_TEXT };

/* What one route hands its handler. */
struct dashboard_route {
	struct dashboard	*d;
	int			 view;
};

/* Must not move once started: the routes point into it. */
struct dashboard {
	struct court		c;	/* its own connection; reads only */
	struct render_names	names;
	bool			has_parent;
	bool			opened;
	int			listener;	/* its httpd listener */
	char			cookie[32];	/* "courtsync_<port>" */
	struct dash_session	sessions[DASH_SESSIONS];
	struct dash_throttle	throttle[DASH_THROTTLE];
	void		       (*fresh)(void *);	/* before a view: wait
						 * for the fold, or NULL */
	void			*fresh_arg;
	struct dashboard_route	route[DASHBOARD_ROUTES];
};

/* Parses a dashboard address: "ADDR:PORT", "[V6]:PORT" or "PORT" alone
 * (then 127.0.0.1).  0, or -1 with err naming the value. */
int	dashboard_addr(const char *s, char *addr, size_t cap, uint16_t *port,
	    char *err, size_t errlen);

/* Opens the dashboard's own connection to the node at home, adds a
 * listener on `listen` (dashboard_addr's forms) with the node's TLS
 * certificate and key and no client certificate, and routes its pages
 * there.  reg (may be NULL) names the courts and must outlive d.  Returns
 * the listener's number, or -1 (call dashboard_free either way). */
int	dashboard_start(struct dashboard *d, struct httpd *h, const char *home,
	    const char *listen, const struct registry *reg,
	    const struct httpd_limits *limits, char *err, size_t errlen);
/* dashboard_auth.c.  Whether the request carries a valid session cookie
 * or API token of an enabled account (filling w). */
bool	dashboard_who(struct dashboard *d, struct httpd_request *rq,
	    struct dash_who *w);
/* 401: the sign-in page (HTML) or an error naming how to sign in. */
void	dashboard_unauthenticated(struct dashboard *d,
	    struct httpd_request *rq, enum dash_kind kind);
void	dashboard_forbidden(struct dashboard *d, struct httpd_request *rq,
	    enum dash_kind kind, const char *why);
/* GET: the sign-in page; POST: signs in (throttled, logged). */
void	dashboard_login(struct dashboard *d, struct httpd_request *rq);
void	dashboard_logout(struct dashboard *d, struct httpd_request *rq,
	    struct dash_who *w);
void	dashboard_ack(struct dashboard *d, struct httpd_request *rq,
	    struct dash_who *w);
/* A row of the access log for w. */
void	dashboard_access(struct dashboard *d, const struct dash_who *w,
	    const char *action, const char *origin, const char *case_no);

/* SIGHUP: the listener's certificate, key and limits from cfg (see
 * httpd_reload).  0, or -1 with err and nothing changed. */
int	dashboard_reload(struct dashboard *d, struct httpd *h,
	    const struct config *cfg, const struct httpd_limits *limits,
	    char *err, size_t errlen);
/* Closes the connection; a zeroed dashboard is fine. */
void	dashboard_free(struct dashboard *d);

#endif
