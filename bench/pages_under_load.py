"""Pages under load (not a test): page DMs against a fake Slack enforcing every method's tier.

The fake Slack (``tests.fakes.slack_api.FakeSlack``, in this process so its call log can be
read) rate-limits every Web API method at its Slack tier, per minute with a minute's burst
(conversations.create Tier 2 = 20/min, conversations.open and chat.update Tier 3 = 50/min,
views.publish Tier 4 = 100/min), and chat.postMessage at 1 message/s per channel (burst 3) and
20 messages/s for the workspace (app/sandbox/rate_limits.py), answering 429 with Retry-After
beyond; 50 ms per call. Beacon runs as ``beacon serve`` does, in its own process.

A generated configuration has 20 services, each owned by its own team (two people in the
rotation and a manager: 60 people): SEV1 pages on-call, secondary and manager, SEV2 on-call and
manager, SEV3 on-call. Every declaration names four services. Beacon has never DMed any of them:
each first DM needs conversations.open (Tier 3), later ones use the remembered DM id.

1. **App Home viewers.** Five SEV1 declarations, 4 s apart, with 0 and then with 1,000 people
   who opened Beacon's App Home (each declaration republishes every viewer's Home through
   views.publish, Tier 4). Measured: from sending the declaration until the fake Slack recorded
   its last page DM (arrival + latency). Target: the median with 1,000 viewers <= 1.2x the median
   with none; 0 pages lost.
2. **200 declarations in 30 s**, severities mixed (seeded), one every 0.15 s. Measured: from the
   first declaration until the last page DM. Bound: every page DM at the workspace's posting
   limit (DMs / 20 s). Target: total <= 1.2x bound, 0 pages lost, 0 duplicated, pages most
   severe first (median delay from declaration to DM SEV1 < SEV2 < SEV3). Shown, not part of
   the verdict: "inversions" counts DMs sent while a page of a more severe incident declared at
   least 1 s earlier still waited with its DM channel free (Slack's one post a second per
   channel can hold a page to someone paged a moment ago, and a first DM waits for its
   conversations.open, Tier 3).

Exit code is 0 either way. Run: ``.venv/bin/python bench/pages_under_load.py
[--declarations 200] [--viewers 1000] [--database-url postgresql://...]``.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import _common
import httpx
from _common import SLACK_LATENCY, percentile, prepare_database, signed_command, table
from _servers import server
from sqlalchemy import func, insert, select

from app.sandbox.rate_limits import WORKSPACE_RATE
from app.store.db import READ_ONLY, make_engine
from app.store.models import HomeViewer, Incident, Page
from tests.fakes.slack_api import FakeSlack

TEAMS = 20
SERVICES_PER_DECLARATION = 4
TARGET_FACTOR = 1.2
DECLARER = "U0BENCHIC"
CHANNELS = ("incidents", "cs-incidents", "general")
PAGED = re.compile(r"^You are paged for INC-(\d+) · (SEV\d) ·")
POLICY = """\
workspace:
  announce_channel: "#incidents"
  cs_channel: "#cs-incidents"
  channel_prefix: inc
  approvers: []
  execs: []
  remind_before: 5m
severities:
  SEV1: {label: Critical, ack_within: 5m, update_every: 30m, page: [oncall, secondary, manager]}
  SEV2: {label: Major, ack_within: 15m, update_every: 1h, page: [oncall, manager]}
  SEV3: {label: Minor, ack_within: 1h, update_every: null, page: [oncall]}
impact_matrix:
  value: {high: 500000, medium: 100000}
  exposure: {high: 10000, medium: 1000}
  dependence: {critical: 3, high: 2, standard: 1}
  tiers: {1: 8, 2: 6, 3: 0}
tiers:
  1: {thread: true}
  2: {thread: true}
  3: {thread: false}
