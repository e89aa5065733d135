"""Steps shared by the publishing tests: declare, post an update, approve its customer draft."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from app.slack.ids import DRAFT_APPROVE
from app.store.models import StatusUpdate
from tests.e2e.resolve.support import buttons
from tests.fakes.slack_api import FakeSlack
from tests.support.harness import RunningBeacon, eventually, pinned_channel

WORDS = "Logins fail for some users"
"""The summary typed into the update: it reaches customers in the approved notice."""
INTERNAL = "expired signing key on the auth token service"
"""The cause: internal, never shown to customers."""
UPDATE = (
    f"update {WORDS} status: identified cause: {INTERNAL} action: rotating keys"
    " workaround: retry in a minute eta: 45m"
)


def declare(beacon: RunningBeacon, slack: FakeSlack, text: str, channel_name: str) -> Any:
    beacon.command(text, user="U0IC")
    return pinned_channel(slack, channel_name)


def post_update(beacon: RunningBeacon, slack: FakeSlack, channel: Any) -> str:
    """The value of the new update's Approve button (``<id>:<version>``), once it is in the
    channel."""
    beacon.command(UPDATE, user="U0IC", channel=channel.id)

    def card() -> str | None:
        with beacon.beacon.uow() as session:
            latest = session.scalar(
                select(func.max(StatusUpdate.id)).where(StatusUpdate.kind == "update")
            )
        values = buttons(slack.messages(channel.id), DRAFT_APPROVE)
        return next((v for v in values if v.partition(":")[0] == str(latest)), None)

    return str(eventually(card))


def approve(beacon: RunningBeacon, channel: Any, draft: str) -> str:
    """Approve; the approved customer text as stored."""
    beacon.click(DRAFT_APPROVE, draft, user="U0IC", channel=channel.id)

    def approved() -> str | None:
        with beacon.beacon.uow() as session:
            update = session.get_one(StatusUpdate, int(draft.partition(":")[0]))
            return update.customer_text if update.state == "approved" else None

    return str(eventually(approved))
