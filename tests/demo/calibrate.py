#!/usr/bin/python3
"""calibrate.py — the seven indicators (质效指标) computed directly from
generated JSON Lines, in Python, independently of courtsync: to calibrate
tests/demo/generate.py against the seed's reference table and to
cross-check what `courtsync report` prints.

    tests/demo/calibrate.py DIR_OR_FILE...                # table + reference
    tests/demo/calibrate.py --seed 1 --generate           # generate the city in memory
    tests/demo/calibrate.py --check DIR                   # exit 1 if off the reference

Definitions (docs/DEMO.md; as the query layer computes them), for the
period [--from, --to] and case types 执 and 执恢:
  旧存 old_open  filed before the period and not closed before it
  新收 received  filed in the period;  受理 = 旧存 + 新收
  结案 closed    closed in the period
  结案率          closed ÷ (旧存 + 新收)
  执行完毕率      closed by mode completed ÷ closed
  执行到位率      Σ recovered ÷ Σ claimed, over cases closed in the period
  审限内结案率    closed on or before filed + (6 + extension) months +
                 suspended days ÷ closed
  首执案件终本率  执 cases closed by terminated_round ÷ 执 cases closed
  超12个月未结案件比  open at the period's end and filed more than 12 months
                 before it ÷ open at the period's end
  平均结案时间    mean (closed − filed) days over cases closed
Standard library only.
"""
import argparse
import datetime as dt
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import generate  # noqa: E402  (the city's table, add_months)

REFERENCE = {   # the seed article, Longnan city, first half of 2024
    "accepted": 6824, "closed": 4414, "closure_rate": 64.67,
    "completion_rate": 37.76, "recovery_rate": 60.22,
    "within_limit_rate": 97.83, "first_zhongben_rate": 25.68,
    "over_12m_ratio": 0.0, "avg_days": 77.83,
}
REFERENCE_LN = {"accepted": 189, "old_open": 14, "closed": 157,
                "closure_rate": 83.07}
# How close the generated city must come (--check): rates in points, days.
TOLERANCE = {"closure_rate": 2.0, "completion_rate": 2.0, "recovery_rate": 2.0,
             "within_limit_rate": 1.0, "first_zhongben_rate": 2.0,
             "over_12m_ratio": 0.5, "avg_days": 5.0}

CASE_RE = re.compile(r"^\((\d{4})\)(.+?)(执恢|执保|执异|执复|执监|执协|执)(\d+)号$")
NAMES = {code: (path, name) for path, code, name, *_ in generate.CITY}


def fen(v):
    s = str(v)
    whole, _, frac = s.partition(".")
    return int(whole) * 100 + int((frac + "00")[:2])


class CaseRec:
    __slots__ = ("court", "type", "filed", "claimed", "closed", "mode",
                 "recovered", "ext", "susp_days", "susp_since")

    def __init__(self, court, ctype, filed, claimed):
        self.court, self.type, self.filed, self.claimed = court, ctype, filed, claimed
        self.closed = self.mode = self.susp_since = None
        self.recovered = self.ext = self.susp_days = 0


def fold(records, cases):
    """Folds event records (dicts as in the JSON Lines) into cases."""
    for rec in records:
        t = rec["type"]
        if t in ("correct", "correction"):
            raise SystemExit("calibrate.py: corrections are not supported")
        cno = rec["case"]
        day = dt.date.fromisoformat(rec["date"])
        if t in ("file", "case_filed"):
            m = CASE_RE.match(cno)
            cases[cno] = CaseRec(m.group(2), m.group(3), day, fen(rec["claimed"]))
            continue
        c = cases[cno]
        if t in ("extend", "extension_approved"):
            c.ext += int(rec["months"])
        elif t in ("suspend", "suspension_started"):
            c.susp_since = day
        elif t in ("resume", "suspension_ended"):
            c.susp_days += (day - c.susp_since).days
            c.susp_since = None
        elif t in ("close", "case_closed"):
            if c.susp_since is not None:
                c.susp_days += (day - c.susp_since).days
                c.susp_since = None
            c.closed, c.mode, c.recovered = day, rec["mode"], fen(rec["recovered"])


