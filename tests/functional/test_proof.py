"""
Case proofs (docs/FORMAT.md §10): `courtsync prove CASE_NO` writes one
self-contained file — every entry of the case, its RFC 9162 inclusion
path, the court's checkpoint with its cosignatures — and `courtsync audit
--proof FILE` verifies it offline with the deployment's CA and registry.

The committed vectors (tests/data/proofs/, made by tests/data/make-proofs.py)
each fail with their exact message; proofs made here at the county and at
the SPC (after sync, four levels) verify and name the three witnesses; a
proof whose size line is changed fails; a corrected case's proof carries
the correction.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

import cstest
from cstest import EXIT_OK, EXIT_REFUSED, EXIT_SYSTEM, EXIT_USAGE, run
import synctest as st
from synctest import Deployment, Topology, wait_until

VECTORS = cstest.REPO / "tests" / "data" / "proofs"
WUDU = "cn/gs/ln/wudu"
HUBS = ("cn", "cn/gs", "cn/gs/ln")
COURTS = [st.SPC, st.GANSU, st.LONGNAN, st.WUDU]
C1 = st.case_no("甘1202", 1)
C2 = st.case_no("甘1202", 2)
C3 = st.case_no("甘1202", 3)


def audit(proof, ca, registry, *extra) -> cstest.Result:
    return run(["audit", "--proof", proof, "--ca", ca, "--registry",
                registry, *extra])


def expected_vectors():
    out = []
    for line in (VECTORS / "EXPECTED").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, code, msg = line.split(" ", 2)
            out.append((name, int(code), msg))
    return out


# ---------------------------------------------------------------- vectors

@pytest.mark.parametrize("name,code,msg", expected_vectors(),
                         ids=[v[0] for v in expected_vectors()])
def test_vector(name, code, msg):
    proof = VECTORS / name
    r = audit(proof, VECTORS / "ca.crt", VECTORS / "registry.tsv")
    assert r.code == code, r.describe()
    first = r.out.splitlines()[0]
    if code == EXIT_OK:
        assert first.startswith(f"OK {proof}: case "), r.describe()
        assert "witnesses: 3: cn (最高人民法院), cn/gs (甘肃省高级人民法院)," \
            " cn/gs/ln (陇南市中级人民法院)" in r.out, r.describe()
    else:
        assert first == f"FAILED {proof}: {msg}", r.describe()
        assert r.err.strip() == ("courtsync: audit: proof verification"
                                 f" failed: {msg}"), r.describe()


def test_vectors_cover_the_issue():
    names = {v[0] for v in expected_vectors()}
    assert {"honest.proof", "entry-flipped.proof", "path-altered.proof",
            "wrong-size.proof", "checkpoint-forged.proof",
            "cosignature-forged.proof", "other-case.proof"} <= names


def test_vectors_need_the_deployments_registry(tmp_path):
    # the registry altered after the CA signed it: nothing is trusted
    reg = tmp_path / "registry.tsv"
    reg.write_bytes((VECTORS / "registry.tsv").read_bytes() + b"\n")
    (tmp_path / "registry.tsv.sig").write_bytes(
        (VECTORS / "registry.tsv.sig").read_bytes())
    r = audit(VECTORS / "honest.proof", VECTORS / "ca.crt", reg)
    assert r.code == EXIT_SYSTEM, r.describe()
    assert r.out == "", r.describe()


# ---------------------------------------------------------------- four levels

@pytest.fixture(scope="module")
def net(tmp_path_factory):
    base = tmp_path_factory.mktemp("proof")
    dep = Deployment(base, COURTS)
    topo = Topology(dep, hubs=HUBS, members=HUBS + (WUDU,))
    try:
        topo.start(*HUBS, WUDU)
        w = topo[WUDU]
        w.file(C1, date="2024-01-03")
        w.file(C2, date="2024-01-04")
        w.ok("node", "--case", C1, "--date", "2024-01-05", "--node", "notice")
        w.ok("funds-in", "--case", C1, "--date", "2024-01-10", "--amount",
             "800")
        paid = w.size() - 1
        w.ok("node", "--case", C2, "--date", "2024-01-06", "--node", "notice")
        w.ok("correct", "--corrects", str(paid), "--reason", "金额错录", "--",
             "funds-in", "--case", C1, "--date", "2024-01-10", "--amount",
             "80")
        w.ok("log", "checkpoint")
        topo.wait_converged([WUDU])
        wait_until(lambda: topo.cosigned_by_all(WUDU), 60,
                   what="武都's latest checkpoint cosigned by all three hubs",
                   detail=topo.logs)

        def spc_has_all():
            h = topo["cn"].held(WUDU)
            return h.latest() == w.size() and \
                set(HUBS) <= set(h.cosigs.get(h.latest(), {}))
        wait_until(spc_has_all, 60, what="the SPC to hold every"
                   " cosignature of 武都's latest checkpoint",
                   detail=topo.logs)
        topo.paid = paid
        yield topo
    finally:
        topo.close()


def dep_audit(topo, proof) -> cstest.Result:
    ca = topo.dep.ca
    return audit(proof, ca / "ca.crt", ca / "registry.tsv")


def witnesses_line(r: cstest.Result) -> str:
    return next(ln for ln in r.out.splitlines() if "witnesses:" in ln)


def proof_indexes(text: str) -> list[int]:
    return [int(m) for m in re.findall(r"^entry (\d+) ", text, re.M)]


def test_prove_at_the_county(net, tmp_path):
    w = net[WUDU]
    out = tmp_path / "c1.proof"
    w.ok("prove", C1, "-o", out)
    text = out.read_text(encoding="utf-8")
    assert text.startswith("courtsync-case-proof/v1\norigin cn/gs/ln/wudu\n"
                           f"case {C1}\nsize {w.size()}\n")
    # stdout gives the same bytes as -o
    assert w.ok("prove", C1).out == text
    r = dep_audit(net, out)
    assert r.code == EXIT_OK, r.describe()
    assert r.out.startswith(f"OK {out}: case {C1} in the log of {WUDU}"
                            " (武都区人民法院)\n"), r.describe()
    assert witnesses_line(r).strip() == (
        "witnesses: 3: cn (最高人民法院), cn/gs (甘肃省高级人民法院),"
        " cn/gs/ln (陇南市中级人民法院)"), r.describe()


def test_prove_at_the_spc(net, tmp_path):
    spc, w = net["cn"], net[WUDU]
    out = tmp_path / "spc.proof"
    spc.ok("prove", C1, "--origin", WUDU, "-o", out)
    r = dep_audit(net, out)
    assert r.code == EXIT_OK, r.describe()
    assert "witnesses: 3:" in witnesses_line(r), r.describe()
    for hub in HUBS:
        assert f" {hub} (" in witnesses_line(r), r.describe()
    # the same entries and checkpoint body as the county's own proof
    county = w.ok("prove", C1).out
    spc_text = out.read_text(encoding="utf-8")
    assert county.split("\n\n")[0] == spc_text.split("\n\n")[0]
    assert st.note_body(county.split("\n\n", 1)[1]) == \
        st.note_body(spc_text.split("\n\n", 1)[1])
    # the SPC has no log of its own for the county's case
    spc.fails("prove", C1, code=EXIT_REFUSED,
              msg=f"prove: case {C1} has no entries in the log of cn")


def test_wrong_tree_size_fails(net, tmp_path):
    w = net[WUDU]
    text = w.ok("prove", C1).out
    size = w.size()
    for wrong in (size - 1, size + 1):
        bad = tmp_path / f"size-{wrong}.proof"
        bad.write_text(text.replace(f"\nsize {size}\n", f"\nsize {wrong}\n",
                                    1), encoding="utf-8")
        r = dep_audit(net, bad)
        msg = f"the proof says size {wrong} but its checkpoint is of size {size}"
        assert r.code == EXIT_REFUSED, r.describe()
        assert r.out == f"FAILED {bad}: {msg}\n", r.describe()


def test_the_correction_is_in_the_proof(net, tmp_path):
    w = net[WUDU]
    text = w.ok("prove", C1).out
    timeline = [e["index"] for e in w.case(C1)["timeline"]]
    entries = w.entries()
    corr = [e["index"] for e in entries if e["type"] == "correction"]
    assert len(corr) == 1
    assert corr[0] in proof_indexes(text)
    assert net.paid in proof_indexes(text)       # and the entry it corrects
    assert proof_indexes(text) == sorted(timeline)
    out = tmp_path / "c1.proof"
    out.write_text(text, encoding="utf-8")
    r = dep_audit(net, out)
    assert r.code == EXIT_OK, r.describe()
    assert "(1 correction)" in r.out, r.describe()
    # case 2 shares the log but not the correction
    text2 = w.ok("prove", C2).out
    assert corr[0] not in proof_indexes(text2)
    assert not set(proof_indexes(text2)) & set(proof_indexes(text))


def test_tampering_a_fresh_proof(net, tmp_path):
    """The vectors' tamperings, repeated on a proof made now."""
    text = net[WUDU].ok("prove", C1).out
    size = net[WUDU].size()
    head, note = text.split("\n\n", 1)
    lines = head.split("\n")
    first = lines[4].split(" ")
    # a path hash replaced by another entry's leaf-level sibling
    k = int(first[1])
    path = lines[5].split(" ")
    path[1] = path[2]
    bad = tmp_path / "path.proof"
    bad.write_text("\n".join(lines[:5] + [" ".join(path)] + lines[6:])
                   + "\n\n" + note, encoding="utf-8")
    r = dep_audit(net, bad)
    assert r.code == EXIT_REFUSED and r.out == (
        f"FAILED {bad}: entry {k}: inclusion proof does not lead to the"
        f" checkpoint's root (size {size})\n"), r.describe()
    # a path with one hash too few
    bad.write_text("\n".join(lines[:5] + [" ".join(path[:-1])] + lines[6:])
                   + "\n\n" + note, encoding="utf-8")
    r = dep_audit(net, bad)
    assert r.code == EXIT_REFUSED and f"entry {k}: inclusion proof" in r.out
    # not a proof at all
    bad.write_text("c2sp.org/tlog-proof@v1\nindex 0\n\n" + note,
                   encoding="utf-8")
    r = dep_audit(net, bad)
    assert r.code == EXIT_REFUSED and r.out == (
        f"FAILED {bad}: not a case proof: the first line must be"
        " courtsync-case-proof/v1\n"), r.describe()


