"""A person in a real browser uses /sandbox: declares, acknowledges a page, approves an update,
and the liaison sees it in the account's thread. Headless Chromium, loopback only."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.catalog.loader import load_catalog
from app.drills.roles import role_holder
from tests.support.chromium import Page, browser_page, chromium_path
from tests.support.sandbox_server import CONFIG, sandbox_server

CHROMIUM = chromium_path()
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="chromium is not installed (apt-get install chromium chromium-driver; .ci/run does)",
)


async def act_as(page: Page, user: str) -> None:
    await page.js(
        f"(() => {{ const s = document.getElementById('persona'); s.value = {json.dumps(user)};"
        " s.dispatchEvent(new Event('change')); return true; })()"
    )
    await page.until(f"new URLSearchParams(location.search).get('as') === {json.dumps(user)}")


async def open_conversation(page: Page, selector: str) -> None:
    await page.until(f"!!document.querySelector({json.dumps(selector)})")
    await page.js(f"document.querySelector({json.dumps(selector)}).click(), true")


async def type_command(page: Page, text: str) -> None:
    await page.js(
        f"(() => {{ document.getElementById('command').value = {json.dumps(text)};"
        " document.getElementById('composer').requestSubmit(); return true; })()"
    )


async def click_button(page: Page, label: str) -> None:
    finder = (
        "Array.from(document.querySelectorAll('#feed button[data-click]'))"
        f".filter(b => b.textContent.trim() === {json.dumps(label)}).pop()"
    )
    await page.until(f"!!{finder}")
    await page.js(f"{finder}.click(), true")


async def feed_contains(page: Page, text: str) -> None:
    await page.until(f"document.getElementById('feed').innerText.includes({json.dumps(text)})")


async def journey(page: Page, url: str) -> None:
    catalog = load_catalog(CONFIG)
    oncall = role_holder(catalog, "oncall:payments", datetime.now(UTC))
    liaison = role_holder(catalog, "liaison:acme", datetime.now(UTC))

    await page.send("Page.navigate", url=f"{url}/sandbox?as=U0SANDBOX")
    await page.until("document.getElementById('title').textContent === '#general'")
    await type_command(
        page, "/incident declare SEV2 Card payments failing services: payments accounts: acme"
    )
    await feed_contains(page, "declared as SEV2")  # Beacon's private reply, in the page

    await act_as(page, oncall)
    await open_conversation(page, "[data-dm]")
    await click_button(page, "Acknowledge")
    await feed_contains(page, "Acknowledged by")

    await act_as(page, "U0SANDBOX")
    await open_conversation(page, "[data-conv^='C0000']")  # the new incident channel
    await feed_contains(page, "Initial customer notice")
    await type_command(
        page,
        "/incident update Card payments are failing status: identified "
        "action: rotating the processor certificate next: confirm recovery",
    )
    await feed_contains(page, "Customer update")
    await click_button(page, "Approve & send")  # the newest card: the customer update
    await feed_contains(page, "Approved")

    await act_as(page, liaison)
    await open_conversation(page, "[data-conv='C0ACCTACME']")
    await feed_contains(
        page, "Rotating the processor certificate"
    )  # customer words: a capital first


def test_declare_ack_approve_and_see_it_in_the_account_thread(tmp_path: Path) -> None:
    assert CHROMIUM is not None

    async def run(url: str) -> None:
        async with browser_page(CHROMIUM) as page:
            try:
                await asyncio.wait_for(journey(page, url), timeout=90)
            except BaseException:
                await page.screenshot(tmp_path / "failure.png")
                raise

    with sandbox_server(tmp_path) as (url, _):
        asyncio.run(run(url))


async def feed_has(page: Page, selector: str) -> None:
    await page.until(f"!!document.querySelector('#feed').querySelector({json.dumps(selector)})")


async def modal_open(page: Page) -> bool:
    return bool(await page.js("!!document.querySelector('#modal form.modal')"))


async def fill_declare_form(page: Page, title: str) -> None:
    await page.until("!!document.querySelector('#modal form.modal')")
    await page.js(
        "(() => { const f = document.querySelector('#modal form.modal');"
        f" f.querySelector('[name=\"title::title\"]').value = {json.dumps(title)};"
        " f.querySelector('[name=\"severity::severity\"]').value = 'SEV2';"
        " const s = f.querySelector('[name=\"services::services\"]');"
        " Array.from(s.options).forEach(o => { o.selected = o.value === 'payments'; });"
        " return true; })()"
    )


async def like_slack(page: Page, url: str) -> None:
    catalog = load_catalog(CONFIG)
    oncall = role_holder(catalog, "oncall:payments", datetime.now(UTC))
    assert role_holder(catalog, "manager:payments", datetime.now(UTC)) == "dana@northwind.example"

    await page.send("Page.navigate", url=f"{url}/sandbox?as=U0SANDBOX")
    await page.until("document.getElementById('title').textContent === '#general'")
    # An empty #general says what to type first and how long the escalation demo takes.
    await feed_contains(page, "/incident declare SEV2")
    await feed_contains(page, "15m")  # SEV2's ack_within: when the first escalation fires

    # People read as names with their role, not as ids.
    labels = await page.js(
        "Object.fromEntries(Array.from(document.querySelectorAll('#persona option'))"
        ".map(o => [o.value, o.textContent.trim()]))"
    )
    assert labels["U0DANA"].startswith("Dana") and "— manager, Payments" in labels["U0DANA"]
    assert not labels[oncall].startswith("U0") and "on call now, Payments" in labels[oncall]

    # Emoji shortcodes are drawn (App Home's ":sunny:" when nothing is open).
    await open_conversation(page, "[data-conv='home']")
    await feed_contains(page, "No open incident")
    await feed_contains(page, "☀")
    assert ":sunny:" not in await page.js("document.getElementById('feed').innerText")

    # A modal does not follow you to another persona, and Cancel closes it.
    await open_conversation(page, "[data-conv='C0GENERAL']")
    await type_command(page, "/incident declare")
    await page.until("!!document.querySelector('#modal form.modal')")
    await act_as(page, oncall)
    await page.until("!document.querySelector('#modal form.modal')")
    await act_as(page, "U0SANDBOX")
    await page.until("!!document.querySelector('#modal [data-close]')")
    await page.js("document.querySelector('#modal [data-close]').click(), true")
    await page.until("!document.querySelector('#modal form.modal')")

    # A form declaration closes the modal and confirms like the text command.
    await type_command(page, "/incident declare")
    await fill_declare_form(page, "Card payments failing")
    await page.js("document.querySelector('#modal form.modal').requestSubmit(), true")
    await page.until("!document.querySelector('#modal form.modal')")
    await feed_contains(page, "declared as SEV2")

    # A reply's blocks are drawn, not only its fallback text.
    await type_command(page, "/incident oncall payments")
    await feed_has(page, "article.ephemeral .bk-section")

    # The uploaded review is shown in the incident channel, which opens at its newest message.
    await open_conversation(page, "[data-conv^='C0000']")
    await feed_contains(page, "Initial customer notice")
    await type_command(page, "/incident review")
    await feed_contains(page, "inc-1-review.md")
    await feed_contains(page, "post-incident review")
    await open_conversation(page, "[data-conv='C0GENERAL']")
    await open_conversation(page, "[data-conv^='C0000']")
    await feed_contains(page, "inc-1-review.md")
    await page.until(
        "(() => { const f = document.getElementById('feed');"
        " return f.scrollHeight > f.clientHeight"
        " && f.scrollTop + f.clientHeight >= f.scrollHeight - 30; })()"
    )


def test_the_sandbox_behaves_like_slack(tmp_path: Path) -> None:
    assert CHROMIUM is not None

    async def run(url: str) -> None:
        async with browser_page(CHROMIUM) as page:
            try:
                await asyncio.wait_for(like_slack(page, url), timeout=120)
            except BaseException:
                await page.screenshot(tmp_path / "failure.png")
                raise

    with sandbox_server(tmp_path) as (url, _):
        asyncio.run(run(url))
