"""Declare-path benchmark (not a test): from the ack to a usable incident, in Slack time.

After ``/incident declare`` is acknowledged, the outbox dispatcher opens the incident in Slack:
``conversations.create``, then (in parallel) the brief (``chat.postMessage``) and the
announcement, then ``pins.add`` of the brief. The incident is usable when its brief is pinned
**and** it is announced. With Slack at ~50 ms per call, the floor is (sequential calls on that
path) x 50 ms; anything above that is Beacon: database work, claiming, wake-ups, poll sleeps.

For K (default 20) declarations made one at a time, this measures from the moment the HTTP
response (the ack) is received until both ``pins.add`` for the incident's channel and the
announcement's ``chat.postMessage`` are recorded ok by the fake Slack (recorded = the call's
arrival + the fake's latency, when the fake answers). It also counts the **sequential Slack
calls** on that path from the fake's call log: the longest chain of calls of this declaration in
which each call arrived after the previous one was answered, ending at the pin or the
announcement, whichever is later. The first declaration (cold process: ``auth.test`` and the
announce channel's ``conversations.list`` lookup are not cached yet) is reported apart from the
steady state. An optional concurrent batch (``--batch``, default 20) declares B incidents at
once and reports the same latency, for information.

Target per row: p99 <= 1.3 x sequential calls x 50 ms. Exit code is 0 either way.

Beacon runs as in the test suite (``tests.support.harness.RunningBeacon``: real HTTP, uvicorn
and the dispatcher in a thread of this process) against ``tests.fakes.slack_api.FakeSlack``.
Run: ``.venv/bin/python bench/declare_path.py [--database-url postgresql://...]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import _common
from _common import (
    SLACK_LATENCY,
    choose_config,
    declare_text,
    percentile,
    prepare_database,
    seeded_channels,
    table,
)

from app.domain.naming import slugify
from tests.fakes.slack_api import Call, FakeSlack
from tests.support.harness import RunningBeacon

DECLARATIONS = 20
BATCH = 20
BOUND_FACTOR = 1.3
PATH_TIMEOUT_S = 30.0
QUIET_S = 0.3
"""Between sequential declarations: wait until the fake has had no call for this long, so each
declaration starts from an idle Beacon and its calls are not mixed with the previous one's."""
QUIET_TIMEOUT_S = 15.0
POLL_S = 0.002


@dataclass(frozen=True)
class Path_:
    """One declaration's way from the ack to pinned + announced."""

    title: str
    sent: float
    acked: float
    channel: str
    done: float
    chain: tuple[Call, ...]
    """The longest sequential chain of Slack calls that ended at the later terminal call."""

    @property
    def latency_ms(self) -> float:
        return (self.done - self.acked) * 1000

    @property
    def calls(self) -> int:
        return len(self.chain)

    def describe(self, latency: float) -> str:
        steps = " -> ".join(
            f"{call.method} @+{(call.at - self.acked) * 1000:.0f}" for call in self.chain
        )
        end = (self.chain[-1].at + latency - self.acked) * 1000 if self.chain else 0.0
        return f"{steps} -> answered @+{end:.0f} ms"


def _key(call: Call) -> str:
    metadata = call.args.get("metadata")
    if not isinstance(metadata, dict):
        return ""
    payload = metadata.get("event_payload")
    return str(payload.get("key", "")) if isinstance(payload, dict) else ""


def _ok(calls: Sequence[Call], method: str) -> list[Call]:
    return [call for call in calls if call.method == method and call.ok]


def find_terminals(calls: Sequence[Call], title: str) -> tuple[str, Call, Call] | None:
    """(channel id, pin call, announcement call) for the incident titled ``title``, once both
    are recorded ok; None before that."""
    slug = slugify(title)
    created = [c for c in _ok(calls, "conversations.create") if slug in str(c.args.get("name"))]
    if not created:
        return None
    channel = str(created[-1].response["channel"]["id"])
    pins = [c for c in _ok(calls, "pins.add") if c.args.get("channel") == channel]
    posts = _ok(calls, "chat.postMessage")
    briefs = [c for c in posts if c.args.get("channel") == channel and _key(c)]
    if not pins or not briefs:
        return None
    prefix = _key(briefs[0]).rsplit(":", 1)[0]  # incident:<id>
    announced = [c for c in posts if _key(c) == f"{prefix}:announce"]
    if not announced:
        return None
    return channel, pins[0], announced[0]


