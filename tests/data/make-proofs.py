#!/usr/bin/python3
"""Regenerates tests/data/proofs/: case proofs (docs/FORMAT.md §10), an
honest one and tampered copies, with the public half of the deployment
that verifies them (ca.crt, registry.tsv, registry.tsv.sig) and EXPECTED.

Run from the repository root after `make`:  tests/data/make-proofs.py
It deploys four courts (SPC, 甘肃, 陇南, 武都) in a temporary directory with
certs/courtsync-certs, runs the three hubs (`courtsync serve` on loopback),
records two cases at 武都 (its push loop running) until 武都's checkpoint comes back
cosigned by all three hubs, and asks 武都 for proofs with `courtsync
prove`.  Keys are random, so every run makes different (equally valid)
vectors; the committed set is what the tests use.  Only public material
is written: no private key leaves the temporary directory.

EXPECTED lists, one per line: <file> <exit status of `courtsync audit`>
<the exact message> ("OK" for the honest proof).
"""
import base64
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "functional"))
os.environ.setdefault("COURTSYNC_BIN", str(ROOT / "build" / "courtsync"))

import synctest as st  # noqa: E402

OUT = ROOT / "tests" / "data" / "proofs"
WUDU = "cn/gs/ln/wudu"
COURTS = [st.SPC, st.GANSU, st.LONGNAN, st.WUDU]
HUBS = ("cn", "cn/gs", "cn/gs/ln")
C1 = st.case_no("甘1202", 1)
C2 = st.case_no("甘1202", 2)


def record(w):
    """Two cases; case 1 has a payment corrected (voided) and re-recorded."""
    w.file(C1, date="2024-01-03", claimed="125000.50")
    w.ok("assign", "--case", C1, "--date", "2024-01-04", "--handler", "李法官")
    w.file(C2, date="2024-01-08", claimed="48000")
    w.ok("node", "--case", C1, "--date", "2024-01-05", "--node", "notice")
    w.ok("funds-in", "--case", C1, "--date", "2024-01-15", "--amount", "5000")
    w.ok("node", "--case", C2, "--date", "2024-01-10", "--node", "notice")


def record_more(w):
    idx = w.size() - 2          # the funds-in of case 1
    w.ok("correct", "--corrects", str(idx), "--reason", "金额错录", "--void")
    w.ok("funds-in", "--case", C1, "--date", "2024-01-15", "--amount", "500")
    w.ok("node", "--case", C2, "--date", "2024-01-20", "--node",
         "online_search")


class Proof:
    """A proof file as lines: header (4), entries [(index, b64, path)],
    and the note text."""

    def __init__(self, text: str):
        head, _, self.note = text.partition("\n\n")
        lines = head.split("\n")
        self.header = lines[:4]
        self.entries = []
        for i in range(4, len(lines), 2):
            _, k, b64 = lines[i].split(" ")
            path = lines[i + 1].split(" ")[1:]
            self.entries.append([int(k), b64, path])

    def text(self) -> str:
        out = list(self.header)
        for k, b64, path in self.entries:
            out.append(f"entry {k} {b64}")
            out.append(" ".join(["path"] + path))
        return "\n".join(out) + "\n\n" + self.note

    def size(self) -> int:
        return int(self.header[3].split(" ")[1])


def flip_sig(note: str, name: str) -> str:
    """Flips one bit of the signature (not the key ID) on name's line."""
    out = []
    for line in note.split("\n"):
        if line.startswith(f"\u2014 {name} "):
            raw = bytearray(base64.b64decode(line.rsplit(" ", 1)[1]))
            raw[-10] ^= 0x01
            line = f"\u2014 {name} " + base64.b64encode(bytes(raw)).decode()
        out.append(line)
    assert out != note.split("\n"), f"no signature line by {name}"
    return "\n".join(out)


