"""Shared Block Kit helpers and limits: text is cut to Slack's limits here, once."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    Block,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from app.briefs.view import IncidentView
from app.domain.text import defuse, escape

SECTION_TEXT = 3000


FIELD_TEXT = 2000


HEADER_TEXT = 150


OPTION_TEXT = 75


MAX_OPTIONS = 100


def cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def mrkdwn(text: str, limit: int = SECTION_TEXT) -> MarkdownTextObject:
    """Every mrkdwn text object Beacon builds: user text in it was escaped by its renderer
    (:func:`app.domain.text.escape`); no special mention survives (:func:`defuse`)."""
    return MarkdownTextObject(text=cut(defuse(text), limit))


def severity_text(view: IncidentView) -> str:
    text = f"{view.severity} · {view.severity_label}"
    if view.severity != view.declared_severity:
        text += f" (raised from {view.declared_severity})"
    return text


def option(text: str, value: str) -> Option:
    return Option(text=PlainTextObject(text=cut(text, OPTION_TEXT)), value=value)


def error_text(message: str, usage: str | None) -> str:
    return defuse(f":warning: {message}" + (f"\nUsage: {usage}" if usage else ""))


def declared_text(ref: str, severity: str, title: str, asked: str | None) -> str:
    """What the declarer reads once the incident exists, from the command or the form alike."""
    raised = f" (raised from {asked})" if asked and asked != severity else ""
    return (
        f":rotating_light: *{ref}* declared as {severity}{raised}: {escape(title)}."
        " Its channel is being opened and you are invited."
    )


def notice(text: str) -> tuple[str, list[Block]]:
    return text, [SectionBlock(text=mrkdwn(text))]


def text_modal(
    *,
    callback_id: str,
    title: str,
    submit: str,
    label: str,
    action_id: str,
    initial: str,
    metadata: str,
) -> View:
    return View(
        type="modal",
        callback_id=callback_id,
        title=PlainTextObject(text=cut(title, 24)),
        submit=PlainTextObject(text=cut(submit, 24)),
        close=PlainTextObject(text="Cancel"),
        private_metadata=metadata,
        blocks=[
            InputBlock(
                block_id=action_id,
                label=PlainTextObject(text=label),
                element=PlainTextInputElement(
                    action_id=action_id, multiline=True, initial_value=initial or None
                ),
            )
        ],
    )
