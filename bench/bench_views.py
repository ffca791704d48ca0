#!/usr/bin/python3
"""bench_views.py — what a hub's views cost as the cases it holds grow.

For each size (default 10,000 and 100,000 cases; --full adds 1,000,000), in
one run, on one machine:

  1. a synthetic tree of many courts (bench/gen_tree.py: the province
     cn/gs is the hub, 6 city and 48 county courts below it, case numbers
     with each court's code, events from tests/demo/generate.py), deployed
     with certs/courtsync-certs (CA, certificates, signed registry);
  2. every court imports its own events (`courtsync import`, one import
     per week, COURTSYNC_TIME at the week's end) and pushes its log to its
     parent over mutual TLS (`courtsync -C HOME push`): the counties to
     their city's node, then each city its own log and its counties' to
     the hub, which verifies, folds and cosigns, the normal way;
  3. at the hub, scope = its subtree, as of 2024-06-30, period
     2024-01-01..2024-06-30: every command and URL of MEASURES below —
     `courtsync report` (text, --json; wall time and max RSS from
     os.wait4) and the dashboard's pages, /api/* and /metrics (wall time
     of each request over TLS; the server's peak RSS during each request,
     VmHWM after resetting it through /proc/PID/clear_refs);
  4. a table per size, then each figure against the smallest size, and
     the targets of issue 8: report at 100k cases <= 2x its time at 10k,
     with RSS < 150 MB; every answer under a second.  met / MISSED.

Standard library only.  Exit 0 when the runs complete (targets met or
not), 1 on an error, 2 on a usage error.  See bench/README.md.
"""
import argparse
import datetime as dt
import http.client
import json
import os
import re
import shutil
import signal
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import gen_tree  # noqa: E402

PROG = "bench_views"
AS_OF, FROM, TO = "2024-06-30", "2024-01-01", "2024-06-30"
SERVE_TIME = "1719748800"       # 2024-06-30 20:00 CST: the hub's "now"
HUB = gen_tree.HUB_PATH
PERIOD = ["--as-of", AS_OF, "--from", FROM, "--to", TO]
Q = "as_of=%s&from=%s&to=%s" % (AS_OF, FROM, TO)

# ---- what is measured: one row each (adjust here) -------------------------
# (name, kind, what, when)
#   kind "cli":  `courtsync -C HUB <argv>`; wall time, max RSS (os.wait4)
#   kind "http": GET <url> on the hub's dashboard listener; wall time, the
#                server's peak RSS during the request
#   when: None = always; "recompute" = only if `courtsync report --help`
#         mentions --recompute (then it is the "before": the full
#         computation, against the maintained views).
MEASURES = [
    ("report", "cli", ["report"] + PERIOD, None),
    ("report --json", "cli", ["report", "--json"] + PERIOD, None),
    ("report --recompute", "cli", ["report", "--recompute"] + PERIOD,
     "recompute"),
    ("report --json --recompute", "cli",
     ["report", "--json", "--recompute"] + PERIOD, "recompute"),
    ("GET / (overview)", "http", "/?" + Q, None),
    ("GET /warnings", "http", "/warnings?" + Q, None),
    ("GET /api/warnings", "http", "/api/warnings?" + Q, None),
    ("GET /api/warnings page", "http",
     "/api/warnings?offset=0&limit=100&" + Q, None),
    ("GET /api/indicators", "http", "/api/indicators?" + Q, None),
    ("GET /metrics", "http", "/metrics", None),
]
# The rows the targets are about.
REPORT_ROW = "report"
TARGET_TIME_RATIO = 2.0         # report at 100k <= 2x report at 10k
TARGET_RSS_MB = 150             # report's RSS at 100k
TARGET_ANSWER_S = 1.0           # every row, every size
# ---------------------------------------------------------------------------


class BenchError(Exception):
    pass


def die(msg):
    raise BenchError(msg)


def say(msg=""):
    print(msg, flush=True)


