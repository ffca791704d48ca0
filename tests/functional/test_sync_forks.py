"""
Hubs keep every fork, empty logs climb, and a court pushes only to its
parent (docs/PROTOCOL.md §1, §3 steps 6 and 9, §4, §6), against real
`courtsync serve` hubs (the SPC, 甘肃, 陇南) over mutual TLS.

- A court that signs a fork overlapping what 陇南 holds and extending past
  it: 409 equivocation, evidence (陇南's checkpoint, the fork's, an RFC 9162
  consistency proof) kept at 陇南 and relayed to 甘肃 and the SPC, nothing
  else stored.  The same batch altered on the way is no evidence.
- A court that signs a checkpoint over an entry 陇南's fold refuses: 422
  fold_refused, refusal evidence (checkpoint, entry, inclusion proof,
  reason) kept and relayed.  Forged or garbled evidence: 403 bad_evidence.
- A court with no entries: its checkpoint 0 reaches every level and comes
  back cosigned by all of them.
- A court whose parent_url leads to a hub that is not its parent refuses
  to push, before sending anything.
"""
from __future__ import annotations

import hashlib
import shutil

import msgpack
import pytest

import synctest as st
from synctest import (FAST, HUBS, Court, Deployment, Topology, batch,
                      court_batch, flip_sig, origin_state, record_cases,
                      wait_until)

LN = "cn/gs/ln"
WUDU = "cn/gs/ln/wudu"
CHENG = "cn/gs/ln/cheng"
WEN = "cn/gs/ln/wen"
EMPTY_ROOT = hashlib.sha256(b"").digest()


def state(hub, origin):
    """What a refused push must not change (origin_state) plus the
    refusal evidence."""
    out = origin_state(hub.db_path, origin)
    out["refusals"] = hub.q("SELECT id, origin, note, idx FROM refusals"
                            " ORDER BY id")
    return out


def without(d, *keys):
    return {k: v for k, v in d.items() if k not in keys}


class Net:
    def __init__(self, topo, base, impostor):
        self.topo = topo
        self.base = base
        self.impostor = impostor      # wen's home, serving as a hub
        self.ln = topo[LN]

    def __getitem__(self, p):
        return self.topo[p]

    def listed(self, hub, what, origin, n):
        """Waits until hub lists n items of `what` evidence about origin."""
        c = self.topo[hub].client()

        def items():
            r = c.get(f"/v1/{what}")
            assert r.status == 200, r
            got = [e for e in r.msg() if e["origin"] == origin]
            return got if len(got) == n else None
        return wait_until(items, 30, what=f"{hub} to list {n} {what} of"
                          f" {origin}", detail=self.topo.logs)


@pytest.fixture(scope="module")
def net(tmp_path_factory):
    base = tmp_path_factory.mktemp("forks")
    dep = Deployment(base)
    # wen's home as it came from the CA, before the topology configures
    # it: a real hub presenting wen's certificate
    impostor = Court(base / "impostor", WEN)
    shutil.copytree(dep[WEN].home, impostor.home)
    topo = Topology(dep, members=HUBS + (WUDU, CHENG, WEN))
    impostor.port = st.free_port()
    impostor.conf(listen=f"127.0.0.1:{impostor.port}", **FAST)
    try:
        topo.start(*HUBS)
        impostor.start()
        yield Net(topo, base, impostor)
    finally:
        impostor.stop()
        topo.close()


# ---------------------------------------------------------------- §4 empty logs

def test_empty_log_is_relayed_and_witnessed(net):
    """cheng records nothing: it signs checkpoint 0 (the empty tree's
    root), every level stores it and cosigns it, and cheng ends up holding
    the cosignatures of 陇南, 甘肃 and the SPC."""
    cheng = net[CHENG]
    assert cheng.size() == 0
    cheng.start()
    try:
        wait_until(lambda: net.topo.cosigned_by_all(CHENG), 30,
                   what="cheng's checkpoint 0 cosigned by every level",
                   detail=net.topo.logs)
    finally:
        cheng.stop()
    reg = st.read_registry(net.ln.home)
    note = cheng.held(CHENG).checkpoints[0]
    origin, size, root = st.parse_checkpoint(note)
    assert (origin, size, root) == (f"courtsync/{CHENG}", 0, EMPTY_ROOT)
    for hub in (LN, "cn/gs", "cn"):
        h = net[hub].held(CHENG)
        assert h.size == 0 and sorted(h.checkpoints) == [0], hub
        assert st.verify_court_sig(h.checkpoints[0], cheng.vkey())
        r = net[hub].client().get(f"/v1/checkpoint?origin={CHENG}")
        assert r.status == 200, r
        assert set(st.cosignatures(r.body.decode(), reg)) >= \
            {a for a in (LN, "cn/gs", "cn") if a.count("/") <=
             hub.count("/")}, (hub, r.body)
    # cheng's own copy carries every witness above it, each verifying
    held = cheng.held(CHENG)
    full = held.checkpoints[0] + "".join(
        line for _, line in held.cosigs[0].values())
    assert set(st.cosignatures(full, reg)) == {LN, "cn/gs", "cn"}


