"""rebuild: the derived tables are exactly the fold of the log; a
corrupted table is found by --check (which changes nothing) and repaired
by rebuild."""
import re
import shutil
import sqlite3
import subprocess

import pytest

from cstest import EXIT_REFUSED, cno

SQLITE3 = shutil.which("sqlite3", path="/usr/bin:/bin")


def populate(node):
    for i in (1, 2, 3):
        node.file(cno(i), date="2024-03-01", claimed="1000")
    node.ok("assign", "--case", cno(1), "--date", "2024-03-02", "--handler", "王")
    node.ok("funds-in", "--case", cno(1), "--date", "2024-03-03", "--amount", "500")
    node.ok("funds-out", "--case", cno(1), "--date", "2024-03-04", "--amount",
            "200", "--payee", "甲")
    node.ok("node", "--case", cno(2), "--date", "2024-03-04", "--node", "seizure",
            "--asset", "real_estate", "--expires", "2027-03-04")
    node.ok("suspend", "--case", cno(2), "--date", "2024-03-05", "--reason", "r")
    node.ok("resume", "--case", cno(2), "--date", "2024-03-09")
    node.ok("ack", "--case", cno(3), "--date", "2024-03-05", "--rule", "r",
            "--supervisor", "s", "--note", "n")
    node.ok("close", "--case", cno(3), "--date", "2024-03-06", "--mode", "终本",
            "--recovered", "0")
    node.ok("correct", "--reason", "x", "--corrects", "3", "--", "assign",
            "--case", cno(1), "--date", "2024-03-02", "--handler", "李")


def sql(node, statement):
    db = node.home / "courtsync.db"
    if SQLITE3:
        subprocess.run([SQLITE3, db, statement], check=True, timeout=30)
    else:                                    # pragma: no cover
        with sqlite3.connect(db) as c:
            c.execute(statement)


def digests(r):
    before = re.search(r"^state before ([0-9a-f]{64})$", r.out, re.M)
    after = re.search(r"^state after  ([0-9a-f]{64})$", r.out, re.M)
    assert before and after, r.describe()
    return before.group(1), after.group(1)


def test_rebuild_identical(node):
    populate(node)
    snap = node.snapshot()
    r = node.ok("rebuild")
    b, a = digests(r)
    assert b == a
    assert "identical: the tables are exactly the fold of the log (12" \
        " entries)" in r.out
    r2 = node.ok("rebuild", "--check")
    assert digests(r2) == (b, a)
    assert node.snapshot() == snap


def test_rebuild_empty_node(node):
    r = node.ok("rebuild", "--check")
    assert "identical" in r.out and "(0 entries)" in r.out


CORRUPTIONS = [
    "UPDATE cases SET arrived = 1",
    "UPDATE cases SET handler = '假' WHERE case_no = '(2024)甘1202执1号'",
    "DELETE FROM cases WHERE case_no = '(2024)甘1202执2号'",
    "INSERT INTO cases(log, case_no, year, type, seq, filed) "
    "SELECT log, '(2024)甘1202执99号', 2024, '执', 99, '2024-01-01' FROM cases LIMIT 1",
    "DELETE FROM ledger",
    "UPDATE case_nodes SET expires = '2099-01-01'",
    "DELETE FROM suspensions",
    "UPDATE acks SET supervisor = 'nobody'",
    "UPDATE events SET corrected_by = NULL",
    # the view state (docs/VIEWS.md §7): counters and warning windows
    "UPDATE vc_filed SET n = n + 1",
    "UPDATE vc_closed SET within = within + 1",
    "DELETE FROM vc_open",
    "UPDATE vc_numbers SET maxseq = maxseq + 1",
    "DELETE FROM vw WHERE rule = 1",
    "UPDATE vw SET ack = 0",
]


@pytest.mark.parametrize("corruption", CORRUPTIONS)
def test_check_finds_and_rebuild_repairs(node, corruption):
    populate(node)
    good = node.snapshot()
    healthy = digests(node.ok("rebuild", "--check"))[0]
    sql(node, corruption)
    corrupted = node.snapshot()
    # the log itself is untouched by the corruption
    assert corrupted.root == good.root and corrupted.log == good.log

    r = node.fails("rebuild", "--check", code=EXIT_REFUSED)
    assert "DIFFERENT: the tables do not match the log" in r.out, r.describe()
    before, after = digests(r)
    assert after == healthy and before != healthy
    assert node.snapshot() == corrupted, "rebuild --check changed something"
    assert digests(node.fails("rebuild", "--check", code=EXIT_REFUSED)) == \
        (before, after)

    r = node.fails("rebuild", code=EXIT_REFUSED)
    assert "DIFFERENT: the tables did not match the log; they have been" \
        " rebuilt from it" in r.out, r.describe()
    assert digests(r) == (before, healthy)
    assert node.snapshot() == good

    r = node.ok("rebuild")
    assert digests(r) == (healthy, healthy) and "identical" in r.out
    # and the node carries on recording normally
    node.ok("funds-in", "--case", cno(2), "--date", "2024-03-10", "--amount", "1")
    node.rebuild_check()
