"""
Four-level visibility: after sync, a county, its hub (陇南), the province
(甘肃) and the SPC compute the same warnings and the same indicators for
that county's cases, and 陇南, 甘肃 and the SPC the same for the whole city
— from the same logs, by the same fold and the same rules
(docs/VIEWS.md: "the same log and the same as-of date give the same
warnings at every level").
"""
from __future__ import annotations

import json

import pytest

import synctest as st
from synctest import COUNTIES, HUBS, Deployment, Topology, wait_until

LN = "cn/gs/ln"
QUERY = ("--as-of", "2024-06-30", "--from", "2024-01-01", "--to", "2024-06-30")


@pytest.fixture(scope="module")
def net(tmp_path_factory):
    base = tmp_path_factory.mktemp("levels")
    topo = Topology(Deployment(base))
    try:
        topo.start(*HUBS, *COUNTIES)
        wudu, cheng, wen = (topo[p] for p in COUNTIES)
        wudu.ok("import", st.generate("甘1202", 80, 7, base / "wudu.jsonl"))
        cheng.ok("import", st.generate("甘1221", 40, 8, base / "cheng.jsonl"))
        wen.ok("import", st.generate("甘1222", 25, 9, base / "wen.jsonl"))
        # a case whose notice is late, and a supervisor's acknowledgment
        wudu.ok("file", "--case", "(2024)甘1202执5001号", "--date", "2024-03-01",
                "--applicant", "甲", "--respondent", "乙", "--claimed", "500")
        wudu.ok("ack", "--case", "(2024)甘1202执5001号", "--date", "2024-03-20",
                "--rule", "notice", "--supervisor", "王庭长", "--note", "已督促")
        topo.wait_converged(COUNTIES, timeout=90)
        yield topo
    finally:
        topo.close()


def report(court, scope):
    r = court.ok("report", "--json", "--scope", scope, *QUERY)
    return json.loads(r.out)


def test_a_county_is_seen_alike_at_every_level(net):
    for county in COUNTIES:
        views = {lvl: report(net[lvl], county) for lvl in (county,) + HUBS}
        base = views[county]
        assert base["indicators"], county
        for lvl, v in views.items():
            assert v["indicators"] == base["indicators"], (county, lvl)
            assert v["warnings"] == base["warnings"], (county, lvl)


def test_the_city_is_seen_alike_by_three_levels(net):
    views = {lvl: report(net[lvl], LN) for lvl in HUBS}
    first = views[LN]
    for lvl, v in views.items():
        assert v == first, lvl


def test_the_late_notice_is_warned_and_acknowledged_everywhere(net):
    for lvl in ("cn/gs/ln/wudu",) + HUBS:
        text = json.dumps(report(net[lvl], "cn/gs/ln/wudu"), ensure_ascii=False)
        assert "(2024)甘1202执5001号" in text, lvl
        assert "王庭长" in text, lvl


def test_maintained_views_equal_the_oracle_at_every_level(net):
    """docs/VIEWS.md §7: the counters and indexes a hub maintains while it
    ingests give what a full recomputation gives, at every level and for
    every scope it holds, for other days and periods too."""
    queries = [QUERY, ("--as-of", "2024-03-31"),
               ("--as-of", "2025-01-15", "--from", "2024-04-01",
                "--to", "2024-12-31", "--types", "执,执恢,执保")]
    for lvl in COUNTIES[:1] + HUBS:
        for scope in {lvl, LN} if court_covers(lvl, LN) else {lvl}:
            for q in queries:
                a = net[lvl].ok("report", "--json", "--scope", scope, *q).out
                b = net[lvl].ok("report", "--json", "--recompute", "--scope",
                                scope, *q).out
                assert a == b, (lvl, scope, q)


def court_covers(court: str, path: str) -> bool:
    return path == court or path.startswith(court + "/")
