"""Ack latency benchmark (not a test): how long Slack waits for Beacon to answer a slash command.

Slack gives a slash command 3 s to be acknowledged, and a slow ack feels broken to the person
declaring an incident. Beacon acks before it touches the database, so its ack should cost about
what Bolt's own plumbing costs. This measures exactly that comparison:

* **Beacon**: the real app (``app.bootstrap.build`` + ``create_web_app`` with its outbox
  dispatcher running), SQLite in a temp file or PostgreSQL with ``--database-url``;
* **bare Bolt**: an ``AsyncApp`` on the same stack (Starlette adapter + uvicorn, real signing
  secret verification, the same kind of Web API client) whose ``/incident`` listener only
  calls ``await ack()``.

Both talk to one fake Slack (``app.sandbox.slack_api.FakeSlack``) that adds 50 ms to every Web
API call. Each target is warmed up, then gets N (default 500) signed ``/incident declare …``
commands with distinct titles (each a real new incident for Beacon) at concurrency 50, sent as
bytes prepared beforehand over keep-alive connections (``Load``: a client light enough not to
be what is measured). The latency of one request is from just before it is sent until its HTTP
response has been read: the ack as Slack would see it.

Fairness: the load generator, the fake Slack and each server run in **separate processes**
(``bench/_servers.py``), so neither the client's nor the fake's Python work competes for the
server's GIL, and Beacon's background delivery (which keeps the fake busy) cannot slow the
client's clock; they still share the machine's cores, as a real deployment shares its host. The
servers run one at a time (bare first), each in a fresh process. Each load worker has its own
keep-alive connection, opened before the warm-up. Also reported per target: the server's CPU
time per measured request (from /proc), which is much steadier than a p99 on a small machine,
and Beacon's worker process's CPU during the burst (it holds its deliveries back while the web
process answers one, app/worker_process.py).
``--rounds R`` repeats the comparison with fresh servers and pools the samples. ``--control``
measures bare Bolt a second time after Beacon in each round: the per-round ratio bare Bolt
reaches against itself is the noise any per-round ratio of two p99s carries.

Targets: Beacon p99 <= 1.2 x bare p99 in every round (issue 13), and Beacon p99 < 300 ms.
Exit code is 0 either way.
Run: ``.venv/bin/python bench/ack_latency.py [--database-url postgresql://...]``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import gc
import itertools
import math
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import _common
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
from _servers import Child, children_cpu_seconds, cpu_seconds, server

REQUESTS = 500
CONCURRENCY = 50
WARMUP = 20
RATIO_TARGET = 1.2
ABSOLUTE_TARGET_MS = 300.0
REQUEST_TIMEOUT_S = 10.0
SETTLE_S = 1.0
"""Pause between warm-up and measurement, so warm-up connections and auth.test are settled."""
READY_TIMEOUT_S = 60.0
"""Beacon's worker process takes a second or more of CPU to start (niced): the burst waits
until it has delivered something of the warm-up's, so that Beacon is measured with its worker
at work, as it runs, not before its worker exists."""


# --- load ----------------------------------------------------------------------------------------


@dataclass
class Result:
    latencies_ms: list[float]
    errors: list[str]
    elapsed_s: float
    server_cpu_s: float = math.nan
    fake_cpu_s: float = math.nan
    worker_cpu_s: float = math.nan
    """Beacon's worker process (none for bare Bolt)."""


