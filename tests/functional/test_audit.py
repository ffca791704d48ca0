"""
The auditor (`courtsync audit`, docs/FORMAT.md §9) against a real
deployment: SPC (cn) <- 甘肃 <- 陇南 <- 武都, every level a `courtsync
serve`.  The county's export and the SPC's export of the county's log
audit alike, with the same state digest as `courtsync digest` at both;
every tampering kind is named with its exact message; two views are
compared, a forked court's equivocation is proven in a file anyone can
check; the monitor follows the SPC's view, survives kill -9 and neither
re-verifies nor skips.
"""
from __future__ import annotations

import re
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

import cstest
from cstest import EXIT_OK, EXIT_REFUSED, EXIT_USAGE, Export
import synctest as st
from synctest import Deployment, Topology, case_no, wait_until

WUDU = "cn/gs/ln/wudu"
WEN = "cn/gs/ln/wen"
HUBS = ("cn", "cn/gs", "cn/gs/ln")


class Net:
    pass


@pytest.fixture(scope="module")
def net(tmp_path_factory):
    base = tmp_path_factory.mktemp("audit")
    dep = Deployment(base)
    topo = Topology(dep)
    n = Net()
    n.base, n.dep, n.topo = base, dep, topo
    try:
        topo.start(*HUBS, WUDU)
        wudu = topo[WUDU]
        wudu.ok("import", st.generate("甘1202", 40, 7, base / "wudu.jsonl"))
        topo.wait_converged([WUDU], timeout=60)
        wait_until(lambda: topo.cosigned_by_all(WUDU), 60,
                   what="wudu's checkpoint cosigned by every level",
                   detail=topo.logs)
        n.county = wudu.export(base / "county-export")
        topo["cn"].ok("log", "export", base / "spc-export", "--origin", WUDU)
        n.spc = base / "spc-export"
        n.anchors = ["--ca", wudu.home / "ca.crt",
                     "--registry", wudu.home / "registry.tsv"]
        yield n
    finally:
        topo.close()


def audit(net, *args, env=None, timeout=120):
    return cstest.run(["audit", *args, *net.anchors], env=env,
                      timeout=timeout)


def state_of(out: str) -> str:
    m = re.search(r"^state +([0-9a-f]{64})", out, re.M)
    assert m, out
    return m.group(1)


def failed(r, msg):
    assert r.code == EXIT_REFUSED, "expected exit 1" + r.describe()
    line = [x for x in r.out.splitlines() if x.startswith("FAILED")]
    assert line and msg in line[0], f"want {msg!r}" + r.describe()
    return line[0]


# ---------------------------------------------------------------- honest

def test_county_and_spc_exports_agree(net):
    a = audit(net, net.county)
    b = audit(net, net.spc)
    for r in (a, b):
        assert r.code == EXIT_OK, r.describe()
        assert r.out.splitlines()[-1].startswith("OK ")
        assert "武都区人民法院" in r.out
    size = net.topo[WUDU].size()
    assert f"entries     {size} verified" in a.out
    assert state_of(a.out) == state_of(b.out)
    # the same value every node reports for the court
    d_county = net.topo[WUDU].ok("digest").out
    d_spc = net.topo["cn"].ok("digest", "--origin", WUDU).out
    assert f"state {state_of(a.out)}" in d_county
    assert f"state {state_of(a.out)}" in d_spc
    assert f"size {size}" in d_spc
    # the county's latest checkpoint is witnessed by all three levels
    last = [x for x in a.out.splitlines() if x.strip().startswith(str(size))]
    assert last, a.out
    for w in ("cn/gs/ln (level 3)", "cn/gs (level 2)", "cn (level 1)"):
        assert w in last[-1], a.out


def test_json_report(net):
    import json
    r = audit(net, net.county, "--json", "--no-replay")
    assert r.code == EXIT_OK, r.describe()
    j = json.loads(r.out)
    assert j["ok"] and j["court"] == WUDU and j["problem"] is None
    assert {w["court"] for w in j["witnessed"][-1]["witnesses"]} == set(HUBS)
    assert "state" not in j


