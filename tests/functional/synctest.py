"""
synctest — a topology framework for the courtsync sync tests
(docs/PROTOCOL.md), on top of cstest.

    dep = Deployment(tmp_path, COURTS)        # CA, homes, signed registry
    topo = Topology(dep, hubs=HUBS)           # ports, parent_url, fast timers
    topo.start("cn", "cn/gs", "cn/gs/ln")     # `courtsync serve` daemons
    wudu = topo["cn/gs/ln/wudu"]              # a Court (a cstest.Node)
    wudu.file(cno(1)); wudu.ok("push")
    topo.wait_converged()
    topo.close()                              # SIGTERM, exit 0, no sanitizer

Every court is a real `courtsync` home made by `certs/courtsync-certs
deploy`; daemons are real `courtsync serve` processes whose stderr goes to
a file next to the home (checked for sanitizer reports when they stop).
What a hub holds is read from its SQLite database, read-only, or over mTLS
from its read endpoints.  Merkle proofs and (co)signatures are checked
here in Python (RFC 9162, C2SP signed-note / tlog-cosignature), not by
the product.
"""
from __future__ import annotations

import base64
import hashlib
import http.client
import json
import os
import signal
import socket
import sqlite3
import ssl
import subprocess
import time
from pathlib import Path

import msgpack
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

import cstest
from cstest import BIN, DEFAULT_TIME, SANITIZER_MARKS, Node, leaf_hash

REPO = cstest.REPO
CERTS = REPO / "certs" / "courtsync-certs"
GENERATE = REPO / "tests" / "demo" / "generate.py"

# (path, level, code, parent, name)
SPC = ("cn", 1, "最高法", "-", "最高人民法院")
GANSU = ("cn/gs", 2, "甘", "cn", "甘肃省高级人民法院")
LONGNAN = ("cn/gs/ln", 3, "甘12", "cn/gs", "陇南市中级人民法院")
WUDU = ("cn/gs/ln/wudu", 4, "甘1202", "cn/gs/ln", "武都区人民法院")
CHENG = ("cn/gs/ln/cheng", 4, "甘1221", "cn/gs/ln", "成县人民法院")
WEN = ("cn/gs/ln/wen", 4, "甘1222", "cn/gs/ln", "文县人民法院")
XINJIANG = ("cn/xj", 2, "新", "cn", "新疆维吾尔自治区高级人民法院")
WLMQ = ("cn/xj/wlmq", 3, "新01", "cn/xj", "乌鲁木齐市中级人民法院")

COURTS = [SPC, GANSU, LONGNAN, WUDU, CHENG, WEN, XINJIANG, WLMQ]
HUBS = ("cn", "cn/gs", "cn/gs/ln")
COUNTIES = ("cn/gs/ln/wudu", "cn/gs/ln/cheng", "cn/gs/ln/wen")

FAST = {"push_interval_ms": 100, "backoff_base_ms": 50,
        "backoff_cap_ms": 1000}

CODE = {c[0]: c[2] for c in COURTS}


def home_name(path: str) -> str:
    return path.replace("/", "_")


