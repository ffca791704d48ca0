"""
What a hub refuses (docs/PROTOCOL.md §1, §3, §6), against a running 陇南
hub (cn/gs/ln) under 甘肃 and the SPC, with requests built here: msgpack
batches of entries copied from a real county's database and checkpoints
from its checkpoints table, sent over mTLS with Python's http.client.

Every refusal answers the documented status, error code and message, and
changes nothing the hub holds for that origin (entries, checkpoints,
cosignatures, the fold's rows, cursors, evidence): compared before and
after from the hub's SQLite database.
"""
from __future__ import annotations

import base64
import shutil

import msgpack
import pytest

import synctest as st
from synctest import (HUBS, Client, Court, Deployment, Topology,
                      batch, case_no, court_batch, flip_sig, origin_state,
                      record_cases, wait_until)

LN = "cn/gs/ln"
WUDU = "cn/gs/ln/wudu"
CHENG = "cn/gs/ln/cheng"
WEN = "cn/gs/ln/wen"
WLMQ = "cn/xj/wlmq"
MAX_BODY = 65536
MAX_BATCH = 100


class Net:
    def __init__(self, topo, fork, base):
        self.topo = topo
        self.fork = fork          # a copy of wudu's home taken at size 10
        self.base = base
        self.ln = topo[LN]

    def __getitem__(self, p):
        return self.topo[p]

    def client(self, path) -> Client:
        return self.topo.dep[path].as_client_of(self.ln)

    def settle(self):
        """Waits until 陇南's push loop has nothing left to change: every
        checkpoint it holds at the top of a log carries the cosignatures
        of 陇南, 甘肃 and the SPC."""
        def quiet():
            for (o,) in self.ln.q("SELECT origin FROM logs"):
                h = self.ln.held(o)
                if h.latest() is None:
                    continue
                want = {LN, "cn/gs", "cn"} - {o}   # none cosigns its own
                if not want <= set(h.cosigs.get(h.latest(), {})):
                    return False
            return True
        wait_until(quiet, 30, what="陇南 to settle", detail=self.topo.logs)

    def state(self, origin=WUDU):
        return origin_state(self.ln.db_path, origin)

    def refused(self, client: Client, body, status: int, code: str | None,
                msg: str | None = None, origin=WUDU, size: int | None = None):
        """Sends body (a batch dict or raw bytes) to /v1/push; expects the
        refusal and proves the hub's state for origin did not change."""
        self.settle()
        before = self.state(origin)
        r = client.push(body)
        assert r.status == status, r
        if code is not None:
            m = r.msg()
            assert m["error"] == code, r
            if msg is not None:
                assert msg in m["message"], r
            if status == 409:
                assert m["size"] == size, r
            else:
                assert "size" not in m, r
        after = self.state(origin)
        assert after == before, f"state of {origin} changed by a refused push"
        assert st.health(self.ln.port) is not None     # still serving
        return r


@pytest.fixture(scope="module")
def net(tmp_path_factory):
    base = tmp_path_factory.mktemp("refusals")
    dep = Deployment(base)
    topo = Topology(dep, members=HUBS + (WUDU, CHENG, WEN),
                    extra={"max_batch": MAX_BATCH},
                    per_court={LN: {"max_body": MAX_BODY}})
    try:
        topo.start(*HUBS)
        wudu, cheng = topo[WUDU], topo[CHENG]
        # wudu: 10 entries, pushed; a copy of its home taken then
        record_cases(wudu, "甘1202", range(1, 6))
        wudu.ok("log", "checkpoint")
        wudu.ok("push")
        fork = Court(base / "wudu-fork", WUDU)
        shutil.copytree(wudu.home, fork.home)
        fork2 = Court(base / "wudu-fork2", WUDU)
        shutil.copytree(wudu.home, fork2.home)
        # then 10 more, with checkpoints at 16 and 20, not pushed
        record_cases(wudu, "甘1202", range(6, 9))
        wudu.ok("log", "checkpoint")
        record_cases(wudu, "甘1202", range(9, 11))
        wudu.ok("log", "checkpoint")
        assert sorted(wudu.held(WUDU).checkpoints) == [10, 16, 20]
        # cheng: 4 entries, pushed
        record_cases(cheng, "甘1221", range(1, 3))
        cheng.ok("push")
        # wlmq (outside the subtree): a signed log of its own
        wlmq = dep[WLMQ]
        wlmq.ok("file", "--case", case_no("新01", 1), "--date", "2024-03-01",
                "--applicant", "甲", "--respondent", "乙", "--claimed", "1")
        wlmq.ok("log", "checkpoint")
        n = Net(topo, fork, base)
        n.fork2 = fork2
        assert n.ln.held(WUDU).size == 10 and n.ln.held(CHENG).size == 4
        n.settle()
        yield n
    finally:
        topo.close()


