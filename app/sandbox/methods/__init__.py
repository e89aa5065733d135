"""The Web API methods the fake models, one module per API family, each a function
``(workspace, args) -> body`` that raises :class:`~app.sandbox.slack_model.SlackError` for an
``{"ok": false}`` answer.

Only methods Beacon (or the fake's own tests) calls are modelled; any other method in Slack's
spec answers ``ok`` with the warning ``method_not_modelled_by_fake``
(:meth:`app.sandbox.slack_state.Workspace.call`).
"""

from __future__ import annotations

from app.sandbox.methods import (
    auth,
    bookmarks,
    chat,
    conversations,
    files,
    pins_reactions,
    users,
    views,
)
from app.sandbox.slack_model import Handler

#: Every modelled method by its Slack name (``chat.postMessage``).
HANDLERS: dict[str, Handler] = {
    **auth.HANDLERS,
    **bookmarks.HANDLERS,
    **chat.HANDLERS,
    **conversations.HANDLERS,
    **files.HANDLERS,
    **pins_reactions.HANDLERS,
    **users.HANDLERS,
    **views.HANDLERS,
}
