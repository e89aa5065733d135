"""Routing benchmark (not a test): configuration load and per-incident decision time at scale.

Generates 10,000 accounts, 500 services in a random dependency DAG eight levels deep and 50
teams as SPEC-format YAML in a temporary folder, then measures

* loading it (``app.catalog.loader.load_catalog``; an in-memory build if the loader is missing),
* building the routing indexes,
* p50/p99/max over 1,000 decisions (``assess`` + ``page_targets``) for an incident on the
  foundational service with the most dependents: the worst case, where most accounts are hit.

The p99 target is checked with cold caches: the graph's per-root closure memo and the compiled
on-call schedules (with their last-shift memo) are cleared before every decision, so the
numbers do not lean on them; a warm run is reported for comparison. Deterministic (fixed seed).
Issue 13 scale: ``--accounts 100000 --services 2000`` (targets load + index <= 5 s, p99 <= 10 ms;
the process's resident memory before and after loading is reported).
Run: ``.venv/bin/python bench/routing.py [--accounts N --services N --teams N --runs N]``.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app.catalog import models as m  # noqa: E402
from app.routing import oncall as oncall_rules  # noqa: E402
from app.routing.assessment import RoutingIndex, assess  # noqa: E402
from app.routing.targets import page_targets  # noqa: E402

SEED = 20260105
ACCOUNTS = 10_000
SERVICES = 500
TEAMS = 50
DEPTH = 8
RUNS = 1_000
LOAD_TARGET_S = 2.0
DECISION_P99_TARGET_MS = 5.0
ZONES = ("Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Sydney", "UTC")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

Data = dict[str, Any]


# --- generation ---------------------------------------------------------------------------------


def generate(
    rng: random.Random, accounts_count: int = ACCOUNTS, services_count: int = SERVICES
) -> tuple[Data, Data, Data]:
    """(policy, services, accounts) as the dicts the YAML files hold."""
    policy: Data = {
        "workspace": {
            "announce_channel": "#incidents",
            "cs_channel": "#cs-incidents",
            "channel_prefix": "inc",
            "approvers": ["U0APPROVER"],
            "execs": ["U0EXEC1", "U0EXEC2"],
            "remind_before": "5m",
        },
        "severities": {
            "SEV1": {
                "label": "Critical",
                "ack_within": "5m",
                "update_every": "30m",
                "page": ["oncall", "manager", "exec"],
            },
            "SEV2": {
                "label": "Major",
                "ack_within": "15m",
                "update_every": "1h",
                "page": ["oncall", "manager"],
            },
            "SEV3": {
                "label": "Minor",
                "ack_within": "1h",
                "update_every": "4h",
                "page": ["oncall"],
            },
            "SEV4": {"label": "Low", "ack_within": "4h", "update_every": None, "page": []},
        },
        "impact_matrix": {
            "value": {"high": 500000, "medium": 100000},
            "exposure": {"high": 10000, "medium": 1000},
            "dependence": {"critical": 3, "high": 2, "standard": 1},
            "tiers": {1: 8, 2: 6, 3: 0},
        },
        "tiers": {
            1: {
                "min_severity": "SEV2",
                "update_every": "15m",
                "page": ["liaison", "exec_sponsor"],
                "thread": True,
            },
            2: {"update_every": "30m", "page": ["liaison"], "thread": True},
            3: {"thread": False},
        },
        "escalation": [
            {"after": "ack_within", "page": ["secondary", "manager"]},
            {"after": "ack_within", "page": ["exec"]},
        ],
    }

    teams: Data = {}
    for number in range(TEAMS):
        people = [f"U0T{number:02d}P{i}" for i in range(rng.randint(3, 6))]
        oncall: Data = {
            "timezone": rng.choice(ZONES),
            "handoff": f"{rng.choice(WEEKDAYS)} {rng.choice(['09:00', '10:00', '17:30'])}",
            "start": (date(2025, 1, 6) + timedelta(days=rng.randint(0, 400))).isoformat(),
            "rotation": people,
        }
        if rng.random() < 0.3:
            begin = datetime(2026, 1, 1) + timedelta(hours=rng.randint(0, 24 * 300))
            oncall["overrides"] = [
                {
                    "user": f"U0T{number:02d}COVER",
                    "from": begin.isoformat(timespec="minutes"),
                    "to": (begin + timedelta(days=3)).isoformat(timespec="minutes"),
                }
            ]
        team: Data = {"name": f"Team {number:02d}", "manager": f"U0T{number:02d}MGR"}
        if number % 17 != 16:  # a few teams without a rotation exercise the notes path
            team["oncall"] = oncall
        teams[f"team{number:02d}"] = team

    levels: list[list[str]] = [[] for _ in range(DEPTH)]
    services: Data = {}
    for number in range(services_count):
        level = number % DEPTH if number < DEPTH * 4 else rng.randrange(DEPTH)
        service_id = f"svc{number:04d}"
        depends_on: list[str] = []
        if level:
            depends_on.append(rng.choice(levels[level - 1]))
            lower = [sid for below in levels[:level] for sid in below]
            depends_on.extend(rng.sample(lower, k=min(len(lower), rng.randint(0, 2))))
        services[service_id] = {
            "name": f"Service {number:04d}",
            "team": f"team{rng.randrange(TEAMS):02d}",
            "depends_on": sorted(set(depends_on)),
        }
        levels[level].append(service_id)

    customer_facing = [sid for level in levels[DEPTH // 2 :] for sid in level]
    accounts: Data = {}
    for number in range(accounts_count):
        row: Data = {
            "name": f"Customer {number:06d}",
            "arr": int(rng.lognormvariate(11.5, 1.2)),
            "users": int(rng.lognormvariate(7, 1.5)),
            "dependence": rng.choice(["critical", "high", "standard", "standard"]),
            "uses": sorted(rng.sample(customer_facing, k=rng.randint(1, 5))),
            "liaison": f"U0CS{rng.randrange(40):02d}",
        }
        if rng.random() < 0.3:
            row["exec_sponsor"] = f"U0VP{rng.randrange(8)}"
        if rng.random() < 0.02:
            row["tier"] = 1
        accounts[f"acct{number:06d}"] = row
    return policy, {"teams": teams, "services": services}, {"accounts": accounts}


# --- YAML (hand-written: flow mappings with JSON scalars are valid YAML) -------------------------


def _yaml(value: Any, indent: int = 0) -> str:
    pad = "  " * indent
    if isinstance(value, dict) and value and indent < 2:
        lines = []
        for key, item in value.items():
            if isinstance(item, dict) and item and indent < 1:
                lines.append(f"{pad}{key}:\n{_yaml(item, indent + 1)}")
            else:
                lines.append(f"{pad}{key}: {_flow(item)}")
        return "\n".join(lines)
    return pad + _flow(value)


def _flow(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}: {_flow(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(item) for item in value) + "]"
    return json.dumps(value)


def write_config(folder: Path, policy: Data, services: Data, accounts: Data) -> None:
    for name, data in (("policy", policy), ("services", services), ("accounts", accounts)):
        (folder / f"{name}.yaml").write_text(_yaml(data) + "\n", encoding="utf-8")


# --- in-memory fallback (only when the real loader is not available) ---------------------------


def _duration(text: str | None) -> timedelta | None:
    if text is None:
        return None
    units = {"s": "seconds", "m": "minutes", "h": "hours"}
    total, number = timedelta(), ""
    for char in text:
        if char.isdigit():
            number += char
        else:
            total += timedelta(**{units[char]: int(number)})
            number = ""
    return total


def build_in_memory(policy: Data, services: Data, accounts: Data) -> m.Catalog:
    def required(text: str) -> timedelta:
        value = _duration(text)
        assert value is not None
        return value

    work = policy["workspace"]
    matrix = policy["impact_matrix"]
    built_policy = m.Policy(
        workspace=m.Workspace(
            work["announce_channel"],
            work["cs_channel"],
            work["channel_prefix"],
            tuple(work["approvers"]),
            tuple(work["execs"]),
            required(work["remind_before"]),
        ),
        severities=tuple(
            m.Severity(
                sid,
                spec["label"],
                rank,
                required(spec["ack_within"]),
                _duration(spec["update_every"]),
                tuple(spec["page"]),
            )
            for rank, (sid, spec) in enumerate(policy["severities"].items())
        ),
        impact_matrix=m.ImpactMatrix(
            matrix["value"]["high"],
            matrix["value"]["medium"],
            matrix["exposure"]["high"],
            matrix["exposure"]["medium"],
            tuple(matrix["dependence"].items()),
            tuple(sorted(matrix["tiers"].items())),
        ),
        tiers=tuple(
            m.TierRule(
                tier,
                rule.get("min_severity"),
                _duration(rule.get("update_every")),
                tuple(rule.get("page", ())),
                rule.get("thread", False),
            )
            for tier, rule in policy["tiers"].items()
        ),
        escalation=tuple(
            m.EscalationLevel(
                "ack_within" if level["after"] == "ack_within" else required(level["after"]),
                tuple(level["page"]),
            )
            for level in policy["escalation"]
        ),
    )

    def oncall(spec: Data) -> m.OnCall:
        day, at = spec["handoff"].split()
        return m.OnCall(
            timezone=spec["timezone"],
            handoff_weekday=WEEKDAYS.index(day),
            handoff_time=clock_time.fromisoformat(at),
            start=date.fromisoformat(spec["start"]),
            rotation=tuple(spec["rotation"]),
            overrides=tuple(
                m.Override(
                    o["user"], datetime.fromisoformat(o["from"]), datetime.fromisoformat(o["to"])
                )
                for o in spec.get("overrides", ())
            ),
        )

    return m.Catalog(
        policy=built_policy,
        teams={
            tid: m.Team(
                tid, t["name"], t.get("manager"), oncall(t["oncall"]) if "oncall" in t else None
            )
            for tid, t in services["teams"].items()
        },
        services={
            sid: m.Service(sid, s["name"], s["team"], tuple(s["depends_on"]))
            for sid, s in services["services"].items()
        },
        accounts={
            aid: m.Account(
                aid,
                a["name"],
                a["arr"],
                a["users"],
                a["dependence"],
                tuple(a["uses"]),
                a.get("liaison"),
                a.get("exec_sponsor"),
                None,
                a.get("tier"),
            )
            for aid, a in accounts["accounts"].items()
        },
    )


def real_loader() -> Callable[[Path], m.Catalog] | None:
    try:
        from app.catalog.loader import load_catalog
    except ImportError:
        return None
    loader: Callable[[Path], m.Catalog] = load_catalog
    return loader


# --- measuring --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    metric: str
    value: str
    target: str = ""
    passed: bool | None = None


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def _resident_mib() -> float:
    """The process's resident set now (Linux /proc), in MiB."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        pages = int(statm.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def _peak_mib() -> float:
    """The process's largest resident set so far (ru_maxrss is in KiB on Linux), in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    global TEAMS, RUNS
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=ACCOUNTS)
    parser.add_argument("--services", type=int, default=SERVICES)
    parser.add_argument("--teams", type=int, default=TEAMS)
    parser.add_argument("--runs", type=int, default=RUNS, help="decisions measured")
    args = parser.parse_args()
    TEAMS, RUNS = args.teams, args.runs
    large = args.accounts > ACCOUNTS
    load_target_s = 5.0 if large else LOAD_TARGET_S
    p99_target_ms = 10.0 if large else DECISION_P99_TARGET_MS
    rng = random.Random(SEED)
    policy, services, accounts = generate(rng, args.accounts, args.services)
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="beacon-bench-") as tmp:
        folder = Path(tmp)
        write_config(folder, policy, services, accounts)
        size_kb = sum(f.stat().st_size for f in folder.iterdir()) / 1024
        del policy, services, accounts  # only the files remain, as for a server
        gc.collect()
        before_mib = _resident_mib()
        loader = real_loader()
        started = time.perf_counter()
        if loader is not None:
            catalog = loader(folder)
            how = "app.catalog.loader.load_catalog"
        else:
            catalog = build_in_memory(*generate(random.Random(SEED), args.accounts, args.services))
            how = "in-memory build (loader not available)"
        load_s = time.perf_counter() - started

    started = time.perf_counter()
    index = RoutingIndex.build(catalog)
    index_s = time.perf_counter() - started
    gc.collect()
    loaded_mib = _resident_mib()

    graph = index.graph
    roots = [sid for sid, service in catalog.services.items() if not service.depends_on]
    root = max(roots, key=lambda sid: (len(graph.closure_of(sid)), sid))
    at = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)  # a DST-change night in Europe

    def decide(cold: bool) -> tuple[list[float], Any, Any]:
        samples: list[float] = []
        impact = routing = None
        gc.collect()  # start from a clean heap, as a server does long after loading its config
        gc.freeze()  # as `beacon serve` and `beacon worker` do after building (app/cli.py)
        for run in range(RUNS):
            if cold:
                graph._closures.clear()
                oncall_rules._schedule.cache_clear()
            moment = at + timedelta(minutes=run)
            started = time.perf_counter()
            impact = assess(index, "SEV3", [root], [])
            routing = page_targets(catalog, impact, moment)
            samples.append(time.perf_counter() - started)
        return samples, impact, routing

    warm, _, _ = decide(cold=False)
    samples, impact, routing = decide(cold=True)

    started = time.perf_counter()
    listed = sum(1 for _ in assess(index, "SEV3", [root], []).accounts)
    materialise_s = time.perf_counter() - started

    load_total = load_s + index_s
    p99 = percentile(samples, 0.99)
    rows += [
        Row("config files", f"{size_kb:.0f} KiB, loaded by {how}"),
        Row("config load", f"{load_s:.3f} s"),
        Row("index build", f"{index_s:.3f} s"),
        Row(
            "load + index",
            f"{load_total:.3f} s",
            f"<= {load_target_s:.0f} s",
            load_total <= load_target_s,
        ),
        Row(
            "memory (resident)",
            f"{before_mib:.0f} MiB before load, {loaded_mib:.0f} MiB with catalog + index"
            f" (+{loaded_mib - before_mib:.0f} MiB); peak {_peak_mib():.0f} MiB",
        ),
        Row(
            "incident root",
            f"{root}: {len(impact.services)} of {len(catalog.services)} "
            f"services, {len(impact.accounts)} of {len(catalog.accounts)} accounts, "
            f"tiers {impact.tiers}",
        ),
        Row(
            "decision outcome",
            f"{impact.severity.severity} (declared SEV3), "
            f"{len(routing.targets)} targets, {len(routing.notes)} notes",
        ),
        Row("decision p50", _ms(statistics.median(samples))),
        Row(
            "decision p99 (cold caches)",
            _ms(p99),
            f"<= {p99_target_ms:.0f} ms",
            p99 * 1000 <= p99_target_ms,
        ),
        Row("decision max", _ms(max(samples))),
        Row(
            "decision p50 / p99, warm caches",
            f"{_ms(statistics.median(warm))} / {_ms(percentile(warm, 0.99))}",
        ),
        Row("list all affected (once)", f"{_ms(materialise_s)} for {listed} accounts"),
    ]
    print_table(rows)
    return 0  # a benchmark: the table says PASS or FAIL, the exit code does not


def print_table(rows: list[Row]) -> None:
    header = ("metric", "value", "target", "result")
    cells = [
        (
            row.metric,
            row.value,
            row.target,
            "" if row.passed is None else ("pass" if row.passed else "FAIL"),
        )
        for row in rows
    ]
    widths = [max(len(line[i]) for line in [header, *cells]) for i in range(4)]
    for line in [header, tuple("-" * width for width in widths), *cells]:
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)))


if __name__ == "__main__":
    raise SystemExit(main())
