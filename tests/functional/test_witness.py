"""
A witness outside the courts (docs/PROTOCOL.md §7): 甘肃省人民检察院
(jcy/gs, registry role "witness") follows 陇南's hub with `courtsync
witness`, cosigns what is consistent with what it saw, and refuses to
cosign a fork.  Real processes, real mutual TLS on loopback.

- its cosignature (tlog-cosignature/v1, checked here in Python against the
  registry's key) is stored at 陇南 and relayed to 甘肃 and the SPC;
- the hub refuses a cosignature from a court's certificate, another
  witness's line, a bad signature, a future date, an unknown size or log;
- a court that re-signs another history at a size the witness saw (here:
  a second 陇南 home with the same log key, served by a shadow hub) is
  refused — same size, larger, smaller — with evidence kept, and the
  same-size evidence given to the hub;
- a witness killed at random instants resumes from its state and still
  refuses the fork.
"""
from __future__ import annotations

import base64
import os
import random
import signal
import sqlite3
import subprocess
import time

import msgpack
import pytest
from cryptography.hazmat.primitives import serialization

import cstest
import synctest as st
from synctest import (GANSU, LONGNAN, SPC, WUDU, CHENG, Client, Deployment,
                      Topology, case_no, wait_until)

JCY = ("jcy/gs", 2, "甘检", "-", "甘肃省人民检察院", "witness")
AUDIT = ("sjt/gs", 2, "甘审", "-", "甘肃省审计厅", "witness")
COURTS = [SPC, GANSU, LONGNAN, WUDU, CHENG, JCY, AUDIT]
HUBS = ("cn", "cn/gs", "cn/gs/ln")
LN = "cn/gs/ln"
# The hubs' clock (synctest runs them at cstest.DEFAULT_TIME): a witness's
# cosignature dated later would be refused as from the future.
CLOCK = {"COURTSYNC_TIME": str(cstest.DEFAULT_TIME)}


class Witness:
    """A witness home made by courtsync-certs deploy; `courtsync witness`."""

    def __init__(self, home, path):
        self.home = home
        self.path = path
        self.p = None
        self.logfile = home.parent / f"{path.replace('/', '_')}.witness.log"

    def once(self, *hubs, origins=(), code=None):
        args = ["-C", self.home, "witness", "--once"]
        for h in hubs:
            args += ["--hub", f"https://127.0.0.1:{h.port}"]
        for o in origins:
            args += ["--origin", o]
        r = cstest.run(args, env=CLOCK)
        if code is not None:
            assert r.code == code, f"expected exit {code}" + r.describe()
        return r

    def start(self, *hubs, interval=50):
        args = [cstest.BIN, "-C", str(self.home), "witness",
                "--interval-ms", str(interval)]
        for h in hubs:
            args += ["--hub", f"https://127.0.0.1:{h.port}"]
        self._f = open(self.logfile, "ab")
        env = dict(os.environ, **CLOCK)
        env.pop("COURTSYNC_HOME", None)
        self.p = subprocess.Popen(args, stdout=self._f,
                                  stderr=subprocess.STDOUT, env=env)

    def stop(self):
        self.p.send_signal(signal.SIGTERM)
        rc = self.p.wait(timeout=30)
        self._f.close()
        log = self.logfile.read_text(errors="replace")
        for m in cstest.SANITIZER_MARKS:
            assert m not in log, log[-4000:]
        assert rc == 0, f"witness exited {rc}:\n{log[-4000:]}"

    def kill(self):
        self.p.send_signal(signal.SIGKILL)
        self.p.wait(timeout=30)
        self._f.close()

    def client(self, hub):
        return Client(hub.port, ca=self.home / "ca.crt",
                      cert=self.home / "tls.crt", key=self.home / "tls.key")

    def seen(self, origin):
        con = sqlite3.connect(f"file:{self.home}/witness.db?mode=ro", uri=True)
        try:
            return con.execute("SELECT size, note FROM seen WHERE origin = ?",
                               (origin,)).fetchone()
        finally:
            con.close()

    def evidence(self):
        con = sqlite3.connect(f"file:{self.home}/witness.db?mode=ro", uri=True)
        try:
            return con.execute("SELECT origin, note_a, note_b, reason FROM"
                               " evidence ORDER BY id").fetchall()
        finally:
            con.close()

    def cosign(self, note: str, t: int) -> str:
        """This witness's tlog-cosignature/v1 line for note, made here."""
        key = serialization.load_pem_private_key(
            (self.home / "log.key").read_bytes(), password=None)
        pub = key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        name = f"courtsync/{self.path}"
        body = st.note_body(note)
        sig = key.sign(b"cosignature/v1\ntime %d\n" % t + body)
        raw = st.key_id(name, 0x04, pub) + t.to_bytes(8, "big") + sig
        return f"\u2014 {name} {base64.b64encode(raw).decode()}\n"


