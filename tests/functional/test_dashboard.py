"""
The dashboard in a real browser: Debian's chromium, headless, loads the
pages from a running hub's dashboard listener (TLS, no client
certificate), and the test checks the DOM chromium built (court names,
结案率, the SVG charts) and keeps a screenshot with the test's artifacts
(tests/functional/artifacts/, and the test's tmp dir).

tests/run.sh installs chromium and fonts-noto-cjk; without chromium the
tests are skipped and say why.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from test_views import COUNTIES, HUB, NAMES, City

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"

pytestmark = pytest.mark.skipif(
    not os.access(CHROMIUM, os.X_OK),
    reason=f"no {CHROMIUM}: install Debian's chromium and fonts-noto-cjk"
    " (sh tests/run.sh check does)")


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    c = City(tmp_path_factory.mktemp("dashboard"))
    yield c
    c.close()


def chromium(tmp: Path, *args, timeout: float = 90) -> subprocess.CompletedProcess:
    profile = tmp / "chromium-profile"
    profile.mkdir(exist_ok=True)
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
           "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update",
           "--disable-sync", f"--user-data-dir={profile}",
           "--ignore-certificate-errors", *args]
    env = dict(os.environ, LANG="zh_CN.UTF-8", HOME=str(tmp))
    p = subprocess.run(cmd, capture_output=True, timeout=timeout, env=env)
    assert p.returncode == 0, (f"chromium exited {p.returncode}:\n"
                               + p.stderr.decode("utf-8", "replace")[-3000:])
    return p


def dump_dom(tmp: Path, url: str) -> str:
    return chromium(tmp, "--dump-dom", url).stdout.decode("utf-8")


def screenshot(tmp: Path, url: str, name: str) -> Path:
    out = tmp / name
    chromium(tmp, f"--screenshot={out}", "--window-size=1400,1800", url)
    assert out.exists() and out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(out, ARTIFACTS / name)
    return out


def test_chinese_fonts_installed():
    p = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True,
                       text=True)
    assert p.returncode == 0 and p.stdout.strip(), \
        "no Chinese font: install fonts-noto-cjk"


def test_overview_in_chromium(city, tmp_path):
    url = (f"https://127.0.0.1:{city.dport}/?as_of=2024-06-30"
           "&from=2024-01-01&to=2024-06-30")
    dom = dump_dom(tmp_path, url)
    for p in COUNTIES + (HUB,):
        assert NAMES[p] in dom, NAMES[p]
    for word in ("结案率", "执行完毕率", "执行到位率", "审限内结案率",
                 "首执案件终本率", "超12个月未结案件比", "平均结案时间",
                 "旧存", "新收", "已结", "超期", "临期", "基层人民法院 合计"):
        assert word in dom, word
    # the charts are in the DOM chromium built, as SVG with bars
    chart = re.search(r'<svg id="chart-closure".*?</svg>', dom, re.S)
    assert chart, "no 结案率 chart"
    assert len(re.findall(r"<rect ", chart.group(0))) >= len(COUNTIES)
    assert 'class="rollup"' in chart.group(0)
    warn = re.search(r'<svg id="chart-warnings".*?</svg>', dom, re.S)
    assert warn and "<rect " in warn.group(0)
    # percentages with two decimals; no script anywhere
    assert re.search(r">\d{1,3}\.\d\d%<", dom)
    assert "<script" not in dom.lower()
    png = screenshot(tmp_path, url, "dashboard-overview.png")
    assert png.stat().st_size > 30000


def test_warning_list_and_case_in_chromium(city, tmp_path):
    w = city.json("/api/warnings", as_of="2024-06-30")
    c = max(w["counts"], key=lambda c: c["overdue"])
    url = (f"https://127.0.0.1:{city.dport}/warnings?rule={c['rule']}"
           f"&court={c['court']}&as_of=2024-06-30")
    dom = dump_dom(tmp_path, url)
    assert f"共 {c['overdue'] + c['due_soon']} 件" in dom
    cases = re.findall(r'href="/case\?origin=([^&"]+)&amp;case=([^&"]+)', dom)
    assert cases, "no links to the cases behind the count"
    screenshot(tmp_path, url, "dashboard-warnings.png")
    origin, cno = cases[0]
    url = f"https://127.0.0.1:{city.dport}/case?origin={origin}&case={cno}"
    dom = dump_dom(tmp_path, url)
    for word in ("日志序号", "业务日期", "记录时间", "覆盖检查点", "见证层级",
                 "基层", "中级"):
        assert word in dom, word
    assert re.search(r'<svg id="chart-timeline".*?<circle ', dom, re.S)
    screenshot(tmp_path, url, "dashboard-case.png")
    url = f"https://127.0.0.1:{city.dport}/sync"
    dom = dump_dom(tmp_path, url)
    for p in COUNTIES:
        assert NAMES[p] in dom
    assert "最近上报成功" in dom
    screenshot(tmp_path, url, "dashboard-sync.png")
