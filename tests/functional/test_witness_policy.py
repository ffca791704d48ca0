"""
The witness policy (issue 9, docs/FORMAT.md §9.1): a court cannot strip,
fake or stand in for the cosignatures an auditor's verdict rests on.

A real deployment (SPC <- 甘肃 <- 陇南 <- 武都, 文县 beside 武都) produces an
honest export whose history is witnessed by every level; each forgery an
independent verifier tried is then made from it with the courts' real keys
(python3-cryptography signs exactly as FORMAT §9.1 says) and must be
refused by `audit`, `audit --proof`, `prove`, `audit --follow` and
`log verify`, with a message naming the checkpoint and the reason.
"""
from __future__ import annotations

import base64
import json
import re
import shutil
import time
from pathlib import Path

import pytest

import cstest
from cstest import EXIT_OK, EXIT_REFUSED, EXIT_USAGE, Export
import synctest as st
from synctest import Deployment, Topology, case_no, wait_until

WUDU = "cn/gs/ln/wudu"
WEN = "cn/gs/ln/wen"
LN = "cn/gs/ln"
HUBS = ("cn", "cn/gs", LN)
EM = "\u2014 "


class Net:
    pass


def record(court, seq, date, claimed="1000.00"):
    court.file(case_no("甘1202", seq), date=date, claimed=claimed)
    court.ok("node", "--case", case_no("甘1202", seq), "--date", date,
             "--node", "notice")


@pytest.fixture(scope="module")
def net(tmp_path_factory):
    base = tmp_path_factory.mktemp("witness-policy")
    dep = Deployment(base)
    n = Net()
    n.dport = st.free_port()
    topo = Topology(dep, hubs=HUBS, members=HUBS + (WUDU,), per_court={
        LN: {"dashboard": f"127.0.0.1:{n.dport}"}})
    n.base, n.dep, n.topo = base, dep, topo
    try:
        topo.start(*HUBS, WUDU)
        wudu = topo[WUDU]
        record(wudu, 1, "2024-02-01")
        wait_until(lambda: topo.cosigned_by_all(WUDU), 60,
                   what="case 1 cosigned by every level", detail=topo.logs)
        # The court keeps a copy of its home as it stood then …
        n.before = base / "wudu-before"
        shutil.copytree(wudu.home, n.before)
        record(wudu, 2, "2024-02-02", claimed="2500.00")
        wait_until(lambda: topo.cosigned_by_all(WUDU), 60,
                   what="case 2 cosigned by every level", detail=topo.logs)
        n.county = wudu.export(base / "county-export")
        topo["cn"].ok("log", "export", base / "spc-export", "--origin", WUDU)
        n.spc = base / "spc-export"
        n.anchors = ["--ca", wudu.home / "ca.crt",
                     "--registry", wudu.home / "registry.tsv"]
        yield n
    finally:
        topo.close()


def audit(net, *args, timeout=120):
    return cstest.run(["audit", *args, *net.anchors], timeout=timeout)


def failed(r, msg):
    assert r.code == EXIT_REFUSED, "expected exit 1" + r.describe()
    line = [x for x in r.out.splitlines() if x.startswith("FAILED")]
    assert line and msg in line[0], f"want {msg!r}" + r.describe()
    return line[0]


# ---------------------------------------------------------------- signing

cosig_line = st.cosig_line
own_lines = st.own_lines


def checkpoints(e: Export) -> list[Path]:
    return sorted((e.path / "checkpoints").iterdir())


def copy(net, name) -> Export:
    dest = net.base / f"f-{name}"
    if dest.exists():
        shutil.rmtree(dest)
    return Export(net.county).copy(dest)


def strip_all(e: Export):
    for f in checkpoints(e):
        f.write_text(own_lines(f.read_text(encoding="utf-8"), WUDU),
                     encoding="utf-8")


def add_line(f: Path, line: str):
    f.write_text(f.read_text(encoding="utf-8") + line + "\n",
                 encoding="utf-8")


def latest_size(e: Export) -> int:
    return int(checkpoints(e)[-1].name)


# ---------------------------------------------------------------- honest

