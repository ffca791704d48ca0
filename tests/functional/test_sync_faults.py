"""
Faults during sync (docs/PROTOCOL.md §3-4): a county offline while it
records thousands of events, a hub killed with SIGKILL in the middle of
pushes, connections cut in the middle of a request body, and a backlog
larger than max_batch.  After each, every level converges on the same
log (size, bytes, root), nothing is duplicated and the hub's tables are
the fold of what it holds.
"""
from __future__ import annotations

import json
import socket
import sqlite3
import threading
import time

import pytest

import synctest as st
from synctest import HUBS, Deployment, Topology, wait_until

LN = "cn/gs/ln"
WUDU = "cn/gs/ln/wudu"
CHENG = "cn/gs/ln/cheng"
WEN = "cn/gs/ln/wen"


def check_no_duplicates(topo, origin):
    """At every level: indices 0..n-1 exactly once, bytes as the origin's."""
    mine = topo[origin].held(origin)
    for c in topo.levels_of(origin)[1:]:
        h = c.held(origin)
        assert h.contiguous(), f"{c.path}: {origin}'s indices not contiguous"
        n, = c.q("SELECT count(*) FROM entries WHERE log = (SELECT id FROM"
                 " logs WHERE origin = ?)", (origin,))[0]
        assert n == mine.size == h.size, (c.path, origin, n, mine.size)
        assert h.datas() == mine.datas(), (c.path, origin)
        assert h.root() == mine.root()


def split_jsonl(path, parts):
    lines = path.read_bytes().splitlines(keepends=True)
    k = (len(lines) + parts - 1) // parts
    out = []
    for i in range(parts):
        chunk = lines[i * k:(i + 1) * k]
        if chunk:
            p = path.with_name(f"{path.stem}.{i}.jsonl")
            p.write_bytes(b"".join(chunk))
            out.append(p)
    return out


@pytest.fixture
def make_net(tmp_path):
    made = []

    def make(**kw):
        t = Topology(Deployment(tmp_path / f"net{len(made)}"), **kw)
        made.append(t)
        return t
    yield make
    for t in made:
        t.close()


# ---------------------------------------------------------------- a proxy

class CuttingProxy:
    """A loopback TCP proxy to 127.0.0.1:target.  The first `cuts`
    connections are closed (both ways) once `after` bytes from the client
    have been forwarded; the rest are forwarded untouched."""

    def __init__(self, target: int, after: int, cuts: int):
        self.target = target
        self.after = after
        self.cuts_left = cuts
        self.cut = 0
        self.connections = 0
        self.lock = threading.Lock()
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.stopping = False
        self.threads = []
        t = threading.Thread(target=self._accept, daemon=True)
        t.start()
        self.threads.append(t)

    def _accept(self):
        while not self.stopping:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            with self.lock:
                self.connections += 1
                limit = None
                if self.cuts_left > 0:
                    self.cuts_left -= 1
                    limit = self.after
            try:
                u = socket.create_connection(("127.0.0.1", self.target), 10)
            except OSError:
                c.close()
                continue
            t = threading.Thread(target=self._serve, args=(c, u, limit),
                                 daemon=True)
            t.start()
            self.threads.append(t)

    def _serve(self, c, u, limit):
        done = threading.Event()

        def pipe(src, dst, count):
            sent = 0
            try:
                while not done.is_set():
                    data = src.recv(65536)
                    if not data:
                        break
                    if count is not None and sent + len(data) >= count:
                        dst.sendall(data[:count - sent])
                        with self.lock:
                            self.cut += 1
                        break
                    dst.sendall(data)
                    sent += len(data)
            except OSError:
                pass
            done.set()
            for s in (c, u):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

        t = threading.Thread(target=pipe, args=(u, c, None), daemon=True)
        t.start()
        pipe(c, u, limit)
        t.join(10)
        c.close()
        u.close()

    def close(self):
        self.stopping = True
        self.sock.close()


# ---------------------------------------------------------------- tests

