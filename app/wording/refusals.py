"""What Beacon answers when it will not do what was asked: the thing is gone, already done, or
in a state that does not allow it. Slack mrkdwn, said only to whoever asked (an ephemeral reply
or a form's error); the names a person typed are escaped here."""

from __future__ import annotations

from collections.abc import Iterable

from app.domain.text import escape
from app.domain.wording import join_words
from app.wording import names


def gone(thing: str) -> str:
    """A button or link pointing at a row that no longer exists (``thing``: "page", "draft")."""
    return f"That {thing} no longer exists."


NO_SUCH_CHECKLIST_ITEM = "That checklist item does not exist."


def resolved_reopen_first(ref: str, *, command: bool = False) -> str:
    return f"{ref} is resolved; {'`/incident reopen` it' if command else 'reopen it'} first."


def already_resolved(ref: str) -> str:
    return f"{ref} is already resolved."


def already_at(ref: str, severity: str) -> str:
    return f"{ref} is already {severity}."


def not_customer_facing(ref: str) -> str:
    return f"{ref} is not customer-facing; nothing to send."


def not_resolved_yet(ref: str) -> str:
    return f"{ref} is not resolved yet; resolve it first."


def unknown_window(word: str, windows: Iterable[str]) -> str:
    return f"Unknown window `{word}`. Choose {join_words((f'`{w}`' for w in windows), 'or')}."


def mitigation_not_in_force(state: str) -> str:
    return f"This mitigation is {state}; ask for it again with `/incident mitigate`."


def escalated_through_all(ref: str, levels: int) -> str:
    return f"{ref} has already been escalated through all {levels} level(s)."


def not_your_page(person: str) -> str:
    return (
        f"This page was sent to {names.mention(person)}; only they can acknowledge it."
        " Use `/incident ack` for your own pages."
    )


def no_page_to_acknowledge(ref: str) -> str:
    return f"You have no unacknowledged page for {ref}."


def nobody_in(group: str) -> str:
    return f"{escape(group)} has nobody in it to page."


def already_paged(people: Iterable[str], ref: str) -> str:
    return f"{', '.join(names.mention(p) for p in people)} already paged for {ref}."


def approved_a_stale_version(seen: int | None, current: int) -> str:
    return (
        f"Not sent: the draft was edited (now version {current}) after the version {seen} you"
        " approved. Read the updated card and approve that one."
    )


def already_decided(state: str, by: str | None) -> str:
    """A draft someone approved or rejected first; the caller says what that means for them."""
    return f"This draft was already {state} by {names.mention(by or 'someone')}"


def edited_meanwhile(current: int) -> str:
    return (
        f"Someone else edited this draft meanwhile (now version {current}); your edit was not"
        " saved. Press Edit again to start from theirs."
    )
