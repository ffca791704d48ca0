#!/usr/bin/python3
"""Regenerates tests/data/vectors/: an honest export and tampered copies.

Run from the repository root after `make`:  tests/data/make-vectors.py
Keys are random, so every run makes different (equally valid) vectors;
the committed set is what the tests use.  Only public material is written.
"""
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("COURTSYNC_BIN", os.path.join(ROOT, "build", "courtsync"))
OUT = os.path.join(ROOT, "tests", "data", "vectors")
CASE = "(2024)甘1202执{}号"
TIME = "1717200000"  # 2024-06-01T00:00:00Z: entries are identical on every node


def run(home, *args):
    env = dict(os.environ, COURTSYNC_TIME=TIME)
    r = subprocess.run([BIN, "-C", home, *args], env=env, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"{args}: {r.stderr}")
    return r.stdout


def court(home):
    run(home, "init", "--path", "cn/gs/ln/wudu", "--name", "武都区人民法院",
        "--code", "甘1202", "--level", "4")
    events = [
        ("file", "--case", CASE.format(1), "--date", "2024-01-03", "--applicant", "陇南某建材公司",
         "--respondent", "王某", "--claimed", "125000.50"),
        ("assign", "--case", CASE.format(1), "--date", "2024-01-04", "--handler", "李法官", "--team", "快执团队"),
        ("node", "--case", CASE.format(1), "--date", "2024-01-05", "--node", "online_search"),
        ("node", "--case", CASE.format(1), "--date", "2024-01-06", "--node", "notice"),
        ("triage", "--case", CASE.format(1), "--date", "2024-01-06", "--track", "simple",
         "--basis", "balance_covers", "--facts", "存款余额足以清偿"),
        ("file", "--case", CASE.format(2), "--date", "2024-01-08", "--applicant", "张某",
         "--respondent", "某商贸有限公司", "--claimed", "48000"),
        ("node", "--case", CASE.format(2), "--date", "2024-01-10", "--node", "seizure",
         "--asset", "real_estate", "--expires", "2027-01-10"),
        ("funds-in", "--case", CASE.format(1), "--date", "2024-01-15", "--amount", "125000.50"),
        ("funds-out", "--case", CASE.format(1), "--date", "2024-01-20", "--amount", "125000.50",
         "--payee", "陇南某建材公司"),
        ("close", "--case", CASE.format(1), "--date", "2024-01-22", "--mode", "执行完毕",
         "--recovered", "125000.50"),
        ("suspend", "--case", CASE.format(2), "--date", "2024-02-01", "--reason", "评估期间"),
        ("resume", "--case", CASE.format(2), "--date", "2024-02-20"),
    ]
    for i, ev in enumerate(events):
        run(home, *ev)
        if i + 1 in (5, 9):
            run(home, "log", "checkpoint")


def frames(path):
    data = open(path, "rb").read()
    out, i = [], 0
    while i < len(data):
        n = int.from_bytes(data[i:i + 4], "big")
        out.append(data[i + 4:i + 4 + n])
        i += 4 + n
    return out


def write_frames(path, entries):
    with open(path, "wb") as f:
        for e in entries:
            f.write(len(e).to_bytes(4, "big") + e)


def variant(name, mutate):
    d = os.path.join(OUT, name)
    shutil.copytree(os.path.join(OUT, "honest"), d)
    mutate(d)


def ck(d, size):
    return os.path.join(d, "checkpoints", "%020d" % size)


def main():
    tmp = tempfile.mkdtemp()
    try:
        a, b = os.path.join(tmp, "a"), os.path.join(tmp, "b")
        court(a)
        court(b)  # same path, same entries, another key
        shutil.rmtree(OUT, ignore_errors=True)
        os.makedirs(OUT)
        run(a, "log", "export", os.path.join(OUT, "honest"))
        root = run(a, "log", "root")
        open(os.path.join(OUT, "honest.root"), "w").write(root)
        run(b, "log", "export", os.path.join(tmp, "b-export"))
        ent = os.path.join("{}", "entries.bin")
        expected = ["honest 0 OK"]

        def flip(d, k, needle):
            es = frames(ent.format(d))
            e = bytearray(es[k])
            j = e.find(needle.encode())
            e[j + 1] ^= 0x01
            es[k] = bytes(e)
            write_frames(ent.format(d), es)

        variant("flipped-byte", lambda d: flip(d, 6, "甘1202执2号"))
        expected.append("flipped-byte 1 entry 6: altered (its hash does not match the prev recorded in entry 7)")
        variant("flipped-last", lambda d: flip(d, 11, "甘1202执2号"))
        expected.append("flipped-last 1 checkpoint 12: root does not match the entries: entry 11 altered")

        def drop(d):
            es = frames(ent.format(d))
            del es[4]
            write_frames(ent.format(d), es)
        variant("dropped", drop)
        expected.append("dropped 1 entry 4: its index says 5")

        def swap(d):
            es = frames(ent.format(d))
            es[2], es[3] = es[3], es[2]
            write_frames(ent.format(d), es)
        variant("reordered", swap)
        expected.append("reordered 1 entry 2: its index says 3")

        def cut(d):
            data = open(ent.format(d), "rb").read()
            open(ent.format(d), "wb").write(data[:-40])
        variant("truncated", cut)
        expected.append("truncated 1 entry 11: entries.bin is truncated inside the entry")

        def cut2(d):
            es = frames(ent.format(d))
            write_frames(ent.format(d), es[:10])
        variant("missing-tail", cut2)
        expected.append("missing-tail 1 checkpoint 12: signed for 12 entries but the export has 10")

        variant("unsigned-tail", lambda d: os.unlink(ck(d, 12)))
        expected.append("unsigned-tail 1 entry 9: not covered by any checkpoint (entries 9..11 are unsigned)")

        def forge(d):
            t = open(ck(d, 9), encoding="utf-8").read()
            head, sig = t.rsplit(" ", 1)
            sig = sig.strip()
            c = "A" if sig[20] != "A" else "B"
            open(ck(d, 9), "w", encoding="utf-8").write(head + " " + sig[:20] + c + sig[21:] + "\n")
        variant("forged-signature", forge)
        expected.append("forged-signature 1 checkpoint 9: bad signature by courtsync/cn/gs/ln/wudu")

        def replace(d):
            shutil.copy(ck(os.path.join(tmp, "b-export"), 9), ck(d, 9))
        variant("replaced-checkpoint", replace)
        expected.append("replaced-checkpoint 1 checkpoint 9: no signature by courtsync/cn/gs/ln/wudu")

        def reroot(d):
            lines = open(ck(d, 9), encoding="utf-8").read().split("\n")
            lines[2] = "A" * 43 + "="
            open(ck(d, 9), "w", encoding="utf-8").write("\n".join(lines))
        variant("replaced-root", reroot)
        expected.append("replaced-root 1 checkpoint 9: bad signature by courtsync/cn/gs/ln/wudu")

        def otherkey(d):
            shutil.copy(os.path.join(tmp, "b-export", "court.vkey"), os.path.join(d, "court.vkey"))
        variant("other-key", otherkey)
        expected.append("other-key 1 checkpoint 5: no signature by courtsync/cn/gs/ln/wudu")

        def stray(d):
            open(os.path.join(d, "checkpoints", "README"), "w").write("x\n")
        variant("stray-file", stray)
        expected.append("stray-file 1 checkpoints/README: not a checkpoint file name")

        with open(os.path.join(OUT, "EXPECTED"), "w") as f:
            f.write("# <directory> <exit status of `courtsync log verify`> <message fragment>\n")
            f.write("\n".join(expected) + "\n")
    finally:
        shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