@pytest.mark.slow
def test_county_offline_catches_up(make_net, tmp_path):
    """wudu's daemon is stopped while it imports ~5,000 events; started
    again it pushes the backlog by itself and every level converges."""
    topo = make_net(members=HUBS + (WUDU, CHENG))
    topo.start(*HUBS, WUDU, CHENG)
    wudu = topo[WUDU]
    wudu.ok("file", "--case", st.case_no("甘1202", 9001), "--date",
            "2024-01-02", "--applicant", "甲", "--respondent", "乙",
            "--claimed", "100")
    topo.wait_converged([WUDU])
    wudu.stop()
    wudu.ok("import", st.generate("甘1202", 600, 7, tmp_path / "w.jsonl"))
    assert wudu.size() > 5000, wudu.size()
    # cheng keeps working meanwhile
    topo[CHENG].ok("import", st.generate("甘1221", 20, 8, tmp_path / "c.jsonl"))
    topo.wait_converged([CHENG])
    assert topo[LN].held(WUDU).size == 1      # nothing of the backlog yet
    wudu.start()
    topo.wait_converged([WUDU, CHENG], timeout=120)
    wait_until(lambda: topo.cosigned_by_all(WUDU), 60,
               what="wudu cosigned by every level", detail=topo.logs)
    for o in (WUDU, CHENG):
        check_no_duplicates(topo, o)
    for p in (WUDU, CHENG) + HUBS:
        topo[p].rebuild_check()


@pytest.mark.slow
def test_hub_killed_while_counties_push(make_net, tmp_path):
    """陇南 is killed (SIGKILL) while two counties import ~5,000 events
    each in chunks and push them; restarted, everything converges with no
    entry duplicated, and its tables are the fold of what it holds."""
    topo = make_net(members=HUBS + (WUDU, CHENG))
    topo.start(*HUBS, WUDU, CHENG)
    ln = topo[LN]
    chunks = {WUDU: split_jsonl(st.generate("甘1202", 600, 11,
                                            tmp_path / "w.jsonl"), 10),
              CHENG: split_jsonl(st.generate("甘1221", 600, 12,
                                             tmp_path / "c.jsonl"), 10)}
    errors = []

    def importer(path):
        try:
            for f in chunks[path]:
                topo[path].ok("import", f)
        except AssertionError as e:            # reported below
            errors.append(str(e))

    threads = [threading.Thread(target=importer, args=(p,)) for p in chunks]
    for t in threads:
        t.start()
    # kill it once it holds part of the counties' logs
    wait_until(lambda: ln.held(WUDU).size + ln.held(CHENG).size > 1500, 60,
               what="陇南 to hold part of the imports", detail=topo.logs)
    ln.kill()
    killed_at = (ln.held(WUDU).size, ln.held(CHENG).size)
    for t in threads:
        t.join(120)
    assert not errors, errors
    assert topo[WUDU].size() > 5000 and topo[CHENG].size() > 5000
    # the counties cannot reach it meanwhile; they keep their backlog
    time.sleep(0.3)
    assert (ln.held(WUDU).size, ln.held(CHENG).size) == killed_at
    # the kill landed in the middle: part of the backlog was still to come
    assert 0 < sum(killed_at) < topo[WUDU].size() + topo[CHENG].size()
    ln.start()
    topo.wait_converged([WUDU, CHENG], timeout=120)
    for o in (WUDU, CHENG):
        check_no_duplicates(topo, o)
        wait_until(lambda o=o: topo.cosigned_by_all(o), 60,
                   what=f"{o} cosigned by every level", detail=topo.logs)
    for p in (WUDU, CHENG):
        topo[p].rebuild_check()
    # the hubs: every log they hold, refolded, gives the same tables
    for p in HUBS:
        topo[p].rebuild_check()


def test_connection_cut_mid_body(make_net, tmp_path):
    """Between wudu and 陇南, a proxy cuts the first three connections
    after 6,000 bytes from wudu (its TLS handshake and part of a ~100 KB
    batch); wudu's push loop retries and converges, nothing duplicated."""
    topo = make_net(members=HUBS + (WUDU,))
    ln = topo[LN]
    topo.start(*HUBS)
    proxy = CuttingProxy(ln.port, after=6000, cuts=3)
    try:
        wudu = topo[WUDU]
        wudu.conf(parent_url=f"https://127.0.0.1:{proxy.port}")
        wudu.ok("import", st.generate("甘1202", 60, 3, tmp_path / "w.jsonl"))
        assert wudu.size() > 400
        wudu.start()
        topo.wait_converged([WUDU], timeout=60)
        assert proxy.cut == 3, (proxy.cut, proxy.connections)
        assert proxy.connections >= 4
        check_no_duplicates(topo, WUDU)
        wait_until(lambda: topo.cosigned_by_all(WUDU), 60,
                   what="wudu cosigned by every level", detail=topo.logs)
        log = wudu.daemon.log()
        assert "retrying with backoff" in log and "push: recovered" in log, log
        # after the cuts the hub saw only whole requests: nothing refused
        refused = [ln_ for ln_ in ln.daemon.log().splitlines()
                   if "refused" in ln_]
        assert not refused, refused
        wudu.stop()
    finally:
        proxy.close()
    for p in (WUDU,) + HUBS:
        topo[p].rebuild_check()


