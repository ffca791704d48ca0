"""
The views (render.h over views.h): the dashboard's JSON, /metrics and
`courtsync report --json` of one node must give the same numbers, because
one query layer feeds them all.

A small city: the 陇南 hub (with its dashboard listener) and two counties
that import a synthetic half-year and push it up.  Everything is read
from the hub, whose subtree holds all three logs.
"""
from __future__ import annotations

import json
import math
import re
import ssl
import http.client
import subprocess
import urllib.parse

import pytest

import synctest
from synctest import (CHENG, GANSU, LONGNAN, SPC, WUDU, Deployment, Topology,
                      free_port)
import cstest

COURTS = [SPC, GANSU, LONGNAN, WUDU, CHENG]
HUB = "cn/gs/ln"
COUNTIES = ("cn/gs/ln/wudu", "cn/gs/ln/cheng")
NAMES = {c[0]: c[4] for c in COURTS}


class City:
    """A running hub with a dashboard, its counties' data pushed to it."""

    def __init__(self, base, cases: int = 120):
        self.dep = Deployment(base / "dep", COURTS)
        self.dport = free_port()
        self.topo = Topology(self.dep, hubs=(HUB,),
                             members=(HUB,) + COUNTIES,
                             per_court={HUB: {
                                 "dashboard": f"127.0.0.1:{self.dport}"}})
        self.hub = self.dep[HUB]
        self.topo.start(HUB)
        for i, p in enumerate(COUNTIES):
            c = self.dep[p]
            data = base / f"{synctest.home_name(p)}.jsonl"
            code = synctest.CODE[p]
            g = subprocess.run(
                ["/usr/bin/python3", str(synctest.GENERATE), "--code", code,
                 "--cases", str(cases), "--seed", str(i + 1),
                 "--to", "2024-06-30"], capture_output=True, check=True)
            data.write_bytes(g.stdout)
            c.ok("import", str(data))
            c.ok("push")
        self.topo.wait_converged(COUNTIES)
        synctest.wait_until(lambda: "dashboard of" in
                            self.hub.daemon.log(), 20,
                            what="the dashboard listener")
        # A supervisor of the whole city (names unmasked), by API token.
        self.headers = synctest.bearer(synctest.staff(self.hub))

    def close(self):
        self.topo.close()

    # -- the dashboard: TLS, the deployment's CA, no client certificate --
    def get(self, path: str, **params) -> tuple[int, str, str]:
        if params:
            path += "?" + urllib.parse.urlencode(params)
        ctx = ssl.create_default_context(cafile=str(self.hub.home / "ca.crt"))
        ctx.check_hostname = False      # the certificate names a court path
        con = http.client.HTTPSConnection("127.0.0.1", self.dport,
                                          context=ctx, timeout=30)
        try:
            con.request("GET", path, headers=self.headers)
            r = con.getresponse()
            return r.status, r.getheader("content-type", ""), \
                r.read().decode("utf-8")
        finally:
            con.close()

    def json(self, path: str, **params):
        status, ctype, body = self.get(path, **params)
        assert status == 200, f"{path}: {status} {body[:500]}"
        assert ctype.startswith("application/json"), ctype
        return json.loads(body)

    def report(self, *args):
        r = self.hub.ok("report", *args)
        return r.out


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    c = City(tmp_path_factory.mktemp("city"))
    yield c
    c.close()


