"""
browser — Debian's headless chromium driven over the DevTools protocol on
a pipe (--remote-debugging-pipe: commands on fd 3, answers on fd 4, JSON
separated by NUL), standard library only: navigate, fill and submit a form,
read the DOM, take a screenshot.  Cookies live in the browser's profile for
as long as the Browser does, so a test signs in once and browses on.
"""
from __future__ import annotations

import base64
import json
import os
import select
import subprocess
import time
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"


class BrowserError(Exception):
    pass


class Browser:
    def __init__(self, tmp: Path, width: int = 1400, height: int = 1800,
                 timeout: float = 60):
        self.timeout = timeout
        profile = Path(tmp) / "chromium-profile"
        profile.mkdir(parents=True, exist_ok=True)
        to_r, self._to_w = os.pipe()      # we write commands
        self._from_r, from_w = os.pipe()  # chromium writes answers
        env = dict(os.environ, LANG="zh_CN.UTF-8", HOME=str(tmp))

        def fds():
            os.dup2(to_r, 3)
            os.dup2(from_w, 4)

        self.log = open(Path(tmp) / "chromium.log", "wb")
        self.p = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
             "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update",
             "--disable-sync", f"--user-data-dir={profile}",
             "--ignore-certificate-errors", "--remote-debugging-pipe",
             "about:blank"],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log,
            env=env, preexec_fn=fds, close_fds=False)
        os.close(to_r)
        os.close(from_w)
        self._buf = b""
        self._id = 0
        self.events: list[dict] = []
        tid = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.sid = self.call("Target.attachToTarget", targetId=tid,
                             flatten=True)["sessionId"]
        self.call("Page.enable", session=True)
        self.call("Emulation.setDeviceMetricsOverride", session=True,
                  width=width, height=height, deviceScaleFactor=1,
                  mobile=False)

    # -- the protocol --
    def _read_msg(self, deadline: float) -> dict:
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise BrowserError("chromium did not answer in time")
            r, _, _ = select.select([self._from_r], [], [], left)
            if not r:
                continue
            chunk = os.read(self._from_r, 1 << 20)
            if not chunk:
                raise BrowserError("chromium closed the pipe (exit "
                                   f"{self.p.poll()})")
            self._buf += chunk
        msg, _, self._buf = self._buf.partition(b"\0")
        return json.loads(msg)

    def call(self, method: str, session: bool = False, **params) -> dict:
        self._id += 1
        msg = {"id": self._id, "method": method, "params": params}
        if session:
            msg["sessionId"] = self.sid
        os.write(self._to_w, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        while True:
            m = self._read_msg(deadline)
            if m.get("id") == self._id:
                if "error" in m:
                    raise BrowserError(f"{method}: {m['error']}")
                return m.get("result", {})
            self.events.append(m)

    def wait_event(self, method: str) -> dict:
        deadline = time.monotonic() + self.timeout
        while True:
            for i, e in enumerate(self.events):
                if e.get("method") == method and \
                        e.get("sessionId") == self.sid:
                    return self.events.pop(i)
            self.events.append(self._read_msg(deadline))

    # -- what tests use --
    def goto(self, url: str):
        self.events.clear()
        r = self.call("Page.navigate", session=True, url=url)
        if r.get("errorText"):
            raise BrowserError(f"{url}: {r['errorText']}")
        self.wait_event("Page.loadEventFired")

    def eval(self, js: str):
        r = self.call("Runtime.evaluate", session=True, expression=js,
                      returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in r:
            raise BrowserError(f"{js}: {r['exceptionDetails']}")
        return r["result"].get("value")

    def dom(self) -> str:
        return self.eval("document.documentElement.outerHTML")

    def submit(self, fields: dict, button: str):
        """Fills inputs by id and clicks the button of that id; waits for
        the page the form leads to."""
        self.events.clear()
        js = "".join(f"document.getElementById({json.dumps(k)}).value = "
                     f"{json.dumps(v)};" for k, v in fields.items())
        self.eval(js + f"document.getElementById({json.dumps(button)})"
                       ".click(); true")
        self.wait_event("Page.loadEventFired")

    def screenshot(self, out: Path) -> Path:
        r = self.call("Page.captureScreenshot", session=True, format="png")
        Path(out).write_bytes(base64.b64decode(r["data"]))
        return Path(out)

    def close(self):
        try:
            self.call("Browser.close")
        except (BrowserError, OSError):
            pass
        try:
            self.p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
        for fd in (self._to_w, self._from_r):
            try:
                os.close(fd)
            except OSError:
                pass
        self.log.close()
