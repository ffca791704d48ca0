#!/usr/bin/python3
"""generate.py — synthetic enforcement (执行) events, as JSON Lines that
`courtsync import` reads.  Deterministic for a given --seed.

One court:

    tests/demo/generate.py --code 甘1202 --cases 600 --seed 1 > wudu.jsonl
    tests/demo/generate.py --code 甘1202 --cases 1547 --carried 153 --seed 1

The whole Longnan city (陇南中院 and its nine county courts), sized and
calibrated to the seed article's first half of 2024 (docs/DEMO.md):

    tests/demo/generate.py --city DIR --seed 1     # DIR/<path>.jsonl per court
    tests/demo/generate.py --list                  # the city's table

--cases cases of type 执/执恢 are filed in [--from, --to] (numbered 1, 2, …
per type in filing order); --carried more were filed in the six months
before --from and are still open on --from (旧存; numbered 1, 2, … of
their year); about 3 % more are 执保/执异 cases, outside the indicators'
types.  Each case walks the workflow of DOMAIN.md: handler, online asset
search, notice and property-report order, triage (快执/精办), then one
path: payment (funds in, payout, 执行完毕), settlement (instalments, 终结
执行), disposal (seizure, valuation, auction, funds; 执行完毕 or 终本),
no property (restriction, dishonesty list, searches, 终本), withdrawal
(销案) or refusal (不予执行).  Some cases are non-compliant on purpose, as
real ones are (late assignment, online search, notice or payout; 终本
before three months or without a consumption restriction; the 审限 passed
without an extension), and supervisors acknowledge some of those warnings
(`ack`).  Events after --to are left out (those cases are still open).
Nothing follows a closure but acknowledgments and payouts of money still
held.  Money is in yuan with two decimals.  Standard library only.
"""
import argparse
import datetime as dt
import json
import os
import random
import sys

# The Longnan city: path, code, name, 新收 (filed in the period), 旧存
# (carried over from 2023), pace (scales how long cases take), claim scale.
# 受理 = 新收 + 旧存 sums to the seed article's 6824; 陇南中院 is its
# 189 (含旧存14件).  County sizes follow their populations and economies.
CITY = [
    ("cn/gs/ln", "甘12", "陇南市中级人民法院", 175, 14, 0.3, 6.0),
    ("cn/gs/ln/wudu", "甘1202", "武都区人民法院", 1445, 255, 1.05, 1.2),
    ("cn/gs/ln/li", "甘1226", "礼县人民法院", 816, 144, 1.0, 0.9),
    ("cn/gs/ln/xihe", "甘1225", "西和县人民法院", 740, 130, 1.0, 0.9),
    ("cn/gs/ln/cheng", "甘1221", "成县人民法院", 697, 123, 0.95, 1.2),
    ("cn/gs/ln/dangchang", "甘1223", "宕昌县人民法院", 544, 96, 1.0, 0.8),
    ("cn/gs/ln/kang", "甘1224", "康县人民法院", 442, 78, 0.95, 0.8),
    ("cn/gs/ln/wen", "甘1222", "文县人民法院", 416, 74, 1.0, 0.9),
    ("cn/gs/ln/hui", "甘1227", "徽县人民法院", 391, 69, 0.95, 1.0),
    ("cn/gs/ln/liangdang", "甘1228", "两当县人民法院", 149, 26, 0.9, 0.8),
]
# The intermediate court's own cases are fewer, larger and faster: its path
# mix (see P["paths"]).
PATHS = {"甘12": [("pay", 0.50), ("settle", 0.36), ("dispose", 0.02),
                 ("noprop", 0.06), ("withdraw", 0.05), ("refuse", 0.01)]}

