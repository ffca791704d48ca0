#!/usr/bin/python3
"""bench_ingest.py — what a hub's ingest costs, end to end, against bare
SQLite and PostgreSQL logical replication, and against what the hub holds.

In one fresh temporary directory, on one machine, in one run (the box may be
shared: compare only the ratios of one run):

  1. a deployment (certs/courtsync-certs deploy): CA, registry of cn, cn/gs,
     cn/gs/ln (陇南, the hub: it listens on a free loopback port and has no
     parent_url, so it only ingests), cn/gs/ln/wudu (甘1202) and
     cn/gs/ln/cheng (甘1221), both with parent_url pointing at the hub;
  2. N events of 武都 (default 1M; tests/demo/generate.py, imported with
     `courtsync import` in files of max_batch events), pushed end to end
     with `courtsync -C WUDU push` (batches of max_batch entries over one
     kept-alive mutual-TLS connection, each waiting for its cosigned
     answer) to a fresh hub with durability = full, for the first 100k and
     for all N, and for N to a fresh hub with durability = normal;
  3. the PostgreSQL peer (bench/peer_postgres.py): the same entry bytes
     replicated by PostgreSQL 15 logical replication over mutual TLS, at
     100k and at N rows; courtsync / PostgreSQL side by side, target >= 2x;
  4. the bare floor: the same entry bytes inserted with python's sqlite3
     module into a one-table database (WAL, same synchronous), max_batch
     rows per transaction;
  5. per-batch ingest against the entries held: one hub preloaded with 成县
     (cheng) to each of --held-steps (default 100k, 1M, 10M entries); at
     each, single-batch pushes of wudu (small log) and of cheng (its own
     log ~ the step), with the hub's VmRSS / VmHWM; rate@largest /
     rate@smallest (target >= 0.8) and RSS@largest / RSS@smallest (target
     <= 1.2).

Standard library only.  Exit 0 when the runs complete (targets met or not),
1 on an error, 2 on a usage error.  See bench/README.md.
"""
import argparse
import http.client
import json
import os
import re
import resource
import shutil
import signal
import socket
import sqlite3
import ssl
import statistics
import subprocess
import sys
import tempfile
import time

PROG = "bench_ingest"
TARGET_RATE = 100000            # entries/s end to end
TARGET_PEER = 2.0               # courtsync / PostgreSQL replication
TARGET_HELD = 0.8               # rate at the largest held / the smallest
TARGET_RSS = 1.2                # hub RSS at the largest held / smallest
COURTSYNC_TIME = "1719763200"   # 2024-06-30 16:00 UTC: dates in 2024 are past
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

REGISTRY = [
    # path, level, code, parent, name
    ("cn", 1, "最高法", "-", "最高人民法院"),
    ("cn/gs", 2, "甘", "cn", "甘肃省高级人民法院"),
    ("cn/gs/ln", 3, "甘12", "cn/gs", "陇南市中级人民法院"),
    ("cn/gs/ln/wudu", 4, "甘1202", "cn/gs/ln", "武都区人民法院"),
    ("cn/gs/ln/cheng", 4, "甘1221", "cn/gs/ln", "成县人民法院"),
]
HUB, WUDU, CHENG = "cn/gs/ln", "cn/gs/ln/wudu", "cn/gs/ln/cheng"


class BenchError(Exception):
    pass


def die(msg):
    raise BenchError(msg)


def say(msg=""):
    print(msg, flush=True)


def home_name(path):
    return path.replace("/", "_")


# ---- processes -------------------------------------------------------------

