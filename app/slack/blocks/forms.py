"""Modals that collect input; their ids come from app.slack.ids, which the handlers read too."""

from __future__ import annotations

import json
from collections.abc import Sequence

from slack_sdk.models.blocks import (
    Block,
    CheckboxesElement,
    InputBlock,
    PlainTextInputElement,
    PlainTextObject,
    StaticMultiSelectElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from app.catalog.models import Severity
from app.slack.blocks.common import (
    MAX_OPTIONS,
    option,
)
from app.slack.ids import (
    DECLARE_VIEW,
    DeclareField,
    DeclareOption,
)


def declare_modal(
    *,
    severities: Sequence[Severity],
    services: Sequence[tuple[str, str]],
    title: str | None = None,
    severity: str | None = None,
    chosen_services: Sequence[str] = (),
    accounts: Sequence[str] = (),
    private: bool = False,
    metadata: dict[str, str] | None = None,
) -> View:
    """The declaration form; prefilled from whatever the text command already said."""
    severity_options = [option(f"{s.id} · {s.label}", s.id) for s in severities]
    service_options = [option(f"{name} ({sid})", sid) for sid, name in services]
    by_value = {option.value: option for option in [*severity_options, *service_options]}
    service_element: StaticMultiSelectElement | PlainTextInputElement
    if len(service_options) <= MAX_OPTIONS:
        service_element = StaticMultiSelectElement(
            action_id=DeclareField.SERVICES,
            placeholder=PlainTextObject(text="Pick the services that are degraded"),
            options=service_options,
            initial_options=[by_value[s] for s in chosen_services if s in by_value] or None,
        )
    else:
        service_element = PlainTextInputElement(
            action_id=DeclareField.SERVICES,
            placeholder=PlainTextObject(text="checkout, payments"),
            initial_value=", ".join(chosen_services) or None,
        )
    option_values = {
        DeclareOption.CUSTOMER_VISIBLE: option("Customers can see the impact", "customer_visible"),
        DeclareOption.PRIVATE: option("Private incident (no announcement)", "private"),
    }
    initial = [option_values[DeclareOption.CUSTOMER_VISIBLE]]
    if private:
        initial.append(option_values[DeclareOption.PRIVATE])
    blocks: list[Block] = [
        InputBlock(
            block_id=DeclareField.TITLE,
            label=PlainTextObject(text="Title"),
            element=PlainTextInputElement(
                action_id=DeclareField.TITLE,
                initial_value=title or None,
                max_length=120,
                placeholder=PlainTextObject(text="Checkout failing for EU cards"),
            ),
        ),
        InputBlock(
            block_id=DeclareField.SEVERITY,
            label=PlainTextObject(text="Severity"),
            element=StaticSelectElement(
                action_id=DeclareField.SEVERITY,
                placeholder=PlainTextObject(text="How bad is it?"),
                options=severity_options,
                initial_option=by_value.get(severity) if severity else None,
            ),
        ),
        InputBlock(
            block_id=DeclareField.SERVICES,
            label=PlainTextObject(text="Services affected"),
            element=service_element,
            optional=True,
        ),
        InputBlock(
            block_id=DeclareField.ACCOUNTS,
            label=PlainTextObject(text="Customer accounts known to be hurt"),
            hint=PlainTextObject(text="Account ids or names, separated by commas."),
            element=PlainTextInputElement(
                action_id=DeclareField.ACCOUNTS,
                initial_value=", ".join(accounts) or None,
                placeholder=PlainTextObject(text="acme, globex"),
            ),
            optional=True,
        ),
        InputBlock(
            block_id=DeclareField.SUMMARY,
            label=PlainTextObject(text="What is known"),
            element=PlainTextInputElement(action_id=DeclareField.SUMMARY, multiline=True),
            optional=True,
        ),
        InputBlock(
            block_id=DeclareField.OPTIONS,
            label=PlainTextObject(text="Visibility"),
            element=CheckboxesElement(
                action_id=DeclareField.OPTIONS,
                options=list(option_values.values()),
                initial_options=initial,
            ),
            optional=True,
        ),
    ]
    return View(
        type="modal",
        callback_id=DECLARE_VIEW,
        title=PlainTextObject(text="Declare an incident"),
        submit=PlainTextObject(text="Declare"),
        close=PlainTextObject(text="Cancel"),
        private_metadata=json.dumps(metadata or {}),
        blocks=blocks,
    )
