"""
Live reload (courtsync(1) SIGNALS): SIGHUP, and a CRL file that changes,
make a running hub load its configuration, certificates, CRL and registry
again without stopping; a reload that fails keeps the running state and
says why; `serve --check` fails on a certificate or CRL past its validity;
/metrics and the log give both dates ahead of time.

Against a running 陇南 hub (cn/gs/ln) with 武都 pushing to it, on loopback.
"""
from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import http.client
import shutil
import signal
import socket
import ssl

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

import synctest as st
from synctest import (HUBS, Client, Deployment, Topology, court_batch,
                      record_cases, wait_until)

LN = "cn/gs/ln"
WUDU = "cn/gs/ln/wudu"
CHENG = "cn/gs/ln/cheng"


@pytest.fixture(scope="module")
def net(tmp_path_factory):
    base = tmp_path_factory.mktemp("reload")
    dep = Deployment(base)
    dport = st.free_port()
    topo = Topology(dep, members=HUBS + (WUDU, CHENG),
                    per_court={LN: {"dashboard": f"127.0.0.1:{dport}"}})
    topo.dport = dport
    topo.base = base
    topo.token = st.staff(topo[LN], role="auditor")
    try:
        topo.start(*HUBS)
        record_cases(topo[WUDU], "甘1202", range(1, 3))
        topo[WUDU].ok("push")
        yield topo
    finally:
        topo.close()


def hup(court):
    n = court.daemon.log().count("reloaded:")
    court.daemon.p.send_signal(signal.SIGHUP)
    return n


def wait_log(court, text, after=0, timeout=15):
    wait_until(lambda: court.daemon.log().count(text) > after, timeout,
               what=f"'{text}' in {court.path}'s log",
               detail=lambda: court.daemon.log()[-3000:])


def peer_cert_sha(port: int) -> str:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", port), 10) as raw:
        with ctx.wrap_socket(raw) as s:
            return hashlib.sha256(s.getpeercert(binary_form=True)).hexdigest()


def file_cert_sha(path) -> str:
    cert = x509.load_pem_x509_certificate(path.read_bytes())
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)
                          ).hexdigest()


def stale_crl(dep, out):
    """A CRL signed by the deployment CA whose nextUpdate has passed."""
    ca_cert = x509.load_pem_x509_certificate((dep.ca / "ca.crt").read_bytes())
    ca_key = serialization.load_pem_private_key(
        (dep.ca / "ca.key").read_bytes(), None)
    now = dt.datetime.now(dt.timezone.utc)
    crl = (x509.CertificateRevocationListBuilder()
           .issuer_name(ca_cert.subject)
           .last_update(now - dt.timedelta(days=31))
           .next_update(now - dt.timedelta(days=1))
           .sign(ca_key, hashes.SHA256()))
    out.write_bytes(crl.public_bytes(serialization.Encoding.PEM))
    return out


def metrics(net) -> str:
    port = net.dport
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    c = http.client.HTTPSConnection("127.0.0.1", port, context=ctx,
                                    timeout=30)
    try:
        c.request("GET", "/metrics", headers=st.bearer(net.token))
        r = c.getresponse()
        body = r.read().decode()
        assert r.status == 200, body
        return body
    finally:
        c.close()


def test_sighup_reloads_without_stopping(net):
    ln, wudu = net[LN], net[WUDU]
    n = hup(ln)
    wait_log(ln, "reloaded: configuration, certificates, CRL and registry",
             n)
    assert ln.daemon.alive()
    record_cases(wudu, "甘1202", range(3, 4))
    wudu.ok("push")
    # A county without a listener reloads too (its push loop reopens).
    cheng = net[CHENG]
    cheng.start()
    try:
        cheng.daemon.p.send_signal(signal.SIGHUP)
        wait_until(lambda: cheng.daemon.log().count("pushing to") >= 2, 15,
                   what="cheng's push loop to reopen")
        assert cheng.daemon.alive()
    finally:
        cheng.stop()


