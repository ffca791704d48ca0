"""
A hub that strangers cannot exhaust (docs/PROTOCOL.md §1 "Before
authentication", docs/OPERATIONS.md limits), tried as an attacker would, on
loopback, against a running 陇南 hub (cn/gs/ln):

- connections without a certificate sending large bodies are closed after
  preauth_bytes, the hub's memory stays bounded, and a real court's push goes
  through during the flood;
- connections that never finish their handshake are closed at the handshake
  deadline, and while they hold every slot a court still gets in (the oldest
  unauthenticated connection makes room);
- an authenticated connection that stalls mid-request meets the request
  deadline; one address cannot hold more than max_per_address connections;
- a msgpack header claiming 10^9 pairs is refused before anything is
  reserved; TLS 1.2 offers AEAD suites only; a NUL or invalid UTF-8 in the
  query is refused with 400 and every JSON answer is UTF-8; a certificate of
  the deployment CA for a court not in the registry reads nothing; rejected
  certificates are logged with the reason and the peer's address.

Every attack leaves the hub's state for the attacked origin unchanged.
"""
from __future__ import annotations

import json
import socket
import ssl
import threading
import time

import pytest

import synctest as st
from synctest import (HUBS, Client, Deployment, Topology, case_no,
                      origin_state, record_cases, wait_until)

LN = "cn/gs/ln"
GS = "cn/gs"
WUDU = "cn/gs/ln/wudu"
CHENG = "cn/gs/ln/cheng"
MIB = 1 << 20
FLOOD = 250                      # connections without a certificate
FLOOD_BODY = 15 * MIB            # each claims and tries to send this much
SLOW = 300                       # connections that never handshake
MAX_CONN = 256
PREAUTH = 16384


@pytest.fixture(scope="module")
def net(tmp_path_factory):
    base = tmp_path_factory.mktemp("hardening")
    dep = Deployment(base)
    topo = Topology(dep, members=HUBS + (WUDU, CHENG),
                    per_court={
                        LN: {"max_connections": MAX_CONN,
                             "max_per_address": 1000,
                             "handshake_timeout_s": 3,
                             "request_timeout_s": 3},
                        GS: {"max_per_address": 4}})
    try:
        topo.start(*HUBS)
        record_cases(topo[WUDU], "甘1202", range(1, 4))
        topo[WUDU].ok("push")
        wait_until(lambda: topo[LN].held(WUDU).size > 0, 30,
                   what="wudu's first push")
        topo.base = base
        yield topo
    finally:
        topo.close()


def anon_ctx(**kw) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    for k, v in kw.items():
        setattr(ctx, k, v)
    return ctx


def vm(pid: int, key: str) -> int:
    """VmRSS / VmHWM of a process, in bytes."""
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no {key} for {pid}")


def closed_by_peer(s: socket.socket, within: float) -> bool:
    """True if the peer closes s (EOF or reset) within `within` seconds."""
    s.settimeout(within)
    try:
        return s.recv(1) == b""
    except (ConnectionResetError, ssl.SSLError):
        return True
    except (socket.timeout, TimeoutError):
        return False


def big_post(port: int, sent: list, i: int):
    """A client without a certificate claiming FLOOD_BODY bytes and trying
    to send them all; records how many the hub let it send."""
    n = 0
    try:
        raw = socket.create_connection(("127.0.0.1", port), timeout=30)
        s = anon_ctx().wrap_socket(raw)
        s.sendall(b"POST /v1/push HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                  b"Content-Type: application/msgpack\r\nContent-Length: "
                  + str(FLOOD_BODY).encode() + b"\r\n\r\n")
        chunk = b"\x00" * 65536
        while n < FLOOD_BODY:
            s.sendall(chunk)
            n += len(chunk)
        s.close()
    except (OSError, ssl.SSLError):
        pass
    sent[i] = n


# ------------------------------------------------------------ floods

