"""Hostile input, timed: what issue 11 measured against a running Beacon, measured again.

1. "Did you mean" over 500 unknown account names with 10,000 accounts: the sender's ack, and
   meanwhile other people's `/incident help` and `GET /healthz` (issue 11: 9 s and 8 s).
2. Five 200 MB POSTs: Beacon's resident memory before and after (issue 11: 97 MB to 1.5 GB).
   That no body is logged is a test (tests/e2e/test_hostile_input.py), not a timing.

Beacon runs as `beacon serve` does, in its own process (bench/_servers.py), on temp SQLite, with
the fake Slack in another process. Prints a table with PASS/FAIL per target; exits 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import tempfile
import time
from pathlib import Path

import _common
import httpx
from _common import FIXTURE_CONFIG, percentile, prepare_database, seeded_channels, signed_command
from _servers import Child, server

from app.catalog.loader import load_catalog

ACCOUNTS = 10_000
UNKNOWN = 500
ROUNDS = 5
OTHERS = 20
"""`/incident help` and `/healthz` requests sent by others while each mistyped declaration runs."""


def big_config(folder: Path) -> Path:
    for source in FIXTURE_CONFIG.iterdir():
        (folder / source.name).write_text(source.read_text())
    with (folder / "accounts.yaml").open("a") as accounts:
        for n in range(ACCOUNTS):
            accounts.write(
                f"  customer-{n:05d}: {{name: Customer {n:05d}, arr: 1000, users: 10,"
                f" dependence: standard, uses: [search], liaison: U0CS2}}\n"
            )
    return folder


async def timed(client: httpx.AsyncClient, method: str, path: str, **kwargs: object) -> float:
    started = time.perf_counter()
    response = await client.request(method, path, **kwargs)  # type: ignore[arg-type]
    response.raise_for_status()
    return (time.perf_counter() - started) * 1000


async def suggestions(url: str, response_url: str) -> tuple[list[float], list[float], list[float]]:
    names = ",".join(f"x{n}" for n in range(UNKNOWN))
    senders: list[float] = []
    helps: list[float] = []
    healths: list[float] = []
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        for round_ in range(ROUNDS):
            body, headers = signed_command(
                f"declare P3 Search slow accounts: {names}",
                trigger_id=f"1.{round_}.mistyped",
                response_url=response_url,
            )
            sender = asyncio.create_task(
                timed(client, "POST", "/slack/events", content=body, headers=headers)
            )
            for n in range(OTHERS):
                body, headers = signed_command(
                    "help", trigger_id=f"2.{round_}.{n}", response_url=response_url, user="U0OTHER"
                )
                helps.append(
                    await timed(client, "POST", "/slack/events", content=body, headers=headers)
                )
                healths.append(await timed(client, "GET", "/healthz"))
            senders.append(await sender)
    return senders, helps, healths


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def oversized(url: str) -> int:
    """POST 200 MB, as fast as Beacon takes it; how many bytes it took before it answered."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(
            b"POST /slack/events HTTP/1.1\r\nHost: beacon\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: 209715200\r\n\r\n"
        )
        sent = 0
        with contextlib.suppress(OSError):
            while sent < 209715200:
                conn.sendall(b"x" * 65536)
                sent += 65536
        with contextlib.suppress(OSError):
            conn.recv(1024)
    return sent


def main() -> int:
    print("Hostile input: suggestion work and oversized or forged bodies against `beacon serve`")
    print(f"  machine: {_common.machine()}; {_common.revision()}")
    with tempfile.TemporaryDirectory(prefix="beacon-bench-") as tmp:
        workdir = Path(tmp)
        (workdir / "config").mkdir()
        config = big_config(workdir / "config")
        catalog = load_catalog(config)
        fake = Child("fake", "0.0", *seeded_channels(catalog), log=workdir / "fake.log")
        try:
            slack_url = fake.expect("URL")
            response_url = slack_url.replace("/api/", "/response_url/bench")
            database_url = prepare_database(None, workdir / "db")
            log = workdir / "beacon.log"
            with server("beacon", slack_url, database_url, str(config), log=log) as target:
                senders, helps, healths = asyncio.run(suggestions(target.url, response_url))
                pid = target.proc.pid
                rss_before = rss_mb(pid)
                taken = max(oversized(target.url) for _ in range(5))
                rss_after = rss_mb(pid)
        finally:
            if fake.proc.stdin is not None:
                fake.proc.stdin.close()
            fake.stop()

    def verdict(ok: bool) -> str:
        return "PASS" if ok else "FAIL"

    p99_help, p99_health = percentile(helps, 99), percentile(healths, 99)
    rows = [
        [
            f"sender's ack, {UNKNOWN} unknown of {ACCOUNTS:,} accounts (ms, max of {ROUNDS})",
            f"{max(senders):.1f}",
            "< 1000",
            verdict(max(senders) < 1000),
        ],
        ["others' /incident help meanwhile (ms, p99)", f"{p99_help:.1f}", "< 300", ""],
        ["others' /healthz meanwhile (ms, p99)", f"{p99_health:.1f}", "< 300", ""],
        [
            "resident memory, 5 × 200 MB POSTs (MB before → after)",
            f"{rss_before:.0f} → {rss_after:.0f}",
            "+ < 50",
            verdict(rss_after - rss_before < 50),
        ],
        [
            "bytes sent before the answer, of 200 MB (MB, max of 5)",
            f"{taken / 1e6:.1f}",
            "< 10",
            verdict(taken < 10e6),
        ],
    ]
    rows[1][3] = verdict(p99_help < 300)
    rows[2][3] = verdict(p99_health < 300)
    print()
    print(_common.table(["measure", "measured", "target", "result"], rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