def longest_chain(calls: Sequence[Call], end: Call, latency: float) -> tuple[Call, ...]:
    """The longest chain c1 -> ... -> end where each call arrived after the previous one was
    answered (arrival + latency). That many Slack round trips were paid one after another."""
    ordered = sorted(calls, key=lambda call: call.at)
    depth: dict[int, int] = {}
    previous: dict[int, int | None] = {}
    for index, call in enumerate(ordered):
        best, parent = 0, None
        for before in range(index):
            if ordered[before].at + latency <= call.at and depth[before] > best:
                best, parent = depth[before], before
        depth[index], previous[index] = best + 1, parent
    chain: list[Call] = []
    position: int | None = next(i for i, call in enumerate(ordered) if call is end)
    while position is not None:
        chain.append(ordered[position])
        position = previous[position]
    return tuple(reversed(chain))


def wait_for_path(
    fake: FakeSlack, title: str, sent: float, acked: float
) -> Path_:
    deadline = time.monotonic() + PATH_TIMEOUT_S
    while True:
        calls = [call for call in list(fake.calls) if call.at >= sent]
        found = find_terminals(calls, title)
        if found is not None:
            break
        if time.monotonic() > deadline:
            raise TimeoutError(f"{title!r}: not pinned and announced within {PATH_TIMEOUT_S} s")
        time.sleep(POLL_S)
    channel, pin, announce = found
    latency = fake.latency
    last = max(pin, announce, key=lambda call: call.at)
    done = last.at + latency
    # This declaration's calls: sent after its request and still unanswered when its ack came
    # (Bolt's own auth.test on a cold start is answered before the ack, so it is not counted).
    window = [c for c in calls if c.at + latency > acked and c.at <= last.at]
    chain = max(
        (longest_chain(window, end, latency) for end in (pin, announce)),
        key=len,
    )
    return Path_(title, sent, acked, channel, done, chain)


def wait_quiet(fake: FakeSlack) -> None:
    deadline = time.monotonic() + QUIET_TIMEOUT_S
    while time.monotonic() < deadline:
        calls = list(fake.calls)
        if not calls or time.monotonic() - calls[-1].at > QUIET_S + fake.latency:
            return
        time.sleep(0.05)


def declare(beacon: RunningBeacon, text: str) -> tuple[float, float]:
    """(sent, acked) monotonic times of one signed slash command; fails on a non-200 ack."""
    sent = time.monotonic()
    response = beacon.command(text, user="U0BENCH1", channel="C0GENERAL")
    acked = time.monotonic()
    if response.status_code != 200:
        raise RuntimeError(f"ack was HTTP {response.status_code}: {response.text[:200]}")
    return sent, acked


