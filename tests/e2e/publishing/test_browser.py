"""The status page and an account page in headless Chromium at phone and desktop widths: the
approved words are there, nothing overflows sideways, and no JavaScript is needed."""

from __future__ import annotations

import asyncio
import struct
from pathlib import Path

import pytest

from app.publishing.tokens import account_token
from tests.e2e.publishing.conftest import SECRET
from tests.e2e.publishing.support import WORDS, approve, declare, post_update
from tests.fakes.slack_api import FakeSlack
from tests.support.chromium import Page, browser_page, chromium_path
from tests.support.harness import RunningBeacon, eventually

CHROMIUM = chromium_path()
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="chromium is not installed (apt-get install chromium chromium-driver; .ci/run does)",
)
WIDTHS = {"phone": (375, 740, True), "desktop": (1280, 900, False)}


def _png_size(path: Path) -> tuple[int, int]:
    width, height = struct.unpack(">II", path.read_bytes()[16:24])
    return width, height


async def _visit(page: Page, url: str, width: int, height: int, mobile: bool) -> dict[str, int]:
    await page.send(
        "Emulation.setDeviceMetricsOverride",
        width=width,
        height=height,
        deviceScaleFactor=1,
        mobile=mobile,
    )
    await page.send("Emulation.setScriptExecutionDisabled", value=True)
    await page.send("Page.navigate", url=url)
    await page.until(
        f"document.readyState === 'complete' && location.href === {url!r}"
        f" && document.body.innerText.includes({WORDS!r})"
    )
    metrics: dict[str, int] = await page.js(
        "({doc: document.documentElement.scrollWidth, view: window.innerWidth,"
        " scripts: document.scripts.length, h1: document.querySelectorAll('h1').length,"
        " main: document.querySelectorAll('main').length})"
    )
    return metrics


async def _tour(base: str, paths: list[str], shots: Path) -> dict[str, dict[str, int]]:
    assert CHROMIUM is not None
    seen: dict[str, dict[str, int]] = {}
    async with browser_page(CHROMIUM) as page:
        for path in paths:
            for name, (width, height, mobile) in WIDTHS.items():
                metrics = await _visit(page, base + path, width, height, mobile)
                shot = shots / f"{len(seen)}-{name}.png"
                await page.screenshot(shot)
                metrics["shot_width"] = _png_size(shot)[0]
                seen[f"{path} {name}"] = metrics | {"width": width}
    return seen


def test_pages_read_well_on_a_phone_and_a_desktop(
    published: RunningBeacon, slack: FakeSlack, tmp_path: Path
) -> None:
    channel = declare(
        published,
        slack,
        "declare P3 Token signer broke logins services: auth",
        "inc-1-token-signer-broke-logins",
    )
    approve(published, channel, post_update(published, slack, channel))
    account = f"/status/a/{account_token(SECRET, 'acme')}"
    eventually(lambda: WORDS in published.http.get(account).text)
    seen = asyncio.run(_tour(published.url, ["/status", account], tmp_path))
    assert len(seen) == 4
    for where, metrics in seen.items():
        assert metrics["doc"] <= metrics["view"], f"{where} overflows sideways: {metrics}"
        assert metrics["shot_width"] == metrics["width"], where
        assert metrics["scripts"] == 0 and metrics["h1"] == 1 and metrics["main"] == 1, where