def replace_once(data: bytes, old: bytes, new: bytes) -> bytes:
    assert data.count(old) >= 1, (old, data)
    return data.replace(old, new, 1)


# ---------------------------------------------------------------- §1 who

def test_no_client_certificate(net):
    anon = Client(net.ln.port, ca=net.ln.home / "ca.crt")
    net.refused(anon, court_batch(net[WUDU], 10, 16), 401,
                "client_certificate_required",
                "a client certificate of the deployment CA is required")


def test_certificate_from_another_ca(net):
    d = net.topo.dep.other_ca(WUDU, net.base / "other-wudu")
    c = Client(net.ln.port, ca=net.ln.home / "ca.crt", cert=d / "tls.crt",
               key=d / "tls.key")
    r = net.refused(c, court_batch(net[WUDU], 10, 16), 403,
                    "certificate_rejected")
    assert r.msg()["message"] == "unable to get local issuer certificate", r


def test_expired_certificate(net):
    d = net.topo.dep.issue(WUDU, net.base / "expired-wudu",
                           not_before="20200101000000Z",
                           not_after="20210101000000Z")
    c = Client(net.ln.port, ca=net.ln.home / "ca.crt", cert=d / "tls.crt",
               key=d / "tls.key")
    r = net.refused(c, court_batch(net[WUDU], 10, 16), 403,
                    "certificate_rejected")
    assert r.msg()["message"] == "certificate has expired", r
    # the read endpoints refuse it too
    r = c.get("/v1/logs")
    assert r.status == 403 and r.msg()["error"] == "certificate_rejected", r


def test_revoked_certificate(net):
    dep = net.topo.dep
    d = dep.issue(WUDU, net.base / "revoked-wudu")
    c = Client(net.ln.port, ca=net.ln.home / "ca.crt", cert=d / "tls.crt",
               key=d / "tls.key")
    # valid before the revocation (a read, which changes nothing)
    assert c.get("/v1/logs").status == 200
    dep.revoke(d / "tls.crt")
    shutil.copy(dep.ca / "crl.pem", net.ln.home / "crl.pem")
    net.ln.restart()
    r = net.refused(c, court_batch(net[WUDU], 10, 16), 403,
                    "certificate_rejected")
    assert r.msg()["message"] == "certificate revoked", r
    # wudu's own (unrevoked) certificate still reads
    assert net.client(WUDU).get("/v1/logs").status == 200


# ---------------------------------------------------------------- §3.3 what

def test_county_pushing_another_countys_log(net):
    net.refused(net.client(CHENG), court_batch(net[WUDU], 10, 16), 403,
                "origin_not_allowed",
                f"{CHENG} may not push the log of {WUDU} to {LN}")


def test_county_pushing_its_hubs_log(net):
    # 陇南's own log is not the county's to push (nor anyone's, to 陇南)
    net.refused(net.client(WUDU), batch(LN, 0, [], "x"), 403,
                "origin_not_allowed", origin=LN)


def test_court_outside_the_subtree(net):
    wlmq = net.topo.dep[WLMQ]
    c = net.client(WLMQ)
    # someone else's log, inside 陇南's subtree but not beneath wlmq
    net.refused(c, court_batch(net[WUDU], 10, 16), 403, "origin_not_allowed",
                f"{WLMQ} may not push the log of {WUDU} to {LN}")
    # its own, validly signed log: not beneath 陇南
    net.refused(c, court_batch(wlmq, 0, 1), 403, "origin_not_allowed",
                f"{WLMQ} may not push the log of {WLMQ} to {LN}",
                origin=WLMQ)
    assert net.ln.q("SELECT count(*) FROM logs WHERE origin = ?",
                    (WLMQ,)) == [(0,)]