def child_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run(argv, timeout, what, env=None, stdin=None):
    """Runs a command to completion; returns (stdout, wall s, CPU s).
    The CPU time is the child's (RUSAGE_CHILDREN before/after: the hub is
    reaped only at the end, so nothing else is counted)."""
    c0, t0 = child_cpu(), time.monotonic()
    try:
        p = subprocess.run(argv, stdin=stdin, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        die("%s: no answer after %d s: %s" % (what, timeout, " ".join(argv)))
    except OSError as e:
        die("%s: %s: %s" % (what, argv[0], e))
    wall, cpu = time.monotonic() - t0, child_cpu() - c0
    if p.returncode != 0:
        err = (p.stderr.decode(errors="replace") or
               p.stdout.decode(errors="replace")).strip()
        die("%s failed (exit %d): %s" % (what, p.returncode, err[-2000:]))
    return p.stdout.decode(errors="replace"), wall, cpu


def proc_cpu(pid):
    """utime + stime of a whole process (all threads), seconds."""
    with open("/proc/%d/stat" % pid) as f:
        s = f.read()
    fields = s[s.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Hub:
    """`courtsync -C HOME serve`, stopped with SIGTERM (then SIGKILL)."""

    def __init__(self, b, home, port, env):
        self.b, self.home, self.port = b, home, port
        self.log = open(os.path.join(home, "serve.log"), "wb")
        self.p = subprocess.Popen([b.bin, "-C", home, "serve"], env=env,
                                  stdin=subprocess.DEVNULL,
                                  stdout=self.log, stderr=self.log)
        b.hubs.append(self)
        deadline = time.monotonic() + 20
        while True:
            if self.p.poll() is not None:
                die("the hub exited at start (%d): %s" % (
                    self.p.returncode, self.log_tail()))
            try:
                self.health()
                return
            except (OSError, ssl.SSLError, http.client.HTTPException,
                    ValueError):
                pass
            if time.monotonic() > deadline:
                die("the hub does not answer on 127.0.0.1:%d after 20 s: %s"
                    % (port, self.log_tail()))
            time.sleep(0.05)

    def log_tail(self):
        self.log.flush()
        try:
            with open(os.path.join(self.home, "serve.log"), "rb") as f:
                return f.read()[-1500:].decode(errors="replace").strip()
        except OSError:
            return "(no log)"

    def health(self):
        ctx = ssl.create_default_context(cafile=os.path.join(self.home,
                                                             "ca.crt"))
        c = http.client.HTTPSConnection("127.0.0.1", self.port, timeout=30,
                                        context=ctx)
        try:
            c.request("GET", "/healthz")
            r = c.getresponse()
            body = r.read()
            if r.status != 200:
                raise ValueError("healthz %d" % r.status)
            return json.loads(body)
        finally:
            c.close()

    def entries(self):
        return int(self.health()["entries"])

    def cpu(self):
        return proc_cpu(self.p.pid)

    def io(self):
        """(rchar, wchar): bytes the hub read and wrote through system
        calls (files and sockets), from /proc/<pid>/io."""
        v = {}
        with open("/proc/%d/io" % self.p.pid) as f:
            for line in f:
                k, _, n = line.partition(":")
                v[k] = int(n)
        return v["rchar"], v["wchar"]

    def mem(self):
        """(VmRSS, VmHWM) of the hub, bytes, from /proc/<pid>/status."""
        v = {}
        with open("/proc/%d/status" % self.p.pid) as f:
            for line in f:
                k, _, rest = line.partition(":")
                if k in ("VmRSS", "VmHWM"):
                    v[k] = int(rest.split()[0]) * 1024
        return v["VmRSS"], v["VmHWM"]

    def db_size(self):
        """Bytes of the hub's database files (db, -wal)."""
        t = 0
        for suffix in ("", "-wal"):
            try:
                t += os.path.getsize(os.path.join(self.home, "courtsync.db"
                                                  + suffix))
            except OSError:
                pass
        return t

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                sys.stderr.write("%s: the hub (pid %d) ignored SIGTERM for"
                                 " 15 s; killing it\n" % (PROG, self.p.pid))
                self.p.kill()
                self.p.wait(timeout=15)
        self.log.close()
        if self in self.b.hubs:
            self.b.hubs.remove(self)
        return self.p.returncode


# ---- the deployment --------------------------------------------------------

def set_conf(home, values):
    """Sets `key = value` lines of HOME/courtsync.conf (adds missing keys)."""
    path = os.path.join(home, "courtsync.conf")
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    left = dict(values)
    for i, line in enumerate(lines):
        m = re.match(r"\s*([a-z_]+)\s*=", line)
        if m and m.group(1) in left:
            lines[i] = "%s = %s" % (m.group(1), left.pop(m.group(1)))
    lines += ["%s = %s" % kv for kv in left.items()]
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def copy_home(src, dst):
    shutil.copytree(src, dst, symlinks=True)    # copy2: keeps 0600 keys
    return dst


class Bench:
    def __init__(self, a):
        self.a = a
        self.bin = os.path.abspath(a.bin)
        self.hubs = []
        self.env = dict(os.environ, COURTSYNC_TIME=COURTSYNC_TIME,
                        COURTSYNC_BIN=self.bin, LC_ALL="C.UTF-8")
        self.env.pop("COURTSYNC_HOME", None)
        self.dir = None
        self.t_gen = 0.0

    def t_step(self, entries):
        """A generous time bound for a step over `entries` entries."""
        return int(120 + entries * 0.002)

    def cs(self, home, *args, timeout=120, what=None):
        return run([self.bin, "-C", home] + list(args), timeout,
                   what or "courtsync %s" % args[0], env=self.env)

    def deploy(self):
        reg = os.path.join(self.dir, "registry.tsv")
        with open(reg, "w", encoding="utf-8") as f:
            f.write("# path\tlevel\tcode\tparent\tname\n")
            for r in REGISTRY:
                f.write("%s\t%d\t%s\t%s\t%s\n" % r)
        run([os.path.join(REPO, "certs", "courtsync-certs"), "deploy",
             os.path.join(self.dir, "ca"), reg,
             os.path.join(self.dir, "deploy")], 120,
            "courtsync-certs deploy", env=self.env)
        self.pristine = {p: os.path.join(self.dir, "deploy", home_name(p))
                         for p, *_ in REGISTRY}
        common = {"max_batch": self.a.batch, "max_body": self.a.max_body,
                  "durability": "full"}
        set_conf(self.pristine[HUB], dict(common, listen="127.0.0.1:1",
                                          parent_url=""))
        for p in (WUDU, CHENG):
            set_conf(self.pristine[p], dict(common,
                                            parent_url="https://127.0.0.1:1"))

    def new_hub(self, name, durability, fold="on"):
        home = copy_home(self.pristine[HUB], os.path.join(self.dir, name))
        port = free_port()
        set_conf(home, {"listen": "127.0.0.1:%d" % port,
                        "durability": durability, "fold": fold})
        return home, port

    def county(self, path, src, name, port):
        home = copy_home(src, os.path.join(self.dir, name))
        set_conf(home, {"parent_url": "https://127.0.0.1:%d" % port})
        return home

    # ---- events ----

    def events(self, code, n, name):
        """The first n events of generate.py for court `code`, streamed into
        DIR/<name>.jsonl (never all in memory: 10M events are ~1.3 GB of
        JSON), and the number of events dropped (see valid_prefix)."""
        gen = os.path.join(REPO, "tests", "demo", "generate.py")
        raw = os.path.join(self.dir, name + ".raw.jsonl")
        out = os.path.join(self.dir, name + ".jsonl")
        cases = n // 8 + 64
        for _ in range(4):
            with open(raw, "wb") as f:
                c0 = time.monotonic()
                try:
                    p = subprocess.run([sys.executable, gen, "--code", code,
                                        "--cases", str(cases), "--seed", "1"],
                                       stdout=f, stderr=subprocess.PIPE,
                                       env=self.env, timeout=self.t_step(n))
                except subprocess.TimeoutExpired:
                    die("generate.py --code %s: no answer after %d s"
                        % (code, self.t_step(n)))
                if p.returncode != 0:
                    die("generate.py --code %s failed (exit %d): %s" % (
                        code, p.returncode,
                        p.stderr.decode(errors="replace")[-1500:]))
            with open(raw, encoding="utf-8") as src, \
                    open(out, "w", encoding="utf-8") as dst:
                kept, dropped = self.valid_prefix(src, dst, n)
            os.unlink(raw)
            if kept == n:
                self.t_gen += time.monotonic() - c0
                return out, dropped
            cases = cases * 3 // 2
        die("generate.py gave fewer than %d events for %s" % (n, code))

    def chunks(self, src, m, name):
        """Writes the first m lines of src into files of max_batch lines;
        returns their names."""
        files, b, fh = [], self.a.batch, None
        with open(src, encoding="utf-8") as f:
            for k, line in enumerate(f):
                if k == m:
                    break
                if k % b == 0:
                    if fh:
                        fh.close()
                    files.append(os.path.join(self.dir, "%s-%05d.jsonl"
                                              % (name, k // b)))
                    fh = open(files[-1], "w", encoding="utf-8")
                fh.write(line)
        if fh:
            fh.close()
        return files

    @staticmethod
    def valid_prefix(src, dst, n):
        """generate.py, with thousands of cases, can date a late assignment
        after the same case's withdrawal (3-30 days after notice vs 8-15
        days after filing), which the fold rightly refuses: drop events of
        closed cases.  Copies the first n kept lines of src to dst; returns
        (lines kept, events dropped)."""
        closed, kept, dropped = set(), 0, 0
        for line in src:
            if kept == n:
                break
            r = json.loads(line)
            if r["case"] in closed:
                dropped += 1
                continue
            if r["type"] == "close":
                closed.add(r["case"])
            dst.write(line if line.endswith("\n") else line + "\n")
            kept += 1
        return kept, dropped

    def import_files(self, home, files, n_events):
        """Imports chunk files one `courtsync import` each.  One file per
        batch: each import signs a checkpoint at its end, and push sends
        checkpoint to checkpoint (see the README for why)."""
        t = 0.0
        for f in files:
            _, wall, _ = self.cs(home, "import", "--format", "jsonl", f,
                                 timeout=self.t_step(self.a.batch),
                                 what="courtsync import %s" %
                                 os.path.basename(f))
            t += wall
        return t

    # ---- pushes ----

    def push(self, home, hub, expect, n_new, fold="on"):
        h0, io0 = hub.cpu(), hub.io()
        out, wall, cpu = self.cs(home, "push", timeout=self.t_step(n_new),
                                 what="courtsync push (%s)" %
                                 os.path.basename(home))
        h1, io1 = hub.cpu(), hub.io()
        # The fold stage (docs/VIEWS.md §8): until the hub's views hold
        # every entry pushed, polled on /healthz.
        f0, deadline = time.monotonic(), time.monotonic() + self.t_step(n_new)
        while fold == "on" and hub.health().get("fold_backlog", 0) > 0:
            if time.monotonic() > deadline:
                die("the hub's fold did not catch up after the push")
            time.sleep(0.02)
        fold_wall = wall + time.monotonic() - f0
        h2 = hub.cpu()
        m = re.search(r"pushed (\d+) entries in (\d+) batches", out)
        if not m or int(m.group(1)) != n_new:
            die("push: expected %d entries pushed, courtsync said: %s"
                % (n_new, out.strip()))
        held = hub.entries()
        if held != expect:
            die("the hub holds %d entries after the push, expected %d"
                % (held, expect))
        return {"n": n_new, "wall": wall, "cpu": cpu, "hub": h1 - h0,
                "fold_wall": fold_wall, "fold_hub": h2 - h0,
                "batches": int(m.group(2)),
                "rd": io1[0] - io0[0], "wr": io1[1] - io0[1]}

    def push_run(self, name, durability, wudu_src, n, fold="on"):
        hub_home, port = self.new_hub("hub-" + name, durability, fold)
        wudu = self.county(WUDU, wudu_src, "wudu-" + name, port)
        hub = Hub(self, hub_home, port, self.env)
        try:
            r = self.push(wudu, hub, n, n, fold)
        finally:
            hub.stop()
        r["name"] = "push, hub durability=%s" % durability
        r["fold"] = fold
        if fold != "on":
            r["name"] += ", fold=%s" % fold
        if not self.a.k:    # disk: a 10M run needs room for the big hub
            shutil.rmtree(hub_home, ignore_errors=True)
            shutil.rmtree(wudu, ignore_errors=True)
        return r

    # ---- the bare floor ----

    def entries_of(self, home):
        db = sqlite3.connect("file:%s?mode=ro" %
                             os.path.join(home, "courtsync.db"), uri=True)
        try:
            return [r[0] for r in db.execute(
                "SELECT data FROM entries ORDER BY log, idx")]
        finally:
            db.close()

    def bare(self, rows, sync, name):
        path = os.path.join(self.dir, "bare-%s.db" % name)
        db = sqlite3.connect(path, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=%s" % sync)
            db.execute("PRAGMA cache_size=-65536")
            db.execute("CREATE TABLE t(log INTEGER, idx INTEGER, data BLOB,"
                       " PRIMARY KEY(log, idx)) WITHOUT ROWID")
            b = self.a.batch
            t0 = time.monotonic()
            for k in range(0, len(rows), b):
                db.execute("BEGIN IMMEDIATE")
                db.executemany("INSERT INTO t VALUES (1, ?, ?)",
                               ((k + i, d) for i, d in
                                enumerate(rows[k:k + b])))
                db.execute("COMMIT")
            t = time.monotonic() - t0
        finally:
            db.close()
        return t

    # ---- work per push against the hub's size ----

    def singles(self, home, files, hub, total, log_before):
        """One `courtsync push` per file of max_batch events."""
        out = []
        for f in files:
            self.import_files(home, [f], self.a.batch)
            r = self.push(home, hub, total + self.a.batch, self.a.batch)
            r["before"], r["log_before"] = total, log_before
            total += self.a.batch
            log_before += self.a.batch
            out.append(r)
        return out, total

    def scaling(self, wudu_files, cheng_files, steps):
        """One hub (durability=full).  For each held size S: cheng is
        preloaded (imported at the county, then one `courtsync push` of
        many batches) until the hub holds S entries; then reps single-batch
        pushes of wudu (its log small: the other logs' size) and reps of
        cheng (its own log ~S); then the hub's VmRSS and VmHWM."""
        hub_home, port = self.new_hub("hub-scale", "full")
        wudu = self.county(WUDU, self.pristine[WUDU], "wudu-scale", port)
        cheng = self.county(CHENG, self.pristine[CHENG], "cheng-scale", port)
        reps, b = self.a.reps, self.a.batch
        out = []
        hub = Hub(self, hub_home, port, self.env)
        try:
            total, wi, ci, w_log, c_log = 0, 0, 0, 0, 0
            for s in steps:
                k = (s - total) // b
                pre = None
                if k > 0:
                    say("  hub holds %d entries; preloading %d entries of"
                        " cheng to %d ..." % (total, k * b, total + k * b))
                    files = cheng_files[ci:ci + k]
                    t_imp = self.import_files(cheng, files, k * b)
                    pre = self.push(cheng, hub, total + k * b, k * b)
                    pre["import"], pre["before"] = t_imp, total
                    if not self.a.k:
                        for f in files:
                            os.unlink(f)
                    ci, total, c_log = ci + k, total + k * b, c_log + k * b
                held = total
                say("  hub holds %d entries: %d + %d single-batch pushes"
                    " ..." % (held, reps, reps))
                w, total = self.singles(wudu, wudu_files[wi:wi + reps], hub,
                                        total, w_log)
                c, total = self.singles(cheng, cheng_files[ci:ci + reps],
                                        hub, total, c_log)
                wi, ci = wi + reps, ci + reps
                w_log, c_log = w_log + reps * b, c_log + reps * b
                rss, hwm = hub.mem()
                out.append({"step": s, "held": held, "wudu": w, "cheng": c,
                            "pre": pre, "rss": rss, "hwm": hwm,
                            "db": hub.db_size()})
        finally:
            hub.stop()
        return out


# ---- report ----------------------------------------------------------------

def fmt_row(name, n, t, cpu=None, hub=None):
    return "%-45s %9d %8.2f %11.0f %9.2f %10s %10s" % (
        name, n, t, n / t, t / n * 1e6,
        "-" if cpu is None else "%.2f" % (cpu / n * 1e6),
        "-" if hub is None else "%.2f" % (hub / n * 1e6))


def verdict(ok):
    return "met" if ok else "MISSED"


def report(b, runs, bare, peer, steps, t_import, dropped):
    a = b.a
    say()
    say("%-45s %9s %8s %11s %9s %10s %10s" % (
        "run", "entries", "wall s", "entries/s", "us/entry",
        "client CPU", "hub CPU"))
    for r in runs:
        say(fmt_row(r["name"], r["n"], r["wall"], cpu=r["cpu"], hub=r["hub"]))
        say(fmt_row("  ... until the hub's views hold them", r["n"],
                    r["fold_wall"], hub=r["fold_hub"]))
    for st in steps:
        pre = st["pre"]
        if pre is not None:
            say(fmt_row("push, full (cheng preload %d -> %d)" % (
                pre["before"], pre["before"] + pre["n"]), pre["n"],
                pre["wall"], cpu=pre["cpu"], hub=pre["hub"]))
    for name, t in bare:
        say(fmt_row(name, a.n, t))
    say("(client CPU, hub CPU: us of CPU per entry, user+system, all"
        " threads; the hub's from /proc/<pid>/stat at %d Hz)"
        % os.sysconf("SC_CLK_TCK"))
    if bare:
        say()
        say("%-30s %12s %12s %9s   %s" % (
            "end to end vs bare", "courtsync/s", "bare/s", "ratio",
            "target >= %d entries/s" % TARGET_RATE))
        full_n = [r for r in runs if r["n"] == a.n]
        for r, (_, t) in zip(full_n, bare):
            rate = r["n"] / r["wall"]
            say("%-30s %12.0f %12.0f %8.1fx   %s" % (
                r["name"].replace("push, ", ""), rate, a.n / t, r["wall"] / t,
                verdict(rate >= TARGET_RATE)))
        say("ratio = time per entry pushed end to end / time per bare insert"
            " of the same entry bytes (%d rows per transaction, same"
            " synchronous)" % a.batch)
    if peer is not None:
        say()
        say("courtsync hub ingest vs PostgreSQL %s logical replication, the"
            " same entry bytes, both over mutual TLS on 127.0.0.1"
            % peer["server_version"].split()[0])
        say("%9s %12s %14s %9s   %s" % ("entries", "courtsync/s",
                                        "PostgreSQL/s", "ratio",
                                        "target >= %.0fx" % TARGET_PEER))
        for r in peer["runs"]:
            cs = peer["courtsync"][str(r["rows"])]
            rate = cs["n"] / cs["wall"]
            ratio = rate / r["rows_per_s"]
            r["ratio"] = ratio
            say("%9d %12.0f %14.0f %8.2fx   %s   (views current: %.0f/s,"
                " %.2fx)" % (r["rows"], rate, r["rows_per_s"], ratio,
                             verdict(ratio >= TARGET_PEER),
                             cs["n"] / cs["fold_wall"],
                             cs["n"] / cs["fold_wall"] / r["rows_per_s"]))
            nf = peer["nofold"].get(str(r["rows"]))
            if nf is not None:
                rate = nf["n"] / nf["wall"]
                say("%9s %12.0f %14s %8.2fx   %s   (fold = off: ingest"
                    " alone, no views)" % ("", rate, "", rate /
                                           r["rows_per_s"],
                                           verdict(rate / r["rows_per_s"]
                                                   >= TARGET_PEER)))
        say("courtsync: `courtsync push` of a county's entries to a fresh hub"
            " (durability=full): batches of %d, each verified, stored,"
            " committed and cosigned before the next is sent; the county's"
            " import is not counted.  'views current': until the hub's fold"
            " stage has folded the last entry into its views (/healthz"
            " fold_backlog 0)." % a.batch)
        say("PostgreSQL: from the first COPY at the publisher (%d rows per"
            " transaction, fsync=on, synchronous_commit=on) until the"
            " subscriber has the last row; replication over %s %s, client"
            " certificate %s, sslmode=verify-full; subscription"
            " synchronous_commit=%s (PostgreSQL's default)." % (
                peer["batch"], peer["tls"][1], peer["tls"][2],
                peer["tls"][3], peer["sub_synchronous_commit"]))
        for r in peer["runs"]:
            say("  PostgreSQL %d rows: insert at the publisher %.2f s"
                " (%.0f rows/s), subscriber %.3f s behind at its end"
                % (r["rows"], r["insert_s"], r["insert_rows_per_s"],
                   r["lag_after_insert_s"]))
    if steps:
        def med(rs, k):
            return statistics.median(r[k] for r in rs)

        say()
        say("per-batch ingest against the entries the hub holds (hub"
            " durability=full; each row: median of %d single-batch pushes"
            " of %d entries)" % (a.reps, a.batch))
        say("%-10s %-6s %-10s %8s %10s %8s %9s %9s %8s %8s %8s" % (
            "hub holds", "batch", "its log", "wall ms", "entries/s",
            "hub CPU", "hub wr", "hub rd", "VmRSS", "VmHWM", "db"))
        say("%-10s %-6s %-10s %8s %10s %8s %9s %9s %8s %8s %8s" % (
            "", "", "holds", "", "", "ms", "KiB/entry", "KiB/entry", "MB",
            "MB", "MB"))
        for st in steps:
            for court in ("wudu", "cheng"):
                rs = st[court]
                say("%-10d %-6s %-10d %8.1f %10.0f %8.1f %9.2f %9.2f %8.1f"
                    " %8.1f %8.0f" % (
                        rs[0]["before"], court, rs[0]["log_before"],
                        med(rs, "wall") * 1e3, a.batch / med(rs, "wall"),
                        med(rs, "hub") * 1e3, med(rs, "wr") / a.batch / 1024,
                        med(rs, "rd") / a.batch / 1024, st["rss"] / 1e6,
                        st["hwm"] / 1e6, st["db"] / 1e6))
        lo, hi = steps[0], steps[-1]
        if len(steps) > 1:
            for court, what in (("wudu", "other logs grow"),
                                ("cheng", "its own log grows")):
                r = med(lo[court], "wall") / med(hi[court], "wall")
                say("rate@%d / rate@%d, %-5s (%s): %5.2fx   target >= %.1fx"
                    "  %s" % (hi["held"], lo["held"], court, what, r,
                              TARGET_HELD, verdict(r >= TARGET_HELD)))
            r = hi["rss"] / lo["rss"]
            say("hub VmRSS@%d / VmRSS@%d: %5.2fx (VmHWM %5.2fx)   target <="
                " %.1fx  %s" % (hi["held"], lo["held"], r,
                                hi["hwm"] / lo["hwm"], TARGET_RSS,
                                verdict(r <= TARGET_RSS)))
        say("hub holds: entries in the hub before the row's pushes (wudu's"
            " pushes come first, then cheng's); its log holds: entries of"
            " that log before them; each push is one `courtsync push`"
            " process: start, registry check, TLS handshake, one batch,"
            " empty cosignature requests.  hub wr/rd: bytes through"
            " write/read system calls (/proc/<pid>/io).  VmRSS/VmHWM: the"
            " hub's /proc/<pid>/status after the step's pushes; db: its"
            " courtsync.db + WAL.")
    say()
    say("Not in the figures above: generating events %.0f s; importing"
        " wudu's %d events at the county %.2f s (%.0f events/s, %d imports)"
        "%s; %d generated events of already-closed cases dropped." % (
            b.t_gen, a.n, t_import, a.n / t_import, -(-a.n // a.batch),
            "".join("; cheng's %d preload events %.1f s" % (
                st["pre"]["n"], st["pre"]["import"])
                for st in steps if st["pre"]), dropped))


# ---- main ------------------------------------------------------------------

DEFAULT_STEPS = (100000, 1000000, 10000000)


def parse_args():
    ap = argparse.ArgumentParser(
        prog=PROG, description="courtsync hub ingest, end to end, against"
        " bare SQLite inserts and PostgreSQL logical replication of the same"
        " entries, and per-batch ingest against the entries held.")
    ap.add_argument("-n", type=int, default=None,
                    help="events pushed end to end, and rows replicated by"
                    " PostgreSQL (default 1000000; also measured at 100000"
                    " when n is larger)")
    ap.add_argument("--held-steps", default=None, metavar="S1,S2,..",
                    help="entries the hub holds at each step of the scaling"
                    " run (default 100000,1000000,10000000; quick 10000,40000)")
    ap.add_argument("--held", type=int, default=None,
                    help="0 skips the scaling run; M > 0 is the largest step"
                    " (steps: the default ones below M, then M)")
    ap.add_argument("--peer", action="store_true",
                    help="only courtsync against PostgreSQL (end to end at"
                    " durability=full; no bare floor, no scaling run)")
    ap.add_argument("--no-peer", action="store_true",
                    help="skip PostgreSQL")
    ap.add_argument("-b", "--batch", type=int, default=None,
                    help="max_batch, entries per batch and per bare or"
                    " PostgreSQL transaction (default 10000)")
    ap.add_argument("-r", "--reps", type=int, default=None,
                    help="single-batch pushes of each log at each held step"
                    " (default 5)")
    ap.add_argument("-k", action="store_true",
                    help="keep the temporary directory")
    ap.add_argument("-d", metavar="DIR", default=None,
                    help="where to make the temporary directories (default"
                    " $TMPDIR or /tmp; must be a real disk, not tmpfs)")
    ap.add_argument("--quick", action="store_true",
                    help="small sizes, a smoke run (n 10000, held steps"
                    " 10000,40000, batch 2000, 3 reps)")
    ap.add_argument("--bin", default=os.path.join(REPO, "build", "courtsync"),
                    help="the courtsync binary (default build/courtsync)")
    a = ap.parse_args()
    q = a.quick
    a.n = a.n if a.n is not None else (10000 if q else 1000000)
    a.batch = a.batch if a.batch is not None else (2000 if q else 10000)
    a.reps = a.reps if a.reps is not None else (3 if q else 5)
    if a.n < 1 or a.batch < 1 or a.reps < 1:
        ap.error("sizes must be positive")
    if a.peer and a.no_peer:
        ap.error("--peer and --no-peer")
    if a.held_steps is not None and a.held is not None:
        ap.error("--held and --held-steps: choose one")
    if a.held_steps is not None:
        try:
            a.steps = [int(x) for x in a.held_steps.split(",") if x.strip()]
        except ValueError:
            ap.error("--held-steps: comma-separated integers")
    elif a.held is not None:
        if a.held < 0:
            ap.error("--held must be >= 0")
        a.steps = ([s for s in DEFAULT_STEPS if s < a.held] + [a.held]
                   if a.held else [])
    else:
        a.steps = [10000, 40000] if q else list(DEFAULT_STEPS)
    if a.peer:
        a.steps = []
    per_step = 2 * a.reps * a.batch
    for i, st in enumerate(a.steps):
        if st < 0 or (i and st < a.steps[i - 1] + per_step):
            ap.error("held steps must increase by at least 2 x reps x batch"
                     " (%d): the measured pushes add that much" % per_step)
    if a.batch > 1000000:
        ap.error("--batch: at most 1000000 (the max_batch limit)")
    # Room for a batch of the largest entries (CS_ENTRY_MAX is well below
    # 4 KiB), at least 64 MiB.
    a.max_body = max(64 << 20, a.batch * 4200)
    if a.max_body > 1 << 30:
        ap.error("--batch too large for max_body (1 GiB)")
    # PostgreSQL and courtsync side by side at 100k and at n.
    small = min(100000, a.n) // a.batch * a.batch
    a.sizes = sorted({s for s in (small, a.n) if s > 0})
    return a


def run_peer(b, db, sizes):
    """bench/peer_postgres.py on the county's entries; its JSON, or None
    when PostgreSQL 15 is not installed (and --peer was not asked for)."""
    a = b.a
    script = os.path.join(REPO, "bench", "peer_postgres.py")
    if not os.access("/usr/lib/postgresql/15/bin/initdb", os.X_OK):
        if a.peer:
            die("--peer: /usr/lib/postgresql/15/bin/initdb is missing"
                " (apt-get install postgresql-15)")
        say("PostgreSQL peer: skipped, PostgreSQL 15 is not installed"
            " (apt-get install postgresql-15)")
        return None
    out = os.path.join(b.dir, "peer.json")
    argv = [sys.executable, script, "--db", db, "--sizes",
            ",".join(map(str, sizes)), "-b", str(a.batch), "--json", out]
    if a.d:
        argv += ["-d", a.d]
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL)
    try:
        rc = p.wait(timeout=600 + sum(sizes) / 1000)
    except subprocess.TimeoutExpired:
        die("peer_postgres.py: no answer in time")
    finally:
        if p.poll() is None:    # interrupted: let it stop its clusters
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=120)
            except subprocess.TimeoutExpired:
                p.kill()
    if rc != 0:
        die("peer_postgres.py failed (exit %d)" % rc)
    with open(out) as f:
        return json.load(f)


def main():
    a = parse_args()
    if not os.access(a.bin, os.X_OK):
        sys.stderr.write("%s: %s is not an executable: run `make` first\n"
                         % (PROG, a.bin))
        return 1
    b = Bench(a)

    def on_signal(sig, _frame):
        raise BenchError("interrupted by signal %d" % sig)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)

    parent = a.d or os.environ.get("TMPDIR") or "/tmp"
    ret = 1
    try:
        b.dir = tempfile.mkdtemp(prefix=PROG + ".", dir=parent)
        t_all = time.monotonic()
        say("%s: SQLite %s (python), %d CPUs online, directory %s" % (
            PROG, sqlite3.sqlite_version, os.cpu_count() or 0, b.dir))
        steps = a.steps
        n_single = len(steps) * a.reps * a.batch
        n_wudu = max(a.n, n_single)
        say("workload: %d events of 武都 (甘1202) pushed end to end in batches"
            " of %d (max_batch)%s; scaling: %s" % (
                a.n, a.batch, "" if a.no_peer else
                ", and the same entries through PostgreSQL",
                "hub holds %s entries (成县 甘1221 preloaded), %d + %d"
                " single-batch pushes at each" % (
                    ", ".join(map(str, steps)), a.reps, a.reps)
                if steps else "skipped"))
        say("preparing: deployment, events, imports ...")
        b.deploy()
        wudu_src, dropped = b.events("甘1202", n_wudu, "wudu")
        wudu_files = b.chunks(wudu_src, a.n, "wudu")
        scale_files = b.chunks(wudu_src, n_single, "wudu-scale")
        os.unlink(wudu_src)
        wudu_n = copy_home(b.pristine[WUDU], os.path.join(b.dir, "wudu-n"))
        t_import = b.import_files(wudu_n, wudu_files, a.n)
        runs = []
        for s in a.sizes:
            src = wudu_n
            if s != a.n:
                src = copy_home(b.pristine[WUDU],
                                os.path.join(b.dir, "wudu-%d" % s))
                b.import_files(src, wudu_files[:s // a.batch], s)
            say("pushing %d entries to a hub with durability=full ..." % s)
            r = b.push_run("full-%d" % s, "full", src, s)
            runs.append(r)
            if src != wudu_n and not a.k:
                shutil.rmtree(src, ignore_errors=True)
        if a.peer:
            # The same push to a relay-only hub (fold = off): what ingest
            # costs without the views, beside the hub that keeps them.
            say("pushing %d entries to a hub with durability=full,"
                " fold=off ..." % a.n)
            runs.append(b.push_run("nofold", "full", wudu_n, a.n, "off"))
        if not a.peer:
            say("pushing %d entries to a hub with durability=normal ..."
                % a.n)
            runs.append(b.push_run("normal", "normal", wudu_n, a.n))
        peer = None
        if not a.no_peer:
            say("PostgreSQL 15 logical replication of the same entries"
                " (%s rows) ..." % ", ".join(map(str, a.sizes)))
            peer = run_peer(b, os.path.join(wudu_n, "courtsync.db"), a.sizes)
            if peer is not None:
                peer["courtsync"] = {str(r["n"]): r for r in runs
                                     if "full" in r["name"]
                                     and r["fold"] == "on"}
                peer["nofold"] = {str(r["n"]): r for r in runs
                                  if r["fold"] == "off"}
        bare = []
        if not a.peer:
            say("bare SQLite inserts of the same entry bytes ...")
            rows = b.entries_of(wudu_n)
            if len(rows) != a.n:
                die("wudu holds %d entries, expected %d" % (len(rows), a.n))
            bare = [("bare SQLite, %d rows/tx, synchronous=%s"
                     % (a.batch, s), b.bare(rows, s, s.lower()))
                    for s in ("FULL", "NORMAL")]
            del rows
        res = []
        if steps:
            n_cheng = steps[-1] + n_single
            say("generating %d events of cheng ..." % n_cheng)
            cheng_src, d2 = b.events("甘1221", n_cheng, "cheng")
            dropped += d2
            cheng_files = b.chunks(cheng_src, n_cheng, "cheng")
            os.unlink(cheng_src)
            say("per-batch ingest against the entries the hub holds ...")
            res = b.scaling(scale_files, cheng_files, steps)
        report(b, runs, bare, peer, res, t_import, dropped)
        say("\n%s: done in %.0f s" % (PROG, time.monotonic() - t_all))
        ret = 0
    except BenchError as e:
        sys.stderr.write("%s: error: %s\n" % (PROG, e))
    except KeyboardInterrupt:
        sys.stderr.write("%s: interrupted\n" % PROG)
    except OSError as e:
        sys.stderr.write("%s: error: %s\n" % (PROG, e))
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        for h in list(b.hubs):
            try:
                h.stop()
            except Exception as e:    # keep stopping the others
                sys.stderr.write("%s: stopping the hub: %s\n" % (PROG, e))
        if b.dir is not None:
            if a.k:
                sys.stderr.write("%s: kept %s\n" % (PROG, b.dir))
            else:
                shutil.rmtree(b.dir, ignore_errors=True)
                if os.path.exists(b.dir):
                    sys.stderr.write("%s: could not remove all of %s\n"
                                     % (PROG, b.dir))
    return ret


if __name__ == "__main__":
    sys.exit(main())
