"""All Block Kit Beacon sends, built from typed slack_sdk models so Slack's limits are checked
when a message is built, not when Slack refuses it. One package, one module per kind of message."""

from slack_sdk.models.blocks import Block

from app.slack.blocks.common import (
    cut,
    declared_text,
    error_text,
    notice,
    text_modal,
)
from app.slack.blocks.forms import (
    declare_modal,
)
from app.slack.blocks.home import (
    app_home,
)
from app.slack.blocks.incident import (
    account_cards,
    accounts_by_tier,
    announcement,
    brief,
    incident_list,
)
from app.slack.blocks.mitigations import (
    mitigation_card,
    mitigation_line,
)
from app.slack.blocks.oncall import (
    oncall_roster,
)
from app.slack.blocks.paging import (
    fyi_message,
    page_acknowledged,
    page_message,
)
from app.slack.blocks.resolution import (
    checklist,
    resolve_modal,
)
from app.slack.blocks.updates import (
    approval_card,
    internal_brief,
    thread_parent,
    thread_reply,
)

__all__ = [
    "Block",
    "account_cards",
    "accounts_by_tier",
    "announcement",
    "app_home",
    "approval_card",
    "brief",
    "mitigation_card",
    "mitigation_line",
    "checklist",
    "cut",
    "declared_text",
    "declare_modal",
    "error_text",
    "fyi_message",
    "incident_list",
    "internal_brief",
    "notice",
    "oncall_roster",
    "page_acknowledged",
    "page_message",
    "resolve_modal",
    "text_modal",
    "thread_parent",
    "thread_reply",
]