def test_origin_not_in_registry(net):
    b = court_batch(net[WUDU], 10, 16)
    b["origin"] = WUDU + "/x"
    net.refused(net.client(WUDU), b, 403, "unknown_court",
                f"{WUDU}/x is not in the registry", origin=WUDU + "/x")


# ---------------------------------------------------------------- §3.4 the checkpoint

def test_forged_checkpoint_signature(net):
    b = court_batch(net[WUDU], 10, 16)
    b["checkpoint"] = flip_sig(b["checkpoint"])
    net.refused(net.client(WUDU), b, 403, "bad_signature",
                f"checkpoint 16 of {WUDU}")


def test_checkpoint_signed_by_someone_else(net):
    """A checkpoint of wudu's tree carrying cheng's signature line."""
    b = court_batch(net[WUDU], 10, 16)
    cheng_note = net[CHENG].held(CHENG).checkpoints[4]
    body = b["checkpoint"].partition("\n\n")[0]
    b["checkpoint"] = body + "\n\n" + cheng_note.partition("\n\n")[2]
    net.refused(net.client(WUDU), b, 403, "bad_signature")


def test_checkpoint_of_another_origin(net):
    b = court_batch(net[WUDU], 10, 16)
    b["checkpoint"] = net[CHENG].held(CHENG).checkpoints[4]
    net.refused(net.client(WUDU), b, 400, "bad_checkpoint",
                f"courtsync/{CHENG}, not courtsync/{WUDU}")


def test_checkpoint_size_not_the_batch_end(net):
    b = court_batch(net[WUDU], 10, 16)
    b["checkpoint"] = net[WUDU].held(WUDU).checkpoints[20]
    net.refused(net.client(WUDU), b, 400, "batch_mismatch",
                "the batch covers entries 10..16 but the checkpoint is of"
                " size 20")


def test_malformed_checkpoint(net):
    b = court_batch(net[WUDU], 10, 16)
    b["checkpoint"] = b["checkpoint"].replace("\n\n", "\n")
    net.refused(net.client(WUDU), b, 400, "bad_checkpoint")


# ---------------------------------------------------------------- §3.5-8 entries

def test_gap(net):
    net.refused(net.client(WUDU), court_batch(net[WUDU], 16, 20), 409, "gap",
                f"the batch starts at 16 but {LN} holds 10 entries of {WUDU}",
                size=10)


def test_tampered_middle_entry(net):
    b = court_batch(net[WUDU], 10, 16)
    b["entries"][2] = replace_once(b["entries"][2], "甲公司".encode(),
                                   "丙公司".encode())
    net.refused(net.client(WUDU), b, 422, "bad_entry",
                f"entry 13 of {WUDU}: its prev is not the hash of entry 12")


def test_tampered_last_entry(net):
    b = court_batch(net[WUDU], 10, 16)
    b["entries"][-1] = replace_once(b["entries"][-1], b"2024-02-05",
                                    b"2024-02-06")
    net.refused(net.client(WUDU), b, 422, "root_mismatch",
                f"the entries 10..16 of {WUDU} do not hash to the signed root"
                " of checkpoint 16")


def test_entry_that_does_not_decode(net):
    b = court_batch(net[WUDU], 10, 16)
    b["entries"][0] = b"\xc1 not an entry"
    net.refused(net.client(WUDU), b, 422, "bad_entry", f"entry 10 of {WUDU}")


def test_entry_at_the_wrong_index(net):
    """Entries 11..16 sent as if they were 10..15 (the checkpoint of 16
    with a batch of six from 10 would need 10..15)."""
    held = net[WUDU].held(WUDU)
    b = batch(WUDU, 10, held.datas()[11:17], held.checkpoints[16])
    net.refused(net.client(WUDU), b, 422, "bad_entry",
                f"entry 10 of {WUDU} names {WUDU} index 11")


