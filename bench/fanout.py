"""Fan-out benchmark (not a test): one approved update delivered to 300 account threads.

A generated configuration has N accounts (default 300), each with its own ``channel:`` and all
using one service, so an incident on that service affects every account and each approved update
goes to N threads in N channels. The benchmark declares the incident, posts ``/incident update``,
and clicks **Approve & send** as the incident commander, all as signed HTTP requests, against
``tests.fakes.slack_api.FakeSlack`` enforcing Slack's posting limits on ``chat.postMessage``:
1 message/s per channel and 20 messages/s for the workspace (HTTP 429 with ``Retry-After``
beyond, a bucket of one message per channel), with 50 ms added to every call. Beacon runs with
``BEACON_CHANNEL_BURST=1`` (``--channel-burst``), the pacing that matches that strict limit; its
default of 3 assumes Slack's tolerance of short bursts and would draw a 429 for every reply.

Measured: from the click until the fake Slack has recorded the last thread reply (arrival + the
fake's latency). Bound: every ``chat.postMessage`` Slack accepted after the click (N thread
parents + N replies = 2N, counted from the fake's log rather than assumed) at the workspace rate
(20/s): posts / 20 s. Target: total <= 1.2 x bound, 0 accounts without their reply, 0 duplicate
parents or replies. Also shown: how many posts Slack refused with 429 (each costs a retry).

Beacon runs as ``beacon serve`` does, in its own process (``bench/_servers.py``); the fake Slack
runs in this process so its call log can be read. Exit code is 0 either way.
Run: ``.venv/bin/python bench/fanout.py [--accounts 300] [--database-url postgresql://...]``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import _common
import httpx
from _common import SLACK_LATENCY, percentile, prepare_database, signed_command, table
from _servers import server

from app.slack.ids import DRAFT_APPROVE
from tests.fakes.signing import block_actions_payload, interaction_body, sign
from tests.fakes.slack_api import Call, FakeSlack

IC = "U0FANIC"
CHANNEL_RATE = 1.0
WORKSPACE_RATE = 20.0
TARGET_FACTOR = 1.2
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
  1: {thread: true}
  2: {thread: true}
  3: {thread: true}
escalation: []
"""
SERVICES = """\
teams:
  core: {name: Core}
services:
  api: {name: Public API, team: core, depends_on: []}
"""


def account_channel(index: int) -> str:
    return f"acct-{index:04d}"