def test_honest_exports_meet_parent_and_ancestors(net):
    for ex in (net.county, net.spc):
        for pol in ([], ["--witnesses", "ancestors"],
                    ["--witnesses", f"2:{LN},cn/gs"]):
            r = audit(net, ex, "--no-replay", *pol)
            assert r.code == EXIT_OK, r.describe()
            assert r.out.splitlines()[-1].startswith("OK ")
    r = audit(net, net.county, "--no-replay", "--witnesses", "ancestors")
    size = latest_size(Export(net.county))
    assert f"policy      ancestors: every entry rests on checkpoint {size}" \
        in r.out, r.out
    row = [x for x in r.out.splitlines() if x.strip().startswith(f"{size} ")]
    assert row and "meets the policy" in row[0] and " at 20" in row[0], r.out


def test_json_lists_who_witnessed_each_checkpoint(net):
    r = audit(net, net.county, "--no-replay", "--json")
    assert r.code == EXIT_OK, r.describe()
    j = json.loads(r.out)
    assert j["policy"] == "parent"
    assert j["witnessed_size"] == latest_size(Export(net.county))
    last = j["witnessed"][-1]
    assert last["meets_policy"] is True
    assert {w["court"] for w in last["witnesses"]} == set(HUBS)
    assert all(w["counts"] and w["time"] > 0 for w in last["witnesses"])


# ---------------------------------------------------------------- forgeries

def test_history_rewritten_by_the_court_and_stripped(net):
    """The court rewrites case 2 with its real key (re-chained, re-signed)
    from a copy of its home and exports: the rewritten part rests on a
    checkpoint nobody witnessed."""
    home = net.base / "wudu-rewrite"
    if home.exists():
        shutil.rmtree(home)
    shutil.copytree(net.before, home)
    w = cstest.Node(home)
    record(w, 2, "2024-02-02", claimed="2499.99")     # one fen less
    e = Export(w.export(net.base / "rewrite-export"))
    sizes = [int(f.name) for f in checkpoints(e)]
    line = failed(audit(net, e.path, "--no-replay"), "not witnessed")
    m = re.search(r"checkpoint (\d+): not witnessed: no cosignature by"
                  r" cn/gs/ln, its parent \(witness policy parent\);"
                  r" entries from (\d+) on", line)
    assert m, line
    assert int(m.group(1)) == sizes[-1] and int(m.group(2)) < sizes[-1]
    # … and with the hubs' cosignatures of the old prefix stripped too
    strip_all(e)
    failed(audit(net, e.path, "--no-replay"),
           f"checkpoint {sizes[0]}: not witnessed: no cosignature by"
           f" cn/gs/ln, its parent")


def test_stripped_export_is_unwitnessed(net):
    e = copy(net, "strip")
    strip_all(e)
    first = int(checkpoints(e)[0].name)
    failed(audit(net, e.path, "--no-replay"),
           f"checkpoint {first}: not witnessed: no cosignature by cn/gs/ln,"
           f" its parent (witness policy parent); entries from 0 on")


def test_invalid_cosignature_under_the_courts_own_name(net):
    e = copy(net, "self-bad")
    f = checkpoints(e)[-1]
    good = cosig_line(net.topo[WUDU].home, WUDU, f.read_text(), int(time.time()))
    head, b64 = good.rsplit(" ", 1)
    raw = bytearray(base64.b64decode(b64))
    raw[-1] ^= 0x01
    add_line(f, f"{head} {base64.b64encode(bytes(raw)).decode()}")
    failed(audit(net, e.path, "--no-replay"),
           f"checkpoint {f.name.lstrip('0')}: bad cosignature by {WUDU}")


def test_valid_self_and_sibling_cosignatures_never_count(net):
    e = copy(net, "sibling")
    strip_all(e)
    now = int(time.time())
    for f in checkpoints(e):
        note = f.read_text(encoding="utf-8")
        add_line(f, cosig_line(net.topo[WUDU].home, WUDU, note, now))
        add_line(f, cosig_line(net.dep[WEN].home, WEN, note, now))
    first = int(checkpoints(e)[0].name)
    r = audit(net, e.path, "--no-replay")
    failed(r, f"checkpoint {first}: not witnessed: no cosignature by cn/gs/ln")
    assert "does not count" in r.out, r.out
    # naming the sibling as the witness changes nothing: it never counts
    failed(audit(net, e.path, "--no-replay", "--witnesses", f"1:{WEN}"),
           f"checkpoint {first}: not witnessed: 1 of the witnesses {WEN}"
           " needed, 0 found")


