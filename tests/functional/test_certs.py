"""
certs/courtsync-certs: the deployment CA, court TLS certificates, revocation
and the signed registry (certs/README.md, docs/PROTOCOL.md §1-2).

Certificates are checked three ways: the script's own output, the openssl
command line (what operators and curl use) and python3-cryptography.
Courts' homes are made by the real `courtsync init` ($COURTSYNC_BIN).
"""
from __future__ import annotations

import datetime
import ipaddress
import os
import stat
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

import cstest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "certs" / "courtsync-certs"
LONGNAN = REPO / "certs" / "registry" / "longnan.tsv"
WUDU = "cn/gs/ln/wudu"


def run(*args, env=None, timeout=60, umask=None) -> cstest.Result:
    e = dict(os.environ)
    e.pop("COURTSYNC_HOME", None)
    e.setdefault("LC_ALL", "C.UTF-8")
    e["COURTSYNC_BIN"] = cstest.BIN
    if env:
        e.update(env)
    cmd = [str(SCRIPT), *map(str, args)]
    pre = (lambda: os.umask(umask)) if umask is not None else None
    p = subprocess.run(cmd, capture_output=True, text=True, env=e,
                       timeout=timeout, preexec_fn=pre)
    return cstest.Result(cmd, p.returncode, p.stdout, p.stderr)


def ok(*args, **kw) -> cstest.Result:
    r = run(*args, **kw)
    assert r.code == 0, r.describe()
    return r


def fails(*args, codes=(1,), msg=None, **kw) -> cstest.Result:
    r = run(*args, **kw)
    assert r.code in codes, r.describe()
    assert r.err.strip(), r.describe()          # says why
    if msg is not None:
        assert msg in r.err, r.describe()
    return r


def openssl(*args) -> subprocess.CompletedProcess:
    return subprocess.run(["openssl", *map(str, args)], capture_output=True,
                          text=True, timeout=30)


def mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