def test_overlap_that_differs(net):
    """A batch from 5 whose first entries differ from those held: 409
    conflict, and with a validly signed checkpoint beyond what is held it
    is not equivocation evidence (nothing held to compare at 16)."""
    held = net[WUDU].held(WUDU)
    ents = held.datas()[5:16]
    ents[0] = replace_once(ents[0], b"2024-02-0", b"2024-03-0")
    net.refused(net.client(WUDU), batch(WUDU, 5, ents, held.checkpoints[16]),
                409, "conflict", f"entry 5 of {WUDU} differs", size=10)


# ---------------------------------------------------------------- §3.2 the body

def test_garbage_body(net):
    net.refused(net.client(WUDU), b"\x00\x01garbage, not msgpack\xff", 400,
                "bad_request")


@pytest.mark.parametrize("body", [
    {"origin": WUDU, "start": 10, "entries": []},            # 3 keys
    {"origin": WUDU, "start": -1, "entries": [], "checkpoint": "x"},
    {"origin": WUDU, "start": 10, "entries": ["text"], "checkpoint": "x"},
    {"origin": 7, "start": 10, "entries": [], "checkpoint": "x"},
    {"origin": "Not/A/Path", "start": 0, "entries": [], "checkpoint": "x"},
    [WUDU, 10, [], "x"],
], ids=["three-keys", "negative-start", "str-entry", "int-origin",
        "bad-path", "array"])
def test_malformed_batch(net, body):
    net.refused(net.client(WUDU), msgpack.packb(body, use_bin_type=True), 400,
                "bad_request")


def test_too_many_entries(net):
    b = court_batch(net[WUDU], 10, 16)
    b["entries"] = (b["entries"] * 20)[:MAX_BATCH + 1]
    net.refused(net.client(WUDU), b, 413, "batch_too_large",
                f"{MAX_BATCH + 1} entries; at most {MAX_BATCH} per batch")


def test_body_larger_than_max_body(net):
    b = court_batch(net[WUDU], 10, 16)
    b["checkpoint"] += "x" * MAX_BODY
    body = msgpack.packb(b, use_bin_type=True)
    assert len(body) > MAX_BODY
    net.refused(net.client(WUDU), body, 413, None)


def test_body_exactly_max_body_is_read(net):
    """The limit is inclusive: a body of exactly max_body bytes is read
    (and refused for what it is), one byte more is 413."""
    net.refused(net.client(WUDU), b"\xc1" * MAX_BODY, 400, "bad_request")
    net.refused(net.client(WUDU), b"\xc1" * (MAX_BODY + 1), 413, None)


# ---------------------------------------------------------------- replays, success

def test_replayed_batch_is_a_no_op(net):
    net.settle()
    before = net.state()
    r = net.client(WUDU).push(court_batch(net[WUDU], 0, 10))
    assert r.status == 200, r
    m = r.msg()
    assert m["size"] == 10
    reg = st.read_registry(net.ln.home)
    assert {LN, "cn/gs", "cn"} <= set(st.cosignatures(m["checkpoint"], reg))
    assert net.state() == before
    # a replay of its tail, and the empty batch that asks for cosignatures
    for start in (7, 10):
        r = net.client(WUDU).push(court_batch(net[WUDU], start, 10))
        assert r.status == 200 and r.msg()["size"] == 10, r
    assert net.state() == before
    h = net.ln.held(WUDU)
    assert h.size == 10 and h.contiguous()


