"""Reading someone's screen the way a person would: a button by its label, a form's fields."""

from __future__ import annotations

import re
from typing import Any

from app.drills.script import DrillError
from app.sandbox.runtime import Seen

_EMOJI = re.compile(r":[a-z0-9_+-]+:")


def find_button(message: Seen, label: str) -> dict[str, Any] | None:
    """A button of ``message`` whose text (emoji aside) or action id is ``label``."""
    wanted = label.strip().lower()
    for block in message.blocks or []:
        elements = list(block.get("elements") or [])
        if block.get("accessory"):
            elements.append(block["accessory"])
        for element in elements:
            if element.get("type") != "button":
                continue
            text = _EMOJI.sub("", str((element.get("text") or {}).get("text", ""))).strip()
            if wanted in (text.lower(), str(element.get("action_id", "")).lower()):
                return {**element, "block_id": block.get("block_id", "")}
    return None


def form_fields(view: dict[str, Any], answers: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The page-style form fields for a modal, from a drill's ``{block_id: value}``."""
    fields: dict[str, dict[str, Any]] = {}
    known = set()
    for block in view.get("blocks") or []:
        element = block.get("element")
        if block.get("type") != "input" or not element:
            continue
        block_id = block.get("block_id", "")
        known.add(block_id)
        kind = element.get("type", "plain_text_input")
        value = answers.get(block_id)
        if kind in ("multi_static_select", "checkboxes"):
            value = value if isinstance(value, list) else ([value] if value else [])
        fields[block_id] = {element.get("action_id", ""): {"kind": kind, "value": value}}
    unknown = set(answers) - known
    if unknown:
        raise DrillError(f"the form has no fields {sorted(unknown)}; it has {sorted(known)}")
    return fields
