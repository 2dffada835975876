"""Open an HTML file in headless Chromium over the DevTools protocol (stdlib + `websockets`, already in the venv
through dagster-webserver) and report what happened: every request the page made, console errors, uncaught
exceptions and log errors; optionally a full-page PNG at A4 width, or of one section. Used by the report tests and
to refresh docs/img/report-*.png (`python tests/chromium.py page.html out.png ["Op weg naar de doelen"]`)."""

from __future__ import annotations

import base64
import itertools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

A4_WIDTH_PX = 794  # 210 mm at 96 dpi
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--host-resolver-rules=MAP * ~NOTFOUND", "--remote-debugging-port=0"]


def chromium_binary() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def require_chromium() -> str:
    """The binary, or skip - except in CI (`CI` set), where a missing browser is a failure, never a skip."""
    import pytest

    binary = chromium_binary()
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("CI is set but there is no chromium binary (Debian package `chromium`; .ci/run installs it)")
        pytest.skip("no chromium binary (Debian package `chromium`)")
    return binary


@dataclass
class PageReport:
    requests: list[str] = field(default_factory=list)       # every URL the page requested (incl. itself)
    console_errors: list[str] = field(default_factory=list)  # console.error/assert, exceptions, log errors
    height_px: int = 0


# the vertical extent of the section whose <h2> starts with the given text: from the page top (the heading and
# meta line stay in the picture) when it is the first section, else from its <h2>; to the next <h2>
SECTION_JS = """(() => {
  const hs = [...document.querySelectorAll('h2')];
  const i = hs.findIndex(h => h.textContent.trim().startsWith(%s));
  if (i < 0) return null;
  const top = i === 0 ? 0 : hs[i].getBoundingClientRect().top + window.scrollY - 8;
  const end = i + 1 < hs.length ? hs[i + 1].getBoundingClientRect().top + window.scrollY - 8
                                : document.documentElement.scrollHeight;
  return [Math.max(0, Math.floor(top)), Math.ceil(end)];
})()"""


def open_page(page: Path, screenshot: Path | None = None, *, binary: str | None = None,
              timeout: float = 60.0, section: str | None = None) -> PageReport:
    """`section`: screenshot only the section under the <h2> starting with this text (docs/img)."""
    from websockets.sync.client import connect

    binary = binary or chromium_binary()
    report = PageReport()
    with tempfile.TemporaryDirectory(prefix="chromium-") as profile:
        proc = subprocess.Popen([binary, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            ws_url = None
            deadline = time.monotonic() + timeout
            while ws_url is None and time.monotonic() < deadline:
                line = proc.stderr.readline()
                if not line and proc.poll() is not None:
                    raise RuntimeError(f"chromium exited with {proc.returncode}")
                m = re.search(r"DevTools listening on (ws://\S+)", line)
                ws_url = m.group(1) if m else None
            if ws_url is None:
                raise RuntimeError("chromium did not open its DevTools port")
            with connect(ws_url, max_size=None, open_timeout=timeout) as ws:
                ids = itertools.count(1)
                session = None

                def send(method: str, **params):
                    msg_id = next(ids)
                    msg = {"id": msg_id, "method": method, "params": params}
                    if session:
                        msg["sessionId"] = session
                    ws.send(json.dumps(msg))
                    while True:
                        reply = json.loads(ws.recv(timeout=timeout))
                        if reply.get("id") == msg_id:
                            if "error" in reply:
                                raise RuntimeError(f"{method}: {reply['error']}")
                            return reply.get("result", {})
                        handle(reply)

                def handle(event: dict) -> None:
                    method, params = event.get("method"), event.get("params", {})
                    if method == "Network.requestWillBeSent":
                        report.requests.append(params["request"]["url"])
                    elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                        report.console_errors.append(" ".join(str(a.get("value", a.get("description", "")))
                                                              for a in params.get("args", [])))
                    elif method == "Runtime.exceptionThrown":
                        report.console_errors.append(params["exceptionDetails"].get("text", "exception"))
                    elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
                        report.console_errors.append(params["entry"].get("text", ""))
                    elif method == "Page.loadEventFired":
                        loaded.append(True)

                loaded: list[bool] = []
                target = send("Target.createTarget", url="about:blank")["targetId"]
                session = send("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
                for domain in ("Page", "Runtime", "Log", "Network"):
                    send(f"{domain}.enable")
                send("Emulation.setDeviceMetricsOverride", width=A4_WIDTH_PX, height=1123, deviceScaleFactor=1,
                     mobile=False)
                send("Page.navigate", url=Path(page).resolve().as_uri())
                while not loaded and time.monotonic() < deadline:
                    handle(json.loads(ws.recv(timeout=timeout)))
                if not loaded:
                    raise RuntimeError("the page did not finish loading")
                metrics = send("Page.getLayoutMetrics")
                report.height_px = int(metrics["cssContentSize"]["height"])
                if screenshot is not None:
                    top, bottom = 0, report.height_px
                    if section is not None:
                        found = send("Runtime.evaluate", expression=SECTION_JS % json.dumps(section),
                                     returnByValue=True)["result"].get("value")
                        if not found:
                            raise RuntimeError(f"no <h2> starting with {section!r}")
                        top, bottom = found
                    shot = send("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                                clip={"x": 0, "y": top, "width": A4_WIDTH_PX, "height": bottom - top, "scale": 1})
                    Path(screenshot).write_bytes(base64.b64decode(shot["data"]))
                session = None
                try:
                    send("Browser.close")
                except Exception:  # the browser may close the socket before it answers
                    pass
        finally:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            proc.stderr.close()
    return report


if __name__ == "__main__":  # python tests/chromium.py page.html [out.png ["section heading"]]
    result = open_page(Path(sys.argv[1]), Path(sys.argv[2]) if len(sys.argv) > 2 else None,
                       section=sys.argv[3] if len(sys.argv) > 3 else None)
    print(json.dumps(result.__dict__, indent=1))
