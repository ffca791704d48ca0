"""import: CSV and JSON Lines in one transaction; a bad line anywhere
leaves the database and the log exactly as before."""
import json
import time

import pytest

from cstest import EXIT_REFUSED, EXIT_SYSTEM, EXIT_USAGE, Export, cno, verify

CSV_HEADER = ("type,case,date,applicant,respondent,claimed,handler,node,"
              "amount,payee,mode,recovered")

CSV_GOOD = CSV_HEADER + """
file,(2024)甘1202执10号,2024-02-01,"张三, 李四",乙公司,1000,,,,,,
file,(2024)甘1202执11号,2024-02-02,"甲""引号""公司",丙,20000.5,,,,,,
assign,(2024)甘1202执10号,2024-02-03,,,,王法官,,,,,
node,(2024)甘1202执10号,2024-02-04,,,,,执行通知书,,,,
funds_received,(2024)甘1202执10号,2024-02-05,,,,,,800,,,

funds-out,(2024)甘1202执10号,2024-02-06,,,,,,800.00,张三,,
close,(2024)甘1202执10号,2024-02-07,,,,,,,,执行完毕,800
"""


def jl(**kw):
    return json.dumps(kw, ensure_ascii=False)


JSONL_GOOD = [
    jl(type="file", case=cno(20), date="2024-02-01", applicant="甲",
       respondent="乙", claimed=1500),
    jl(type="case_filed", case=cno(21), date="2024-02-01", applicant="甲",
       respondent="乙", claimed="99.99", nonlitigation=True),
    jl(type="funds-in", case=cno(20), date="2024-02-02", amount=1500,
       ref=None),
    jl(type="funds_paid", case=cno(20), date="2024-02-03", amount="1000.5",
       payee="甲"),
    "",
    jl(type="node", case=cno(21), date="2024-02-04", node="seizure",
       asset="movable", expires="2026-02-04"),
    jl(type="close", case=cno(21), date="2024-02-05", mode="终本",
       recovered=0),
]


def seed(node):
    """Something already on the node, so "as before" means something."""
    node.file(cno(1))
    node.ok("funds-in", "--case", cno(1), "--date", "2024-03-02", "--amount",
            "100")
    node.ok("log", "checkpoint")


def write(node, name, text):
    p = node.home.parent / name
    p.write_text(text, encoding="utf-8")
    return p


def test_import_csv(node):
    seed(node)
    f = write(node, "cases.csv", CSV_GOOD)
    r = node.ok("import", f)
    assert r.out.strip() == f"imported 7 events from {f}"
    assert node.size() == 2 + 7
    c10 = node.case_row(cno(10))
    assert c10["applicant"] == "张三, 李四"
    assert c10["handler"] == "王法官"
    assert (c10["arrived"], c10["paid"]) == ("800.00", "800.00")
    assert (c10["closed"], c10["mode"], c10["recovered"]) == \
        ("2024-02-07", "completed", "800.00")
    c11 = node.case_row(cno(11))
    assert c11["applicant"] == '甲"引号"公司' and c11["claimed"] == "20000.50"
    assert c11["closed"] is None
    # absent (empty) cells are absent fields, not empty strings
    body = node.case(cno(10))["timeline"][1]["body"]
    assert body == {"case": cno(10), "date": "2024-02-03", "handler": "王法官"}
    # imported entries carry the import's recording time
    assert {e["time"] for e in node.entries()[2:]} == {int(node.env["COURTSYNC_TIME"])}


def test_import_jsonl(node):
    seed(node)
    f = write(node, "cases.jsonl", "\n".join(JSONL_GOOD) + "\n")
    r = node.ok("import", f)
    assert r.out.strip() == f"imported 6 events from {f}"
    assert node.size() == 8
    c20 = node.case_row(cno(20))
    assert (c20["claimed"], c20["arrived"], c20["paid"]) == \
        ("1500.00", "1500.00", "1000.50")
    c21 = node.case_row(cno(21))
    assert c21["mode"] == "terminated_round"
    assert node.case(cno(21))["timeline"][0]["body"]["nonlitigation"] is True
    assert [c["case_no"] for c in node.cases("--open")] == [cno(1), cno(20)]


