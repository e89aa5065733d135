"""What every `beacon` verb shares: how a failure is said, and how a long-running process is
built."""

from __future__ import annotations

import gc
import sys

from app.beacon import Beacon
from app.catalog.errors import ConfigError
from app.catalog.models import Catalog
from app.settings import Settings

#: Where the sandbox keeps its database when DATABASE_URL is left at its default: the sandbox
#: workspace lives in memory, so its incidents start afresh at every start too.
SANDBOX_DATABASE = "sandbox.db"


SWITCH_INTERVAL = 0.0005
"""Seconds a thread may hold the GIL while another waits for it (Python's default: 0.005).
The event loop and the database threads each need the GIL back after every socket read; under
load each waited up to the default's 5 ms per read behind a busy thread (the convoy effect), and
a signal's dozen round trips took 10-30 ms each in a storm's first second. A tenth of it halved
the storm's p99 (docs/benchmarks.md)."""


def fail(message: str, code: int = 2) -> int:
    print(message, file=sys.stderr)
    return code


def load(settings: Settings, catalog: Catalog | None = None) -> Beacon:
    """Build for a long-running process. The catalog and its routing indexes (hundreds of
    thousands of objects with 10,000 accounts) live as long as the process, so they are frozen
    out of the garbage collector: otherwise every full collection walks them, a pause of tens
    of milliseconds in the middle of some routing decision or ack."""
    from app.bootstrap import build

    try:
        beacon = build(settings, catalog=catalog)
    except ConfigError as error:
        raise SystemExit(fail("\n".join(str(issue) for issue in error.issues), 1)) from None
    gc.collect()
    gc.freeze()
    sys.setswitchinterval(SWITCH_INTERVAL)
    return beacon