def test_hubs_own_empty_logs_climb_too(net):
    """陇南 and 甘肃 record nothing either: their checkpoint 0 is held and
    cosigned by every court above them."""
    reg = st.read_registry(net.ln.home)
    for court, above in ((LN, ("cn/gs", "cn")), ("cn/gs", ("cn",))):
        def done(court=court, above=above):
            h = net[court].held(court)
            return 0 in h.checkpoints and set(above) <= set(
                h.cosigs.get(0, {}))
        wait_until(done, 30, what=f"{court}'s checkpoint 0 cosigned",
                   detail=net.topo.logs)
        for hub in above:
            h = net[hub].held(court)
            assert h.size == 0 and 0 in h.checkpoints, (court, hub)
        h = net[court].held(court)
        full = h.checkpoints[0] + "".join(
            line for _, line in h.cosigs[0].values())
        assert set(st.cosignatures(full, reg)) == set(above)


def test_forged_empty_checkpoint_is_refused(net):
    """A checkpoint 0 whose signature is not the court's: 403, no log."""
    note = flip_sig(net[CHENG].held(CHENG).checkpoints[0])
    before = state(net.ln, CHENG)
    r = net[CHENG].as_client_of(net.ln).push(batch(CHENG, 0, [], note))
    assert r.status == 403 and r.msg()["error"] == "bad_signature", r
    assert state(net.ln, CHENG) == before


# ---------------------------------------------------------------- §6.1 forks

def test_overlapping_fork_is_evidence_kept_and_relayed(net):
    """陇南 holds wudu's 10 entries.  A copy of wudu taken at 4 records other
    events up to 12 and signs: its push (4..12) overlaps 4..10 with other
    entries and extends past 10.  409 equivocation; the evidence is
    陇南's checkpoint 10 against the fork's 12, with a consistency proof
    from 10 to 12 in the fork's tree; nothing else changes."""
    wudu = net[WUDU]
    record_cases(wudu, "甘1202", range(1, 3))
    wudu.ok("log", "checkpoint")
    wudu.ok("push")
    fork = Court(net.base / "wudu-fork", WUDU)
    shutil.copytree(wudu.home, fork.home)
    record_cases(wudu, "甘1202", range(3, 6))
    wudu.ok("push")
    assert net.ln.held(WUDU).size == 10
    record_cases(fork, "甘1202", range(101, 105))
    fork.ok("log", "checkpoint")
    assert fork.size() == 12
    before = state(net.ln, WUDU)
    r = fork.run("push")
    assert r.code == 1, r.describe()
    assert f"push refused: {WUDU}: 409 equivocation" in r.err, r.describe()
    assert "differ from the log held here from entry 4" in r.err, r.describe()
    after = state(net.ln, WUDU)
    # cosignatures of checkpoint 10 from 甘肃 and the SPC may still be
    # flowing down (PROTOCOL §4); the fork's checkpoint 12 gets none
    assert without(after, "equivocations", "cosigs") == \
        without(before, "equivocations", "cosigs")
    assert net.ln.q("SELECT count(*) FROM cosigs WHERE size = 12 AND log ="
                    " (SELECT id FROM logs WHERE origin = ?)", (WUDU,)) == \
        [(0,)]
    rows = net.ln.q("SELECT note_a, note_b, proof, root_m, found_by FROM"
                    " equivocations WHERE origin = ?", (WUDU,))
    assert len(rows) == 1, rows
    a, b, proof, root_m, found_by = rows[0]
    assert found_by == LN
    assert st.verify_court_sig(a, wudu.vkey())
    assert st.verify_court_sig(b, wudu.vkey())
    _, m, ra = st.parse_checkpoint(a)
    _, n, rb = st.parse_checkpoint(b)
    assert (m, n) == (10, 12)
    assert ra == net.ln.held(WUDU).root() and rb.hex() == fork.root()[1]
    proof = [bytes(proof[i:i + 32]) for i in range(0, len(proof), 32)]
    assert st.verify_consistency(m, n, bytes(root_m), rb, proof)
    assert bytes(root_m) != ra
    # root_m is the fork's tree at 10: wudu's first 4 entries, then the
    # fork's
    fleaves = [st.leaf_hash(d) for d in fork.held(WUDU).datas()[:10]]
    assert bytes(root_m) == st.cstest.merkle_root(fleaves)
    # a replay keeps no second copy
    fork.fails("push", code=1, msg="409 equivocation")
    assert len(net.ln.q("SELECT id FROM equivocations")) == 1
    # 甘肃 and the SPC verify it and list it
    for hub, by in (("cn/gs", LN), ("cn", "cn/gs")):
        ev = net.listed(hub, "equivocations", WUDU, 1)
        assert {ev[0]["a"], ev[0]["b"]} == {a, b} and ev[0]["found_by"] == by
        assert net[hub].held(WUDU).datas() == wudu.held(WUDU).datas()
    net.fork = fork