def test_lost_answer_is_a_replayed_no_op(make_net, tmp_path):
    """A county that lost 陇南's answer (crash between sending and storing
    it: its cursor still 0) re-sends everything; 陇南 answers 200, stores
    nothing twice, and the county's cursor comes back to its size."""
    topo = make_net(members=HUBS + (WUDU,))
    ln = topo[LN]
    topo.start(*HUBS)
    wudu = topo[WUDU]
    wudu.ok("import", st.generate("甘1202", 20, 4, tmp_path / "w.jsonl"))
    wudu.ok("push")
    assert ln.held(WUDU).size == wudu.size()
    topo.settle(LN, WUDU)
    con = sqlite3.connect(str(wudu.db_path))
    con.execute("UPDATE cursors SET size = 0")
    con.commit()
    con.close()
    before = st.origin_state(ln.db_path, WUDU)
    r = wudu.ok("push")
    assert st.origin_state(ln.db_path, WUDU) == before, r.describe()
    assert wudu.q("SELECT size FROM cursors WHERE origin = ?",
                  (WUDU,)) == [(wudu.size(),)]
    h = ln.held(WUDU)
    assert h.size == wudu.size() and h.contiguous()


def test_backlog_larger_than_max_batch(make_net, tmp_path):
    """max_batch = 200 everywhere; one import of ~600 events (one
    checkpoint at its end).  The county must sign intermediate
    checkpoints at most max_batch apart (PROTOCOL §4) so that the backlog
    goes up in batches the hubs accept."""
    topo = make_net(members=HUBS + (WUDU,), extra={"max_batch": 200})
    topo.start(*HUBS)
    wudu = topo[WUDU]
    wudu.ok("import", st.generate("甘1202", 60, 5, tmp_path / "w.jsonl"))
    assert wudu.size() > 400
    r = wudu.run("push")
    assert r.code == 0, r.describe()
    topo.wait_converged([WUDU], timeout=60)
    check_no_duplicates(topo, WUDU)


@pytest.mark.slow
def test_backlog_larger_than_default_max_batch(make_net, tmp_path):
    """The same with the default max_batch (10,000): one import of ~11,000
    events, then the daemon pushes; every level converges."""
    topo = make_net(members=HUBS + (WUDU,))
    topo.start(*HUBS)
    wudu = topo[WUDU]
    wudu.ok("import", st.generate("甘1202", 1250, 6, tmp_path / "w.jsonl"))
    assert wudu.size() > 10000, wudu.size()
    wudu.start()
    topo.wait_converged([WUDU], timeout=60)
    check_no_duplicates(topo, WUDU)


def test_large_entries_are_batched_by_bytes(tmp_path):
    """Entries of ~1 KB each with max_body 64 KiB: batches are cut by bytes
    as well as by count, so the county catches up instead of being refused
    413 for ever."""
    dep = Deployment(tmp_path)
    small = {"max_body": 65536, "max_batch": 10000}
    topo = Topology(dep, members=HUBS + ("cn/gs/ln/wudu",), extra=small)
    try:
        topo.start(*HUBS)
        wudu = topo["cn/gs/ln/wudu"]
        note = "说明" * 160       # ~960 bytes of UTF-8 per entry
        lines = []
        for s in range(1, 201):
            cno = f"(2024)甘1202执{s}号"
            lines.append(json.dumps({"type": "file", "case": cno, "date": "2024-02-01",
                                     "applicant": "甲", "respondent": "乙", "claimed": "1"},
                                    ensure_ascii=False))
            lines.append(json.dumps({"type": "node", "case": cno, "date": "2024-02-02",
                                     "node": "notice", "note": note}, ensure_ascii=False))
        f = tmp_path / "big.jsonl"
        f.write_text("\n".join(lines) + "\n", encoding="utf-8")
        wudu.ok("import", str(f))
        r = wudu.ok("push")
        assert "pushed 400 entries" in r.out, r.out
        assert topo["cn/gs/ln"].held("cn/gs/ln/wudu").size == 400
    finally:
        topo.close()
