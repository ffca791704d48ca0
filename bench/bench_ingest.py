#!/usr/bin/python3
"""bench_ingest.py — what a hub's ingest costs, end to end, over bare SQLite.

In one fresh temporary directory, on one machine, in one run:

  1. a deployment (certs/courtsync-certs deploy): CA, registry of cn, cn/gs,
     cn/gs/ln (陇南, the hub: it listens on a free loopback port and has no
     parent_url, so it only ingests), cn/gs/ln/wudu (甘1202) and
     cn/gs/ln/cheng (甘1221), both with parent_url pointing at the hub;
  2. N events of 武都 (tests/demo/generate.py, imported with `courtsync
     import` in files of max_batch events), pushed end to end with
     `courtsync -C WUDU push` (batches of max_batch entries over one
     kept-alive mutual-TLS connection, each waiting for its cosigned
     answer), to a hub with durability = full (the node default) and again
     to a fresh hub with durability = normal;
  3. the bare floor: the same entry bytes (read back from the county's
     entries table) inserted with python's sqlite3 module into a one-table
     database (WAL, same synchronous), max_batch rows per transaction;
  4. work per push against the hub's size: single-batch pushes of wudu
     while the hub holds ~10k entries, then the hub is preloaded with
     --held M entries of 成县 (cheng), then more single-batch pushes of
     wudu; per-batch rates side by side and their ratio (should be ~1).

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

    def new_hub(self, name, durability):
        home = copy_home(self.pristine[HUB], os.path.join(self.dir, name))
        port = free_port()
        set_conf(home, {"listen": "127.0.0.1:%d" % port,
                        "durability": durability})
        return home, port

    def county(self, path, src, name, port):
        home = copy_home(src, os.path.join(self.dir, name))
        set_conf(home, {"parent_url": "https://127.0.0.1:%d" % port})
        return home

    # ---- events ----

    def events(self, code, n):
        """The first n events of generate.py for court `code` (JSON lines)
        and the number of events dropped (valid_prefix)."""
        gen = os.path.join(REPO, "tests", "demo", "generate.py")
        cases = n // 8 + 64
        for _ in range(4):
            out, _, _ = run([sys.executable, gen, "--code", code, "--cases",
                             str(cases), "--seed", "1"], self.t_step(n),
                            "generate.py --code %s" % code, env=self.env)
            lines, dropped = self.valid_prefix(out.splitlines(), n)
            if len(lines) == n:
                break
            cases = cases * 3 // 2
        else:
            die("generate.py gave fewer than %d events for %s" % (n, code))
        return lines, dropped

    def chunks(self, lines, name):
        """Writes lines into files of max_batch lines; returns their names."""
        files, b = [], self.a.batch
        for k in range(0, len(lines), b):
            f = os.path.join(self.dir, "%s-%05d.jsonl" % (name, k // b))
            with open(f, "w", encoding="utf-8") as fh:
                fh.write("\n".join(lines[k:k + b]) + "\n")
            files.append(f)
        return files

    @staticmethod
    def valid_prefix(lines, n):
        """generate.py, with thousands of cases, can date a late assignment
        after the same case's withdrawal (3-30 days after notice vs 8-15
        days after filing), which the fold rightly refuses: drop events of
        closed cases.  Returns (the first n kept lines, events dropped)."""
        closed, out, dropped = set(), [], 0
        for line in lines:
            r = json.loads(line)
            if r["case"] in closed:
                dropped += 1
                continue
            if r["type"] == "close":
                closed.add(r["case"])
            out.append(line)
            if len(out) == n:
                break
        return out, dropped

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

    def push(self, home, hub, expect, n_new):
        h0, io0 = hub.cpu(), hub.io()
        out, wall, cpu = self.cs(home, "push", timeout=self.t_step(n_new),
                                 what="courtsync push (%s)" %
                                 os.path.basename(home))
        h1, io1 = hub.cpu(), hub.io()
        m = re.search(r"pushed (\d+) entries in (\d+) batches", out)
        if not m or int(m.group(1)) != n_new:
            die("push: expected %d entries pushed, courtsync said: %s"
                % (n_new, out.strip()))
        held = hub.entries()
        if held != expect:
            die("the hub holds %d entries after the push, expected %d"
                % (held, expect))
        return {"n": n_new, "wall": wall, "cpu": cpu, "hub": h1 - h0,
                "batches": int(m.group(2)),
                "rd": io1[0] - io0[0], "wr": io1[1] - io0[1]}

    def push_run(self, name, durability, wudu_src, n):
        hub_home, port = self.new_hub("hub-" + name, durability)
        wudu = self.county(WUDU, wudu_src, "wudu-" + name, port)
        hub = Hub(self, hub_home, port, self.env)
        try:
            r = self.push(wudu, hub, n, n)
        finally:
            hub.stop()
        r["name"] = "push, hub durability=%s" % durability
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

    def scaling(self, wudu_files, cheng_files, held):
        """wudu batches on a small hub; cheng's first batches, the bulk of
        cheng, cheng's last batches; wudu batches on the large hub."""
        hub_home, port = self.new_hub("hub-scale", "full")
        wudu = self.county(WUDU, self.pristine[WUDU], "wudu-scale", port)
        cheng = self.county(CHENG, self.pristine[CHENG], "cheng-scale", port)
        reps = self.a.reps
        res = {}
        hub = Hub(self, hub_home, port, self.env)
        try:
            res["w_small"], total = self.singles(wudu, wudu_files[:reps], hub,
                                                 0, 0)
            res["c_small"], total = self.singles(cheng, cheng_files[:reps],
                                                 hub, total, 0)
            mid = cheng_files[reps:len(cheng_files) - reps]
            n_mid = held - 2 * reps * self.a.batch
            say("  hub holds %d entries; preloading %d more entries of"
                " cheng ..." % (total, n_mid))
            t_imp = self.import_files(cheng, mid, n_mid)
            pre = self.push(cheng, hub, total + n_mid, n_mid)
            pre["name"] = "push, hub durability=full (cheng preload)"
            pre["import"] = t_imp
            total += n_mid
            res["c_large"], total = self.singles(
                cheng, cheng_files[len(cheng_files) - reps:], hub, total,
                held - reps * self.a.batch)
            res["w_large"], total = self.singles(wudu, wudu_files[reps:],
                                                 hub, total,
                                                 reps * self.a.batch)
        finally:
            hub.stop()
        return res, pre