def record(court, code, seqs, date="2024-02-01"):
    for s in seqs:
        court.ok("file", "--case", case_no(code, s), "--date", date,
                 "--applicant", "甲公司", "--respondent", "乙某",
                 "--claimed", "1000.00")


def held_note(court, origin):
    """origin's latest checkpoint at court, with every cosignature held."""
    h = court.held(origin)
    size = h.latest()
    lines = "".join(line for _, line in h.cosigs.get(size, {}).values())
    return size, h.checkpoints[size] + lines, h


@pytest.fixture(scope="module")
def net(tmp_path_factory):
    base = tmp_path_factory.mktemp("witness")
    dep = Deployment(base, courts=COURTS)
    topo = Topology(dep, hubs=HUBS, members=HUBS + ("cn/gs/ln/wudu",
                                                    "cn/gs/ln/cheng"))
    try:
        topo.start(*HUBS, "cn/gs/ln/wudu", "cn/gs/ln/cheng")
        record(topo["cn/gs/ln/wudu"], "甘1202", [1, 2, 3])
        record(topo["cn/gs/ln/cheng"], "甘1221", [1, 2])
        record(topo[LN], "甘12", [1, 2, 3, 4])
        origins = ("cn/gs/ln/wudu", "cn/gs/ln/cheng", LN)
        topo.wait_converged(origins)
        for o in origins:
            wait_until(lambda o=o: topo.cosigned_by_all(o), 60,
                       what=f"{o} cosigned by every court above",
                       detail=topo.logs)
        for h in HUBS:
            for o in origins:
                if o.startswith(h + "/"):
                    topo.settle(h, o)
        topo.jcy = Witness(dep.homes / "jcy_gs", "jcy/gs")
        topo.audit = Witness(dep.homes / "sjt_gs", "sjt/gs")
        yield topo
    finally:
        topo.close()


def test_deploy_makes_a_witness_home(net):
    reg = (net["cn"].home / "registry.tsv").read_text().splitlines()
    line = [l for l in reg if l.startswith("jcy/gs\t")][0].split("\t")
    assert len(line) == 7 and line[3] == "-" and line[6] == "witness"
    assert line[5] == (net.jcy.home / "log.vkey").read_text().strip()
    san = subprocess.run(["openssl", "x509", "-in", net.jcy.home / "tls.crt",
                          "-noout", "-ext", "subjectAltName"],
                         capture_output=True, text=True).stdout
    assert "URI:courtsync:jcy/gs," in san
    assert "path = jcy/gs" in (net.jcy.home / "witness.conf").read_text()


def test_certs_refuse_a_witness_inside_the_courts(net, tmp_path):
    for bad, why in [
            (("cn/jcy", 2, "检", "cn", "检察院", "witness"), "has parent"),
            (("cn/jcy", 2, "检", "-", "检察院", "witness"), "lies beneath"),
            (("jcy", 2, "检", "-", "检察院", "auditor"), "neither court")]:
        reg = st.write_registry(tmp_path / "r.tsv", [SPC, bad])
        p = subprocess.run([str(st.CERTS), "issue", net.dep.ca, "jcy",
                            "--registry", reg], capture_output=True,
                           text=True)
        assert p.returncode == 1 and why in p.stderr, (bad, p.stderr)


def test_witness_cosigns_and_it_reaches_the_hub_and_above(net):
    jcy, ln = net.jcy, net[LN]
    r = jcy.once(ln, code=0)
    assert "3 logs: 3 cosigned, 0 forks" in r.out, r.describe()
    reg = st.read_registry(net["cn"].home)
    for origin in ("cn/gs/ln/wudu", "cn/gs/ln/cheng", LN):
        size, note, _ = held_note(ln, origin)
        assert "jcy/gs" in st.cosignatures(note, reg), (origin, note)
        assert jcy.seen(origin)[0] == size
        # served to readers, and passed up to 甘肃 and the SPC
        got = ln.client().get(f"/v1/checkpoint?origin={origin}")
        assert got.status == 200 and "courtsync/jcy/gs" in got.body.decode()
        for above in ("cn/gs", "cn"):
            wait_until(lambda a=above, o=origin, s=size: "jcy/gs" in
                       st.cosignatures(held_cosigned(net[a], o, s), reg),
                       30, what=f"jcy/gs's cosignature of {origin} at {above}",
                       detail=net.logs)
    again = jcy.once(ln, code=0)
    assert "0 cosigned" in again.out and "already cosigned" in again.out


