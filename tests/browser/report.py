#!/usr/bin/env python3
"""Opens an HTML report in headless Chromium and checks that it renders
without console errors and without any network request but the file
itself; takes a full-page screenshot.

  report.py CHROMIUM REPORT.html SCREENSHOT.png

Talks to the browser over the DevTools protocol on a pipe
(--remote-debugging-pipe: JSON messages ending in NUL, the browser reading
fd 3 and writing fd 4), so no port is opened. Prints one JSON object (what
was seen) and exits 1 when anything is wrong, 0 otherwise. Standard
library only.
"""

import base64
import fcntl
import json
import os
import select
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HANG = 60  # seconds without any message from the browser: give up


class Browser:
    def __init__(self, chromium, profile):
        to_r, self.to_w = os.pipe()
        self.from_r, from_w = os.pipe()

        def fds():
            # Out of the way first, in case a pipe end is already 3 or 4;
            # dup2 makes the new descriptors inheritable.
            r, w = fcntl.fcntl(to_r, fcntl.F_DUPFD, 10), fcntl.fcntl(from_w, fcntl.F_DUPFD, 10)
            os.dup2(r, 3)
            os.dup2(w, 4)

        self.proc = subprocess.Popen(
            [
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--remote-debugging-pipe",
                f"--user-data-dir={profile}",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--window-size=1100,900",
                "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            close_fds=False,
            preexec_fn=fds,
        )
        os.close(to_r)
        os.close(from_w)
        self.buf = b""
        self.next_id = 0
        self.events = []

    def send(self, method, params=None, session=None):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.to_w, json.dumps(msg).encode() + b"\0")
        return self.next_id

    def read(self):
        while b"\0" not in self.buf:
            ready, _, _ = select.select([self.from_r], [], [], HANG)
            if not ready:
                raise RuntimeError(f"no message from the browser for {HANG} s")
            chunk = os.read(self.from_r, 1 << 20)
            if not chunk:
                raise RuntimeError("the browser closed its pipe")
            self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def call(self, method, params=None, session=None):
        want = self.send(method, params, session)
        while True:
            msg = self.read()
            if msg.get("id") == want:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            self.events.append(msg)

    def wait_for(self, method):
        for i, msg in enumerate(self.events):
            if msg.get("method") == method:
                del self.events[i]
                return msg
        while True:
            msg = self.read()
            self.events.append(msg)
            if msg.get("method") == method:
                self.events.pop()
                return msg

    def drain(self, quiet=0.5):
        """Reads events until none came for `quiet` seconds."""
        while True:
            if b"\0" not in self.buf:
                ready, _, _ = select.select([self.from_r], [], [], quiet)
                if not ready:
                    return
            self.events.append(self.read())


def main():
    chromium, report, shot = sys.argv[1], Path(sys.argv[2]).resolve(), Path(sys.argv[3])
    url = report.as_uri()
    problems = []
    with tempfile.TemporaryDirectory() as profile:
        b = Browser(chromium, profile)
        try:
            target = b.call("Target.createTarget", {"url": "about:blank"})["targetId"]
            s = b.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
            for domain in ["Page", "Network", "Runtime", "Log"]:
                b.call(f"{domain}.enable", session=s)
            b.events.clear()  # about:blank's
            b.call("Page.navigate", {"url": url}, session=s)
            b.wait_for("Page.loadEventFired")
            b.drain()
            title = b.call("Runtime.evaluate", {"expression": "document.title", "returnByValue": True}, session=s)["result"].get("value")
            probe = """(() => {
              const charts = [...document.querySelectorAll('svg.chart')];
              return {
                charts: charts.length,
                drawn: charts.filter(c => { const r = c.getBoundingClientRect(); return r.width > 0 && r.height > 0; }).length,
                tables: document.querySelectorAll('table').length,
                scripts: document.querySelectorAll('script').length,
                images: document.images.length,
              };
            })()"""
            dom = b.call("Runtime.evaluate", {"expression": probe, "returnByValue": True}, session=s)["result"]["value"]
            metrics = b.call("Page.getLayoutMetrics", session=s)
            size = metrics.get("cssContentSize") or metrics["contentSize"]
            png = b.call(
                "Page.captureScreenshot",
                {
                    "format": "png",
                    "captureBeyondViewport": True,
                    "clip": {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1},
                },
                session=s,
            )["data"]
            shot.parent.mkdir(parents=True, exist_ok=True)
            shot.write_bytes(base64.b64decode(png))
            b.drain(0.2)
            requests, errors = [], []
            for e in b.events:
                m, p = e.get("method"), e.get("params", {})
                if m == "Network.requestWillBeSent":
                    requests.append(p["request"]["url"])
                elif m == "Network.loadingFailed":
                    errors.append(f"request failed: {p.get('errorText')} {p.get('blockedReason', '')}".strip())
                elif m == "Runtime.exceptionThrown":
                    errors.append("exception: " + p["exceptionDetails"].get("text", ""))
                elif m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "warning", "assert"):
                    errors.append(f"console {p['type']}: " + " ".join(str(a.get("value", a.get("description", ""))) for a in p.get("args", [])))
                elif m == "Log.entryAdded" and p["entry"].get("level") in ("error", "warning"):
                    errors.append(f"log {p['entry']['level']}: {p['entry'].get('text', '')} {p['entry'].get('url', '')}".strip())
            others = [r for r in requests if r != url]
            if requests.count(url) != 1:
                problems.append(f"the report itself was requested {requests.count(url)} times")
            problems += [f"network request: {r}" for r in others]
            problems += errors
            if dom["charts"] == 0 or dom["drawn"] != dom["charts"]:
                problems.append(f"{dom['drawn']} of {dom['charts']} charts drawn")
            if dom["scripts"] or dom["images"]:
                problems.append(f"{dom['scripts']} scripts and {dom['images']} images in the page")
            try:
                b.call("Browser.close")
            except RuntimeError:
                pass
        finally:
            try:
                b.proc.wait(timeout=HANG)
            except subprocess.TimeoutExpired:
                b.proc.kill()
                b.proc.wait()
    print(json.dumps({"url": url, "title": title, "requests": requests, "dom": dom,
                      "screenshot": str(shot), "page": size, "problems": problems}, indent=1))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