METRIC = re.compile(r'^([a-z_]+)\{(.*)\} (\S+)$')
LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def parse_metrics(text: str) -> dict:
    """{(name, frozenset(labels)): value} of the Prometheus text."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = METRIC.match(line)
        assert m, f"not a metric line: {line!r}"
        labels = frozenset(LABEL.findall(m.group(2)))
        out[(m.group(1), labels)] = float(m.group(3))
    return out


def same(a, b) -> bool:
    """A JSON number (None = undefined) and a metric value (NaN)."""
    if a is None:
        return math.isnan(b)
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def test_report_json_is_the_api(city):
    """`report --json` is /api/indicators + /api/warnings, byte for byte
    the same numbers, for the default query and an explicit one."""
    for params in ({}, {"as_of": "2024-06-30", "from": "2024-01-01",
                        "to": "2024-06-30", "types": "执"}):
        args = []
        for k, v in params.items():
            args += ["--" + k.replace("_", "-"), v]
        rep = json.loads(city.report("--json", *args))
        assert rep["indicators"] == city.json("/api/indicators", **params)
        assert rep["warnings"] == city.json("/api/warnings", **params)
    ind = rep["indicators"]
    assert {c["court"] for c in ind["courts"]} >= set(COUNTIES)
    assert ind["total"]["court"] == HUB
    # roll-ups add counts: the total's received is the courts' sum
    for k in ("old_open", "received", "closed", "open_end"):
        assert ind["total"][k] == sum(c[k] for c in ind["courts"]), k
    assert ind["total"]["received"] > 0
    w = rep["warnings"]
    assert w["totals"]["overdue"] == sum(c["overdue"] for c in w["counts"])
    assert w["totals"]["overdue"] > 0


def test_metrics_agree_with_json(city):
    params = {"as_of": "2024-06-30", "from": "2024-01-01", "to": "2024-06-30"}
    status, ctype, text = city.get("/metrics", **params)
    assert status == 200 and ctype.startswith("text/plain; version=0.0.4")
    m = parse_metrics(text)
    ind = city.json("/api/indicators", **params)
    for c in ind["courts"]:
        for k in ("closure_rate", "completion_rate", "recovery_rate",
                  "within_limit_rate", "first_zhongben_rate",
                  "over_12m_ratio", "avg_days"):
            v = m[("courtsync_indicator",
                   frozenset({("court", c["court"]), ("indicator", k)}))]
            assert same(c[k], v), (c["court"], k, c[k], v)
        for k in ("received", "closed", "claimed", "recovered"):
            v = m[("courtsync_indicator_count",
                   frozenset({("court", c["court"]), ("count", k)}))]
            assert v == c[k]
    t = ind["total"]
    v = m[("courtsync_indicator_rollup", frozenset(
        {("scope", HUB), ("level", "0"), ("indicator", "closure_rate")}))]
    assert same(t["closure_rate"], v)
    w = city.json("/api/warnings", **params)
    for c in w["counts"]:
        for st in ("overdue", "due_soon", "acked"):
            v = m[("courtsync_warnings", frozenset(
                {("court", c["court"]), ("rule", c["rule"]), ("state", st)}))]
            assert v == c[st]
    assert m[("courtsync_warnings_total", frozenset(
        {("state", "overdue")}))] == w["totals"]["overdue"]
    # logs held and sync health, against the hub's own database
    for origin in (HUB,) + COUNTIES:
        size = city.hub.held(origin).size
        assert m[("courtsync_log_entries",
                  frozenset({("origin", origin)}))] == size
    sync = city.json("/api/sync")
    kids = {k["court"]: k for k in sync["children"]}
    for p in COUNTIES:
        assert kids[p]["last_ok"] > 0 and kids[p]["last_error"] == ""
        assert m[("courtsync_sync_last_ok_seconds",
                  frozenset({("court", p)}))] == kids[p]["last_ok"]
        assert kids[p]["held"] == city.hub.held(p).size
        assert m[("courtsync_sync_entries_total",
                  frozenset({("court", p)}))] == kids[p]["entries"]


def test_report_text_shows_the_same_numbers(city):
    args = ["--from", "2024-01-01", "--to", "2024-06-30", "--as-of",
            "2024-06-30"]
    text = city.report(*args)
    ind = json.loads(city.report("--json", *args))["indicators"]
    for p in COUNTIES:
        assert NAMES[p] in text
    for word in ("结案率", "执行完毕率", "执行到位率", "审限内结案率",
                 "首执案件终本率", "超12个月未结案件比", "平均结案时间",
                 "预警", "超期", "临期", "补录"):
        assert word in text, word
    t = ind["total"]
    line = next(l for l in text.splitlines() if l.startswith("总计"))
    assert f"{t['closure_rate'] * 100:.2f}%" in line, line
    assert str(t["received"]) in line.split()


def test_warning_lists_behind_the_counts(city):
    w = city.json("/api/warnings", as_of="2024-06-30")
    c = max(w["counts"], key=lambda c: c["overdue"] + c["due_soon"])
    lst = city.json("/api/warnings", as_of="2024-06-30", rule=c["rule"],
                    court=c["court"])["list"]
    assert lst["total"] == c["overdue"] + c["due_soon"]
    assert len(lst["warnings"]) == lst["total"]
    assert {x["rule"] for x in lst["warnings"]} == {c["rule"]}
    assert sum(x["state"] == "overdue" for x in lst["warnings"]) == \
        c["overdue"]


def test_case_timeline_json(city):
    origin = "cn/gs/ln/wudu"
    rows = city.hub.q("SELECT c.case_no, c.nevents FROM cases c JOIN logs l"
                      " ON l.id = c.log WHERE l.origin = ? ORDER BY"
                      " c.nevents DESC LIMIT 1", (origin,))
    cno, n = rows[0]
    t = city.json("/api/case", origin=origin, case=cno)
    assert t["case"] == cno and t["origin"] == origin
    assert t["witness_policy"] == "parent"
    idx = [e["index"] for e in t["events"]]
    assert idx == sorted(idx) and len(idx) >= n
    held = city.hub.held(origin)
    for e in t["events"]:
        # the smallest checkpoint the hub holds that covers the entry
        covering = min(s for s in held.checkpoints if s > e["index"])
        assert e["checkpoint"] == covering
        assert 4 in e["levels"] and 3 in e["levels"], e
        assert e["witnesses"][0]["court"] == HUB
        assert e["witnessed"] is True, e       # the parent cosigned it
        assert e["backfilled"] == (e["delay"] >= t["backfill_days"])


def test_bad_queries_are_refused(city):
    for path, params in (("/api/indicators", {"as_of": "2024-13-01"}),
                         ("/api/indicators", {"scope": "cn/xj"}),
                         ("/api/indicators", {"from": "2024-06-01",
                                              "to": "2024-01-01"}),
                         ("/api/warnings", {"types": "民"}),
                         ("/api/case", {"case": "not a case"})):
        status, ctype, body = city.get(path, **params)
        assert status in (400, 404), (path, params, status)
        assert json.loads(body)["error"] in ("bad_request", "not_found")
    status, ctype, body = city.get("/case", origin="cn/gs/ln/wudu",
                                   case="(2024)甘1202执99999号")
    assert status == 404 and "<html" in body
    r = city.hub.run("report", "--scope", "cn/xj")
    assert r.code == 2 and "scope" in r.err


def test_case_proof_download_verifies_offline(city, tmp_path):
    origin = "cn/gs/ln/wudu"
    cno = city.hub.q("SELECT c.case_no FROM cases c JOIN logs l ON l.id ="
                     " c.log WHERE l.origin = ? LIMIT 1", (origin,))[0][0]
    page = city.get("/case", origin=origin, case=cno)[2]
    assert "/proof?origin=" in page and "下载本案证明文件" in page
    status, ctype, body = city.get("/proof", origin=origin, case=cno)
    assert status == 200 and ctype.startswith("text/plain")
    assert body.startswith("courtsync-case-proof/v1\n")
    f = tmp_path / "case.proof"
    f.write_text(body, encoding="utf-8")
    home = city.hub.home
    r = city.hub.run("audit", "--proof", str(f), "--ca", str(home / "ca.crt"),
                     "--registry", str(home / "registry.tsv"))
    assert r.code == 0, r.err
    # an unknown case: a clear refusal, not an empty file
    status, _, body = city.get("/proof", origin=origin, case="(2024)甘1202执999999号")
    assert status == 404 and "has no entries" in body


def test_warning_pages_over_http(city):
    """/api/warnings pages: most urgent first, consecutive pages join into
    the whole list, the same as `report --json` pages; the dashboard's list
    never holds more than a page; bad offset or limit is a 400 naming it."""
    q = {"as_of": "2024-06-30"}
    first = city.json("/api/warnings", offset=0, limit=7, **q)["list"]
    assert first["offset"] == 0 and first["limit"] == 7
    total = first["total"]
    assert total > 14, first
    pages = []
    for off in range(0, 21, 7):
        pages += city.json("/api/warnings", offset=off, limit=7,
                           **q)["list"]["warnings"]
    whole = city.json("/api/warnings", offset=0, limit=21, **q)["list"]
    assert pages == whole["warnings"]
    # most urgent first: overdue before due soon, most days late first
    keys = [(w["state"] != "overdue", -w["days"] if w["state"] == "overdue"
             else w["days"]) for w in whole["warnings"]]
    assert keys == sorted(keys), keys
    rep = json.loads(city.report("--json", "--as-of", "2024-06-30",
                                 "--offset", "0", "--limit", "21"))
    assert rep["warnings"]["list"]["warnings"] == whole["warnings"]
    # one rule, one court's subtree
    pay = city.json("/api/warnings", rule="payout", limit=1000, **q)["list"]
    assert all(w["rule"] == "payout" for w in pay["warnings"])
    assert len(pay["warnings"]) == min(pay["total"], 1000)
    sub = city.json("/api/warnings", court=COUNTIES[0], limit=5, **q)["list"]
    assert all(w["court"] == COUNTIES[0] for w in sub["warnings"])
    # the dashboard page: one page of 100 at most, with a link to the next
    status, _, html = city.get("/warnings", **q)
    assert status == 200
    listed = html[html.index('<section id="list">'):]
    listed = listed[:listed.index("</section>")]
    assert listed.count("<tr><td") == min(total, 100), listed[:300]
    if total > 100:
        assert "下一页" in listed
    for bad in ({"limit": "0"}, {"limit": "1001"}, {"offset": "x"},
                {"offset": "-1"}):
        status, _, body = city.get("/api/warnings", **bad, **q)
        assert status == 400 and list(bad)[0] in body, (bad, status, body)


def test_report_page_flags_refused(city):
    for args, msg in ((("--limit", "0"), "--limit"),
                      (("--limit", "1001"), "--limit"),
                      (("--offset", "-3"), "--offset"),
                      (("--court", "cn/gs/xx"), "--court"),
                      (("--court", "not a path"), "--court")):
        r = city.hub.run("report", *args)
        assert r.code == cstest.EXIT_USAGE and msg in r.err, (args, r.err)