def test_failed_reload_keeps_the_running_state(net):
    ln, wudu = net[LN], net[WUDU]
    conf = ln.home / "courtsync.conf"
    good = conf.read_text()
    try:
        conf.write_text(good + "max_connections = many\n")
        ln.daemon.p.send_signal(signal.SIGHUP)
        wait_log(ln, "reload failed; the running configuration is kept")
        assert "max_connections" in ln.daemon.log().splitlines()[-1]
        assert ln.daemon.alive()
        record_cases(wudu, "甘1202", range(4, 5))
        wudu.ok("push")
        # An identity change is refused the same way.
        conf.write_text(good.replace("code = 甘12\n", "code = 甘13\n"))
        n = ln.daemon.log().count("reload failed")
        ln.daemon.p.send_signal(signal.SIGHUP)
        wait_log(ln, "reload failed", n)
        assert "identity changes only with a restart" in ln.daemon.log()
    finally:
        conf.write_text(good)


def test_revocation_is_live(net):
    """A certificate revoked at the CA, its CRL copied to the hub: the
    hub loads it within seconds, no signal, no restart; the revoked
    certificate is refused; others still push."""
    ln, dep = net[LN], net.dep
    d = dep.issue(WUDU, net.base / "to-revoke")
    c = Client(ln.port, ca=ln.home / "ca.crt", cert=d / "tls.crt",
               key=d / "tls.key")
    assert c.get("/v1/logs").status == 200
    dep.revoke(d / "tls.crt")
    n = ln.daemon.log().count("reloaded:")
    shutil.copy(dep.ca / "crl.pem", ln.home / "crl.pem.new")
    (ln.home / "crl.pem.new").rename(ln.home / "crl.pem")
    wait_log(ln, "reloaded:", n)
    assert "changed: reloading" in ln.daemon.log()
    r = c.get("/v1/logs")
    assert r.status == 403 and r.msg()["message"] == "certificate revoked", r
    assert net[WUDU].as_client_of(ln).get("/v1/logs").status == 200


def test_stale_crl_refused_then_fresh_crl_recovers(net):
    """A CRL past its nextUpdate: serve --check fails naming it; a reload
    refuses it and keeps the running CRL (pushes go on); a fresh CRL from
    the CA is picked up and all is well, with no restart."""
    ln, wudu, dep = net[LN], net[WUDU], net.dep
    good = (ln.home / "crl.pem").read_bytes()
    n = ln.daemon.log().count("reload failed")
    stale_crl(dep, ln.home / "crl.pem")
    wait_log(ln, "reload failed", n)
    assert "is past its nextUpdate" in ln.daemon.log()
    r = ln.run("serve", "--check")
    assert r.code != 0 and "is past its nextUpdate" in r.err, r.describe()
    record_cases(wudu, "甘1202", range(5, 6))
    wudu.ok("push")                          # the running CRL still holds
    st.certs_tool("crl", dep.ca)
    n = ln.daemon.log().count("reloaded:")
    shutil.copy(dep.ca / "crl.pem", ln.home / "crl.pem")
    wait_log(ln, "reloaded:", n)
    ln.ok("serve", "--check", msg="configuration OK")
    assert (ln.home / "crl.pem").read_bytes() != good
    record_cases(wudu, "甘1202", range(6, 7))
    wudu.ok("push")


def test_certificate_renewed_without_restart(net):
    ln, dep = net[LN], net.dep
    old = peer_cert_sha(ln.port)
    assert old == file_cert_sha(ln.home / "tls.crt")
    new = dep.issue(LN, net.base / "ln-renewed")
    shutil.copy(new / "tls.crt", ln.home / "tls.crt")
    shutil.copy(new / "tls.key", ln.home / "tls.key")
    (ln.home / "tls.key").chmod(0o600)
    n = hup(ln)
    wait_log(ln, "reloaded:", n)
    assert peer_cert_sha(ln.port) == file_cert_sha(ln.home / "tls.crt") != old
    assert peer_cert_sha(net.dport) == file_cert_sha(ln.home / "tls.crt")
    record_cases(net[WUDU], "甘1202", range(7, 8))
    net[WUDU].ok("push")


def test_validity_in_metrics(net):
    m = metrics(net)
    cert = x509.load_pem_x509_certificate((net[LN].home / "tls.crt"
                                           ).read_bytes())
    crl = x509.load_pem_x509_crl((net[LN].home / "crl.pem").read_bytes())
    # (naive UTC datetimes: Debian 12's python3-cryptography 38)
    want_cert = calendar.timegm(cert.not_valid_after.timetuple())
    want_crl = calendar.timegm(crl.next_update.timetuple())
    assert (f'courtsync_tls_cert_not_after_seconds{{court="{LN}"}} '
            f'{want_cert}') in m
    assert f'courtsync_crl_next_update_seconds{{court="{LN}"}} {want_crl}' in m
