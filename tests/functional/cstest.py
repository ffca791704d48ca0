"""
cstest — a small functional-test framework for courtsync, in the Bitcoin
Core / Redis way: every node is a real `courtsync` process run against its
own home directory, every command has a timeout, and every helper that
expects a failure also proves that the failure changed nothing.

    node = Node(tmp_path / "wudu")
    node.init()                                   # a basic court, 甘1202
    node.ok("file", "--case", cno(1), ...)        # exit 0 or fail loudly
    node.refused("funds-out", ..., msg="paying out")   # exit 1, message,
                                                  # and log/cases unchanged

The binary comes from $COURTSYNC_BIN (default <repo>/build/courtsync).
Recorded times are made deterministic with $COURTSYNC_TIME: every Node
passes DEFAULT_TIME unless told otherwise.
"""
from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import struct
import subprocess
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BIN = os.environ.get("COURTSYNC_BIN") or str(REPO / "build" / "courtsync")
TIMEOUT = float(os.environ.get("COURTSYNC_TEST_TIMEOUT", "60"))

# 2024-12-31T00:00:00Z = 2024-12-31 08:00 in China (UTC+8): every 2024
# business date is on or before the recording day.
DEFAULT_TIME = 1735603200

EXIT_OK, EXIT_REFUSED, EXIT_USAGE, EXIT_SYSTEM = 0, 1, 2, 3

EMPTY_ROOT = hashlib.sha256(b"").hexdigest()

WUDU = {"path": "cn/gs/ln/wudu", "name": "武都区人民法院", "code": "甘1202",
        "level": "4"}
CHENGXIAN = {"path": "cn/gs/ln/chengxian", "name": "成县人民法院",
             "code": "甘1221", "level": "4"}

SANITIZER_MARKS = ("AddressSanitizer", "LeakSanitizer", "UndefinedBehavior",
                   "runtime error:")


def cno(seq: int, year: int = 2024, court: str = "甘1202",
        kind: str = "执") -> str:
    """A canonical case number, e.g. cno(5) == '(2024)甘1202执5号'."""
    return f"({year}){court}{kind}{seq}号"


@dataclass
class Result:
    cmd: list
    code: int
    out: str
    err: str

    def describe(self) -> str:
        def tail(s, n=3000):
            return s if len(s) <= n else "…" + s[-n:]
        return (f"\n$ {' '.join(map(str, self.cmd))}\nexit {self.code}\n"
                f"--- stdout ---\n{tail(self.out)}\n"
                f"--- stderr ---\n{tail(self.err)}")


def run(args, env: dict | None = None, timeout: float = TIMEOUT) -> Result:
    """Runs courtsync ARGS; returns its exit code, stdout and stderr."""
    e = dict(os.environ)
    e.pop("COURTSYNC_HOME", None)     # never touch a real node by accident
    e.pop("COURTSYNC_TIME", None)
    e.setdefault("LC_ALL", "C.UTF-8")
    if env:
        e.update({k: v for k, v in env.items() if v is not None})
        for k, v in env.items():
            if v is None:
                e.pop(k, None)
    cmd = [BIN] + [str(a) for a in args]
    p = subprocess.run(cmd, env=e, capture_output=True, timeout=timeout)
    r = Result(cmd, p.returncode, p.stdout.decode("utf-8", "replace"),
               p.stderr.decode("utf-8", "replace"))
    for m in SANITIZER_MARKS:
        assert m not in r.err, "sanitizer report" + r.describe()
    assert r.code >= 0, f"killed by signal {-r.code}" + r.describe()
    return r


def expect(r: Result, code: int, msg: str | None = None,
           stdout: str | None = None) -> Result:
    """Asserts the exit status and that stderr (or stdout) holds msg."""
    assert r.code == code, f"expected exit {code}" + r.describe()
    if msg is not None:
        assert msg in r.err, f"stderr lacks {msg!r}" + r.describe()
    if stdout is not None:
        assert stdout in r.out, f"stdout lacks {stdout!r}" + r.describe()
    return r


@dataclass
class Snapshot:
    """What a refusal must not change: the tree and the derived state."""
    root: str
    cases: str
    log: str

    def __eq__(self, other):
        return (self.root, self.cases, self.log) == \
            (other.root, other.cases, other.log)


