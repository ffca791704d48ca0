"""
Only the right people see a case (docs/ACCESS.md): staff sign-in, roles by
subtree, masked party names, the access log, API tokens, CSRF, throttled
failures, and the acknowledgement of a warning from the dashboard.

A running 陇南 hub (cn/gs/ln) with its dashboard, 武都 and 成县 pushing to
it; HTTP over TLS on loopback with Python's http.client (the browser's
view of the same pages is in test_dashboard.py).
"""
from __future__ import annotations

import http.client
import json
import re
import ssl
import urllib.parse

import pytest

import synctest as st
from synctest import (COURTS, Deployment, Topology, bearer, case_no,
                      free_port, record_cases, staff, wait_until)

HUB = "cn/gs/ln"
WUDU = "cn/gs/ln/wudu"
CHENG = "cn/gs/ln/cheng"
PASSWORD = "correct horse 1"


class Dash:
    def __init__(self, base):
        self.dep = Deployment(base / "dep", COURTS)
        self.port = free_port()
        self.topo = Topology(self.dep, hubs=(HUB,),
                             members=(HUB, WUDU, CHENG),
                             per_court={HUB: {
                                 "dashboard": f"127.0.0.1:{self.port}"}})
        self.hub = self.dep[HUB]
        self.topo.start(HUB)
        for p, code in ((WUDU, "甘1202"), (CHENG, "甘1221")):
            record_cases(self.dep[p], code, range(1, 3))
            self.dep[p].ok("push")
        # a case of 陇南's own (for acknowledgements)
        self.hub.ok("file", "--case", case_no("甘12", 1), "--date",
                    "2024-01-10", "--applicant", "王五", "--respondent",
                    "陇南某某建材有限公司", "--claimed", "1000")
        self.topo.wait_converged((WUDU, CHENG))
        wait_until(lambda: "dashboard of" in self.hub.daemon.log(), 20,
                   what="the dashboard listener")
        self.cookie = f"courtsync_{self.port}"

    def request(self, method, path, body=None, headers=None):
        ctx = ssl.create_default_context(cafile=str(self.hub.home / "ca.crt"))
        ctx.check_hostname = False
        con = http.client.HTTPSConnection("127.0.0.1", self.port,
                                          context=ctx, timeout=60)
        try:
            h = dict(headers or {})
            if body is not None and not isinstance(body, bytes):
                body = urllib.parse.urlencode(body).encode()
                h.setdefault("Content-Type",
                             "application/x-www-form-urlencoded")
            con.request(method, path, body=body, headers=h)
            r = con.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, \
                r.read().decode("utf-8")
        finally:
            con.close()

    def get(self, path, headers=None):
        return self.request("GET", path, headers=headers)

    def login(self, user, password=PASSWORD, next_="/"):
        """Signs in with the form; returns (status, headers, session
        cookie header or None)."""
        s, h, body = self.request("POST", "/login", {
            "user": user, "password": password, "next": next_})
        m = re.match(rf"{self.cookie}=([0-9a-f]+);", h.get("set-cookie", ""))
        return s, h, (f"{self.cookie}={m.group(1)}" if m else None), body

    def session(self, user):
        s, h, cookie, body = self.login(user)
        assert s == 303 and cookie, (s, h, body)
        return {"Cookie": cookie}

    def csrf(self, headers):
        s, _, body = self.get("/", headers)
        assert s == 200, body
        return re.search(r'name="csrf" value="([0-9a-f]+)"', body).group(1)


@pytest.fixture(scope="module")
def dash(tmp_path_factory):
    d = Dash(tmp_path_factory.mktemp("access"))
    hub = d.hub
    d.tokens = {
        "sup": staff(hub, "sup", "supervisor", display="监管甲"),
        "viewer": staff(hub, "viewer", "viewer"),
        "wuduview": staff(hub, "wuduview", "viewer", scope=WUDU),
        "aud": staff(hub, "aud", "auditor"),
        "clerk": staff(hub, "clerk", "clerk"),
    }
    yield d
    d.topo.close()


def wudu_case():
    return urllib.parse.urlencode({"origin": WUDU,
                                   "case": case_no("甘1202", 1)})