def ancestors(path: str) -> list[str]:
    """'cn/gs/ln/wudu' -> ['cn/gs/ln', 'cn/gs', 'cn']."""
    parts = path.split("/")
    return ["/".join(parts[:i]) for i in range(len(parts) - 1, 0, -1)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(pred, timeout: float = 30.0, interval: float = 0.05,
               what: str = "condition", detail=None):
    """Polls pred() until it returns a true value (returned) or the
    deadline passes (AssertionError naming `what`, plus detail())."""
    deadline = time.monotonic() + timeout
    last_exc = None
    while True:
        try:
            v = pred()
            if v:
                return v
        except (sqlite3.OperationalError, OSError, ConnectionError) as e:
            last_exc = e        # a database being written, a port not open
        if time.monotonic() > deadline:
            msg = f"timed out after {timeout}s waiting for {what}"
            if last_exc is not None:
                msg += f" (last error: {last_exc!r})"
            if detail is not None:
                try:
                    msg += "\n" + str(detail())
                except Exception as e:          # noqa: BLE001
                    msg += f"\n(detail failed: {e!r})"
            raise AssertionError(msg)
        time.sleep(interval)


def certs_tool(*args, timeout: float = 120) -> cstest.Result:
    e = dict(os.environ)
    e.pop("COURTSYNC_HOME", None)
    e.setdefault("LC_ALL", "C.UTF-8")
    e["COURTSYNC_BIN"] = BIN
    cmd = [str(CERTS), *map(str, args)]
    p = subprocess.run(cmd, capture_output=True, text=True, env=e,
                       timeout=timeout)
    r = cstest.Result(cmd, p.returncode, p.stdout, p.stderr)
    assert r.code == 0, "courtsync-certs failed" + r.describe()
    return r


def write_registry(path: Path, courts) -> Path:
    lines = ["# path\tlevel\tcode\tparent\tname"]
    lines += ["\t".join(map(str, c)) for c in courts]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# ---------------------------------------------------------------- daemons

class Daemon:
    """One `courtsync -C HOME serve` process."""

    def __init__(self, court: "Court"):
        self.court = court
        self.n = court._runs
        court._runs += 1
        self.logfile = court.home.parent / f"{home_name(court.path)}.serve{self.n}.log"
        env = dict(os.environ)
        env.pop("COURTSYNC_HOME", None)
        env.pop("COURTSYNC_TIME", None)
        env.setdefault("LC_ALL", "C.UTF-8")
        if court.env.get("COURTSYNC_TIME") is not None:
            env["COURTSYNC_TIME"] = court.env["COURTSYNC_TIME"]
        self._f = open(self.logfile, "wb")
        self.p = subprocess.Popen([BIN, "-C", str(court.home), "serve"],
                                  stdout=self._f, stderr=subprocess.STDOUT,
                                  env=env)

    def log(self) -> str:
        return self.logfile.read_bytes().decode("utf-8", "replace")

    def alive(self) -> bool:
        return self.p.poll() is None

    def check_sanitizer(self):
        text = self.log()
        for m in SANITIZER_MARKS:
            assert m not in text, (f"sanitizer report from {self.court.path}"
                                   f" serve:\n{text[-6000:]}")

    def stop(self, timeout: float = 30) -> int:
        """SIGTERM: an orderly stop, exit status 0, nothing reported."""
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
                self._f.close()
                raise AssertionError(f"{self.court.path} serve did not stop"
                                     f" within {timeout}s of SIGTERM:\n"
                                     + self.log()[-4000:])
        self._f.close()
        rc = self.p.returncode
        self.check_sanitizer()
        assert rc == 0, (f"{self.court.path} serve exited {rc} after"
                         f" SIGTERM:\n{self.log()[-4000:]}")
        return rc

    def kill(self):
        """SIGKILL: no orderly anything."""
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGKILL)
            self.p.wait(timeout=30)
        self._f.close()
        self.check_sanitizer()


# ---------------------------------------------------------------- courts

