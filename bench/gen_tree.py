#!/usr/bin/python3
"""gen_tree.py — a deterministic synthetic tree of many courts, for
bench/bench_views.py: a province (the hub), C city (intermediate) courts
and C x K county courts, sharing N enforcement cases, each court's events
from tests/demo/generate.py (its model, its case numbers with the court's
own code), cut into weekly imports.

    gen_tree.py plan --cases 100000                 # the courts, TSV
    gen_tree.py registry --cases 100000 > reg.tsv   # for courtsync-certs deploy
    gen_tree.py court --cases 100000 --path cn/gs/c01/k01 --out DIR
    gen_tree.py tree --cases 100000 --out DIR [--jobs 2]

The tree (defaults --cities 6 --counties 8, so 55 courts):

    cn              最高人民法院 (in the registry only: no cases)
    cn/gs           甘肃省高级人民法院, code 甘 — the hub
    cn/gs/cNN       city NN's intermediate court, code 甘NN
    cn/gs/cNN/kMM   county MM of city NN, code 甘NNMM (甘1202 style)

N counts 受理 (旧存 + 新收, 执 and 执恢), as docs/DEMO.md does: the hub
holds 0.5 % of them, each city 0.5 %, the counties the rest in shares
drawn between 0.4 and 1.6 (random.Random("tree/<seed>")); the largest
remainder makes the sum exact.  Counties carry 15 % of their 受理 over
from the previous half-year, higher courts 7 %.  generate.py adds about
3 % 执保/执异 cases on top (outside the indicators' types).  The period
is --from 2024-01-01 .. --to 2024-06-30; carried cases were filed in the
183 days before.

A court's events (generate.court_events, seed "<code>/<seed>") are cut
into imports as a court that records every week would make them: every
event dated before --from in one import recorded on the day before
--from (the migration), then one import per week, recorded on the week's
last day (capped at --to) at 20:00 CST.  Files are
DIR/<NNN>-<unix time>.jsonl; `courtsync import` each with
COURTSYNC_TIME=<unix time>.  Events of a case after its closure other
than acknowledgments and payouts (which the fold refuses; generate.py
should not produce any) are dropped and counted.

Standard library only.  Deterministic: the same arguments give the same
files, byte for byte.
"""
import argparse
import datetime as dt
import importlib.util
import json
import os
import random
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
GENERATE = os.path.join(REPO, "tests", "demo", "generate.py")

HUB_PATH, HUB_CODE, HUB_NAME = "cn/gs", "甘", "甘肃省高级人民法院"
SPC = ("cn", 1, "最高法", "-", "最高人民法院")
HUB_SHARE = 0.005
CITY_SHARE = 0.005
CARRIED_COUNTY = 0.15
CARRIED_HIGHER = 0.07
RECORD_HOUR_UTC = 12            # 20:00 CST


def load_generate():
    spec = importlib.util.spec_from_file_location("cs_generate", GENERATE)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def plan(total, cities=6, counties=8, seed=1):
    """Every court with cases, hub first, in path order: dicts with path,
    level, code, parent, name, new, carried, pace, scale."""
    r = random.Random("tree/%d" % seed)
    courts = [dict(path=HUB_PATH, level=2, code=HUB_CODE, parent="cn",
                   name=HUB_NAME, share=HUB_SHARE, pace=0.3, scale=8.0)]
    for c in range(1, cities + 1):
        city = "%s/c%02d" % (HUB_PATH, c)
        courts.append(dict(path=city, level=3, code="甘%02d" % c,
                           parent=HUB_PATH, name="测试市%02d中级人民法院" % c,
                           share=CITY_SHARE, pace=round(r.uniform(0.3, 0.5), 2),
                           scale=round(r.uniform(4.0, 6.0), 2)))
        for k in range(1, counties + 1):
            courts.append(dict(path="%s/k%02d" % (city, k), level=4,
                               code="甘%02d%02d" % (c, k), parent=city,
                               name="测试市%02d第%02d县人民法院" % (c, k),
                               w=r.uniform(0.4, 1.6),
                               pace=round(r.uniform(0.9, 1.1), 2),
                               scale=round(r.uniform(0.8, 1.2), 2)))
    rest = 1.0 - HUB_SHARE - CITY_SHARE * cities
    wsum = sum(c["w"] for c in courts if "w" in c)
    for c in courts:
        if "w" in c:
            c["share"] = rest * c.pop("w") / wsum
    exact = [total * c["share"] for c in courts]
    n = [int(x) for x in exact]
    order = sorted(range(len(courts)), key=lambda i: (n[i] - exact[i], i))
    for i in order[:total - sum(n)]:
        n[i] += 1
    for c, k in zip(courts, n):
        del c["share"]
        carried = int(round(k * (CARRIED_COUNTY if c["level"] == 4
                                 else CARRIED_HIGHER)))
        c["carried"], c["new"] = carried, k - carried
    courts.sort(key=lambda c: c["path"].encode())
    return courts


