"""Headless Chromium driven over the Chrome DevTools Protocol (a websocket, via aiohttp).

No WebDriver and nothing downloaded: Debian's ``chromium`` package and the aiohttp client
Beacon already depends on. The browser reaches loopback only: every other host name fails to
resolve, and background networking, sync and component updates are off.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import shutil
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--remote-debugging-address=127.0.0.1",
    "--remote-debugging-port=0",
    "--window-size=1280,900",
)


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


class Page:
    """One tab: navigate, evaluate JavaScript, wait for a condition."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self._ids = itertools.count(1)

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        message_id = next(self._ids)
        await self.ws.send_str(json.dumps({"id": message_id, "method": method, "params": params}))
        while True:
            reply = json.loads(await self.ws.receive_str())
            if reply.get("id") == message_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return dict(reply.get("result") or {})

    async def js(self, expression: str) -> Any:
        result = await self.send(
            "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result.get("result", {}).get("value")

    async def until(self, expression: str, *, timeout: float = 15.0) -> Any:
        """Poll a JavaScript expression until it is truthy (a page still loading may throw)."""
        deadline = time.monotonic() + timeout
        problem = ""
        while True:
            try:
                value = await self.js(expression)
            except RuntimeError as error:
                value, problem = None, str(error)
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"page never satisfied: {expression} {problem}")
            await asyncio.sleep(0.2)

    async def screenshot(self, path: Path) -> None:
        import base64

        shot = await self.send("Page.captureScreenshot", format="png")
        path.write_bytes(base64.b64decode(shot["data"]))


@contextlib.asynccontextmanager
async def browser_page(binary: str) -> AsyncIterator[Page]:
    with tempfile.TemporaryDirectory(
        prefix="beacon-chromium-", ignore_cleanup_errors=True
    ) as profile:
        process = subprocess.Popen(
            [binary, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            port = await _debugging_port(Path(profile), process)
            async with aiohttp.ClientSession() as session:
                async with session.get(f"http://127.0.0.1:{port}/json/list") as response:
                    targets = await response.json()
                target = next(t for t in targets if t.get("type") == "page")
                async with session.ws_connect(target["webSocketDebuggerUrl"], max_msg_size=0) as ws:
                    page = Page(ws)
                    await page.send("Page.enable")
                    await page.send("Runtime.enable")
                    yield page
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


async def _debugging_port(profile: Path, process: subprocess.Popen[bytes]) -> int:
    """Chromium writes the port it picked to DevToolsActivePort in the profile folder."""
    marker = profile / "DevToolsActivePort"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"chromium exited with {process.returncode}")
        with contextlib.suppress(OSError, ValueError, IndexError):
            return int(marker.read_text().splitlines()[0])
        await asyncio.sleep(0.1)
    raise RuntimeError("chromium did not open its debugging port")