def test_future_dated_cosignature(net):
    e = copy(net, "future")
    f = checkpoints(e)[-1]
    note = own_lines(f.read_text(encoding="utf-8"), WUDU)
    t2106 = 4294967296 + 86400 * 30          # in the year 2106
    f.write_text(note + cosig_line(net.dep[LN].home, LN, note, t2106) + "\n",
                 encoding="utf-8")
    failed(audit(net, e.path, "--no-replay"),
           f"checkpoint {int(f.name)}: the cosignature by {LN} is dated"
           " 2106-")


def test_cosignature_older_than_the_checkpoint(net):
    e = copy(net, "past")
    f = checkpoints(e)[-1]
    note = own_lines(f.read_text(encoding="utf-8"), WUDU)
    f.write_text(note + cosig_line(net.dep[LN].home, LN, note, 1000) + "\n",
                 encoding="utf-8")
    failed(audit(net, e.path, "--no-replay"),
           f"checkpoint {int(f.name)}: the cosignature by {LN} is dated"
           " 1970-01-01T00:16:40Z, before the newest entry it covers was"
           " recorded")


def test_registered_name_with_another_key_is_a_forgery(net):
    e = copy(net, "wrong-keyid")
    f = checkpoints(e)[-1]
    line = cosig_line(net.dep[WEN].home, WEN, f.read_text(), int(time.time()))
    add_line(f, line.replace(f"courtsync/{WEN}", "courtsync/cn/gs"))
    failed(audit(net, e.path, "--no-replay"),
           f"checkpoint {int(f.name)}: bad cosignature by cn/gs (key ID")


def test_lines_outside_the_registry_are_ignored(net):
    e = copy(net, "outsider")
    f = checkpoints(e)[-1]
    raw = b"\x01\x02\x03\x04" + bytes(72)
    add_line(f, f"{EM}example.org/witness {base64.b64encode(raw).decode()}")
    r = audit(net, e.path, "--no-replay")
    assert r.code == EXIT_OK, r.describe()


def test_bad_witness_flags(net):
    for bad in ("sometimes", "0:cn", "3:cn,cn/gs", "1:cn,cn", "1:Cn"):
        r = audit(net, net.county, "--no-replay", "--witnesses", bad)
        assert r.code == EXIT_USAGE and "--witnesses" in r.err, r.describe()
    r = audit(net, net.county, "--no-replay", "--witnesses", "1:cn/zz")
    assert r.code == EXIT_USAGE and "not in the registry" in r.err, \
        r.describe()
    r = audit(net, net.county, "--no-replay", "--skew", "-5")
    assert r.code == EXIT_USAGE and "--skew" in r.err, r.describe()
    for bad in ("yesterday", "-1", "253402300800"):
        r = audit(net, net.county, "--no-replay", "--now", bad)
        assert r.code == EXIT_USAGE and "--now" in r.err, r.describe()
    # a clock before the cosignatures: they are "dated later than" it
    r = audit(net, net.county, "--no-replay", "--now", "1000000000")
    assert r.code == EXIT_REFUSED and "later than this verifier's clock" \
        in r.out, r.describe()


# ---------------------------------------------------------------- log verify

def test_log_verify_never_trusts_the_exports_own_key(net):
    r = cstest.run(["log", "verify", net.county])
    assert r.code == EXIT_USAGE and "never trusted" in r.err, r.describe()
    r = cstest.run(["log", "verify", net.county, *net.anchors])
    assert r.code == EXIT_OK, r.describe()
    # a court of the same path made afresh: a new key signs everything
    home = net.base / "impostor"
    if home.exists():
        shutil.rmtree(home)
    imp = cstest.Node(home)
    imp.init()
    record(imp, 1, "2024-02-01")
    ex = imp.export(net.base / "impostor-export")
    r = cstest.run(["log", "verify", ex, *net.anchors])
    assert r.code == EXIT_REFUSED and "court.vkey: the export's key is not" \
        " the key given" in r.out, r.describe()
    failed(audit(net, ex, "--no-replay"), "court.vkey: the export's key is"
           " not the key given")


# ---------------------------------------------------------------- proofs