# The model's parameters, calibrated with tests/demo/calibrate.py against
# the seed's reference table (docs/DEMO.md has the result).
P = {
    # path weights (any case of type 执/执恢)
    "paths": [("pay", 0.325), ("settle", 0.27), ("dispose", 0.10),
              ("noprop", 0.255), ("withdraw", 0.04), ("refuse", 0.01)],
    "resumed": 0.08,          # share of 执恢 among 执/执恢
    "other": 0.03,            # 执保/执异 on top of --cases
    "claim_mu": 10.4,         # ln(yuan) of the median claim (~33,000 yuan)
    "claim_sigma": 1.0,
    "pay_full": 0.92,         # "pay" cases that pay in full (else 终结执行)
    "settle_share": (0.25, 0.80),   # settlement: share of the claim paid
    "dispose_share": (0.40, 1.00),  # auction proceeds: share of the claim
    "dispose_full": 0.35,     # disposal cases recovering everything
    "noprop_some": 0.15,      # no-property cases with a small partial sum
    # late (non-compliant) shares
    "late_assign": 0.04, "late_search": 0.05, "late_notice": 0.05,
    "late_payout": 0.06, "late_valuation": 0.10,
    "zhongben_early": 0.04,   # 终本 before three months
    "zhongben_norestrict": 0.05,   # 终本 without a consumption restriction
    "close_before_payout": 0.05,   # closed, then held money paid out
    "ext": 0.50,              # cases needing more time that get an extension
    "suspend": 0.06,          # long cases with a suspension (中止)
    "ack": 0.5,               # late nodes a supervisor acknowledges
    "carried_skew": 1.3,
    "carried_tries": 3,       # draws for a carried case's story (below)
    "clear_days": (3, 100),   # old cases cleared in the new year: when      # carried filings lean towards December
}

SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗"
FIRMS = ["陇南{}建材有限公司", "武都{}商贸有限公司", "甘肃{}农业开发有限公司",
         "陇南市{}运输有限公司", "{}药业有限公司", "{}建筑工程有限公司"]
WORDS = "恒通鑫源华盛金阳宏达天成瑞丰"
SUSPEND_REASONS = ["案外人提出执行异议，中止执行", "被执行人下落不明，暂停计算审限",
                   "财产评估期间，暂停计算审限", "申请执行人申请暂缓执行"]
ACK_NOTES = {
    "assign_handler": "已督促执行指挥中心当日分案",
    "online_search": "已督促承办团队补充网络查控",
    "notice": "已督促承办人补发执行通知书",
    "payout": "已督促财务核对收款人信息后发放案款",
    "time_limit": "已报请院长审批，督促承办人加快办理",
}


def person(r):
    return r.choice(SURNAMES) + r.choice(["某", "某某"])


def firm(r):
    return r.choice(FIRMS).format(r.choice(WORDS) + r.choice(WORDS))