def main():
    tmp = Path(tempfile.mkdtemp(prefix="make-proofs."))
    topo = None
    try:
        dep = st.Deployment(tmp, COURTS)
        topo = st.Topology(dep, hubs=HUBS, members=HUBS + (WUDU,))
        topo.start(*HUBS, WUDU)     # 武都 keeps pushing: cosignatures
                                    # come back down by asking
        w = topo[WUDU]
        record(w)
        st.wait_until(lambda: topo.cosigned_by_all(WUDU), 60,
                      what="武都's checkpoint cosigned by all three hubs")
        early = Proof(w.ok("prove", C1).out)
        record_more(w)
        st.wait_until(lambda: topo.cosigned_by_all(WUDU), 60,
                      what="武都's checkpoint cosigned by all three hubs")
        honest_text = w.ok("prove", C1).out
        other = Proof(w.ok("prove", C2).out)
        topo.close()
        topo = None

        if OUT.exists():
            shutil.rmtree(OUT)
        OUT.mkdir(parents=True)
        shutil.copy(dep.ca / "ca.crt", OUT / "ca.crt")
        shutil.copy(dep.ca / "registry.tsv", OUT / "registry.tsv")
        shutil.copy(dep.ca / "registry.tsv.sig", OUT / "registry.tsv.sig")

        honest = Proof(honest_text)
        size = honest.size()
        assert honest.text() == honest_text, "proof does not round-trip"
        assert other.size() == size
        expected = [("honest.proof", 0, "OK")]
        files = {"honest.proof": honest_text}

        def tampered(name, proof_text, message):
            files[name] = proof_text
            expected.append((name, 1, message))

        # a byte of an entry flipped (inside the body, the last byte)
        p = Proof(honest_text)
        k, b64, path = p.entries[1]
        raw = bytearray(base64.b64decode(b64))
        raw[-1] ^= 0x01
        p.entries[1][1] = base64.b64encode(bytes(raw)).decode()
        tampered("entry-flipped.proof", p.text(),
                 f"entry {k}: inclusion proof does not lead to the"
                 f" checkpoint's root (size {size})")

        # one hash of an inclusion path altered
        p = Proof(honest_text)
        k, _, path = p.entries[0]
        h = bytearray(base64.b64decode(path[0]))
        h[0] ^= 0x80
        path[0] = base64.b64encode(bytes(h)).decode()
        tampered("path-altered.proof", p.text(),
                 f"entry {k}: inclusion proof does not lead to the"
                 f" checkpoint's root (size {size})")

        # the size line says another tree size than the checkpoint
        p = Proof(honest_text)
        p.header[3] = f"size {size - 1}"
        tampered("wrong-size.proof", p.text(),
                 f"the proof says size {size - 1} but its checkpoint is"
                 f" of size {size}")

        # paths for an older tree (the early proof) against the new
        # checkpoint: header and checkpoint agree, the paths do not
        p = Proof(early.text())
        p.header[3] = f"size {size}"
        p.note = honest.note
        tampered("stale-paths.proof", p.text(),
                 f"entry {p.entries[0][0]}: inclusion proof does not lead"
                 f" to the checkpoint's root (size {size})")

        # the court's signature forged
        p = Proof(honest_text)
        p.note = flip_sig(p.note, f"courtsync/{WUDU}")
        tampered("checkpoint-forged.proof", p.text(),
                 f"checkpoint: bad signature by courtsync/{WUDU}")

        # a witness's cosignature forged
        p = Proof(honest_text)
        p.note = flip_sig(p.note, "courtsync/cn/gs")
        tampered("cosignature-forged.proof", p.text(),
                 "checkpoint 9: bad cosignature by cn/gs")

        # an entry of case 2 (with its genuine inclusion path) slipped in
        p = Proof(honest_text)
        intruder = other.entries[1]
        p.entries = sorted(p.entries + [intruder], key=lambda e: e[0])
        tampered("other-case.proof", p.text(),
                 f"entry {intruder[0]}: about case {C2}, not {C1}")

        # the corrected entry removed: the correction names nothing here
        p = Proof(honest_text)
        corr_index, corrected = next(
            (k, e["body"]["corrects"]) for k, e in
            ((k, st.msgpack.unpackb(base64.b64decode(b64), raw=False))
             for k, b64, _ in p.entries) if e["type"] == "correction")
        p.entries = [e for e in p.entries if e[0] != corrected]
        tampered("correction-orphan.proof", p.text(),
                 f"entry {corr_index}: a correction of entry {corrected},"
                 f" which is not an entry of case {C1} in this proof")

        for name, text in files.items():
            (OUT / name).write_text(text, encoding="utf-8")
        with open(OUT / "EXPECTED", "w", encoding="utf-8") as f:
            f.write("# <file> <exit status of `courtsync audit --proof FILE"
                    " --ca ca.crt --registry registry.tsv`> <exact message>\n")
            for name, code, msg in expected:
                f.write(f"{name} {code} {msg}\n")
        print(f"wrote {len(files)} proofs to {OUT}")
    finally:
        if topo is not None:
            topo.close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
