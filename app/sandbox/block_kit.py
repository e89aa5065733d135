"""Block Kit limit checks, mirroring what Slack rejects server-side.

Plain dicts are never validated by slack_sdk on the client side, so a bot that
builds blocks by hand only learns about an over-long title in production. The
fake runs these checks on every message and view and answers the way Slack
does, with ``[ERROR] ... [json-pointer:/blocks/3/text/text]`` messages. Blocks and views are
checked here, the objects and elements inside them in :mod:`app.sandbox.block_kit_objects`.

Limits are from shared/slack/FACTS.md section 6 (plus a few well-known ones:
checkboxes/radio options <= 10, overflow options <= 5, markdown block 12000).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from app.sandbox.block_kit_objects import (
    ACCESSORY_ELEMENTS,
    INPUT_ELEMENTS,
    INTERACTIVE_ELEMENTS,
    ObjectChecker,
    too_many,
)

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_MESSAGE_TEXT = 40_000
MAX_VIEW_BYTES = 250_000

BLOCK_TYPES = frozenset(
    {
        "actions",
        "context",
        "divider",
        "file",
        "header",
        "image",
        "input",
        "markdown",
        "rich_text",
        "section",
        "table",
        "video",
    }
)
VIEW_TYPES = frozenset({"modal", "home"})


def validate_message_blocks(blocks: Any, *, pointer: str = "/blocks") -> list[str]:
    """Errors for a message's ``blocks``; empty when Slack would accept them."""
    checker = _Checker()
    checker.blocks(blocks, pointer, max_blocks=MAX_MESSAGE_BLOCKS)
    return checker.errors


def validate_attachments(attachments: Any) -> list[str]:
    """Errors for legacy ``attachments``; only their nested ``blocks`` are checked."""
    if not isinstance(attachments, list):
        return ["[ERROR] must be an array [json-pointer:/attachments]"]
    checker = _Checker()
    for i, attachment in enumerate(attachments):
        if isinstance(attachment, dict) and "blocks" in attachment:
            checker.blocks(
                attachment["blocks"],
                f"/attachments/{i}/blocks",
                max_blocks=MAX_MESSAGE_BLOCKS,
            )
    return checker.errors


def validate_view(view: Any, *, allowed_types: Iterable[str] = VIEW_TYPES) -> list[str]:
    """Errors for a modal/home ``view`` object (views.open/push/update/publish)."""
    checker = _Checker()
    checker.view(view, "/view", frozenset(allowed_types))
    return checker.errors


