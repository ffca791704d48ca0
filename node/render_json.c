/*
 * render_json.c — the JSON of the dashboard's /api/ and of `report --json`, and
 * Prometheus text for /metrics (render.h).
 */
#include "courtsync/json.h"
#include "render_int.h"

/* ---- JSON ---- */

int
render_json_str(struct buf *b, const char *s)
{
	return json_put_str(b, s, strlen(s));
}

/* A double as JSON: enough digits to read back the same number. */
static int
jnum(struct buf *b, double v)
{
	if (!isfinite(v))
		return buf_printf(b, "null");
	return buf_printf(b, "%.10g", v);
}

static int
json_ind(struct buf *b, const struct report *r, const struct report_ind *ri)
{
	int rc = 0, cls = render_ind_class(ri);

	if (cls == 1) {
		rc |= buf_printf(b, "{\"level\":%d,\"label\":", ri->level);
		rc |= render_json_str(b, render_level_name(ri->level));
	} else {
		rc |= buf_printf(b, "{\"court\":");
		rc |= render_json_str(b, ri->in.court);
		rc |= buf_printf(b, ",\"name\":");
		rc |= render_json_str(b, render_court_name(&r->names, ri->in.court));
		rc |= buf_printf(b, ",\"level\":%d", ri->level);
	}
	for (size_t k = 0; k < NCOUNT; k++)
		rc |= buf_printf(b, ",\"%s\":%llu", render_count_defs[k].key,
		    (unsigned long long)render_count_get(&ri->in, k));
	for (size_t k = 0; k < NIND; k++) {
		double v;

		rc |= buf_printf(b, ",\"%s\":", render_ind_defs[k].key);
		if (render_ind_get(&ri->in, k, &v))
			rc |= jnum(b, v);
		else
			rc |= buf_printf(b, "null");
	}
	rc |= buf_append(b, "}", 1);
	return rc;
}

static int
json_query(struct buf *b, const struct report *r)
{
	int rc = 0;

	rc |= buf_printf(b, "\"scope\":");
	rc |= render_json_str(b, r->q.scope);
	rc |= buf_printf(b, ",\"scope_name\":");
	rc |= render_json_str(b, render_court_name(&r->names, r->q.scope));
	rc |= buf_printf(b, ",\"as_of\":\"%s\",\"from\":\"%s\",\"to\":\"%s\","
	    "\"types\":", r->q.as_of, r->q.from, r->q.to);
	rc |= render_json_str(b, r->q.types);
	return rc;
}

int
render_json_indicators(struct buf *b, const struct report *r)
{
	int rc = 0;
	size_t i;

	rc |= buf_append(b, "{", 1);
	rc |= json_query(b, r);
	rc |= buf_printf(b, ",\"indicators\":[");
	for (i = 0; i < NIND; i++) {
		rc |= buf_printf(b, "%s{\"key\":\"%s\",\"zh\":", i ? "," : "",
		    render_ind_defs[i].key);
		rc |= render_json_str(b, render_ind_defs[i].zh);
		rc |= buf_printf(b, ",\"unit\":\"%s\"}",
		    render_ind_defs[i].kind == IK_RATE ? "ratio" : "days");
	}
	rc |= buf_printf(b, "],\n\"courts\":[");
	for (i = 0; i < r->ncourts; i++) {
		rc |= buf_printf(b, "%s", i ? ",\n " : "");
		rc |= json_ind(b, r, &r->ind[i]);
	}
	rc |= buf_printf(b, "],\n\"levels\":[");
	for (bool first = true; i < r->nind && render_ind_class(&r->ind[i]) == 1;
	    i++, first = false) {
		rc |= buf_printf(b, "%s", first ? "" : ",\n ");
		rc |= json_ind(b, r, &r->ind[i]);
	}
	rc |= buf_printf(b, "],\n\"total\":");
	if (i < r->nind)
		rc |= json_ind(b, r, &r->ind[i]);
	else
		rc |= buf_printf(b, "null");
	rc |= buf_printf(b, "}\n");
	return rc == 0 ? 0 : -1;
}

