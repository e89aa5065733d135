"""Status page benchmark (not a test): ``/status.json`` and an account's banner JSON polled by
200 concurrent clients while customer notices are being approved.

Beacon runs as ``beacon serve`` does, in its own process (``bench/_servers.py``), against the
fake Slack (50 ms per call) in this process. A generated configuration has one service and 50
accounts using it, so every approval changes both documents. 200 clients, half on the public
JSON and half on account JSON (spread over the accounts), each poll every ``--interval`` seconds
(0.5 s: an in-app banner polls far less often) for ``--seconds``; half of the clients send the
ETag they last saw (``If-None-Match``), as browsers and well-written pollers do, the rest fetch
the whole document each time. Meanwhile ``--approvals`` updates are posted and approved one
after another by the IC, as signed Slack requests.

Measured: each request's latency (send to last byte), client side, the clients in a process
of their own; and for each approval, the
time from the click until ``/status.json`` shows its words. Targets: p99 <= 20 ms, every
approval visible within 1 s, no errors. Exit code is 0 either way.
Run: ``.venv/bin/python bench/status_page.py [--seconds 20] [--database-url postgresql://...]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import random
import tempfile
import threading
import time
from pathlib import Path

import _common
import aiohttp
import httpx
from _common import SLACK_LATENCY, percentile, prepare_database, table
from _servers import server
from fanout import Client, wait_for

from app.publishing.tokens import account_token
from app.slack.ids import DRAFT_APPROVE
from tests.fakes.slack_api import FakeSlack

ACCOUNTS = 50
SECRET = "bench-status-secret"
P99_TARGET_MS = 20.0
VISIBLE_TARGET_S = 1.0
POLICY = """\
workspace:
  announce_channel: "#incidents"
  cs_channel: "#cs-incidents"
  channel_prefix: inc
  approvers: []
  execs: []
  remind_before: 5m
severities:
  SEV1: {label: Critical, ack_within: 5m, update_every: 30m, page: []}
  SEV2: {label: Major, ack_within: 15m, update_every: 1h, page: []}
  SEV3: {label: Minor, ack_within: 1h, update_every: null, page: []}
impact_matrix:
  value: {high: 500000, medium: 100000}
  exposure: {high: 10000, medium: 1000}
  dependence: {critical: 3, high: 2, standard: 1}
  tiers: {1: 8, 2: 6, 3: 0}
tiers:
  1: {thread: false}
  2: {thread: false}
  3: {thread: false}
escalation: []
status_page:
  title: Bench status
  secret_env: BEACON_STATUS_SECRET
"""
SERVICES = """\
teams:
  core: {name: Core}
services:
  api: {name: Public API, team: core, depends_on: []}
"""


def write_config(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "policy.yaml").write_text(POLICY)
    (folder / "services.yaml").write_text(SERVICES)
    rows = {
        f"a{index:03d}": {
            "name": f"Account {index:03d}",
            "arr": 200000,
            "users": 5000,
            "dependence": "high",
            "uses": ["api"],
        }
        for index in range(ACCOUNTS)
    }
    (folder / "accounts.yaml").write_text(json.dumps({"accounts": rows}, indent=1))


class Load:
    def __init__(self, base: str, paths: list[str], interval: float, clients: int) -> None:
        self.clients = clients
        self.base = base
        self.paths = paths
        self.interval = interval
        self.latencies: list[float] = []
        self.not_modified = 0
        self.errors = 0
        self.stop = False

    async def client(self, session: aiohttp.ClientSession, path: str, conditional: bool) -> None:
        etag: str | None = None
        await asyncio.sleep(random.random() * self.interval)
        while not self.stop:
            headers = {"If-None-Match": etag} if conditional and etag else {}
            started = time.perf_counter()
            try:
                async with session.get(self.base + path, headers=headers) as response:
                    await response.read()
                    self.latencies.append(time.perf_counter() - started)
                    if response.status == 304:
                        self.not_modified += 1
                    elif response.status == 200:
                        etag = response.headers.get("ETag")
                    else:
                        self.errors += 1
            except aiohttp.ClientError:
                self.errors += 1
            await asyncio.sleep(self.interval)

    async def run(self, seconds: float) -> None:
        connector = aiohttp.TCPConnector(limit=self.clients)
        async with aiohttp.ClientSession(connector=connector) as session:
            tasks = [
                asyncio.create_task(
                    self.client(session, self.paths[i % len(self.paths)], i % 4 < 2)
                )
                for i in range(self.clients)
            ]
            await asyncio.sleep(seconds)
            self.stop = True
            await asyncio.gather(*tasks)


def measure(base: str, paths: list[str], interval: float, clients: int, seconds: float) -> Load:
    load = Load(base, paths, interval, clients)
    asyncio.run(load.run(seconds))
    return load


def card_for(fake: FakeSlack, channel_id: str, words: str) -> str | None:
    """The Approve button's value on the approval card showing ``words``."""
    for message in fake.messages(channel_id):
        if words not in str(message.blocks):
            continue
        for block in message.blocks or []:
            for element in block.get("elements", []):
                if element.get("action_id") == DRAFT_APPROVE:
                    return str(element["value"])
    return None