def test_flood_of_bodies_without_certificate(net):
    """250 connections without a certificate each try to send 15 MiB: each
    is closed after at most preauth_bytes (and what was in flight), the
    hub's peak RSS grows by less than 100 MiB, and wudu's push during the
    flood goes through."""
    ln, wudu = net[LN], net[WUDU]
    pid = ln.daemon.p.pid
    before = vm(pid, "VmRSS")
    size0 = ln.held(WUDU).size
    record_cases(wudu, "甘1202", range(4, 6))
    sent = [0] * FLOOD
    threads = [threading.Thread(target=big_post, args=(ln.port, sent, i))
               for i in range(FLOOD)]
    for t in threads:
        t.start()
    wudu.ok("push")                              # during the flood
    for t in threads:
        t.join(120)
    assert not any(t.is_alive() for t in threads)
    grown = vm(pid, "VmHWM") - before
    assert grown < 100 * MIB, f"hub peak RSS grew by {grown / MIB:.0f} MiB"
    # No stranger got anywhere near its 15 MiB through.
    assert max(sent) < 4 * MIB, f"a stranger sent {max(sent)} bytes"
    assert ln.held(WUDU).size > size0
    assert "sent before authentication" in ln.daemon.log()
    assert st.health(ln.port) is not None


def test_slow_connections_cannot_hold_the_slots(net):
    """300 TCP connections that never start TLS, beyond max_connections
    (256): a court's push still gets in (the oldest unauthenticated
    connection is closed to make room), and every one of them is closed
    by the handshake deadline."""
    ln, wudu = net[LN], net[WUDU]
    size0 = ln.held(WUDU).size
    socks = []
    try:
        for _ in range(SLOW):
            socks.append(socket.create_connection(("127.0.0.1", ln.port),
                                                  timeout=10))
        record_cases(wudu, "甘1202", range(6, 8))
        time.sleep(0.5)              # the hub has accepted all 300
        wudu.ok("push")
        assert ln.held(WUDU).size > size0
        # handshake_timeout_s = 3: all closed well within 30 s.
        deadline = time.monotonic() + 30
        for s in socks:
            left = max(0.1, deadline - time.monotonic())
            assert closed_by_peer(s, left), "a silent connection stayed open"
    finally:
        for s in socks:
            s.close()
    # (Which connections made room is logged too, but under the log's
    # rate limit of 20 lines a second: the push getting in is the proof.)
    assert "TLS handshake deadline passed" in ln.daemon.log()


def test_authenticated_request_deadline(net):
    """A court that starts a request and stalls is closed at
    request_timeout_s (3 s), not held for the idle timeout."""
    ln, wudu = net[LN], net[WUDU]
    ctx = anon_ctx()
    ctx.load_cert_chain(str(wudu.home / "tls.crt"), str(wudu.home / "tls.key"))
    raw = socket.create_connection(("127.0.0.1", ln.port), timeout=10)
    s = ctx.wrap_socket(raw)
    s.sendall(b"POST /v1/push HTTP/1.1\r\nHost: 127.0.0.1\r\n"
              b"Content-Length: 100\r\n\r\nabc")
    t0 = time.monotonic()
    assert closed_by_peer(s, 20)
    assert time.monotonic() - t0 < 20
    s.close()
    wait_until(lambda: "request deadline passed" in ln.daemon.log(), 10,
               what="the request deadline log line")


def test_per_address_cap(net):
    """甘肃 (max_per_address = 4): a fifth connection from 127.0.0.1 is
    closed at once and logged; when the four go, a court gets in again."""
    gs = net[GS]
    held = [socket.create_connection(("127.0.0.1", gs.port), timeout=10)
            for _ in range(4)]
    try:
        time.sleep(0.3)                  # let the hub admit all four
        fifth = socket.create_connection(("127.0.0.1", gs.port), timeout=10)
        assert closed_by_peer(fifth, 10)
        fifth.close()
        assert "connections from that address (max_per_address)" in \
            gs.daemon.log()
    finally:
        for s in held:
            s.close()
    wait_until(lambda: st.health(gs.port) is not None, 20,
               what="甘肃 to answer again")


# ------------------------------------------------------------ decoders

def test_map_header_claiming_a_billion_pairs(net):
    """A 5-byte body from a real court: refused 400 before msgpack-c
    reserves anything (it reserved 16-64 GiB; ASan aborted)."""
    ln = net[LN]
    before = origin_state(ln.db_path, WUDU)
    r = net.dep[WUDU].as_client_of(ln).post("/v1/push",
                                              b"\xdf\x3b\x9a\xca\x00")
    assert r.status == 400, r
    assert "claims 1000000000 pairs but only 0 bytes remain" in \
        r.msg()["message"], r
    assert origin_state(ln.db_path, WUDU) == before
    assert st.health(ln.port) is not None


# ------------------------------------------------------------ TLS, queries