static int
json_warning(struct buf *b, const struct report *r, const struct warning *w)
{
	int rc = 0;

	rc |= buf_printf(b, "{\"court\":");
	rc |= render_json_str(b, w->court);
	rc |= buf_printf(b, ",\"name\":");
	rc |= render_json_str(b, render_court_name(&r->names, w->court));
	rc |= buf_printf(b, ",\"case\":");
	rc |= render_json_str(b, w->case_no);
	rc |= buf_printf(b, ",\"rule\":");
	rc |= render_json_str(b, w->rule);
	rc |= buf_printf(b, ",\"zh\":");
	rc |= render_json_str(b, render_report_rule_zh(r, w->rule));
	rc |= buf_printf(b, ",\"state\":\"%s\",\"deadline\":\"%s\",\"days\":%d,"
	    "\"acked\":%s", render_state_key(w->state), w->deadline, w->days,
	    w->acked ? "true" : "false");
	if (w->acked) {
		rc |= buf_printf(b, ",\"ack_by\":");
		rc |= render_json_str(b, w->ack_by);
		rc |= buf_printf(b, ",\"ack_date\":\"%s\",\"ack_note\":",
		    w->ack_date);
		rc |= render_json_str(b, w->ack_note);
	}
	rc |= buf_append(b, "}", 1);
	return rc;
}

static int
json_integrity(struct buf *b, const struct report *r)
{
	int rc = 0;

	rc |= buf_printf(b, ",\n\"numbering\":{\"total\":%llu,\"gaps\":%llu,"
	    "\"reused\":%llu,\"issues\":[", (unsigned long long)r->num_total,
	    (unsigned long long)r->num_gaps, (unsigned long long)r->num_reused);
	for (size_t i = 0; i < r->nnum; i++) {
		const struct numbering_issue *ni = &r->num[i];

		rc |= buf_printf(b, "%s{\"court\":", i ? "," : "");
		rc |= render_json_str(b, ni->court);
		rc |= buf_printf(b, ",\"year\":%d,\"type\":", ni->year);
		rc |= render_json_str(b, ni->type);
		rc |= buf_printf(b, ",\"kind\":\"%s\",\"first\":%u,\"last\":%u}",
		    ni->reused ? "reused" : "gap", ni->first, ni->last);
	}
	rc |= buf_printf(b, "]},\n\"backfill\":{\"min_days\":%d,\"total\":%llu,"
	    "\"by_court\":[", RENDER_BACKFILL_DAYS,
	    (unsigned long long)r->bf_total);
	for (size_t i = 0; i < r->nbc; i++) {
		rc |= buf_printf(b, "%s{\"court\":", i ? "," : "");
		rc |= render_json_str(b, r->bc[i].court);
		rc |= buf_printf(b, ",\"events\":%llu,\"max_delay\":%d}",
		    (unsigned long long)r->bc[i].events, r->bc[i].max_delay);
	}
	rc |= buf_printf(b, "],\"events\":[");
	for (size_t i = 0; i < r->nbf; i++) {
		const struct backfill *bf = &r->bf[i];

		rc |= buf_printf(b, "%s{\"court\":", i ? ",\n " : "");
		rc |= render_json_str(b, bf->court);
		rc |= buf_printf(b, ",\"case\":");
		rc |= render_json_str(b, bf->case_no);
		rc |= buf_printf(b, ",\"index\":%llu,\"type\":",
		    (unsigned long long)bf->index);
		rc |= render_json_str(b, bf->type);
		rc |= buf_printf(b, ",\"date\":\"%s\",\"recorded\":\"%s\","
		    "\"witnessed\":", bf->date, bf->recorded);
		if (bf->witnessed[0] != '\0')
			rc |= buf_printf(b, "\"%s\"", bf->witnessed);
		else
			rc |= buf_printf(b, "null");
		rc |= buf_printf(b, ",\"delay\":%d}", bf->delay);
	}
	rc |= buf_printf(b, "]}");
	return rc;
}