def held_cosigned(court, origin, size):
    h = court.held(origin)
    if size not in h.checkpoints:
        return ""
    return h.checkpoints[size] + "".join(
        line for _, line in h.cosigs.get(size, {}).values())


def post(client, origin, size, line):
    return client.post("/v1/cosignature", msgpack.packb(
        {"origin": origin, "size": size, "cosignature": line},
        use_bin_type=True))


def test_hub_refuses_cosignatures_it_cannot_trust(net):
    ln, jcy = net[LN], net.jcy
    size, note, _ = held_note(ln, "cn/gs/ln/wudu")
    now = cstest.DEFAULT_TIME
    good = jcy.cosign(note, now)
    before = st.origin_state(ln.db_path, "cn/gs/ln/wudu")

    def refused(resp, status, code, text=""):
        assert resp.status == status, resp
        m = resp.msg()
        assert m["error"] == code and text in m["message"], m

    # a court's certificate is not a witness's
    wudu = net["cn/gs/ln/wudu"]
    refused(post(wudu.as_client_of(ln), "cn/gs/ln/wudu", size, good), 403,
            "not_a_witness", "cn/gs/ln/wudu is not a witness")
    # a witness posts only its own line
    refused(post(net.audit.client(ln), "cn/gs/ln/wudu", size, good), 403,
            "not_a_witness", "not by the caller sjt/gs")
    # a bad signature: one bit of it flipped
    raw = bytearray(base64.b64decode(good.split()[2]))
    raw[-1] ^= 1
    bad = good.rsplit(" ", 1)[0] + " " + base64.b64encode(raw).decode() + "\n"
    refused(post(jcy.client(ln), "cn/gs/ln/wudu", size, bad), 403,
            "bad_cosignature", "bad cosignature by jcy/gs")
    # dated a day ahead of the hub's clock
    refused(post(jcy.client(ln), "cn/gs/ln/wudu", size,
                 jcy.cosign(note, now + 86400)), 403, "bad_cosignature",
            "later than this verifier's clock")
    # a size or a log the hub does not hold
    refused(post(jcy.client(ln), "cn/gs/ln/wudu", size + 100, good), 404,
            "unknown_checkpoint")
    refused(post(jcy.client(ln), "cn/gs/ln/nowhere", size, good), 404,
            "unknown_origin")
    refused(post(jcy.client(ln), "cn/xj", size, good), 404, "unknown_origin")
    # not a request at all
    refused(jcy.client(ln).post("/v1/cosignature", b"\x93\x01\x02\x03"), 400,
            "bad_request")
    refused(post(jcy.client(ln), "cn/gs/ln/wudu", size, good + good), 400,
            "bad_request", "not one signature line")
    assert st.origin_state(ln.db_path, "cn/gs/ln/wudu") == before
    # the good one is taken (idempotent: again, the same answer)
    for _ in range(2):
        ok = post(jcy.client(ln), "cn/gs/ln/wudu", size, good)
        assert ok.status == 200, ok
        assert good in ok.msg()["checkpoint"]
        assert ok.msg()["size"] == size


def shadow_longnan(net, tmp_path, cases, name):
    """A second home of 陇南中院 with its real keys but another history of
    `cases` cases, served by its own hub: the court re-signing."""
    dep, ln = net.dep, net[LN]
    home = tmp_path / name
    cstest.run(["-C", home, "init", "--path", LN, "--name", LONGNAN[4],
                "--code", LONGNAN[2], "--level", "3", "--parent", "cn/gs"])
    for f in ("log.key", "log.vkey", "tls.crt", "tls.key", "ca.crt",
              "crl.pem", "registry.tsv", "registry.tsv.sig"):
        (home / f).write_bytes((ln.home / f).read_bytes())
    (home / "log.key").chmod(0o600)
    (home / "tls.key").chmod(0o600)
    shadow = st.Court(home, LN)
    shadow.port = st.free_port()
    shadow.conf(listen=f"127.0.0.1:{shadow.port}")
    record(shadow, "甘12", [100 + i for i in range(cases)], date="2024-03-01")
    shadow.ok("log", "checkpoint")
    shadow.start()
    return shadow