class _Checker(ObjectChecker):
    """Walks one message's blocks or one view."""

    # -- blocks -----------------------------------------------------------

    def blocks(self, blocks: Any, pointer: str, *, max_blocks: int) -> None:
        if not isinstance(blocks, list):
            self.fail("must be an array", pointer)
            return
        if len(blocks) > max_blocks:
            self.errors.append(too_many(pointer, max_blocks))
        seen_ids: set[str] = set()
        for i, block in enumerate(blocks):
            path = f"{pointer}/{i}"
            if not isinstance(block, dict):
                self.fail("must be an object", path)
                continue
            block_id = block.get("block_id")
            if isinstance(block_id, str):
                if block_id in seen_ids:
                    self.fail(f"duplicate block_id: {block_id}", f"{path}/block_id")
                seen_ids.add(block_id)
            self.string(block, "block_id", path, 255)
            self.block(block, path)

    def block(self, block: dict[str, Any], path: str) -> None:
        kind = block.get("type")
        if kind not in BLOCK_TYPES:
            self.fail(f"unsupported block type: {kind!r}", f"{path}/type")
            return
        handler = getattr(self, f"block_{kind}", None)
        if handler is not None:
            handler(block, path)

    def block_section(self, block: dict[str, Any], path: str) -> None:
        if block.get("text") is None and block.get("fields") is None:
            self.fail("must provide either text or fields", path)
        self.text(block, "text", path, 3000)
        for j, field in enumerate(self.items(block, "fields", path, 10, required=False)):
            self.text_object(field, f"{path}/fields/{j}", 2000)
        accessory = block.get("accessory")
        if accessory is not None:
            self.element(accessory, f"{path}/accessory", ACCESSORY_ELEMENTS)

    def block_header(self, block: dict[str, Any], path: str) -> None:
        self.text(block, "text", path, 150, plain_only=True, required=True)

    def block_divider(self, block: dict[str, Any], path: str) -> None:
        return None

    def block_image(self, block: dict[str, Any], path: str) -> None:
        if block.get("image_url") is None and block.get("slack_file") is None:
            self.fail("must provide either image_url or slack_file", path)
        self.string(block, "image_url", path, 3000)
        self.string(block, "alt_text", path, 2000, required=True)
        self.text(block, "title", path, 2000, plain_only=True)

    def block_actions(self, block: dict[str, Any], path: str) -> None:
        elements = self.items(block, "elements", path, 25, required=True)
        self.elements(elements, f"{path}/elements", INTERACTIVE_ELEMENTS)

    def block_context(self, block: dict[str, Any], path: str) -> None:
        elements = self.items(block, "elements", path, 10, required=True)
        for j, element in enumerate(elements):
            epath = f"{path}/elements/{j}"
            if not isinstance(element, dict):
                self.fail("must be an object", epath)
            elif element.get("type") == "image":
                self.image_element(element, epath)
            else:
                self.text_object(element, epath, 3000)

    def block_input(self, block: dict[str, Any], path: str) -> None:
        self.text(block, "label", path, 2000, plain_only=True, required=True)
        self.text(block, "hint", path, 2000, plain_only=True)
        element = block.get("element")
        if element is None:
            self.fail("missing required field: element", path)
        else:
            self.element(element, f"{path}/element", INPUT_ELEMENTS)

    def block_markdown(self, block: dict[str, Any], path: str) -> None:
        self.string(block, "text", path, 12_000, required=True)

    def block_rich_text(self, block: dict[str, Any], path: str) -> None:
        self.items(block, "elements", path, 10_000, required=True)

    def block_file(self, block: dict[str, Any], path: str) -> None:
        self.string(block, "external_id", path, 255, required=True)
        self.string(block, "source", path, 255, required=True)

    def block_video(self, block: dict[str, Any], path: str) -> None:
        self.text(block, "title", path, 200, plain_only=True, required=True)
        self.string(block, "alt_text", path, 2000, required=True)
        self.string(block, "video_url", path, 3000, required=True)
        self.string(block, "thumbnail_url", path, 3000, required=True)

    # -- views ------------------------------------------------------------

    def view(self, view: Any, pointer: str, allowed_types: frozenset[str]) -> None:
        if not isinstance(view, dict):
            self.fail("must be an object", pointer)
            return
        kind = view.get("type")
        if kind not in allowed_types:
            allowed = ", ".join(sorted(allowed_types))
            self.fail(f"must be a valid enum value: {allowed}", f"{pointer}/type")
            return
        blocks = view.get("blocks")
        if blocks is None:
            self.fail("missing required field: blocks", pointer)
        else:
            self.blocks(blocks, f"{pointer}/blocks", max_blocks=MAX_VIEW_BLOCKS)
        self.string(view, "private_metadata", pointer, 3000)
        self.string(view, "callback_id", pointer, 255)
        self.string(view, "external_id", pointer, 255)
        if kind == "modal":
            self.text(view, "title", pointer, 24, plain_only=True, required=True)
            self.text(view, "submit", pointer, 24, plain_only=True)
            self.text(view, "close", pointer, 24, plain_only=True)
            has_input = isinstance(blocks, list) and any(
                isinstance(b, dict) and b.get("type") == "input" for b in blocks
            )
            if has_input and view.get("submit") is None:
                self.fail("submit is required when a view contains input blocks", pointer)