# ------------------------------------------------------------ nobody

def test_nothing_but_the_sign_in_page_without_credentials(dash):
    for path in ("/", "/warnings", "/sync", f"/case?{wudu_case()}"):
        s, h, body = dash.get(path)
        assert s == 401, (path, s)
        assert 'action="/login"' in body and "张" not in body
        assert h.get("cache-control") == "no-store"
    for path in ("/api/indicators", "/api/warnings", f"/api/case?{wudu_case()}",
                 "/api/sync"):
        s, h, body = dash.get(path)
        assert s == 401, (path, s)
        assert json.loads(body)["error"] == "unauthenticated"
        assert h["www-authenticate"] == 'Bearer realm="courtsync"'
    for path in ("/metrics", f"/proof?{wudu_case()}"):
        s, _, body = dash.get(path)
        assert s == 401 and "courtsync_" not in body and "甲" not in body
    s, _, body = dash.get("/login")
    assert s == 200 and 'name="password"' in body
    # a forged or malformed token or cookie is no better
    for hdr in ({"Authorization": "Bearer cst_" + "0" * 64},
                {"Authorization": "Bearer nonsense"},
                {"Authorization": "Basic b3BzOm9wcw=="},
                {"Cookie": f"{dash.cookie}={'a' * 64}"}):
        assert dash.get("/api/indicators", hdr)[0] == 401, hdr


# ------------------------------------------------------------ sign-in

def test_sign_in_session_and_sign_out(dash):
    s, h, cookie, _ = dash.login("sup", next_="/warnings")
    assert s == 303 and h["location"] == "/warnings"
    sc = h["set-cookie"]
    for attr in ("Secure", "HttpOnly", "SameSite=Strict", "Path=/"):
        assert attr in sc, sc
    hdr = {"Cookie": cookie}
    s, _, body = dash.get("/", hdr)
    assert s == 200 and "监管甲" in body and 'action="/logout"' in body
    # sign-out needs the page's CSRF token
    assert dash.request("POST", "/logout", {"csrf": "0" * 32}, hdr)[0] == 403
    assert dash.get("/", hdr)[0] == 200
    s, h, _ = dash.request("POST", "/logout", {"csrf": dash.csrf(hdr)}, hdr)
    assert s == 303 and h["location"] == "/login"
    assert dash.get("/", hdr)[0] == 401          # the session is gone
    # an open redirect is not followed
    s, h, _, _ = dash.login("sup", next_="//evil.example/")
    assert s == 303 and h["location"] == "/"


def test_wrong_password_and_unknown_user_look_alike(dash):
    s1, _, c1, b1 = dash.login("viewer", "wrong password!")
    s2, _, c2, b2 = dash.login("nobody", "wrong password!")
    assert s1 == s2 == 401 and c1 is None and c2 is None
    assert "用户名或密码错误" in b1 and "用户名或密码错误" in b2
    log = dash.hub.daemon.log()
    assert 'failed sign-in of "viewer" from 127.0.0.1:' in log


def test_failures_are_throttled(dash):
    staff(dash.hub, "victim", "viewer")
    for _ in range(5):
        assert dash.login("victim", "not the password")[0] == 401
    # locked for 15 minutes, even with the right password
    s, _, cookie, body = dash.login("victim")
    assert s == 429 and cookie is None and "15 分钟" in body
    assert "5 failures of the name" in dash.hub.daemon.log()
    # other accounts from the same address still sign in
    assert dash.login("viewer")[0] == 303


def test_disabled_account_is_signed_out_at_once(dash):
    staff(dash.hub, "leaver", "viewer")
    hdr = dash.session("leaver")
    assert dash.get("/", hdr)[0] == 200
    dash.hub.ok("user", "disable", "leaver")
    assert dash.get("/", hdr)[0] == 401
    assert dash.login("leaver")[0] == 401
    dash.hub.ok("user", "enable", "leaver")
    assert dash.login("leaver")[0] == 303


# ------------------------------------------------------------ roles

def api_case(dash, who):
    s, _, body = dash.get(f"/api/case?{wudu_case()}",
                          bearer(dash.tokens[who]))
    return s, (json.loads(body) if s == 200 else body)


