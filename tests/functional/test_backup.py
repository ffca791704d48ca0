"""
Backups that cannot fork a log (docs/OPERATIONS.md "Backup and restore"):
`backup` (online, checked), `restore` (refuses to record until caught up),
`catch-up` (fetches and verifies what the parent holds), `recover` (a node
rebuilt from its keys and its parent), against a running 陇南 hub with
文县 and 成县 below it, on loopback.

The trap this closes: a county restored from yesterday's copy that records
at once takes indexes its parent already holds with other bytes — an
equivocation, kept as evidence at every level, after which the parent
never takes the log again.
"""
from __future__ import annotations

import shutil

import pytest

import synctest as st
from synctest import (HUBS, Deployment, Topology, case_no, record_cases,
                      wait_until)

LN = "cn/gs/ln"
WEN = "cn/gs/ln/wen"
CHENG = "cn/gs/ln/cheng"
BEHIND = "has not caught up with its parent's copy of its log"


@pytest.fixture(scope="module")
def net(tmp_path_factory):
    base = tmp_path_factory.mktemp("backup")
    dep = Deployment(base)
    topo = Topology(dep, members=HUBS + (WEN, CHENG))
    topo.base = base
    try:
        topo.start(*HUBS)
        record_cases(topo[WEN], "甘1222", range(1, 3))
        topo[WEN].ok("push")
        yield topo
    finally:
        topo.close()


def equivocations(court) -> int:
    return court.q("SELECT count(*) FROM equivocations")[0][0]


def digest(court, origin) -> str:
    return court.ok("digest", "--origin", origin).out


def test_backup_is_checked_and_taken_online(net):
    ln, wen = net[LN], net[WEN]
    out = net.base / "wen-1.db"
    r = wen.ok("backup", out)
    assert f"backup {out}: 4 entries of {WEN}, checked" in r.out
    # a hub's backup while it serves
    r = ln.ok("backup", net.base / "ln.db")
    assert "checked" in r.out and ln.daemon.alive()
    wen.fails("backup", code=2, msg="FILE, please")
    wen.fails("backup", "/nonexistent-dir/x.db", code=3, msg="cannot")


def test_restore_refuses_to_record_until_caught_up(net):
    ln, wen = net[LN], net[WEN]
    backup = net.base / "wen-1.db"
    record_cases(wen, "甘1222", range(3, 4))          # entries 4, 5
    wen.ok("push")
    assert ln.held(WEN).size == 6
    r = wen.ok("restore", backup)
    assert "recording is refused until" in r.out
    assert wen.held(WEN).size == 4
    r = wen.fails("file", "--case", case_no("甘1222", 9), "--date",
                  "2024-03-01", "--applicant", "甲", "--respondent", "乙",
                  "--claimed", "1", code=1)
    assert BEHIND in r.err
    assert wen.held(WEN).size == 4                    # nothing written
    r = wen.ok("catch-up")
    assert "caught up: 2 entries fetched from the parent" in r.out
    assert wen.held(WEN).size == 6
    assert digest(wen, WEN) == digest(ln, WEN)
    # recording and pushing go on, with no equivocation anywhere
    record_cases(wen, "甘1222", range(4, 5))
    wen.ok("push")
    assert ln.held(WEN).size == 8
    for p in HUBS:
        assert equivocations(net[p]) == 0, p
    assert wen.ok("catch-up").out.strip() == "nothing to catch up"


def test_bad_copies_change_nothing(net):
    ln, wen, cheng = net[LN], net[WEN], net[CHENG]
    before = wen.snapshot()
    good = net.base / "wen-1.db"
    # another court's copy
    record_cases(cheng, "甘1221", range(1, 2))
    cheng.ok("backup", net.base / "cheng.db")
    wen.fails("restore", net.base / "cheng.db", code=3,
              msg=f"holds no log of {WEN}")
    # a damaged copy
    bad = net.base / "damaged.db"
    data = bytearray(good.read_bytes())
    for i in range(len(data) // 2, len(data) // 2 + 4096):
        data[i] ^= 0x5a
    bad.write_bytes(bytes(data))
    r = wen.fails("restore", bad, code=3)
    assert "nothing changed" in r.err
    # not a database at all; a missing file
    junk = net.base / "junk.db"
    junk.write_text("not sqlite\n")
    wen.fails("restore", junk, code=3, msg="nothing changed")
    wen.fails("restore", net.base / "missing.db", code=3,
              msg="cannot open")
    assert wen.snapshot() == before
    assert not (wen.home / "courtsync.db.restore").exists()
    # a served home cannot be restored under the server
    ln.fails("restore", net.base / "ln.db", code=3, msg="is in use")
    assert ln.daemon.alive()


def test_recover_from_keys_and_parent(net):
    ln, wen = net[LN], net[WEN]
    wen.fails("recover", code=3, msg="exists: recover builds a node")
    lost = net.base / "wen-lost"
    lost.mkdir()
    for f in ("courtsync.db", "courtsync.db-wal", "courtsync.db-shm"):
        if (wen.home / f).exists():
            shutil.move(wen.home / f, lost / f)
    r = wen.ok("recover")
    assert "caught up: 8 entries fetched" in r.out
    assert digest(wen, WEN) == digest(ln, WEN)
    cases = wen.ok("cases").out
    assert case_no("甘1222", 4) in cases
    record_cases(wen, "甘1222", range(5, 6))
    wen.ok("push")
    assert ln.held(WEN).size == 10
    assert equivocations(ln) == 0


def test_serve_catches_up_before_pushing(net):
    """A county daemon restored from a copy fetches what it lost first
    thing, then records and pushes as before."""
    cheng, ln = net[CHENG], net[LN]
    cheng.ok("push")
    copy = net.base / "cheng-0.db"
    cheng.ok("backup", copy)
    record_cases(cheng, "甘1221", range(2, 4))
    cheng.ok("push")
    size = ln.held(CHENG).size
    cheng.ok("restore", copy)
    cheng.start()
    try:
        wait_until(lambda: "caught up with the parent" in
                   cheng.daemon.log(), 30, what="cheng's catch-up",
                   detail=cheng.daemon.log)
        assert cheng.held(CHENG).size == size
        record_cases(cheng, "甘1221", range(4, 5))
        wait_until(lambda: ln.held(CHENG).size == size + 2, 30,
                   what="cheng's next push", detail=cheng.daemon.log)
    finally:
        cheng.stop()
    assert equivocations(ln) == 0


def test_offline_override_is_explicit_and_kept(net):
    """Last: it leaves 文县 ahead of a parent that may disagree."""
    wen = net[WEN]
    wen.ok("restore", net.base / "wen-1.db")
    wen.fails("catch-up", "--offline", "", code=2, msg="needs a reason")
    r = wen.ok("catch-up", "--offline", "专网中断，院领导批准")
    assert "catch-up overridden: 专网中断，院领导批准" in r.err
    (row,) = wen.q("SELECT value FROM meta WHERE key = 'catch_up_override'")
    assert "专网中断" in row[0] and "restored from" in row[0]
    wen.ok("file", "--case", case_no("甘1222", 20), "--date", "2024-04-01",
           "--applicant", "甲", "--respondent", "乙", "--claimed", "1")
