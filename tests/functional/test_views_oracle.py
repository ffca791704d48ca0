"""
The maintained view state equals the oracle (docs/VIEWS.md §7): on
randomized logs — every case type, 非诉 cases, late (back-filled) events,
suspensions open and ended, extensions, payouts, every closure mode,
periodic searches after 终本, acknowledgments, corrections that void and
replace entries, a voided filing filed again — `courtsync report --json`
(counters, the open-obligations index, the back-fill counters) prints byte
for byte what `report --json --recompute` (every case and event read
again) prints, for many as-of days (edge days: month ends, 02-29, deadline
days) and periods, 口径 and scopes; again after a 审限 rule is changed in
courtsync.conf, and after `rebuild`.
"""
from __future__ import annotations

import datetime as dt
import json
import random

import pytest

import cstest
from cstest import Node

CODE = "甘1202"
DAY0 = dt.date(2023, 1, 2)


def day(d: dt.date) -> str:
    return d.isoformat()


def unix(d: dt.date) -> int:
    """Noon CST on day d."""
    return int(dt.datetime(d.year, d.month, d.day, 4, 0,
                           tzinfo=dt.timezone.utc).timestamp())


def case_events(rng: random.Random, seq: int, ctype: str) -> list[dict]:
    """One case's events in date order, valid for the fold."""
    filed = DAY0 + dt.timedelta(days=rng.randrange(0, 600))
    cno = f"({filed.year}){CODE}{ctype}{seq}号"
    ev = [{"type": "file", "case": cno, "date": day(filed),
           "applicant": "甲公司", "respondent": "乙某",
           "claimed": f"{rng.randrange(1, 500000)}.{rng.randrange(100):02d}"}]
    if ctype == "执恢":
        ev[0]["original"] = f"(2022){CODE}执{seq}号"
    if rng.random() < 0.15:
        ev[0]["nonlitigation"] = True
    t = filed
    susp = False
    held = 0

    def step(lo: int, hi: int) -> dt.date:
        nonlocal t
        t = t + dt.timedelta(days=rng.randrange(lo, hi))
        return t

    if rng.random() < 0.9:
        ev.append({"type": "assign", "case": cno, "date": day(step(0, 12)),
                   "handler": f"法官{rng.randrange(5)}"})
    for node in ("online_search", "notice", "report_order",
                 "consumption_restriction", "investigation_done",
                 "debtor_search"):
        if rng.random() < 0.8:
            ev.append({"type": "node", "case": cno, "node": node,
                       "date": day(step(0, 15))})
    if rng.random() < 0.4:
        d = step(0, 40)
        ev.append({"type": "node", "case": cno, "node": "seizure",
                   "date": day(d), "asset": "real_estate",
                   "expires": day(d + dt.timedelta(days=rng.randrange(20, 900)))})
        if rng.random() < 0.6:
            ev.append({"type": "node", "case": cno, "node": "valuation",
                       "date": day(step(0, 60))})
    for _ in range(rng.randrange(0, 4)):
        a = rng.randrange(1, 9000)
        ev.append({"type": "funds-in", "case": cno, "date": day(step(0, 30)),
                   "amount": f"{a}.00"})
        held += a
        if rng.random() < 0.7:
            p = rng.randrange(1, held + 1)
            ev.append({"type": "funds-out", "case": cno, "payee": "甲公司",
                       "date": day(step(0, 50)), "amount": f"{p}.00"})
            held -= p
    if rng.random() < 0.2:
        ev.append({"type": "extend", "case": cno, "date": day(step(0, 60)),
                   "months": rng.randrange(1, 4), "approver": "院长"})
    if rng.random() < 0.25:
        ev.append({"type": "suspend", "case": cno, "date": day(step(0, 60)),
                   "reason": "中止"})
        susp = True
        if rng.random() < 0.6:
            ev.append({"type": "resume", "case": cno,
                       "date": day(step(0, 90))})
            susp = False
    if rng.random() < 0.3:
        ev.append({"type": "ack", "case": cno, "date": day(step(0, 30)),
                   "rule": rng.choice(["notice", "time_limit", "payout",
                                       "investigation", "periodic_search"]),
                   "supervisor": "王庭长", "note": "已督促"})
    if rng.random() < 0.65 and not (susp and rng.random() < 0.5):
        mode = rng.choice(["completed", "completed", "terminated_round",
                           "terminated_round", "withdrawn", "terminated",
                           "not_enforced"])
        ev.append({"type": "close", "case": cno, "date": day(step(1, 200)),
                   "mode": mode, "recovered": f"{rng.randrange(0, 9000)}.00"})
        if mode == "terminated_round":
            for _ in range(rng.randrange(0, 3)):
                ev.append({"type": "node", "case": cno,
                           "node": "periodic_search",
                           "date": day(step(60, 240))})
    return ev


