#!/usr/bin/python3
"""generate.py — synthetic enforcement (执行) events for one court, as JSON Lines
that `courtsync import` reads.  Deterministic for a given --seed.

    tests/demo/generate.py --code 甘1202 --cases 600 --seed 1 > wudu.jsonl

Each case is filed in [--from, --to] and walks the workflow of DOMAIN.md:
handler assignment, online asset search, notice and property-report order,
triage (快执/精办), then either payment (funds in, payout, 执行完毕), disposal
(seizure, valuation, auction, funds, closure) or no property (restriction,
dishonesty list, debtor search, 终本).  A share of cases is deliberately late
at some node (so that deadline rules have something to warn about), and
events after --to are left out (those cases are still open).  Money is in
yuan with two decimals.  Standard library only.
"""
import argparse
import datetime as dt
import json
import random
import sys

SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗"
FIRMS = ["陇南{}建材有限公司", "武都{}商贸有限公司", "甘肃{}农业开发有限公司",
         "陇南市{}运输有限公司", "{}药业有限公司", "{}建筑工程有限公司"]
WORDS = "恒通鑫源华盛金阳宏达天成瑞丰"


def person(r):
    return r.choice(SURNAMES) + r.choice(["某", "某某"])


def firm(r):
    return r.choice(FIRMS).format(r.choice(WORDS) + r.choice(WORDS))