def test_witness_refuses_a_fork_and_keeps_evidence(net, tmp_path):
    jcy, ln = net.jcy, net[LN]
    jcy.once(ln, code=0)
    seen_size, seen_note = jcy.seen(LN)
    assert seen_size == 4
    shadows = []
    try:
        # the same size, another root: refused, evidence given to the hub
        same = shadow_longnan(net, tmp_path, 4, "same")
        shadows.append(same)
        r = jcy.once(same, origins=[LN], code=1)
        assert "FORK: cn/gs/ln signed two different trees of size 4" in r.err
        assert "evidence: given to the hub" in r.out, r.describe()
        assert "jcy/gs" not in same.held(LN).cosigs.get(4, {})
        ev = same.q("SELECT origin, note_a, note_b FROM equivocations")
        assert [(o, a) for o, a, _ in ev] == [(LN, seen_note)], ev
        # again: still refused, the evidence not duplicated
        r = jcy.once(same, origins=[LN], code=1)
        assert "FORK (known)" in r.out
        # a larger tree that does not extend what was seen
        larger = shadow_longnan(net, tmp_path, 6, "larger")
        shadows.append(larger)
        r = jcy.once(larger, origins=[LN], code=1)
        assert "is not a prefix of checkpoint 6" in r.err, r.describe()
        assert "jcy/gs" not in larger.held(LN).cosigs.get(6, {})
        # a smaller one, checked against the hub where 4 was seen
        smaller = shadow_longnan(net, tmp_path, 2, "smaller")
        shadows.append(smaller)
        r = jcy.once(ln, smaller, origins=[LN], code=1)
        assert "disagrees with" in r.err and "is not a prefix" in r.err
        # the honest hub is still cosigned, the state never moved
        assert jcy.seen(LN) == (seen_size, seen_note)
        reasons = [e[3] for e in jcy.evidence()]
        assert len(reasons) == 3, reasons
        assert all(e[1] == seen_note for e in jcy.evidence())
    finally:
        for s in shadows:
            s.stop()


def test_killed_witness_resumes_without_cosigning_a_fork(net, tmp_path):
    jcy, ln, wudu = net.audit, net[LN], net["cn/gs/ln/wudu"]
    rng = random.Random(7)
    seq = 100
    try:
        for _ in range(6):
            jcy.start(ln, interval=20)
            record(wudu, "甘1202", [seq, seq + 1])
            seq += 2
            time.sleep(rng.uniform(0.05, 0.4))
            jcy.kill()
        jcy.start(ln, interval=20)
        net.wait_converged(["cn/gs/ln/wudu"])
        wait_until(lambda: jcy.seen("cn/gs/ln/wudu") is not None and
                   jcy.seen("cn/gs/ln/wudu")[0] == wudu.size() and
                   "sjt/gs" in ln.held("cn/gs/ln/wudu").cosigs.get(
                       wudu.size(), {}), 30, what="the witness to catch up",
                   detail=lambda: jcy.logfile.read_text())
        jcy.stop()
    finally:
        if jcy.p is not None and jcy.p.poll() is None:
            jcy.kill()
    assert "FORK" not in jcy.logfile.read_text()
    # every cosignature it made verifies and is of the one history
    reg = st.read_registry(net["cn"].home)
    h = ln.held("cn/gs/ln/wudu")
    roots = {}
    datas = h.datas()
    for size, ws in h.cosigs.items():
        if "sjt/gs" in ws:
            note = h.checkpoints[size] + ws["sjt/gs"][1]
            assert "sjt/gs" in st.cosignatures(note, reg)
            roots[size] = st.parse_checkpoint(note)[2]
    for size, root in roots.items():
        assert root == cstest.merkle_root(
            [cstest.leaf_hash(d) for d in datas[:size]])
    # and after all the kills it still knows what it saw
    shadow = shadow_longnan(net, tmp_path, 4, "after-kill")
    try:
        jcy.once(ln, origins=[LN], code=0)
        r = jcy.once(shadow, origins=[LN], code=1)
        assert "FORK" in r.err
    finally:
        shadow.stop()