def yuan(fen):
    return "%d.%02d" % (fen // 100, fen % 100)


def add_months(d, n):
    y, m = divmod(d.month - 1 + n, 12)
    y += d.year
    m += 1
    last = (dt.date(y + m // 12, m % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(y, m, min(d.day, last))


def days(n):
    return dt.timedelta(days=int(round(n)))


class Case:
    """One case's events: [date, prio, n, record]; prio 0 = an event before
    the closure, 1 = the closure, 2 = a payout of money still held after
    it, 3 = an acknowledgment (any time)."""

    def __init__(self, cno, filed):
        self.cno = cno
        self.filed = filed
        self.ev = []
        self.close = None

    def add(self, day, rec, prio=0):
        day = max(day, self.filed)
        self.ev.append([day, prio, len(self.ev), dict(rec)])
        return day

    def closing(self, day, mode, recovered):
        self.close = [day, 1, len(self.ev), {"type": "close", "mode": mode,
                                             "recovered": yuan(recovered)}]

    def events(self, end):
        """The events up to `end`, in order, the closure after every event
        but acknowledgments and payouts of held money."""
        ev = list(self.ev)
        if self.close is not None:
            last = max(e[0] for e in ev if e[1] == 0)
            if self.close[0] < last:
                self.close[0] = last
            for e in ev:
                if e[1] == 2 and e[0] < self.close[0]:
                    e[0] = self.close[0]
            ev.append(self.close)
        ev.sort(key=lambda e: (e[0], e[1], e[2]))
        out = []
        for day, _, _, rec in ev:
            if day > end:
                break       # everything after is later still
            rec["case"] = self.cno
            rec["date"] = day.isoformat()
            out.append((day, rec))
        return out

    def close_day(self):
        if self.close is None:
            return None
        return max([self.close[0]] + [e[0] for e in self.ev if e[1] == 0])


def enforcement_case(r, code, cno, ctype, filed, end, pace, claim_scale,
                     clear_from=None):
    """One 执/执恢 case: its Case (every event, even past `end`).  With
    clear_from, a closure before that day is put off to a day after it."""
    c = Case(cno, filed)
    claimed = max(100, int(r.lognormvariate(P["claim_mu"], P["claim_sigma"])
                           * claim_scale * 100))

    def late(p, ok, bad):
        return r.randint(*bad) if r.random() < p else r.randint(*ok)

    def slow(lo, hi):
        return days(r.randint(lo, hi) * pace)

    acks = []

    def ack_later(rule, deadline):
        if r.random() < P["ack"]:
            acks.append((deadline + days(r.randint(1, 12)), rule))

    applicant = firm(r) if r.random() < 0.5 else person(r)
    respondent = person(r) if r.random() < 0.6 else firm(r)
    rec = {"type": "file", "applicant": applicant, "respondent": respondent,
           "claimed": yuan(claimed)}
    if ctype == "执恢":
        rec["original"] = "(%d)%s执%d号" % (filed.year - r.randint(1, 3),
                                           cno[6:cno.index("执")],
                                           r.randint(1, 900))
    c.add(filed, rec)
    n = late(P["late_assign"], (0, 4), (8, 15))
    c.add(filed + days(n), {"type": "assign", "handler": person(r) + "法官",
                            "team": r.choice(["快执团队", "精办团队一", "精办团队二"])})
    if n > 7:
        ack_later("assign_handler", filed + days(7))
    n = late(P["late_search"], (0, 3), (4, 9))
    search = c.add(filed + days(n), {"type": "node", "node": "online_search"})
    if n > 3:
        ack_later("online_search", filed + days(3))
    n = late(P["late_notice"], (1, 9), (11, 25))
    notice = c.add(filed + days(n), {"type": "node", "node": "notice"})
    c.add(notice, {"type": "node", "node": "report_order"})
    if n > 10:
        ack_later("notice", filed + days(10))
    tri = max(search, notice) + days(r.randint(0, 5))

    def found_property():
        # the centralised search (集中查控) found property: the asset
        # investigation is done on the triage day
        c.add(tri, {"type": "node", "node": "investigation_done"})

    def pay_in_out(day, amount, ref=True, may_close_first=False):
        """Funds arrive on `day` and are paid out; returns the payout day."""
        rec = {"type": "funds-in", "amount": yuan(amount)}
        if ref:
            rec["ref"] = "YH%08d" % r.randint(0, 10**8)
        c.add(day, rec)
        n = late(P["late_payout"], (2, 25), (31, 50))
        if n <= 30:
            n = max(1, round(n * pace))
        else:
            ack_later("payout", day + days(30))
        out = {"type": "funds-out", "amount": yuan(amount), "payee": applicant}
        if may_close_first and r.random() < P["close_before_payout"]:
            return day, (day + days(n), out)
        return c.add(day + days(n), out), None

    def zhongben_preconditions(start, restrict=True):
        c.add(start + days(r.randint(1, 20)), {"type": "node", "node": "traditional_search"})
        if restrict:
            c.add(start + days(r.randint(5, 30)), {"type": "node", "node": "consumption_restriction"})
        c.add(start + days(r.randint(5, 40)), {"type": "node", "node": "dishonesty_list"})
        c.add(start + days(r.randint(10, 50)), {"type": "node", "node": "debtor_search"})
        inv = filed + days(late(0.1, (20, 30), (35, 60)))
        c.add(inv, {"type": "node", "node": "investigation_done"})

    paths = PATHS.get(code, P["paths"])
    path = r.choices([p for p, _ in paths], [w for _, w in paths])[0]
    if path == "pay":                       # pays, or balances cover it
        basis = r.choice(["balance_covers", "paid_after_notice"])
        c.add(tri, {"type": "triage", "track": "simple", "basis": basis,
                    "facts": "网络查控发现存款%s元" % yuan(claimed)
                    if basis == "balance_covers" else "被执行人收到执行通知后表示履行"})
        found_property()
        got = claimed if r.random() < P["pay_full"] else claimed * r.randint(60, 95) // 100
        day, after = pay_in_out(tri + slow(3, 35), got, may_close_first=True)
        c.closing(day + slow(1, 10) if after is None else day,
                  "completed" if got == claimed else "terminated", got)
        if after is not None:
            c.add(after[0], after[1], prio=2)
    elif path == "settle":                  # 和解: instalments, 终结执行
        c.add(tri, {"type": "triage", "track": "simple", "basis": "paid_after_notice",
                    "facts": "双方达成执行和解，分期履行"})
        found_property()
        share = r.uniform(*P["settle_share"])
        total = max(1, int(claimed * share))
        k = r.randint(1, 3)
        day = tri
        paid = 0
        for i in range(k):
            part = total - paid if i == k - 1 else total // k
            day, _ = pay_in_out(day + slow(7, 30), part, ref=False)
            paid += part
        c.closing(day + days(r.randint(1, 10)), "terminated", paid)
    elif path == "dispose":                 # property that needs disposal
        c.add(tri, {"type": "triage", "track": "complex",
                    "basis": r.choice(["needs_disposal", "partial_cover"]),
                    "facts": "查控发现不动产一处，需评估拍卖"})
        found_property()
        seize = c.add(tri + days(r.randint(1, 10)),
                      {"type": "node", "node": "seizure", "asset": "real_estate"})
        c.ev[-1][3]["expires"] = (seize + days(3 * 365)).isoformat()
        val = c.add(seize + days(late(P["late_valuation"], (5, 28), (35, 60))),
                    {"type": "node", "node": "valuation"})
        auc = c.add(val + slow(30, 55), {"type": "node", "node": "auction"})
        full = r.random() < P["dispose_full"]
        got = claimed if full else int(claimed * r.uniform(*P["dispose_share"]))
        got = max(1, got)
        day, _ = pay_in_out(auc + days(r.randint(5, 20)), got)
        if full:
            c.closing(day + days(r.randint(1, 15)), "completed", got)
        else:
            zhongben_preconditions(tri)
            c.closing(max(day + days(r.randint(1, 15)), filed + days(92)),
                      "terminated_round", got)
    elif path == "noprop":                  # no property: towards 终本
        c.add(tri, {"type": "triage", "track": "simple", "basis": "no_property",
                    "facts": "总对总、点对点查控均未发现可供执行财产"})
        zhongben_preconditions(tri, r.random() >= P["zhongben_norestrict"])
        got = 0
        if r.random() < P["noprop_some"]:
            got = max(1, int(claimed * r.uniform(0.02, 0.3)))
            pay_in_out(tri + slow(10, 50), got)
        if r.random() < P["zhongben_early"]:
            close = filed + days(r.randint(60, 85))
        else:
            close = filed + days(92) + slow(0, 25)
        c.closing(close, "terminated_round", got)
    elif path == "withdraw":                # 销案
        c.closing(notice + days(r.randint(3, 30)), "withdrawn", 0)
    else:                                   # 不予执行
        c.closing(filed + days(r.randint(15, 60)), "not_enforced", 0)

    if clear_from is not None and c.close is not None and c.close[0] < clear_from:
        c.close[0] = clear_from + slow(*P["clear_days"])
    # The 审限 (6 months; extensions, suspensions).  Cases that need more
    # time mostly get an extension before it runs out; the rest close late
    # (or are still open past it) and are flagged.
    closed = c.close_day()
    horizon = closed if closed is not None else end
    limit = add_months(filed, 6)
    if horizon > limit - days(15):
        if r.random() < P["ext"]:
            months = 3 if horizon <= add_months(filed, 9) else 6
            c.add(limit - days(r.randint(3, 25)),
                  {"type": "extend", "months": months, "approver": "院长" + person(r)})
            if r.random() < P["suspend"]:
                s = filed + days(r.randint(30, 120))
                if closed is None or s + days(20) < closed:
                    c.add(s, {"type": "suspend", "reason": r.choice(SUSPEND_REASONS)})
                    e = s + days(r.randint(15, 60))
                    if closed is not None and e >= closed:
                        e = closed - days(1)
                    c.add(e, {"type": "resume"})
        else:
            ack_later("time_limit", limit)
    for day, rule in acks:
        c.add(day, {"type": "ack", "rule": rule, "supervisor": "执行局专人监管" + person(r),
                    "note": ACK_NOTES[rule]}, prio=3)
    return c


def other_case(r, cno, ctype, filed):
    """A 执保 (preservation) or 执异 (objection) case, outside the
    indicators' types."""
    c = Case(cno, filed)
    claimed = max(100, int(r.lognormvariate(P["claim_mu"], P["claim_sigma"]) * 100))
    c.add(filed, {"type": "file", "applicant": firm(r) if r.random() < 0.5 else person(r),
                  "respondent": person(r), "claimed": yuan(claimed)})
    c.add(filed + days(r.randint(0, 3)), {"type": "assign", "handler": person(r) + "法官"})
    if ctype == "执保":
        d = c.add(filed + days(r.randint(1, 5)),
                  {"type": "node", "node": "seizure", "asset": "deposit"})
        c.ev[-1][3]["expires"] = (d + days(365)).isoformat()
        c.closing(d + days(r.randint(1, 10)), "completed", 0)
    else:
        c.closing(filed + days(r.randint(15, 60)),
                  r.choice(["rejected", "rejected", "not_enforced"]), 0)
    return c


def court_events(code, cases, carried, seed, start, end, pace=1.0,
                 claim_scale=1.0):
    """Every event of one court, in recording order."""
    r = random.Random("%s/%d" % (code, seed))
    span = (end - start).days
    filings = []        # (filed, kind)
    for _ in range(carried):
        back = int(183 * r.random() ** P["carried_skew"]) + 1
        filings.append((start - days(back), "carried"))
    for _ in range(cases):
        filings.append((start + days(r.randint(0, max(0, span - 2))), "new"))
    extra = int(round(cases * P["other"]))
    for _ in range(extra):
        filings.append((start + days(r.randint(0, max(0, span - 2))), "other"))
    filings.sort(key=lambda f: f[0])
    seqs = {}
    all_ev = []
    for i, (filed, kind) in enumerate(filings):
        if kind == "other":
            ctype = r.choice(["执保", "执保", "执异"])
        else:
            ctype = "执恢" if r.random() < P["resumed"] else "执"
        key = (filed.year, ctype)
        seqs[key] = seqs.get(key, 0) + 1
        cno = "(%d)%s%s%d号" % (filed.year, code, ctype, seqs[key])
        if kind == "other":
            c = other_case(r, cno, ctype, filed)
        else:
            # A carried case was open on `start`: draw its story again a
            # few times until it does not close before then; failing that,
            # it is one of the old cases cleared in the new year (清理积案).
            for _ in range(P["carried_tries"]):
                c = enforcement_case(r, code, cno, ctype, filed, end, pace,
                                     claim_scale)
                cd = c.close_day()
                if kind != "carried" or cd is None or cd >= start:
                    break
            else:
                c = enforcement_case(r, code, cno, ctype, filed, end, pace,
                                     claim_scale, clear_from=start)
        for n, (day, rec) in enumerate(c.events(end)):
            all_ev.append((day, i, n, rec))
    all_ev.sort(key=lambda e: (e[0], e[1], e[2]))
    return [e[3] for e in all_ev]


def write(events, out):
    for rec in events:
        out.write(json.dumps(rec, ensure_ascii=False) + "\n")


def main():
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n")[0],
        epilog="docs/DEMO.md describes the model and its calibration.")
    ap.add_argument("--code", help="court code, e.g. 甘1202")
    ap.add_argument("--cases", type=int, default=600,
                    help="执/执恢 cases filed in the period (default 600)")
    ap.add_argument("--carried", type=int, default=0,
                    help="cases filed in the six months before --from and"
                    " still open on it (旧存; default 0)")
    ap.add_argument("--pace", type=float, default=1.0,
                    help="scales how long cases take (default 1.0)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--from", dest="start",
                    help="first filing day of the period (default 2024-01-02;"
                    " with --city 2024-01-01)")
    ap.add_argument("--to", dest="end", default="2024-06-30")
    ap.add_argument("--city", metavar="DIR",
                    help="write every Longnan court's events to"
                    " DIR/<path with / as _>.jsonl and list them")
    ap.add_argument("--list", action="store_true",
                    help="print the Longnan table (path, code, name, 新收, 旧存)")
    a = ap.parse_args()
    if a.start is None:
        a.start = "2024-01-01" if a.city else "2024-01-02"
    start, end = dt.date.fromisoformat(a.start), dt.date.fromisoformat(a.end)
    if a.list:
        for path, code, name, new, old, pace, scale in CITY:
            print("\t".join(map(str, (path, code, name, new, old, pace, scale))))
        return
    if a.city:
        os.makedirs(a.city, exist_ok=True)
        for path, code, name, new, old, pace, scale in CITY:
            ev = court_events(code, new, old, a.seed, start, end, pace, scale)
            f = os.path.join(a.city, path.replace("/", "_") + ".jsonl")
            with open(f, "w", encoding="utf-8") as out:
                write(ev, out)
            print("%s\t%s\t%s\t%s\t%d" % (path, code, name, f, len(ev)))
        return
    if not a.code:
        ap.error("--code (or --city DIR, or --list) is required")
    write(court_events(a.code, a.cases, a.carried, a.seed, start, end,
                       a.pace), sys.stdout)


if __name__ == "__main__":
    main()
