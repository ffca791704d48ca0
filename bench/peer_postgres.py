#!/usr/bin/python3
"""peer_postgres.py — the PostgreSQL peer of bench_ingest.py: PostgreSQL 15
logical replication of the same entry bytes, over mutual TLS, on loopback.

In a new temporary directory (mkdtemp under -d DIR, $TMPDIR or /tmp):

  1. a test CA (openssl), a server certificate for each cluster
     (subjectAltName IP:127.0.0.1, so sslmode=verify-full holds) and a client
     certificate CN=repl for the subscriber's connection;
  2. two clusters from Debian's packages (/usr/lib/postgresql/15/bin:
     initdb, pg_ctl), `pub` and `sub`, each listening on 127.0.0.1 only, on a
     free port, with ssl = on.  Local administration goes through a Unix
     socket in the temporary directory (trust); TCP takes only
     `hostssl bench repl 127.0.0.1/32 cert` (cert implies
     clientcert=verify-full).  Run as root, the clusters run as the
     `postgres` user (runuser), which owns the directory;
  3. `entries(log int, idx bigint, data bytea, primary key(log, idx))` on
     both; `CREATE PUBLICATION pub FOR TABLE entries` on pub;
     `CREATE SUBSCRIPTION sub CONNECTION 'host=127.0.0.1 port=.. dbname=bench
     user=repl sslmode=verify-full sslrootcert=.. sslcert=.. sslkey=..'
     PUBLICATION pub WITH (copy_data = false)` on sub, created before any
     row exists: what is measured is streaming of new rows;
  4. for each size (default 100000 and 1000000 rows): the first N rows of
     the input (a courtsync SQLite database: `SELECT log, idx, data FROM
     entries ORDER BY log, idx`) are inserted at the publisher, B rows per
     transaction (default 10000, courtsync's max_batch), one
     `COPY entries FROM STDIN (FORMAT binary)` each, autocommit,
     synchronous_commit = on.  The clock starts before the first COPY and
     stops when the subscriber has the last row (polled every 2 ms by its
     primary key: the apply worker commits in the publisher's order, so the
     last row means all rows).  Then, outside the clock, both sides are
     checked equal (count, md5 over all rows in key order), the table is
     truncated on the publisher (replicated) and both clusters checkpoint.

The COPY payloads are built in memory before the clock starts; the client
speaks the PostgreSQL protocol itself (standard library only, no driver).
The clusters are stopped and the directory deleted on exit, on errors and
on SIGINT/SIGTERM/SIGHUP.  Exit 0 when every size completes, 1 on an error,
2 on a usage error.  See bench/README.md.
"""
import argparse
import json
import os
import pwd
import shutil
import signal
import socket
import sqlite3
import struct
import subprocess
import sys
import tempfile
import time

PROG = "peer_postgres"
PGBIN = "/usr/lib/postgresql/15/bin"
POLL = 0.002


class PeerError(Exception):
    pass


def die(msg):
    raise PeerError(msg)


def say(msg=""):
    print(msg, flush=True)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---- a minimal PostgreSQL client (protocol 3.0, trust over a Unix socket) --