escalation: []
"""


def write_config(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "policy.yaml").write_text(POLICY)
    teams = {
        f"t{n:02d}": {
            "name": f"Team {n:02d}",
            "manager": f"U0M{n:02d}",
            "oncall": {
                "timezone": "UTC",
                "handoff": "mon 09:00",
                "start": "2026-01-05",
                "rotation": [f"U0T{n:02d}A", f"U0T{n:02d}B"],
            },
        }
        for n in range(TEAMS)
    }
    services = {
        f"s{n:02d}": {"name": f"Service {n:02d}", "team": f"t{n:02d}", "depends_on": []}
        for n in range(TEAMS)
    }
    (folder / "services.yaml").write_text(json.dumps({"teams": teams, "services": services}))
    (folder / "accounts.yaml").write_text(json.dumps({"accounts": {}}))


def services_for(rng: random.Random) -> str:
    return ", ".join(f"s{n:02d}" for n in sorted(rng.sample(range(TEAMS), 4)))


@dataclass
class PageDm:
    incident: int
    severity: str
    channel: str
    at: float


def page_dms(fake: FakeSlack) -> list[PageDm]:
    """Every page DM Slack accepted, with its arrival (plus the fake's latency)."""
    found = []
    for call in list(fake.calls):
        if call.method != "chat.postMessage" or not call.ok:
            continue
        if match := PAGED.match(str(call.args.get("text", ""))):
            channel = str(call.response["channel"])
            found.append(PageDm(int(match[1]), match[2], channel, call.at + SLACK_LATENCY))
    return found


def wait_for(check: object, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


class Client:
    def __init__(self, url: str, fake: FakeSlack) -> None:
        self.http = httpx.Client(base_url=url, timeout=30)
        self.fake = fake
        self.sent = 0

    def declare(self, severity: str, title: str, services: str) -> float:
        """Send the declaration; returns when it was sent (``time.monotonic``)."""
        self.sent += 1
        body, headers = signed_command(
            f"declare {severity} {title} services: {services}",
            trigger_id=f"{self.sent}.{time.monotonic_ns()}.pages",
            response_url=self.fake.response_url(f"pages{self.sent}"),
            user=DECLARER,
        )
        sent = time.monotonic()
        self.http.post("/slack/events", content=body, headers=headers).raise_for_status()
        return sent


class Pages:
    """Pages per incident number, read from Beacon's database without taking its write lock."""

    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)

    def stored(self) -> dict[int, int]:
        with self.engine.connect() as connection:
            connection.execution_options(**{READ_ONLY: True})
            rows = connection.execute(
                select(Incident.number, func.count(Page.id))
                .join(Page, Page.incident_id == Incident.id)
                .group_by(Incident.number)
            )
            return {int(number): int(count) for number, count in rows}


def seed_viewers(url: str, count: int) -> None:
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            now = datetime.now(UTC)
            rows = [{"user_id": f"U0VIEW{n:04d}", "opened_at": now} for n in range(count)]
            if rows:
                connection.execute(insert(HomeViewer), rows)
    finally:
        engine.dispose()


def method_counts(fake: FakeSlack, status: int) -> str:
    counts = Counter(call.method for call in list(fake.calls) if call.status == status)
    return ", ".join(f"{method} {n}" for method, n in counts.most_common()) or "none"


def home_viewers(args: argparse.Namespace, workdir: Path, viewers: int) -> list[str]:
    config = workdir / "config"
    write_config(config)
    with FakeSlack(
        latency=SLACK_LATENCY, channels=("incidents", "cs-incidents", "general")
    ) as fake:
        url = prepare_database(args.database_url, workdir / f"home{viewers}")
        seed_viewers(url, viewers)
        pages = Pages(url)
        log = workdir / "beacon-home.log"
        with server("beacon", fake.url, url, str(config), log=log) as child:
            client = Client(child.url, fake)
            rng = random.Random(7)
            delays, lost = [], 0
            for round_ in range(1, args.rounds + 1):
                sent = client.declare("SEV1", f"Home load {round_}", services_for(rng))
                wait_for(lambda n=round_: pages.stored().get(n, 0) > 0, 10)
                expected = pages.stored().get(round_, 0)
                wait_for(lambda n=round_, e=expected: len(mine(page_dms(fake), n)) >= e, 60)
                dms = mine(page_dms(fake), round_)
                lost += max(0, expected - len({dm.channel for dm in dms}))
                delays.append(max((dm.at for dm in dms), default=float("nan")) - sent)
                time.sleep(args.gap)
            publishes = len(fake.calls_to("views.publish"))
            limited = method_counts(fake, 429)
    median = statistics.median(delays)
    return [
        str(viewers),
        str(args.rounds),
        f"{median:.2f}",
        f"{max(delays):.2f}",
        str(lost),
        str(publishes),
        limited,
    ]


def mine(dms: list[PageDm], number: int) -> list[PageDm]:
    return [dm for dm in dms if dm.incident == number]


def storm(args: argparse.Namespace, workdir: Path) -> list[str]:
    config = workdir / "config"
    write_config(config)
    rng = random.Random(11)
    with FakeSlack(
        latency=SLACK_LATENCY, channels=("incidents", "cs-incidents", "general")
    ) as fake:
        url = prepare_database(args.database_url, workdir / "storm")
        pages = Pages(url)
        with server(
            "beacon", fake.url, url, str(config), log=workdir / "beacon-storm.log"
        ) as child:
            client = Client(child.url, fake)
            declared: dict[int, tuple[float, str]] = {}
            interval = args.window / args.declarations
            start = time.monotonic()
            for n in range(1, args.declarations + 1):
                severity = rng.choice(("SEV1", "SEV2", "SEV3"))
                at = client.declare(severity, f"Storm {n}", services_for(rng))
                declared[n] = (at, severity)
                time.sleep(max(0.0, start + n * interval - time.monotonic()))
            wait_for(lambda: len(pages.stored()) >= args.declarations, 30)
            expected = pages.stored()
            total_pages = sum(expected.values())
            limit = total_pages / WORKSPACE_RATE * 3 + 60
            wait_for(lambda: len(page_dms(fake)) >= total_pages, limit)
            time.sleep(3.0)  # anything sent twice would arrive now
            dms = page_dms(fake)
            limited = method_counts(fake, 429)
    first = min(at for at, _ in declared.values())
    per_page = Counter((dm.incident, dm.channel) for dm in dms)
    duplicates = sum(n - 1 for n in per_page.values())
    lost = total_pages - len(per_page)
    last = max((dm.at for dm in dms), default=float("nan"))
    total = last - first
    bound = total_pages / WORKSPACE_RATE
    delays = {
        severity: [dm.at - declared[dm.incident][0] for dm in dms if dm.severity == severity]
        for severity in ("SEV1", "SEV2", "SEV3")
    }
    medians = [percentile(delays[s], 50) for s in delays]
    ordered = medians == sorted(medians)
    passed = total <= TARGET_FACTOR * bound and lost == 0 and duplicates == 0 and ordered
    return [
        str(args.declarations),
        str(total_pages),
        f"{bound:.1f}",
        f"{total:.1f}",
        f"{total / bound:.2f}",
        str(lost),
        str(duplicates),
        str(inversions(dms, declared)),
        " / ".join(f"{median:.1f}" for median in medians),
        " / ".join(f"{max(delays[s], default=float('nan')):.1f}" for s in delays),
        limited,
        "pass" if passed else "FAIL",
    ]


def inversions(dms: list[PageDm], declared: dict[int, tuple[float, str]]) -> int:
    """DMs sent while a page of a more severe incident, declared >= 1 s earlier, still waited
    although its DM channel was free (no DM there in the second before: Slack allows one a
    second per channel, so a page to someone paged a moment ago must wait)."""
    rank = {"SEV1": 0, "SEV2": 1, "SEV3": 2}
    by_channel: dict[str, list[float]] = {}
    for dm in dms:
        by_channel.setdefault(dm.channel, []).append(dm.at)

    def free(channel: str, at: float) -> bool:
        """Nothing holds a page to ``channel`` at ``at``: not Slack's one post a second there,
        nor the first contact's conversations.open (Tier 3) still to come."""
        sent = by_channel[channel]
        return min(sent) <= at and not any(at - 1.05 < other <= at for other in sent)

    pages = [(declared[dm.incident][0], rank[dm.severity], dm.at, dm.channel) for dm in dms]
    count = 0
    for _, level, sent, _ in pages:
        count += any(
            other < level and since <= sent - 1.0 and other_sent > sent and free(channel, sent)
            for since, other, other_sent, channel in pages
        )
    return count


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--viewers", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--gap", type=float, default=4.0, help="seconds between SEV1s")
    parser.add_argument("--declarations", type=int, default=200)
    parser.add_argument("--window", type=float, default=30.0, help="seconds they arrive in")
    parser.add_argument("--database-url", default=None, help="PostgreSQL to use (wiped)")
    parser.add_argument("--only", choices=("home", "storm"), default=None)
    args = parser.parse_args(argv)
    database = _common.database_label(args.database_url or "sqlite")
    print(
        "Page DMs under every method's tier limit; fake Slack: chat.postMessage 1 msg/s per"
        f" channel (burst 3), {WORKSPACE_RATE:g} msg/s workspace, Tier 1-4 per method,"
        f" {SLACK_LATENCY * 1000:.0f} ms per call; {database}"
    )
    print(f"{_common.machine()}; {_common.revision()}")
    with tempfile.TemporaryDirectory(prefix="beacon-pages-") as folder:
        workdir = Path(folder)
        if args.only in (None, "home"):
            rows = [home_viewers(args, workdir, viewers) for viewers in (0, args.viewers)]
            ratio = float(rows[1][2]) / float(rows[0][2])
            print()
            print(
                table(
                    ["Home viewers", "SEV1s", "p50 s", "max s", "lost", "views.publish", "429s"],
                    rows,
                )
            )
            verdict = "pass" if ratio <= TARGET_FACTOR and rows[1][4] == "0" else "FAIL"
            print(f"\n{args.viewers} viewers / none (p50): {ratio:.2f}, target <= 1.2: {verdict}")
        if args.only in (None, "storm"):
            print()
            print(
                table(
                    [
                        "declarations",
                        "page DMs",
                        "bound s",
                        "total s",
                        "ratio",
                        "lost",
                        "duplicated",
                        "inversions",
                        "p50 s SEV1/2/3",
                        "max s SEV1/2/3",
                        "429s",
                        "result",
                    ],
                    [storm(args, workdir)],
                )
            )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
