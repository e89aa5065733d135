"""User text between Slack's escaped wire form and Beacon's plain-text domain values.

Slack uses ``&``, ``<`` and ``>`` as control characters: text a person typed arrives with them
as ``&amp;`` ``&lt;`` ``&gt;``, and whatever Slack recognised as a mention arrives as a control
sequence (``<@U…|name>``, ``<#C…|name>``, ``<!channel>``, ``<!subteam^S…|@handle>``,
``<https://…|label>``). Sources: "Formatting text for app surfaces", section "Escaping text"
(api.slack.com/reference/surfaces/formatting#escaping) and the slash-command setting "Escape
channels, users, and links sent to your app" (manifest ``should_escape``,
api.slack.com/interactivity/slash-commands).

So text is unescaped once at the edge (:func:`plain`, for slash text; modal values arrive
unescaped already) into a plain domain value, and escaped once again (:func:`escape`) wherever
Beacon writes mrkdwn. A broadcast someone typed ends up as the words ``@channel``: plain text
that notifies nobody, because only the ``<!channel>`` sequence does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

_SEQUENCE = re.compile(r"<([^<>]*)>")
_SPECIAL = re.compile(r"<!([^<>]*)>")
_ENTITY = re.compile(r"&(amp|lt|gt);")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">"}
_CONTROL = re.compile(r"[&<>]")
_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
BROADCASTS = frozenset({"channel", "here", "everyone", "group"})

RefKind = Literal["user", "channel", "usergroup", "broadcast", "link"]


@dataclass(frozen=True)
class Ref:
    """One control sequence: what it points at (``id``) and how it reads (``label``)."""

    kind: RefKind
    id: str
    label: str

    @property
    def plain(self) -> str:
        """How the reference reads as plain text: ``@dana``, ``#incidents``, ``@channel``."""
        if self.kind == "user":
            return f"@{self.label or self.id}"
        if self.kind == "channel":
            return f"#{self.label or self.id}"
        if self.kind == "usergroup":
            return "@" + (self.label or self.id).removeprefix("@")
        if self.kind == "broadcast":
            return f"@{self.id}"
        return self.label or self.id.removeprefix("mailto:")


def unescape(text: str) -> str:
    """``&amp;`` ``&lt;`` ``&gt;`` back to ``&`` ``<`` ``>``, in one pass (never twice)."""
    return _ENTITY.sub(lambda match: _ENTITIES[match.group(1)], text)


def escape(text: str) -> str:
    """Plain text made safe inside mrkdwn: only ``&``, ``<`` and ``>`` are escaped, as Slack
    asks ("Don't HTML entity-encode the entire message")."""
    return _CONTROL.sub(lambda match: _ESCAPES[match.group(0)], text)


def parse_ref(token: str) -> Ref | None:
    """One whole ``<…>`` sequence as Slack sends it, else None."""
    match = _SEQUENCE.fullmatch(token.strip())
    return _ref(match.group(1)) if match else None


def _ref(inner: str) -> Ref:
    target, _, label = inner.partition("|")
    label = unescape(label)
    if target.startswith("@"):
        return Ref("user", target[1:], label)
    if target.startswith("#"):
        return Ref("channel", target[1:], label)
    if target.startswith("!subteam^"):
        return Ref("usergroup", target.removeprefix("!subteam^"), label)
    if target.startswith("!"):
        word = target[1:].split("^", 1)[0]
        if word in BROADCASTS:
            return Ref("broadcast", "channel" if word == "group" else word, label)
        return Ref("link", word, label)
    return Ref("link", unescape(target), label)


def plain(raw: str) -> str:
    """Slack's escaped text as the plain words a person sees: sequences by their labels,
    entities decoded. A typed ``<b>`` arrived as ``&lt;b&gt;`` and comes back as ``<b>``."""
    out: list[str] = []
    last = 0
    for match in _SEQUENCE.finditer(raw):
        out.append(unescape(raw[last : match.start()]))
        out.append(_ref(match.group(1)).plain)
        last = match.end()
    out.append(unescape(raw[last:]))
    return "".join(out)


def defuse(text: str) -> str:
    """mrkdwn with every ``<!…>`` special mention (broadcasts, user groups) turned into the
    plain words it reads as: Beacon never notifies a whole channel or group, whatever a
    template or a message was built from."""
    return _SPECIAL.sub(lambda match: escape(_ref("!" + match.group(1)).plain), text)
