"""Shared helpers for the HTTP benchmarks (``ack_latency.py``, ``declare_path.py``).

Not a benchmark itself: database preparation (the same migrate/truncate the test suite does),
configuration choice, signed slash-command bodies, percentiles and plain-text tables.
"""

from __future__ import annotations

import math
import os
import platform
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from app.catalog.loader import load_catalog  # noqa: E402
from app.catalog.models import Catalog  # noqa: E402
from app.settings import normalize_database_url  # noqa: E402
from app.store.db import make_engine  # noqa: E402
from app.store.migrate import upgrade  # noqa: E402
from tests.fakes.signing import sign, slash_command_body  # noqa: E402
from tests.support.databases import TABLES  # noqa: E402

SIGNING_SECRET = "bench-signing-secret"
BOT_TOKEN = "xoxb-bench-token"
EXAMPLE_CONFIG = ROOT / "config"
FIXTURE_CONFIG = ROOT / "tests" / "fixtures" / "config"
SLACK_LATENCY = 0.05
"""Seconds the fake Slack adds to every Web API call: a realistic round trip to slack.com."""

# Bolt switches to OAuth mode when these are set; the benchmarks are single-workspace, like the
# tests (tests/conftest.py).
for _variable in ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"):
    os.environ.pop(_variable, None)


def choose_config(explicit: Path | None) -> tuple[Path, Catalog]:
    """The given folder; else the shipped example config/ if it loads; else the test fixture."""
    if explicit is not None:
        return explicit, load_catalog(explicit)
    if any(EXAMPLE_CONFIG.glob("*.yaml")):
        try:
            return EXAMPLE_CONFIG, load_catalog(EXAMPLE_CONFIG)
        except Exception as error:  # an example config being edited right now must not stop us
            print(f"note: {EXAMPLE_CONFIG} does not load ({error}); using the test fixture")
    return FIXTURE_CONFIG, load_catalog(FIXTURE_CONFIG)


def seeded_channels(catalog: Catalog) -> tuple[str, ...]:
    """The channels the config names, which must exist in the fake workspace."""
    workspace = catalog.policy.workspace
    names = {workspace.announce_channel, workspace.cs_channel, "#general"}
    return tuple(sorted(name.lstrip("#") for name in names if name))


def declare_text(catalog: Catalog, title: str, services: str | None = None) -> str:
    """A complete text declaration (no form) with the least severe severity.

    ``services`` (comma-separated, "" for none) defaults to ``checkout`` when the catalog has it,
    else its first service: a real service makes routing, paging and the brief do their work.
    """
    severity = catalog.policy.severities[-1].id
    if services is None:
        services = "checkout" if "checkout" in catalog.services else next(iter(catalog.services))
    return f"declare {severity} {title}" + (f" services: {services}" if services else "")


def prepare_database(url: str | None, workdir: Path) -> str:
    """A migrated, empty database, as tests/support/databases.py prepares one; returns its URL.

    Without ``url``: a fresh SQLite file in ``workdir``. With a PostgreSQL URL: migrate, then
    truncate Beacon's tables and reset the incident counter. This wipes that database.
    """
    if url is None:
        workdir.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{workdir / 'beacon-bench.db'}"
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        return url
    url = normalize_database_url(url)
    engine = make_engine(url)
    upgrade(engine)
    if not url.startswith("sqlite"):
        with engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
            connection.execute(text("UPDATE counters SET value = 0"))
    engine.dispose()
    return url


def signed_command(
    text_: str,
    *,
    trigger_id: str,
    response_url: str,
    user: str = "U0BENCH1",
    channel_id: str = "C0GENERAL",
) -> tuple[bytes, dict[str, str]]:
    """A ``/incident`` slash command body and its Slack v0 signature headers."""
    body = slash_command_body(
        text_,
        user_id=user,
        channel_id=channel_id,
        channel_name="general" if channel_id == "C0GENERAL" else channel_id.lower(),
        response_url=response_url,
        trigger_id=trigger_id,
    )
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        **sign(body, SIGNING_SECRET),
    }
    return body, headers


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (no interpolation): a value that was actually observed."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A Markdown table (readable in a terminal, pasteable into docs/benchmarks.md)."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    separator = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(headers), separator, *(line(row) for row in rows)])


def machine() -> str:
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (
        f"{cpus} CPUs (nproc), Python {platform.python_version()}"
        f" ({platform.python_implementation()}), {platform.system()} {platform.release()}"
    )


def revision() -> str:
    """The commit measured, and whether app/ had uncommitted changes (it often does here)."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "app"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown revision"
    return f"commit {head}" + (" + uncommitted changes in app/" if dirty else "")


def database_label(url: str) -> str:
    return "SQLite (temp file)" if url.startswith("sqlite") else "PostgreSQL"