def test_case_proofs_follow_the_same_rule(net):
    wudu = net.topo[WUDU]
    proof = net.base / "case1.proof"
    wudu.ok("prove", case_no("甘1202", 1), "-o", proof)
    r = cstest.run(["audit", "--proof", proof, *net.anchors,
                    "--witnesses", "ancestors"])
    assert r.code == EXIT_OK and "witness policy: ancestors: met" in r.out, \
        r.describe()
    text = proof.read_text(encoding="utf-8")
    head, note = text.split("\n\n", 1)
    size = int(re.search(r"^size (\d+)$", head, re.M).group(1))
    bare = own_lines(note, WUDU)

    def check(note2, msg):
        p = net.base / "forged.proof"
        p.write_text(head + "\n\n" + note2, encoding="utf-8")
        r = cstest.run(["audit", "--proof", p, *net.anchors])
        assert r.code == EXIT_REFUSED and msg in r.out, r.describe()

    check(bare, f"checkpoint {size}: not witnessed: no cosignature by"
          " cn/gs/ln, its parent")
    now = int(time.time())
    check(bare + cosig_line(net.dep[WEN].home, WEN, bare, now) + "\n",
          f"checkpoint {size}: not witnessed")
    check(bare + cosig_line(net.dep[LN].home, LN, bare, 4294967296 + 1) + "\n",
          f"checkpoint {size}: the cosignature by {LN} is dated 2106-")
    # `prove` itself refuses what no witness of the policy has cosigned
    r = wudu.run("prove", case_no("甘1202", 1), "--witnesses", f"1:{WEN}")
    assert r.code == EXIT_REFUSED and "no witnessed checkpoint" in r.err, \
        r.describe()


# ---------------------------------------------------------------- monitor

def test_follow_waits_for_the_policy(net):
    ln = net.topo[LN]
    url = f"https://127.0.0.1:{ln.port}"
    base = ["audit", "--follow", url, "--origin", WUDU,
            "--cert", ln.home / "tls.crt", "--key", ln.home / "tls.key",
            *net.anchors, "--once"]
    r = cstest.run(base + ["--state", net.base / "follow-ok.state"])
    assert r.code == EXIT_OK and "witnessed by" in r.out, r.describe()
    r = cstest.run(base + ["--state", net.base / "follow-wen.state",
                           "--witnesses", f"1:{WEN}"])
    assert r.code == EXIT_REFUSED and "not witnessed yet" in r.out, \
        r.describe()
    assert not (net.base / "follow-wen.state").exists()


# ---------------------------------------------------------------- dashboard

def dashboard_case(net, cno):
    import http.client
    import ssl
    import urllib.parse
    ln = net.topo[LN]
    wait_until(lambda: "dashboard of" in ln.daemon.log(), 20,
               what="陇南's dashboard listener")
    ctx = ssl.create_default_context(cafile=str(ln.home / "ca.crt"))
    ctx.check_hostname = False
    if getattr(net, "token", None) is None:     # a viewer sees verdicts
        net.token = st.staff(ln, "verdicts", "viewer")
    con = http.client.HTTPSConnection("127.0.0.1", net.dport, context=ctx,
                                      timeout=30)
    try:
        con.request("GET", "/api/case?" + urllib.parse.urlencode(
            {"origin": WUDU, "case": cno}), headers=st.bearer(net.token))
        r = con.getresponse()
        assert r.status == 200
        return json.loads(r.read().decode("utf-8"))
    finally:
        con.close()


def test_dashboard_verdicts_follow_the_nodes_policy(net):
    """Runs last: it restarts 陇南 with another policy and back."""
    cno = case_no("甘1202", 1)
    t = dashboard_case(net, cno)
    assert t["witness_policy"] == "parent"
    assert t["events"] and all(e["witnessed"] for e in t["events"]), t
    ln = net.topo[LN]
    ln.stop()
    ln.conf(witnesses=f"1:{WEN}")           # a sibling: never counts
    ln.start()
    try:
        t = dashboard_case(net, cno)
        assert t["witness_policy"] == f"1:{WEN}"
        assert not any(e["witnessed"] for e in t["events"]), t
        # the levels shown are still only the courts that may witness
        assert all(set(e["levels"]) <= {1, 2, 3, 4} for e in t["events"])
    finally:
        ln.stop()
        ln.conf(witnesses="parent")
        ln.start()
    r = ln.run("serve", "--check")
    assert r.code == 0, r.describe()
    conf = ln.home / "courtsync.conf"
    good = conf.read_text(encoding="utf-8")
    ln.conf(witnesses="sometimes")
    r = ln.run("serve", "--check")
    conf.write_text(good, encoding="utf-8")
    assert r.code != 0 and "witnesses" in r.err, r.describe()
