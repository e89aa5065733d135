"""`beacon` verbs; the only place that parses argv."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app import logs
from app.briefs.drafting import check_templates
from app.catalog.errors import ConfigError
from app.catalog.loader import load_catalog
from app.catalog.models import Catalog
from app.catalog.people import emails
from app.cli_reading import review_incident, status_link, write_report
from app.cli_support import SANDBOX_DATABASE, fail, load
from app.config_summary import summarize
from app.settings import Settings
from app.slack.channels import join_configured
from app.slack.gateway import SlackFailure, SlackGateway, make_client, shared_session
from app.worker_process import ParentLink, WorkerProcess

if TYPE_CHECKING:
    from app.beacon import Beacon
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
        return check_templates(load_catalog(directory))
    except ConfigError as error:
        raise SystemExit(fail("\n".join(str(issue) for issue in error.issues), 1)) from None


def serve(settings: Settings, *, worker: bool) -> int:
    import uvicorn

    from app.bootstrap import build_bolt
    from app.sandbox.test_alert import TestAlerts
    from app.sandbox.web import routes
    from app.store.migrate import upgrade
    from app.web import create_web_app

    sandbox, catalog = None, None
    if not settings.slack_bot_token and not settings.slack_app_token:
        settings, sandbox, catalog = _start_sandbox(settings)
        worker = True  # no other process can deliver to an in-memory workspace
    elif problem := _missing_slack_settings(settings):
        return fail(problem)
    beacon = load(settings, catalog)
    if beacon.engine.dialect.name == "sqlite":
        upgrade(beacon.engine)
    bolt = build_bolt(beacon)
    pages = []
    if sandbox is not None and catalog is not None:
        base_url = sandbox.acting().events_url.removesuffix("/slack/events")
        alerts = TestAlerts(catalog, base_url)
        pages = routes(sandbox, config_dir=str(settings.beacon_config_dir), alerts=alerts)
    companion = None
    if worker and sandbox is None and not _in_memory(beacon):
        companion, worker = WorkerProcess(), False
    web = create_web_app(beacon, bolt, worker=worker, companion=companion, extra_routes=pages)
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


def _in_memory(beacon: Beacon) -> bool:
    """A database only this process can see: its deliveries must be made in this process."""
    return beacon.engine.url.get_backend_name() == "sqlite" and (
        beacon.engine.url.database in (None, "", ":memory:")
    )


def worker(settings: Settings, doorbell_fd: int | None = None) -> int:
    """``doorbell_fd``: the socket `beacon serve` started this worker with (app/worker_process.py);
    the worker rings on it, reports on it, and stops when it closes."""
    if not settings.slack_bot_token:
        return fail(
            MISSING_TOKEN.format(
                variable="SLACK_BOT_TOKEN", what="Bot User OAuth Token", sandbox=TRY_THE_SANDBOX
            )
        )
    parent = ParentLink(doorbell_fd) if doorbell_fd is not None else None  # before the build
    beacon = load(settings)

    async def run() -> None:
        async with shared_session(beacon.client):
            await join_configured(beacon.gateway, beacon.catalog)
            await beacon.directory.warm(emails(beacon.catalog))
            beacon.timers.start()
            try:
                await _until_parent_leaves(beacon.dispatcher.run(), beacon, parent)
            finally:
                beacon.timers.stop()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run())
    return 0


async def _until_parent_leaves(
    delivering: Coroutine[Any, Any, None], beacon: Beacon, parent: ParentLink | None
) -> None:
    """The dispatcher, until SIGTERM or, in `beacon serve`'s worker, until the web process is
    gone; cancelled, it lets its deliveries in flight end as a crash would (their leases)."""
    task = asyncio.create_task(delivering)
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, task.cancel)
    if parent is not None:
        linked = asyncio.create_task(
            parent.serve(
                beacon.dispatcher.wake,
                beacon.dispatcher.hold,
                lambda: beacon.dispatcher.failing_since,
            )
        )
        linked.add_done_callback(lambda _: task.cancel())
    with contextlib.suppress(asyncio.CancelledError):
        await task


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
        return fail(f"no drill files given and none in {settings.beacon_config_dir / 'drills'}")
    if live and not settings.slack_bot_token:
        return fail(
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
        catalog = check_templates(load_catalog(directory))
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
        return fail(
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


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="beacon", description="Customer-centric incident bot")
    verbs = root.add_subparsers(dest="verb", required=True)
    serve_verb = verbs.add_parser("serve", help="HTTP app (and the worker unless --no-worker)")
    serve_verb.add_argument("--no-worker", action="store_true", help="web only")
    worker_verb = verbs.add_parser("worker", help="scheduler and outbox dispatcher only")
    worker_verb.add_argument("--doorbell-fd", type=int, help=argparse.SUPPRESS)
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
        return worker(settings, args.doorbell_fd)
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