def test_masking_by_role(dash):
    s, c = api_case(dash, "sup")
    assert s == 200
    assert (c["applicant"], c["respondent"]) == ("甲公司", "乙某"), c
    s, v = api_case(dash, "viewer")
    assert s == 200
    assert (v["applicant"], v["respondent"]) == ("某公司", "乙某"), v
    # the rest of the case is the same
    assert {k: x for k, x in v.items() if k not in ("applicant",
            "respondent")} == {k: x for k, x in c.items()
                               if k not in ("applicant", "respondent")}
    # 陇南's own case: a company masked as 某公司, a person as 王某
    q = urllib.parse.urlencode({"origin": HUB, "case": case_no("甘12", 1)})
    s, _, body = dash.get(f"/api/case?{q}", bearer(dash.tokens["viewer"]))
    j = json.loads(body)
    assert (j["applicant"], j["respondent"]) == ("王某", "某公司"), j
    s, _, body = dash.get(f"/case?{q}", bearer(dash.tokens["viewer"]))
    assert s == 200 and "王五" not in body and "建材" not in body


def test_scope_limits_what_a_viewer_sees(dash):
    t = bearer(dash.tokens["wuduview"])
    assert dash.get(f"/api/case?{wudu_case()}", t)[0] == 200
    q = urllib.parse.urlencode({"origin": CHENG,
                                "case": case_no("甘1221", 1)})
    s, _, body = dash.get(f"/api/case?{q}", t)
    assert s == 403 and "outside what this account sees" in body
    s, _, body = dash.get("/api/indicators?scope=cn/gs/ln", t)
    assert s == 403
    # without a scope: its own subtree, not the city's
    mine = json.loads(dash.get("/api/indicators", t)[2])
    city = json.loads(dash.get("/api/indicators",
                               bearer(dash.tokens["sup"]))[2])
    assert mine != city
    assert json.loads(dash.get("/api/indicators?scope=" + WUDU, t)[2]) == mine


def test_auditor_sees_indicators_and_proofs_not_cases(dash):
    t = bearer(dash.tokens["aud"])
    assert dash.get("/api/indicators", t)[0] == 200
    assert dash.get("/metrics", t)[0] == 200
    assert dash.get(f"/proof?{wudu_case()}", t)[0] == 200
    for path in (f"/api/case?{wudu_case()}", "/api/warnings", "/warnings"):
        s, _, body = dash.get(path, t)
        assert s == 403 and "auditor role does not see" in body, path
    # a viewer gets no proofs (they carry the signed entries verbatim)
    assert dash.get(f"/proof?{wudu_case()}",
                    bearer(dash.tokens["viewer"]))[0] == 403


def test_clerk_sees_only_its_own_court(dash):
    t = bearer(dash.tokens["clerk"])
    r = dash.hub.fails("user", "add", "c2", "--role", "clerk", "--scope",
                       WUDU, "--password-file", "/dev/null", code=2)
    assert "a clerk sees only this node's own court" in r.err
    q = urllib.parse.urlencode({"origin": HUB, "case": case_no("甘12", 1)})
    s, _, body = dash.get(f"/api/case?{q}", t)
    assert s == 200 and json.loads(body)["applicant"] == "王五"


def test_unmasked_views_are_in_the_access_log(dash):
    dash.get(f"/api/case?{wudu_case()}", bearer(dash.tokens["sup"]))
    dash.get(f"/api/case?{wudu_case()}", bearer(dash.tokens["viewer"]))
    dash.get(f"/proof?{wudu_case()}", bearer(dash.tokens["aud"]))
    out = dash.hub.ok("user", "access", "--case", case_no("甘1202", 1)).out
    rows = [l.split() for l in out.splitlines()]
    assert any(r[1] == "sup" and r[2] == "case" and r[3] == WUDU
               for r in rows), out
    assert any(r[1] == "aud" and r[2] == "proof" for r in rows), out
    assert not any(r[1] == "viewer" for r in rows), out     # masked: no row
    out = dash.hub.ok("user", "access", "--user", "sup").out
    assert "case" in out


# ------------------------------------------------------------ acknowledge