int
render_json_warnings(struct buf *b, const struct report *r)
{
	struct rule_total *t;
	size_t n = render_rule_totals(r, &t);
	int rc = 0;

	rc |= buf_append(b, "{", 1);
	rc |= json_query(b, r);
	rc |= buf_printf(b, ",\n\"rules\":[");
	for (size_t i = 0; i < r->nrules; i++) {
		const struct rule *ru = &r->rules[i];

		rc |= buf_printf(b, "%s{\"id\":", i ? "," : "");
		rc |= render_json_str(b, ru->id);
		rc |= buf_printf(b, ",\"zh\":");
		rc |= render_json_str(b, ru->zh);
		rc |= buf_printf(b, ",\"days\":%d,\"due_soon\":%d,\"enabled\":%s}",
		    ru->days, ru->due_soon, ru->enabled ? "true" : "false");
	}
	rc |= buf_printf(b, "],\n\"totals\":{\"overdue\":%llu,\"due_soon\":%llu,"
	    "\"acked\":%llu},\n\"by_rule\":[", (unsigned long long)r->overdue,
	    (unsigned long long)r->due_soon, (unsigned long long)r->acked);
	for (size_t i = 0; i < n; i++) {
		rc |= buf_printf(b, "%s{\"rule\":", i ? "," : "");
		rc |= render_json_str(b, t[i].rule);
		rc |= buf_printf(b, ",\"zh\":");
		rc |= render_json_str(b, render_report_rule_zh(r, t[i].rule));
		rc |= buf_printf(b, ",\"overdue\":%llu,\"due_soon\":%llu,"
		    "\"acked\":%llu}", (unsigned long long)t[i].overdue,
		    (unsigned long long)t[i].due_soon,
		    (unsigned long long)t[i].acked);
	}
	free(t);
	rc |= buf_printf(b, "],\n\"counts\":[");
	for (size_t i = 0; i < r->nwc; i++) {
		const struct report_wcount *c = &r->wc[i];

		rc |= buf_printf(b, "%s{\"court\":", i ? ",\n " : "");
		rc |= render_json_str(b, c->court);
		rc |= buf_printf(b, ",\"name\":");
		rc |= render_json_str(b, render_court_name(&r->names, c->court));
		rc |= buf_printf(b, ",\"rule\":");
		rc |= render_json_str(b, c->rule);
		rc |= buf_printf(b, ",\"overdue\":%llu,\"due_soon\":%llu,"
		    "\"acked\":%llu}", (unsigned long long)c->overdue,
		    (unsigned long long)c->due_soon,
		    (unsigned long long)c->acked);
	}
	rc |= buf_printf(b, "],\n\"top_overdue\":[");
	for (size_t i = 0; i < r->ntop; i++) {
		rc |= buf_printf(b, "%s", i ? ",\n " : "");
		rc |= json_warning(b, r, &r->top[i]);
	}
	rc |= buf_append(b, "]", 1);
	if (r->what & REPORT_INTEGRITY)
		rc |= json_integrity(b, r);
	if (r->what & REPORT_LIST) {
		rc |= buf_printf(b, ",\n\"list\":{\"rule\":");
		rc |= render_json_str(b, r->list_rule);
		rc |= buf_printf(b, ",\"court\":");
		rc |= render_json_str(b, r->list_court);
		rc |= buf_printf(b, ",\"total\":%llu,\"offset\":%zu,"
		    "\"limit\":%zu,\"truncated\":%s,\"warnings\":[",
		    (unsigned long long)r->list_total, r->list_offset,
		    r->list_limit, r->list_offset + r->nlist < r->list_total ?
		    "true" : "false");
		for (size_t i = 0; i < r->nlist; i++) {
			rc |= buf_printf(b, "%s", i ? ",\n " : "");
			rc |= json_warning(b, r, &r->list[i]);
		}
		rc |= buf_printf(b, "]}");
	}
	rc |= buf_printf(b, "}\n");
	return rc == 0 ? 0 : -1;
}

int
render_json_report(struct buf *b, const struct report *r)
{
	int rc = 0;

	rc |= buf_printf(b, "{\"indicators\":");
	rc |= render_json_indicators(b, r);
	rc |= buf_printf(b, ",\"warnings\":");
	rc |= render_json_warnings(b, r);
	rc |= buf_printf(b, "}\n");
	return rc == 0 ? 0 : -1;
}

/* Seconds since t, or -1 for never. */
int64_t
render_since(const struct report *r, uint64_t t)
{
	if (t == 0)
		return -1;
	return r->now > t ? (int64_t)(r->now - t) : 0;
}