# ---------------------------------------------------------------- refusals

def test_prove_refusals(node, tmp_path):
    node.file(C1)
    node.fails("prove", C1, code=EXIT_REFUSED,
               msg="prove: no checkpoint of cn/gs/ln/wudu covers entry 0 yet")
    node.ok("log", "checkpoint")
    node.ok("node", "--case", C1, "--date", "2024-03-05", "--node", "notice")
    node.fails("prove", C1, code=EXIT_REFUSED,
               msg="prove: no checkpoint of cn/gs/ln/wudu covers entry 1 yet")
    node.ok("log", "checkpoint")
    # a node without a registry cannot tell a witness: only --latest
    node.fails("prove", C1, code=EXIT_REFUSED,
               msg="prove: no witnessed checkpoint of cn/gs/ln/wudu covers"
               " entry 1 yet: this node has no registry")
    text = node.ok("prove", C1, "--latest").out
    assert proof_indexes(text) == [0, 1]
    node.fails("prove", C3, code=EXIT_REFUSED,
               msg=f"prove: case {C3} has no entries in the log of"
               " cn/gs/ln/wudu")
    node.fails("prove", "(2024)甘1202执01号", code=EXIT_REFUSED)
    node.fails("prove", C1, "--origin", "cn/gs/ln/cheng", code=EXIT_REFUSED,
               msg="prove: no log of cn/gs/ln/cheng is held here")
    node.fails("prove", code=EXIT_USAGE, msg="prove: which case number?")
    node.fails("prove", C1, "--origin", "Not/A/Path", code=EXIT_USAGE)
    node.fails("prove", C1, C2, code=EXIT_USAGE)
    node.fails("prove", C1, "--latest", "-o",
               tmp_path / "no" / "such" / "dir", code=EXIT_SYSTEM)


def test_audit_usage_and_unreadable(tmp_path):
    v = VECTORS
    r = run(["audit", "--proof", v / "honest.proof"])
    assert r.code == EXIT_USAGE, r.describe()
    r = run(["audit", "--proof", v / "honest.proof", "--ca", v / "ca.crt",
             "--registry", v / "registry.tsv", "--bogus"])
    assert r.code == EXIT_USAGE, r.describe()
    r = audit(tmp_path / "missing.proof", v / "ca.crt", v / "registry.tsv")
    assert r.code == EXIT_SYSTEM and "cannot open" in r.err, r.describe()
    r = audit(v / "honest.proof", v / "ca.crt", v / "registry.tsv",
              "--registry-sig", tmp_path / "missing.sig")
    assert r.code == EXIT_SYSTEM, r.describe()
    r = audit(v / "honest.proof", v / "ca.crt", v / "registry.tsv",
              "--registry-sig", v / "registry.tsv.sig")
    assert r.code == EXIT_OK, r.describe()
