"""The verbs that read what Beacon stored: `review`, `report` and `status-link`."""

from __future__ import annotations

import os
from pathlib import Path

from app.briefs.drafting import check_templates
from app.catalog.errors import ConfigError
from app.catalog.loader import load_catalog
from app.cli_support import SANDBOX_DATABASE, fail, load
from app.settings import Settings


def _no_incidents(settings: Settings) -> str | None:
    """Why the database cannot hold incidents to review, in one line, or None. The sandbox
    keeps its own (``sandbox.db``): an operator trying the CLI after it most often reads the
    empty default one."""
    from sqlalchemy import func, inspect, make_url, select

    from app.store.db import make_engine
    from app.store.models import Incident

    url = make_url(settings.database_url)
    shown = url.render_as_string(hide_password=True)
    hint = f" (the sandbox's is DATABASE_URL=sqlite:///./{SANDBOX_DATABASE})"
    if url.get_backend_name() == "sqlite" and not Path(url.database or "").is_file():
        return f"There is no database at {shown}{hint}."  # and reading must not create one
    engine = make_engine(settings.database_url)
    try:
        if not inspect(engine).has_table(Incident.__tablename__):
            return f"{shown} has no Beacon schema, so no incident{hint}."
        with engine.connect() as connection:
            if not connection.scalar(select(func.count()).select_from(Incident)):
                return f"{shown} holds no incident yet{hint}."
    finally:
        engine.dispose()
    return None


def review_incident(settings: Settings, ref: str) -> int:
    from app.domain.commands import parse_incident_ref
    from app.domain.errors import BeaconError

    number = parse_incident_ref(ref.strip())
    if number is None:
        return fail(f"`{ref}` is not an incident id; write it like INC-42.")
    if problem := _no_incidents(settings):
        return fail(problem, 1)
    beacon = load(settings)
    try:
        print(beacon.reviews.review(number=number, channel=None, viewer=None))
    except BeaconError as error:
        return fail(error.message, 1)
    return 0


def status_link(settings: Settings, account_id: str) -> int:
    """The account's private status page URL, from the configuration and the secret alone."""
    from app.catalog.suggest import did_you_mean
    from app.publishing.tokens import account_token

    try:
        catalog = check_templates(load_catalog(settings.beacon_config_dir))
    except ConfigError as error:
        return fail(str(error), 1)
    config = catalog.policy.status_page
    if config is None:
        return fail("policy.yaml has no `status_page:` block, so there are no account pages.")
    if account_id not in catalog.accounts:
        hint = did_you_mean(account_id, list(catalog.accounts))
        return fail(f"unknown account `{account_id}`.{hint}")
    secret = os.environ.get(config.secret_env)
    if not secret:
        return fail(f"{config.secret_env} is not set: it keys the account page links.")
    print(f"{settings.public_url}/status/a/{account_token(secret, account_id)}")
    return 0


def write_report(settings: Settings, since: str, out: Path) -> int:
    from app.catalog.durations import format_duration, parse_duration
    from app.reviews.report import write_report as write

    try:
        span = parse_duration(since)
    except ValueError as error:
        return fail(f"--since: {error}")
    if problem := _no_incidents(settings):
        return fail(f"{problem} No report written.", 1)
    beacon = load(settings)
    now = beacon.clock()
    rows = beacon.reviews.metrics(since=now - span)
    if not rows:
        window = format_duration(span)
        return fail(f"No incident was declared in the last {window}; no report written.", 1)
    total, severities, tiers = beacon.reviews.grouped(rows)
    written = write(
        out,
        window=format_duration(span),
        since=now - span,
        now=now,
        rows=rows,
        total=total,
        severities=severities,
        tiers=tiers,
    )
    for path in written:
        print(path)
    return 0
