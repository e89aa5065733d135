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
calls** on that path from the fake's call log: following what each call needed (the channel id
conversations.create returned, the ts of the brief that pins.add pins, the announce channel id a
conversations.list found), back from the pin and from the announcement; the longer chain counts.
Siblings that merely ran late are not counted, so a slow dispatcher cannot widen its own bound.
The first declaration (cold process: ``auth.test`` and the
announce channel's ``conversations.list`` lookup are not cached yet) is reported apart from the
steady state. An optional concurrent batch (``--batch``, default 20) declares B incidents at
once and reports the same latency, for information.

Target per row: p99 <= 1.3 x sequential calls x 50 ms. Exit code is 0 either way.

Beacon runs as ``beacon serve`` does (uvicorn, one worker, dispatcher in its event loop) in its
own process (``bench/_servers.py``), against ``app.sandbox.slack_api.FakeSlack`` running in this
process so its call log can be read; ``--in-process`` runs Beacon in a thread here instead, as
``tests.support.harness.RunningBeacon`` does (then Beacon, the fake and the poller share a GIL).
Run: ``.venv/bin/python bench/declare_path.py [--database-url postgresql://...]``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import re
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import _common
import httpx
from _common import (
    SLACK_LATENCY,
    choose_config,
    declare_text,
    percentile,
    prepare_database,
    seeded_channels,
    signed_command,
    table,
)
from _servers import server

from app.domain.naming import slugify
from tests.fakes.slack_api import Call, FakeSlack
from tests.support.harness import RunningBeacon

DECLARATIONS = 20
BATCH = 20
BOUND_FACTOR = 1.3
PATH_TIMEOUT_S = 30.0
QUIET_S = 0.3
POST_GAP_S = 1.2
"""Between sequential declarations: wait until the fake has had no call for this long, so each
declaration starts from an idle Beacon and its calls are not mixed with the previous one's."""
QUIET_TIMEOUT_S = 15.0
POLL_S = 0.01
"""How often the call log is read; it does not limit precision (times come from the log)."""


@dataclass(frozen=True)
class Opening:
    """One declaration's way from the ack to pinned + announced."""

    title: str
    sent: float
    acked: float
    channel: str
    done: float
    chain: tuple[Call, ...]
    """The calls the later of pin and announcement waited for, one after another."""
    longest: tuple[Call, ...]
    """The longer of the two chains (to the pin, to the announcement)."""

    @property
    def calls(self) -> int:
        """Sequential Slack calls the incident needed before it was usable."""
        return len(self.longest)

    @property
    def latency_ms(self) -> float:
        return (self.done - self.acked) * 1000

    def describe(self, latency: float, chain: tuple[Call, ...] | None = None) -> str:
        """A chain with each call's arrival after the ack and the wait before it was sent."""
        ready = self.acked
        steps = []
        for call in self.chain if chain is None else chain:
            steps.append(
                f"{call.method} @+{(call.at - self.acked) * 1000:.0f}"
                f" (waited {(call.at - ready) * 1000:.0f})"
            )
            ready = call.at + latency
        return " -> ".join(steps) + f" -> answered @+{(ready - self.acked) * 1000:.0f} ms"


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
    briefs = [
        c for c in posts if c.args.get("channel") == channel and _key(c).endswith(":post_brief")
    ]
    if not pins or not briefs:
        return None
    incident = _key(briefs[0]).removesuffix(":post_brief")  # the outbox key, incident:<id>
    announced = [c for c in posts if _key(c) == f"{incident}:announce"]
    if not announced:
        return None
    return channel, pins[0], announced[0]


_ID = re.compile(r"\b[CGD][A-Z0-9]{5,}\b")
_TS = re.compile(r"\b\d{9,10}\.\d{6}\b")


def _tokens(value: object) -> set[str]:
    """Conversation ids and message timestamps anywhere in a call's arguments or response.

    User ids are left out: no call on the opening path needs one another call returned, but
    responses echo members and mentions, which would invent dependencies."""
    text = json.dumps(value, default=str)
    return set(_ID.findall(text)) | set(_TS.findall(text))


def causal_chain(calls: Sequence[Call], end: Call, latency: float) -> tuple[Call, ...]:
    """The chain of calls ``end`` had to wait for, each answered before the next was sent.

    A call depends on the call that *introduced* an id or ts it uses: the earliest-answered call
    in the window whose response holds the value and whose arguments do not (conversations.create
    introduces the channel id, chat.postMessage the ts that pins.add needs, conversations.list
    the announce channel's id). A call using nothing introduced in the window (a lookup such as
    auth.test or conversations.list) depends on the declaration's first call if it was sent after
    that was answered: every opening effect waits for the channel. Timing alone would also chain
    siblings when one is merely delayed, and so hide the delay inside a larger bound.
    """
    ordered = sorted(calls, key=lambda call: call.at)
    introducer: dict[str, int] = {}
    for index in sorted(range(len(ordered)), key=lambda i: ordered[i].at):
        call = ordered[index]
        for token in _tokens(call.response) - _tokens(call.args):
            introducer.setdefault(token, index)
    depth: dict[int, int] = {}
    parent: dict[int, int | None] = {}
    for index, call in enumerate(ordered):
        parents = {
            introducer[token]
            for token in _tokens(call.args)
            if token in introducer
            and introducer[token] != index
            and ordered[introducer[token]].at + latency <= call.at
        }
        if not parents and index > 0 and ordered[0].at + latency <= call.at:
            parents = {0}
        best = max(parents, key=lambda i: depth[i], default=None)
        depth[index] = 1 + (depth[best] if best is not None else 0)
        parent[index] = best
    chain: list[Call] = []
    position: int | None = next(i for i, call in enumerate(ordered) if call is end)
    while position is not None:
        chain.append(ordered[position])
        position = parent[position]
    return tuple(reversed(chain))


def wait_for_path(
    fake: FakeSlack, title: str, sent: float, acked: float, first_call: int
) -> Opening:
    """Poll the fake's call log (from index ``first_call`` on) until the incident is usable."""
    deadline = time.monotonic() + PATH_TIMEOUT_S
    while True:
        calls = [call for call in fake.calls[first_call:] if call.at >= sent]
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
    chains = {end.method: causal_chain(window, end, latency) for end in (pin, announce)}
    longest = max(chains.values(), key=len)
    return Opening(title, sent, acked, channel, done, chains[last.method], longest)


def wait_quiet(fake: FakeSlack) -> None:
    """Until Slack has been idle a moment and its last post is ``POST_GAP_S`` old: every
    declaration posts in the announce channel, and Beacon paces posts per channel to Slack's one
    a second, so declaring faster would measure that pacing instead of the path."""
    deadline = time.monotonic() + QUIET_TIMEOUT_S
    while time.monotonic() < deadline:
        calls = list(fake.calls)
        posts = [call.at for call in calls if call.method == "chat.postMessage"]
        now = time.monotonic()
        idle = not calls or now - calls[-1].at > QUIET_S + fake.latency
        if idle and (not posts or now - posts[-1] > POST_GAP_S):
            return
        time.sleep(0.05)


class Declarer(Protocol):
    def __call__(self, text: str) -> tuple[float, float]:
        """(sent, acked) monotonic times of one signed ``/incident`` slash command."""
        ...


def _checked(response: httpx.Response) -> None:
    if response.status_code != 200:
        raise RuntimeError(f"ack was HTTP {response.status_code}: {response.text[:200]}")


@contextlib.contextmanager
def beacon_in_process(fake: FakeSlack, database_url: str, config_dir: Path) -> Iterator[Declarer]:
    """Beacon as the test suite runs it: uvicorn and the dispatcher in a thread of this process,
    sharing its GIL with the fake Slack and with the polling here."""
    with RunningBeacon(database_url=database_url, slack=fake, config_dir=config_dir) as beacon:

        def declare(text: str) -> tuple[float, float]:
            sent = time.monotonic()
            response = beacon.command(text, user="U0BENCH1", channel="C0GENERAL")
            acked = time.monotonic()
            _checked(response)
            return sent, acked

        yield declare


@contextlib.contextmanager
def beacon_subprocess(
    fake: FakeSlack, database_url: str, config_dir: Path, log: Path
) -> Iterator[Declarer]:
    """Beacon as ``beacon serve`` runs it, in its own process; the fake Slack stays here so its
    call log can be read."""
    with (
        server("beacon", fake.url, database_url, str(config_dir), log=log) as child,
        httpx.Client(base_url=child.url, timeout=PATH_TIMEOUT_S) as http,
    ):

        def declare(text: str) -> tuple[float, float]:
            body, headers = signed_command(
                text,
                trigger_id=f"bench.{uuid.uuid4().hex}",
                response_url=fake.response_url(uuid.uuid4().hex[:8]),
            )
            sent = time.monotonic()
            response = http.post("/slack/events", content=body, headers=headers)
            acked = time.monotonic()
            _checked(response)
            return sent, acked

        yield declare


class LogCounter(logging.Handler):
    """Keeps the app's warnings out of the table; main() prints a short summary instead."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(f"{record.name}: {record.getMessage()[:160]}")


@dataclass
class Row:
    label: str
    paths: list[Opening]
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
    parser.add_argument(
        "--in-process",
        action="store_true",
        help="run Beacon in a thread of this process, as tests/support/harness.py does",
    )
    parser.add_argument("--latency", type=float, default=SLACK_LATENCY, help="fake Slack s/call")
    parser.add_argument("--database-url", help="PostgreSQL URL (wiped!); default: temp SQLite")
    parser.add_argument(
        "--config-dir", type=Path, help="default: config/ if it loads, else the fixture"
    )
    parser.add_argument(
        "--services",
        help="services: of each declaration (comma list, '' for none); default checkout",
    )
    args = parser.parse_args()
    if args.declarations < 2:
        parser.error("--declarations must be at least 2 (a first run and a steady state)")

    log = LogCounter()
    logging.basicConfig(level=logging.WARNING, handlers=[log], force=True)
    config_dir, catalog = choose_config(args.config_dir)
    run = uuid.uuid4().hex[:6]

    def text(kind: str, number: int) -> tuple[str, str]:
        title = f"Bench {run} {kind} {number:03d} checkout errors"
        return title, declare_text(catalog, title, args.services)

    print("Declare path: ack -> brief pinned and incident announced, via the outbox dispatcher")
    print(f"  machine: {_common.machine()}; {_common.revision()}")
    with tempfile.TemporaryDirectory(prefix="beacon-bench-") as tmp:
        database_url = prepare_database(args.database_url, Path(tmp))
        print(
            f"  {args.declarations} sequential declarations, then a concurrent batch of"
            f" {args.batch}; the fake Slack adds {args.latency * 1000:.0f} ms per Web API call;"
            f" {_common.database_label(database_url)}; config {config_dir}"
        )
        print(f"  command: /incident {text('seq', 1)[1]}")
        if args.in_process:
            print("  Beacon, the fake Slack and this poller share one process (the test harness)")
        else:
            print(
                "  Beacon runs in its own process (uvicorn, one worker, as `beacon serve`); the"
                " fake Slack and this poller in this one"
            )
        with FakeSlack(latency=args.latency, channels=seeded_channels(catalog)) as fake:
            running = (
                beacon_in_process(fake, database_url, config_dir)
                if args.in_process
                else beacon_subprocess(fake, database_url, config_dir, Path(tmp) / "beacon.log")
            )
            with running as declare:
                sequential: list[Opening] = []
                for number in range(1, args.declarations + 1):
                    title, command = text("seq", number)
                    first_call = len(fake.calls)
                    sent, acked = declare(command)
                    sequential.append(wait_for_path(fake, title, sent, acked, first_call))
                    wait_quiet(fake)

                batch: list[Opening] = []
                if args.batch > 0:
                    titles = [text("batch", number) for number in range(1, args.batch + 1)]
                    first_call = len(fake.calls)
                    with ThreadPoolExecutor(max_workers=args.batch) as pool:
                        acks = list(pool.map(lambda item: declare(item[1]), titles))
                    for (title, _), (sent, acked) in zip(titles, acks, strict=True):
                        batch.append(wait_for_path(fake, title, sent, acked, first_call))
                    wait_quiet(fake)
            if not args.in_process:
                log.records.extend(
                    line
                    for line in (Path(tmp) / "beacon.log").read_text().splitlines()
                    if "failed for good" in line or "ERROR" in line or "Traceback" in line
                )

    if log.records:
        print(f"  Beacon logged {len(log.records)} warnings/errors meanwhile, e.g.:")
        for message in list(dict.fromkeys(log.records))[:3]:
            print(f"    {message}")
    latency = args.latency
    first, steady = sequential[0], sequential[1:]
    counts = Counter(path.calls for path in steady)
    steady_calls = counts.most_common(1)[0][0]
    print()
    print(f"  first run:    {first.describe(latency)}")
    median = statistics.median(path.latency_ms for path in steady)
    typical = min(steady, key=lambda path: abs(path.latency_ms - median))
    print(f"  steady state: {typical.describe(latency)}  (the median declaration)")
    if len(counts) > 1:
        print(f"  steady-state sequential calls varied: {dict(sorted(counts.items()))}, e.g.:")
        odd = next(path for path in steady if path.calls != steady_calls)
        print(f"    {odd.describe(latency, odd.longest)}")
    slowest = max(steady, key=lambda path: path.latency_ms)
    print(f"  slowest:      {slowest.describe(latency)}")
    ack_ms = [(path.acked - path.sent) * 1000 for path in steady]
    wait_ms = [(path.done - path.sent) * 1000 for path in steady]
    print(
        f"  steady state from the command sent: ack p50 {percentile(ack_ms, 50):.1f} ms, usable"
        f" p50 {percentile(wait_ms, 50):.1f} ms (what the declarer waits for in all)"
    )

    rows = [
        Row("first run (cold)", [first], first.calls),
        Row(f"steady state (2..{args.declarations})", steady, steady_calls),
    ]
    if batch:
        rows.append(Row(f"concurrent batch of {args.batch}", batch, steady_calls, False))
    headers = [
        "declarations",
        "n",
        "p50 ms",
        "p99 ms",
        "max ms",
        "sequential calls",
        f"bound ms ({BOUND_FACTOR} x calls x {latency * 1000:.0f})",
        "result",
    ]
    print()
    print(table(headers, [row.cells(latency) for row in rows]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