def test_usage_and_anchors(net):
    r = cstest.run(["audit", net.county])
    assert r.code == EXIT_USAGE and "--ca" in r.err, r.describe()
    bad = net.base / "bad-registry.tsv"
    shutil.copy(net.topo[WUDU].home / "registry.tsv", bad)
    shutil.copy(net.topo[WUDU].home / "registry.tsv.sig", str(bad) + ".sig")
    with open(bad, "a", encoding="utf-8") as f:
        f.write("cn/zz\t2\t浙\tcn\t假法院\n")
    r = cstest.run(["audit", net.county, "--ca",
                    net.topo[WUDU].home / "ca.crt", "--registry", bad])
    assert r.code == 3 and "registry" in r.err, r.describe()


# ---------------------------------------------------------------- tampering

def tampered(net, name) -> Export:
    dest = net.base / f"t-{name}"
    if dest.exists():
        shutil.rmtree(dest)
    return Export(net.county).copy(dest)


def flip_b64_sig(line: str) -> str:
    """Flips one character deep inside the signature bytes."""
    head, b64 = line.rsplit(" ", 1)
    i = 40                      # past the 4-byte key ID (and a timestamp)
    c = "A" if b64[i] != "A" else "B"
    return f"{head} {b64[:i]}{c}{b64[i + 1:]}"


def edit_sig_line(path: Path, prefix: str):
    lines = path.read_text(encoding="utf-8").split("\n")
    for i, l in enumerate(lines):
        if l.startswith(prefix + " "):
            lines[i] = flip_b64_sig(l)
            break
    else:
        raise AssertionError(f"no line {prefix} in {path}")
    path.write_text("\n".join(lines), encoding="utf-8")


def test_flipped_byte_in_an_entry(net):
    e = tampered(net, "flip")
    f = e.frames()
    f[5] = f[5][:-1] + bytes([f[5][-1] ^ 0x01])
    e.write_frames(f)
    failed(audit(net, e.path), "entry 5: altered (its hash does not match"
           " the prev recorded in entry 6)")


def test_dropped_entry(net):
    e = tampered(net, "drop")
    f = e.frames()
    del f[7]
    e.write_frames(f)
    failed(audit(net, e.path), "entry 7: its index says 8 (entries dropped,"
           " duplicated or reordered)")


def test_reordered_entries(net):
    e = tampered(net, "reorder")
    f = e.frames()
    f[10], f[11] = f[11], f[10]
    e.write_frames(f)
    failed(audit(net, e.path), "entry 10: its index says 11")


def test_truncated_export(net):
    e = tampered(net, "trunc")
    f = e.frames()
    n = len(f)
    e.write_frames(f[:n - 3])
    s = max(e.checkpoint_sizes())
    failed(audit(net, e.path), f"checkpoint {s}: signed for {s} entries but"
           f" the export has {n - 3} (truncated export?)")


def test_forged_signature(net):
    e = tampered(net, "sig")
    s = max(e.checkpoint_sizes())
    edit_sig_line(e.checkpoint(s), "— courtsync/" + WUDU)
    failed(audit(net, e.path), f"checkpoint {s}: bad signature by"
           f" courtsync/{WUDU}")


def test_forged_cosignature(net):
    e = tampered(net, "cosig")
    s = max(e.checkpoint_sizes())
    edit_sig_line(e.checkpoint(s), "— courtsync/cn/gs")
    failed(audit(net, e.path), f"checkpoint {s}: bad cosignature by cn/gs")


def test_state_digest_mismatch_after_a_broken_replay(net):
    want = state_of(net.topo[WUDU].ok("digest").out)
    good = audit(net, net.county, "--expect-digest", want)
    assert good.code == EXIT_OK, good.describe()
    n = net.topo[WUDU].size()
    r = audit(net, net.county, "--expect-digest", want,
              env={"COURTSYNC_AUDIT_FAULT": f"skip-fold:{n - 1}"})
    line = failed(r, "state digest mismatch: the replay gives ")
    assert line.endswith(f"expected {want}"), line


# ------------------------------------------------- forks and comparisons

