"""Callback, block and action ids shared by the renderers and the handlers that read them back."""

from __future__ import annotations

DECLARE_VIEW = "beacon.declare"


class DeclareField:
    """Each input block of the declaration modal; its single element uses the same action id."""

    TITLE = "title"
    SEVERITY = "severity"
    SERVICES = "services"
    ACCOUNTS = "accounts"
    SUMMARY = "summary"
    OPTIONS = "options"


class DeclareOption:
    PRIVATE = "private"
    CUSTOMER_VISIBLE = "customer_visible"


PAGE_ACK = "beacon.page.ack"
"""The Acknowledge button on a page DM; its value is the page id."""

DRAFT_APPROVE = "beacon.draft.approve"
DRAFT_EDIT = "beacon.draft.edit"
DRAFT_REJECT = "beacon.draft.reject"
"""Approval card buttons; their value is ``<draft id>:<version>``, the version the card shows."""
EDIT_VIEW = "beacon.draft.edit_view"
REJECT_VIEW = "beacon.draft.reject_view"
DRAFT_TEXT = "draft_text"
REJECT_REASON = "reject_reason"

MITIGATION_AUTHORISE = "beacon.mitigation.authorise"
MITIGATION_DENY = "beacon.mitigation.deny"
"""Mitigation card buttons; their value is the mitigation id."""
MITIGATION_RENEW = "beacon.mitigation.renew"
"""Renew on an authorised mitigation's card; its value is ``<mitigation id>:<renewals so far>``."""

CHECKLIST_TICK = "beacon.checklist.tick"
"""A recovery-checklist button in an account thread; its value is ``<thread id>:<item>``."""
RESOLVE_VIEW = "beacon.resolve"


class ResolveField:
    """Input blocks of the resolve modal; each element uses the same action id."""

    FIX = "fix"
    RESIDUAL_RISK = "residual_risk"
    CUSTOMER_STEPS = "customer_steps"
