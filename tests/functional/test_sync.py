"""
Sync across four levels (docs/PROTOCOL.md): SPC (cn) <- 甘肃 (cn/gs) <-
陇南 (cn/gs/ln) <- three counties, every court a real `courtsync serve`.

Events recorded at the counties and at 陇南 itself reach every level; every
level holds byte-for-byte the same log of every court below it, with the
same size and root (recomputed here, RFC 9162); each county's latest
checkpoint comes back cosigned by 陇南, 甘肃 and the SPC (tlog-cosignature
checked here with python3-cryptography against the registry's keys); the
read endpoints serve proofs that verify; /healthz needs no certificate.
"""
from __future__ import annotations

import urllib.parse

import pytest

import cstest
from cstest import DEFAULT_TIME
import synctest as st
from synctest import (COUNTIES, HUBS, Client, Deployment, Topology,
                      ancestors, case_no, wait_until)

LN = "cn/gs/ln"
ORIGINS = COUNTIES + (LN,)


def record_hand(court, code, seqs, date="2024-02-01"):
    for s in seqs:
        court.ok("file", "--case", case_no(code, s), "--date", date,
                 "--applicant", "甲公司", "--respondent", "乙某",
                 "--claimed", "1000.00")
        court.ok("node", "--case", case_no(code, s), "--date", "2024-02-05",
                 "--node", "notice")


@pytest.fixture(scope="module")
def net(tmp_path_factory):
    base = tmp_path_factory.mktemp("sync")
    dep = Deployment(base)
    topo = Topology(dep)
    try:
        topo.start(*HUBS, *COUNTIES)
        wudu, cheng, wen, ln = (topo[p] for p in ORIGINS)
        # recorded while every daemon runs
        wudu.ok("import", st.generate("甘1202", 30, 1, base / "wudu.jsonl"))
        record_hand(wudu, "甘1202", [1001, 1002])
        record_hand(cheng, "甘1221", [1, 2, 3])
        wen.ok("import", st.generate("甘1222", 12, 2, base / "wen.jsonl"))
        record_hand(ln, "甘12", [1, 2])
        topo.wait_converged(ORIGINS, timeout=60)
        for o in ORIGINS:
            wait_until(lambda o=o: topo.cosigned_by_all(o), 60,
                       what=f"{o}'s latest checkpoint cosigned by every"
                       " court above", detail=topo.logs)
        yield topo
    finally:
        topo.close()


def registry(topo):
    return st.read_registry(topo["cn"].home)


def test_every_level_holds_every_log(net):
    for origin in ORIGINS:
        own = net[origin]
        size, root_hex = own.root()
        assert size > 0
        mine = own.held(origin)
        assert mine.size == size and mine.root().hex() == root_hex
        vkey = own.vkey()
        for level in net.levels_of(origin)[1:]:
            h = level.held(origin)
            assert h.contiguous(), f"{level.path}: {origin} has holes"
            assert h.size == size, (level.path, origin, h.size, size)
            assert h.datas() == mine.datas(), f"{level.path}: {origin} differs"
            assert h.root().hex() == root_hex, (level.path, origin)
            # its latest checkpoint is the court's, for this very tree
            latest = h.latest()
            assert latest == size, (level.path, origin, sorted(h.checkpoints))
            name, n, root = st.parse_checkpoint(h.checkpoints[latest])
            assert (name, n, root.hex()) == (f"courtsync/{origin}", size,
                                            root_hex)
            assert st.verify_court_sig(h.checkpoints[latest], vkey)
            # every checkpoint it holds is signed by the court and agrees
            # with the entries held
            for ck_size, note in h.checkpoints.items():
                assert st.verify_court_sig(note, vkey), (level.path, ck_size)
                _, n, root = st.parse_checkpoint(note)
                assert n == ck_size
                assert root == cstest.merkle_root(
                    [cstest.leaf_hash(d) for d in h.datas()[:n]])
    # the folded cases are there too, at every level
    for origin in ORIGINS:
        rows = [net[p].q("SELECT count(*) FROM cases WHERE log = (SELECT id"
                         " FROM logs WHERE origin = ?)", (origin,))[0][0]
                for p in [origin] + [a for a in ancestors(origin)]]
        assert len(set(rows)) == 1 and rows[0] > 0, (origin, rows)