def approvals(
    client: Client, fake: FakeSlack, channel_id: str, base: str, count: int, pause: float
) -> list[float]:
    """Approve ``count`` updates one after another; seconds from each click to visible."""
    seen: list[float] = []
    with httpx.Client(base_url=base, timeout=10) as http:
        for index in range(count):
            words = f"Bench notice number {index} for customers"
            client.command(f"update {words} status: identified", channel=channel_id)
            value = wait_for(
                lambda words=words: card_for(fake, channel_id, words), 60, "the approval card"
            )
            start = time.monotonic()
            client.click(value, channel_id)
            wait_for(lambda words=words: words in http.get("/status.json").text, 30, "the notice")
            seen.append(time.monotonic() - start)
            time.sleep(pause)
    return seen


def run(args: argparse.Namespace, workdir: Path) -> None:
    config = workdir / "config"
    write_config(config)
    os.environ["BEACON_STATUS_SECRET"] = SECRET  # read by the child
    channels = ("incidents", "cs-incidents", "general")
    with FakeSlack(latency=SLACK_LATENCY, channels=channels) as fake:
        url = prepare_database(args.database_url, workdir)
        with server("beacon", fake.url, url, str(config), log=workdir / "beacon.log") as child:
            client = Client(child.url, fake)
            client.command("declare SEV2 Bench API errors services: api")
            channel = wait_for(
                lambda: (c := fake.channel_by_name("inc-1-bench-api-errors")) and c.pins and c,
                60,
                "the incident to open",
            )
            accounts = [f"/status/a/{account_token(SECRET, f'a{i:03d}')}.json" for i in range(10)]
            paths = [path for account in accounts for path in ("/status.json", account)]
            visible: list[float] = []
            pause = args.seconds / (args.approvals + 1)
            approver = threading.Thread(
                target=lambda: visible.extend(
                    approvals(client, fake, channel.id, child.url, args.approvals, pause)
                )
            )
            approver.start()
            # its own process: this one's GIL is busy with the fake Slack and the approvals
            with multiprocessing.get_context("spawn").Pool(1) as pool:
                load = pool.apply(
                    measure, (child.url, paths, args.interval, args.clients, args.seconds)
                )
            approver.join(timeout=120)
    report(args, load, visible)


def report(args: argparse.Namespace, load: Load, visible: list[float]) -> None:
    ms = [value * 1000 for value in load.latencies]
    p99 = percentile(ms, 99)
    worst_visible = max(visible, default=float("nan"))
    ok = p99 <= P99_TARGET_MS and worst_visible <= VISIBLE_TARGET_S and not load.errors
    ok = ok and len(visible) == args.approvals
    print(
        f"{args.clients} clients polling every {args.interval:g} s for {args.seconds:g} s"
        f" (half /status.json, half account JSON; half conditional);"
        f" {len(visible)} approvals meanwhile;"
        f" {_common.database_label(args.database_url or 'sqlite')}"
    )
    print(f"{_common.machine()}; {_common.revision()}")
    print()
    print(
        table(
            [
                "requests",
                "req/s",
                "304s",
                "errors",
                "p50 ms",
                "p95 ms",
                "p99 ms",
                "max ms",
                "visible max s",
                "result",
            ],
            [
                [
                    str(len(ms)),
                    f"{len(ms) / args.seconds:.0f}",
                    str(load.not_modified),
                    str(load.errors),
                    f"{percentile(ms, 50):.1f}",
                    f"{percentile(ms, 95):.1f}",
                    f"{p99:.1f}",
                    f"{max(ms, default=float('nan')):.1f}",
                    f"{worst_visible:.2f}",
                    "PASS" if ok else "FAIL",
                ]
            ],
        )
    )
    print(
        f"\ntargets: p99 <= {P99_TARGET_MS:g} ms, each approval visible <= {VISIBLE_TARGET_S:g} s"
    )
    print("visible after: " + ", ".join(f"{value:.2f}" for value in visible))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--interval", type=float, default=0.5)
    parser.add_argument("--approvals", type=int, default=5)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--database-url", help="PostgreSQL URL (wiped); default SQLite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="beacon-bench-status-") as folder:
        run(args, Path(folder))


if __name__ == "__main__":
    main()