def test_import_format_flag(node):
    f = write(node, "events.txt", "\n".join(JSONL_GOOD) + "\n")
    node.refused("import", f, code=EXIT_REFUSED, msg="cannot tell the format")
    node.ok("import", f, "--format", "jsonl")
    assert node.size() == 6
    g = write(node, "more.data", CSV_HEADER + "\n"
              "assign,(2024)甘1202执20号,2024-02-09,,,,h,,,,,\n")
    node.ok("import", "--format", "csv", g)
    assert node.case_row(cno(20))["handler"] == "h"
    node.refused("import", g, "--format", "xml", code=EXIT_USAGE,
                 msg="--format xml is not csv or jsonl")
    node.refused("import", code=EXIT_USAGE, msg="which FILE?")


def test_import_empty_file(node):
    seed(node)
    f = write(node, "empty.csv", CSV_HEADER + "\n")
    r = node.ok("import", f)
    assert "imported 0 events" in r.out
    assert node.size() == 2


def test_import_missing_file(node):
    seed(node)
    r = node.run("import", node.home.parent / "nope.csv")
    assert r.code in (EXIT_REFUSED, EXIT_SYSTEM), r.describe()
    assert "nope.csv" in r.err


# Each: file name, content, the line named, a fragment of the reason.
PAYOUT = "paying out 900.00 yuan but only 800.00 yuan is held"
BAD_IMPORTS = [
    ("payout.csv", CSV_HEADER + """
file,(2024)甘1202执10号,2024-02-01,a,b,1000,,,,,,
assign,(2024)甘1202执10号,2024-02-03,,,,王法官,,,,,
funds-in,(2024)甘1202执10号,2024-02-05,,,,,,800,,,
funds-out,(2024)甘1202执10号,2024-02-06,,,,,,900,p,,
close,(2024)甘1202执10号,2024-02-07,,,,,,,,执行完毕,800
""", 5, PAYOUT),
    ("payout.jsonl", "\n".join([
        jl(type="file", case=cno(10), date="2024-02-01", applicant="a",
           respondent="b", claimed=1000),
        jl(type="assign", case=cno(10), date="2024-02-03", handler="h"),
        jl(type="funds-in", case=cno(10), date="2024-02-05", amount=800),
        jl(type="node", case=cno(10), date="2024-02-05", node="notice"),
        jl(type="funds-out", case=cno(10), date="2024-02-06", amount=900,
           payee="p"),
        jl(type="close", case=cno(10), date="2024-02-07", mode="completed",
           recovered=0)]) + "\n", 5, PAYOUT),
    ("unknown-field.jsonl", "\n".join([
        jl(type="file", case=cno(10), date="2024-02-01", applicant="a",
           respondent="b", claimed=1000),
        jl(type="assign", case=cno(10), date="2024-02-03", handler="h"),
        jl(type="assign", case=cno(10), date="2024-02-03", handler="h",
           bogus="x")]) + "\n", 3, 'unknown field "bogus"'),
    ("unknown-field.csv", "type,case,date,handler,colour\n"
     "assign,(2024)甘1202执1号,2024-03-03,h,\n"
     "assign,(2024)甘1202执1号,2024-03-04,h,red\n", 3, 'unknown field "colour"'),
    ("foreign-field.jsonl", "\n".join([
        jl(type="file", case=cno(10), date="2024-02-01", applicant="a",
           respondent="b", claimed=1000, handler="h")]) + "\n", 1,
     'field "handler" does not belong to case_filed'),
    ("malformed.jsonl", "\n".join([
        jl(type="file", case=cno(10), date="2024-02-01", applicant="a",
           respondent="b", claimed=1000),
        jl(type="assign", case=cno(10), date="2024-02-03", handler="h"),
        jl(type="node", case=cno(10), date="2024-02-04", node="notice"),
        '{"type": "node", "case": "(2024)甘1202执10号", "date": ',
        jl(type="assign", case=cno(10), date="2024-02-05", handler="h")])
     + "\n", 4, "line 4, column"),
    ("unknown-type.jsonl", "\n".join([
        jl(type="file", case=cno(10), date="2024-02-01", applicant="a",
           respondent="b", claimed=1000),
        jl(type="frobnicate", case=cno(10), date="2024-02-03")]) + "\n", 2,
     'unknown event type "frobnicate"'),
    ("no-type.jsonl", jl(case=cno(10), date="2024-02-01") + "\n", 1,
     'no "type" field'),
    ("negative.csv", "type,case,date,amount\n"
     "funds-in,(2024)甘1202执1号,2024-03-03,5\n"
     "funds-in,(2024)甘1202执1号,2024-03-03,-5\n", 3, "negative amount"),
    ("twice.csv", "type,case,date,applicant,respondent,claimed\n"
     "file,(2024)甘1202执10号,2024-02-01,a,b,1\n"
     "file,(2024)甘1202执11号,2024-02-01,a,b,1\n"
     "file,(2024)甘1202执10号,2024-02-01,a,b,1\n", 4,
     f"case {cno(10)} is already filed (log entry 2)"),
    ("already.csv", "type,case,date,applicant,respondent,claimed\n"
     "file,(2024)甘1202执1号,2024-03-01,a,b,1\n", 2, "is already filed"),
    ("ragged.csv", "type,case,date,applicant,respondent,claimed\n"
     "file,(2024)甘1202执10号,2024-02-01,a,b,1\n"
     "file,(2024)甘1202执11号,2024-02-01,a,b\n", 3, "expected 6 cells"),
    ("foreign-court.csv", "type,case,date,applicant,respondent,claimed\n"
     "file,(2024)甘1202执10号,2024-02-01,a,b,1\n"
     "file,(2024)甘1221执1号,2024-02-01,a,b,1\n", 3,
     "belongs to court 甘1221"),
    ("missing-field.jsonl", jl(type="file", case=cno(10), date="2024-02-01",
                               applicant="a", respondent="b") + "\n", 1,
     'field "claimed" is required'),
    ("nested.jsonl", jl(type="file", case=cno(10), date="2024-02-01",
                        applicant={"n": 1}, respondent="b", claimed=1) + "\n",
     1, "nested"),
]