def test_nothing_outside_the_subtree(net):
    """A hub holds its subtree only; a county holds only its own log."""
    for county in COUNTIES:
        assert [o for (o,) in net[county].q("SELECT origin FROM logs")] == \
            [county]
    for hub in HUBS:
        for (o,) in net[hub].q("SELECT origin FROM logs"):
            assert o == hub or o.startswith(hub + "/"), (hub, o)


def test_county_checkpoints_cosigned_by_every_level(net):
    reg = registry(net)
    for origin in ORIGINS:
        own = net[origin]
        h = own.held(origin)
        latest = h.latest()
        assert latest == h.size
        note = h.checkpoints[latest] + "".join(
            line for _, line in h.cosigs.get(latest, {}).values())
        cos = st.cosignatures(note, reg)
        assert set(cos) == set(ancestors(origin)), (origin, cos)
        assert all(t == DEFAULT_TIME for t in cos.values()), cos
        # the court's own signature is still there and still valid
        assert st.verify_court_sig(note, own.vkey())
        # each witness line is exactly the witness's: no other lines held
        assert set(h.cosigs[latest]) == set(ancestors(origin))


def test_checkpoint_endpoint_carries_cosignatures(net):
    reg = registry(net)
    for hub in HUBS:
        c = net[hub].client()
        for origin in ORIGINS:
            if not origin.startswith(hub + "/"):
                continue
            r = c.get(f"/v1/checkpoint?origin={origin}")
            assert r.status == 200, r
            assert r.ctype.startswith("text/plain"), r
            note = r.body.decode()
            assert st.verify_court_sig(note, reg[origin])
            _, n, root = st.parse_checkpoint(note)
            h = net[hub].held(origin)
            assert n == h.size and root == h.root()
            cos = st.cosignatures(note, reg)
            # the hub's own cosignature and those of every court above it
            # (returned to it when it relayed) are all there
            want = {a for a in ancestors(origin) if a == hub
                    or hub.startswith(a + "/")}
            assert want <= set(cos), (hub, origin, cos)


def test_logs_endpoint(net):
    for hub in HUBS:
        r = net[hub].client().get("/v1/logs")
        assert r.status == 200 and "msgpack" in r.ctype, r
        got = {m["origin"]: (m["size"], m["checkpoint"]) for m in r.msg()}
        for origin in ORIGINS:
            if origin.startswith(hub + "/"):
                s = net[origin].size()
                assert got.get(origin) == (s, s), (hub, origin, got)
        for o in got:
            assert o == hub or o.startswith(hub + "/"), (hub, got)


def test_entries_endpoint(net):
    c = net["cn"].client()
    origin = "cn/gs/ln/wudu"
    mine = net[origin].held(origin).datas()
    r = c.get(f"/v1/entries?origin={origin}&start=0&end={len(mine)}")
    assert r.status == 200, r
    assert r.msg() == mine
    r = c.get(f"/v1/entries?origin={origin}&start=5&end=9")
    assert r.status == 200 and r.msg() == mine[5:9], r
    r = c.get(f"/v1/entries?origin={origin}&start=3&end=3")
    assert r.status == 200 and r.msg() == [], r
    # beyond what is held: 416 with the size
    r = c.get(f"/v1/entries?origin={origin}&start=0&end={len(mine) + 1}")
    assert r.status == 416, r
    assert r.msg()["error"] == "out_of_range" and r.msg()["size"] == len(mine)
    r = c.get(f"/v1/entries?origin={origin}&start=4&end=2")
    assert r.status == 400 and r.msg()["error"] == "bad_request", r
    r = c.get("/v1/entries?origin=cn/gs/ln/nowhere&start=0&end=1")
    assert r.status == 404 and r.msg()["error"] == "unknown_origin", r
    r = c.get("/v1/entries?start=0&end=1")
    assert r.status == 400 and r.msg()["error"] == "bad_request", r


