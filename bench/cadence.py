"""Cadence benchmark (not a test): are reminders on time with 1,000 open incidents and two workers?

N open incidents (default 1,000) are stored directly through the app's store layer, each with its
own channel in the fake Slack and one pending ``nudge`` timer (the reminder ``app/services/
cadence.py`` schedules before an update is due), the due times spread at random (fixed seed) over
60 s starting a few seconds after the workers are up. Two ``beacon worker`` processes run against
one PostgreSQL database, as the Procfile's ``worker`` does, and deliver the nudges to
``tests.fakes.slack_api.FakeSlack`` (50 ms per call) running in this process.

Lateness of a reminder = when the fake Slack has the nudge (its ``chat.postMessage`` arrival +
the fake's latency) - the timer's due time. Matched by the delivery marker each post carries
(``incident:<id>:notice:cadence:<timer id>``). Target: p99 <= 2 s and 0 duplicates (a nudge
posted twice); lost (never posted within 30 s after the last due time) is shown too.

The workers poll timers every ``BEACON_TIMER_INTERVAL`` (default 1 s, the app's default), so
about half a second of median lateness is the poll itself. Exit code is 0 either way.
Run: ``.venv/bin/python bench/cadence.py [--database-url postgresql://...bench]``. The database
is wiped (see docs/benchmarks.md); use one of your own.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import _common
from _common import BOT_TOKEN, FIXTURE_CONFIG, SLACK_LATENCY, percentile, prepare_database, table

from app.cadence.policy import NUDGE
from app.catalog.loader import load_catalog
from app.routing.assessment import RoutingIndex, assess
from app.services.context import store_assessment
from app.store.db import UnitOfWork, make_engine
from app.store.models import Incident, Timer
from tests.fakes.slack_api import Call, FakeSlack

SEED = 20261201
SPREAD_S = 60.0
LEAD_S = 8.0
"""Seconds from starting the workers to the first possible due time: their start-up."""
GRACE_S = 30.0
P99_TARGET_S = 2.0
DEFAULT_DATABASE = "postgresql://postgres@127.0.0.1:5432/bench"
MARKER = "notice:cadence:"


def channel_name(index: int) -> str:
    return f"cad-{index:04d}"


def seed(url: str, fake: FakeSlack, count: int, first_due: datetime) -> dict[int, datetime]:
    """Open incidents with one nudge each; returns timer id -> due time."""
    rng = random.Random(SEED)
    engine = make_engine(url)
    uow = UnitOfWork(engine)
    due: dict[int, datetime] = {}
    now = datetime.now(UTC)
    impact = assess(RoutingIndex.build(load_catalog(FIXTURE_CONFIG)), "P3", ("auth",), ())
    with uow() as session:
        for index in range(count):
            channel = fake.channel_by_name(channel_name(index))
            assert channel is not None
            at = first_due + timedelta(seconds=rng.uniform(0, SPREAD_S))
            next_due = at + timedelta(minutes=5)
            incident = Incident(
                number=index + 1,
                request_key=f"bench:cadence:{index}",
                title=f"Cadence bench {index}",
                status="investigating",
                accounts=[],
                declared_by="U0BENCH1",
                commander="U0BENCH1",
                channel_id=channel.id,
                channel_name=channel.name,
                declared_at=now,
                next_update_due=next_due,
            )
            store_assessment(incident, impact)
            session.add(incident)
            session.flush()
            timer = Timer(
                incident_id=incident.id,
                kind=NUDGE,
                due_at=at,
                state="pending",
                data={"due": next_due.isoformat()},
                created_at=now,
            )
            session.add(timer)
            session.flush()
            due[timer.id] = at
        session.commit()
    engine.dispose()
    return due


def start_workers(
    count: int, url: str, slack_url: str, workdir: Path, interval: float
) -> list[subprocess.Popen[bytes]]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SLACK_", "DATABASE_URL", "BEACON_"))
    }
    env.update(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_API_URL=slack_url,
        DATABASE_URL=url,
        BEACON_CONFIG_DIR=str(FIXTURE_CONFIG),
        BEACON_TIMER_INTERVAL=str(interval),
        LOG_LEVEL="warning",
    )
    beacon = Path(sys.executable).with_name("beacon")
    return [
        subprocess.Popen(
            [str(beacon), "worker"],
            env=env,
            cwd=workdir,  # no stray .env
            stdout=subprocess.DEVNULL,
            stderr=(workdir / f"worker-{n}.log").open("w"),
        )
        for n in range(count)
    ]


def stop(workers: list[subprocess.Popen[bytes]]) -> None:
    for worker in workers:
        worker.send_signal(signal.SIGINT)
    for worker in workers:
        try:
            worker.wait(15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(15)


def timer_of(key: str) -> int | None:
    _, found, rest = key.partition(MARKER)
    return int(rest) if found and rest.isdigit() else None


def run(args: argparse.Namespace, workdir: Path) -> None:
    names = [channel_name(i) for i in range(args.incidents)]
    with FakeSlack(latency=SLACK_LATENCY, channels=("incidents", "cs-incidents", *names)) as fake:
        url = prepare_database(args.database_url, workdir)
        wall_minus_monotonic = time.time() - time.monotonic()
        first_due = datetime.now(UTC) + timedelta(seconds=LEAD_S)
        due = seed(url, fake, args.incidents, first_due)
        workers = start_workers(args.workers, url, fake.url, workdir, args.timer_interval)
        try:
            deadline = max(due.values()) + timedelta(seconds=GRACE_S)
            while datetime.now(UTC) < deadline:
                posted = {
                    t
                    for c in fake.calls_to("chat.postMessage")
                    if c.ok and (t := timer_of(_key(c)))
                }
                if len(posted) >= len(due):
                    time.sleep(2.0)  # a duplicate would arrive now
                    break
                time.sleep(0.5)
        finally:
            stop(workers)
        report(args, fake.calls_to("chat.postMessage"), due, wall_minus_monotonic, workdir)


def _key(call: object) -> str:
    metadata = getattr(call, "args", {}).get("metadata") or {}
    return str((metadata.get("event_payload") or {}).get("key") or "")


def report(
    args: argparse.Namespace,
    calls: list[Call],
    due: dict[int, datetime],
    wall_minus_monotonic: float,
    workdir: Path,
) -> None:
    posts: Counter[int] = Counter()
    first: dict[int, float] = {}
    for call in calls:
        timer = timer_of(_key(call))
        if timer is None or not call.ok:
            continue
        posts[timer] += 1
        arrived = call.at + SLACK_LATENCY + wall_minus_monotonic
        first[timer] = min(first.get(timer, arrived), arrived)
    lateness = [first[t] - due[t].timestamp() for t in first if t in due]
    duplicates = sum(n - 1 for n in posts.values())
    lost = len(due) - len(first)
    p50, p99 = percentile(lateness, 50), percentile(lateness, 99)
    passed = p99 <= P99_TARGET_S and duplicates == 0 and lost == 0
    print(
        f"{args.incidents} open incidents, nudges due over {SPREAD_S:.0f} s,"
        f" {args.workers} x `beacon worker` (timer poll {args.timer_interval:g} s),"
        f" {_common.database_label(args.database_url)}, fake Slack {SLACK_LATENCY * 1000:.0f} ms"
    )
    print(f"{_common.machine()}; {_common.revision()}")
    print()
    print(
        table(
            ["nudges", "p50 s", "p99 s", "max s", "min s", "lost", "duplicates", "result"],
            [
                [
                    str(len(due)),
                    f"{p50:.2f}",
                    f"{p99:.2f}",
                    f"{max(lateness, default=float('nan')):.2f}",
                    f"{min(lateness, default=float('nan')):.2f}",
                    str(lost),
                    str(duplicates),
                    "PASS" if passed else "FAIL",
                ]
            ],
        )
    )
    print()
    print(f"target: p99 <= {P99_TARGET_S:g} s, 0 duplicates (and nothing lost)")
    for log in sorted(workdir.glob("worker-*.log")):
        errors = [line for line in log.read_text().splitlines() if "Traceback" in line]
        if errors:
            print(f"note: {log.name} has {len(errors)} traceback(s); use --keep to read it")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--incidents", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timer-interval", type=float, default=1.0)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE, help="wiped before the run")
    parser.add_argument("--keep", action="store_true", help="keep the worker logs")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="beacon-cadence-")
    try:
        run(args, Path(folder))
    finally:
        if args.keep:
            print(f"worker logs kept in {folder}")
        else:
            for path in Path(folder).iterdir():
                path.unlink()
            Path(folder).rmdir()
    return 0


if __name__ == "__main__":
    sys.exit(main())
