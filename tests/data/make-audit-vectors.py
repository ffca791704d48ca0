#!/usr/bin/python3
"""Regenerates tests/data/audit/: exports for the auditor's C test and for
independent implementations (docs/FORMAT.md §9).

Run from the repository root after `make`:  tests/data/make-audit-vectors.py
It deploys SPC, 甘肃, 陇南 and 武都 in a temporary directory (certs/courtsync-certs),
runs the three hubs on loopback, records events at 武都 until its checkpoint
carries all three cosignatures, and writes (public material only):

  trust/            ca.crt, registry.tsv, registry.tsv.sig (the trust anchors)
  cosigned/         武都's log exported by the SPC, cosigned by cn/gs/ln, cn/gs, cn
  county/           the same log exported by 武都 itself (a consistent view)
  forged-cosig/     cosigned/ with one byte of 甘肃's cosignature changed
  stripped/         cosigned/ with every cosignature removed (unwitnessed)
  self-cosig/       cosigned/ plus an invalid cosignature under 武都's own name
  sibling-cosig/    stripped/ plus valid cosignatures by 文县, a sibling
  future-cosig/     stripped/ plus 陇南's valid cosignature dated in 2106
  fork/             a fork of 武都 signing other entries at the same size
  equivocation.txt  the comparison file for county/ against fork/
  EXPECTED          what each check must give
"""
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "functional"))
os.environ.setdefault("COURTSYNC_BIN", str(ROOT / "build" / "courtsync"))

import synctest as st  # noqa: E402

OUT = ROOT / "tests" / "data" / "audit"
WUDU = "cn/gs/ln/wudu"
COURTS = [st.SPC, st.GANSU, st.LONGNAN, st.WUDU, st.WEN]
WEN = "cn/gs/ln/wen"
HUBS = ("cn", "cn/gs", "cn/gs/ln")


def case(w, seq, date):
    w.file(st.case_no("甘1202", seq), date=date, claimed="1000.00")
    w.ok("node", "--case", st.case_no("甘1202", seq), "--date", date,
         "--node", "notice")


def checkpoint_files(d):
    return sorted((d / "checkpoints").iterdir())


def forge(dep):
    """The witness-policy forgeries, made from cosigned/ with real keys."""
    shutil.copytree(OUT / "cosigned", OUT / "stripped")
    for f in checkpoint_files(OUT / "stripped"):
        f.write_text(st.own_lines(f.read_text(encoding="utf-8"), WUDU),
                     encoding="utf-8")
    shutil.copytree(OUT / "cosigned", OUT / "self-cosig")
    f = checkpoint_files(OUT / "self-cosig")[-1]
    note = f.read_text(encoding="utf-8")
    head, b64 = st.cosig_line(dep[WUDU].home, WUDU, note, T).rsplit(" ", 1)
    c = "A" if b64[40] != "A" else "B"
    f.write_text(note + f"{head} {b64[:40]}{c}{b64[41:]}\n",
                 encoding="utf-8")
    shutil.copytree(OUT / "stripped", OUT / "sibling-cosig")
    for f in checkpoint_files(OUT / "sibling-cosig"):
        note = f.read_text(encoding="utf-8")
        f.write_text(note + st.cosig_line(dep[WEN].home, WEN, note, T) + "\n",
                     encoding="utf-8")
    shutil.copytree(OUT / "stripped", OUT / "future-cosig")
    f = checkpoint_files(OUT / "future-cosig")[-1]
    note = f.read_text(encoding="utf-8")
    f.write_text(note + st.cosig_line(dep["cn/gs/ln"].home, "cn/gs/ln", note,
                                      T2106) + "\n", encoding="utf-8")


T = 1735603200          # 2024-12-31, the deployment's clock
T2106 = 4294967296 + 86400 * 30


def main():
    tmp = Path(tempfile.mkdtemp(prefix="make-audit."))
    topo = None
    try:
        dep = st.Deployment(tmp, COURTS)
        topo = st.Topology(dep, hubs=HUBS, members=HUBS + (WUDU,))
        topo.start(*HUBS, WUDU)
        w = topo[WUDU]
        for s in (1, 2, 3):
            case(w, s, "2024-02-0%d" % s)
        st.wait_until(lambda: topo.cosigned_by_all(WUDU), 60,
                      what="武都 cosigned by all three hubs")
        fork = st.Court(tmp / "fork-home", WUDU)
        topo.close()
        topo = None
        shutil.copytree(w.home, fork.home)
        case(w, 4, "2024-03-01")          # the court's log goes on …
        case(fork, 4, "2024-03-02")       # … and a fork signs another one
        if OUT.exists():
            shutil.rmtree(OUT)
        (OUT / "trust").mkdir(parents=True)
        for f in ("ca.crt", "registry.tsv", "registry.tsv.sig"):
            shutil.copy(dep.ca / f, OUT / "trust" / f)
        # the SPC holds 武都's first 6 entries with three cosignatures
        dep["cn"].ok("log", "export", str(OUT / "cosigned"), "--origin", WUDU)
        w.ok("log", "export", str(OUT / "county"))
        fork.ok("log", "export", str(OUT / "fork"))
        shutil.copytree(OUT / "cosigned", OUT / "forged-cosig")
        ck = sorted((OUT / "forged-cosig" / "checkpoints").iterdir())[-1]
        lines = ck.read_text(encoding="utf-8").split("\n")
        for i, line in enumerate(lines):
            if line.startswith("\u2014 courtsync/cn/gs "):
                head, b64 = line.rsplit(" ", 1)
                c = "A" if b64[30] != "A" else "B"
                lines[i] = head + " " + b64[:30] + c + b64[31:]
        ck.write_text("\n".join(lines), encoding="utf-8")
        forge(dep)
        trust = ["--ca", str(OUT / "trust" / "ca.crt"),
                 "--registry", str(OUT / "trust" / "registry.tsv")]
        r = subprocess.run([os.environ["COURTSYNC_BIN"], "audit", "--compare",
                            str(OUT / "county"), str(OUT / "fork"),
                            "--evidence", str(OUT / "equivocation.txt")] + trust,
                           capture_output=True, text=True)
        assert r.returncode == 1, r
        (OUT / "EXPECTED").write_text(
            "# <check> <input(s)> <result> <message fragment>\n"
            "audit cosigned 0 -\n"
            "audit forged-cosig 1 bad cosignature by cn/gs\n"
            "audit-ancestors cosigned 0 -\n"
            "audit county 1 not witnessed: no cosignature by cn/gs/ln, its"
            " parent (witness policy parent)\n"
            "audit stripped 1 not witnessed: no cosignature by cn/gs/ln, its"
            " parent (witness policy parent); entries from 0 on\n"
            "audit self-cosig 1 bad cosignature by cn/gs/ln/wudu\n"
            "audit sibling-cosig 1 not witnessed: no cosignature by cn/gs/ln\n"
            "audit future-cosig 1 is dated 2106-\n"
            "compare county cosigned 0 consistent\n"
            "compare county fork 1 equivocation\n"
            "evidence equivocation.txt 0 equivocation\n", encoding="utf-8")
    finally:
        if topo is not None:
            topo.close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