def read_paths(paths):
    cases = {}
    files = []
    for p in paths:
        if os.path.isdir(p):
            files += sorted(os.path.join(p, f) for f in os.listdir(p)
                            if f.endswith(".jsonl"))
        else:
            files.append(p)
    for f in files:
        with open(f, encoding="utf-8") as fh:
            fold((json.loads(line) for line in fh if line.strip()), cases)
    return cases


def read_db(db, scope):
    """The cases a courtsync node holds (its derived `cases` table, the fold
    of every log it holds), for the courts at or under `scope`."""
    import sqlite3
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=30)
    try:
        con.execute("PRAGMA busy_timeout = 30000")
        rows = con.execute(
            "SELECT l.origin, c.case_no, c.type, c.filed, c.claimed, c.closed,"
            " c.mode, c.recovered, c.ext_months, c.susp_days FROM cases c"
            " JOIN logs l ON l.id = c.log").fetchall()
    finally:
        con.close()
    cases = {}
    for origin, cno, ctype, filed, claimed, closed, mode, rec, ext, susp in rows:
        if origin != scope and not origin.startswith(scope + "/"):
            continue
        k = CaseRec(CASE_RE.match(cno).group(2), ctype,
                    dt.date.fromisoformat(filed), claimed or 0)
        if closed:
            k.closed, k.mode, k.recovered = dt.date.fromisoformat(closed), mode, rec or 0
        k.ext, k.susp_days = ext or 0, susp or 0
        cases[(origin, cno)] = k
    return cases


class Counts:
    FIELDS = ("old_open", "received", "closed", "completed", "within_limit",
              "first_closed", "first_zhongben", "open_end", "open_12m",
              "claimed", "recovered", "days")

    def __init__(self, label):
        self.label = label
        for f in self.FIELDS:
            setattr(self, f, 0)

    def add(self, o):
        for f in self.FIELDS:
            setattr(self, f, getattr(self, f) + getattr(o, f))

    def rates(self):
        def pct(a, b):
            return 100.0 * a / b if b else 0.0
        return {
            "accepted": self.old_open + self.received,
            "closed": self.closed,
            "closure_rate": pct(self.closed, self.old_open + self.received),
            "completion_rate": pct(self.completed, self.closed),
            "recovery_rate": pct(self.recovered, self.claimed),
            "within_limit_rate": pct(self.within_limit, self.closed),
            "first_zhongben_rate": pct(self.first_zhongben, self.first_closed),
            "over_12m_ratio": pct(self.open_12m, self.open_end),
            "avg_days": self.days / self.closed if self.closed else 0.0,
        }


def indicators(cases, start, end, types=("执", "执恢")):
    """{court code: Counts}."""
    out = {}
    twelve = generate.add_months(end, -12)
    for c in cases.values():
        if c.type not in types:
            continue
        k = out.setdefault(c.court, Counts(c.court))
        if c.filed > end:
            continue
        closed_before = c.closed is not None and c.closed < start
        if c.filed < start and not closed_before:
            k.old_open += 1
        if start <= c.filed <= end:
            k.received += 1
        if c.closed is not None and start <= c.closed <= end:
            k.closed += 1
            k.completed += c.mode == "completed"
            limit = generate.add_months(c.filed, 6 + c.ext) + dt.timedelta(days=c.susp_days)
            k.within_limit += c.closed <= limit
            if c.type == "执":
                k.first_closed += 1
                k.first_zhongben += c.mode == "terminated_round"
            k.claimed += c.claimed
            k.recovered += c.recovered
            k.days += (c.closed - c.filed).days
        if c.closed is None or c.closed > end:
            k.open_end += 1
            k.open_12m += c.filed < twelve
    return out


HEAD = ("court", "旧存", "新收", "结案", "结案率", "执行完毕率", "执行到位率",
        "审限内结案率", "首执终本率", "超12月未结比", "平均结案天数")


def row(label, k):
    r = k.rates()
    return (label, str(k.old_open), str(k.received), str(k.closed),
            "%.2f%%" % r["closure_rate"], "%.2f%%" % r["completion_rate"],
            "%.2f%%" % r["recovery_rate"], "%.2f%%" % r["within_limit_rate"],
            "%.2f%%" % r["first_zhongben_rate"], "%.3f%%" % r["over_12m_ratio"],
            "%.2f" % r["avg_days"])


