"""`beacon` verbs; the only place that parses argv."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import sys
from pathlib import Path

from app import logs
from app.beacon import Beacon
from app.catalog.errors import ConfigError
from app.catalog.loader import load_catalog
from app.catalog.models import Catalog
from app.catalog.people import emails
from app.catalog.summary import summarize
from app.settings import Settings
from app.slack.gateway import SlackFailure, SlackGateway, make_client, shared_session

MISSING_TOKEN = """\
Beacon cannot talk to Slack: {variable} is not set.

Create the Slack app from manifest.yml and copy its {what} into {variable} (in the environment
or in a .env file); the README section "Creating the Slack app" walks through it. The embedded
Slack sandbox, which will let you try Beacon without a workspace, is not available yet.
"""


def _fail(message: str, code: int = 2) -> int:
    print(message, file=sys.stderr)
    return code


def _missing_slack_settings(settings: Settings) -> str | None:
    if not settings.slack_bot_token:
        return MISSING_TOKEN.format(
            variable="SLACK_BOT_TOKEN", what="Bot User OAuth Token (xoxb-…)"
        )
    if not settings.socket_mode and not settings.slack_signing_secret:
        return MISSING_TOKEN.format(
            variable="SLACK_SIGNING_SECRET",
            what="Signing Secret (Basic Information page), or set SLACK_APP_TOKEN for Socket Mode,",
        )
    return None


def _load(settings: Settings) -> Beacon:
    """Build for a long-running process. The catalog and its routing indexes (hundreds of
    thousands of objects with 10,000 accounts) live as long as the process, so they are frozen
    out of the garbage collector: otherwise every full collection walks them, a pause of tens
    of milliseconds in the middle of some routing decision or ack."""
    from app.bootstrap import build

    try:
        beacon = build(settings)
    except ConfigError as error:
        raise SystemExit(_fail("\n".join(str(issue) for issue in error.issues), 1)) from None
    gc.collect()
    gc.freeze()
    return beacon


def serve(settings: Settings, *, worker: bool) -> int:
    import uvicorn

    from app.bootstrap import build_bolt
    from app.store.migrate import upgrade
    from app.web import create_web_app

    if problem := _missing_slack_settings(settings):
        return _fail(problem)
    beacon = _load(settings)
    if beacon.engine.dialect.name == "sqlite":
        upgrade(beacon.engine)
    bolt = build_bolt(beacon)
    web = create_web_app(beacon, bolt, worker=worker)
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

    asyncio.run(main())
    return 0


def worker(settings: Settings) -> int:
    if not settings.slack_bot_token:
        return _fail(MISSING_TOKEN.format(variable="SLACK_BOT_TOKEN", what="Bot User OAuth Token"))
    beacon = _load(settings)

    async def run() -> None:
        async with shared_session(beacon.client):
            beacon.timers.start()
            try:
                await beacon.dispatcher.run()
            finally:
                beacon.timers.stop()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run())
    return 0


def db_upgrade(settings: Settings) -> int:
    from app.store.db import make_engine
    from app.store.migrate import upgrade

    upgrade(make_engine(settings.database_url))
    print("Database is at the latest schema.")
    return 0


def check_config(directory: Path, settings: Settings) -> int:
    try:
        catalog = load_catalog(directory)
    except ConfigError as error:
        for issue in error.issues:
            print(issue)
        print(f"{len(error.issues)} error(s) in {directory}", file=sys.stderr)
        return 1
    print(summarize(catalog))
    if settings.slack_bot_token:
        for warning in asyncio.run(_unknown_emails(catalog, settings)):
            print(f"  warning: {warning}")
    else:
        print("  (set SLACK_BOT_TOKEN to also check that every email is a Slack user)")
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
    verbs.add_parser("worker", help="scheduler and outbox dispatcher only")
    db = verbs.add_parser("db", help="database maintenance")
    db.add_argument("action", choices=["upgrade"])
    check = verbs.add_parser("check-config", help="validate the configuration")
    check.add_argument("directory", nargs="?", type=Path)
    for later in ("review", "report", "drill"):
        verbs.add_parser(later, help="not available yet").add_argument("rest", nargs="*")
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
        return check_config(args.directory or settings.beacon_config_dir, settings)
    return _fail(f"`beacon {args.verb}` is not available in this version yet.")


if __name__ == "__main__":
    raise SystemExit(main())