def registry_lines(courts):
    """courtsync-certs' input registry: path level code parent name."""
    out = ["# path\tlevel\tcode\tparent\tname", "\t".join(map(str, SPC))]
    for c in courts:
        out.append("\t".join(str(c[k]) for k in ("path", "level", "code",
                                                 "parent", "name")))
    return out


def unix_at(day):
    return ((day - dt.date(1970, 1, 1)).days * 86400 +
            RECORD_HOUR_UTC * 3600)


def court_files(gen, court, seed, start, end, out):
    """Writes one court's weekly imports into `out`; returns (events,
    dropped, files)."""
    ev = gen.court_events(court["code"], court["new"], court["carried"],
                          seed, start, end, court["pace"], court["scale"])
    closed, kept, dropped = set(), [], 0
    for rec in ev:
        if rec["case"] in closed and rec["type"] not in ("ack", "funds-out"):
            dropped += 1
            continue
        if rec["type"] == "close":
            closed.add(rec["case"])
        kept.append(rec)
    os.makedirs(out, exist_ok=True)
    chunks = {}                 # record day -> lines
    for rec in kept:
        d = dt.date.fromisoformat(rec["date"])
        if d < start:
            rday = start - dt.timedelta(days=1)
        else:
            rday = min(end, start + dt.timedelta(
                days=((d - start).days // 7) * 7 + 6))
        chunks.setdefault(rday, []).append(
            json.dumps(rec, ensure_ascii=False))
    files = []
    for i, rday in enumerate(sorted(chunks)):
        f = os.path.join(out, "%03d-%d.jsonl" % (i, unix_at(rday)))
        with open(f, "w", encoding="utf-8") as fh:
            fh.write("\n".join(chunks[rday]) + "\n")
        files.append(f)
    return len(kept), dropped, files


def add_tree_args(ap):
    ap.add_argument("--cases", type=int, required=True,
                    help="受理 (执/执恢 旧存 + 新收) in the whole tree")
    ap.add_argument("--cities", type=int, default=6)
    ap.add_argument("--counties", type=int, default=8,
                    help="county courts per city")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--from", dest="start", default="2024-01-01")
    ap.add_argument("--to", dest="end", default="2024-06-30")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("plan", "registry", "court", "tree"):
        p = sub.add_parser(name)
        add_tree_args(p)
        if name == "court":
            p.add_argument("--path", required=True)
        if name in ("court", "tree"):
            p.add_argument("--out", required=True)
        if name == "tree":
            p.add_argument("--jobs", type=int, default=2)
    a = ap.parse_args()
    if a.cases < 1 or a.cities < 1 or a.counties < 1:
        ap.error("sizes must be positive")
    courts = plan(a.cases, a.cities, a.counties, a.seed)
    if a.cmd == "plan":
        keys = ("path", "level", "code", "parent", "name", "new", "carried",
                "pace", "scale")
        print("# " + "\t".join(keys))
        for c in courts:
            print("\t".join(str(c[k]) for k in keys))
    elif a.cmd == "registry":
        print("\n".join(registry_lines(courts)))
    elif a.cmd == "court":
        court = [c for c in courts if c["path"] == a.path]
        if not court:
            ap.error("--path %s is not a court of the tree" % a.path)
        start = dt.date.fromisoformat(a.start)
        end = dt.date.fromisoformat(a.end)
        n, dropped, files = court_files(load_generate(), court[0], a.seed,
                                        start, end, a.out)
        print("%s\t%d\t%d\t%d" % (a.path, n, dropped, len(files)))
    else:
        # one process per court, a.jobs at a time
        base = [sys.executable, os.path.abspath(__file__), "court",
                "--cases", str(a.cases), "--cities", str(a.cities),
                "--counties", str(a.counties), "--seed", str(a.seed),
                "--from", a.start, "--to", a.end]
        todo = list(courts)
        running = []
        while todo or running:
            while todo and len(running) < max(1, a.jobs):
                c = todo.pop(0)
                out = os.path.join(a.out, c["path"].replace("/", "_"))
                running.append(subprocess.Popen(
                    base + ["--path", c["path"], "--out", out]))
            p = running.pop(0)
            if p.wait() != 0:
                sys.exit("gen_tree.py: a court failed (exit %d)"
                         % p.returncode)


if __name__ == "__main__":
    main()