class PG:
    def __init__(self, sockdir, port, user, db):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(600)
        self.s.connect(os.path.join(sockdir, ".s.PGSQL.%d" % port))
        self.buf = b""
        body = struct.pack("!i", 196608)
        for k, v in (("user", user), ("database", db),
                     ("application_name", PROG)):
            body += k.encode() + b"\0" + v.encode() + b"\0"
        body += b"\0"
        self.s.sendall(struct.pack("!i", len(body) + 4) + body)
        while True:
            t, m = self.msg()
            if t == b"R":
                if struct.unpack("!i", m[:4])[0] != 0:
                    die("postgres asks for a password: pg_hba is not trust")
            elif t == b"E":
                die("connect: %s" % self.err(m))
            elif t == b"Z":
                return

    def recv(self, n):
        while len(self.buf) < n:
            d = self.s.recv(1 << 16)
            if not d:
                die("postgres closed the connection")
            self.buf += d
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def msg(self):
        h = self.recv(5)
        n = struct.unpack("!i", h[1:])[0]
        return h[:1], self.recv(n - 4)

    @staticmethod
    def err(m):
        f = {}
        for part in m.split(b"\0"):
            if part:
                f[part[:1]] = part[1:].decode(errors="replace")
        return "%s: %s%s" % (f.get(b"S", "ERROR"), f.get(b"M", "?"),
                             (" (%s)" % f[b"D"]) if b"D" in f else "")

    def send(self, t, body):
        self.s.sendall(t + struct.pack("!i", len(body) + 4) + body)

    def finish(self, what, rows=None):
        """Reads to ReadyForQuery; raises on an ErrorResponse."""
        error = None
        while True:
            t, m = self.msg()
            if t == b"D" and rows is not None:
                n = struct.unpack("!h", m[:2])[0]
                row, o = [], 2
                for _ in range(n):
                    ln = struct.unpack("!i", m[o:o + 4])[0]
                    o += 4
                    if ln < 0:
                        row.append(None)
                    else:
                        row.append(m[o:o + ln].decode())
                        o += ln
                rows.append(row)
            elif t == b"E":
                error = self.err(m)
            elif t == b"G":       # COPY FROM STDIN we did not ask for
                self.send(b"f", b"unexpected\0")
            elif t == b"Z":
                if error:
                    die("%s: %s" % (what, error))
                return rows

    def q(self, sql):
        """Simple query; returns the rows (lists of text) of its last
        statement."""
        self.send(b"Q", sql.encode() + b"\0")
        return self.finish(sql[:60], [])

    def one(self, sql):
        rows = self.q(sql)
        return rows[0][0] if rows else None

    def copy_in(self, sql, payload):
        self.send(b"Q", sql.encode() + b"\0")
        while True:
            t, m = self.msg()
            if t == b"G":
                break
            if t == b"E":
                e = self.err(m)
                self.finish(sql)
                die("%s: %s" % (sql, e))
        # CopyData messages of at most 1 MiB, sent together.
        parts, step = [], 1 << 20
        for k in range(0, len(payload), step):
            c = payload[k:k + step]
            parts.append(b"d" + struct.pack("!i", len(c) + 4) + c)
        parts.append(b"c\0\0\0\4")
        self.s.sendall(b"".join(parts))
        self.finish(sql)

    def close(self):
        try:
            self.send(b"X", b"")
        except OSError:
            pass
        self.s.close()


PGCOPY_HEAD = b"PGCOPY\n\xff\r\n\0" + struct.pack("!ii", 0, 0)
PGCOPY_TAIL = struct.pack("!h", -1)


def copy_payloads(rows, batch):
    """Binary COPY payloads of `batch` rows each."""
    out = []
    row = struct.Struct("!hiiiqi")
    for k in range(0, len(rows), batch):
        parts = [PGCOPY_HEAD]
        for log, idx, data in rows[k:k + batch]:
            parts.append(row.pack(3, 4, log, 8, idx, len(data)))
            parts.append(data)
        parts.append(PGCOPY_TAIL)
        out.append(b"".join(parts))
    return out


# ---- the clusters ----------------------------------------------------------