uint64_t
render_peer_lag(const struct peer_health *p)
{
	return p->checkpoint > p->held ? p->checkpoint - p->held : 0;
}

int
render_json_sync(struct buf *b, const struct report *r)
{
	int rc = 0;

	rc |= buf_printf(b, "{\"court\":");
	rc |= render_json_str(b, r->names.self_path != NULL ? r->names.self_path : "");
	rc |= buf_printf(b, ",\"scope\":");
	rc |= render_json_str(b, r->q.scope);
	rc |= buf_printf(b, ",\"now\":%llu,\n\"children\":[",
	    (unsigned long long)r->now);
	for (size_t i = 0; i < r->npeers; i++) {
		const struct peer_health *p = &r->peers[i];
		int64_t lag = render_since(r, p->last_ok);

		rc |= buf_printf(b, "%s{\"court\":", i ? ",\n " : "");
		rc |= render_json_str(b, p->court);
		rc |= buf_printf(b, ",\"name\":");
		rc |= render_json_str(b, render_court_name(&r->names, p->court));
		rc |= buf_printf(b, ",\"last_seen\":%llu,\"last_ok\":%llu,"
		    "\"lag_seconds\":", (unsigned long long)p->last_seen,
		    (unsigned long long)p->last_ok);
		if (lag < 0)
			rc |= buf_printf(b, "null");
		else
			rc |= buf_printf(b, "%lld", (long long)lag);
		rc |= buf_printf(b, ",\"last_error\":");
		rc |= render_json_str(b, p->last_error);
		rc |= buf_printf(b, ",\"requests\":%llu,\"entries\":%llu,"
		    "\"held\":%llu,\"checkpoint\":%llu,\"lag_entries\":%llu,"
		    "\"equivocations\":%llu}", (unsigned long long)p->requests,
		    (unsigned long long)p->entries, (unsigned long long)p->held,
		    (unsigned long long)p->checkpoint,
		    (unsigned long long)render_peer_lag(p),
		    (unsigned long long)p->equivocations);
	}
	rc |= buf_printf(b, "],\n\"parent\":{\"configured\":%s,\"last_error\":",
	    r->has_parent ? "true" : "false");
	rc |= render_json_str(b, r->push_error);
	rc |= buf_printf(b, "},\n\"logs\":[");
	for (size_t i = 0; i < r->nlogs; i++) {
		const struct report_log *l = &r->logs[i];

		rc |= buf_printf(b, "%s{\"origin\":", i ? ",\n " : "");
		rc |= render_json_str(b, l->origin);
		rc |= buf_printf(b, ",\"size\":%llu,\"checkpoint\":%llu,"
		    "\"parent_size\":%llu,\"unpushed\":%llu}",
		    (unsigned long long)l->size,
		    (unsigned long long)l->checkpoint,
		    (unsigned long long)l->parent,
		    (unsigned long long)(l->size > l->parent ?
		    l->size - l->parent : 0));
	}
	rc |= buf_printf(b, "]}\n");
	return rc == 0 ? 0 : -1;
}

/* ---- Prometheus text ---- */

/* A label value: backslash, double quote and newline escaped. */
static int
plabel(struct buf *b, const char *s)
{
	int rc = buf_append(b, "\"", 1);

	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			rc |= buf_printf(b, "\\%c", *s);
		else if (*s == '\n')
			rc |= buf_append(b, "\\n", 2);
		else
			rc |= buf_append(b, s, 1);
	}
	rc |= buf_append(b, "\"", 1);
	return rc;
}

static int
phead(struct buf *b, const char *name, const char *type, const char *help)
{
	return buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
	    type);
}

static int
pval(struct buf *b, double v)
{
	if (isnan(v))
		return buf_printf(b, " NaN\n");
	return buf_printf(b, " %.10g\n", v);
}