def test_overlapping_fork_altered_on_the_way_is_no_evidence(net):
    """The fork's batch with its last entry altered: its entries no longer
    hash to the signed root, so the court did not sign them: 409 conflict,
    nothing kept."""
    b = court_batch(net.fork, 4, 12)
    b["entries"][-1] = b["entries"][-1].replace(b"2024-02-05", b"2024-02-06")
    before = state(net.ln, WUDU)
    r = net[WUDU].as_client_of(net.ln).push(b)
    assert r.status == 409, r
    m = r.msg()
    assert (m["error"], m["size"]) == ("conflict", 10), r
    assert m["message"] == f"entry 4 of {WUDU} differs from the one held here"
    assert state(net.ln, WUDU) == before


def test_forged_fork_evidence_is_refused(net):
    """The evidence above, relayed by hand to 甘肃 with root_m or the proof
    changed, or the fork's note forged: 403 bad_evidence, nothing kept."""
    a, b, proof, root_m = net.ln.q("SELECT note_a, note_b, proof, root_m FROM"
                                   " equivocations WHERE origin = ?",
                                   (WUDU,))[0]
    good = {"origin": WUDU, "a": a, "b": b, "root_m": bytes(root_m),
            "proof": [bytes(proof[i:i + 32])
                      for i in range(0, len(proof), 32)]}
    c = net.ln.as_client_of(net["cn/gs"])
    n_before = net["cn/gs"].q("SELECT count(*) FROM equivocations")
    bad_root = dict(good, root_m=bytes(32))
    bad_proof = dict(good, proof=[bytes(32)] + good["proof"][1:])
    bad_note = dict(good, b=flip_sig(b))
    for ev in (bad_root, bad_proof, bad_note):
        r = c.post("/v1/evidence", msgpack.packb(ev, use_bin_type=True))
        assert r.status == 403 and r.msg()["error"] == "bad_evidence", r
    assert net["cn/gs"].q("SELECT count(*) FROM equivocations") == n_before
    # the genuine one is a no-op (already held)
    r = c.post("/v1/evidence", msgpack.packb(good, use_bin_type=True))
    assert r.status == 200, r
    assert net["cn/gs"].q("SELECT count(*) FROM equivocations") == n_before


# ---------------------------------------------------------------- §6.2 refusals