def width(s):
    return sum(2 if ord(ch) > 0x2e80 else 1 for ch in s)


def table(rows, out):
    ws = [max(width(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        cells = []
        for i, cell in enumerate(r):
            pad = " " * (ws[i] - width(cell))
            cells.append(cell + pad if i == 0 else pad + cell)
        out.write("  ".join(cells).rstrip() + "\n")


def city_table(per, out=sys.stdout, reference=True):
    """Per court (city order), then the city; returns the city's Counts."""
    rows = [HEAD]
    city = Counts("陇南 total")
    order = [code for _, code, *_ in generate.CITY]
    for code in sorted(per, key=lambda c: order.index(c) if c in order else 99):
        name = NAMES.get(code, (code, code))[1]
        rows.append(row("%s %s" % (code, name), per[code]))
        city.add(per[code])
    rows.append(row("陇南 全市 (city)", city))
    if reference:
        R = REFERENCE
        rows.append(("seed reference", "", "", str(R["closed"]),
                     "%.2f%%" % R["closure_rate"], "%.2f%%" % R["completion_rate"],
                     "%.2f%%" % R["recovery_rate"], "%.2f%%" % R["within_limit_rate"],
                     "%.2f%%" % R["first_zhongben_rate"], "%.3f%%" % R["over_12m_ratio"],
                     "%.2f" % R["avg_days"]))
    table(rows, out)
    return city


def deviations(city):
    r = city.rates()
    return {k: r[k] - REFERENCE[k] for k in TOLERANCE}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("paths", nargs="*", help="JSON Lines files or directories")
    ap.add_argument("--from", dest="start", default="2024-01-01")
    ap.add_argument("--to", dest="end", default="2024-06-30")
    ap.add_argument("--db", metavar="HOME_OR_DB",
                    help="read a courtsync node's folded cases instead"
                    " (courtsync.db, read-only), for --scope")
    ap.add_argument("--scope", default="cn/gs/ln")
    ap.add_argument("--generate", action="store_true",
                    help="generate the city in memory (with --seed)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--check", action="store_true",
                    help="exit 1 if the city is off the reference by more"
                    " than the tolerance")
    ap.add_argument("--no-reference", action="store_true",
                    help="print only the computed table")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    start, end = dt.date.fromisoformat(a.start), dt.date.fromisoformat(a.end)
    if a.db:
        db = os.path.join(a.db, "courtsync.db") if os.path.isdir(a.db) else a.db
        cases = read_db(db, a.scope)
    elif a.generate:
        cases = {}
        gstart = start
        for path, code, name, new, old, pace, scale in generate.CITY:
            fold(generate.court_events(code, new, old, a.seed, gstart, end,
                                       pace, scale), cases)
    else:
        if not a.paths:
            ap.error("give JSON Lines files or directories, or --generate")
        cases = read_paths(a.paths)
    per = indicators(cases, start, end)
    if a.json:
        json.dump({code: dict(vars(k) if hasattr(k, "__dict__") else
                              {f: getattr(k, f) for f in Counts.FIELDS},
                              **k.rates()) for code, k in per.items()},
                  sys.stdout, ensure_ascii=False, indent=1)
        print()
        return
    city = city_table(per, reference=not a.no_reference)
    if a.no_reference:
        return
    dev = deviations(city)
    ln = per.get("甘12")
    print()
    print("city vs reference: " + ", ".join("%s %+.2f" % kv for kv in dev.items()))
    if ln is not None:
        r = ln.rates()
        print("陇南中院: 受理 %d (旧存 %d), 结案 %d, 结案率 %.2f%%  —  reference:"
              " 189 (旧存 14), 157, 83.07%%" % (r["accepted"], ln.old_open,
                                               ln.closed, r["closure_rate"]))
    print("city: 受理 %d, 结案 %d  —  reference: 6824, 4414 (受理 = 旧存 + 新收)" %
          (city.old_open + city.received, city.closed))
    if a.check:
        bad = [k for k, v in dev.items() if abs(v) > TOLERANCE[k]]
        if bad:
            print("calibrate.py: off the reference: " + ", ".join(bad), file=sys.stderr)
            sys.exit(1)


if __name__ == "__main__":
    main()
