"""The post-incident review, `/incident stats` and the periodic report, as Markdown text."""

from __future__ import annotations

from datetime import datetime, timedelta

from app.catalog.durations import format_duration
from app.domain.resolution import CHECKLIST, CHECKLIST_ITEMS
from app.reviews.facts import IncidentFacts
from app.reviews.metrics import Aggregate, IncidentMetrics, Outcome
from app.wording import timeline
from app.wording.names import plain_references
from app.wording.names import who as _who

UPDATE_LABELS = {
    "initial": "Initial notice",
    "update": "Update",
    "resolution": "Resolution notice",
    "review": "Review summary",
}


def span(delta: timedelta | None) -> str:
    return format_duration(delta) if delta is not None else "—"


def when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC") if moment else "—"


VERDICTS = {"met": "✅ met", "missed": "❌ missed", "pending": "⏳ pending"}


def verdict(result: Outcome | None) -> str:
    return VERDICTS.get(result or "", "n/a")


def _cell(text: str) -> str:
    return " ".join(text.replace("|", "\\|").split())


def targets_table(facts: IncidentFacts, m: IncidentMetrics) -> list[str]:
    punctual = (
        f"{m.updates_on_time}/{m.updates_due} on time" if m.updates_due else "no update was due"
    )
    every = f"every {span(facts.update_every)}" if facts.update_every else "no cadence"
    return [
        "| target | goal | actual | result |",
        "|---|---|---|---|",
        f"| Time to acknowledge | {span(facts.ack_within)} | {span(m.time_to_ack)} |"
        f" {verdict(m.ack)} |",
        *signal_rows(facts, m),
        f"| Time to first update | {span(facts.update_every)} |"
        f" {span(m.time_to_first_update)} | {verdict(m.first_update)} |",
        f"| Time to first customer update | — | {span(m.time_to_first_customer_update)} | |",
        f"| Update punctuality | {every} | {punctual} | {verdict(m.punctuality)} |",
        f"| Time to mitigate | — | {span(m.time_to_mitigate)} | |",
        f"| Time to resolve | — | {span(m.time_to_resolve)} | |",
        f"| Escalations | — | {m.escalations} | |",
    ]


def signal_rows(facts: IncidentFacts, m: IncidentMetrics) -> list[str]:
    """How long the first signal waited for a person; nothing when no signal was involved."""
    if facts.first_signal is None:
        return []
    if m.signal_to_declare is None:
        return ["| First signal → declaration | — | declared before any signal | |"]
    return [
        f"| First signal → declaration | — | {span(m.signal_to_declare)} | |",
        f"| First signal → acknowledgement | — | {span(m.signal_to_ack)} | |",
    ]


def first_signal_line(facts: IncidentFacts) -> list[str]:
    signal = facts.first_signal
    if signal is None:
        return []
    what = _cell(plain_references(signal.summary))
    return [f"- **First signal:** {when(signal.at)}, {signal.source} on {signal.service}: {what}"]


def mitigations_table(facts: IncidentFacts) -> list[str]:
    """Every mitigation asked for, with who decided it and until when it held."""
    lines = ["## Mitigations", ""]
    if not facts.mitigations:
        return [*lines, "No mitigation was asked for.", ""]
    lines += [
        "| asked (UTC) | by | action | outcome | decided by | until (UTC) |",
        "|---|---|---|---|---|---|",
    ]
    for m in facts.mitigations:
        renewed = f", renewed {m.renewals}×" if m.renewals else ""
        lines.append(
            f"| {when(m.requested_at)} | {_who(m.requested_by)} | {_cell(m.action)} |"
            f" {m.state}{renewed} | {_who(m.decided_by) if m.decided_by else '—'} |"
            f" {when(m.expires_at)} |"
        )
    return [*lines, ""]