class Node:
    def __init__(self, home, time: int | None = DEFAULT_TIME):
        self.home = Path(home)
        self.env = {"COURTSYNC_TIME": str(time) if time is not None else None}
        self.final_checks = True     # conftest: rebuild --check + verify

    def __repr__(self):
        return f"Node({self.home})"

    # -- running commands --
    def run(self, *args, env: dict | None = None,
            timeout: float = TIMEOUT) -> Result:
        e = dict(self.env)
        if env:
            e.update(env)
        return run(["-C", self.home, *args], env=e, timeout=timeout)

    def ok(self, *args, msg: str | None = None, **kw) -> Result:
        r = self.run(*args, **kw)
        assert r.code == 0, f"{self}: expected success" + r.describe()
        if msg is not None:
            assert msg in r.out, f"stdout lacks {msg!r}" + r.describe()
        return r

    def fails(self, *args, code: int, msg: str | None = None,
              **kw) -> Result:
        """Expects exit `code` and msg in stderr; no state comparison."""
        return expect(self.run(*args, **kw), code, msg)

    def refused(self, *args, code: int = EXIT_REFUSED,
                msg: str | None = None, **kw) -> Result:
        """Expects exit `code` with msg in stderr, and proves that nothing
        changed: `log root`, `cases --json` and `log show --json` are
        byte for byte what they were before."""
        before = self.snapshot()
        r = expect(self.run(*args, **kw), code, msg)
        after = self.snapshot()
        assert after == before, ("state changed by a refused command"
                                 + r.describe() + _diff(before, after))
        return r

    # -- set-up --
    def is_home(self) -> bool:
        return (self.home / "courtsync.conf").exists()

    def init(self, court: dict = WUDU, **extra) -> Result:
        args = ["init"]
        for k, v in {**court, **extra}.items():
            args += [f"--{k}", v]
        return self.ok(*args)

    # -- inspecting --
    def snapshot(self) -> Snapshot:
        return Snapshot(self.ok("log", "root").out,
                        self.ok("cases", "--json").out,
                        self.ok("log", "show", "--json").out)

    def root(self) -> tuple[int, str]:
        kv = dict(line.split(" ", 1)
                  for line in self.ok("log", "root").out.splitlines())
        return int(kv["size"]), kv["root"]

    def size(self) -> int:
        return self.root()[0]

    def cases(self, *flags) -> list:
        return json.loads(self.ok("cases", "--json", *flags).out)

    def case_row(self, case_no: str) -> dict:
        rows = [c for c in self.cases() if c["case_no"] == case_no]
        assert len(rows) == 1, f"{case_no}: {len(rows)} rows in cases --json"
        return rows[0]

    def case(self, case_no: str) -> dict:
        return json.loads(self.ok("case", case_no, "--json").out)

    def entries(self) -> list:
        return [json.loads(line) for line in
                self.ok("log", "show", "--json").out.splitlines() if line]

    def export(self, dest) -> Path:
        self.ok("log", "export", dest)
        return Path(dest)

    def rebuild_check(self) -> Result:
        r = self.ok("rebuild", "--check")
        assert "identical" in r.out, r.describe()
        return r

    # -- recording shortcuts --
    def file(self, case_no: str, date: str = "2024-03-01",
             claimed: str = "10000.00", **extra) -> Result:
        args = ["file", "--case", case_no, "--date", date, "--applicant",
                "甲公司", "--respondent", "乙某", "--claimed", claimed]
        for k, v in extra.items():
            args += [f"--{k}", v]
        return self.ok(*args)


def _diff(a: Snapshot, b: Snapshot) -> str:
    out = []
    for f in ("root", "cases", "log"):
        x, y = getattr(a, f), getattr(b, f)
        if x != y:
            out.append(f"\n--- {f} before ---\n{x[-1500:]}\n"
                       f"--- {f} after ---\n{y[-1500:]}")
    return "".join(out)


def verify(export_dir, key: str | None = None) -> Result:
    """`log verify`; without a key, the test explicitly trusts the
    export's own court.vkey (the command itself never does)."""
    if key is None:
        key = f"@{export_dir}/court.vkey"
    return run(["log", "verify", str(export_dir), "--key", key])


# ---- the export, for tampering and for an independent check ----

class Export:
    """An export directory (docs/FORMAT.md §6)."""

    def __init__(self, path):
        self.path = Path(path)

    def copy(self, dest) -> "Export":
        shutil.copytree(self.path, dest)
        return Export(dest)

    @property
    def entries_bin(self) -> Path:
        return self.path / "entries.bin"

    def frames(self) -> list[bytes]:
        data = self.entries_bin.read_bytes()
        out, i = [], 0
        while i < len(data):
            (n,) = struct.unpack(">I", data[i:i + 4])
            out.append(data[i + 4:i + 4 + n])
            i += 4 + n
        assert i == len(data), "entries.bin does not end on a frame"
        return out

    def write_frames(self, frames: list[bytes]) -> None:
        self.entries_bin.write_bytes(
            b"".join(struct.pack(">I", len(f)) + f for f in frames))

    def frame_offset(self, k: int) -> int:
        return sum(4 + len(f) for f in self.frames()[:k])

    def checkpoint_sizes(self) -> list[int]:
        return sorted(int(p.name) for p in (self.path / "checkpoints").iterdir())

    def checkpoint(self, size: int) -> Path:
        return self.path / "checkpoints" / f"{size:020d}"

    def vkey(self) -> str:
        return (self.path / "court.vkey").read_text().strip()


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def merkle_root(leaves: list[bytes]) -> bytes:
    """RFC 9162 §2.1.1 MTH over leaf hashes."""
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return leaves[0]
    k = 1
    while k * 2 < n:
        k *= 2
    return hashlib.sha256(b"\x01" + merkle_root(leaves[:k])
                          + merkle_root(leaves[k:])).digest()


def parse_vkey(vkey: str) -> tuple[str, bytes, bytes]:
    """'<name>+<keyid hex>+<base64(0x01 || pub)>' -> (name, keyid, pub)."""
    name, keyid, b64 = vkey.split("+", 2)  # base64 may hold "+"
    raw = base64.b64decode(b64)
    assert raw[0] == 1 and len(raw) == 33, vkey
    return name, bytes.fromhex(keyid), raw[1:]


def parse_note(text: str) -> tuple[bytes, list[tuple[str, bytes]]]:
    """A signed note -> (body bytes, [(key name, keyid || signature)])."""
    body, _, sigs = text.partition("\n\n")
    lines = [ln for ln in sigs.split("\n") if ln]
    out = []
    for ln in lines:
        assert ln.startswith("\u2014 "), ln
        name, b64 = ln[2:].rsplit(" ", 1)
        out.append((name, base64.b64decode(b64)))
    return (body + "\n").encode(), out