@pytest.mark.parametrize("name,text,line,why", BAD_IMPORTS,
                         ids=[b[0] for b in BAD_IMPORTS])
def test_bad_import_changes_nothing(node, name, text, line, why):
    seed(node)
    f = write(node, name, text)
    ex_before = node.export(node.home.parent / "before")
    r = node.refused("import", f, msg="import refused, nothing imported")
    assert f"line {line}" in r.err and why in r.err, r.describe()
    assert f"line {line}:" in r.err or f"line {line}," in r.err, r.describe()
    # the log, its checkpoints included, is exactly as before
    ex_after = node.export(node.home.parent / "after")
    assert ex_after.joinpath("entries.bin").read_bytes() == \
        ex_before.joinpath("entries.bin").read_bytes()
    assert Export(ex_after).checkpoint_sizes() == Export(ex_before).checkpoint_sizes()
    # and the same file, fixed, goes in whole
    assert node.size() == 2


def test_fixed_file_imports_after_refusal(node):
    seed(node)
    name, text, _, _ = BAD_IMPORTS[0]
    f = write(node, name, text)
    node.refused("import", f, msg="line 5")
    write(node, name, text.replace(",900,p,", ",800,p,"))
    node.ok("import", f, msg="imported 5 events")
    assert node.size() == 7
    assert node.case_row(cno(10))["paid"] == "800.00"