def load_cert(p: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(p.read_bytes())


def init_home(home: Path, path, level, code, parent, name):
    args = [cstest.BIN, "-C", str(home), "init", "--path", path, "--name",
            name, "--code", code, "--level", str(level)]
    if parent != "-":
        args += ["--parent", parent]
    p = subprocess.run(args, capture_output=True, text=True, timeout=60,
                       env={**os.environ, "LC_ALL": "C.UTF-8"})
    assert p.returncode == 0, p.stderr


def registry_courts(path: Path) -> list[list[str]]:
    return [line.split("\t") for line in path.read_text("utf-8").splitlines()
            if line and not line.startswith("#")]


@pytest.fixture(scope="module")
def ca(tmp_path_factory) -> Path:
    """One CA for the tests that only issue (a CA is cheap, but not free)."""
    out = tmp_path_factory.mktemp("ca") / "out"
    ok("ca", out)
    return out


@pytest.fixture
def fresh_ca(tmp_path) -> Path:
    out = tmp_path / "out"
    ok("ca", out)
    return out


# ------------------------------------------------------------------ usage

def test_help_and_usage_errors():
    r = ok("--help")
    for word in ("ca OUT", "issue OUT PATH", "revoke OUT CERTFILE", "crl OUT",
                 "registry OUT", "verify-registry", "deploy OUT"):
        assert word in r.out
    fails(codes=(2,), msg="no command")
    fails("frobnicate", codes=(2,), msg="unknown command")
    fails("ca", codes=(2,), msg="usage")
    fails("issue", "x", codes=(2,), msg="usage")


# ------------------------------------------------------------------ ca

def test_ca_creates_private_key_and_ca_certificate(fresh_ca):
    out = fresh_ca
    key = out / "ca.key"
    assert mode(key) == 0o600
    priv = serialization.load_pem_private_key(key.read_bytes(), None)
    assert isinstance(priv, ec.EllipticCurvePrivateKey)
    assert priv.curve.name == "secp256r1"

    crt = load_cert(out / "ca.crt")
    assert crt.issuer == crt.subject
    assert crt.public_key().public_numbers() == \
        priv.public_key().public_numbers()
    bc = crt.extensions.get_extension_for_class(x509.BasicConstraints)
    assert bc.critical and bc.value.ca
    ku = crt.extensions.get_extension_for_class(x509.KeyUsage).value
    assert ku.key_cert_sign and ku.crl_sign and not ku.digital_signature
    # the openssl ca database and an initial, empty, CA-signed CRL
    assert (out / "index.txt").read_text() == ""
    assert (out / "crlnumber").exists() and (out / "newcerts").is_dir()
    crl = x509.load_pem_x509_crl((out / "crl.pem").read_bytes())
    assert len(crl) == 0
    assert crl.is_signature_valid(crt.public_key())
    assert crl.next_update > datetime.datetime.utcnow()


def test_ca_refuses_to_overwrite(fresh_ca):
    before = (fresh_ca / "ca.key").read_bytes(), \
        (fresh_ca / "ca.crt").read_bytes()
    fails("ca", fresh_ca, msg="already exists")
    assert ((fresh_ca / "ca.key").read_bytes(),
            (fresh_ca / "ca.crt").read_bytes()) == before


def test_ca_refuses_a_partial_ca(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "index.txt").write_text("")
    fails("ca", out, msg="partial")
    assert not (out / "ca.key").exists()


# ------------------------------------------------------------------ issue

def test_issue_binds_the_court_path(ca, tmp_path):
    d = tmp_path / "wudu"
    r = ok("issue", ca, WUDU, "--out", d, "--host", "10.1.2.3",
           "--host", "wudu.example.org", "--host", "fd00::7",
           "--registry", LONGNAN)
    assert WUDU in r.out
    assert mode(d / "tls.key") == 0o600
    assert (d / "ca.crt").read_bytes() == (ca / "ca.crt").read_bytes()

    crt = load_cert(d / "tls.crt")
    assert crt.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value \
        == WUDU
    assert crt.subject.get_attributes_for_oid(
        NameOID.ORGANIZATION_NAME)[0].value == "courtsync"
    san = crt.extensions.get_extension_for_class(
        x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.UniformResourceIdentifier) == \
        ["courtsync:cn/gs/ln/wudu"]
    assert set(san.get_values_for_type(x509.DNSName)) == \
        {"localhost", "wudu.example.org"}
    assert set(san.get_values_for_type(x509.IPAddress)) == {
        ipaddress.ip_address(a) for a in
        ("127.0.0.1", "::1", "10.1.2.3", "fd00::7")}
    eku = crt.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert set(eku) == {ExtendedKeyUsageOID.SERVER_AUTH,
                        ExtendedKeyUsageOID.CLIENT_AUTH}
    ku = crt.extensions.get_extension_for_class(x509.KeyUsage).value
    assert ku.digital_signature and not ku.key_cert_sign
    assert not crt.extensions.get_extension_for_class(
        x509.BasicConstraints).value.ca

    # the key is P-256 and belongs to the certificate
    priv = serialization.load_pem_private_key((d / "tls.key").read_bytes(),
                                              None)
    assert priv.curve.name == "secp256r1"
    assert priv.public_key().public_numbers() == \
        crt.public_key().public_numbers()

    # it chains to the CA, for TLS servers and clients alike
    for purpose in ("sslserver", "sslclient"):
        v = openssl("verify", "-CAfile", ca / "ca.crt", "-purpose", purpose,
                    d / "tls.crt")
        assert v.returncode == 0 and ": OK" in v.stdout, v.stderr
    v = openssl("verify", "-CAfile", ca / "ca.crt", "-verify_ip", "10.1.2.3",
                d / "tls.crt")
    assert v.returncode == 0, v.stderr


def test_keys_are_private_whatever_the_umask(tmp_path):
    """A permissive umask does not leak a key, and nothing is left in TMPDIR."""
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    env = {"TMPDIR": str(tmpdir)}
    out = tmp_path / "out"
    ok("ca", out, umask=0o000, env=env)
    ok("issue", out, WUDU, "--out", tmp_path / "d", umask=0o000, env=env)
    assert mode(out / "ca.key") == 0o600
    assert mode(tmp_path / "d" / "tls.key") == 0o600
    assert mode(tmp_path / "d" / "tls.crt") == 0o644
    assert mode(out / "ca.crt") == 0o644
    assert list(tmpdir.iterdir()) == []
    assert not list(tmp_path.glob("**/.*.new.*"))
    assert not list(tmp_path.glob("**/*.pending"))


def test_issue_a_path_of_127_bytes(ca, tmp_path):
    """One path limit (docs/FORMAT.md §1, 127 bytes) for certificates too:
    the SAN carries the whole path, the CN its first 64 characters."""
    path = "/".join(["a" * 31] * 4)
    assert len(path) == 127
    ok("issue", ca, path, "--out", tmp_path / "d")
    text = openssl("x509", "-in", tmp_path / "d" / "tls.crt", "-noout",
                   "-text").stdout
    assert f"URI:courtsync:{path}" in text, text
    assert f"CN = {path[:64]}" in text or f"CN={path[:64]}" in text, text


def test_issue_default_directory(ca):
    ok("issue", ca, "cn/gs/ln/kang")
    d = ca / "courts" / "cn_gs_ln_kang"
    assert mode(d / "tls.key") == 0o600
    assert {p.name for p in d.iterdir()} == {"tls.key", "tls.crt", "ca.crt"}


@pytest.mark.parametrize("bad", ["CN/X", "a//b", "/cn", "cn/", "cn gs",
                                 "cn/../x", "",
                                 "/".join(["a" * 31] * 3 + ["a" * 30, "b"]),
                                 "cn/" + "/".join(["b"] * 8)])
def test_issue_refuses_a_bad_path(ca, tmp_path, bad):
    r = fails("issue", ca, bad, "--out", tmp_path / "d", codes=(1, 2))
    assert "invalid court path" in r.err or "usage" in r.err, r.describe()
    assert not (tmp_path / "d").exists()


def test_issue_refuses_a_court_not_in_the_registry(ca, tmp_path):
    fails("issue", ca, "cn/gs/ln/nowhere", "--registry", LONGNAN,
          "--out", tmp_path / "d", msg="not in the registry")
    assert not (tmp_path / "d").exists()


@pytest.mark.parametrize("host", ["300.1.1.1", "1.2.3", "bad_host!", "-x"])
def test_issue_refuses_a_bad_host(ca, tmp_path, host):
    fails("issue", ca, WUDU, "--host", host, "--out", tmp_path / "d",
          codes=(2,))
    assert not (tmp_path / "d").exists()


def test_issue_needs_a_ca(tmp_path):
    fails("issue", tmp_path / "none", WUDU, msg="create a CA")


def test_expired_certificate(ca, tmp_path):
    d = tmp_path / "old"
    ok("issue", ca, WUDU, "--out", d, "--not-before", "20200101000000Z",
       "--not-after", "20200201000000Z")
    crt = load_cert(d / "tls.crt")
    assert crt.not_valid_after == datetime.datetime(2020, 2, 1)
    v = openssl("verify", "-CAfile", ca / "ca.crt", d / "tls.crt")
    assert v.returncode != 0
    assert "certificate has expired" in v.stdout + v.stderr
    fails("issue", ca, WUDU, "--out", d, "--not-before", "2020-01-01",
          "--not-after", "20200201000000Z", codes=(2,))
    fails("issue", ca, WUDU, "--out", d, "--not-before", "20200301000000Z",
          "--not-after", "20200201000000Z", codes=(2,))


# ------------------------------------------------------------------ revoke

def test_revoke_lists_the_serial_in_the_crl(fresh_ca, tmp_path):
    out = fresh_ca
    ok("issue", out, WUDU, "--out", tmp_path / "wudu")
    ok("issue", out, "cn/gs/ln/wen", "--out", tmp_path / "wen")
    bad = tmp_path / "wudu" / "tls.crt"
    serial = format(load_cert(bad).serial_number, "X")

    def crl_check(cert):
        return openssl("verify", "-crl_check", "-CRLfile", out / "crl.pem",
                       "-CAfile", out / "ca.crt", cert)

    assert crl_check(bad).returncode == 0
    r = ok("revoke", out, bad, "--reason", "keyCompromise")
    assert serial in r.out
    text = openssl("crl", "-in", out / "crl.pem", "-noout", "-text").stdout
    assert serial in text.replace(":", "").upper()
    assert "Key Compromise" in text
    v = crl_check(bad)
    assert v.returncode != 0 and "certificate revoked" in v.stdout + v.stderr
    assert crl_check(tmp_path / "wen" / "tls.crt").returncode == 0

    # again: nothing new, the CRL is still right
    r = ok("revoke", out, bad)
    assert "already revoked" in r.out
    assert crl_check(bad).returncode != 0

    # crl regenerates (a later CRL number), keeping the revocation
    n1 = x509.load_pem_x509_crl((out / "crl.pem").read_bytes())
    ok("crl", out, "--days", "7")
    n2 = x509.load_pem_x509_crl((out / "crl.pem").read_bytes())
    num = lambda c: c.extensions.get_extension_for_class(  # noqa: E731
        x509.CRLNumber).value.crl_number
    assert num(n2) > num(n1)
    assert n2.get_revoked_certificate_by_serial_number(
        load_cert(bad).serial_number) is not None
    assert n2.next_update - n2.last_update == datetime.timedelta(days=7)


def test_revoke_refuses_foreign_and_ca_certificates(fresh_ca, tmp_path):
    other = tmp_path / "other"
    ok("ca", other)
    ok("issue", other, WUDU, "--out", tmp_path / "foreign")
    fails("revoke", fresh_ca, tmp_path / "foreign" / "tls.crt",
          msg="not issued by")
    fails("revoke", fresh_ca, fresh_ca / "ca.crt", msg="CA certificate")
    fails("revoke", fresh_ca, LONGNAN, msg="not a PEM certificate")
    assert (fresh_ca / "index.txt").read_text() == ""


# ------------------------------------------------------------------ registry

SMALL = ("# a two-court registry: a subtree, its top has no parent\n"
         "cn/gs/ln\t3\t甘12\t-\t陇南市中级人民法院\n"
         "cn/gs/ln/wudu\t4\t甘1202\tcn/gs/ln\t武都区人民法院\n")


def test_registry_signs_the_courts_vkeys(fresh_ca, tmp_path):
    out = fresh_ca
    reg = tmp_path / "small.tsv"
    reg.write_text(SMALL, "utf-8")
    homes = {}
    for row in registry_courts(reg):
        h = tmp_path / row[0].replace("/", "_")
        init_home(h, row[0], row[1], row[2], row[3], row[4])
        homes[row[0]] = h

    # every court needs a home...
    fails("registry", out, reg, homes[WUDU], msg="cn/gs/ln")
    assert not (out / "registry.tsv").exists()
    # ...unless --partial
    ok("registry", out, reg, homes[WUDU], "--partial")
    rows = registry_courts(out / "registry.tsv")
    assert [r[5] for r in rows] == [
        "-", (homes[WUDU] / "log.vkey").read_text().strip()]

    ok("registry", out, reg, *homes.values())
    signed = out / "registry.tsv"
    sig = out / "registry.tsv.sig"
    rows = registry_courts(signed)
    src = registry_courts(reg)
    assert [r[:5] for r in rows] == src
    for r in rows:
        assert r[5] == (homes[r[0]] / "log.vkey").read_text().strip()
        assert r[5].startswith(f"courtsync/{r[0]}+")

    r = ok("verify-registry", signed, sig, out / "ca.crt")
    assert r.out.startswith("OK")
    # the signature is plain `openssl dgst -sha256` ECDSA (DER) by the CA
    pub = load_cert(out / "ca.crt").public_key()
    pub.verify(sig.read_bytes(), signed.read_bytes(),
               ec.ECDSA(hashes.SHA256()))

    # one byte changed: refused
    data = bytearray(signed.read_bytes())
    i = data.index("甘1202".encode()) + len("甘120".encode())
    data[i] ^= 0x01
    tampered = tmp_path / "tampered.tsv"
    tampered.write_bytes(bytes(data))
    fails("verify-registry", tampered, sig, out / "ca.crt",
          msg="BAD SIGNATURE")
    # and another CA's certificate does not vouch for it
    ok("ca", tmp_path / "other")
    fails("verify-registry", signed, sig, tmp_path / "other" / "ca.crt",
          msg="BAD SIGNATURE")


def test_registry_refuses_mismatched_homes(fresh_ca, tmp_path):
    reg = tmp_path / "small.tsv"
    reg.write_text(SMALL, "utf-8")
    stray = tmp_path / "stray"
    init_home(stray, "cn/gs/ln/wen", 4, "甘1222", "cn/gs/ln", "文县人民法院")
    fails("registry", fresh_ca, reg, stray, "--partial",
          msg="not in the registry")
    wudu = tmp_path / "wudu"
    init_home(wudu, WUDU, 4, "甘1202", "cn/gs/ln", "武都区人民法院")
    fails("registry", fresh_ca, reg, wudu, wudu, "--partial", msg="two homes")
    fails("registry", fresh_ca, reg, tmp_path / "nohome", "--partial",
          msg="no such directory")
    bad = tmp_path / "bad.tsv"
    bad.write_text("cn/gs/ln/wudu\t4\t甘1202\tcn/gs\t武都区人民法院\n", "utf-8")
    fails("registry", fresh_ca, bad, wudu, msg="parent")
    assert not (fresh_ca / "registry.tsv").exists()


# ------------------------------------------------------------------ deploy

def test_deploy_longnan(tmp_path):
    out, base = tmp_path / "out", tmp_path / "homes"
    ok("ca", out)
    ok("deploy", out, LONGNAN, base, timeout=120)
    courts = registry_courts(LONGNAN)
    assert len(courts) == 12
    homes = sorted(p.name for p in base.iterdir())
    assert homes == sorted(c[0].replace("/", "_") for c in courts)
    signed = (out / "registry.tsv").read_bytes()
    for c in courts:
        h = base / c[0].replace("/", "_")
        for f in ("tls.key", "tls.crt", "ca.crt", "registry.tsv",
                  "registry.tsv.sig", "crl.pem", "log.key", "log.vkey"):
            assert (h / f).is_file(), (h, f)
        assert mode(h / "tls.key") == 0o600
        assert mode(h / "log.key") == 0o600
        assert (h / "registry.tsv").read_bytes() == signed
        assert (h / "crl.pem").read_bytes() == (out / "crl.pem").read_bytes()
        san = load_cert(h / "tls.crt").extensions.get_extension_for_class(
            x509.SubjectAlternativeName).value
        assert san.get_values_for_type(x509.UniformResourceIdentifier) == \
            [f"courtsync:{c[0]}"]
        v = openssl("verify", "-crl_check", "-CRLfile", h / "crl.pem",
                    "-CAfile", h / "ca.crt", h / "tls.crt")
        assert v.returncode == 0, v.stderr
    ok("verify-registry", base / "cn" / "registry.tsv",
       base / "cn" / "registry.tsv.sig", base / "cn" / "ca.crt")
    rows = registry_courts(out / "registry.tsv")
    assert len(rows) == 12 and all(r[5] != "-" for r in rows)

    # running it again keeps the homes, their keys and their certificates
    before = (base / "cn_gs_ln_wudu" / "tls.crt").read_bytes()
    vkey = (base / "cn_gs_ln_wudu" / "log.vkey").read_bytes()
    ok("deploy", out, LONGNAN, base, timeout=120)
    assert (base / "cn_gs_ln_wudu" / "tls.crt").read_bytes() == before
    assert (base / "cn_gs_ln_wudu" / "log.vkey").read_bytes() == vkey


def test_deploy_needs_courtsync(tmp_path):
    fails("deploy", tmp_path / "out", LONGNAN, tmp_path / "homes",
          env={"COURTSYNC_BIN": str(tmp_path / "missing")},
          msg="not an executable")


@pytest.mark.parametrize("line, msg", [
    ("cn\t1\t最高法\t-", "expected 5"),
    ("CN\t1\t最高法\t-\t最高人民法院", "invalid court path"),
    ("cn\t9\t最高法\t-\t最高人民法院", "level"),
    ("cn\t1\t最 高\t-\t最高人民法院", "code"),
    ("cn/gs\t2\t甘\tcn/gs/x\t甘肃省高级人民法院", "not above it"),
    ("cn/gs\t2\t甘\tcn\t甘肃省高级人民法院", "not listed"),
    ("cn\t1\t最高法\t-\t最高人民法院\ncn\t1\t最高\t-\t最高", "twice"),
])
def test_issue_refuses_a_malformed_registry(ca, tmp_path, line, msg):
    reg = tmp_path / "bad.tsv"
    reg.write_text(line + "\n", "utf-8")
    fails("issue", ca, "cn", "--registry", reg, "--out", tmp_path / "d",
          msg=msg)
    assert not (tmp_path / "d").exists()