class Peer:
    def __init__(self, a):
        self.a = a
        self.dir = None
        self.started = []
        self.as_user = []
        self.uid = self.gid = None
        if os.geteuid() == 0:
            try:
                pw = pwd.getpwnam("postgres")
            except KeyError:
                die("running as root and there is no `postgres` user to run"
                    " the clusters as")
            self.uid, self.gid = pw.pw_uid, pw.pw_gid
            self.as_user = ["runuser", "-u", "postgres", "--"]

    def run(self, argv, what, timeout=120, as_pg=True):
        argv = (self.as_user if as_pg else []) + argv
        try:
            p = subprocess.run(argv, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               timeout=timeout, cwd=self.dir)
        except subprocess.TimeoutExpired:
            die("%s: no answer after %d s" % (what, timeout))
        except OSError as e:
            die("%s: %s: %s" % (what, argv[0], e))
        if p.returncode != 0:
            die("%s failed (exit %d): %s" % (
                what, p.returncode,
                (p.stderr or p.stdout).decode(errors="replace").strip()[-1500:]))
        return p.stdout.decode(errors="replace")

    def own(self, path, mode):
        os.chmod(path, mode)
        if self.uid is not None:
            os.chown(path, self.uid, self.gid)

    def path(self, *p):
        return os.path.join(self.dir, *p)

    def certs(self):
        d = self.path("tls")
        os.mkdir(d)
        self.own(d, 0o700)
        ossl = ["openssl"]
        key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
               "-nodes"]
        self.run(ossl + ["req", "-x509"] + key + [
            "-keyout", self.path("tls", "ca.key"), "-out",
            self.path("tls", "ca.crt"), "-days", "2", "-subj",
            "/CN=courtsync bench peer CA", "-addext",
            "basicConstraints=critical,CA:true", "-addext",
            "keyUsage=critical,keyCertSign,cRLSign"], "openssl (CA)",
            as_pg=False)
        ext = self.path("tls", "ext.cnf")
        with open(ext, "w") as f:
            f.write("[server]\nsubjectAltName = IP:127.0.0.1\n"
                    "extendedKeyUsage = serverAuth\n"
                    "[client]\nextendedKeyUsage = clientAuth\n")
        for name, cn, sect in (("pub", "127.0.0.1", "server"),
                               ("sub", "127.0.0.1", "server"),
                               ("repl", "repl", "client")):
            k, r, c = (self.path("tls", name + x) for x in
                       (".key", ".csr", ".crt"))
            self.run(ossl + ["req"] + key + ["-keyout", k, "-out", r,
                                             "-subj", "/CN=" + cn],
                     "openssl (%s key)" % name, as_pg=False)
            self.run(ossl + ["x509", "-req", "-in", r, "-CA",
                             self.path("tls", "ca.crt"), "-CAkey",
                             self.path("tls", "ca.key"), "-CAcreateserial",
                             "-days", "2", "-out", c, "-extfile", ext,
                             "-extensions", sect],
                     "openssl (%s certificate)" % name, as_pg=False)
        for f in os.listdir(d):
            self.own(os.path.join(d, f), 0o600)

    def cluster(self, name):
        data, sock = self.path(name), self.path("s-" + name)
        os.mkdir(sock)
        self.own(sock, 0o700)
        self.run([os.path.join(PGBIN, "initdb"), "-D", data, "-U", "postgres",
                  "-A", "trust", "-E", "UTF8", "--locale=C", "-N"],
                 "initdb (%s)" % name)
        port = free_port()
        tls = self.path("tls")
        conf = {
            "listen_addresses": "'127.0.0.1'",
            "port": port,
            "unix_socket_directories": "'%s'" % sock,
            "ssl": "on",
            "ssl_cert_file": "'%s/%s.crt'" % (tls, name),
            "ssl_key_file": "'%s/%s.key'" % (tls, name),
            "ssl_ca_file": "'%s/ca.crt'" % tls,
            "wal_level": "logical",
            "max_connections": 20,
            "fsync": "on",
            "synchronous_commit": "on",
            "logging_collector": "off",
        }
        conf.update(self.a.set)
        with open(os.path.join(data, "postgresql.conf"), "a") as f:
            f.write("\n# %s\n" % PROG)
            for k, v in conf.items():
                f.write("%s = %s\n" % (k, v))
        with open(os.path.join(data, "pg_hba.conf"), "w") as f:
            f.write("local all all trust\n"
                    "hostssl bench repl 127.0.0.1/32 cert\n")
        self.started.append(data)     # before: a signal may come mid-start
        self.run([os.path.join(PGBIN, "pg_ctl"), "-D", data, "-l",
                  self.path(name + ".log"), "-w", "-t", "60", "start"],
                 "pg_ctl start (%s)" % name)
        c = PG(sock, port, "postgres", "postgres")
        c.q("CREATE DATABASE bench")
        c.close()
        c = PG(sock, port, "postgres", "bench")
        c.q("CREATE TABLE entries(log int, idx bigint, data bytea,"
            " PRIMARY KEY(log, idx))")
        return c, port

    def stop(self):
        for data in reversed(self.started):
            if not os.path.exists(os.path.join(data, "postmaster.pid")):
                continue
            pg_ctl = os.path.join(PGBIN, "pg_ctl")
            for mode in ("fast", "immediate"):
                try:
                    self.run([pg_ctl, "-D", data, "-m", mode, "-w", "-t", "30",
                              "stop"], "pg_ctl stop", timeout=60)
                    break
                except PeerError as e:
                    sys.stderr.write("%s: %s\n" % (PROG, e))
        self.started = []

    def log_tail(self, name):
        try:
            with open(self.path(name + ".log"), "rb") as f:
                return f.read()[-1500:].decode(errors="replace").strip()
        except OSError:
            return "(no log)"

    # ---- the measurement ----

    def setup(self):
        self.certs()
        self.pub, self.pub_port = self.cluster("pub")
        self.sub, self.sub_port = self.cluster("sub")
        self.pub.q("CREATE ROLE repl LOGIN REPLICATION")
        self.pub.q("GRANT SELECT ON entries TO repl")
        self.pub.q("CREATE PUBLICATION pub FOR TABLE entries")
        tls = self.path("tls")
        self.conninfo = (
            "host=127.0.0.1 port=%d dbname=bench user=repl sslmode=verify-full"
            " sslrootcert=%s/ca.crt sslcert=%s/repl.crt sslkey=%s/repl.key"
            % (self.pub_port, tls, tls, tls))
        self.sub.q("CREATE SUBSCRIPTION sub CONNECTION '%s' PUBLICATION pub"
                   " WITH (copy_data = false)" % self.conninfo)
        deadline = time.monotonic() + 60
        while True:
            r = self.pub.q(
                "SELECT s.ssl, s.version, s.cipher, s.client_dn, r.state"
                " FROM pg_stat_replication r JOIN pg_stat_ssl s USING (pid)"
                " WHERE r.application_name = 'sub'")
            ready = self.sub.one("SELECT count(*) FROM pg_subscription_rel"
                                 " WHERE srsubstate = 'r'")
            if r and r[0][4] == "streaming" and ready == "1":
                self.tls = r[0]
                break
            if time.monotonic() > deadline:
                die("the subscription is not streaming after 60 s:\n"
                    "pub: %s\nsub: %s" % (self.log_tail("pub"),
                                          self.log_tail("sub")))
            time.sleep(0.1)
        if self.tls[0] != "t" or "repl" not in (self.tls[3] or ""):
            die("the replication connection is not TLS with the client"
                " certificate: %s" % (self.tls,))
        self.sub_sync = self.sub.one("SELECT subsynccommit FROM"
                                     " pg_subscription WHERE subname = 'sub'")

    def digest(self, c):
        return c.q("SELECT count(*), coalesce(sum(length(data)), 0),"
                   " md5(string_agg(md5(data), '' ORDER BY log, idx))"
                   " FROM entries")[0]

    def measure(self, rows, n):
        payloads = copy_payloads(rows[:n], self.a.batch)
        last = rows[n - 1]
        probe = ("SELECT 1 FROM entries WHERE log = %d AND idx = %d"
                 % (last[0], last[1]))
        copy = "COPY entries FROM STDIN (FORMAT binary)"
        t0 = time.monotonic()
        for p in payloads:
            self.pub.copy_in(copy, p)
        t_ins = time.monotonic() - t0
        limit = time.monotonic() + max(120, n / 1000)
        polls = 0
        while not self.sub.q(probe):
            polls += 1
            if time.monotonic() > limit:
                die("the subscriber lacks the last row %.0f s after the"
                    " insert: %s" % (limit - t0, self.log_tail("sub")))
            time.sleep(POLL)
        t_all = time.monotonic() - t0
        dp, ds = self.digest(self.pub), self.digest(self.sub)
        if dp != ds or int(dp[0]) != n:
            die("the subscriber differs from the publisher after %d rows:"
                " pub %s, sub %s" % (n, dp, ds))
        self.pub.q("TRUNCATE entries")
        deadline = time.monotonic() + 120
        while self.sub.one("SELECT count(*) FROM entries") != "0":
            if time.monotonic() > deadline:
                die("TRUNCATE did not reach the subscriber in 120 s")
            time.sleep(0.05)
        self.pub.q("CHECKPOINT")
        self.sub.q("CHECKPOINT")
        return {"rows": n, "bytes": int(dp[1]), "batches": len(payloads),
                "insert_s": t_ins, "end_to_end_s": t_all,
                "rows_per_s": n / t_all, "insert_rows_per_s": n / t_ins,
                "lag_after_insert_s": t_all - t_ins, "polls": polls,
                "md5": dp[2]}