def home_name(path):
    return path.replace("/", "_")


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(argv, timeout, what, env):
    """Runs a command to completion; returns (stdout, wall s)."""
    t0 = time.monotonic()
    try:
        p = subprocess.run(argv, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        die("%s: no answer after %d s: %s" % (what, timeout, " ".join(argv)))
    except OSError as e:
        die("%s: %s: %s" % (what, argv[0], e))
    wall = time.monotonic() - t0
    if p.returncode != 0:
        err = (p.stderr.decode(errors="replace") or
               p.stdout.decode(errors="replace")).strip()
        die("%s failed (exit %d): %s" % (what, p.returncode, err[-2000:]))
    return p.stdout.decode(errors="replace"), wall


def timed(argv, timeout, what, env, out_path):
    """Runs argv with stdout to out_path; returns (wall s, CPU s, max RSS
    bytes, output bytes), from os.wait4's rusage of that one child."""
    with open(out_path, "wb") as out, open(out_path + ".err", "wb") as err:
        t0 = time.monotonic()
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out,
                             stderr=err, env=env)
        timer = threading.Timer(timeout, p.kill)
        timer.start()
        try:
            _, status, ru = os.wait4(p.pid, 0)
        finally:
            timer.cancel()
        wall = time.monotonic() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        with open(out_path + ".err", "rb") as f:
            msg = f.read().decode(errors="replace").strip()
        die("%s failed (exit %d)%s: %s" % (
            what, p.returncode, " (killed after %d s)" % timeout
            if p.returncode == -signal.SIGKILL else "", msg[-2000:]))
    return (wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss * 1024,
            os.path.getsize(out_path))


def proc_status(pid):
    v = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, rest = line.partition(":")
            if k in ("VmRSS", "VmHWM"):
                v[k] = int(rest.split()[0]) * 1024
    return v


def set_conf(home, values):
    """Sets `key = value` lines of HOME/courtsync.conf (adds missing keys;
    an empty value removes the key)."""
    path = os.path.join(home, "courtsync.conf")
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    left = dict(values)
    out = []
    for line in lines:
        m = re.match(r"\s*([a-z_.]+)\s*=", line)
        if m and m.group(1) in left:
            v = left.pop(m.group(1))
            if v != "":
                out.append("%s = %s" % (m.group(1), v))
            continue
        out.append(line)
    out += ["%s = %s" % kv for kv in left.items() if kv[1] != ""]
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")