@dataclass
class Row:
    label: str
    paths: list[Path_]
    calls: int | None
    verdict_counts: bool = True

    def cells(self, latency: float) -> list[str]:
        values = [path.latency_ms for path in self.paths]
        calls = self.calls
        bound = BOUND_FACTOR * calls * latency * 1000 if calls else None
        p99 = percentile(values, 99)
        if bound is None:
            verdict = "n/a"
        elif not self.verdict_counts:
            verdict = "info: " + ("within" if p99 <= bound else "over")
        else:
            verdict = "PASS" if p99 <= bound else "FAIL"
        return [
            self.label,
            str(len(values)),
            f"{percentile(values, 50):.1f}",
            f"{p99:.1f}",
            f"{max(values):.1f}",
            str(calls) if calls else "-",
            f"{bound:.0f}" if bound else "-",
            verdict,
        ]


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--declarations", "-k", type=int, default=DECLARATIONS)
    parser.add_argument("--batch", type=int, default=BATCH, help="concurrent batch size; 0: none")
    parser.add_argument("--latency", type=float, default=SLACK_LATENCY, help="fake Slack s/call")
    parser.add_argument("--database-url", help="PostgreSQL URL (wiped!); default: temp SQLite")
    parser.add_argument(
        "--config-dir", type=Path, help="default: config/ if it loads, else the fixture"
    )
    parser.add_argument(
        "--services", help="services: of each declaration (comma list, '' for none);"
        " default checkout"
    )
    args = parser.parse_args()
    if args.declarations < 2:
        parser.error("--declarations must be at least 2 (a first run and a steady state)")

    config_dir, catalog = choose_config(args.config_dir)
    run = uuid.uuid4().hex[:6]

    def text(kind: str, number: int) -> tuple[str, str]:
        title = f"Bench {run} {kind} {number:03d} checkout errors"
        return title, declare_text(catalog, title, args.services)

    print("Declare path: ack -> brief pinned and incident announced, via the outbox dispatcher")
    print(f"  machine: {_common.machine()}")
    with tempfile.TemporaryDirectory(prefix="beacon-bench-") as tmp:
        database_url = prepare_database(args.database_url, Path(tmp))
        print(
            f"  {args.declarations} sequential declarations, then a concurrent batch of"
            f" {args.batch}; the fake Slack adds {args.latency * 1000:.0f} ms per Web API call;"
            f" {_common.database_label(database_url)}; config {config_dir}"
        )
        print(f"  command: /incident {text('seq', 1)[1]}")
        print("  Beacon and the fake Slack run in threads of this process (the test harness)")
        with (
            FakeSlack(latency=args.latency, channels=seeded_channels(catalog)) as fake,
            RunningBeacon(database_url=database_url, slack=fake, config_dir=config_dir) as beacon,
        ):
            sequential: list[Path_] = []
            for number in range(1, args.declarations + 1):
                title, command = text("seq", number)
                sent, acked = declare(beacon, command)
                sequential.append(wait_for_path(fake, title, sent, acked))
                wait_quiet(fake)

            batch: list[Path_] = []
            if args.batch > 0:
                titles = [text("batch", number) for number in range(1, args.batch + 1)]
                with ThreadPoolExecutor(max_workers=args.batch) as pool:
                    acks = list(pool.map(lambda item: declare(beacon, item[1]), titles))
                for (title, _), (sent, acked) in zip(titles, acks, strict=True):
                    batch.append(wait_for_path(fake, title, sent, acked))
                wait_quiet(fake)

    latency = args.latency
    first, steady = sequential[0], sequential[1:]
    counts = Counter(path.calls for path in steady)
    steady_calls = counts.most_common(1)[0][0]
    print()
    print(f"  first run:    {first.describe(latency)}")
    typical = min(steady, key=lambda path: abs(path.latency_ms - statistics.median(
        p.latency_ms for p in steady)))
    print(f"  steady state: {typical.describe(latency)}  (the median declaration)")
    if len(counts) > 1:
        print(f"  steady-state sequential calls varied: {dict(sorted(counts.items()))}")
    slowest = max(steady, key=lambda path: path.latency_ms)
    print(f"  slowest:      {slowest.describe(latency)}")

    rows = [
        Row("first run (cold)", [first], first.calls),
        Row(f"steady state (2..{args.declarations})", steady, steady_calls),
    ]
    if batch:
        rows.append(Row(f"concurrent batch of {args.batch}", batch, steady_calls, False))
    headers = ["declarations", "n", "p50 ms", "p99 ms", "max ms", "sequential calls",
               f"bound ms ({BOUND_FACTOR} x calls x {latency * 1000:.0f})", "result"]
    print()
    print(table(headers, [row.cells(latency) for row in rows]))
    return 0


def _unused(_: Any) -> None:  # keeps typing imports honest for readers
    pass


if __name__ == "__main__":
    sys.exit(main())