def test_supervisor_acknowledges_from_the_dashboard(dash):
    hdr = dash.session("sup")
    q = urllib.parse.urlencode({"origin": HUB, "case": case_no("甘12", 1)})
    s, _, body = dash.get(f"/case?{q}", hdr)
    assert s == 200 and 'action="/ack"' in body
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', body).group(1)
    size0 = dash.hub.held(HUB).size
    form = {"origin": HUB, "case": case_no("甘12", 1),
            "rule": "notice", "note": "已督促", "csrf": csrf}
    # a cross-site post (Origin of another site) is refused
    s, _, _ = dash.request("POST", "/ack", form,
                           dict(hdr, Origin="https://evil.example"))
    assert s == 403 and dash.hub.held(HUB).size == size0
    s, h, _ = dash.request("POST", "/ack", form, hdr)
    assert s == 303 and h["location"].startswith("/case?origin=")
    assert dash.hub.held(HUB).size == size0 + 1
    out = dash.hub.ok("case", case_no("甘12", 1), "--json").out
    assert "监管甲（sup）" in out and "notice" in out
    # a viewer may not; nor may anyone acknowledge a county's case here
    vh = dash.session("viewer")
    s, _, body = dash.request("POST", "/ack", dict(form, csrf=dash.csrf(vh)),
                              vh)
    assert s == 403 and "supervisor" in body
    s, _, body = dash.request("POST", "/ack", dict(
        form, origin=WUDU, case=case_no("甘1202", 1)), hdr)
    assert s == 403 and dash.hub.held(HUB).size == size0 + 1
    # the viewer's case page has no form
    assert 'action="/ack"' not in dash.get(f"/case?{q}", vh)[2]


# ------------------------------------------------------------ the CLI

def test_user_commands_refuse_bad_input(dash):
    hub = dash.hub
    pw = hub.home.parent / "pw-ok"
    pw.write_text(PASSWORD + "\n")
    short = hub.home.parent / "pw-short"
    short.write_text("short\n")
    hub.fails("user", "add", "Bad Name", "--role", "viewer",
              "--password-file", pw, code=2, msg="is not a user name")
    hub.fails("user", "add", "x1", "--role", "boss", "--password-file", pw,
              code=2, msg='"boss" is not a role')
    hub.fails("user", "add", "x1", "--role", "viewer", "--password-file",
              short, code=2, msg="must be 10 to 256 bytes")
    hub.fails("user", "add", "x1", "--role", "viewer", "--scope", "cn/xj",
              "--password-file", pw, code=2, msg="not within this node")
    hub.fails("user", "add", "sup", "--role", "viewer", "--password-file",
              pw, code=1, msg="exists already")
    hub.fails("user", "disable", "ghost", code=1, msg="no user ghost")
    out = hub.ok("user", "list").out
    assert re.search(r"^sup\s+supervisor\s+cn/gs/ln\s+active\s+监管甲$", out,
                     re.M), out
    assert "x1" not in out
    # the stored password is a scrypt hash, not the password
    (row,) = hub.q("SELECT pw FROM staff WHERE name = 'sup'")
    assert row[0].startswith("$scrypt$ln=15,r=8,p=1$") and PASSWORD not in row[0]
    # a new token replaces the old one
    old = bearer(dash.tokens["aud"])
    new = hub.ok("user", "token", "aud").out.strip()
    assert dash.get("/api/indicators", old)[0] == 401
    assert dash.get("/api/indicators", bearer(new))[0] == 200
    dash.tokens["aud"] = new


# ------------------------------------------------------------ last: locks
# 127.0.0.1 out of signing in for 15 minutes (keep it last in the module)

def test_failures_of_one_address_are_throttled(dash):
    staff(dash.hub, "zz-last", "viewer")
    for i in range(25):
        s = dash.login(f"nosuch{i}", "not the password")[0]
        if s == 429:
            break
    assert s == 429, "20 failures from one address were not throttled"
    # even a correct password, of an account never tried, from there
    assert dash.login("zz-last")[0] == 429
    # API tokens are not passwords: they still work
    assert dash.get("/api/indicators", bearer(dash.tokens["sup"]))[0] == 200
