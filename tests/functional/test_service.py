"""
The files a Debian server expects (docs/OPERATIONS.md): `make install
DESTDIR=…` lays the binary, the CA tool, three man pages, the systemd unit
(which systemd-analyze accepts), its sysusers and tmpfiles entries and the
docs; `make uninstall` takes them away; log lines carry sd-daemon
priorities when standard error is the journal; one serve per home.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import time

import pytest

import cstest
import synctest as st
from synctest import Deployment, Topology, wait_until

REPO = cstest.REPO
PREFIX = "/usr/local"
FILES = [
    "bin/courtsync", "bin/courtsync-certs",
    "share/man/man1/courtsync.1", "share/man/man1/courtsync-certs.1",
    "share/man/man5/courtsync.conf.5",
    "lib/systemd/system/courtsync.service",
    "lib/sysusers.d/courtsync.conf", "lib/tmpfiles.d/courtsync.conf",
    "share/doc/courtsync/OPERATIONS.md", "share/doc/courtsync/ACCESS.md",
    "share/doc/courtsync/courtsync.logrotate",
]


def make(*args):
    p = subprocess.run(["make", "-s", *args], cwd=REPO, capture_output=True,
                       text=True, timeout=600)
    assert p.returncode == 0, p.stdout + p.stderr
    return p


def test_install_and_uninstall(tmp_path):
    dest = tmp_path / "root"
    make("install", f"DESTDIR={dest}", f"PREFIX={PREFIX}")
    root = dest / PREFIX.lstrip("/")
    for f in FILES:
        assert (root / f).is_file(), f
    assert os.access(root / "bin/courtsync", os.X_OK)
    unit = (root / "lib/systemd/system/courtsync.service").read_text()
    assert f"ExecStart={PREFIX}/bin/courtsync -C /var/lib/courtsync serve" \
        in unit and "@BINDIR@" not in unit
    for want in ("NoNewPrivileges=yes", "ProtectSystem=strict",
                 "ReadWritePaths=/var/lib/courtsync", "User=courtsync",
                 "ExecReload=/bin/kill -HUP $MAINPID"):
        assert want in unit, want
    r = subprocess.run([str(root / "bin/courtsync"), "help"],
                       capture_output=True, text=True)
    assert r.returncode == 0 and "backup" in r.stdout
    for page in ("share/man/man1/courtsync.1", "share/man/man5/courtsync.conf.5",
                 "share/man/man1/courtsync-certs.1"):
        m = subprocess.run(["man", "-l", str(root / page)],
                           capture_output=True, text=True,
                           env=dict(os.environ, MANWIDTH="80"))
        if m.returncode == 0:       # man may be absent on a minimal box
            assert "SEE ALSO" in m.stdout, page
    make("uninstall", f"DESTDIR={dest}", f"PREFIX={PREFIX}")
    left = [p for p in root.rglob("*") if p.is_file()]
    assert left == [], left


@pytest.mark.skipif(shutil.which("systemd-analyze") is None,
                    reason="no systemd-analyze")
def test_unit_passes_systemd_analyze(tmp_path):
    dest = tmp_path / "root"
    make("install", f"DESTDIR={dest}", f"PREFIX={PREFIX}")
    root = dest / PREFIX.lstrip("/")
    # verify the unit as installed, its binary where DESTDIR put it
    unit = (root / "lib/systemd/system/courtsync.service").read_text()
    u = tmp_path / "courtsync.service"
    u.write_text(unit.replace(f"{PREFIX}/bin", str(root / "bin")))
    p = subprocess.run(["systemd-analyze", "verify", str(u)],
                       capture_output=True, text=True)
    bad = [l for l in (p.stdout + p.stderr).splitlines()
           if l.strip() and "man courtsync" not in l
           and "Failed to prepare filename" not in l]
    assert not bad, "\n".join(bad)


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    base = tmp_path_factory.mktemp("service")
    dep = Deployment(base)
    topo = Topology(dep, hubs=("cn/gs/ln",), members=("cn/gs/ln",))
    yield topo
    topo.close()


def test_journal_priorities_and_one_serve_per_home(hub, tmp_path):
    ln = hub["cn/gs/ln"]
    log = tmp_path / "journal.txt"
    f = open(log, "wb")
    s = os.fstat(f.fileno())
    env = dict(os.environ, JOURNAL_STREAM=f"{s.st_dev}:{s.st_ino}",
               LC_ALL="C.UTF-8")
    p = subprocess.Popen([cstest.BIN, "-C", str(ln.home), "serve"],
                         stdout=f, stderr=f, env=env)
    try:
        wait_until(lambda: "serving" in log.read_text(errors="replace"), 20,
                   what="serve to start")
        first = log.read_text().splitlines()[0]
        assert first.startswith("<6>cn/gs/ln info: "), first
        # a second serve of the same home is refused, the first unharmed
        r = ln.run("serve")
        assert r.code != 0 and "is in use" in r.err, r.describe()
        assert p.poll() is None
        assert not r.err.startswith("<"), "no journal: no priority prefix"
    finally:
        p.terminate()
        p.wait(timeout=30)
        f.close()
    assert p.returncode == 0


def test_syslog_key(hub):
    ln = hub["cn/gs/ln"]
    conf = ln.home / "courtsync.conf"
    good = conf.read_text()
    try:
        ln.conf(syslog="on")
        ln.ok("serve", "--check", msg="configuration OK")
        ln.conf(syslog="maybe")
        ln.fails("serve", "--check", code=3,
                 msg='syslog: "maybe" is not on or off')
    finally:
        conf.write_text(good)