static int
metrics_indicators(struct buf *b, const struct report *r)
{
	int rc = 0;

	rc |= phead(b, "courtsync_indicator", "gauge", "The seven indicators"
	    " per court for the period (ratios 0..1; avg_days in days;"
	    " NaN when undefined).");
	for (size_t i = 0; i < r->ncourts; i++)
		for (size_t k = 0; k < NIND; k++) {
			double v;

			rc |= buf_printf(b, "courtsync_indicator{court=");
			rc |= plabel(b, r->ind[i].in.court);
			rc |= buf_printf(b, ",indicator=\"%s\"}", render_ind_defs[k].key);
			rc |= pval(b, render_ind_get(&r->ind[i].in, k, &v) ? v : NAN);
		}
	rc |= phead(b, "courtsync_indicator_rollup", "gauge", "The seven"
	    " indicators per level (level 1-4) and for the whole scope"
	    " (level 0), computed from summed counts.");
	for (size_t i = r->ncourts; i < r->nind; i++)
		for (size_t k = 0; k < NIND; k++) {
			double v;

			rc |= buf_printf(b, "courtsync_indicator_rollup{scope=");
			rc |= plabel(b, r->q.scope);
			rc |= buf_printf(b, ",level=\"%d\",indicator=\"%s\"}",
			    r->ind[i].level, render_ind_defs[k].key);
			rc |= pval(b, render_ind_get(&r->ind[i].in, k, &v) ? v : NAN);
		}
	rc |= phead(b, "courtsync_indicator_count", "gauge", "The counts"
	    " behind the indicators per court (money in fen).");
	for (size_t i = 0; i < r->ncourts; i++)
		for (size_t k = 0; k < NCOUNT; k++) {
			rc |= buf_printf(b, "courtsync_indicator_count{court=");
			rc |= plabel(b, r->ind[i].in.court);
			rc |= buf_printf(b, ",count=\"%s\"} %llu\n",
			    render_count_defs[k].key,
			    (unsigned long long)render_count_get(&r->ind[i].in, k));
		}
	return rc;
}

static int
metrics_warnings(struct buf *b, const struct report *r)
{
	int rc = 0;

	rc |= phead(b, "courtsync_warnings", "gauge", "Warnings as of the day,"
	    " per court, rule and state (overdue, due_soon, acked).");
	for (size_t i = 0; i < r->nwc; i++) {
		static const char *const st[] = { "overdue", "due_soon", "acked" };
		const uint64_t v[] = { r->wc[i].overdue, r->wc[i].due_soon,
		    r->wc[i].acked };

		for (int s = 0; s < 3; s++) {
			rc |= buf_printf(b, "courtsync_warnings{court=");
			rc |= plabel(b, r->wc[i].court);
			rc |= buf_printf(b, ",rule=");
			rc |= plabel(b, r->wc[i].rule);
			rc |= buf_printf(b, ",state=\"%s\"} %llu\n", st[s],
			    (unsigned long long)v[s]);
		}
	}
	rc |= phead(b, "courtsync_warnings_total", "gauge", "Warnings in the"
	    " scope, per state.");
	rc |= buf_printf(b, "courtsync_warnings_total{state=\"overdue\"} %llu\n"
	    "courtsync_warnings_total{state=\"due_soon\"} %llu\n"
	    "courtsync_warnings_total{state=\"acked\"} %llu\n",
	    (unsigned long long)r->overdue, (unsigned long long)r->due_soon,
	    (unsigned long long)r->acked);
	if (r->what & REPORT_INTEGRITY) {
		rc |= phead(b, "courtsync_numbering_issues", "gauge", "Case"
		    " numbering gaps and re-used numbers in the scope.");
		rc |= buf_printf(b, "courtsync_numbering_issues{kind=\"gap\"}"
		    " %llu\ncourtsync_numbering_issues{kind=\"reused\"} %llu\n",
		    (unsigned long long)r->num_gaps,
		    (unsigned long long)r->num_reused);
		rc |= phead(b, "courtsync_backfilled_events", "gauge", "Events"
		    " recorded long after their business date, per court.");
		for (size_t i = 0; i < r->nbc; i++) {
			rc |= buf_printf(b, "courtsync_backfilled_events{court=");
			rc |= plabel(b, r->bc[i].court);
			rc |= buf_printf(b, "} %llu\n",
			    (unsigned long long)r->bc[i].events);
		}
	}
	return rc;
}