class Court(Node):
    """A court's home: a cstest.Node that also knows its place in the tree,
    its port (hubs) and its daemon."""

    def __init__(self, home, path: str, time=DEFAULT_TIME):
        super().__init__(home, time=time)
        self.path = path
        self.port: int | None = None
        self.daemon: Daemon | None = None
        self._runs = 0

    def __repr__(self):
        return f"Court({self.path})"

    # -- configuration --
    def conf(self, **kv):
        """Appends `key = value` lines to courtsync.conf (later lines win)."""
        with open(self.home / "courtsync.conf", "a", encoding="utf-8") as f:
            for k, v in kv.items():
                f.write(f"{k} = {v}\n")

    @property
    def db_path(self) -> Path:
        return self.home / "courtsync.db"

    # -- daemon --
    def start(self, wait: bool = True) -> Daemon:
        assert self.daemon is None or not self.daemon.alive(), \
            f"{self.path} is already running"
        self.daemon = Daemon(self)
        if wait:
            self.wait_ready()
        return self.daemon

    def wait_ready(self, timeout: float = 20):
        d = self.daemon
        if self.port is not None:
            def up():
                assert d.alive(), (f"{self.path} serve exited"
                                   f" {d.p.returncode}:\n{d.log()}")
                return health(self.port) is not None
        else:
            def up():
                assert d.alive(), (f"{self.path} serve exited"
                                   f" {d.p.returncode}:\n{d.log()}")
                return "pushing to" in d.log()
        wait_until(up, timeout, what=f"{self.path} serve to be ready",
                   detail=d.log)

    def stop(self):
        if self.daemon is not None:
            d, self.daemon = self.daemon, None
            d.stop()

    def kill(self):
        if self.daemon is not None:
            d, self.daemon = self.daemon, None
            d.kill()

    def restart(self):
        self.stop()
        return self.start()

    # -- mTLS client with this court's certificate --
    def client(self, **kw) -> "Client":
        return Client(self.port, ca=self.home / "ca.crt",
                      cert=self.home / "tls.crt", key=self.home / "tls.key",
                      **kw)

    def as_client_of(self, hub: "Court") -> "Client":
        return Client(hub.port, ca=hub.home / "ca.crt",
                      cert=self.home / "tls.crt", key=self.home / "tls.key")

    # -- what this node holds (its database, read-only) --
    def q(self, sql: str, args=()) -> list:
        return db_query(self.db_path, sql, args)

    def held(self, origin: str) -> "Held":
        return Held.load(self.db_path, origin)

    def vkey(self) -> str:
        return (self.home / "log.vkey").read_text().strip()


def db_query(db: Path, sql: str, args=()) -> list:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        con.execute("PRAGMA busy_timeout = 10000")
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


class Held:
    """Everything a node's database holds about one origin's log."""

    def __init__(self, origin, log_id, entries, checkpoints, cosigs):
        self.origin = origin
        self.log_id = log_id
        self.entries = entries            # [(idx, data)]
        self.checkpoints = checkpoints    # {size: note}
        self.cosigs = cosigs              # {size: {witness: (time, line)}}

    @classmethod
    def load(cls, db: Path, origin: str) -> "Held":
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
        try:
            con.execute("PRAGMA busy_timeout = 10000")
            con.execute("BEGIN")          # one consistent read
            row = con.execute("SELECT id FROM logs WHERE origin = ?",
                              (origin,)).fetchone()
            if row is None:
                return cls(origin, None, [], {}, {})
            lid = row[0]
            entries = con.execute("SELECT idx, data FROM entries WHERE log = ?"
                                  " ORDER BY idx", (lid,)).fetchall()
            cks = dict(con.execute("SELECT size, note FROM checkpoints WHERE"
                                   " log = ?", (lid,)).fetchall())
            cos: dict = {}
            for size, w, t, line in con.execute(
                    "SELECT size, witness, time, line FROM cosigs WHERE"
                    " log = ?", (lid,)):
                cos.setdefault(size, {})[w] = (t, line)
            con.execute("COMMIT")
            return cls(origin, lid, entries, cks, cos)
        finally:
            con.close()

    @property
    def size(self) -> int:
        return len(self.entries)

    def datas(self) -> list[bytes]:
        return [bytes(d) for _, d in self.entries]

    def contiguous(self) -> bool:
        return [i for i, _ in self.entries] == list(range(len(self.entries)))

    def root(self) -> bytes:
        return cstest.merkle_root([leaf_hash(d) for d in self.datas()])

    def latest(self) -> int | None:
        return max(self.checkpoints) if self.checkpoints else None