def read_rows(db, n):
    c = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    try:
        rows = c.execute("SELECT log, idx, data FROM entries"
                         " ORDER BY log, idx LIMIT ?", (n,)).fetchall()
    except sqlite3.Error as e:
        die("%s: %s" % (db, e))
    finally:
        c.close()
    return rows


def parse_args():
    ap = argparse.ArgumentParser(
        prog=PROG, description="PostgreSQL 15 logical replication of a"
        " courtsync database's entries over mutual TLS on loopback:"
        " rows/s end to end.")
    ap.add_argument("--db", required=True,
                    help="a courtsync SQLite database (table entries: log,"
                    " idx, data), e.g. a county's HOME/courtsync.db")
    ap.add_argument("--sizes", default="100000,1000000",
                    help="rows per run, comma separated (default"
                    " 100000,1000000); the first N rows in (log, idx) order")
    ap.add_argument("-b", "--batch", type=int, default=10000,
                    help="rows per COPY transaction (default 10000)")
    ap.add_argument("-d", metavar="DIR", default=None,
                    help="where to make the temporary directory (default"
                    " $TMPDIR or /tmp; a real disk, traversable by the"
                    " postgres user)")
    ap.add_argument("-k", action="store_true",
                    help="keep the temporary directory (clusters stopped)")
    ap.add_argument("--set", action="append", default=[], metavar="K=V",
                    help="an extra postgresql.conf line for both clusters")
    ap.add_argument("--json", metavar="FILE",
                    help="also write the results as JSON to FILE")
    a = ap.parse_args()
    try:
        a.sizes = [int(x) for x in a.sizes.split(",") if x.strip()]
    except ValueError:
        ap.error("--sizes: comma-separated integers")
    if not a.sizes or min(a.sizes) < 1 or a.batch < 1:
        ap.error("sizes must be positive")
    kv = {}
    for s in a.set:
        k, eq, v = s.partition("=")
        if not eq:
            ap.error("--set K=V")
        kv[k.strip()] = v.strip()
    a.set = kv
    return a