def write_config(folder: Path, accounts: int) -> None:
    """Policy without pages or cadence, so the click's fan-out is the only traffic measured."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "policy.yaml").write_text(POLICY)
    (folder / "services.yaml").write_text(SERVICES)
    rows = {
        f"a{index:04d}": {
            "name": f"Account {index:04d}",
            "arr": 200000,
            "users": 5000,
            "dependence": "high",
            "uses": ["api"],
            "liaison": f"U0LIA{index:04d}",
            "channel": f"#{account_channel(index)}",
        }
        for index in range(accounts)
    }
    (folder / "accounts.yaml").write_text(json.dumps({"accounts": rows}, indent=1))


def wait_for(check: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := check():
            return found
        time.sleep(0.02)
    raise TimeoutError(f"gave up waiting for {what} after {timeout:.0f} s")


def approve_value(fake: FakeSlack, channel_id: str) -> str | None:
    for message in fake.messages(channel_id):
        for block in message.blocks or []:
            for element in block.get("elements", []):
                if element.get("action_id") == DRAFT_APPROVE:
                    return str(element["value"])
    return None


class Client:
    """Signed requests to Beacon, as Slack would send them."""

    def __init__(self, url: str, fake: FakeSlack) -> None:
        self.http = httpx.Client(base_url=url, timeout=30)
        self.fake = fake
        self.sent = 0

    def command(self, text: str, channel: str = "C0GENERAL") -> None:
        self.sent += 1
        body, headers = signed_command(
            text,
            trigger_id=f"{self.sent}.{time.monotonic_ns()}.fanout",
            response_url=self.fake.response_url(f"fanout{self.sent}"),
            user=IC,
            channel_id=channel,
        )
        self.http.post("/slack/events", content=body, headers=headers).raise_for_status()

    def click(self, value: str, channel: str) -> None:
        self.sent += 1
        payload = block_actions_payload(
            action_id=DRAFT_APPROVE,
            value=value,
            user_id=IC,
            channel_id=channel,
            response_url=self.fake.response_url(f"fanout{self.sent}"),
        )
        body = interaction_body(payload)
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            **sign(body, _common.SIGNING_SECRET),
        }
        self.http.post("/slack/events", content=body, headers=headers).raise_for_status()


def fanout_posts(calls: list[Call], channel_ids: set[str], since: float) -> list[Call]:
    return [
        c
        for c in calls
        if c.method == "chat.postMessage"
        and c.at >= since
        and str(c.response.get("channel") or c.args.get("channel")) in channel_ids
    ]


def run(args: argparse.Namespace, workdir: Path) -> None:
    config = workdir / "config"
    write_config(config, args.accounts)
    names = [account_channel(i) for i in range(args.accounts)]
    with FakeSlack(
        latency=SLACK_LATENCY,
        channels=("incidents", "cs-incidents", "general", *names),
        channel_rate_limit=CHANNEL_RATE,
        channel_burst=1.0,
        workspace_rate_limit=WORKSPACE_RATE,
    ) as fake:
        url = prepare_database(args.database_url, workdir)
        os.environ["BEACON_CHANNEL_BURST"] = f"{args.channel_burst:g}"  # read by the child
        log = workdir / "beacon.log"
        with server("beacon", fake.url, url, str(config), log=log) as child:
            client = Client(child.url, fake)
            client.command("declare SEV3 Fanout API errors services: api")
            channel = wait_for(
                lambda: (c := fake.channel_by_name("inc-1-fanout-api-errors")) and c.pins and c,
                60,
                "the incident to open",
            )
            client.command(
                "update API errors for all accounts status: identified cause: bad deploy"
                " action: rolling back workaround: retry",
                channel=channel.id,
            )
            value = wait_for(lambda: approve_value(fake, channel.id), 60, "the approval card")
            time.sleep(1.0)  # let the update's own posts settle before the clock starts
            ids = {c.id for name in names if (c := fake.channel_by_name(name))}
            start = time.monotonic()
            client.click(value, channel.id)
            limit = args.accounts / WORKSPACE_RATE * 2 * 3 + 30

            def replies() -> list[Call]:
                ok = [c for c in fanout_posts(list(fake.calls), ids, start) if c.ok]
                return [c for c in ok if c.args.get("thread_ts")]

            try:
                wait_for(lambda: len(replies()) >= args.accounts, limit, "every thread reply")
            except TimeoutError as error:
                print(f"note: {error}")
            time.sleep(2.0)  # anything sent twice would arrive now
            report(args, fake, ids, start)
        if args.log:
            print(log.read_text()[-5000:])


def report(args: argparse.Namespace, fake: FakeSlack, ids: set[str], start: float) -> None:
    posts = fanout_posts(list(fake.calls), ids, start)
    ok = [c for c in posts if c.ok]
    limited = [c for c in posts if c.status == 429]
    parents = [c for c in ok if not c.args.get("thread_ts")]
    replies = [c for c in ok if c.args.get("thread_ts")]
    parents_per_channel = Counter(str(c.response["channel"]) for c in parents)
    replies_per_thread = Counter((str(c.response["channel"]), c.args["thread_ts"]) for c in replies)
    with_reply = {channel for channel, _ts in replies_per_thread}
    lost = args.accounts - len(with_reply)
    duplicates = sum(n - 1 for n in parents_per_channel.values()) + sum(
        n - 1 for n in replies_per_thread.values()
    )
    last = max((c.at for c in replies), default=float("nan")) + SLACK_LATENCY
    total = last - start
    bound = len(ok) / WORKSPACE_RATE
    reply_delays = [c.at + SLACK_LATENCY - start for c in replies]
    passed = total <= TARGET_FACTOR * bound and lost == 0 and duplicates == 0
    database = _common.database_label(args.database_url or "sqlite")
    print(
        f"Fan-out to {args.accounts} account threads in {args.accounts} channels;"
        f" fake Slack: {CHANNEL_RATE:g} msg/s per channel, {WORKSPACE_RATE:g} msg/s workspace,"
        f" {SLACK_LATENCY * 1000:.0f} ms per call; {database};"
        f" Beacon BEACON_CHANNEL_BURST={args.channel_burst:g}"
    )
    print(f"{_common.machine()}; {_common.revision()}")
    print()
    print(
        table(
            [
                "posts ok",
                "429s",
                "bound s",
                "total s",
                "ratio",
                "reply p50 s",
                "lost",
                "duplicates",
                "result",
            ],
            [
                [
                    str(len(ok)),
                    str(len(limited)),
                    f"{bound:.1f}",
                    f"{total:.1f}",
                    f"{total / bound:.2f}" if bound else "-",
                    f"{percentile(reply_delays, 50):.1f}",
                    str(lost),
                    str(duplicates),
                    "PASS" if passed else "FAIL",
                ]
            ],
        )
    )
    print()
    print(
        f"bound = {len(ok)} posts ({len(parents)} thread parents + {len(replies)} replies)"
        f" / {WORKSPACE_RATE:g} per s; target total <= {TARGET_FACTOR} x bound"
        f" = {TARGET_FACTOR * bound:.1f} s, lost 0, duplicates 0"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=300)
    parser.add_argument("--database-url", default=None, help="default: a temp SQLite file")
    parser.add_argument(
        "--channel-burst",
        type=float,
        default=1.0,
        help="Beacon's BEACON_CHANNEL_BURST; 1 matches the fake's strict per-channel limit",
    )
    parser.add_argument("--log", action="store_true", help="print the tail of Beacon's log")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="beacon-fanout-") as folder:
        run(args, Path(folder))
    return 0


if __name__ == "__main__":
    sys.exit(main())