def origin_state(db: Path, origin: str):
    """What a refused batch must not change at a hub for `origin`: its
    entries, checkpoints, cosignatures, the fold's rows, cursors and the
    evidence table (everything but the `peers` bookkeeping)."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        con.execute("PRAGMA busy_timeout = 10000")
        con.execute("BEGIN")
        out = {}
        row = con.execute("SELECT id FROM logs WHERE origin = ?",
                          (origin,)).fetchone()
        out["logs"] = con.execute("SELECT id, origin FROM logs ORDER BY id"
                                  ).fetchall()
        lid = row[0] if row else -1
        for t in ("entries", "checkpoints", "cosigs", "cases", "case_nodes",
                  "ledger", "suspensions", "acks", "events"):
            rows = con.execute(f"SELECT * FROM {t} WHERE log = ? ORDER BY 1,"
                               f" 2, 3", (lid,)).fetchall()
            out[t] = (len(rows), hashlib.sha256(repr(rows).encode())
                      .hexdigest())
        out["cursors"] = con.execute("SELECT * FROM cursors ORDER BY 1"
                                     ).fetchall()
        out["equivocations"] = con.execute(
            "SELECT id, origin, note_a, note_b FROM equivocations ORDER BY id"
        ).fetchall()
        con.execute("COMMIT")
        return out
    finally:
        con.close()


# ---------------------------------------------------------------- deployment

class Deployment:
    """A CA and one home per court of `courts`, made by courtsync-certs."""

    def __init__(self, base: Path, courts=COURTS, time=DEFAULT_TIME):
        self.base = Path(base)
        self.base.mkdir(parents=True, exist_ok=True)
        self.ca = self.base / "ca"
        self.homes = self.base / "homes"
        self.registry = write_registry(self.base / "registry.tsv", courts)
        self.paths = [c[0] for c in courts]
        certs_tool("deploy", self.ca, self.registry, self.homes)
        self.courts = {p: Court(self.homes / home_name(p), p, time=time)
                       for p in self.paths}

    def __getitem__(self, path) -> Court:
        return self.courts[path]

    def issue(self, path: str, out: Path, not_before: str | None = None,
              not_after: str | None = None) -> Path:
        args = ["issue", self.ca, path, "--registry", self.registry,
                "--out", out]
        if not_after is not None:
            if not_before is not None:
                args += ["--not-before", not_before]
            args += ["--not-after", not_after]
        certs_tool(*args)
        return Path(out)

    def revoke(self, cert: Path):
        certs_tool("revoke", self.ca, cert)

    def other_ca(self, path: str, out: Path) -> Path:
        """A certificate for `path` from a second, unrelated CA."""
        other = self.base / "other-ca"
        if not (other / "ca.key").exists():
            certs_tool("ca", other, "--name", "not the deployment CA")
        certs_tool("issue", other, path, "--out", out)
        return Path(out)


class Topology:
    """A deployment wired as a tree: every hub listens on a free port and
    every court below a hub pushes to it; fast timers for tests."""

    def __init__(self, dep: Deployment, hubs=HUBS, members=None,
                 extra: dict | None = None, per_court: dict | None = None):
        self.dep = dep
        self.hubs = tuple(hubs)
        self.members = tuple(members) if members else (
            self.hubs + tuple(p for p in dep.paths if p.startswith("cn/gs/ln/")))
        for p in self.hubs:
            dep[p].port = free_port()
        for p in self.members:
            c = dep[p]
            kv = dict(FAST)
            if p in self.hubs:
                kv["listen"] = f"127.0.0.1:{c.port}"
            parent = ancestors(p)[0] if "/" in p else None
            if parent is not None and parent in self.hubs:
                kv["parent_url"] = f"https://127.0.0.1:{dep[parent].port}"
            kv.update(extra or {})
            kv.update((per_court or {}).get(p, {}))
            c.conf(**kv)
            c.ok("serve", "--check", msg="configuration OK")

    def __getitem__(self, path) -> Court:
        return self.dep[path]

    def start(self, *paths):
        # top first, so a child's first push finds its parent listening
        for p in sorted(paths, key=lambda p: p.count("/")):
            self.dep[p].start()

    def close(self):
        """Stops every daemon still running; each must exit 0."""
        errors = []
        for p in sorted(self.dep.paths, key=lambda p: -p.count("/")):
            try:
                self.dep[p].stop()
            except AssertionError as e:
                errors.append(str(e))
        assert not errors, "\n\n".join(errors)

    def logs(self) -> str:
        out = []
        for p in self.dep.paths:
            d = self.dep[p].daemon
            if d is not None:
                out.append(f"=== {p} ===\n{d.log()[-2500:]}")
        return "\n".join(out)

    def levels_of(self, origin: str) -> list[Court]:
        """The courts that hold `origin`'s log: itself and its hubs above."""
        return [self.dep[origin]] + [self.dep[a] for a in ancestors(origin)
                                     if a in self.hubs and a in self.members]

    def state(self, origin: str) -> dict:
        return {c.path: c.held(origin).size for c in self.levels_of(origin)}

    def converged(self, origin: str) -> bool:
        own = self.dep[origin]
        size = own.size()
        return all(c.held(origin).size == size
                   for c in self.levels_of(origin)[1:])

    def wait_converged(self, origins, timeout: float = 60):
        for o in origins:
            wait_until(lambda o=o: self.converged(o), timeout,
                       what=f"every level to hold {o}'s log",
                       detail=lambda o=o: f"sizes: {self.state(o)}\n"
                       + self.logs())

    def settle(self, hub: str, origin: str, timeout: float = 30):
        """Waits until `hub` has nothing left to relay for origin: its
        cursor is its size and its latest checkpoint carries its own
        cosignature and those of every hub above it in the topology."""
        c = self.dep[hub]
        above = {a for a in ancestors(hub) if a in self.hubs}

        def quiet():
            h = c.held(origin)
            if h.latest() is None:
                return True
            cur = c.q("SELECT size FROM cursors WHERE origin = ?", (origin,))
            return ({hub} | above) <= set(h.cosigs.get(h.latest(), {})) \
                and (not above or cur == [(h.size,)])
        wait_until(quiet, timeout, what=f"{hub} to settle {origin}",
                   detail=self.logs)

    def cosigned_by_all(self, origin: str) -> bool:
        """origin's latest checkpoint, at origin, has a cosignature from
        every court above it."""
        h = self.dep[origin].held(origin)
        latest = h.latest()
        if latest is None or latest != h.size:
            return False
        return set(ancestors(origin)) <= set(h.cosigs.get(latest, {}))