def test_checkpoint_over_a_refused_entry_is_evidence(net):
    """wen, misconfigured with cheng's court code, files a case numbered
    for cheng and signs.  陇南 verifies, stores and witnesses the batch
    (the push succeeds: the log is genuine), then its fold stage (which
    takes the code from the registry) refuses entry 0 and halts wen's log:
    the views stay as they were, the signed checkpoint, the entry and its
    inclusion proof are kept and relayed upward, and wen's next push is
    refused 422 fold_refused."""
    wen = net[WEN]
    wen.conf(code="甘1221")
    record_cases(wen, "甘1221", [1])
    wen.ok("log", "checkpoint")
    wen.conf(code="甘1222")
    before = state(net.ln, WEN)
    r = wen.run("push")
    assert "pushed 2 entries in 1 batches" in r.out, r.describe()
    # the fold may halt the log before push's next request (a
    # cosignature): then that one is refused
    assert r.code == 0 or (r.code == 1 and "422 fold_refused" in r.err), \
        r.describe()
    assert net.ln.held(WEN).size == 2
    st.wait_until(lambda: net.ln.q("SELECT count(*) FROM refusals") == [(1,)],
                  what="陇南's fold to halt wen's log")
    after = state(net.ln, WEN)
    for t in ("cases", "case_nodes", "ledger", "suspensions", "acks",
              "events"):
        assert after[t] == before[t], t     # nothing of it folded
    [(folded, why)] = net.ln.q("SELECT folded, reason FROM folds JOIN logs"
                               " ON logs.id = folds.log WHERE origin = ?",
                               (WEN,))
    assert folded == 0 and why.startswith(f"entry 0 of {WEN}: "), why
    assert "belongs to court 甘1221, not to this court (甘1222)" in why
    rows = net.ln.q("SELECT note, idx, entry, proof, reason, found_by FROM"
                    " refusals WHERE origin = ?", (WEN,))
    assert len(rows) == 1, rows
    note, idx, entry, proof, reason, found_by = rows[0]
    held = wen.held(WEN)
    assert (idx, bytes(entry), found_by) == (0, held.datas()[0], LN)
    assert note == held.checkpoints[2]
    assert "belongs to court 甘1221" in reason
    _, n, root = st.parse_checkpoint(note)
    proof = [bytes(proof[i:i + 32]) for i in range(0, len(proof), 32)]
    assert st.verify_inclusion(0, n, st.leaf_hash(bytes(entry)), proof, root)
    assert st.health(net.ln.port)["refusals"] == 1
    # the halted log takes no more pushes, and keeps no second copy
    wen.conf(code="甘1221")
    record_cases(wen, "甘1221", [2])
    wen.conf(code="甘1222")
    r = wen.run("push")
    assert r.code == 1, r.describe()
    assert f"push refused: {WEN}: 422 fold_refused: entry 0 of {WEN}" in \
        r.err, r.describe()
    assert "belongs to court 甘1221, not to this court (甘1222)" in r.err
    assert net.ln.held(WEN).size == 2
    assert net.ln.q("SELECT count(*) FROM refusals") == [(1,)]
    # listed here and, verified, by 甘肃 and the SPC, which hold the log
    # too: each one's own fold halts it, and the first to find it (that
    # hub's fold or 陇南's evidence relayed) is kept
    for hub, by in ((LN, (LN,)), ("cn/gs", (LN, "cn/gs")),
                    ("cn", ("cn/gs", "cn", LN))):
        ev = net.listed(hub, "refusals", WEN, 1)[0]
        assert ev["kind"] == "fold_refused" and ev["found_by"] in by, ev
        assert (ev["checkpoint"], ev["index"], ev["entry"]) == \
            (note, 0, bytes(entry)), ev
        assert ev["proof"] == proof and ev["reason"] == reason, ev
        assert st.health(net[hub].port)["refusals"] == 1
        st.wait_until(lambda: net[hub].held(WEN).size == 2,
                      what=f"{hub} to hold wen's log")


def test_refused_entry_altered_on_the_way_is_no_evidence(net):
    """The same batch with its second entry altered: the entries do not
    hash to the signed root, so the batch is refused (422 root_mismatch)
    before anything is stored or folded, and nothing is kept."""
    b = court_batch(net[WEN], 0, 2)
    b["entries"][1] = b["entries"][1].replace(b"2024-02-05", b"2024-02-06")
    other = net["cn/gs"]
    before = state(other, WEN)
    r = net.ln.as_client_of(other).push(b)
    assert r.status == 422 and r.msg()["error"] in ("root_mismatch",
                                                    "fold_refused"), r
    assert state(other, WEN) == before


def refusal_evidence(net):
    note, idx, entry, proof, reason = net.ln.q(
        "SELECT note, idx, entry, proof, reason FROM refusals WHERE"
        " origin = ?", (WEN,))[0]
    return {"kind": "fold_refused", "origin": WEN, "checkpoint": note,
            "index": idx, "entry": bytes(entry),
            "proof": [bytes(proof[i:i + 32])
                      for i in range(0, len(proof), 32)], "reason": reason}


