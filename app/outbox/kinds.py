"""Every kind of outbox item, and how the dispatcher schedules each: which are urgent, which
wait in a lane of their own, which report their failure with another kind.

``Kind`` is a ``StrEnum``: the stored column holds its value, and a kind read back from the
database (a plain string) finds its effect in a table keyed by ``Kind``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    # the incident's opening and its channel (app/slack/effects.py)
    CREATE_CHANNEL = "create_channel"
    SET_TOPIC = "set_topic"
    INVITE = "invite"
    POST_BRIEF = "post_brief"
    PIN_BRIEF = "pin_brief"
    ANNOUNCE = "announce"
    POST_NOTICE = "post_notice"
    REFRESH_BRIEF = "refresh_brief"
    REFRESH_ANNOUNCEMENT = "refresh_announcement"
    # pages (app/slack/page_effects.py, app/paging/effects.py)
    PAGE_DM = "page_dm"
    PAGE_LINK = "page_link"
    PAGE_ACKED = "page_acked"
    FYI_DM = "fyi_dm"
    CHANNEL_FAILED = "channel_failed"
    PAGERDUTY_TRIGGER = "pagerduty_trigger"
    PAGERDUTY_RESOLVE = "pagerduty_resolve"
    # status updates and account threads (app/slack/update_effects.py)
    POST_INTERNAL_BRIEF = "post_internal_brief"
    POST_APPROVAL_CARD = "post_approval_card"
    REFRESH_CARD = "refresh_card"
    OPEN_ACCOUNT_THREAD = "open_account_thread"
    REFRESH_ACCOUNT_THREAD = "refresh_account_thread"
    THREAD_REPLY = "thread_reply"
    # resolution, review, App Home, timeline (app/slack/resolve_effects.py)
    POST_CHECKLIST = "post_checklist"
    REFRESH_CHECKLIST = "refresh_checklist"
    UPLOAD_REVIEW = "upload_review"
    PUBLISH_HOME = "publish_home"
    TIMELINE_PIN = "timeline_pin"
    # mitigations (app/slack/mitigation_effects.py)
    POST_MITIGATION_CARD = "post_mitigation_card"
    REFRESH_MITIGATION_CARD = "refresh_mitigation_card"
    # customers (app/webhooks/effects.py, app/publishing/email.py)
    WEBHOOK = "webhook"
    EMAIL_NOTICE = "email_notice"
    # triage cards (app/slack/signal_effects.py)
    SIGNAL_CARD = "signal_card"


@dataclass(frozen=True)
class Lane:
    """Kinds delivered with their own concurrency, apart from everything else."""

    name: str
    kinds: frozenset[str]
    concurrency: int


URGENT_KINDS: frozenset[str] = frozenset(
    {
        Kind.CREATE_CHANNEL,
        Kind.POST_BRIEF,
        Kind.PIN_BRIEF,
        Kind.ANNOUNCE,
        Kind.PAGE_DM,
        Kind.CHANNEL_FAILED,
    }
)
"""Claimed before notices, topic and invitations: the opening that makes an incident usable
(its channel, pinned brief and announcement) and the pages that call people to it."""

LANES = (
    Lane(
        "channels",
        frozenset(
            {
                Kind.CREATE_CHANNEL,
                Kind.SET_TOPIC,
                Kind.INVITE,
                Kind.POST_BRIEF,
                Kind.PIN_BRIEF,
                Kind.ANNOUNCE,
                Kind.REFRESH_BRIEF,
                Kind.REFRESH_ANNOUNCEMENT,
                Kind.PAGE_LINK,
            }
        ),
        16,
    ),
    Lane("home", frozenset({Kind.PUBLISH_HOME}), 4),
    Lane("signals", frozenset({Kind.SIGNAL_CARD}), 4),
)
"""Kinds bound by Tier 2/3 methods (conversations.create, setTopic, pins.add, chat.update) or
by one channel's one post a second (the announcements), and App Home (views.publish, Tier 4,
for every viewer) and triage cards (chat.update, Tier 3, in an alert storm): each waits on its
own budget in its own lane, never in the slots of pages."""

LEASED_AHEAD: frozenset[str] = frozenset({Kind.CREATE_CHANNEL})
"""Kinds whose waiting items are leased while they run, and start with their outcome while it
is being recorded (app/outbox/ahead.py): the channel, first of the three Slack calls in a row
(channel, brief, pin) before an incident is usable."""

ORDERING_ONLY: frozenset[str] = frozenset({Kind.POST_BRIEF})
"""Kinds other items wait on only to come after them: when one fails for good, what waited on
it goes on (after what it waited on) instead of failing too. At declaration the invitations,
topic, page links and account threads wait for the pinned brief, so that people arrive in a
channel that already shows it, but a brief Slack refuses must not keep them out."""

FAILURE_NOTICES: dict[str, Kind] = {Kind.CREATE_CHANNEL: Kind.CHANNEL_FAILED}
"""Kind → the kind that reports its failure for good, for kinds whose failure means the
incident channel (where failures are usually reported) does not exist."""

REFRESHES = (Kind.SET_TOPIC, Kind.REFRESH_BRIEF, Kind.REFRESH_ANNOUNCEMENT)
"""What a change to an incident refreshes: the channel topic, the pinned brief, the
announcement."""
