"""Runs the independent verifier (written from docs/FORMAT.md alone) over the
test vectors and, when the courtsync binary is available, cross-checks it
against `courtsync log verify` on a freshly built court and on tampered
copies of its export.

Run: cd /work/main && /usr/bin/python3 -m pytest -q tests/functional/test_independent.py
"""

import hashlib
import os
import re
import shutil
import struct
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
VECTORS = os.path.join(ROOT, "tests", "data", "vectors")
VERIFIER = os.path.join(HERE, "independent_verify.py")
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable

sys.path.insert(0, HERE)
import independent_verify as iv  # noqa: E402


def load_expected():
    rows = []
    with open(os.path.join(VECTORS, "EXPECTED"), encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            d, status, frag = line.split(" ", 2)
            rows.append((d, int(status), frag))
    return rows


def run_iv(d, *extra):
    p = subprocess.run([PYTHON, VERIFIER, d] + list(extra),
                       capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr


# ------------------------------------------------------------ test vectors

@pytest.mark.parametrize("d,status,frag", load_expected(),
                         ids=[r[0] for r in load_expected()])
def test_vector(d, status, frag):
    rc, out = run_iv(os.path.join(VECTORS, d))
    assert rc == status, out
    assert frag in out, out


def test_honest_root():
    want = {}
    with open(os.path.join(VECTORS, "honest.root"), encoding="utf-8") as f:
        for line in f:
            if " " in line:
                k, v = line.split(None, 1)
                want[k] = v.strip()
    rc, out = run_iv(os.path.join(VECTORS, "honest"))
    assert rc == 0, out
    m = re.search(r"(\d+) entries, (\d+) checkpoints, size (\d+) root ([0-9a-f]{64})", out)
    assert m, out
    assert m.group(4) == want["root"]
    if "size" in want:
        assert int(m.group(3)) == int(want["size"])


def test_given_key():
    honest = os.path.join(VECTORS, "honest")
    with open(os.path.join(honest, "court.vkey"), encoding="utf-8") as f:
        good = f.read().strip()
    with open(os.path.join(VECTORS, "other-key", "court.vkey"), encoding="utf-8") as f:
        other = f.read().strip()
    rc, out = run_iv(honest, "--key", good)
    assert rc == 0, out
    rc, out = run_iv(honest, "--key", other)
    assert rc == 1, out
    assert "court.vkey: the export's key is not the key given" in out


def test_usage_and_unreadable(tmp_path):
    assert run_iv(str(tmp_path / "nonexistent"))[0] == 3
    p = subprocess.run([PYTHON, VERIFIER], capture_output=True, text=True)
    assert p.returncode == 2


# ------------------------------------------------------------ Merkle tree

def mth(leaves):
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return leaves[0]
    k = 1
    while k * 2 < n:
        k *= 2
    return iv.node_hash(mth(leaves[:k]), mth(leaves[k:]))


def test_frontier_matches_rfc9162_definition():
    leaves = [iv.leaf_hash(bytes([i % 256]) * (i % 7)) for i in range(70)]
    t = iv.Frontier()
    assert t.root() == iv.EMPTY_ROOT
    for i, h in enumerate(leaves):
        t.append(h)
        assert t.root() == mth(leaves[:i + 1]), i


# ------------------------------------------------------------ against courtsync

def courtsync_bin():
    b = os.environ.get("COURTSYNC_BIN") or os.path.join(ROOT, "build", "courtsync")
    return b if os.path.isfile(b) and os.access(b, os.X_OK) else None


BIN = courtsync_bin()
needs_bin = pytest.mark.skipif(BIN is None, reason="courtsync binary not found (set COURTSYNC_BIN)")

CASE1 = "(2024)甘1202执1号"
CASE2 = "(2024)甘1202执2号"


def cs(home, *args):
    p = subprocess.run([BIN, "-C", str(home)] + list(args), capture_output=True, text=True)
    assert p.returncode == 0, (args, p.stdout, p.stderr)
    return p


def cs_verify(d):
    # The vectors' trust: their own court.vkey, given explicitly (the
    # command never takes it by itself).
    p = subprocess.run([BIN, "log", "verify", str(d), "--key",
                        f"@{d}/court.vkey"], capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def cs_message(out, err):
    m = re.search(r"verification failed: (.*)", err)
    if m:
        return m.group(1).strip()
    m = re.search(r"^FAILED .*?\): (.*)$", out, re.M)
    return m.group(1).strip() if m else None


def iv_message(out):
    m = re.search(r"^FAILED: (.*)$", out, re.M)
    return m.group(1).strip() if m else None


@pytest.fixture(scope="module")
def fresh_export(tmp_path_factory):
    if BIN is None:
        pytest.skip("courtsync binary not found")
    base = tmp_path_factory.mktemp("court")
    home = base / "home"
    cs(home, "init", "--path", "cn/gs/ln/wudu", "--name", "武都区人民法院",
       "--code", "甘1202", "--level", "4")
    cs(home, "file", "--case", CASE1, "--date", "2024-01-03",
       "--applicant", "A", "--respondent", "B", "--claimed", "100.50")
    cs(home, "node", "--case", CASE1, "--date", "2024-01-05", "--node", "notice")
    cs(home, "log", "checkpoint")
    cs(home, "file", "--case", CASE2, "--date", "2024-01-07",
       "--applicant", "甲公司", "--respondent", "乙", "--claimed", "5")
    cs(home, "node", "--case", CASE1, "--date", "2024-01-08", "--node", "report_order")
    cs(home, "node", "--case", CASE2, "--date", "2024-01-09", "--node", "notice")
    out = base / "export"
    cs(home, "log", "export", str(out))
    return out


def read_frames(d):
    data = (d / "entries.bin").read_bytes()
    frames, i = [], 0
    while i < len(data):
        n = struct.unpack(">I", data[i:i + 4])[0]
        frames.append(data[i + 4:i + 4 + n])
        i += 4 + n
    return frames


def write_frames(d, frames):
    (d / "entries.bin").write_bytes(b"".join(struct.pack(">I", len(e)) + e for e in frames))


@needs_bin
def test_fresh_export_both_accept(fresh_export):
    rc, out, err = cs_verify(fresh_export)
    assert rc == 0, out + err
    m = re.search(r"tree size (\d+) root ([0-9a-f]{64})", out)
    assert m, out
    rc2, out2 = run_iv(str(fresh_export))
    assert rc2 == 0, out2
    m2 = re.search(r"(\d+) entries, (\d+) checkpoints, size (\d+) root ([0-9a-f]{64})", out2)
    assert m2, out2
    assert int(m2.group(3)) == int(m.group(1)) == 5
    assert m2.group(4) == m.group(2)
    assert len(read_frames(fresh_export)) == 5


def tamper_flip_middle(d):
    frames = read_frames(d)
    k = len(frames) // 2
    e = bytearray(frames[k])
    # Flip the low byte of the "time" value: stays well-formed msgpack.
    pos = bytes(e).index(b"\xa4time") + 5
    assert e[pos] in (0xce, 0xcf)
    e[pos + (4 if e[pos] == 0xce else 8)] ^= 0x01
    frames[k] = bytes(e)
    write_frames(d, frames)
    return "entry %d: altered (its hash does not match the prev recorded in entry %d)" % (k, k + 1)


def tamper_swap(d):
    frames = read_frames(d)
    frames[1], frames[2] = frames[2], frames[1]
    write_frames(d, frames)
    return "entry 1: its index says 2"


def tamper_drop_last_checkpoint(d):
    names = sorted(os.listdir(d / "checkpoints"))
    os.remove(d / "checkpoints" / names[-1])
    prev = int(names[-2])
    n = len(read_frames(d))
    return "entry %d: not covered by any checkpoint (entries %d..%d are unsigned)" % (prev, prev, n - 1)


def tamper_flip_last(d):
    frames = read_frames(d)
    e = bytearray(frames[-1])
    pos = bytes(e).index(b"\xa4time") + 5
    e[pos + 4] ^= 0x01
    frames[-1] = bytes(e)
    write_frames(d, frames)
    n = len(frames)
    return "checkpoint %d: root does not match the entries: entry %d altered" % (n, n - 1)


def tamper_trailing_byte(d):
    frames = read_frames(d)
    frames[3] = frames[3] + b"\xc0"
    write_frames(d, frames)
    return "entry 3: 1 trailing bytes after the entry"


@needs_bin
@pytest.mark.parametrize("tamper", [tamper_flip_middle, tamper_swap, tamper_drop_last_checkpoint,
                                    tamper_flip_last, tamper_trailing_byte],
                         ids=lambda f: f.__name__)
def test_tampered_both_reject(fresh_export, tmp_path, tamper):
    d = tmp_path / "export"
    shutil.copytree(fresh_export, d)
    want = tamper(d)
    rc, out, err = cs_verify(d)
    rc2, out2 = run_iv(str(d))
    assert rc == 1, out + err
    assert rc2 == 1, out2
    a, b = cs_message(out, err), iv_message(out2)
    assert a is not None and b is not None, (out, err, out2)
    assert a == b, (a, b)
    assert want in b, (want, b)
