"""What a drill prints: each person's view of the incident (their DMs, the channels they are
in, what Beacon told only them), the steps as acted, and the metrics against the targets."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from app.catalog.durations import format_duration
from app.drills.metrics import Verdict, judge
from app.drills.runner import Acted, DrillRun
from app.sandbox.runtime import Seen

_MENTION = re.compile(r"<([@#])([A-Z0-9]+)(?:\|([^>]*))?>")
_LINK = re.compile(r"<([^>|]+)\|([^>]*)>")
_WIDTH = 110
_LONGEST = 420


def clock(at: timedelta) -> str:
    total = max(0, int(at.total_seconds()))
    return f"+{total // 60:02d}:{total % 60:02d}"


def flatten(seen: Seen, names: Any) -> str:
    """A message as one line of text: header, sections, fields, context, [buttons]."""
    parts: list[str] = []
    for block in seen.blocks or []:
        kind = block.get("type")
        if kind in ("header", "section", "markdown") and block.get("text"):
            parts.append(_text(block["text"]))
        for item in block.get("fields") or []:
            parts.append(_text(item))
        if kind == "context":
            parts.extend(_text(e) for e in block.get("elements") or [] if "text" in e)
        buttons = [e for e in block.get("elements") or [] if e.get("type") == "button"]
        if block.get("accessory", {}).get("type") == "button":
            buttons.append(block["accessory"])
        parts.extend(f"[{_text(b['text'])}]" for b in buttons)
    line = " | ".join(p for p in parts if p) or seen.text
    line = _MENTION.sub(lambda m: m.group(1) + (m.group(3) or names(m.group(2))), line)
    return _LINK.sub(r"\2", " ".join(line.split()))


def _text(obj: dict[str, Any]) -> str:
    return str(obj.get("text", "")).replace("*", "")


def _line(at: timedelta, where: str, text: str) -> str:
    """One event, wrapped; long briefs are cut (the sandbox page shows them whole)."""
    lead = f"{clock(at)}  {where:<14} "
    text = textwrap.shorten(text, _LONGEST, placeholder=" …")
    return textwrap.fill(text, width=_WIDTH, initial_indent=lead, subsequent_indent=" " * len(lead))


def channel_lines(run: DrillRun, channel: str) -> Iterator[str]:
    """A channel as everyone in it saw it (ephemerals aside: those are per person)."""
    names = run.sandbox.name_of
    for seen in run.messages_in(channel):
        yield _line(run.clock.drill_time(float(seen.ts)), seen.author, flatten(seen, names))
        for reply in seen.replies:
            at = run.clock.drill_time(float(reply.ts))
            yield _line(at, f"  ↳ {reply.author}", flatten(reply, names))


def person_lines(run: DrillRun, user: str) -> Iterator[str]:
    """What only this person saw: their DMs, Beacon's private replies, what they did."""
    sandbox = run.sandbox
    events: list[tuple[timedelta, str]] = []
    for label, channel in run.private_places(user):
        seen_here = run.messages_in(channel) if label == "DM" else []
        seen_here += [s for s in sandbox.seen(user, channel) if s.kind == "ephemeral"]
        for seen in seen_here:
            at = run.clock.drill_time(float(seen.ts))
            where = label if seen.kind != "ephemeral" else f"only you, {label}"
            events.append((at, _line(at, where, flatten(seen, sandbox.name_of))))
    for acted in run.acted:
        if acted.user != user:
            continue
        verb = "/incident" if acted.step.action == "command" else acted.step.action
        events.append((acted.at, _line(acted.at, "> you", f"{verb} {acted.step.argument}")))
        if acted.problem:
            events.append((acted.at, _line(acted.at, "!! failed", acted.problem)))
    for _, line in sorted(events, key=lambda e: e[0]):
        yield line


def signal_lines(signals: list[Acted]) -> Iterator[str]:
    for acted in signals:
        body = acted.step.argument
        text = f"{body['status']} {body['service']}: {body['summary']}"
        yield _line(acted.at, "> sent", text)
        if acted.problem:
            yield _line(acted.at, "!! failed", acted.problem)


def report(run: DrillRun) -> tuple[str, bool]:
    """The printed transcript and whether every target was met (and every step worked)."""
    out = [f"Drill: {run.drill.name}", ""]
    if run.drill.description:
        out += [run.drill.description.strip(), ""]
    for heading, channel in run.channels():
        out.append(f"== {heading}")
        out.extend(f"  {line}" for line in channel_lines(run, channel))
        out.append("")
    signals = [a for a in run.acted if a.step.action == "signal"]
    if signals:
        out.append("== Monitoring (the drill's signal: steps, POSTed to /signals)")
        out.extend(f"  {line}" for line in signal_lines(signals))
        out.append("")
    for user in run.people():
        persona = run.sandbox.people.get(user)
        out.append(f"== {persona.label if persona else user} ({user})")
        out.extend(f"  {line}" for line in person_lines(run, user))
        out.append("")
    metrics = run.metrics
    out.append("== Metrics")
    if metrics is None:
        out.append("  no incident was declared")
    else:
        out.append(f"  incident                     {metrics.ref} ({metrics.severity})")
        if metrics.time_to_declare is not None:
            out.append(f"  first signal to declaration  {_shown(metrics.time_to_declare)}")
        out.append(f"  time to acknowledge          {_shown(metrics.time_to_ack)}")
        out.append(f"  time to first update         {_shown(metrics.time_to_first_update)}")
        first_customer = _shown(metrics.time_to_first_customer_update)
        out.append(f"  time to first customer update {first_customer}")
        out.append(f"  pages                        {metrics.pages}")
        out.append(f"  escalations                  {metrics.escalations}")
    verdicts = judge(run.drill.targets, metrics)
    failed_steps = [a for a in run.acted if a.problem]
    out.append("")
    out.append("== Targets")
    out.extend(_verdict(v) for v in verdicts)
    for acted in failed_steps:
        step = f"{clock(acted.step.at)} ({acted.step.action})"
        out.append(f"  MISSED step at {step}: {acted.problem}")
    passed = all(v.met for v in verdicts) and not failed_steps
    out.append("")
    out.append("Drill passed: every target met." if passed else "Drill FAILED: see MISSED above.")
    return "\n".join(out), passed


def _verdict(verdict: Verdict) -> str:
    mark = "met   " if verdict.met else "MISSED"
    return f"  {mark} {verdict.target:<30} {verdict.actual:>8} (target {verdict.wanted})"


def _shown(value: timedelta | None) -> str:
    return format_duration(value) if value is not None else "never"