def review_markdown(facts: IncidentFacts, m: IncidentMetrics) -> str:
    lines = [
        f"# {facts.ref} · {facts.title} — post-incident review",
        "",
        f"- **Severity:** {facts.severity} ({facts.severity_label})",
        f"- **Status:** {facts.status}",
        f"- **Incident commander:** {_who(facts.commander)}",
        *first_signal_line(facts),
        f"- **Declared:** {when(facts.declared_at)} by {_who(facts.declared_by)}",
        f"- **Resolved:** {when(facts.resolved_at)}",
        f"- **Duration:** {span(m.time_to_resolve)}",
        "",
        "## Summary",
        "",
        facts.summary or facts.title,
        "",
    ]
    if facts.fix or facts.residual_risk or facts.customer_steps:
        lines += [
            f"- **Fix:** {facts.fix or '—'}",
            f"- **Residual risk:** {facts.residual_risk or '—'}",
            f"- **Customer steps:** {facts.customer_steps or '—'}",
            "",
        ]
    lines += ["## Response targets", "", *targets_table(facts, m), ""]
    lines += ["## Timeline", "", "| time (UTC) | who | what |", "|---|---|---|"]
    for event in sorted(facts.events, key=lambda e: e.at):
        if event.kind.endswith("_refused"):
            continue  # the audit log keeps refusals; the review's timeline is what happened
        lines.append(
            f"| {event.at:%Y-%m-%d %H:%M:%S} | {_who(event.actor)} |"
            f" {_cell(timeline.markdown(event.as_event(), facts.users))} |"
        )
    lines += ["", "## Accounts affected", ""]
    if not facts.accounts:
        lines.append("No customer account was affected.")
    for tier in sorted({a.tier for a in facts.accounts}):
        lines += [f"### Tier {tier}", ""]
        for account in sorted((a for a in facts.accounts if a.tier == tier), key=lambda a: a.name):
            if not account.thread:
                lines.append(f"- **{account.name}**: no account thread for this tier")
                continue
            ticks = {t.item: t for t in account.ticks}
            done = sum(1 for item in CHECKLIST_ITEMS if item in ticks)
            lines.append(f"- **{account.name}**: checklist {done}/{len(CHECKLIST_ITEMS)}")
            for item, label in CHECKLIST:
                tick = ticks.get(item)
                mark = f"[x] {label} — @{tick.by}, {when(tick.at)}" if tick else f"[ ] {label}"
                lines.append(f"  - {mark}")
        lines.append("")
    lines += [*mitigations_table(facts), "## Customer updates sent", ""]
    sent = [u for u in facts.updates if u.state == "approved"]
    if not sent:
        lines.append("No customer update was sent.")
    else:
        lines += ["| approved (UTC) | kind | approved by | account threads |", "|---|---|---|---|"]
        for u in sorted(sent, key=lambda u: u.decided_at or u.drafted_at):
            lines.append(
                f"| {when(u.decided_at)} | {UPDATE_LABELS.get(u.kind, u.kind)} |"
                f" {_who(u.decided_by)} | {u.sent_to} |"
            )
    lines += [
        "",
        f"Status updates posted on time: {m.updates_on_time} of {m.updates_due} due.",
        "",
        "## Root cause",
        "",
        "_To be written._",
        "",
        "## What went well",
        "",
        "_To be written._",
        "",
        "## What went badly",
        "",
        "_To be written._",
        "",
        "## Action items",
        "",
        "| action | owner | due |",
        "|---|---|---|",
        "| | | |",
        "",
    ]
    return plain_references("\n".join(lines))


def _ratio(met: int, total: int, pending: int = 0) -> str:
    """Met of decided, and apart the ones not yet due: a pending target is not a missed one."""
    decided = f"{met}/{total} ({round(100 * met / total)}%)" if total else "—"
    return f"{decided}, {pending} pending" if pending else decided


def aggregate_rows(rows: list[Aggregate]) -> list[str]:
    out = [
        "| group | incidents | ack met | first update met | updates on time |"
        " median ack | median resolve | escalations |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        out.append(
            f"| {row.label} | {row.incidents} |"
            f" {_ratio(row.ack_met, row.ack_total, row.ack_pending)} |"
            f" {_ratio(row.first_update_met, row.first_update_total, row.first_update_pending)} |"
            f" {_ratio(row.updates_on_time, row.updates_due, row.updates_pending)} |"
            f" {span(row.median_ack)} |"
            f" {span(row.median_resolve)} | {row.escalations} |"
        )
    return out


def stats_text(
    window: str, total: Aggregate, severities: list[Aggregate], tiers: list[Aggregate]
) -> str:
    """`/incident stats`: Slack mrkdwn, one line per group."""

    def line(row: Aggregate) -> str:
        return (
            f"• *{row.label}*: {row.incidents} incident(s) · ack met"
            f" {_ratio(row.ack_met, row.ack_total, row.ack_pending)} · first update met"
            f" {_ratio(row.first_update_met, row.first_update_total, row.first_update_pending)}"
            " · updates on time"
            f" {_ratio(row.updates_on_time, row.updates_due, row.updates_pending)} · median ack"
            f" {span(row.median_ack)} · median resolve {span(row.median_resolve)} ·"
            f" {row.escalations} escalation(s)"
        )

    if not total.incidents:
        return f"*Response targets, last {window}*\nNo incident was declared in the last {window}."
    parts = [f"*Response targets, last {window}*", line(total), "", "*By severity*"]
    parts += [line(row) for row in severities]
    parts += ["", "*By account tier*"] + [line(row) for row in tiers]
    return "\n".join(parts)


def report_markdown(
    window: str,
    since: datetime,
    now: datetime,
    rows: list[IncidentMetrics],
    total: Aggregate,
    severities: list[Aggregate],
    tiers: list[Aggregate],
    charts: list[str],
) -> str:
    lines = [
        f"# Incident report — last {window}",
        "",
        f"From {when(since)} to {when(now)}: {total.incidents} incident(s).",
        "",
        "## Overall",
        "",
        *aggregate_rows([total]),
        "",
        "## By severity",
        "",
        *aggregate_rows(severities),
        "",
        "## By account tier",
        "",
        *aggregate_rows(tiers),
        "",
        "## Incidents",
        "",
        "| incident | severity | declared | ack | first update | on time | resolve |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in sorted(rows, key=lambda r: r.declared_at):
        lines.append(
            f"| {r.ref} | {r.severity} | {r.declared_at:%Y-%m-%d %H:%M} |"
            f" {span(r.time_to_ack)} {verdict(r.ack)} |"
            f" {span(r.time_to_first_update)} {verdict(r.first_update)} |"
            f" {r.updates_on_time}/{r.updates_due} | {span(r.time_to_resolve)} |"
        )
    if charts:
        lines += ["", "## Charts", ""] + [f"![{name}]({name})" for name in charts]
    return "\n".join(lines) + "\n"
