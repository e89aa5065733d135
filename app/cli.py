"""`beacon` verbs; the only place that parses argv."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from app import logs
from app.beacon import Beacon
from app.catalog.errors import ConfigError
from app.catalog.loader import load_catalog
from app.catalog.models import Catalog
from app.catalog.people import emails
from app.catalog.summary import summarize
from app.settings import Settings
from app.slack.channels import join_configured
from app.slack.gateway import SlackFailure, SlackGateway, make_client, shared_session

if TYPE_CHECKING:
    from app.sandbox.runtime import Sandbox

MISSING_TOKEN = """\
Beacon cannot talk to Slack: {variable} is not set.

Create the Slack app from manifest.yml and copy its {what} into {variable} (in the environment
or in a .env file); the README section "Creating the Slack app" walks through it.{sandbox}
"""
TRY_THE_SANDBOX = """
To try Beacon without a workspace, run `beacon serve` with no SLACK_BOT_TOKEN at all: it starts
an embedded Slack sandbox."""

SANDBOX_BANNER = """\
Sandbox mode: no SLACK_BOT_TOKEN, open {url}/sandbox
  An embedded Slack workspace seeded from {config}: {people} people, {channels} channels.
  Database {database}; webhooks and PagerDuty are not called from the sandbox.
  Set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET to use a real workspace instead."""

#: Where the sandbox keeps its database when DATABASE_URL is left at its default: the sandbox
#: workspace lives in memory, so its incidents start afresh at every start too.
SANDBOX_DATABASE = "sandbox.db"


def _fail(message: str, code: int = 2) -> int:
    print(message, file=sys.stderr)
    return code


def _missing_slack_settings(settings: Settings) -> str | None:
    """With a token, what else Slack needs; a token alone is not enough in HTTP mode."""
    if not settings.slack_bot_token:
        return MISSING_TOKEN.format(
            variable="SLACK_BOT_TOKEN",
            what="Bot User OAuth Token (xoxb-…)",
            sandbox=TRY_THE_SANDBOX,
        )
    if not settings.socket_mode and not settings.slack_signing_secret:
        return MISSING_TOKEN.format(
            variable="SLACK_SIGNING_SECRET",
            what="Signing Secret (Basic Information page), or set SLACK_APP_TOKEN for Socket Mode,",
            sandbox="",
        )
    return None


def _load(settings: Settings, catalog: Catalog | None = None) -> Beacon:
    """Build for a long-running process. The catalog and its routing indexes (hundreds of
    thousands of objects with 10,000 accounts) live as long as the process, so they are frozen
    out of the garbage collector: otherwise every full collection walks them, a pause of tens
    of milliseconds in the middle of some routing decision or ack."""
    from app.bootstrap import build

    try:
        beacon = build(settings, catalog=catalog)
    except ConfigError as error:
        raise SystemExit(_fail("\n".join(str(issue) for issue in error.issues), 1)) from None
    gc.collect()
    gc.freeze()
    return beacon


def _start_sandbox(settings: Settings) -> tuple[Settings, Sandbox, Catalog]:
    """No token at all: an embedded Slack, seeded from the configuration, stands in for one."""
    from app.bootstrap import utc_now
    from app.sandbox.runtime import Sandbox, contained

    catalog = contained(_catalog(settings.beacon_config_dir))
    if settings.database_url == Settings.model_fields["database_url"].default:
        Path(SANDBOX_DATABASE).unlink(missing_ok=True)
        settings = settings.model_copy(update={"database_url": f"sqlite:///./{SANDBOX_DATABASE}"})
    sandbox = Sandbox(catalog, now=utc_now())
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::", "") else settings.host
    sandbox.connect(f"http://{host}:{settings.port}/slack/events")
    print(
        SANDBOX_BANNER.format(
            config=settings.beacon_config_dir,
            people=len(sandbox.people),
            channels=len(sandbox.slack.channels),
            database=settings.database_url,
            url=f"http://{host}:{settings.port}",
        ),
        flush=True,
    )
    return sandbox.settings(settings), sandbox, catalog


def _catalog(directory: Path) -> Catalog:
    try:
        return load_catalog(directory)
    except ConfigError as error:
        raise SystemExit(_fail("\n".join(str(issue) for issue in error.issues), 1)) from None


def serve(settings: Settings, *, worker: bool) -> int:
    import uvicorn

    from app.bootstrap import build_bolt
    from app.sandbox.web import routes
    from app.store.migrate import upgrade
    from app.web import create_web_app

    sandbox, catalog = None, None
    if not settings.slack_bot_token and not settings.slack_app_token:
        settings, sandbox, catalog = _start_sandbox(settings)
        worker = True  # no other process can deliver to an in-memory workspace
    elif problem := _missing_slack_settings(settings):
        return _fail(problem)
    beacon = _load(settings, catalog)
    if beacon.engine.dialect.name == "sqlite":
        upgrade(beacon.engine)
    bolt = build_bolt(beacon)
    pages = routes(sandbox, config_dir=str(settings.beacon_config_dir)) if sandbox else []
    web = create_web_app(beacon, bolt, worker=worker, extra_routes=pages)
    config = uvicorn.Config(
        web, host=settings.host, port=settings.port, log_level=settings.log_level, lifespan="on"
    )
    server = uvicorn.Server(config)

    async def main() -> None:
        if not settings.socket_mode:
            await server.serve()
            return
        from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

        socket = AsyncSocketModeHandler(bolt, settings.slack_app_token)
        await socket.connect_async()  # type: ignore[no-untyped-call]
        try:
            await server.serve()
        finally:
            await socket.close_async()  # type: ignore[no-untyped-call]

    try:
        asyncio.run(main())
    finally:
        if sandbox is not None:
            sandbox.stop()
    return 0


def worker(settings: Settings) -> int:
    if not settings.slack_bot_token:
        return _fail(
            MISSING_TOKEN.format(
                variable="SLACK_BOT_TOKEN", what="Bot User OAuth Token", sandbox=TRY_THE_SANDBOX
            )
        )
    beacon = _load(settings)

    async def run() -> None:
        async with shared_session(beacon.client):
            await join_configured(beacon.gateway, beacon.catalog)
            await beacon.directory.warm(emails(beacon.catalog))
            beacon.timers.start()
            try:
                await beacon.dispatcher.run()
            finally:
                beacon.timers.stop()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run())
    return 0


LIVE_DRILL = """\
LIVE drill in the real workspace: the people in it are really paged and messaged, in real time.
Every incident title starts with [DRILL] and the incident is left out of metrics.
"""


def drill(files: list[Path], settings: Settings, *, live: bool, stand_in: str | None) -> int:
    """Play each drill on a fresh sandbox (or ``live``); 1 if any target was missed."""
    from app.drills.runner import run_drill, run_live_drill
    from app.drills.script import DrillError, load_drill
    from app.drills.transcript import report

    files = files or sorted((settings.beacon_config_dir / "drills").glob("*.yaml"))
    if not files:
        return _fail(f"no drill files given and none in {settings.beacon_config_dir / 'drills'}")
    if live and not settings.slack_bot_token:
        return _fail(
            MISSING_TOKEN.format(
                variable="SLACK_BOT_TOKEN", what="Bot User OAuth Token", sandbox=""
            )
        )
    catalog = _catalog(settings.beacon_config_dir)
    if live:
        print(LIVE_DRILL, file=sys.stderr, flush=True)
    passed = True
    for path in files:
        try:
            script = load_drill(path)
            run = asyncio.run(
                run_live_drill(script, catalog, settings, stand_in=stand_in)
                if live
                else run_drill(script, catalog, settings)
            )
        except DrillError as error:
            print(error, file=sys.stderr)
            passed = False
            continue
        text, ok = report(run)
        print(text, flush=True)
        passed = passed and ok
    return 0 if passed else 1


def db_upgrade(settings: Settings) -> int:
    from app.store.db import make_engine
    from app.store.migrate import upgrade

    upgrade(make_engine(settings.database_url))
    print("Database is at the latest schema.")
    return 0


def check_config(directory: Path, settings: Settings, *, slack: bool = False) -> int:
    try:
        catalog = load_catalog(directory)
    except ConfigError as error:
        for issue in error.issues:
            print(issue)
        print(f"{len(error.issues)} error(s) in {directory}", file=sys.stderr)
        return 1
    print(summarize(catalog, os.environ))
    if slack:
        return check_slack(directory, catalog, settings)
    if settings.slack_bot_token:
        for warning in asyncio.run(_unknown_emails(catalog, settings)):
            print(f"  warning: {warning}")
    else:
        print("  (set SLACK_BOT_TOKEN to also check that every email is a Slack user)")
    return 0


def check_slack(directory: Path, catalog: Catalog, settings: Settings) -> int:
    """Scopes, channels and people against the workspace; 1 when anything needs fixing."""
    from app.slack.workspace_check import check_workspace, render

    if not settings.slack_bot_token:
        return _fail(
            MISSING_TOKEN.format(
                variable="SLACK_BOT_TOKEN", what="Bot User OAuth Token (xoxb-…)", sandbox=""
            )
        )
    gateway = SlackGateway(make_client(settings.slack_bot_token, settings.slack_api_url))
    problems = asyncio.run(check_workspace(gateway, catalog, directory))
    if problems:
        print(render(problems))
        print(f"{len(problems)} problem(s) with the Slack workspace", file=sys.stderr)
        return 1
    print("Slack: scopes granted, every channel usable, every person an active member.")
    return 0


async def _unknown_emails(catalog: Catalog, settings: Settings) -> list[str]:
    """Emails Slack does not know: a page to them would not arrive, so say so now."""
    gateway = SlackGateway(make_client(settings.slack_bot_token, settings.slack_api_url))
    warnings = []
    for email, places in sorted(emails(catalog).items()):
        try:
            if await gateway.lookup_email(email) is None:
                warnings.append(f"{email} ({', '.join(places)}) is not a Slack user")
        except SlackFailure as failure:
            warnings.append(f"could not check {email}: {failure}")
    return warnings


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
        return _fail(f"`{ref}` is not an incident id; write it like INC-42.")
    if problem := _no_incidents(settings):
        return _fail(problem, 1)
    beacon = _load(settings)
    try:
        print(beacon.reviews.review(number=number, channel=None, viewer=None))
    except BeaconError as error:
        return _fail(error.message, 1)
    return 0


def status_link(settings: Settings, account_id: str) -> int:
    """The account's private status page URL, from the configuration and the secret alone."""
    from app.domain.suggest import did_you_mean
    from app.publishing.tokens import account_token

    try:
        catalog = load_catalog(settings.beacon_config_dir)
    except ConfigError as error:
        return _fail(str(error), 1)
    config = catalog.policy.status_page
    if config is None:
        return _fail("policy.yaml has no `status_page:` block, so there are no account pages.")
    if account_id not in catalog.accounts:
        hint = did_you_mean(account_id, list(catalog.accounts))
        return _fail(f"unknown account `{account_id}`.{hint}")
    secret = os.environ.get(config.secret_env)
    if not secret:
        return _fail(f"{config.secret_env} is not set: it keys the account page links.")
    print(f"{settings.public_url}/status/a/{account_token(secret, account_id)}")
    return 0