# ---------------------------------------------------------------- HTTP

class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def ctype(self) -> str:
        return self.headers.get("content-type", "")

    def msg(self):
        return msgpack.unpackb(self.body, raw=False)

    def __repr__(self):
        try:
            b = self.msg() if "msgpack" in self.ctype else self.body[:500]
        except Exception:            # noqa: BLE001
            b = self.body[:500]
        return f"<{self.status} {self.ctype} {b!r}>"


class Client:
    """HTTPS to a hub on 127.0.0.1, pinning the deployment CA, optionally
    with a client certificate.  A new connection per request."""

    def __init__(self, port: int, ca: Path, cert: Path | None = None,
                 key: Path | None = None, timeout: float = 30):
        self.port = port
        self.timeout = timeout
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.load_verify_locations(str(ca))
        ctx.check_hostname = True
        if cert is not None:
            ctx.load_cert_chain(str(cert), str(key))
        self.ctx = ctx

    def request(self, method: str, path: str, body: bytes | None = None,
                ctype: str = "application/msgpack") -> Response:
        conn = http.client.HTTPSConnection("127.0.0.1", self.port,
                                           context=self.ctx,
                                           timeout=self.timeout)
        try:
            headers = {"Content-Type": ctype} if body is not None else {}
            conn.request(method, path, body=body, headers=headers)
            r = conn.getresponse()
            data = r.read()
            return Response(r.status, {k.lower(): v for k, v in
                                       r.getheaders()}, data)
        finally:
            conn.close()

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post(self, path: str, body: bytes) -> Response:
        return self.request("POST", path, body)

    def push(self, batch: dict | bytes) -> Response:
        if isinstance(batch, dict):
            batch = msgpack.packb(batch, use_bin_type=True)
        return self.post("/v1/push", batch)