def test_forged_cosignature_lines_are_not_kept(net):
    """A replayed batch whose checkpoint carries a forged cosignature of
    甘肃 (right key ID, later time, wrong signature) and one by a key the
    registry does not know: answered 200, neither kept."""
    reg = st.read_registry(net.ln.home)
    _, pub = st.vkey_pub(reg["cn/gs"])
    kid = st.key_id("courtsync/cn/gs", 0x04, pub)
    raw = kid + (st.DEFAULT_TIME + 999).to_bytes(8, "big") + bytes(64)
    b = court_batch(net[WUDU], 0, 10)
    b["checkpoint"] += ("\u2014 courtsync/cn/gs "
                        + base64.b64encode(raw).decode() + "\n")
    b["checkpoint"] += ("\u2014 courtsync/cn/zz "
                        + base64.b64encode(b"\x01\x02\x03\x04" + raw[4:])
                        .decode() + "\n")
    net.settle()
    before = net.state()
    r = net.client(WUDU).push(b)
    assert r.status == 200 and r.msg()["size"] == 10, r
    assert net.state() == before
    cos = net.ln.held(WUDU).cosigs[10]
    assert cos["cn/gs"][0] == st.DEFAULT_TIME and "cn/zz" not in cos
    # and what the hub answers verifies
    assert {LN, "cn/gs", "cn"} <= set(st.cosignatures(r.msg()["checkpoint"],
                                                      reg))


def test_valid_push_is_accepted_after_all_that(net):
    """The same batches the refusals were built from, untouched, go in."""
    c = net.client(WUDU)
    r = c.push(court_batch(net[WUDU], 10, 16))
    assert r.status == 200 and r.msg()["size"] == 16, r
    r = c.push(court_batch(net[WUDU], 16, 20))
    assert r.status == 200 and r.msg()["size"] == 20, r
    h = net.ln.held(WUDU)
    assert h.datas() == net[WUDU].held(WUDU).datas()
    assert h.root().hex() == net[WUDU].root()[1]
    # and wudu's own push loop agrees there is nothing left (its cursor
    # learns 20 from a 409 gap or a 200 no-op)
    net[WUDU].ok("push")
    assert net.ln.held(WUDU).size == 20


# ---------------------------------------------------------------- §6 equivocation

def test_equivocation_is_kept_and_relayed_upward(net):
    fork = net.fork
    wudu = net[WUDU]
    assert net.ln.held(WUDU).size == 20           # the previous test
    # the fork records different events up to the same size and signs
    record_cases(fork, "甘1202", range(101, 106))
    fork.ok("log", "checkpoint")
    assert fork.size() == wudu.size() == 20
    assert fork.root()[1] != wudu.root()[1]
    net.settle()
    before = net.state()
    r = fork.run("push")
    assert r.code == 1, r.describe()
    assert f"push refused: {WUDU}: 409 equivocation" in r.err, r.describe()
    after = net.state()
    # the log held is as it was; the evidence is new
    assert {k: v for k, v in after.items() if k != "equivocations"} == \
        {k: v for k, v in before.items() if k != "equivocations"}
    assert len(after["equivocations"]) == len(before["equivocations"]) + 1
    rows = net.ln.q("SELECT origin, note_a, note_b, found_by FROM"
                    " equivocations")
    assert len(rows) == 1, rows
    origin, a, b, found_by = rows[0]
    assert origin == WUDU and found_by == LN
    vkey = wudu.vkey()
    assert st.verify_court_sig(a, vkey) and st.verify_court_sig(b, vkey)
    _, na, ra = st.parse_checkpoint(a)
    _, nb, rb = st.parse_checkpoint(b)
    assert na == nb == 20 and ra != rb
    assert {ra.hex(), rb.hex()} == {fork.root()[1], wudu.root()[1]}
    # a replay of the same equivocation adds no second row
    fork.fails("push", code=1, msg="409 equivocation")
    assert len(net.ln.q("SELECT id FROM equivocations")) == 1
    # listed by 陇南 and, once its push loop relays it, by 甘肃 and the SPC
    for hub in (LN, "cn/gs", "cn"):
        c = net.topo.dep[hub].client()

        def listed(c=c):
            r = c.get("/v1/equivocations")
            assert r.status == 200, r
            return [e for e in r.msg() if e["origin"] == WUDU]
        ev = wait_until(listed, 30, what=f"{hub} to list the evidence",
                        detail=net.topo.logs)
        assert len(ev) == 1, ev
        e = ev[0]
        assert {e["a"], e["b"]} == {a, b}
        assert e["found_by"] == (LN if hub == LN else
                                 {"cn/gs": LN, "cn": "cn/gs"}[hub]), e
        assert st.health(net.topo.dep[hub].port)["equivocations"] == 1
    # the hubs above did not change what they hold of wudu
    for hub in ("cn/gs", "cn"):
        assert net.topo.dep[hub].held(WUDU).datas() == wudu.held(WUDU).datas()