def write_report(settings: Settings, since: str, out: Path) -> int:
    from app.catalog.durations import format_duration, parse_duration
    from app.reviews.report import write_report as write

    try:
        span = parse_duration(since)
    except ValueError as error:
        return _fail(f"--since: {error}")
    if problem := _no_incidents(settings):
        return _fail(f"{problem} No report written.", 1)
    beacon = _load(settings)
    now = beacon.clock()
    rows = beacon.reviews.metrics(since=now - span)
    if not rows:
        window = format_duration(span)
        return _fail(f"No incident was declared in the last {window}; no report written.", 1)
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


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="beacon", description="Customer-centric incident bot")
    verbs = root.add_subparsers(dest="verb", required=True)
    serve_verb = verbs.add_parser("serve", help="HTTP app (and the worker unless --no-worker)")
    serve_verb.add_argument("--no-worker", action="store_true", help="web only")
    verbs.add_parser("worker", help="scheduler and outbox dispatcher only")
    db = verbs.add_parser("db", help="database maintenance")
    db.add_argument("action", choices=["upgrade"])
    check = verbs.add_parser("check-config", help="validate the configuration")
    check.add_argument("directory", nargs="?", type=Path)
    check.add_argument(
        "--slack",
        action="store_true",
        help="also check scopes, channels and people in the workspace of SLACK_BOT_TOKEN",
    )
    review = verbs.add_parser("review", help="print the post-incident review (Markdown)")
    review.add_argument("incident", help="INC-<n>")
    link = verbs.add_parser("status-link", help="print an account's private status page URL")
    link.add_argument("account", help="account id, as in accounts.yaml")
    report = verbs.add_parser("report", help="Markdown report and PNG charts")
    report.add_argument("--since", default="90d", help="window, e.g. 7d, 30d, 90d (default 90d)")
    report.add_argument("--out", type=Path, default=Path("report"), help="output folder")
    drill_verb = verbs.add_parser("drill", help="a scripted incident on the sandbox")
    drill_verb.add_argument(
        "files", nargs="*", type=Path, help="drill files (default: every one in CONFIG/drills/)"
    )
    drill_verb.add_argument(
        "--live",
        action="store_true",
        help="in the real workspace of SLACK_BOT_TOKEN, in real time, marked [DRILL]",
    )
    drill_verb.add_argument(
        "--as", dest="stand_in", metavar="USER", help="live: your user id, acting for U0SANDBOX"
    )
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    settings = Settings()
    logs.configure(settings.log_level, settings.log_format)
    if args.verb == "serve":
        return serve(settings, worker=not args.no_worker)
    if args.verb == "worker":
        return worker(settings)
    if args.verb == "db":
        return db_upgrade(settings)
    if args.verb == "check-config":
        return check_config(
            args.directory or settings.beacon_config_dir, settings, slack=args.slack
        )
    if args.verb == "review":
        return review_incident(settings, args.incident)
    if args.verb == "status-link":
        return status_link(settings, args.account)
    if args.verb == "report":
        return write_report(settings, args.since, args.out)
    assert args.verb == "drill", args.verb  # argparse accepts no other verb
    return drill(args.files, settings, live=args.live, stand_in=args.stand_in)


if __name__ == "__main__":
    raise SystemExit(main())