def test_import_signs_a_checkpoint(node):
    seed(node)
    f = write(node, "cases.csv", CSV_GOOD)
    node.ok("import", f)
    # The import signed size 9 itself: with the key unusable, the export
    # (which signs only when the latest checkpoint is not the current size)
    # still works, and its checkpoints are exactly {2, 9}.
    key = node.home / "log.key"
    key.chmod(0o644)
    try:
        ex = node.export(node.home.parent / "ex")
        r = node.ok("log", "checkpoint")
        assert r.out.startswith("courtsync/cn/gs/ln/wudu\n9\n"), r.describe()
    finally:
        key.chmod(0o600)
    assert Export(ex).checkpoint_sizes() == [2, 9]
    r = verify(ex, key=f"@{node.home}/log.vkey")
    assert r.code == 0 and r.out.startswith("OK"), r.describe()
    assert "9 entries, 2 checkpoints verified, tree size 9" in r.out


def test_import_refused_when_it_cannot_sign(node):
    """An import always ends with a signed checkpoint.  If the key cannot
    be used, the import must not half-happen: either refused with nothing
    imported (as its message says), or ... nothing else."""
    seed(node)
    f = write(node, "cases.csv", CSV_GOOD)
    (node.home / "log.key").chmod(0o644)
    before = node.snapshot()
    r = node.run("import", f)
    after = node.snapshot()
    (node.home / "log.key").chmod(0o600)
    assert r.code != 0, r.describe()
    assert "must be 0600" in r.err, r.describe()
    assert after == before, (
        "import reported failure ('%s') but the events were committed: "
        "log size %d -> %d" % (r.err.strip(), int(before.root.split()[3]),
                               int(after.root.split()[3])))


def big_jsonl(path, ncases, first=1, year=2024):
    with open(path, "w", encoding="utf-8") as f:
        for i in range(first, first + ncases):
            c = cno(i, year=year)
            f.write(jl(type="file", case=c, date=f"{year}-02-01", applicant="甲",
                       respondent="乙", claimed="1000.00") + "\n")
            f.write(jl(type="funds_received", case=c, date=f"{year}-02-03",
                       amount=500) + "\n")
            f.write(jl(type="funds-out", case=c, date=f"{year}-02-04",
                       amount="200.5", payee="甲") + "\n")
            f.write(jl(type="close", case=c, date=f"{year}-02-05",
                       mode="执行完毕", recovered="200.50") + "\n")
    return 4 * ncases


def test_large_import(node):
    seed(node)
    f = node.home.parent / "big.jsonl"
    n = big_jsonl(f, 5000, first=2)
    t0 = time.monotonic()
    r = node.ok("import", f)
    elapsed = time.monotonic() - t0
    assert r.out.strip() == f"imported {n} events from {f}"
    assert node.size() == 2 + n
    cases = node.cases()
    assert len(cases) == 5001
    assert len(node.cases("--closed")) == 5000
    c = node.case_row(cno(4321))
    assert (c["arrived"], c["paid"], c["recovered"], c["mode"]) == \
        ("500.00", "200.50", "200.50", "completed")
    r = node.ok("rebuild")
    assert f"identical: the tables are exactly the fold of the log ({n + 2}" \
        " entries)" in r.out, r.describe()
    lines = r.out.splitlines()
    assert lines[0].split()[-1] == lines[1].split()[-1]
    ex = node.export(node.home.parent / "ex")
    r = verify(ex)
    assert r.code == 0 and f"{n + 2} entries" in r.out, r.describe()
    assert elapsed < 30, f"20,000 events took {elapsed:.1f}s"


def test_large_import_bad_last_line(node):
    seed(node)
    f = node.home.parent / "big.jsonl"
    n = big_jsonl(f, 2500, first=2)
    with open(f, "a", encoding="utf-8") as fh:
        fh.write(jl(type="funds-out", case=cno(7), date="2024-02-06",
                    amount="299.51", payee="甲") + "\n")
    r = node.refused("import", f, msg=f"line {n + 1}:")
    assert "paying out 299.51 yuan but only 299.50 yuan is held" in r.err