def build(node: Node, rng: random.Random, ncases: int) -> None:
    events = []
    for seq in range(1, ncases + 1):
        ctype = rng.choice(["执", "执", "执", "执恢", "执保"])
        events += case_events(rng, seq, ctype)
    events.sort(key=lambda e: e["date"])
    # Recorded in three imports, each at its own day: events dated well
    # before their import are back-filled.
    cuts = [dt.date(2023, 9, 30), dt.date(2024, 6, 30), dt.date(2025, 3, 1)]
    lo = ""
    for i, cut in enumerate(cuts):
        batch = [e for e in events if lo < e["date"] <= day(cut)]
        lo = day(cut)
        path = node.home.parent / f"import{i}.jsonl"
        path.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n"
                                for e in batch))
        node.ok("import", str(path), env={"COURTSYNC_TIME": str(unix(cut))})


def corrections(node: Node, rng: random.Random) -> None:
    t = {"COURTSYNC_TIME": str(unix(dt.date(2025, 3, 2)))}
    entries = node.entries()
    nodes = [e for e in entries if e.get("type") == "node_done"]
    funds = [e for e in entries if e.get("type") == "funds_received"]
    for e in rng.sample(nodes, 6):          # void a node
        node.ok("correct", "--corrects", str(e["index"]), "--reason", "误录",
                "--void", env=t)
    for e in rng.sample(nodes, 6):          # move a node to another day
        b = e.get("body", e)
        node.run("correct", "--corrects", str(e["index"]), "--reason", "日期有误",
                 "--", "node", "--case", b["case"], "--date", b["date"],
                 "--node", "notice", env=t)
    for e in rng.sample(funds, 3):          # void an arrival (if still possible)
        node.run("correct", "--corrects", str(e["index"]), "--reason", "退回",
                 "--void", env=t)
    # A number filed, voided, filed again: a re-used number; a number
    # never filed below the highest: a gap.
    cno = f"(2025){CODE}执7号"
    node.ok("file", "--case", cno, "--date", "2025-03-01", "--applicant", "丙",
            "--respondent", "丁", "--claimed", "10", env=t)
    idx = node.size() - 1
    node.ok("correct", "--corrects", str(idx), "--reason", "重复立案", "--void",
            env=t)
    node.ok("file", "--case", cno, "--date", "2025-03-02", "--applicant", "丙",
            "--respondent", "丁", "--claimed", "20",
            env={"COURTSYNC_TIME": str(unix(dt.date(2025, 3, 3)))})


QUERIES = [
    (),
    ("--as-of", "2023-06-30"),
    ("--as-of", "2024-02-29"),
    ("--as-of", "2024-03-31"),
    ("--as-of", "2024-06-30"),
    ("--as-of", "2024-12-31"),
    ("--as-of", "2025-03-03"),
    ("--as-of", "2026-01-01"),
    ("--as-of", "2024-06-30", "--from", "2023-01-01", "--to", "2024-12-31"),
    ("--as-of", "2024-08-31", "--from", "2024-02-29", "--to", "2024-08-31"),
    ("--as-of", "2025-01-01", "--from", "2023-07-01", "--to", "2023-07-01"),
    ("--as-of", "2024-06-30", "--types", "执"),
    ("--as-of", "2024-06-30", "--types", "执,执恢,执保"),
    ("--as-of", "2025-03-03", "--types", "执保"),
]


PAGES = [
    ("--limit", "7"),
    ("--offset", "5", "--limit", "11"),
    ("--offset", "40", "--limit", "1000"),
    ("--rule", "payout", "--limit", "50"),
    ("--rule", "time_limit", "--offset", "2", "--limit", "3"),
    ("--rule", "periodic_search", "--limit", "30"),
    ("--rule", "zhongben_conditions", "--limit", "30"),
    ("--rule", "no_such_rule",),
]