def health(port: int) -> dict | None:
    """GET /healthz without a client certificate (None if not up)."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    try:
        conn = http.client.HTTPSConnection("127.0.0.1", port, context=ctx,
                                           timeout=5)
        conn.request("GET", "/healthz")
        r = conn.getresponse()
        body = r.read()
        conn.close()
    except (OSError, http.client.HTTPException):
        return None
    if r.status != 200:
        return None
    return json.loads(body)


def batch(origin: str, start: int, entries: list[bytes], checkpoint: str
          ) -> dict:
    return {"origin": origin, "start": start, "entries": list(entries),
            "checkpoint": checkpoint}


def court_batch(court: Court, start: int, end: int, origin: str | None = None
                ) -> dict:
    """A batch built from what `court` holds of origin (default: its own
    log): entries [start, end) and its checkpoint of size end."""
    origin = origin or court.path
    h = court.held(origin)
    assert end in h.checkpoints, (f"{court.path} holds no checkpoint of"
                                  f" {origin} at {end}: {sorted(h.checkpoints)}")
    return batch(origin, start, h.datas()[start:end], h.checkpoints[end])


# ---------------------------------------------------------------- notes

def parse_checkpoint(note: str) -> tuple[str, int, bytes]:
    body, _ = cstest.parse_note(note)
    lines = body.decode().split("\n")
    return lines[0], int(lines[1]), base64.b64decode(lines[2])


def note_body(note: str) -> bytes:
    return cstest.parse_note(note)[0]


def vkey_pub(vkey: str) -> tuple[str, bytes]:
    name, _, pub = cstest.parse_vkey(vkey)
    return name, pub


def key_id(name: str, typ: int, pub: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([typ]) + pub
                          ).digest()[:4]


def verify_court_sig(note: str, vkey: str) -> bool:
    """The court's own signature (type 0x01) over the body."""
    name, pub = vkey_pub(vkey)
    body, sigs = cstest.parse_note(note)
    kid = key_id(name, 0x01, pub)
    mine = [s for n, s in sigs if n == name and s[:4] == kid]
    if not mine:
        return False
    try:
        for s in mine:
            Ed25519PublicKey.from_public_bytes(pub).verify(s[4:], body)
    except InvalidSignature:
        return False
    return True


def cosignatures(note: str, registry: dict) -> dict:
    """{witness path: time} for every cosignature line of `note` that
    verifies as C2SP tlog-cosignature/v1 by a key of the registry
    ({path: vkey}); raises AssertionError for a line that names a witness
    and its key ID but does not verify."""
    body, sigs = cstest.parse_note(note)
    out = {}
    for name, raw in sigs:
        path = name[len("courtsync/"):]
        if path not in registry:
            continue
        _, pub = vkey_pub(registry[path])
        if raw[:4] != key_id(name, 0x04, pub):
            continue            # e.g. the court's own (type 0x01) line
        assert len(raw) == 4 + 8 + 64, f"cosignature of {name}: {len(raw)} bytes"
        t = int.from_bytes(raw[4:12], "big")
        msg = b"cosignature/v1\ntime %d\n" % t + body
        try:
            Ed25519PublicKey.from_public_bytes(pub).verify(raw[12:], msg)
        except InvalidSignature:
            raise AssertionError(f"bad cosignature by {name} on\n{note}")
        out[path] = t
    return out


def read_registry(home: Path) -> dict:
    """{path: vkey} from a home's signed registry.tsv."""
    out = {}
    for line in (home / "registry.tsv").read_text().splitlines():
        if not line or line.startswith("#"):
            continue
        f = line.split("\t")
        out[f[0]] = f[5]
    return out


# ---------------------------------------------------------------- RFC 9162

def _node(a: bytes, b: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + a + b).digest()


