"""The idempotency key of every outbox item, one function each.

A key names the effect of one change (enqueueing it again is a no-op) and is how a later
change or an effect finds an earlier item (``store.outbox.by_key``, ``result_of``): both sides
call the same function here, so they cannot drift apart. The strings are stored, so they never
change shape.
"""

from __future__ import annotations

from app.outbox.kinds import Kind


def opening(incident_id: int, kind: str) -> str:
    """The declaration's own items: create_channel, set_topic, post_brief, announce."""
    return f"incident:{incident_id}:{kind}"


def create_channel(incident_id: int) -> str:
    return opening(incident_id, Kind.CREATE_CHANNEL)


def notice(incident_id: int, reason: str) -> str:
    """A message in the incident channel; ``reason`` names the change it reports."""
    return f"incident:{incident_id}:notice:{reason}"


def refresh(incident_id: int, kind: str, reason: str) -> str:
    """The topic, brief or announcement shown again after the change ``reason`` names."""
    return f"incident:{incident_id}:{kind}:{reason}"


def invite(incident_id: int, event_id: int) -> str:
    return f"incident:{incident_id}:invite:{event_id}"


def invite_paged(incident_id: int, first_page_id: int) -> str:
    return f"incident:{incident_id}:invite:pages:{first_page_id}"


def fyi(incident_id: int, person: str) -> str:
    return f"incident:{incident_id}:fyi:{person}"


def review(incident_id: int, event_id: int) -> str:
    return f"incident:{incident_id}:review:{event_id}"


def timeline_pin(incident_id: int, ts: str) -> str:
    return f"incident:{incident_id}:pin:{ts}"


def page_dm(page_id: int) -> str:
    return f"page:{page_id}:dm"


def page_link(page_id: int) -> str:
    return f"page:{page_id}:link"


def page_acked(page_id: int) -> str:
    return f"page:{page_id}:acked"


def pagerduty_trigger(page_id: int) -> str:
    return f"page:{page_id}:pagerduty"


def pagerduty_resolve(page_id: int) -> str:
    return f"page:{page_id}:pagerduty:resolve"


def update_card(draft_id: int, change: str | None = None) -> str:
    """The approval card of a draft; ``change`` (approved, rejected, edited:N) its refreshes."""
    return f"update:{draft_id}:card" + (f":{change}" if change else "")


def internal_brief(draft_id: int) -> str:
    return f"update:{draft_id}:internal"


def rejected_notice(draft_id: int) -> str:
    return f"update:{draft_id}:rejected:notice"


def webhook(draft_id: int, index: int) -> str:
    return f"update:{draft_id}:webhook:{index}"


def email(draft_id: int, digest: str) -> str:
    return f"update:{draft_id}:email:{digest}"


def thread_open(thread_id: int) -> str:
    return f"thread:{thread_id}:open"


def thread_refresh(thread_id: int, reason: str) -> str:
    return f"thread:{thread_id}:refresh:{reason}"


def thread_reply(thread_id: int, draft_id: int) -> str:
    """An approved update said in an account's thread."""
    return f"thread:{thread_id}:update:{draft_id}"


def checklist(thread_id: int) -> str:
    return f"thread:{thread_id}:checklist"


def checklist_tick(thread_id: int, tick_id: int) -> str:
    return f"thread:{thread_id}:checklist:tick:{tick_id}"


def mitigation(mitigation_id: int, stage: str) -> str:
    """A stage of a mitigation (renewed:N, lapsed, reminder:N): its notices and refreshes."""
    return f"mitigation:{mitigation_id}:{stage}"


def mitigation_card(mitigation_id: int, stage: str | None = None) -> str:
    """The mitigation's card, or (``stage``) its refresh for that stage."""
    return (
        f"mitigation:{mitigation_id}:{stage}:card" if stage else f"mitigation:{mitigation_id}:card"
    )


def home(user: str, reason: str) -> str:
    return f"home:{user}:{reason}"


def signal_card(card_id: int, refresh_seq: int) -> str:
    """A delivery of a triage card; ``refresh_seq`` counts the deliveries that have started,
    so changes before the next one starts share it."""
    return f"signal-card:{card_id}:{refresh_seq}"


def signal_card_marker(card_id: int) -> str:
    """The marker on the posted card, how a retried first post finds an earlier attempt's."""
    return f"signal-card:{card_id}"


def failed(key: str) -> str:
    """The notice that the item ``key`` failed for good."""
    return f"{key}:failed"