class Server:
    """`courtsync -C HOME serve`, stopped with SIGTERM (then SIGKILL)."""

    def __init__(self, b, home, port, dash_port=None):
        self.b, self.home, self.port, self.dash = b, home, port, dash_port
        self.token = self.staff_token() if dash_port is not None else None
        self.log = open(os.path.join(home, "serve.log"), "ab")
        self.p = subprocess.Popen([b.bin, "-C", home, "serve"], env=b.env,
                                  stdin=subprocess.DEVNULL,
                                  stdout=self.log, stderr=self.log)
        b.servers.append(self)
        deadline = time.monotonic() + 60
        while True:
            if self.p.poll() is not None:
                die("the hub exited at start (%d): %s" % (
                    self.p.returncode, self.log_tail()))
            try:
                # With a dashboard, wait on it alone: /healthz counts every
                # entry held (a scan that fills the page cache).
                if self.dash is not None:
                    self.get("/nonexistent", expect=None)
                else:
                    self.health()
                return
            except (OSError, ssl.SSLError, http.client.HTTPException,
                    ValueError):
                pass
            if time.monotonic() > deadline:
                die("the hub does not answer on 127.0.0.1:%d after 60 s: %s"
                    % (port, self.log_tail()))
            time.sleep(0.05)

    def staff_token(self):
        """An API token of a supervisor of the whole node (docs/ACCESS.md):
        the dashboard answers nothing without one."""
        pw = os.path.join(self.home, "bench-staff.pw")
        with open(pw, "w") as f:
            f.write("bench password 0123\n")
        p = subprocess.run([self.b.bin, "-C", self.home, "user", "add",
                            "bench", "--role", "supervisor",
                            "--password-file", pw], env=self.b.env,
                           capture_output=True, text=True)
        if p.returncode != 0 and "exists already" not in p.stderr:
            die("courtsync user add: " + p.stderr.strip())
        p = subprocess.run([self.b.bin, "-C", self.home, "user", "token",
                            "bench"], env=self.b.env, capture_output=True,
                           text=True)
        if p.returncode != 0:
            die("courtsync user token: " + p.stderr.strip())
        return p.stdout.strip()

    def log_tail(self):
        self.log.flush()
        try:
            with open(os.path.join(self.home, "serve.log"), "rb") as f:
                return f.read()[-1500:].decode(errors="replace").strip()
        except OSError:
            return "(no log)"

    def ctx(self):
        return ssl.create_default_context(
            cafile=os.path.join(self.home, "ca.crt"))

    def health(self):
        c = http.client.HTTPSConnection("127.0.0.1", self.port, timeout=30,
                                        context=self.ctx())
        try:
            c.request("GET", "/healthz")
            r = c.getresponse()
            body = r.read()
            if r.status != 200:
                raise ValueError("healthz %d" % r.status)
            return json.loads(body)
        finally:
            c.close()

    def get(self, url, expect=200, timeout=1800):
        """GET on the dashboard listener; (status, bytes, wall s)."""
        ctx = self.ctx()
        t0 = time.monotonic()
        c = http.client.HTTPSConnection("127.0.0.1", self.dash,
                                        timeout=timeout, context=ctx)
        try:
            c.request("GET", url, headers={
                "Authorization": "Bearer " + self.token})
            r = c.getresponse()
            body = r.read()
        finally:
            c.close()
        wall = time.monotonic() - t0
        if expect is not None and r.status != expect:
            die("GET %s: %d %s" % (url, r.status,
                                   body[:500].decode(errors="replace")))
        return r.status, len(body), wall

    def cpu(self):
        """utime + stime of the whole server (all threads), seconds."""
        with open("/proc/%d/stat" % self.p.pid) as f:
            t = f.read()
        fields = t[t.rindex(")") + 2:].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def reset_peak(self):
        with open("/proc/%d/clear_refs" % self.p.pid, "w") as f:
            f.write("5")

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                sys.stderr.write("%s: the hub (pid %d) ignored SIGTERM for"
                                 " 30 s; killing it\n" % (PROG, self.p.pid))
                self.p.kill()
                self.p.wait(timeout=30)
        self.log.close()
        if self in self.b.servers:
            self.b.servers.remove(self)
        return self.p.returncode