@pytest.mark.parametrize("change,status,msg", [
    (lambda e, n: dict(e, checkpoint=flip_sig(e["checkpoint"])), 403,
     "bad signature"),
    (lambda e, n: dict(e, entry=e["entry"].replace(b"\xe7\x94\xb2",
                                                   b"\xe4\xb8\x99", 1)),
     403, "entry 0 is not shown to be in checkpoint 2"),
    (lambda e, n: dict(e, proof=[bytes(32)]), 403,
     "entry 0 is not shown to be in checkpoint 2"),
    (lambda e, n: dict(e, index=1, proof=[st.leaf_hash(e["entry"])]), 403,
     f"the entry names {WEN} index 0, not {WEN} index 1"),
    (lambda e, n: dict(e, entry=b"\xc1 not an entry"), 403, "entry 0: "),
    (lambda e, n: dict(e, checkpoint=n[CHENG].held(CHENG).checkpoints[0]),
     403, f"no signature by courtsync/{WEN}"),
    (lambda e, n: {k: v for k, v in e.items() if k != "proof"}, 400,
     "refusal evidence must be a map"),
    (lambda e, n: dict(e, reason="x" * 1025), 400, "at most 1024 bytes"),
    (lambda e, n: dict(e, kind="rumour"), 400, "evidence kind is"),
], ids=["forged-note", "altered-entry", "garbled-proof", "wrong-index",
        "not-an-entry", "other-courts-note", "no-proof", "long-reason",
        "unknown-kind"])
def test_forged_refusal_evidence_is_refused(net, change, status, msg):
    """Refusal evidence sent to 甘肃 as 陇南 would, but forged or garbled:
    refused with the reason, nothing kept."""
    good = refusal_evidence(net)
    gs = net["cn/gs"]
    n_before = gs.q("SELECT count(*) FROM refusals")
    r = net.ln.as_client_of(gs).post(
        "/v1/evidence", msgpack.packb(change(good, net), use_bin_type=True))
    assert r.status == status, r
    m = r.msg()
    assert m["error"] == ("bad_evidence" if status == 403 else
                          "bad_request"), r
    assert msg in m["message"], r
    assert gs.q("SELECT count(*) FROM refusals") == n_before


def test_refusal_evidence_only_from_above_the_court(net):
    """cheng may not report on wen (not beneath it): 403."""
    r = net[CHENG].as_client_of(net.ln).post(
        "/v1/evidence", msgpack.packb(refusal_evidence(net),
                                      use_bin_type=True))
    assert r.status == 403 and r.msg()["error"] == "origin_not_allowed", r


# ---------------------------------------------------------------- §1 the parent

@pytest.mark.parametrize("server", ["impostor", "cn/gs"])
def test_push_only_to_the_parent(net, server):
    """wudu's parent_url pointed at a real hub that is not 陇南 — one
    presenting wen's certificate, and 甘肃 (which would take wudu's log):
    the push stops in the TLS handshake with both paths named, and the
    server saw no request."""
    wudu = net[WUDU]
    hub = net.impostor if server == "impostor" else net["cn/gs"]
    record_cases(wudu, "甘1202", [50 + len(server)])
    wudu.ok("log", "checkpoint")
    seen = "SELECT court, requests FROM peers WHERE court = ?"
    assert hub.q(seen, (WUDU,)) == []
    # what 陇南 relays on its own has reached 甘肃 first
    st.wait_until(lambda: server == "impostor" or
                  hub.held(WUDU).size == net.ln.held(WUDU).size,
                  what="甘肃 to hold what 陇南 holds of wudu")
    held = hub.held(WUDU).size
    url = f"https://127.0.0.1:{hub.port}"
    wudu.conf(parent_url=url)
    try:
        r = wudu.run("push")
        assert r.code == 3, r.describe()
        assert f"the server at {url} is {hub.path}, not the parent {LN}" \
            in r.err, r.describe()
    finally:
        wudu.conf(parent_url=f"https://127.0.0.1:{net.ln.port}")
    assert hub.q(seen, (WUDU,)) == []       # not a single request
    assert hub.held(WUDU).size == held
    # and to its parent it still pushes
    wudu.ok("push")
    assert net.ln.held(WUDU).size == wudu.size()