def verify_inclusion(index: int, size: int, leaf: bytes, proof: list[bytes],
                     root: bytes) -> bool:
    """RFC 9162 §2.1.3.2."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = _node(p, r)
            if not fn & 1:
                while True:
                    fn >>= 1
                    sn >>= 1
                    if fn & 1 or fn == 0:
                        break
        else:
            r = _node(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(m: int, n: int, root_m: bytes, root_n: bytes,
                       proof: list[bytes]) -> bool:
    """RFC 9162 §2.1.4.2 (0 < m <= n)."""
    if m == n:
        return not proof and root_m == root_n
    if not 0 < m < n or not proof:
        return False
    if m & (m - 1) == 0:            # a power of two: prepend first_hash
        proof = [root_m] + list(proof)
    fn, sn = m - 1, n - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = _node(c, fr)
            sr = _node(c, sr)
            if not fn & 1:
                while True:
                    fn >>= 1
                    sn >>= 1
                    if fn & 1 or fn == 0:
                        break
        else:
            sr = _node(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == root_m and sr == root_n


# ---------------------------------------------------------------- data

def generate(code: str, cases: int, seed: int, out: Path, **kw) -> Path:
    args = ["/usr/bin/python3", str(GENERATE), "--code", code, "--cases",
            str(cases), "--seed", str(seed)]
    for k, v in kw.items():
        args += [f"--{k}", str(v)]
    p = subprocess.run(args, capture_output=True, timeout=120, check=True)
    out.write_bytes(p.stdout)
    return out


def case_no(code: str, seq: int, year: int = 2024) -> str:
    return cstest.cno(seq, year=year, court=code)


def record_cases(court, code, seqs):
    """Two entries per case: case_filed, then node_done (notice)."""
    for s in seqs:
        court.ok("file", "--case", case_no(code, s), "--date", "2024-02-01",
                 "--applicant", "甲公司", "--respondent", "乙某",
                 "--claimed", "1000.00")
        court.ok("node", "--case", case_no(code, s), "--date", "2024-02-05",
                 "--node", "notice")


def staff(court: Court, name: str = "ops", role: str = "supervisor",
          scope: str | None = None, password: str = "correct horse 1",
          display: str | None = None) -> str:
    """Adds a dashboard account (docs/ACCESS.md) to a court's node and
    returns a new API token for it (Authorization: Bearer TOKEN)."""
    pwf = court.home.parent / f"{home_name(court.path)}-{name}.pw"
    pwf.write_text(password + "\n", encoding="utf-8")
    args = ["user", "add", name, "--role", role, "--password-file", pwf]
    if scope is not None:
        args += ["--scope", scope]
    if display is not None:
        args += ["--display", display]
    court.ok(*args)
    return court.ok("user", "token", name).out.strip()


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def flip_sig(note: str) -> str:
    """The court's signature with its last byte changed."""
    body, _, sigs = note.partition("\n\n")
    lines = sigs.split("\n")
    name, b64 = lines[0][2:].rsplit(" ", 1)
    raw = bytearray(base64.b64decode(b64))
    raw[-1] ^= 0x01
    lines[0] = f"\u2014 {name} " + base64.b64encode(bytes(raw)).decode()
    return body + "\n\n" + "\n".join(lines)


# ---------------------------------------------------------------- cosigning

def cosig_line(home: Path, path: str, note: str, t: int) -> str:
    """A C2SP tlog-cosignature/v1 line (docs/FORMAT.md §9.1) by the court
    whose home is `home`, over the body of the checkpoint `note`, dated t:
    made here with python3-cryptography, independently of the C code."""
    from cryptography.hazmat.primitives import serialization
    key = serialization.load_pem_private_key(
        (Path(home) / "log.key").read_bytes(), password=None)
    pub = key.public_key().public_bytes(serialization.Encoding.Raw,
                                        serialization.PublicFormat.Raw)
    name = f"courtsync/{path}"
    keyid = hashlib.sha256(name.encode() + b"\n\x04" + pub).digest()[:4]
    body = note[:note.index("\n\n") + 1].encode()
    sig = key.sign(b"cosignature/v1\ntime %d\n" % t + body)
    raw = keyid + t.to_bytes(8, "big") + sig
    return f"\u2014 {name} {base64.b64encode(raw).decode()}"


def own_lines(note: str, origin: str) -> str:
    """The checkpoint note with only the court's own signature line(s):
    every cosignature stripped."""
    head, sigs = note.rstrip("\n").rsplit("\n\n", 1)
    keep = [s for s in sigs.split("\n")
            if s.startswith(f"\u2014 courtsync/{origin} ")]
    return head + "\n\n" + "\n".join(keep) + "\n"
