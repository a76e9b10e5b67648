"""axe-core in headless Chromium, driven over the DevTools protocol (websocket-client).

Why this and not Selenium or Playwright: Debian's ``chromium`` is all the browser we need
(Playwright would download its own), and the DevTools protocol over one websocket is a few
calls: open the page, set the viewport, evaluate axe-core's script, await ``axe.run``. The
axe-core script comes from npm (``tests/accessibility/package.json``, installed by
``scripts/setup-system.sh`` with ``npm ci``).
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import websocket

ROOT = Path(__file__).resolve().parents[1]
AXE_JS = ROOT / "tests" / "accessibility" / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


class Chromium:
    """A headless Chromium with one page, closed on exit."""

    def __init__(self, binary: str) -> None:
        self._profile = tempfile.TemporaryDirectory(prefix="samverkan-chromium-")
        args = [
            binary,
            "--headless",
            "--disable-gpu",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-extensions",
            "--allow-file-access-from-files",
            "--remote-debugging-port=0",
            f"--user-data-dir={self._profile.name}",
            "about:blank",
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            args.insert(1, "--no-sandbox")  # Chromium refuses to run as root with the sandbox
        self._process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self._ids = itertools.count(1)
        self._ws = websocket.create_connection(
            self._page_socket(), timeout=120, suppress_origin=True
        )

    def _page_socket(self) -> str:
        """The page's websocket address, once Chromium has written its DevTools port."""
        port_file = Path(self._profile.name) / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError("chromium avslutades innan den gick att styra")
            if port_file.exists() and port_file.read_text().strip():
                port = port_file.read_text().split()[0]
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list") as response:
                    targets = json.load(response)
                pages = [t for t in targets if t.get("type") == "page"]
                if pages:
                    return pages[0]["webSocketDebuggerUrl"]
            time.sleep(0.2)
        raise RuntimeError("chromium öppnade ingen DevTools-port inom 60 s")

    def call(self, method: str, **params: Any) -> dict:
        """Send one DevTools command and return its result (events in between are skipped)."""
        ident = next(self._ids)
        self._ws.send(json.dumps({"id": ident, "method": method, "params": params}))
        while True:
            message = json.loads(self._ws.recv())
            if message.get("id") == ident:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def evaluate(self, expression: str) -> Any:
        result = self.call(
            "Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True
        )
        if "exceptionDetails" in result:
            raise RuntimeError(str(result["exceptionDetails"])[:500])
        return result.get("result", {}).get("value")

    def open(self, path: Path, width: int = 1280, height: int = 900) -> None:
        """Load a local file at a viewport ``width`` CSS pixels wide; wait until it is loaded."""
        self.call(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )
        self.call("Page.navigate", url=path.resolve().as_uri())
        deadline = time.monotonic() + 60
        while self.evaluate("document.readyState") != "complete":
            if time.monotonic() > deadline:
                raise RuntimeError(f"{path.name} laddades inte inom 60 s")
            time.sleep(0.1)

    def close(self) -> None:
        try:
            self._ws.close()
        finally:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
            self._profile.cleanup()

    def __enter__(self) -> Chromium:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def axe_violations(browser: Chromium, path: Path) -> list[dict]:
    """axe-core's WCAG 2.0/2.1 A and AA violations on ``path`` (each with its nodes)."""
    browser.open(path)
    browser.evaluate(AXE_JS.read_text(encoding="utf-8"))
    options = json.dumps({"runOnly": {"type": "tag", "values": AXE_TAGS}})
    script = (
        f"axe.run(document, {options})"
        ".then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 10)})))"
    )
    return browser.evaluate(script)


def horizontal_overflow(browser: Chromium, path: Path, width: int) -> dict:
    """How far the page and each table container scroll sideways at a viewport ``width``."""
    browser.open(path, width=width)
    return browser.evaluate(
        "({page: document.documentElement.scrollWidth - document.documentElement.clientWidth,"
        " tables: Array.from(document.querySelectorAll('.table-scroll')).map(e => ({"
        " label: (document.getElementById(e.getAttribute('aria-labelledby')) || {}).textContent,"
        " wide: e.classList.contains('wide'), overflow: e.scrollWidth - e.clientWidth}))})"
    )
