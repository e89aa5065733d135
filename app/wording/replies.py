"""What Beacon answers whoever asked, once it did it: the ephemeral reply to a command or a
button, Slack mrkdwn. (What everyone in the channel reads is in :mod:`app.wording.notices`.)"""

from __future__ import annotations

from collections.abc import Iterable

from app.wording import names


def mitigation_requested(ref: str) -> str:
    return (
        f"Mitigation requested for {ref}; its card in the incident channel waits for the"
        " incident commander, a commander or an affected team's manager."
    )


def review_uploading(ref: str) -> str:
    return f"The post-incident review of {ref} is being uploaded to its channel."


def review_summary_drafted(ref: str) -> str:
    return f"The customer review summary of {ref} waits for approval in its channel."


def update_posted(ref: str) -> str:
    return f"Update for {ref} posted; the customer draft waits for approval."


def resolved(ref: str, *, customers_told: bool) -> str:
    """Customers of a public, customer-visible incident get a resolution notice to approve."""
    if not customers_told:
        return f":white_check_mark: {ref} resolved."
    return (
        f":white_check_mark: {ref} resolved. The customer resolution notice waits for approval;"
        " the recovery checklist is in each account thread."
    )


def reopened(ref: str, status: str) -> str:
    return f"{ref} reopened ({status}); the cadence and routing resume."


def paged(people: Iterable[str], ref: str) -> str:
    return f"Paged {', '.join(names.mention(p) for p in people)} for {ref}."


def nobody_to_page(notes: Iterable[str]) -> str:
    return "Nobody to page: " + "; ".join(notes)


def followed(name: str, *, already: bool) -> str:
    if already:
        return f"You already follow {name}."
    return f"You now follow {name}: you are mentioned in its incident threads."


def unfollowed(name: str, *, was_following: bool) -> str:
    return f"You no longer follow {name}." if was_following else f"You did not follow {name}."