def test_equivocation_against_a_larger_checkpoint(net):
    """The second fork signs size 14, a size the hub holds no checkpoint
    of: the evidence is (a = fork's 14, b = the hub's 16, a consistency
    proof from 14 to 16 and the root at 14 of b's tree), checked here and
    by the hubs above, which accept it."""
    fork = net.fork2
    wudu = net[WUDU]
    record_cases(fork, "甘1202", range(201, 203))
    fork.ok("log", "checkpoint")
    assert fork.size() == 14
    net.settle()
    before = net.state()
    r = fork.run("push")
    assert r.code == 1, r.describe()
    assert f"push refused: {WUDU}: 409 equivocation" in r.err, r.describe()
    after = net.state()
    assert {k: v for k, v in after.items() if k != "equivocations"} == \
        {k: v for k, v in before.items() if k != "equivocations"}
    rows = net.ln.q("SELECT note_a, note_b, proof, root_m FROM equivocations"
                    " WHERE origin = ? ORDER BY id", (WUDU,))
    assert len(rows) == 2, rows
    a, b, proof, root_m = rows[1]
    _, m, ra = st.parse_checkpoint(a)
    _, n, rb = st.parse_checkpoint(b)
    assert (m, n) == (14, 16)
    assert ra.hex() == fork.root()[1]
    proof = [bytes(proof[i:i + 32]) for i in range(0, len(proof), 32)]
    assert st.verify_consistency(m, n, bytes(root_m), rb, proof)
    assert bytes(root_m) != ra
    for hub in ("cn/gs", "cn"):
        c = net.topo.dep[hub].client()
        wait_until(lambda c=c: len([e for e in c.get("/v1/equivocations")
                                    .msg() if e["origin"] == WUDU]) == 2, 30,
                   what=f"{hub} to list the second evidence",
                   detail=net.topo.logs)
    assert net.ln.held(WUDU).datas() == wudu.held(WUDU).datas()


def test_bad_evidence_is_refused(net):
    """Evidence whose two notes agree, or with a forged note, is refused
    (403 bad_evidence) and not stored."""
    cheng = net[CHENG].held(CHENG)
    c = net.client(CHENG)
    n_before = net.ln.q("SELECT count(*) FROM equivocations")
    r = c.post("/v1/evidence", msgpack.packb(
        {"origin": CHENG, "a": cheng.checkpoints[4], "b": cheng.checkpoints[4]},
        use_bin_type=True))
    assert r.status == 403 and r.msg()["error"] == "bad_evidence", r
    r = c.post("/v1/evidence", msgpack.packb(
        {"origin": CHENG, "a": flip_sig(cheng.checkpoints[4]),
         "b": cheng.checkpoints[4]}, use_bin_type=True))
    assert r.status == 403 and r.msg()["error"] == "bad_evidence", r
    assert net.ln.q("SELECT count(*) FROM equivocations") == n_before


# ------------------------------------------- review findings, regressions

def test_altered_overlap_under_a_genuine_checkpoint_is_no_equivocation(net):
    """A court's genuine old checkpoint resent with an altered entry the hub
    already holds: a bad entry, not equivocation evidence (the signed root
    agrees with the hub's tree), and nothing is recorded or relayed."""
    held = net[WUDU].held(WUDU)
    ents = held.datas()[5:10]
    ents[0] = replace_once(ents[0], b"2024-02-0", b"2024-03-0")
    before = net.ln.q("SELECT count(*) FROM equivocations")[0][0]
    net.refused(net.client(WUDU), batch(WUDU, 5, ents, held.checkpoints[10]),
                422, "bad_entry", f"entry 5 of {WUDU} differs from the one"
                " held here, under a checkpoint that agrees with it")
    assert net.ln.q("SELECT count(*) FROM equivocations")[0][0] == before
