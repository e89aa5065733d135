"""The channels the configuration names, as Slack shows them to Beacon, joined at start.

A bot reads history only where it is a member (conversations.history answers
``not_in_channel`` otherwise), and a retried post looks for its first try in that history, so
Beacon joins every public channel it posts in. It cannot join a private one: that needs someone
to invite it, and until then Slack does not even list it (conversations.list shows a bot only
the private channels it is in). Those are reported, never guessed at.
"""

from __future__ import annotations

import logging
from typing import Any

from app.catalog.models import Catalog
from app.slack.directory import is_channel_id
from app.slack.gateway import SlackFailure, SlackGateway

log = logging.getLogger(__name__)


def configured(catalog: Catalog) -> list[str]:
    """Every channel Beacon posts in by configuration: announce, CS, triage, each account's."""
    workspace = catalog.policy.workspace
    signals = catalog.policy.signals
    named = [workspace.announce_channel, workspace.cs_channel]
    named += [signals.triage_channel] if signals and signals.triage_channel else []
    named += [account.channel for account in catalog.accounts.values() if account.channel]
    return list(dict.fromkeys(ref for ref in named if ref))


async def survey(gateway: SlackGateway, refs: list[str]) -> dict[str, dict[str, Any] | None]:
    """What Slack shows Beacon of each ``#name`` or id, in one conversations.list scan."""
    wanted = {ref.removeprefix("#") if not is_channel_id(ref) else ref: ref for ref in refs}
    found: dict[str, dict[str, Any] | None] = dict.fromkeys(refs)
    cursor = None
    while True:
        response = await gateway.call(
            "conversations.list",
            types="public_channel,private_channel",
            exclude_archived=True,
            limit=1000,
            **({"cursor": cursor} if cursor else {}),
        )
        for channel in response.get("channels", []):
            for key in (channel.get("id"), channel.get("name")):
                if key in wanted:
                    found[wanted[key]] = dict(channel)
        cursor = (response.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return found


async def join_configured(gateway: SlackGateway, catalog: Catalog) -> list[str]:
    """Join the configured public channels Beacon is not in; returns those Slack does not
    show Beacon (private and not invited, or missing), each also logged with its fix."""
    try:
        found = await survey(gateway, configured(catalog))
        for channel in found.values():
            if channel is not None and not channel.get("is_member"):
                await gateway.join(str(channel["id"]))
                log.info("joined #%s", channel.get("name"))
    except SlackFailure as failure:
        log.warning("could not join the configured channels: %s", failure)
        return []
    missing = [ref for ref, channel in found.items() if channel is None]
    for ref in missing:
        log.warning(
            "Slack does not show Beacon the configured channel %s: if it is private, invite "
            "Beacon (/invite @Beacon in %s); otherwise create it or fix its name",
            ref,
            ref,
        )
    return missing