def yuan(fen):
    return "%d.%02d" % (fen // 100, fen % 100)


def case_events(r, code, seq, ctype, filed, end):
    """Returns [(date, seq, step, record)] for one case, closure last."""
    ev = _case_events(r, code, seq, ctype, filed, end)
    closes = [e for e in ev if e[3]["type"] == "close"]
    if closes:
        close = closes[0]
        rest = [e for e in ev if e is not close]
        last = max(e[0] for e in rest)
        if last > close[0]:
            # Nothing may follow a closure: close on the day of the last event.
            day = last
            rec = dict(close[3], date=day.isoformat())
            close = (day, close[1], max(e[2] for e in rest) + 1, rec)
        ev = rest + [close]
    return ev


def _case_events(r, code, seq, ctype, filed, end):
    cno = "(%d)%s%s%d号" % (filed.year, code, ctype, seq)
    claimed = int(r.lognormvariate(10.6, 1.1) * 100)
    ev = []
    step = [0]

    def add(day, rec):
        if day <= end:
            rec = dict(rec, case=cno, date=day.isoformat())
            ev.append((day, seq, step[0], rec))
        step[0] += 1
        return day <= end

    def late(p, ok, bad):
        return r.randint(*bad) if r.random() < p else r.randint(*ok)

    applicant = firm(r) if r.random() < 0.5 else person(r)
    respondent = person(r) if r.random() < 0.6 else firm(r)
    add(filed, {"type": "file", "applicant": applicant, "respondent": respondent,
                "claimed": yuan(claimed)})
    d = filed + dt.timedelta(days=late(0.04, (0, 4), (8, 15)))
    add(d, {"type": "assign", "handler": person(r) + "法官",
            "team": r.choice(["快执团队", "精办团队一", "精办团队二"])})
    search = filed + dt.timedelta(days=late(0.05, (0, 3), (4, 9)))
    add(search, {"type": "node", "node": "online_search"})
    notice = filed + dt.timedelta(days=late(0.05, (1, 9), (11, 25)))
    add(notice, {"type": "node", "node": "notice"})
    add(notice, {"type": "node", "node": "report_order"})
    if r.random() < 0.03:
        last = max(e[0] for e in ev) if ev else filed
        add(max(last, notice) + dt.timedelta(days=r.randint(3, 30)),
            {"type": "close", "mode": "withdrawn", "recovered": "0.00"})
        return ev
    tri = max(search, notice) + dt.timedelta(days=r.randint(0, 5))
    kind = r.random()
    if kind < 0.42:                       # pays, or balances cover the claim
        basis = r.choice(["balance_covers", "paid_after_notice"])
        add(tri, {"type": "triage", "track": "simple", "basis": basis,
                  "facts": "网络查控发现存款%s元" % yuan(claimed) if basis == "balance_covers"
                  else "被执行人收到执行通知后表示履行"})
        got = claimed if r.random() < 0.9 else claimed * r.randint(50, 95) // 100
        arrive = tri + dt.timedelta(days=r.randint(3, 40))
        if not add(arrive, {"type": "funds-in", "amount": yuan(got), "ref": "YH%08d" % r.randint(0, 10**8)}):
            return ev
        pay = arrive + dt.timedelta(days=late(0.06, (2, 25), (31, 50)))
        if not add(pay, {"type": "funds-out", "amount": yuan(got), "payee": applicant}):
            return ev
        add(pay + dt.timedelta(days=r.randint(1, 10)),
            {"type": "close", "mode": "completed" if got == claimed else "terminated",
             "recovered": yuan(got)})
    elif kind < 0.72:                     # property that needs disposal
        add(tri, {"type": "triage", "track": "complex", "basis": r.choice(["needs_disposal", "partial_cover"]),
                  "facts": "查控发现不动产一处，需评估拍卖"})
        seize = tri + dt.timedelta(days=r.randint(1, 10))
        add(seize, {"type": "node", "node": "seizure", "asset": "real_estate",
                    "expires": (seize + dt.timedelta(days=3 * 365)).isoformat()})
        val = seize + dt.timedelta(days=late(0.1, (5, 28), (35, 60)))
        add(val, {"type": "node", "node": "valuation"})
        auc = val + dt.timedelta(days=r.randint(35, 70))
        if not add(auc, {"type": "node", "node": "auction"}):
            return ev
        got = claimed * r.randint(40, 100) // 100
        arrive = auc + dt.timedelta(days=r.randint(5, 20))
        if not add(arrive, {"type": "funds-in", "amount": yuan(got)}):
            return ev
        pay = arrive + dt.timedelta(days=late(0.08, (3, 28), (32, 60)))
        if not add(pay, {"type": "funds-out", "amount": yuan(got), "payee": applicant}):
            return ev
        mode = "completed" if got == claimed else "terminated_round"
        add(pay + dt.timedelta(days=r.randint(1, 15)),
            {"type": "close", "mode": mode, "recovered": yuan(got)})
    else:                                 # no property found: towards 终本
        add(tri, {"type": "triage", "track": "simple", "basis": "no_property",
                  "facts": "总对总、点对点查控均未发现可供执行财产"})
        add(tri + dt.timedelta(days=r.randint(1, 20)), {"type": "node", "node": "traditional_search"})
        if r.random() < 0.9:
            add(tri + dt.timedelta(days=r.randint(5, 30)), {"type": "node", "node": "consumption_restriction"})
        add(tri + dt.timedelta(days=r.randint(5, 40)), {"type": "node", "node": "dishonesty_list"})
        add(tri + dt.timedelta(days=r.randint(10, 50)), {"type": "node", "node": "debtor_search"})
        inv = filed + dt.timedelta(days=late(0.1, (20, 30), (35, 60)))
        add(inv, {"type": "node", "node": "investigation_done"})
        close = filed + dt.timedelta(days=r.randint(92, 150) if r.random() < 0.95 else r.randint(60, 85))
        add(close, {"type": "close", "mode": "terminated_round", "recovered": "0.00"})
    return ev


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--code", required=True, help="court code, e.g. 甘1202")
    ap.add_argument("--cases", type=int, default=600)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--from", dest="start", default="2024-01-02")
    ap.add_argument("--to", dest="end", default="2024-06-30")
    a = ap.parse_args()
    r = random.Random("%s/%d" % (a.code, a.seed))
    start, end = dt.date.fromisoformat(a.start), dt.date.fromisoformat(a.end)
    span = (end - start).days
    events = []
    seqs = {"执": 0, "执恢": 0}
    filings = sorted(start + dt.timedelta(days=r.randint(0, span - 2)) for _ in range(a.cases))
    for filed in filings:
        ctype = "执恢" if r.random() < 0.08 else "执"
        seqs[ctype] += 1
        events += case_events(r, a.code, seqs[ctype], ctype, filed, end)
    events.sort(key=lambda e: (e[0], e[1], e[2]))
    out = sys.stdout
    for _, _, _, rec in events:
        out.write(json.dumps(rec, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