static int
metrics_peer(struct buf *b, const char *name, const char *court, uint64_t v)
{
	int rc = buf_printf(b, "%s{court=", name);

	rc |= plabel(b, court);
	rc |= buf_printf(b, "} %llu\n", (unsigned long long)v);
	return rc;
}

static int
metrics_sync(struct buf *b, const struct report *r)
{
	static const struct {
		const char *name, *type, *help;
	} m[] = {
		{ "courtsync_sync_last_ok_seconds", "gauge", "Unix time of the"
		  " last accepted push from the child court (0 never)." },
		{ "courtsync_sync_last_seen_seconds", "gauge", "Unix time of the"
		  " last request from the child court (0 never)." },
		{ "courtsync_sync_lag_seconds", "gauge", "Seconds since the last"
		  " accepted push from the child court (absent if never)." },
		{ "courtsync_sync_lag_entries", "gauge", "Entries of the child's"
		  " latest checkpoint not yet held here." },
		{ "courtsync_sync_requests_total", "counter", "Requests from the"
		  " child court." },
		{ "courtsync_sync_entries_total", "counter", "Entries ingested"
		  " from the child court." },
		{ "courtsync_sync_held_entries", "gauge", "Entries held of the"
		  " child court's log." },
		{ "courtsync_sync_error", "gauge", "1 if the child's last request"
		  " was refused or failed." },
		{ "courtsync_equivocations", "gauge", "Equivocation alarms"
		  " (inconsistent signed checkpoints) per court." },
	};
	int rc = 0;

	for (size_t k = 0; k < sizeof(m) / sizeof(m[0]); k++) {
		rc |= phead(b, m[k].name, m[k].type, m[k].help);
		for (size_t i = 0; i < r->npeers; i++) {
			const struct peer_health *p = &r->peers[i];
			uint64_t v;

			switch (k) {
			case 0: v = p->last_ok; break;
			case 1: v = p->last_seen; break;
			case 2:
				if (p->last_ok == 0)
					continue;
				v = (uint64_t)render_since(r, p->last_ok);
				break;
			case 3: v = render_peer_lag(p); break;
			case 4: v = p->requests; break;
			case 5: v = p->entries; break;
			case 6: v = p->held; break;
			case 7: v = p->last_error[0] != '\0'; break;
			default: v = p->equivocations; break;
			}
			rc |= metrics_peer(b, m[k].name, p->court, v);
		}
	}
	rc |= phead(b, "courtsync_log_entries", "gauge", "Entries held per log.");
	for (size_t i = 0; i < r->nlogs; i++) {
		rc |= buf_printf(b, "courtsync_log_entries{origin=");
		rc |= plabel(b, r->logs[i].origin);
		rc |= buf_printf(b, "} %llu\n", (unsigned long long)r->logs[i].size);
	}
	rc |= phead(b, "courtsync_log_checkpoint_size", "gauge", "Size of the"
	    " latest checkpoint held per log.");
	for (size_t i = 0; i < r->nlogs; i++) {
		rc |= buf_printf(b, "courtsync_log_checkpoint_size{origin=");
		rc |= plabel(b, r->logs[i].origin);
		rc |= buf_printf(b, "} %llu\n",
		    (unsigned long long)r->logs[i].checkpoint);
	}
	if (r->has_parent) {
		rc |= phead(b, "courtsync_parent_lag_entries", "gauge", "Entries"
		    " of each log held here that the parent does not hold yet.");
		for (size_t i = 0; i < r->nlogs; i++) {
			const struct report_log *l = &r->logs[i];

			rc |= buf_printf(b, "courtsync_parent_lag_entries{origin=");
			rc |= plabel(b, l->origin);
			rc |= buf_printf(b, "} %llu\n", (unsigned long long)
			    (l->size > l->parent ? l->size - l->parent : 0));
		}
	}
	return rc;
}

int
render_metrics(struct buf *b, const struct report *r)
{
	int rc = 0;

	if (r->what & REPORT_INDICATORS)
		rc |= metrics_indicators(b, r);
	if (r->what & REPORT_WARNINGS)
		rc |= metrics_warnings(b, r);
	if (r->what & REPORT_SYNC)
		rc |= metrics_sync(b, r);
	return rc == 0 ? 0 : -1;
}