@pytest.fixture(scope="module")
def fork(net):
    """wen (not running) and a copy of its home that goes another way."""
    wen = net.topo[WEN]
    for s in (1, 2, 3):
        wen.ok("file", "--case", case_no("甘1222", s), "--date", "2024-02-01",
               "--applicant", "甲", "--respondent", "乙", "--claimed", "10")
    f = Net()
    f.old = wen.export(net.base / "wen-old")           # size 3, signed
    f.old_note = Export(f.old).checkpoint(3)
    fork_home = net.base / "wen-fork"
    shutil.copytree(wen.home, fork_home)
    twin = st.Court(fork_home, WEN)
    for court, s in ((wen, 4), (twin, 40)):
        court.ok("file", "--case", case_no("甘1222", s), "--date",
                 "2024-03-01", "--applicant", "甲", "--respondent", "乙",
                 "--claimed", "20")
        if court is wen:
            f.four = wen.export(net.base / "wen-4")      # size 4
        court.ok("node", "--case", case_no("甘1222", 1), "--date",
                 "2024-03-02", "--node", "notice")
    f.a = wen.export(net.base / "wen-a")
    f.b = twin.export(net.base / "wen-b")
    return f


def test_compare_consistent_views(net, fork):
    r = audit(net, "--compare", net.county, net.spc)
    assert r.code == EXIT_OK and "CONSISTENT" in r.out, r.describe()
    out = net.base / "consistent.txt"
    r = audit(net, "--compare", fork.old, fork.a, "--evidence", out)
    assert r.code == EXIT_OK, r.describe()
    assert "CONSISTENT: size 3 is a prefix of size 5" in r.out
    text = out.read_text()
    assert text.startswith("courtsync-comparison/1\n")
    assert "verdict consistent" in text and "consistency " in text
    r = audit(net, "--compare", out)
    assert r.code == EXIT_OK and "verifies" in r.out, r.describe()


def test_equivocation_evidence(net, fork):
    out = net.base / "evidence.txt"
    r = audit(net, "--compare", fork.a, fork.b, "--evidence", out)
    assert r.code == EXIT_REFUSED, r.describe()
    assert (f"EQUIVOCATION: {WEN} signed two trees that differ from entry 3"
            in r.out), r.out
    text = out.read_text()
    assert "verdict equivocation" in text and "entry 3\n" in text
    # anyone can check it, with the trust anchors alone
    v = audit(net, "--compare", out)
    assert v.code == EXIT_OK and "EQUIVOCATION" in v.out, v.describe()
    # and the comparison reproduces it byte for byte
    again = net.base / "evidence-again.txt"
    audit(net, "--compare", fork.a, fork.b, "--evidence", again)
    assert again.read_bytes() == out.read_bytes()
    # tampering with the evidence is caught
    bad = net.base / "evidence-bad.txt"
    bad.write_text(text.replace("verdict equivocation",
                                "verdict consistent"))
    r = audit(net, "--compare", bad)
    assert r.code == EXIT_REFUSED and "INVALID" in r.out, r.describe()


def test_replaced_checkpoint(net, fork):
    """The fork's validly signed checkpoint put in place of the honest one."""
    e = Export(fork.a).copy(net.base / "wen-replaced")
    shutil.copy(Export(fork.b).checkpoint(5), e.checkpoint(5))
    failed(audit(net, e.path), "checkpoint 5: root does not match the"
           " entries: entry 4 altered (or entries rewritten)")


def test_checkpoint_inconsistent_with_its_predecessor(net, fork):
    """wen's checkpoint 4, as a bare note, is not a prefix of the twin's
    checkpoint 5: the comparison proves it from the twin's export."""
    r = audit(net, "--compare", Export(fork.four).checkpoint(4), fork.b,
              "--evidence", net.base / "e-4-5.txt")
    assert r.code == EXIT_REFUSED, r.describe()
    assert (f"EQUIVOCATION: {WEN} signed checkpoints 4 and 5 that are not"
            " consistent") in r.out, r.out
    # a larger view given as a bare note cannot be decided: usage
    r = audit(net, "--compare", fork.old_note, Export(fork.b).checkpoint(5))
    assert r.code == EXIT_USAGE and "export is needed" in r.err, r.describe()


def test_proof_for_the_wrong_tree_size(net, fork):
    """The 3 -> 5 comparison file with the proof (and root) of 4 -> 5
    spliced in: a proof for the wrong tree size does not verify."""
    good = net.base / "c-3-5.txt"
    four = net.base / "c-4-5.txt"
    assert audit(net, "--compare", fork.old, fork.a, "--evidence",
                 good).code == EXIT_OK
    assert audit(net, "--compare", fork.four, fork.a, "--evidence",
                 four).code == EXIT_OK
    keep = ("consistency ", "root-m ")
    lines = good.read_text().splitlines(keepends=True)
    other = [l for l in four.read_text().splitlines(keepends=True)
             if l.startswith(keep)]
    at = next(i for i, l in enumerate(lines) if l.startswith(keep))
    spliced = [l for l in lines if not l.startswith(keep)]
    spliced[at:at] = other
    bad = net.base / "c-wrong-size.txt"
    bad.write_text("".join(spliced))
    r = audit(net, "--compare", bad)
    assert r.code == EXIT_REFUSED, r.describe()
    assert ("INVALID" in r.out and "consistency proof from size 3 to 5 does"
            " not verify (a proof for another tree size?)" in r.out), r.out


