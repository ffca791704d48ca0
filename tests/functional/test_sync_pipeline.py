"""
Refusals deep in a batch longer than the ring in which a hub verifies
entries ahead of storing them (64 entries, node/hub_verify.c): the same
answers, in the same order, as when one thread did everything — the
first entry refused is the one reported — and nothing of the batch is
kept.  The fold runs after the push (docs/VIEWS.md §8): an entry the fold
would refuse does not refuse the push.
"""
from __future__ import annotations

import json

import pytest

import cstest
import synctest as st
from synctest import Deployment, Topology, HUBS, case_no, court_batch

LN = "cn/gs/ln"
WEN = "cn/gs/ln/wen"
CASES = 75                  # entries 0..74 file them, 75..149 notices
N = 2 * CASES


def notice(k: int) -> int:
    """The entry of case k's notice (k from 1)."""
    return CASES + k - 1


@pytest.fixture(scope="module")
def net(tmp_path_factory):
    base = tmp_path_factory.mktemp("pipeline")
    dep = Deployment(base)
    topo = Topology(dep, members=HUBS + (WEN,), extra={"max_batch": 200})
    try:
        topo.start(*HUBS)           # wen's daemon is not started: we push
        wen = topo[WEN]
        code = st.CODE[WEN]
        lines = [{"type": "file", "applicant": "甲公司", "respondent": "乙某",
                  "claimed": "1000.00", "case": case_no(code, k),
                  "date": "2024-02-01"} for k in range(1, CASES + 1)]
        lines += [{"type": "node", "node": "notice", "case": case_no(code, k),
                   "date": "2024-02-05"} for k in range(1, CASES + 1)]
        f = base / "wen.jsonl"
        f.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n"
                             for x in lines), encoding="utf-8")
        wen.ok("import", "--format", "jsonl", str(f))
        assert N in wen.held(WEN).checkpoints
        yield topo
    finally:
        topo.close()


def rechain(entries: list[bytes], k: int, new: bytes) -> None:
    """Replaces entry k and fixes the prev link of every entry after it,
    so that only the change itself is wrong."""
    old = entries[k]
    entries[k] = new
    for i in range(k + 1, len(entries)):
        was, now = cstest.leaf_hash(old), cstest.leaf_hash(entries[i - 1])
        assert entries[i].count(was) == 1
        old = entries[i]
        entries[i] = entries[i].replace(was, now)


def refused(topo, b, status, code, msg):
    ln = topo[LN]
    before = st.origin_state(ln.db_path, WEN)
    r = topo[WEN].as_client_of(ln).push(b)
    assert r.status == status, r
    m = r.msg()
    assert m["error"] == code, r
    assert msg in m["message"], r
    assert st.origin_state(ln.db_path, WEN) == before, \
        "a refused push changed what the hub holds"


def test_tampered_entry_deep_in_the_batch(net):
    b = court_batch(net[WEN], 0, N)
    b["entries"][100] = b["entries"][100].replace(b"2024-02-05",
                                                  b"2024-02-06")
    refused(net, b, 422, "bad_entry",
            f"entry 101 of {WEN}: its prev is not the hash of entry 100")


def test_entry_that_does_not_decode_deep_in_the_batch(net):
    b = court_batch(net[WEN], 0, N)
    b["entries"][120] = b"\xc1 not an entry"
    refused(net, b, 422, "bad_entry", f"entry 120 of {WEN}: ")


def test_event_the_verifier_refuses(net):
    """An event body that does not decode is refused by the verifier
    thread, as a fold refusal."""
    b = court_batch(net[WEN], 0, N)
    e = b["entries"][notice(30)]
    rechain(b["entries"], notice(30), e.replace(b"notice", b"nitoce"))
    refused(net, b, 422, "fold_refused", f"entry {notice(30)} of {WEN}: ")


def test_an_entry_the_fold_would_refuse_does_not_hide_a_later_bad_entry(net):
    """Entry 90 is dated before its case's filing (the fold would refuse
    it, after the push) and entry 130 does not decode: the push answers
    for entry 130, and keeps nothing."""
    b = court_batch(net[WEN], 0, N)
    e = b["entries"][notice(16)]
    rechain(b["entries"], notice(16), e.replace(b"2024-02-05", b"2024-01-05"))
    b["entries"][130] = b"\xc1 not an entry"
    refused(net, b, 422, "bad_entry", f"entry 130 of {WEN}: ")


def test_bad_entry_before_a_fold_refusal(net):
    b = court_batch(net[WEN], 0, N)
    e = b["entries"][notice(16)]
    rechain(b["entries"], notice(16), e.replace(b"2024-02-05", b"2024-01-05"))
    b["entries"][70] = b"\xc1 not an entry"
    refused(net, b, 422, "bad_entry", f"entry 70 of {WEN}: ")


def test_the_whole_batch_is_then_accepted(net):
    ln = net[LN]
    r = net[WEN].as_client_of(ln).push(court_batch(net[WEN], 0, N))
    assert r.status == 200, r
    assert r.msg()["size"] == N
    assert ln.held(WEN).datas() == net[WEN].held(WEN).datas()
    st.wait_until(lambda: st.health(ln.port)["fold_backlog"] == 0,
                  what="陇南's fold of the batch")
    n, = ln.q("SELECT count(*) FROM cases WHERE log ="
              " (SELECT id FROM logs WHERE origin = ?)", (WEN,))[0]
    assert n == CASES