def main():
    a = parse_args()
    for tool in ("initdb", "pg_ctl", "postgres"):
        if not os.access(os.path.join(PGBIN, tool), os.X_OK):
            sys.stderr.write("%s: %s/%s is missing: apt-get install"
                             " postgresql-15\n" % (PROG, PGBIN, tool))
            return 1

    def on_signal(sig, _frame):
        raise PeerError("interrupted by signal %d" % sig)
    for s in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, on_signal)
    peer, ret = None, 1
    try:
        peer = Peer(a)
        rows = read_rows(a.db, max(a.sizes))
        if len(rows) < max(a.sizes):
            die("%s holds %d entries, fewer than %d" % (a.db, len(rows),
                                                       max(a.sizes)))
        parent = a.d or os.environ.get("TMPDIR") or "/tmp"
        peer.dir = tempfile.mkdtemp(prefix=PROG + ".", dir=parent)
        peer.own(peer.dir, 0o700)
        peer.setup()
        ver = peer.pub.one("SHOW server_version")
        say("%s: PostgreSQL %s, two clusters on 127.0.0.1:%d (publisher) and"
            " :%d (subscriber), directory %s" % (PROG, ver, peer.pub_port,
                                                 peer.sub_port, peer.dir))
        say("replication connection: ssl=%s %s %s, client certificate %s;"
            " subscription synchronous_commit=%s; publisher fsync=on,"
            " synchronous_commit=on" % (peer.tls[0], peer.tls[1], peer.tls[2],
                                        peer.tls[3], peer.sub_sync))
        results = []
        for n in a.sizes:
            r = peer.measure(rows, n)
            results.append(r)
            say("%9d rows (%6.1f MB, %d COPY transactions of <= %d):"
                " insert %6.2f s (%7.0f rows/s), end to end %6.2f s"
                " -> %7.0f rows/s (subscriber %.3f s behind)" % (
                    n, r["bytes"] / 1e6, r["batches"], a.batch, r["insert_s"],
                    r["insert_rows_per_s"], r["end_to_end_s"],
                    r["rows_per_s"], r["lag_after_insert_s"]))
        if a.json:
            with open(a.json, "w") as f:
                json.dump({"server_version": ver, "batch": a.batch,
                           "tls": peer.tls, "sub_synchronous_commit":
                           peer.sub_sync, "runs": results}, f, indent=1)
        ret = 0
    except PeerError as e:
        sys.stderr.write("%s: error: %s\n" % (PROG, e))
    except KeyboardInterrupt:
        sys.stderr.write("%s: interrupted\n" % PROG)
    except OSError as e:
        sys.stderr.write("%s: error: %s\n" % (PROG, e))
    finally:
        for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
            signal.signal(s, signal.SIG_IGN)    # let the clusters stop
        if peer is not None:
            for c in ("pub", "sub"):
                if hasattr(peer, c):
                    try:
                        getattr(peer, c).close()
                    except Exception:
                        pass
            peer.stop()
            if peer.dir is not None:
                if a.k:
                    sys.stderr.write("%s: kept %s\n" % (PROG, peer.dir))
                else:
                    shutil.rmtree(peer.dir, ignore_errors=True)
    return ret


if __name__ == "__main__":
    sys.exit(main())