# ---------------------------------------------------------------- monitor

def follow(net, state, *extra, timeout=120, wait=True):
    spc = net.topo["cn"]
    args = [cstest.BIN, "audit", "--follow", f"https://127.0.0.1:{spc.port}",
            "--origin", WUDU, "--state", str(state),
            "--cert", str(spc.home / "tls.crt"),
            "--key", str(spc.home / "tls.key"), *map(str, net.anchors),
            *map(str, extra)]
    if not wait:
        return subprocess.Popen(args, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
    return cstest.run(args[1:], timeout=timeout)


def state_size(path: Path) -> int:
    try:
        for line in path.read_text().splitlines():
            if line.startswith("size "):
                return int(line.split()[1])
    except (FileNotFoundError, ValueError):
        pass
    return 0


def hub_root(net) -> tuple[int, str]:
    h = net.topo["cn"].held(WUDU)
    return h.size, h.root().hex()


def test_follow_grows_and_resumes(net):
    state = net.base / "monitor.state"
    r = follow(net, state, "--once", "--chunk", "100")
    assert r.code == EXIT_OK, r.describe()
    n, root = hub_root(net)
    assert "starting at size 0" in r.out
    assert f"verified {n} new entries (0..{n - 1}): size {n} root {root}" \
        in r.out, r.out
    assert "witnessed by" in r.out
    # nothing new: nothing fetched again
    r = follow(net, state, "--once")
    assert f"resuming at size {n}" in r.out
    assert f"up to date at size {n}" in r.out, r.out
    # the county records more; the SPC gets it; the monitor continues
    wudu = net.topo[WUDU]
    for s in (9001, 9002):
        wudu.ok("file", "--case", case_no("甘1202", s), "--date",
                "2024-06-01", "--applicant", "甲", "--respondent", "乙",
                "--claimed", "1.00")
    net.topo.wait_converged([WUDU], timeout=60)
    r = follow(net, state, "--once", "--chunk", "1")
    m, root2 = hub_root(net)
    assert m == n + 2
    assert f"resuming at size {n}" in r.out
    assert f"verified 2 new entries ({n}..{m - 1}): size {m} root {root2}" \
        in r.out, r.out
    # the state file's own verdict
    assert state_size(state) == m


def test_follow_killed_mid_run(net):
    """kill -9 mid-round, restart: it resumes where it saved, verifying
    exactly the rest (never again, never skipped)."""
    wudu = net.topo[WUDU]
    gen = net.base / "more.jsonl"
    st.generate("甘1202", 200, 11, gen)
    # the generator numbers cases from 1: renumber them past what is held
    gen.write_text(re.sub(r"(甘1202执[恢保异复监协]?)(\d+)号",
                          lambda m: f"{m.group(1)}{int(m.group(2)) + 5000}号",
                          gen.read_text(encoding="utf-8")), encoding="utf-8")
    wudu.ok("import", gen)
    net.topo.wait_converged([WUDU], timeout=60)
    n, root = hub_root(net)
    state = net.base / "killed.state"
    for attempt in range(5):
        if state.exists():
            state.unlink()
        p = follow(net, state, "--once", "--chunk", "1", wait=False)
        try:
            wait_until(lambda: state_size(state) > 0 or p.poll() is not None,
                       30, interval=0.001, what="a first saved chunk")
        finally:
            p.send_signal(signal.SIGKILL)
            p.wait()
        saved = state_size(state)
        if 0 < saved < n:
            break
    else:
        pytest.skip("the monitor finished before it could be killed")
    r = follow(net, state, "--once", "--chunk", "1000")
    assert r.code == EXIT_OK, r.describe()
    assert f"resuming at size {saved}" in r.out, r.out
    assert (f"verified {n - saved} new entries ({saved}..{n - 1}): size {n}"
            f" root {root}") in r.out, r.out
    assert state_size(state) == n