def same_as_oracle(node: Node, extra=()) -> int:
    """Every query and every page: the maintained report is the oracle's,
    byte for byte.  Returns how many warnings the pages listed."""
    n = 0
    for q in QUERIES:
        for page in ((),) + tuple(PAGES if q and "--types" not in q else ()):
            a = node.ok("report", "--json", *q, *page, *extra).out
            b = node.ok("report", "--json", "--recompute", *q, *page,
                        *extra).out
            assert a == b, f"maintained != oracle for {q} {page}"
            w = json.loads(a)["warnings"]
            n += len(w["top_overdue"]) + len(w.get("list", {}).get("warnings", []))
    return n


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_maintained_views_equal_the_oracle(tmp_path, seed):
    rng = random.Random(seed)
    node = Node(tmp_path / "wudu", time=unix(dt.date(2025, 3, 3)))
    node.init()
    build(node, rng, 140)
    corrections(node, rng)
    rep = json.loads(node.ok("report", "--json", "--as-of", "2024-06-30").out)
    # the data exercises what it claims to
    assert rep["warnings"]["totals"]["overdue"] > 0, rep["warnings"]["totals"]
    total = rep["indicators"]["total"]
    assert total["received"] > 0 and total["closed"] > 0, total
    assert same_as_oracle(node) > 0
    # After a 审限 rule change (applied when the node opens): the within-limit
    # counters are recomputed.
    with open(node.home / "courtsync.conf", "a") as f:
        f.write("rule.time_limit.days = 4\nrule.time_limit_nonlit.days = 2\n"
                "rule.notice.days = 5\n")
    same_as_oracle(node)
    # rebuild reproduces the maintained state from the log
    node.ok("rebuild")
    same_as_oracle(node)


def test_rule_change_moves_within_limit(tmp_path):
    """The counters follow a 审限 change: a case closed after 4 but within 6
    months counts as within the limit, then not."""
    node = Node(tmp_path / "wudu", time=unix(dt.date(2024, 12, 31)))
    node.init()
    cno = cstest.cno(1)
    node.file(cno, date="2024-01-10")
    node.ok("close", "--case", cno, "--date", "2024-06-01", "--mode",
            "completed", "--recovered", "1")

    def within():
        r = json.loads(node.ok("report", "--json", "--as-of",
                               "2024-06-30").out)
        rows = [x for x in r["indicators"]["courts"] if x["court"] == WUDU]
        return rows[0]["within_limit"]

    assert within() == 1
    with open(node.home / "courtsync.conf", "a") as f:
        f.write("rule.time_limit.days = 4\n")
    assert within() == 0
    same_as_oracle(node)


WUDU = cstest.WUDU["path"]


def ind_total(node: Node, *q) -> dict:
    return json.loads(node.ok("report", "--json", *q).out)["indicators"]["total"]


def test_hand_computed_edge_days(tmp_path):
    """Edge days computed by hand (docs/VIEWS.md §0, §2): 12 months with
    the day clamped at 02-29, closing on the 审限's last day (within) and
    the day after (not), suspended days moving the limit."""
    node = Node(tmp_path / "wudu", time=unix(dt.date(2025, 12, 31)))
    node.init()
    for seq, filed in enumerate(["2023-06-29", "2023-06-30", "2024-02-28",
                                 "2024-02-29", "2024-03-01"], 1):
        node.file(cstest.cno(seq, year=int(filed[:4])), date=filed)
    # F + 12 months < to: 2023-06-29 only, as of 2024-06-30
    assert ind_total(node, "--as-of", "2024-06-30")["open_12m"] == 1
    # 2024-02-29 + 12 months = 2025-02-28 (clamped): not before 02-28 …
    assert ind_total(node, "--as-of", "2025-02-28", "--from", "2025-01-01",
                     "--to", "2025-02-28")["open_12m"] == 2
    # … but before 03-01, like 2024-02-28; 2024-03-01 + 12 months is not
    t = ind_total(node, "--as-of", "2025-03-01", "--from", "2025-01-01",
                  "--to", "2025-03-01")
    assert (t["open_12m"], t["open_end"], t["old_open"]) == (4, 5, 5), t
    # 审限 6 months: 2024-03-01 + 6 months = 2024-09-01; suspended 10 days
    # moves it to 09-11.  Closing on 09-11 is within, 09-12 is not.
    a, b = cstest.cno(10), cstest.cno(11)
    for c in (a, b):
        node.file(c, date="2024-03-01")
        node.ok("suspend", "--case", c, "--date", "2024-04-01", "--reason", "x")
        node.ok("resume", "--case", c, "--date", "2024-04-11")
    node.ok("close", "--case", a, "--date", "2024-09-11", "--mode",
            "completed", "--recovered", "1")
    node.ok("close", "--case", b, "--date", "2024-09-12", "--mode",
            "terminated_round", "--recovered", "0")
    t = ind_total(node, "--as-of", "2024-12-31")
    assert (t["closed"], t["within_limit"], t["completed"],
            t["first_closed"], t["first_zhongben"]) == (2, 1, 1, 2, 1), t
    assert t["days"] == (194 + 195), t
    same_as_oracle(node)