# ---- report ----------------------------------------------------------------

def fmt_row(name, n, t, cpu=None, hub=None):
    return "%-45s %9d %8.2f %11.0f %9.2f %10s %10s" % (
        name, n, t, n / t, t / n * 1e6,
        "-" if cpu is None else "%.2f" % (cpu / n * 1e6),
        "-" if hub is None else "%.2f" % (hub / n * 1e6))


def report(b, runs, bare, res, pre, t_import, dropped):
    a = b.a
    say()
    say("%-45s %9s %8s %11s %9s %10s %10s" % (
        "run", "entries", "wall s", "entries/s", "us/entry",
        "client CPU", "hub CPU"))
    for r in runs:
        say(fmt_row(r["name"], r["n"], r["wall"], cpu=r["cpu"], hub=r["hub"]))
    if pre is not None:
        say(fmt_row(pre["name"], pre["n"], pre["wall"], cpu=pre["cpu"],
                    hub=pre["hub"]))
    for name, t in bare:
        say(fmt_row(name, a.n, t))
    say("(client CPU, hub CPU: us of CPU per entry, user+system, all"
        " threads; the hub's from /proc/<pid>/stat at %d Hz)"
        % os.sysconf("SC_CLK_TCK"))
    say()
    say("%-30s %12s %12s %9s   %s" % ("end to end vs bare", "courtsync/s",
                                      "bare/s", "ratio",
                                      "target >= %d entries/s" % TARGET_RATE))
    for r, (_, t) in zip(runs, bare):
        rate = r["n"] / r["wall"]
        say("%-30s %12.0f %12.0f %8.1fx   %s" % (
            r["name"].replace("push, ", ""), rate, a.n / t, r["wall"] / t,
            "met" if rate >= TARGET_RATE else "MISSED"))
    say("ratio = time per entry pushed end to end / time per bare insert of"
        " the same entry bytes (%d rows per transaction, same synchronous)"
        % a.batch)
    if res:
        def med(rs, k):
            return statistics.median(r[k] for r in rs)

        def span(rs, k):
            return "%d..%d" % (rs[0][k], rs[-1][k])
        say()
        say("work per push against the hub's size (hub durability=full; each"
            " row: %d single-batch pushes of %d entries, medians)"
            % (len(res["w_small"]), a.batch))
        say("%-7s %-19s %-21s %8s %10s %8s %9s %9s" % (
            "batch", "its log holds", "the hub holds", "wall ms",
            "entries/s", "hub CPU", "hub wr", "hub rd"))
        say("%-7s %-19s %-21s %8s %10s %8s %9s %9s" % (
            "", "before the push", "before the push", "", "", "ms",
            "KiB/entry", "KiB/entry"))
        for court, key in (("wudu", "w_small"), ("wudu", "w_large"),
                           ("cheng", "c_small"), ("cheng", "c_large")):
            rs = res[key]
            say("%-7s %-19s %-21s %8.1f %10.0f %8.1f %9.2f %9.2f" % (
                court, span(rs, "log_before"), span(rs, "before"),
                med(rs, "wall") * 1e3, a.batch / med(rs, "wall"),
                med(rs, "hub") * 1e3, med(rs, "wr") / a.batch / 1024,
                med(rs, "rd") / a.batch / 1024))
        for what, s_, l_ in (("other logs' size (wudu, hub small -> large)",
                              "w_small", "w_large"),
                             ("its own log's size (cheng, first -> last"
                              " batches)", "c_small", "c_large")):
            rw = med(res[l_], "wall") / med(res[s_], "wall")
            hs = med(res[s_], "hub")
            rh = med(res[l_], "hub") / hs if hs > 0 else float("nan")
            say("ratio for %-50s wall %5.2fx, hub CPU %5.2fx  %s" % (
                what + ":", rw, rh, "met" if rw <= 1.25 else "MISSED"))
        say("target: work per push proportional to the batch, not to the"
            " log's size: ratio ~1 (met when the wall-time ratio <= 1.25)")
        say("each push is one `courtsync push` process: start, registry"
            " check, TLS handshake, one batch, empty cosignature requests."
            "  hub wr/rd: bytes through write/read system calls"
            " (/proc/<pid>/io wchar/rchar: WAL, checkpoints, page reads,"
            " the socket)")
    say()
    say("Not in the figures above: importing wudu's %d events at the county"
        " %.2f s (%.0f events/s, %d imports)%s; %d generated events of"
        " already-closed cases dropped." % (
            a.n, t_import, a.n / t_import, -(-a.n // a.batch),
            "" if pre is None else
            "; cheng's %d events %.2f s" % (pre["n"], pre["import"]),
            dropped))


# ---- main ------------------------------------------------------------------

def parse_args():
    ap = argparse.ArgumentParser(
        prog=PROG, description="courtsync hub ingest, end to end, against"
        " bare SQLite inserts of the same entries.")
    ap.add_argument("-n", type=int, default=None,
                    help="events pushed end to end (default 100000)")
    ap.add_argument("--held", type=int, default=None,
                    help="entries of cheng preloaded into the hub for the"
                    " scaling run (default 1000000; 0 skips that run)")
    ap.add_argument("-b", "--batch", type=int, default=None,
                    help="max_batch, entries per batch and per bare"
                    " transaction (default 10000)")
    ap.add_argument("-r", "--reps", type=int, default=None,
                    help="single-batch pushes at each hub size (default 5)")
    ap.add_argument("-k", action="store_true",
                    help="keep the temporary directory")
    ap.add_argument("-d", metavar="DIR", default=None,
                    help="where to make the temporary directory (default"
                    " $TMPDIR or /tmp; must be a real disk, not tmpfs)")
    ap.add_argument("--quick", action="store_true",
                    help="small sizes, a smoke run (n 10000, held 30000,"
                    " batch 2000, 3 reps)")
    ap.add_argument("--bin", default=os.path.join(REPO, "build", "courtsync"),
                    help="the courtsync binary (default build/courtsync)")
    a = ap.parse_args()
    q = a.quick
    a.n = a.n if a.n is not None else (10000 if q else 100000)
    a.held = a.held if a.held is not None else (30000 if q else 1000000)
    a.batch = a.batch if a.batch is not None else (2000 if q else 10000)
    a.reps = a.reps if a.reps is not None else (3 if q else 5)
    if a.n < 1 or a.held < 0 or a.batch < 1 or a.reps < 1:
        ap.error("sizes must be positive")
    if 0 < a.held < 3 * a.reps * a.batch:
        ap.error("--held must be 0 or at least 3 x reps x batch (%d)"
                 % (3 * a.reps * a.batch))
    if a.batch > 1000000:
        ap.error("--batch: at most 1000000 (the max_batch limit)")
    # Room for a batch of the largest entries (CS_ENTRY_MAX is well below
    # 4 KiB), at least 64 MiB.
    a.max_body = max(64 << 20, a.batch * 4200)
    if a.max_body > 1 << 30:
        ap.error("--batch too large for max_body (1 GiB)")
    return a


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
        n_wudu = max(a.n, 2 * a.reps * a.batch if a.held > 0 else 0)
        say("workload: %d events of 武都 (甘1202) pushed end to end in batches"
            " of %d (max_batch); scaling: %d + %d single-batch pushes around"
            " a preload of %d events of 成县 (甘1221)%s" % (
                a.n, a.batch, a.reps, a.reps, a.held,
                "" if a.held else " (skipped)"))
        say("preparing: deployment, events, imports ...")
        b.deploy()
        lines, dropped = b.events("甘1202", n_wudu)
        wudu_files = b.chunks(lines[:a.n], "wudu")
        scale_files = b.chunks(lines[:2 * a.reps * a.batch], "wudu-scale")
        del lines
        cheng_files = []
        if a.held > 0:
            lines, d2 = b.events("甘1221", a.held)
            cheng_files = b.chunks(lines, "cheng")
            dropped += d2
            del lines
        wudu_n = copy_home(b.pristine[WUDU], os.path.join(b.dir, "wudu-n"))
        t_import = b.import_files(wudu_n, wudu_files, a.n)
        runs = []
        for dur in ("full", "normal"):
            say("pushing %d entries to a hub with durability=%s ..."
                % (a.n, dur))
            runs.append(b.push_run(dur, dur, wudu_n, a.n))
        say("bare SQLite inserts of the same entry bytes ...")
        rows = b.entries_of(wudu_n)
        if len(rows) != a.n:
            die("wudu holds %d entries, expected %d" % (len(rows), a.n))
        bare = [("bare SQLite, %d rows/tx, synchronous=%s" % (a.batch, s),
                 b.bare(rows, s, s.lower())) for s in ("FULL", "NORMAL")]
        del rows
        res, pre = {}, None
        if a.held > 0:
            say("work per push against the hub's size ...")
            res, pre = b.scaling(scale_files, cheng_files, a.held)
        report(b, runs, bare, res, pre, t_import, dropped)
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
