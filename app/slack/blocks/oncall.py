"""`/incident oncall`: one line per team, packed into as few sections as Block Kit allows."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import Block, SectionBlock

from app.briefs.view import clock_time
from app.domain.people import mention
from app.routing.roster import RosterLine
from app.slack.blocks.common import SECTION_TEXT, mrkdwn

MAX_BLOCKS = 50


def _line(line: RosterLine) -> str:
    if line.primary is None:
        return f"*{line.team_name}*: no on-call rotation configured"
    parts = [f"*{line.team_name}*: {mention(line.primary)}"]
    if line.override:
        parts.append("(override)")
    if line.secondary:
        parts.append(f"· secondary {mention(line.secondary)}")
    if line.next_person and line.handoff:
        when = f"{line.handoff:%a %d %b} {clock_time(line.handoff)}"
        parts.append(f"· {mention(line.next_person)} from {when}")
    return " ".join(parts)


def oncall_roster(lines: Sequence[RosterLine]) -> tuple[str, list[Block]]:
    body: list[Block] = []
    chunk: list[str] = []
    for text in map(_line, lines):
        if chunk and len("\n".join([*chunk, text])) > SECTION_TEXT:
            body.append(SectionBlock(text=mrkdwn("\n".join(chunk))))
            chunk = []
        chunk.append(text)
    if chunk:
        body.append(SectionBlock(text=mrkdwn("\n".join(chunk))))
    summary = "On call now: " + "; ".join(
        f"{line.team_name} {mention(line.primary) if line.primary else 'nobody'}" for line in lines
    )
    return summary[:3000], body[:MAX_BLOCKS]
