"""
The fold stage (docs/VIEWS.md §8): a hub verifies, stores and witnesses
what is pushed, commits, and folds it into its views afterwards — on a
thread of its own, or, with `fold = off`, when a command reads the views.
The views are always the fold of a prefix of each log (`folds.folded`),
never an entry twice.
"""
from __future__ import annotations

import json
import sqlite3

import pytest

import synctest as st
from synctest import Deployment, Topology, wait_until

LN = "cn/gs/ln"
WUDU = "cn/gs/ln/wudu"
QUERY = ("--as-of", "2024-06-30", "--from", "2024-01-01", "--to", "2024-06-30")


@pytest.fixture(scope="module")
def net(tmp_path_factory):
    base = tmp_path_factory.mktemp("foldstage")
    topo = Topology(Deployment(base), hubs=(LN,), members=(LN, WUDU),
                    per_court={LN: {"fold": "off"}})
    try:
        topo.start(LN)              # wudu's daemon is not started: we push
        topo[WUDU].ok("import", st.generate("甘1202", 40, 3,
                                            base / "wudu.jsonl"))
        yield topo
    finally:
        topo.close()


def cases(court) -> int:
    return court.q("SELECT count(*) FROM cases WHERE log = (SELECT id FROM"
                   " logs WHERE origin = ?)", (WUDU,))[0][0]


def folds(court) -> list:
    return court.q("SELECT folded, reason FROM folds WHERE log = (SELECT id"
                   " FROM logs WHERE origin = ?)", (WUDU,))


def report(court) -> dict:
    return json.loads(court.ok("report", "--json", "--scope", WUDU,
                               *QUERY).out)


def test_fold_off_stores_and_witnesses_without_folding(net):
    ln, wudu = net[LN], net[WUDU]
    wudu.ok("push")
    n = wudu.size()
    assert ln.held(WUDU).datas() == wudu.held(WUDU).datas()
    h = st.health(ln.port)
    assert (h["entries"], h["fold_backlog"], h["fold_halted"]) == (n, n, 0), h
    assert cases(ln) == 0
    assert folds(ln) == [(0, None)]


def test_a_command_that_reads_the_views_folds_what_is_pending(net):
    ln, wudu = net[LN], net[WUDU]
    n = wudu.size()
    assert report(ln) == report(wudu)
    assert cases(ln) == cases(wudu) > 0
    assert folds(ln) == [(n, None)]
    assert st.health(ln.port)["fold_backlog"] == 0
    # the same state, entry for entry, as the court's own fold
    assert ln.ok("digest", "--origin", WUDU).out == wudu.ok("digest").out
    # a second reader folds nothing twice
    assert report(ln) == report(wudu)
    assert ln.ok("rebuild", "--check").code == 0


def test_the_daemon_folds_at_start_and_after_each_push(net):
    ln, wudu = net[LN], net[WUDU]
    wudu.ok("file", "--case", "(2024)甘1202执9001号", "--date", "2024-05-01",
            "--applicant", "甲", "--respondent", "乙", "--claimed", "800")
    wudu.ok("push")
    assert st.health(ln.port)["fold_backlog"] == 1
    ln.stop()
    ln.conf(fold="on")
    ln.start()
    wait_until(lambda: st.health(ln.port)["fold_backlog"] == 0,
               what="the fold thread to fold the backlog at start")
    assert cases(ln) == cases(wudu)
    wudu.ok("file", "--case", "(2024)甘1202执9002号", "--date", "2024-05-02",
            "--applicant", "甲", "--respondent", "乙", "--claimed", "900")
    wudu.ok("push")
    wait_until(lambda: cases(ln) == cases(wudu),
               what="the fold thread to fold the pushed case")
    assert folds(ln) == [(wudu.size(), None)]
    assert ln.ok("digest", "--origin", WUDU).out == wudu.ok("digest").out


def test_a_database_from_before_the_fold_stage(net):
    """A hub database made when pushes were folded in their own
    transaction has no `folds`: opening it makes one with every log
    folded to its size, and folds nothing again."""
    ln, wudu = net[LN], net[WUDU]
    ln.stop()
    try:
        before = ln.ok("digest", "--origin", WUDU).out
        con = sqlite3.connect(ln.db_path)
        con.execute("DROP TABLE folds")
        con.commit()
        con.close()
        assert ln.ok("digest", "--origin", WUDU).out == before
        assert folds(ln) == [(wudu.size(), None)]
        assert ln.ok("rebuild", "--check").code == 0
    finally:
        ln.start()


def test_fold_takes_on_or_off_only(net):
    """A misspelt `fold` is refused by name, on a stopped node's check and
    by every command (nothing folds or serves on a guess)."""
    ln = net[LN]
    conf = ln.home / "courtsync.conf"
    text = conf.read_text(encoding="utf-8")
    ln.stop()
    try:
        ln.conf(fold="maybe")
        for cmd in (("serve", "--check"), ("report",)):
            ln.fails(*cmd, code=3, msg='fold: "maybe" is not on or off')
    finally:
        conf.write_text(text, encoding="utf-8")
        ln.start()
