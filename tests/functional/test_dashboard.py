"""
The dashboard in a real browser: Debian's chromium, headless, driven over
the DevTools protocol (browser.py), signs in through the form and loads the
pages from a running hub's dashboard listener (TLS, no client
certificate); the test checks the DOM chromium built (court names, 结案率,
the SVG charts, masked names for a viewer, the acknowledgement form for a
supervisor) and keeps a screenshot with the test's artifacts
(tests/functional/artifacts/, and the test's tmp dir).

tests/run.sh installs chromium and fonts-noto-cjk; without chromium the
tests are skipped and say why.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import urllib.parse
from pathlib import Path

import pytest

import synctest
from browser import CHROMIUM, Browser
from test_views import COUNTIES, HUB, NAMES, City

PASSWORD = "正确的马电池 staple"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"

pytestmark = pytest.mark.skipif(
    not os.access(CHROMIUM, os.X_OK),
    reason=f"no {CHROMIUM}: install Debian's chromium and fonts-noto-cjk"
    " (sh tests/run.sh check does)")


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    c = City(tmp_path_factory.mktemp("dashboard"))
    synctest.staff(c.hub, "zhang", "supervisor", password=PASSWORD,
                   display="张监管")
    synctest.staff(c.hub, "wang", "viewer", password=PASSWORD,
                   display="王查看")
    yield c
    c.close()


@pytest.fixture(scope="module")
def browser(city, tmp_path_factory):
    """One chromium, signed in as 张监管 (supervisor) through the form."""
    b = Browser(tmp_path_factory.mktemp("chromium"))
    try:
        b.goto(f"https://127.0.0.1:{city.dport}/")
        assert 'action="/login"' in b.dom()
        b.submit({"user": "zhang", "password": PASSWORD}, "login-submit")
        assert "张监管" in b.dom()
        yield b
    finally:
        b.close()


def shot(b: Browser, tmp: Path, name: str) -> Path:
    out = b.screenshot(tmp / name)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(out, ARTIFACTS / name)
    return out


def test_chinese_fonts_installed():
    p = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True,
                       text=True)
    assert p.returncode == 0 and p.stdout.strip(), \
        "no Chinese font: install fonts-noto-cjk"


def test_overview_in_chromium(city, browser, tmp_path):
    url = (f"https://127.0.0.1:{city.dport}/?as_of=2024-06-30"
           "&from=2024-01-01&to=2024-06-30")
    browser.goto(url)
    dom = browser.dom()
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
    png = shot(browser, tmp_path, "dashboard-overview.png")
    assert png.stat().st_size > 30000


def test_warning_list_and_case_in_chromium(city, browser, tmp_path):
    w = city.json("/api/warnings", as_of="2024-06-30")
    c = max(w["counts"], key=lambda c: c["overdue"])
    url = (f"https://127.0.0.1:{city.dport}/warnings?rule={c['rule']}"
           f"&court={c['court']}&as_of=2024-06-30")
    browser.goto(url)
    dom = browser.dom()
    assert f"共 {c['overdue'] + c['due_soon']} 件" in dom
    cases = re.findall(r'href="/case\?origin=([^&"]+)&amp;case=([^&"]+)', dom)
    assert cases, "no links to the cases behind the count"
    shot(browser, tmp_path, "dashboard-warnings.png")
    origin, cno = cases[0]
    url = f"https://127.0.0.1:{city.dport}/case?origin={origin}&case={cno}"
    browser.goto(url)
    dom = browser.dom()
    for word in ("日志序号", "业务日期", "记录时间", "覆盖检查点", "见证层级",
                 "基层", "中级"):
        assert word in dom, word
    assert re.search(r'<svg id="chart-timeline".*?<circle ', dom, re.S)
    shot(browser, tmp_path, "dashboard-case.png")
    url = f"https://127.0.0.1:{city.dport}/sync"
    browser.goto(url)
    dom = browser.dom()
    for p in COUNTIES:
        assert NAMES[p] in dom
    assert "最近上报成功" in dom
    shot(browser, tmp_path, "dashboard-sync.png")


ORG = ("公司", "银行", "合作社", "集团", "委员会", "协会", "医院", "学校",
       "中心", "商行", "经营部", "工作室", "厂", "店", "局", "所")
COMPOUND = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙",
            "慕容", "令狐", "司徒", "夏侯", "长孙", "宇文", "轩辕", "端木",
            "独孤", "南宫", "西门", "呼延")


def mask(name: str) -> str:
    """docs/ACCESS.md "Masking", written from the document."""
    if not name:
        return name
    for suf in ORG:
        if name.endswith(suf) and len(name) > len(suf):
            return "某" + suf
    for sur in COMPOUND:
        if name.startswith(sur) and len(name) > len(sur):
            return sur + "某"
    return name[0] + "某" if len(name) > 1 else "某"


def test_sign_in_roles_and_masking_in_chromium(city, browser, tmp_path):
    """A viewer signs in in a browser of its own: the case page shows the
    parties masked and no acknowledgement form; the supervisor's shows
    names and the form; signing out returns to the sign-in page."""
    w = city.json("/api/warnings", as_of="2024-06-30", limit=1, offset=0)
    first = w["list"]["warnings"][0]
    origin, cno = first["court"], first["case"]
    q = f"origin={origin}&case={urllib.parse.quote(cno)}"
    full = city.json("/api/case", origin=origin, case=cno)
    viewer = Browser(tmp_path / "viewer")
    try:
        viewer.goto(f"https://127.0.0.1:{city.dport}/case?{q}")
        dom = viewer.dom()
        assert 'id="login"' in dom and full["applicant"] not in dom
        # a wrong password: the form again, with why
        viewer.submit({"user": "wang", "password": "not it at all"},
                      "login-submit")
        assert "用户名或密码错误" in viewer.dom()
        viewer.submit({"user": "wang", "password": PASSWORD},
                      "login-submit")
        dom = viewer.dom()
        assert "王查看" in dom and "查看" in dom
        for who in ("applicant", "respondent"):
            masked = mask(full[who])
            assert f"{masked}</td>" in dom, (full[who], masked)
            if masked != full[who]:
                assert full[who] not in dom, full[who]
        assert 'id="ack"' not in dom
        shot(viewer, tmp_path, "dashboard-case-masked.png")
        viewer.submit({}, "logout")
        assert 'id="login"' in viewer.dom()
        viewer.goto(f"https://127.0.0.1:{city.dport}/")
        assert 'id="login"' in viewer.dom()
    finally:
        viewer.close()
    browser.goto(f"https://127.0.0.1:{city.dport}/case?{q}")
    dom = browser.dom()
    assert full["applicant"] in dom and "张监管" in dom