def _proof(r):
    assert r.status == 200 and "msgpack" in r.ctype, r
    m = r.msg()
    assert set(m) == {"proof"}
    assert all(isinstance(p, bytes) and len(p) == 32 for p in m["proof"])
    return m["proof"]


def test_inclusion_proofs_verify(net):
    for hub, origin in (("cn/gs/ln", "cn/gs/ln/wudu"), ("cn", "cn/gs/ln/wen"),
                        ("cn/gs", "cn/gs/ln")):
        c = net[hub].client()
        datas = net[hub].held(origin).datas()
        n = len(datas)
        leaves = [cstest.leaf_hash(d) for d in datas]
        sizes = sorted(s for s in {1, 2, 3, 7, 8, n // 2, n - 1, n} if 0 < s <= n)
        for size in sizes:
            root = cstest.merkle_root(leaves[:size])
            for index in sorted({0, size // 2, size - 1}):
                proof = _proof(c.get(f"/v1/proof/inclusion?origin={origin}"
                                     f"&index={index}&size={size}"))
                assert st.verify_inclusion(index, size, leaves[index], proof,
                                           root), (hub, origin, index, size)
                # and it proves nothing about another leaf
                other = leaves[(index + 1) % size]
                if size > 1:
                    assert not st.verify_inclusion(index, size, other, proof,
                                                   root)
        # the latest signed checkpoint's root, as a client would use it
        note = c.get(f"/v1/checkpoint?origin={origin}").body.decode()
        _, size, root = st.parse_checkpoint(note)
        proof = _proof(c.get(f"/v1/proof/inclusion?origin={origin}&index=0"
                             f"&size={size}"))
        assert st.verify_inclusion(0, size, leaves[0], proof, root)
        # errors
        r = c.get(f"/v1/proof/inclusion?origin={origin}&index={n}&size={n}")
        assert r.status == 400 and r.msg()["error"] == "bad_request", r
        r = c.get(f"/v1/proof/inclusion?origin={origin}&index=0&size={n + 1}")
        assert r.status == 416 and r.msg()["error"] == "out_of_range", r
        assert r.msg()["size"] == n


def test_consistency_proofs_verify(net):
    for hub, origin in (("cn/gs/ln", "cn/gs/ln/wudu"), ("cn", "cn/gs/ln/wen"),
                        ("cn", "cn/gs/ln/cheng")):
        c = net[hub].client()
        datas = net[hub].held(origin).datas()
        n = len(datas)
        leaves = [cstest.leaf_hash(d) for d in datas]
        pairs = {(1, n), (n, n), (1, 1)}
        for m in (2, 3, 4, 5, 8, n // 3, n // 2, n - 1):
            if 0 < m <= n:
                pairs.add((m, n))
                pairs.add((m, (m + n) // 2))
        for m, k in sorted(pairs):
            proof = _proof(c.get(f"/v1/proof/consistency?origin={origin}"
                                 f"&old={m}&new={k}"))
            rm = cstest.merkle_root(leaves[:m])
            rk = cstest.merkle_root(leaves[:k])
            assert st.verify_consistency(m, k, rm, rk, proof), \
                (hub, origin, m, k)
            if m < k:
                assert not st.verify_consistency(m, k, rk, rm, proof) or \
                    rm == rk
        r = c.get(f"/v1/proof/consistency?origin={origin}&old=0&new={n}")
        assert r.status == 400 and r.msg()["error"] == "bad_request", r
        r = c.get(f"/v1/proof/consistency?origin={origin}&old=2&new=1")
        assert r.status == 400 and r.msg()["error"] == "bad_request", r
        r = c.get(f"/v1/proof/consistency?origin={origin}&old=1&new={n + 1}")
        assert r.status == 416 and r.msg()["error"] == "out_of_range", r


def test_read_endpoints_need_a_client_certificate(net):
    hub = net["cn/gs/ln"]
    anon = Client(hub.port, ca=hub.home / "ca.crt")
    for path in ("/v1/logs", "/v1/checkpoint?origin=cn/gs/ln/wudu",
                 "/v1/entries?origin=cn/gs/ln/wudu&start=0&end=1",
                 "/v1/equivocations"):
        r = anon.get(path)
        assert r.status == 401, (path, r)
        assert r.msg()["error"] == "client_certificate_required", r
    # any court of the deployment may read, even one outside the subtree
    r = net.dep["cn/xj/wlmq"].as_client_of(hub).get("/v1/logs")
    assert r.status == 200, r


def test_healthz_without_client_certificate(net):
    for hub in HUBS:
        h = st.health(net[hub].port)
        assert h is not None
        assert h["status"] == "ok" and h["court"] == hub, h
        (logs, entries), = net[hub].q("SELECT (SELECT count(*) FROM logs),"
                                      " (SELECT count(*) FROM entries)")
        assert (h["logs"], h["entries"]) == (logs, entries), h
    # also through the pinned client with no certificate at all
    r = Client(net["cn"].port, ca=net["cn"].home / "ca.crt").get("/healthz")
    assert r.status == 200 and r.ctype.startswith("application/json"), r


def test_no_equivocation_among_honest_courts(net):
    for hub in HUBS:
        r = net[hub].client().get("/v1/equivocations")
        assert r.status == 200 and r.msg() == [], r


def test_later_events_follow_and_extend_consistently(net):
    """More events, at a county and at 陇南, while everything runs: every
    level follows, and the SPC proves the new tree extends the old one."""
    cn = net["cn"].client()
    before = {}
    for o in ("cn/gs/ln/cheng", LN):
        note = cn.get(f"/v1/checkpoint?origin={o}").body.decode()
        before[o] = st.parse_checkpoint(note)
    record_hand(net["cn/gs/ln/cheng"], "甘1221", [10, 11])
    net["cn/gs/ln/cheng"].ok("correct", "--corrects", "1", "--reason",
                             "录入错误", "--void")
    record_hand(net[LN], "甘12", [3])
    net.wait_converged(("cn/gs/ln/cheng", LN), timeout=60)
    for o in ("cn/gs/ln/cheng", LN):
        wait_until(lambda o=o: net.cosigned_by_all(o), 60,
                   what=f"{o} cosigned again", detail=net.logs)
        note = cn.get(f"/v1/checkpoint?origin={o}").body.decode()
        _, n, root = st.parse_checkpoint(note)
        _, m, old_root = before[o]
        assert n > m
        proof = _proof(cn.get(f"/v1/proof/consistency?origin="
                              f"{urllib.parse.quote(o)}&old={m}&new={n}"))
        assert st.verify_consistency(m, n, old_root, root, proof)
        assert root.hex() == net[o].root()[1]
    # the correction's fold reached the top: case 1 of 成县 is void there too
    own = net["cn/gs/ln/cheng"].q(
        "SELECT case_no, closed, nevents FROM cases WHERE log = 1 ORDER BY 1")
    top = net["cn"].q(
        "SELECT case_no, closed, nevents FROM cases WHERE log = (SELECT id"
        " FROM logs WHERE origin = 'cn/gs/ln/cheng') ORDER BY 1")
    assert own == top


def test_every_node_is_the_fold_of_its_logs(net):
    """rebuild --check at every court, hubs included: the tables are
    exactly the fold of every log the node holds."""
    for p in COUNTIES + HUBS:
        net[p].rebuild_check()