def size_of(path):
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def fmt_n(n):
    return "%dk" % (n // 1000) if n % 1000 == 0 and n < 10 ** 6 else \
        "%gM" % (n / 1e6) if n % 100000 == 0 else str(n)


class Bench:
    def __init__(self, a):
        self.a = a
        self.bin = os.path.abspath(a.bin)
        self.servers = []
        self.env = dict(os.environ, COURTSYNC_BIN=self.bin, LC_ALL="C.UTF-8")
        self.env.pop("COURTSYNC_HOME", None)
        self.env.pop("COURTSYNC_TIME", None)
        self.env_serve = dict(self.env, COURTSYNC_TIME=SERVE_TIME)
        self.dir = None
        self.recompute = False

    def cs(self, home, *args, timeout=600, what=None, env=None):
        return run([self.bin, "-C", home] + list(args), timeout,
                   what or "courtsync %s" % args[0], env or self.env)

    # ---- the deployment (once, for every size) ----

    def deploy(self):
        """CA, certificates, homes and the signed registry, in DIR/deploy;
        every size copies these homes."""
        courts = gen_tree.plan(1000, self.a.cities, self.a.counties,
                               self.a.seed)
        self.paths = [c["path"] for c in courts]
        dep = os.path.join(self.dir, "deploy")
        if os.path.exists(os.path.join(dep, "READY")):
            say("  reusing the deployment in %s" % dep)
            return 0.0
        shutil.rmtree(dep, ignore_errors=True)
        os.makedirs(dep)
        reg = os.path.join(dep, "registry.tsv")
        with open(reg, "w", encoding="utf-8") as f:
            f.write("\n".join(gen_tree.registry_lines(courts)) + "\n")
        _, t = run([os.path.join(REPO, "certs", "courtsync-certs"), "deploy",
                    os.path.join(dep, "ca"), reg, os.path.join(dep, "homes")],
                   1800, "courtsync-certs deploy", self.env)
        common = {"max_batch": self.a.batch, "max_body": 64 << 20}
        for p in self.paths:
            home = os.path.join(dep, "homes", home_name(p))
            set_conf(home, dict(common, parent_url="" if p == HUB else
                                "https://127.0.0.1:1"))
        open(os.path.join(dep, "READY"), "w").close()
        return t

    # ---- one size ----

    def tree_args(self, n):
        return ["--cases", str(n), "--cities", str(self.a.cities),
                "--counties", str(self.a.counties), "--seed",
                str(self.a.seed)]

    def setup(self, n):
        """The tree of n cases in DIR/tree-<n>: homes, events imported at
        every court, pushed to the hub.  Returns a dict of setup figures."""
        tdir = os.path.join(self.dir, "tree-%d" % n)
        ready = os.path.join(tdir, "READY")
        key = " ".join(self.tree_args(n) + ["--batch", str(self.a.batch)])
        if os.path.exists(ready):
            with open(ready) as f:
                st = json.load(f)
            if st.get("key") == key:
                say("  reusing %s (set up earlier: %s)" % (tdir, key))
                st["reused"] = True
                return tdir, st
        shutil.rmtree(tdir, ignore_errors=True)
        os.makedirs(tdir)
        homes = os.path.join(tdir, "homes")
        os.makedirs(homes)
        for p in self.paths:
            shutil.copytree(os.path.join(self.dir, "deploy", "homes",
                                         home_name(p)),
                            os.path.join(homes, home_name(p)), symlinks=True)
        st = {"key": key, "courts": len(self.paths)}
        # generate + import, a.jobs courts at a time (largest first)
        plan = {c["path"]: c for c in gen_tree.plan(
            n, self.a.cities, self.a.counties, self.a.seed)}
        order = sorted(self.paths, key=lambda p: -(plan[p]["new"] +
                                                   plan[p]["carried"]))
        lock = threading.Lock()
        res, errors = {}, []

        def worker():
            while True:
                with lock:
                    if errors or not order:
                        return
                    p = order.pop(0)
                try:
                    out = os.path.join(tdir, "events", home_name(p))
                    o, tg = run([sys.executable,
                                 os.path.join(HERE, "gen_tree.py"), "court"]
                                + self.tree_args(n) + ["--path", p, "--out",
                                                       out],
                                600 + n // 100, "gen_tree.py court %s" % p,
                                self.env)
                    _, ev, dropped, nfiles = o.split()
                    ti = 0.0
                    home = os.path.join(homes, home_name(p))
                    for f in sorted(os.listdir(out)):
                        t = f.split("-")[1].split(".")[0]
                        _, w = self.cs(home, "import", "--format", "jsonl",
                                       os.path.join(out, f),
                                       timeout=600 + n // 100,
                                       what="courtsync import (%s, %s)"
                                       % (p, f),
                                       env=dict(self.env, COURTSYNC_TIME=t))
                        ti += w
                    shutil.rmtree(out, ignore_errors=True)
                    with lock:
                        res[p] = (int(ev), int(dropped), int(nfiles), tg, ti)
                except BenchError as e:
                    with lock:
                        errors.append(str(e))
                    return

        t0 = time.monotonic()
        ths = [threading.Thread(target=worker) for _ in range(self.a.jobs)]
        for t in ths:
            t.start()
        for t in ths:
            t.join()
        if errors:
            die(errors[0])
        st["t_gen_import"] = time.monotonic() - t0
        st["t_gen"] = sum(r[3] for r in res.values())
        st["t_import"] = sum(r[4] for r in res.values())
        st["events"] = sum(r[0] for r in res.values())
        st["dropped"] = sum(r[1] for r in res.values())
        st["imports"] = sum(r[2] for r in res.values())
        st["own"] = res[HUB][0]
        # Push every court's log to the hub through its place in the tree
        # (a court pushes only to its registry parent, PROTOCOL.md §1):
        # each city's node receives its counties', then every city pushes
        # its own log and those to the province hub.
        hub = os.path.join(homes, home_name(HUB))
        cities = [p for p in self.paths if p.count("/") == HUB.count("/") + 1]
        below = {c: [p for p in self.paths if p.startswith(c + "/")]
                 for c in cities}
        t0 = time.monotonic()
        for c in cities:
            cport = free_port()
            chome = os.path.join(homes, home_name(c))
            set_conf(chome, {"listen": "127.0.0.1:%d" % cport})
            csrv = Server(self, chome, cport)
            try:
                self.push_all(homes, below[c], cport,
                              {p: res[p][0] for p in below[c]})
            finally:
                csrv.stop()
            set_conf(chome, {"listen": ""})
        port = free_port()
        set_conf(hub, {"listen": "127.0.0.1:%d" % port})
        srv = Server(self, hub, port)
        try:
            pushed = self.push_all(homes, cities, port, {
                c: res[c][0] + sum(res[p][0] for p in below[c])
                for c in cities})
            st["t_push"] = time.monotonic() - t0
            st["pushed"] = sum(pushed)
            st["health"] = srv.health()
            st["hub_peak_ingest"] = proc_status(srv.p.pid).get("VmHWM", 0)
        finally:
            srv.stop()
        st["hub_db"] = size_of(os.path.join(hub, "courtsync.db")) + \
            size_of(os.path.join(hub, "courtsync.db-wal"))
        st["port"] = port
        with open(ready, "w") as f:
            json.dump(st, f)
        st["reused"] = False
        return tdir, st

    def push_all(self, homes, courts, port, expect):
        """`courtsync push` of each court to the server on port, a.jobs at
        a time, largest first; each must push expect[p] entries.  Returns
        the entries pushed."""
        lock = threading.Lock()
        errors, pushed = [], []
        for p in courts:
            set_conf(os.path.join(homes, home_name(p)),
                     {"parent_url": "https://127.0.0.1:%d" % port})
        order = sorted(courts, key=lambda p: -expect[p])

        def pusher():
            while True:
                with lock:
                    if errors or not order:
                        return
                    p = order.pop(0)
                try:
                    o, _ = self.cs(os.path.join(homes, home_name(p)),
                                   "push", timeout=300 + expect[p] // 500,
                                   what="courtsync push (%s)" % p,
                                   env=self.env_serve)
                    m = re.search(r"pushed (\d+) entries", o)
                    if not m or int(m.group(1)) != expect[p]:
                        raise BenchError("push (%s): expected %d entries,"
                                         " courtsync said: %s"
                                         % (p, expect[p], o.strip()))
                    with lock:
                        pushed.append(int(m.group(1)))
                except BenchError as e:
                    with lock:
                        errors.append(str(e))
                    return

        ths = [threading.Thread(target=pusher) for _ in range(self.a.jobs)]
        for t in ths:
            t.start()
        for t in ths:
            t.join()
        if errors:
            die(errors[0])
        return pushed

    # ---- measuring ----

    def measure(self, n, tdir, st):
        hub = os.path.join(tdir, "homes", home_name(HUB))
        rows = {}
        reps = self.a.reps if self.a.reps is not None else \
            (1 if n >= 1000000 else 3)
        if self.a.rebuild:
            _, t = self.cs(hub, "rebuild", timeout=7200, what="courtsync"
                           " rebuild (hub)", env=self.env_serve)
            st["t_rebuild"] = t
            say("  courtsync rebuild at the hub: %.1f s" % t)
        outd = os.path.join(tdir, "out")
        os.makedirs(outd, exist_ok=True)
        # One untimed run first: a node opened by a newer courtsync
        # migrates its database once (schema upgrades, warning windows);
        # that is a one-off cost, not a view's.
        _, t = self.cs(hub, "report", "--json", timeout=7200,
                       what="courtsync report (warm-up)", env=self.env_serve)
        st["t_warmup"] = t
        say("  warm-up report (and any one-off migration): %.1f s" % t)
        for name, kind, what, when in MEASURES:
            if kind != "cli" or (when == "recompute" and not self.recompute):
                continue
            ws, cs, rss, nb = [], [], [], 0
            for i in range(reps):
                w, c, r, nb = timed([self.bin, "-C", hub] + what, 7200,
                                 "courtsync " + " ".join(what),
                                 self.env_serve,
                                 os.path.join(outd, "%s.%d" % (
                                     re.sub(r"\W+", "_", name), i)))
                ws.append(w)
                cs.append(c)
                rss.append(r)
            rows[name] = {"wall": statistics.median(ws), "walls": ws,
                          "cpu": statistics.median(cs), "rss": max(rss),
                          "bytes": nb}
        st["figures"] = None
        if "report --json" in rows:
            try:
                with open(os.path.join(outd, "report_json.0"),
                          encoding="utf-8") as f:
                    d = json.load(f)
                t, w = d["indicators"]["total"], d["warnings"]["totals"]
                st["figures"] = "受理 %d (旧存 %d + 新收 %d), 结案 %d;" \
                    " warnings: overdue %d, due soon %d, acknowledged %d" % (
                        t["old_open"] + t["received"], t["old_open"],
                        t["received"], t["closed"], w["overdue"],
                        w["due_soon"], w["acked"])
            except (OSError, ValueError, KeyError, TypeError):
                pass
        port, dport = free_port(), free_port()
        set_conf(hub, {"listen": "127.0.0.1:%d" % port,
                       "dashboard": "127.0.0.1:%d" % dport})
        srv = Server(self, hub, port, dport)
        try:
            base = proc_status(srv.p.pid)
            for name, kind, what, when in MEASURES:
                if kind != "http" or (when == "recompute" and
                                      not self.recompute):
                    continue
                ws, cs, peaks, nb, status = [], [], [], 0, 0
                for i in range(reps):
                    srv.reset_peak()
                    c0 = srv.cpu()
                    status, nb, w = srv.get(what)
                    cs.append(srv.cpu() - c0)
                    ws.append(w)
                    peaks.append(proc_status(srv.p.pid)["VmHWM"])
                rows[name] = {"wall": statistics.median(ws), "walls": ws,
                              "cpu": statistics.median(cs),
                              "rss": max(peaks), "bytes": nb}
            after = proc_status(srv.p.pid)
        finally:
            srv.stop()
            set_conf(hub, {"dashboard": ""})
        st["serve_rss_start"] = base["VmRSS"]
        st["serve_rss_end"] = after["VmRSS"]
        st["reps"] = reps
        return rows


# ---- the report ------------------------------------------------------------

def mb(b):
    return b / 1048576.0


def print_size(n, st, rows):
    say()
    say("== %s cases (受理 执/执恢, about 3 %% more 执保/执异), %d courts,"
        " %d events held by the hub (%d its own); hub database %.0f MB"
        % (fmt_n(n), st["courts"], st["pushed"] + st["own"], st["own"],
           mb(st["hub_db"])))
    say("   setup%s: generate + import %.0f s wall (generate %.0f s, import"
        " %.0f s in %d imports; both summed over the jobs), push %.0f s wall"
        " (%.0f entries/s); hub peak RSS while ingesting %.0f MB"
        % (" (reused)" if st.get("reused") else "", st["t_gen_import"],
           st["t_gen"], st["t_import"], st["imports"],
           st["t_push"], st["pushed"] / max(st["t_push"], 1e-9),
           mb(st.get("hub_peak_ingest", 0))))
    if st.get("figures"):
        say("   at the hub, scope %s, as of %s: %s" % (HUB, AS_OF,
                                                     st["figures"]))
    say("%-30s %9s %9s %9s %11s %7s  %s" % (
        "what", "wall s", "CPU s", "RSS MB", "bytes out", "< 1 s",
        "each run, wall s"))
    for name, kind, _, _ in MEASURES:
        if name not in rows:
            continue
        r = rows[name]
        say("%-30s %9.3f %9.3f %9.1f %11d %7s  %s" % (
            name, r["wall"], r["cpu"], mb(r["rss"]), r["bytes"],
            "met" if r["wall"] < TARGET_ANSWER_S else "MISSED",
            " ".join("%.3f" % w for w in r["walls"])))
    say("(wall, CPU: medians of %d; CPU = user+system of the command, or of"
        " the server during the request (/proc/PID/stat, 10 ms ticks); RSS:"
        " the command's max RSS (os.wait4), or for a URL the server's peak"
        " RSS during the request (VmHWM after clear_refs); serve RSS %.0f MB"
        " at start, %.0f MB after the requests)" % (st["reps"], mb(st["serve_rss_start"]),
                        mb(st["serve_rss_end"])))


def print_summary(results):
    sizes = [n for n, _, _ in results]
    base_n, _, base = results[0]
    say()
    say("== against %s cases (ratios: wall time, CPU time, RSS)"
        % fmt_n(base_n))
    head = "%-30s" % "what"
    for n in sizes:
        head += " %9s" % (fmt_n(n) + " s")
    for n in sizes:
        head += " %9s" % (fmt_n(n) + " MB")
    for n in sizes[1:]:
        head += " %20s" % ("%s÷%s" % (fmt_n(n), fmt_n(base_n)))
    say(head)
    for name, _, _, _ in MEASURES:
        if name not in base:
            continue
        line = "%-30s" % name
        for _, _, rows in results:
            line += " %9.3f" % rows[name]["wall"]
        for _, _, rows in results:
            line += " %9.1f" % mb(rows[name]["rss"])
        for _, _, rows in results[1:]:
            line += " %6.1fx %6.1fx %5.1fx" % (
                rows[name]["wall"] / base[name]["wall"],
                rows[name]["cpu"] / max(base[name]["cpu"], 0.01),
                rows[name]["rss"] / base[name]["rss"])
        say(line)
    say()
    say("targets (issue 8):")
    big = [r for r in results if r[0] == 10 * base_n]
    if big:
        n2, _, rows2 = big[0]
        rr = rows2[REPORT_ROW]["wall"] / base[REPORT_ROW]["wall"]
        rc = rows2[REPORT_ROW]["cpu"] / max(base[REPORT_ROW]["cpu"], 0.01)
        say("  %-58s %6.2fx  %s   (CPU time %.2fx)" % (
            "`%s` time %s÷%s <= %gx" % (REPORT_ROW, fmt_n(n2), fmt_n(base_n),
                                        TARGET_TIME_RATIO), rr,
            "met" if rr <= TARGET_TIME_RATIO else "MISSED", rc))
        r_mb = mb(rows2[REPORT_ROW]["rss"])
        say("  %-58s %6.0f MB %s" % (
            "`%s` RSS at %s < %d MB" % (REPORT_ROW, fmt_n(n2),
                                        TARGET_RSS_MB), r_mb,
            "met" if r_mb < TARGET_RSS_MB else "MISSED"))
    else:
        say("  (the report ratio and RSS targets need a size 10x the"
            " smallest)")
    for n, _, rows in results:
        slow = ["%s %.2f s" % (k, v["wall"]) for k, v in rows.items()
                if v["wall"] >= TARGET_ANSWER_S]
        say("  %-58s %s" % ("every answer < %g s at %s" % (
            TARGET_ANSWER_S, fmt_n(n)),
            "met" if not slow else "MISSED (%d of %d: %s)" % (
                len(slow), len(rows), "; ".join(slow))))


# ---- main ------------------------------------------------------------------

def parse_args():
    ap = argparse.ArgumentParser(
        prog=PROG, description="courtsync views (report, dashboard, /api,"
        " /metrics) at a hub of a synthetic tree of courts, as the cases"
        " grow.")
    ap.add_argument("--sizes", default=None,
                    help="cases (受理) per tree, comma-separated (default"
                    " 10000,100000; with --full 10000,100000,1000000)")
    ap.add_argument("--full", action="store_true",
                    help="add 1,000,000 cases (about 10.6M events)")
    ap.add_argument("--quick", action="store_true",
                    help="smoke run: sizes 1000,10000 on 2 cities x 3"
                    " counties, 1 repetition")
    ap.add_argument("--cities", type=int, default=None,
                    help="city courts under the hub (default 6)")
    ap.add_argument("--counties", type=int, default=None,
                    help="county courts per city (default 8)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("-r", "--reps", type=int, default=None,
                    help="runs of each command/URL, the median shown"
                    " (default 3; 1 at 1M cases)")
    ap.add_argument("-j", "--jobs", type=int, default=2,
                    help="courts generated+imported and pushed at once"
                    " (default 2)")
    ap.add_argument("-b", "--batch", type=int, default=10000,
                    help="max_batch of pushes (default 10000)")
    ap.add_argument("-d", metavar="DIR", default=None,
                    help="work in DIR and keep it (trees are reused by a"
                    " later run with the same DIR and sizes); default a new"
                    " temporary directory under $TMPDIR or /tmp, deleted at"
                    " the end unless -k")
    ap.add_argument("-k", action="store_true",
                    help="keep the temporary directory")
    ap.add_argument("--rebuild", action="store_true",
                    help="run `courtsync rebuild` at the hub before"
                    " measuring (after changing the fold, on a reused tree)")
    ap.add_argument("--bin", default=os.path.join(REPO, "build", "courtsync"),
                    help="the courtsync binary (default build/courtsync)")
    a = ap.parse_args()
    if a.quick:
        a.sizes = a.sizes or "1000,10000"
        a.cities = a.cities or 2
        a.counties = a.counties or 3
        a.reps = a.reps or 1
    a.cities = a.cities or 6
    a.counties = a.counties or 8
    if a.sizes is None:
        a.sizes = "10000,100000" + (",1000000" if a.full else "")
    elif a.full:
        a.sizes += ",1000000"
    try:
        a.sizes = sorted({int(s.replace("_", "")) for s in
                          a.sizes.split(",") if s.strip()})
    except ValueError:
        ap.error("--sizes: comma-separated numbers of cases")
    if not a.sizes or min(a.sizes) < 10 or a.cities < 1 or a.counties < 1 \
            or a.jobs < 1 or (a.reps is not None and a.reps < 1):
        ap.error("sizes must be positive (at least 10 cases)")
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
    ret, keep = 1, a.k or a.d is not None
    try:
        if a.d:
            os.makedirs(a.d, exist_ok=True)
            b.dir = os.path.abspath(a.d)
        else:
            b.dir = tempfile.mkdtemp(prefix=PROG + ".", dir=os.environ.get(
                "TMPDIR") or "/tmp")
        t_all = time.monotonic()
        h = subprocess.run([b.bin, "report", "--help"], capture_output=True,
                           env=b.env)
        b.recompute = b"--recompute" in h.stdout + h.stderr
        say("%s: %s, %d CPUs online, load %s, directory %s" % (
            PROG, dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
            os.cpu_count() or 0, " ".join("%.2f" % x for x in
                                          os.getloadavg()), b.dir))
        say("tree: hub %s (province) + %d cities x %d counties; sizes %s;"
            " `report --recompute` %s" % (
                HUB, a.cities, a.counties,
                ", ".join(fmt_n(n) for n in a.sizes),
                "exists: measured too (the full computation)" if b.recompute
                else "does not exist: today's report is the full"
                " computation"))
        say("deploying (certs/courtsync-certs: CA, %d homes, signed"
            " registry) ..." % (1 + len(gen_tree.plan(
                10, a.cities, a.counties, a.seed))))
        t_dep = b.deploy()
        if t_dep:
            say("  deployed in %.1f s" % t_dep)
        results = []
        for n in a.sizes:
            say("%s cases: generating, importing at every court, pushing to"
                " the hub ..." % fmt_n(n))
            t0 = time.monotonic()
            tdir, st = b.setup(n)
            if not st.get("reused"):
                say("  set up in %.0f s" % (time.monotonic() - t0))
            say("  measuring ...")
            rows = b.measure(n, tdir, st)
            print_size(n, st, rows)
            results.append((n, st, rows))
            if not keep:
                shutil.rmtree(tdir, ignore_errors=True)
        print_summary(results)
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
        for s in list(b.servers):
            try:
                s.stop()
            except Exception as e:    # keep stopping the others
                sys.stderr.write("%s: stopping the hub: %s\n" % (PROG, e))
        if b.dir is not None:
            if keep:
                sys.stderr.write("%s: kept %s\n" % (PROG, b.dir))
            else:
                shutil.rmtree(b.dir, ignore_errors=True)
    return ret


if __name__ == "__main__":
    sys.exit(main())