def test_tls12_offers_aead_only(net):
    ln = net[LN]
    cbc = anon_ctx(maximum_version=ssl.TLSVersion.TLSv1_2)
    cbc.set_ciphers("ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA384:"
                    "ECDHE-ECDSA-AES128-SHA256")
    with pytest.raises(ssl.SSLError):
        with socket.create_connection(("127.0.0.1", ln.port), 10) as raw:
            cbc.wrap_socket(raw).close()
    gcm = anon_ctx(maximum_version=ssl.TLSVersion.TLSv1_2)
    gcm.set_ciphers("ECDHE-ECDSA-AES128-GCM-SHA256")
    with socket.create_connection(("127.0.0.1", ln.port), 10) as raw:
        s = gcm.wrap_socket(raw)
        assert s.version() == "TLSv1.2"
        assert "GCM" in s.cipher()[0]
        s.close()


def utf8_json(body: bytes) -> dict:
    return json.loads(body.decode("utf-8", "strict"))


def test_query_nul_and_invalid_utf8(net):
    ln = net[LN]
    c = net.dep[WUDU].as_client_of(ln)
    r = c.get(f"/v1/checkpoint?origin={WUDU}%00x")
    assert r.status == 400, r
    assert utf8_json(r.body)["message"] == "control character 0x00 in the query"
    r = c.get(f"/v1/checkpoint?origin={WUDU}%ff")
    assert r.status == 400, r
    assert "the query is not UTF-8" in utf8_json(r.body)["message"]
    r = c.get("/v1/checkpoint?origin=%e6%ad")
    assert r.status == 400, r
    r = c.get("/v1/checkpoint?origin=%zz")
    assert r.status == 400, r
    assert "malformed percent-escape" in utf8_json(r.body)["message"]
    # A well-formed Chinese value is fine (and names nothing held).
    r = c.get("/v1/checkpoint?origin=%e6%ad%a6%e9%83%bd")
    assert r.status in (400, 404), r
    utf8_json(r.body) if r.ctype.startswith("application/json") else None
    # The genuine query still answers.
    assert c.get(f"/v1/checkpoint?origin={WUDU}").status == 200
    # A path of raw invalid UTF-8: 404, and the JSON is UTF-8.
    with socket.create_connection(("127.0.0.1", ln.port), 10) as raw:
        ctx = anon_ctx()
        s = ctx.wrap_socket(raw)
        s.sendall(b"GET /v1/\xff\xfe\xe6 HTTP/1.1\r\nHost: x\r\n"
                  b"Connection: close\r\n\r\n")
        data = b""
        while True:
            b = s.recv(65536)
            if not b:
                break
            data += b
        head, _, body = data.partition(b"\r\n\r\n")
        if body:
            utf8_json(body)


def test_court_not_in_registry_reads_nothing(net):
    """A certificate of the deployment CA itself, for a court the registry
    does not list: every read is refused, and the refusal is logged with
    the address."""
    ln = net[LN]
    ghost = net.base / "ghost"
    st.certs_tool("issue", net.dep.ca, "cn/gs/ln/ghost", "--out", ghost)
    c = Client(ln.port, ca=ln.home / "ca.crt", cert=ghost / "tls.crt",
               key=ghost / "tls.key")
    for path in ("/v1/logs", f"/v1/checkpoint?origin={WUDU}",
                 f"/v1/entries?origin={WUDU}&start=0&end=1",
                 "/v1/equivocations"):
        r = c.get(path)
        assert r.status == 403, (path, r)
        assert r.msg()["error"] == "unknown_court", r
        assert "cn/gs/ln/ghost is not in the registry" in r.msg()["message"]
    wait_until(lambda: "unknown_court" in ln.daemon.log()
               and "from 127.0.0.1:" in ln.daemon.log(), 10,
               what="the refusal in the log")


def test_rejected_certificate_logged(net):
    ln = net[LN]
    other = net.dep.other_ca(WUDU, net.base / "other-wudu")
    c = Client(ln.port, ca=ln.home / "ca.crt", cert=other / "tls.crt",
               key=other / "tls.key")
    r = c.get("/v1/logs")
    assert r.status == 403, r

    def logged():
        return [x for x in ln.daemon.log().splitlines()
                if "refused: 403 certificate_rejected" in x]
    wait_until(logged, 10, what="the rejection in the log")
    line = logged()[-1]
    assert "from 127.0.0.1:" in line and "unable to get local issuer" in line, \
        line
