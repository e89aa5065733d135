"""What Beacon says in an incident channel when Slack keeps someone or something out of it."""

from __future__ import annotations

REASONS = {
    "user_is_restricted": "a guest account; a workspace admin can add them to the channel",
    "user_is_ultra_restricted": "a single-channel guest, who cannot join another channel",
    "user_is_bot": "a bot user",
    "cant_invite": "Slack refused (a deactivated or removed account)",
    "user_not_found": "not a user of this workspace",
}
"""conversations.invite's per-user error codes, in words an incident commander can act on."""


def not_invited(refused: dict[str, str]) -> str:
    lines = [
        f"• <@{user}>: {REASONS.get(code, f'Slack answered `{code}`')}"
        for user, code in sorted(refused.items())
    ]
    return "Could not invite everyone paged for this incident:\n" + "\n".join(lines)


def unreachable(channel: str, what: str) -> str:
    return (
        f"Beacon could not post {what} in {channel}: Slack does not show that channel to Beacon."
        f" If it is private, invite Beacon there (`/invite @Beacon` in {channel}); otherwise fix"
        " its name in the configuration. `beacon check-config --slack` lists every such channel."
    )