class Load:
    """``concurrency`` workers, each with its own keep-alive connection, sending signed commands
    as bytes built and signed before the clock starts, and reading the answers' status lines,
    headers and bodies by hand.

    The load generator must not be what is measured. With ``httpx.AsyncClient`` (one per worker)
    this process used a whole core during a burst (its CPU sampled every 10 ms: 10-14 ms per
    window) while either server used half of one: every latency was mostly the client's queue,
    both servers measured about 40 ms at p50, and a stall anywhere on the two cores moved a
    round's p99 by half. Slack's own clients are not on Beacon's host. With the requests sent as
    prepared bytes the client costs a few tens of microseconds per request and the p50 falls to
    what the servers take (docs/benchmarks.md, ninth pass).
    """

    def __init__(self, url: str, *, concurrency: int, response_url: str) -> None:
        address = urlsplit(url)
        self.host, self.port = address.hostname or "127.0.0.1", address.port or 80
        self.concurrency = concurrency
        self.response_url = response_url
        self.connections: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def connect(self) -> None:
        """Open every worker's connection, so no measured request pays for one."""
        self.connections = [
            await asyncio.open_connection(self.host, self.port) for _ in range(self.concurrency)
        ]

    async def close(self) -> None:
        for _, writer in self.connections:
            writer.close()

    def _request(self, command: str) -> bytes:
        body, headers = signed_command(
            command, trigger_id=f"bench.{uuid.uuid4().hex}", response_url=self.response_url
        )
        head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        return (
            f"POST /slack/events HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n{head}"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode() + body

    async def fire(self, texts: list[str]) -> Result:
        """Send every text as a signed ``/incident`` command; all workers start together."""
        waiting = [self._request(text) for text in reversed(texts)]
        latencies: list[float] = []
        errors: list[str] = []

        async def worker(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            while waiting:
                request = waiting.pop()
                started = time.perf_counter()
                writer.write(request)
                try:
                    status, body = await asyncio.wait_for(_response(reader), REQUEST_TIMEOUT_S)
                except (OSError, EOFError, TimeoutError) as error:
                    errors.append(repr(error))
                    return
                latencies.append((time.perf_counter() - started) * 1000)
                if status != 200:
                    errors.append(f"HTTP {status}: {body[:200]!r}")

        began = time.perf_counter()
        await asyncio.gather(*(worker(*connection) for connection in self.connections))
        return Result(latencies, errors, time.perf_counter() - began)


async def _response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """One HTTP/1.1 response with a ``Content-Length`` (uvicorn gives every answer one)."""
    if not (line := await reader.readline()):
        raise EOFError("the server closed the connection")
    status = int(line.split()[1])
    length = 0
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    return status, await reader.readexactly(length)


def measure(
    target: Child,
    fake: Child,
    texts: list[str],
    warmup: list[str],
    *,
    concurrency: int,
    response_url: str,
    delivering: Callable[[], bool] | None = None,
) -> Result:
    """Connect, warm up, wait until the server is ``delivering`` (when it can say), settle, then
    fire ``texts``; CPU is counted for the measured part."""

    async def go() -> Result:
        load = Load(target.url, concurrency=concurrency, response_url=response_url)
        try:
            await load.connect()
            warm = await load.fire(warmup)
            if warm.errors:
                print(f"    warm-up errors: {warm.errors[:3]}")
            deadline = time.monotonic() + READY_TIMEOUT_S
            while delivering is not None and not await asyncio.to_thread(delivering):
                if time.monotonic() > deadline:
                    raise SystemExit(f"the server delivered nothing in {READY_TIMEOUT_S:.0f} s")
                await asyncio.sleep(0.1)
            if delivering is not None:  # uvicorn closes connections idle for 5 s
                await load.close()
                await load.connect()
            await asyncio.sleep(SETTLE_S)
            with _no_collections():
                server_cpu, fake_cpu = cpu_seconds(target.proc.pid), cpu_seconds(fake.proc.pid)
                worker_cpu = children_cpu_seconds(target.proc.pid)
                result = await load.fire(texts)
                result.server_cpu_s = cpu_seconds(target.proc.pid) - server_cpu
                result.fake_cpu_s = cpu_seconds(fake.proc.pid) - fake_cpu
                result.worker_cpu_s = children_cpu_seconds(target.proc.pid) - worker_cpu
            return result
        finally:
            await load.close()

    return asyncio.run(go())


@contextlib.contextmanager
def _no_collections() -> Iterator[None]:
    """This process's garbage collector off while it measures: its full collections, over the
    samples and clients of earlier rounds, paused it for 180-350 ms in the middle of a burst, and
    every request in flight then looked that much slower, whichever server was being measured."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def database_counts(database_url: str) -> dict[str, int]:
    """Incidents stored and outbox items by state: each declare was real work, and how far
    delivery had got when the load ended."""
    from sqlalchemy import text

    from app.store.db import make_engine

    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            incidents = connection.execute(text("SELECT count(*) FROM incidents")).scalar_one()
            counts = {"incidents": int(incidents)}
            for state, count in connection.execute(
                text("SELECT state, count(*) FROM outbox GROUP BY state ORDER BY state")
            ):
                counts[f"outbox {state}"] = int(count)
    finally:
        engine.dispose()
    return counts


def has_delivered(database_url: str) -> bool:
    """Whether Beacon's worker has finished any delivery yet."""
    return "outbox done" in database_counts(database_url)


@dataclass
class Samples:
    """Every measured request of one target, pooled over rounds."""

    name: str
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    last: list[float] = field(default_factory=list)

    def add(self, result: Result) -> None:
        self.last = result.latencies_ms
        self.latencies_ms.extend(result.latencies_ms)
        self.errors.extend(result.errors)

    @property
    def p50(self) -> float:
        return percentile(self.latencies_ms, 50)

    @property
    def p99(self) -> float:
        return percentile(self.latencies_ms, 99)

    @property
    def max(self) -> float:
        return max(self.latencies_ms, default=math.nan)


def report(name: str, result: Result, requests: int) -> None:
    rate = requests / result.elapsed_s if result.elapsed_s else math.nan
    print(
        f"    {name}: {len(result.latencies_ms)} requests in {result.elapsed_s:.2f} s"
        f" ({rate:.0f}/s); p50 {percentile(result.latencies_ms, 50):.1f} ms,"
        f" p99 {percentile(result.latencies_ms, 99):.1f} ms; server CPU"
        f" {result.server_cpu_s * 1000 / max(requests, 1):.2f} ms/request,"
        f" fake Slack CPU {result.fake_cpu_s:.2f} s"
        + (f", worker CPU {result.worker_cpu_s:.2f} s" if result.worker_cpu_s else "")
        + f"; {len(result.errors)} errors"
    )
    for error in result.errors[:5]:
        print(f"      error: {error}")


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=REQUESTS, help="measured per target")
    parser.add_argument("--concurrency", type=int, default=CONCURRENCY)
    parser.add_argument("--warmup", type=int, default=WARMUP, help="unmeasured requests first")
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="repeat the whole comparison with fresh servers; percentiles pool all rounds",
    )
    parser.add_argument(
        "--control",
        action="store_true",
        help="bare Bolt again after Beacon in each round: bare against itself, the noise floor",
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

    config_dir, catalog = choose_config(args.config_dir)
    run = uuid.uuid4().hex[:6]
    numbers = itertools.count(1)

    def commands(count: int) -> list[str]:
        """Distinct titles, so every Beacon declaration is a new incident."""
        return [
            declare_text(catalog, f"Bench {run} {next(numbers):05d} checkout errors", args.services)
            for _ in range(count)
        ]

    print("Ack latency: signed /incident declare commands, HTTP response time (the ack)")
    print(f"  machine: {_common.machine()}; {_common.revision()}")
    print(
        f"  {args.rounds} round(s) x {args.requests} requests per target at concurrency"
        f" {args.concurrency}, each after {args.warmup} warm-up requests; the fake Slack adds"
        f" {args.latency * 1000:.0f} ms per Web API call"
    )
    print(f"  command: /incident {commands(1)[0]}")
    print(
        "  processes: each server in its own process (uvicorn, one worker, fresh per round),"
        " the fake Slack in another, the load generator (prepared HTTP/1.1 requests, one"
        " connection per worker) in this one"
    )
    bare, beacon = Samples("bare Bolt"), Samples("Beacon")
    rounds: list[tuple[float, float]] = []
    controls: list[float] = []  # each round's bare-again p99 (--control)
    with tempfile.TemporaryDirectory(prefix="beacon-bench-") as tmp:
        workdir = Path(tmp)
        fake = Child("fake", str(args.latency), *seeded_channels(catalog), log=workdir / "fake.log")
        try:
            slack_url = fake.expect("URL")
            response_url = slack_url.replace("/api/", "/response_url/bench")

            def bare_round(label: str) -> Result:
                with server("bare", slack_url, log=workdir / "bare.log") as target:
                    result = measure(
                        target,
                        fake,
                        commands(args.requests),
                        commands(args.warmup),
                        concurrency=args.concurrency,
                        response_url=response_url,
                    )
                report(label, result, args.requests)
                return result

            for number in range(1, args.rounds + 1):
                database_url = prepare_database(args.database_url, workdir / f"round{number}")
                if number == 1:
                    print(f"  Beacon: {_common.database_label(database_url)}, config {config_dir}")
                print(f"  round {number}:")
                bare.add(bare_round("bare Bolt"))
                log = workdir / f"beacon{number}.log"
                with server("beacon", slack_url, database_url, str(config_dir), log=log) as target:
                    result = measure(
                        target,
                        fake,
                        commands(args.requests),
                        commands(args.warmup),
                        concurrency=args.concurrency,
                        response_url=response_url,
                        delivering=functools.partial(has_delivered, database_url),
                    )
                    counts = database_counts(database_url)
                report("Beacon", result, args.requests)
                rounds.append((percentile(bare.last, 99), percentile(result.latencies_ms, 99)))
                print(f"    Beacon database when its load ended: {counts}")
                beacon.add(result)
                notable = [
                    line
                    for line in log.read_text().splitlines()
                    if line and not line.startswith(" ") and "Traceback" not in line
                ]
                if notable:
                    first = list(dict.fromkeys(notable))[:2]
                    print(f"    Beacon stderr: {len(notable)} lines, e.g. " + " | ".join(first))
                if args.control:
                    controls.append(percentile(bare_round("bare Bolt again").latencies_ms, 99))
        finally:
            if fake.proc.stdin is not None:
                fake.proc.stdin.close()
            with contextlib.suppress(RuntimeError):
                print(f"  fake Slack served in all: {fake.expect('CALLS', timeout=10)}")
            fake.stop()

    ratio = beacon.p99 / bare.p99 if bare.p99 else math.inf
    rows = [[t.name, f"{t.p50:.1f}", f"{t.p99:.1f}", f"{t.max:.1f}"] for t in (bare, beacon)]
    print()
    print(table(["target", "p50 ms", "p99 ms", "max ms"], rows))
    print()
    print(f"p99 ratio Beacon/bare (pooled): {ratio:.2f}")
    print()
    per_round = [
        [str(number), f"{bare_p99:.1f}", f"{beacon_p99:.1f}", f"{beacon_p99 / bare_p99:.2f}"]
        for number, (bare_p99, beacon_p99) in enumerate(rounds, start=1)
    ]
    headers = ["round", "bare p99 ms", "Beacon p99 ms", "ratio"]
    if controls:
        headers += ["bare again p99 ms", "bare again / bare"]
        for row, (bare_p99, _), again in zip(per_round, rounds, controls, strict=True):
            row += [f"{again:.1f}", f"{again / bare_p99:.2f}"]
    print(table(headers, per_round))
    print()
    passing = sum(1 for bare_p99, beacon_p99 in rounds if beacon_p99 <= RATIO_TARGET * bare_p99)
    checks = [
        (
            f"Beacon p99 <= {RATIO_TARGET} x bare p99 in every round",
            passing == len(rounds),
            f"{passing} of {len(rounds)} rounds",
        ),
        (
            f"Beacon p99 <= {RATIO_TARGET} x bare p99",
            ratio <= RATIO_TARGET,
            f"{beacon.p99:.1f} ms vs {RATIO_TARGET * bare.p99:.1f} ms",
        ),
        (
            f"Beacon p99 < {ABSOLUTE_TARGET_MS:.0f} ms",
            beacon.p99 < ABSOLUTE_TARGET_MS,
            f"{beacon.p99:.1f} ms",
        ),
    ]
    if controls:
        steady = sum(
            1
            for (bare_p99, _), again in zip(rounds, controls, strict=True)
            if again <= RATIO_TARGET * bare_p99
        )
        print(f"control: bare again <= {RATIO_TARGET} x bare in {steady} of {len(rounds)} rounds")
    for label, ok, detail in checks:
        print(f"{'PASS' if ok else 'FAIL'}: {label} ({detail})")
    if bare.errors or beacon.errors:
        print(f"FAIL: {len(bare.errors) + len(beacon.errors)} requests errored (see above)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
