#!/usr/bin/python3
"""
tests/layers.py — the structure of the tree as a build rule
(docs/ARCHITECTURE.md, "Layers").

Reads the objects themselves (nm: which global symbols each defines and
which it needs) and the #include lines of the sources, and fails (exit 1)
when:
  - an object calls a function of a layer above its own;
  - the modules (a module is the files that share a name before the first
    `_`: store.c, store_views.c, store_int.h … are `store`) depend on each
    other in a cycle, through calls or through #include;
  - a sync/ source includes anything outside include/courtsync/;
  - a module is missing from the table below (every file has a place).

    python3 tests/layers.py [--build build] [--graph]

--graph prints the module graph (one `module -> module, …` line each).
"""
import argparse
import os
import re
import subprocess
import sys
from collections import defaultdict

# Lowest first.  A module may call its own layer and the layers below.
LAYERS = [
    ("sync", ["err", "path", "buf", "file", "codec", "json", "utf8", "entry", "crypto", "merkle", "note", "export", "httpd", "push"]),
    ("base", ["clock", "log", "event", "config", "registry", "policy",
              "records"]),
    ("store", ["store"]),
    ("fold", ["fold", "views"]),
    ("court", ["court", "import", "staff"]),
    ("verify", ["audit", "proof"]),
    ("render", ["render"]),
    ("service", ["hub", "relay", "dashboard", "serve", "witness"]),
    ("cli", ["cli", "main"]),
]
RANK = {m: i for i, (_, mods) in enumerate(LAYERS) for m in mods}
LAYER = {m: name for name, mods in LAYERS for m in mods}
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PUBLIC = {f[:-2] for f in os.listdir(os.path.join(ROOT, "include", "courtsync"))
          if f.endswith(".h")}


def module(path):
    base = os.path.basename(path).split(".")[0]
    return base.split("_")[0]


def nm(obj, *flags):
    out = subprocess.run(["nm", "-P", *flags, obj], capture_output=True,
                         text=True, check=True).stdout
    return [line.split()[0:2] for line in out.splitlines() if line.strip()]


def call_graph(build):
    # The objects of today's sources (not those of renamed files).
    objs = [os.path.join(build, d, f) for d in ("sync", "node")
            for f in sorted(os.listdir(os.path.join(build, d)))
            if f.endswith(".o") and os.path.exists(
                os.path.join(ROOT, d, f[:-2] + ".c"))]
    owner = {}
    for o in objs:
        for sym, kind in nm(o, "--defined-only", "--extern-only"):
            if kind in "TDBRC":
                owner[sym] = o
    calls = []
    for o in objs:
        for sym, kind in nm(o, "--undefined-only"):
            if sym in owner and owner[sym] != o:
                calls.append((o, sym, owner[sym]))
    return objs, calls


def include_graph():
    edges = []
    for d in ("sync", "node", "include/courtsync"):
        for f in sorted(os.listdir(os.path.join(ROOT, d))):
            if not f.endswith((".c", ".h")):
                continue
            path = os.path.join(d, f)
            with open(os.path.join(ROOT, path), encoding="utf-8") as fh:
                for line in fh:
                    m = re.match(r'#include "(?:courtsync/)?([a-z0-9_]+)\.h"', line)
                    if m:
                        edges.append((path, m.group(1)))
    return edges


def cycles(graph):
    """The strongly connected components with more than one module."""
    index, low, stack, on, out, n = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = n[0]
        n[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def judge(objs, calls, includes):
    """The problems of a tree: objs (object paths), calls (src object,
    symbol, dst object), includes (source path, header name).  Paths are
    relative (`sync/x.o`, `node/y.c`)."""
    problems = []
    for o in objs:
        if module(o) not in RANK:
            problems.append(f"{o}: module {module(o)!r} has no layer in"
                            " tests/layers.py")
    graph, why = defaultdict(set), {}
    for src, sym, dst in calls:
        a_, b_ = module(src), module(dst)
        if a_ == b_ or a_ not in RANK or b_ not in RANK:
            continue
        graph[a_].add(b_)
        why.setdefault((a_, b_), f"{os.path.basename(src)} calls {sym}"
                       f" ({os.path.basename(dst)})")
        if RANK[b_] > RANK[a_]:
            problems.append(f"{src} ({LAYER[a_]}) calls {sym} of {dst}, a"
                            f" layer above it ({LAYER[b_]})")
    for c in cycles(graph):
        detail = "; ".join(why[(x, y)] for x in c for y in c if (x, y) in why)
        problems.append("a cycle of calls between " + ", ".join(c) + ": " + detail)
    inc = defaultdict(set)
    for path, hdr in includes:
        src = module(path)
        if path.startswith("sync/") and hdr not in PUBLIC:
            problems.append(f"{path} includes {hdr}.h, which is not in"
                            " include/courtsync/ (sync/ sees only the public API)")
        dst = module(hdr)
        if dst != src and dst in RANK and src in RANK:
            inc[src].add(dst)
            if RANK[dst] > RANK[src]:
                problems.append(f"{path} ({LAYER[src]}) includes {hdr}.h,"
                                f" a layer above it ({LAYER[dst]})")
    for c in cycles(inc):
        problems.append("a cycle of #includes between " + ", ".join(c))
    return problems, graph


def self_test():
    """The checker must be able to fail: an upward call, a cycle, a sync
    source reaching into node/, an unknown module — and a clean tree."""
    objs = ["sync/codec.o", "node/store.o", "node/cli.o"]
    ok, _ = judge(objs, [("node/cli.o", "store_open", "node/store.o"),
                         ("node/store.o", "codec_put", "sync/codec.o")],
                  [("node/store.c", "codec")])
    bad = [
        ([("node/store.o", "cli_fail", "node/cli.o")], [], "a layer above it"),
        ([("node/fold.o", "views_x", "node/views.o"),
          ("node/views.o", "fold_y", "node/fold.o")], [], "a cycle of calls"),
        ([], [("sync/codec.c", "store")], "sees only the public API"),
        ([], [("node/fold.c", "views"), ("node/views.c", "fold")],
         "a cycle of #includes"),
    ]
    fails = [] if not ok else [f"a clean tree judged bad: {ok}"]
    for calls, incs, want in bad:
        got, _ = judge(objs + ["node/fold.o", "node/views.o"], calls, incs)
        if not any(want in g for g in got):
            fails.append(f"missed: {want} (got {got})")
    got, _ = judge(["node/zzz.o"], [], [])
    if not any("has no layer" in g for g in got):
        fails.append("missed: an unknown module")
    return fails


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--graph", action="store_true")
    a = ap.parse_args()
    fails = self_test()
    if fails:
        for f in fails:
            print("layers: self-test: " + f)
        return 2
    build = os.path.join(ROOT, a.build) if not os.path.isabs(a.build) else a.build
    objs, calls = call_graph(build)
    rel = lambda p: os.path.relpath(p, build)  # noqa: E731
    problems, graph = judge([rel(o) for o in objs],
                            [(rel(s), y, rel(d)) for s, y, d in calls],
                            include_graph())
    if a.graph:
        for m in sorted(graph, key=lambda m: (RANK.get(m, 99), m)):
            print(f"{LAYER.get(m, '?'):8} {m:10} -> {', '.join(sorted(graph[m]))}")
    for p in problems:
        print("layers: " + p)
    if problems:
        return 1
    print(f"layers: OK: {len(objs)} objects in {len(LAYERS)} layers, no call"
          " upward, no cycle of calls or #includes (self-test passed)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