def test_a_version_1_database_is_migrated(tmp_path):
    """A database from before the view state (schema 1: derived tables
    only) gets the counters, indexes, triggers and warning windows the first
    time a node opens it, in one transaction; then the maintained views equal
    the oracle and rebuild --check finds the state identical."""
    import sqlite3
    rng = random.Random(7)
    node = Node(tmp_path / "wudu", time=unix(dt.date(2025, 3, 3)))
    node.init()
    build(node, rng, 60)
    before = node.ok("report", "--json", "--recompute").out
    db = node.home / "courtsync.db"
    con = sqlite3.connect(db)
    objs = con.execute("SELECT type, name FROM sqlite_master WHERE"
                       " name LIKE 'vc_%' OR name LIKE 'vw%' OR name IN"
                       " ('cases_watch', 'cases_numbers', 'ledger_case',"
                       " 'acks_case', 'events_refiled')").fetchall()
    assert objs, "the view state is missing before the downgrade"
    for typ, name in objs:
        if typ in ("trigger", "index"):
            con.execute(f"DROP {typ.upper()} IF EXISTS {name}")
    for typ, name in objs:
        if typ == "table":
            con.execute(f"DROP TABLE {name}")
    con.execute("DELETE FROM meta WHERE key = 'vw_valid'")
    con.execute("UPDATE meta SET value = '1' WHERE key = 'schema'")
    con.commit()
    con.execute("PRAGMA user_version = 0")    # as version 1 made them
    con.close()
    after = node.ok("report", "--json").out          # migrates, then reads
    assert after == before
    con = sqlite3.connect(db)
    (schema,), = con.execute(
        "SELECT value FROM meta WHERE key = 'schema'").fetchall()
    assert int(schema) == 7
    assert con.execute("PRAGMA user_version").fetchone()[0] == 7
    con.close()
    same_as_oracle(node)
    node.rebuild_check()


def test_schema_versions_in_user_version(tmp_path):
    """A new database says its version in PRAGMA user_version; one from a
    newer courtsync is refused by name and left as it was."""
    import sqlite3
    node = Node(tmp_path / "wudu")
    node.init()
    db = node.home / "courtsync.db"
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA user_version").fetchone()[0] == 7
    con.execute("PRAGMA user_version = 8")
    con.commit()
    con.close()
    r = node.fails("cases", code=3)
    assert "schema version 8, newer than this courtsync's (7)" in r.err
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA user_version").fetchone()[0] == 8
    con.execute("PRAGMA user_version = 7")
    con.commit()
    con.close()


COUNTERS = ("vc_filed", "vc_closed", "vc_open", "vc_numbers")


def counters(con) -> dict:
    return {t: con.execute(f"SELECT * FROM {t} ORDER BY 1, 2, 3, 4")
            .fetchall() for t in COUNTERS}


def test_counters_equal_the_triggers(tmp_path):
    """courtsync keeps the counters in C, summed per transaction
    (node/store_counts.c); the triggers on `cases` keep them for any other
    writer.  Both count the same: deleting every case row through a plain
    SQLite connection (the triggers subtract) leaves no counter, and
    inserting the rows again (the triggers add) gives the counters courtsync
    wrote — after corrections, and after a 审限 rule change."""
    import sqlite3
    rng = random.Random(11)
    node = Node(tmp_path / "wudu", time=unix(dt.date(2025, 3, 3)))
    node.init()
    build(node, rng, 80)
    corrections(node, rng)
    for conf in ("", "rule.time_limit.days = 4\n"
                     "rule.time_limit_nonlit.days = 2\n"):
        if conf:
            with open(node.home / "courtsync.conf", "a") as f:
                f.write(conf)
            node.ok("report", "--json")     # the node applies the rules
        con = sqlite3.connect(node.home / "courtsync.db")
        kept = counters(con)
        assert all(kept.values()), kept
        con.execute("CREATE TEMP TABLE c AS SELECT * FROM cases")
        con.execute("DELETE FROM cases")
        assert not any(counters(con).values()), counters(con)
        con.execute("INSERT INTO cases SELECT * FROM temp.c")
        assert counters(con) == kept
        con.rollback()
        con.close()
    node.rebuild_check()
