"""Block Kit limit checks, mirroring what Slack rejects server-side.

Plain dicts are never validated by slack_sdk on the client side, so a bot that
builds blocks by hand only learns about an over-long title in production. The
fake runs these checks on every message and view and answers the way Slack
does, with ``[ERROR] ... [json-pointer:/blocks/3/text/text]`` messages.

Limits are from shared/slack/FACTS.md section 6 (plus a few well-known ones:
checkboxes/radio options <= 10, overflow options <= 5, markdown block 12000).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

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
# Elements that can sit in an input block.
INPUT_ELEMENTS = frozenset(
    {
        "checkboxes",
        "channels_select",
        "conversations_select",
        "datepicker",
        "datetimepicker",
        "email_text_input",
        "external_select",
        "file_input",
        "multi_channels_select",
        "multi_conversations_select",
        "multi_external_select",
        "multi_static_select",
        "multi_users_select",
        "number_input",
        "plain_text_input",
        "radio_buttons",
        "rich_text_input",
        "static_select",
        "timepicker",
        "url_text_input",
        "users_select",
    }
)
# Interactive elements for actions blocks and section accessories.
INTERACTIVE_ELEMENTS = (INPUT_ELEMENTS - {"file_input"}) | {"button", "overflow", "workflow_button"}
ACCESSORY_ELEMENTS = INTERACTIVE_ELEMENTS | {"image"}
TEXT_TYPES = frozenset({"plain_text", "mrkdwn"})
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


def too_long(pointer: str, limit: int) -> str:
    return f"[ERROR] must be less than {limit + 1} characters [json-pointer:{pointer}]"


def too_many(pointer: str, limit: int) -> str:
    return f"[ERROR] no more than {limit} items allowed [json-pointer:{pointer}]"


class _Checker:
    """Walks one payload, collecting every violation (Slack reports several at once)."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def fail(self, message: str, pointer: str) -> None:
        self.errors.append(f"[ERROR] {message} [json-pointer:{pointer}]")

    # -- primitives -------------------------------------------------------

    def string(
        self, obj: dict[str, Any], key: str, pointer: str, limit: int, *, required: bool = False
    ) -> None:
        value = obj.get(key)
        path = f"{pointer}/{key}"
        if value is None:
            if required:
                self.fail(f"missing required field: {key}", pointer)
            return
        if not isinstance(value, str):
            self.fail("must be a string", path)
        elif len(value) > limit:
            self.errors.append(too_long(path, limit))

    def text(
        self,
        obj: dict[str, Any],
        key: str,
        pointer: str,
        limit: int,
        *,
        plain_only: bool = False,
        required: bool = False,
    ) -> None:
        """A composition text object: {"type": "plain_text"|"mrkdwn", "text": "..."}."""
        value = obj.get(key)
        path = f"{pointer}/{key}"
        if value is None:
            if required:
                self.fail(f"missing required field: {key}", pointer)
            return
        self.text_object(value, path, limit, plain_only=plain_only)

    def text_object(self, value: Any, path: str, limit: int, *, plain_only: bool = False) -> None:
        if not isinstance(value, dict):
            self.fail("must be a text object", path)
            return
        kind = value.get("type")
        if kind not in TEXT_TYPES:
            self.fail("must be a valid enum value: plain_text, mrkdwn", f"{path}/type")
            return
        if plain_only and kind != "plain_text":
            self.fail("must be a plain_text object", f"{path}/type")
        body = value.get("text")
        if not isinstance(body, str):
            self.fail("missing required field: text", path)
        elif not body:
            self.fail("must be more than 0 characters", f"{path}/text")
        elif len(body) > limit:
            self.errors.append(too_long(f"{path}/text", limit))

    def items(
        self, obj: dict[str, Any], key: str, pointer: str, limit: int, *, required: bool
    ) -> list[Any]:
        value = obj.get(key)
        path = f"{pointer}/{key}"
        if value is None:
            if required:
                self.fail(f"missing required field: {key}", pointer)
            return []
        if not isinstance(value, list):
            self.fail("must be an array", path)
            return []
        if required and not value:
            self.fail("must provide at least 1 items", path)
        if len(value) > limit:
            self.errors.append(too_many(path, limit))
        return value

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

    # -- elements ---------------------------------------------------------

    def elements(self, elements: list[Any], pointer: str, allowed: frozenset[str]) -> None:
        seen: set[str] = set()
        for j, element in enumerate(elements):
            action_id = element.get("action_id") if isinstance(element, dict) else None
            if isinstance(action_id, str):
                if action_id in seen:
                    self.fail(f"duplicate action_id: {action_id}", f"{pointer}/{j}/action_id")
                seen.add(action_id)
            self.element(element, f"{pointer}/{j}", allowed)

    def element(self, element: Any, path: str, allowed: frozenset[str]) -> None:
        if not isinstance(element, dict):
            self.fail("must be an object", path)
            return
        kind = element.get("type")
        if kind not in allowed:
            self.fail(f"unsupported element type here: {kind!r}", f"{path}/type")
            return
        self.string(element, "action_id", path, 255)
        self.text(element, "placeholder", path, 150, plain_only=True)
        self.confirm(element, path)
        if kind == "image":
            self.image_element(element, path)
        elif kind in ("button", "workflow_button"):
            self.text(element, "text", path, 75, plain_only=True, required=True)
            self.string(element, "value", path, 2000)
            self.string(element, "url", path, 3000)
            style = element.get("style")
            if style is not None and style not in ("primary", "danger"):
                self.fail("must be a valid enum value: primary, danger", f"{path}/style")
        elif kind == "overflow":
            self.options(element, path, 5, required=True, mrkdwn=False)
        elif kind in ("checkboxes", "radio_buttons"):
            self.options(element, path, 10, required=True, mrkdwn=True)
        elif kind in ("static_select", "multi_static_select"):
            self.select_options(element, path)
        elif kind == "plain_text_input":
            self.string(element, "initial_value", path, 3000)
            max_length = element.get("max_length")
            if isinstance(max_length, int) and max_length > 3000:
                self.fail("must be less than or equal to 3000", f"{path}/max_length")

    def image_element(self, element: dict[str, Any], path: str) -> None:
        if element.get("image_url") is None and element.get("slack_file") is None:
            self.fail("must provide either image_url or slack_file", path)
        self.string(element, "image_url", path, 3000)
        self.string(element, "alt_text", path, 2000, required=True)

    def select_options(self, element: dict[str, Any], path: str) -> None:
        has_options = element.get("options") is not None
        has_groups = element.get("option_groups") is not None
        if has_options == has_groups:
            self.fail("must provide exactly one of options or option_groups", path)
        self.options(element, path, 100, required=False, mrkdwn=False)
        groups = self.items(element, "option_groups", path, 100, required=False)
        for g, group in enumerate(groups):
            gpath = f"{path}/option_groups/{g}"
            if not isinstance(group, dict):
                self.fail("must be an object", gpath)
                continue
            self.text(group, "label", gpath, 75, plain_only=True, required=True)
            self.options(group, gpath, 100, required=True, mrkdwn=False)

    def options(
        self, obj: dict[str, Any], path: str, limit: int, *, required: bool, mrkdwn: bool
    ) -> None:
        for k, option in enumerate(self.items(obj, "options", path, limit, required=required)):
            self.option(option, f"{path}/options/{k}", mrkdwn=mrkdwn)
        for key in ("initial_option",):
            if isinstance(obj.get(key), dict):
                self.option(obj[key], f"{path}/{key}", mrkdwn=mrkdwn)

    def option(self, option: Any, path: str, *, mrkdwn: bool) -> None:
        if not isinstance(option, dict):
            self.fail("must be an object", path)
            return
        self.text(option, "text", path, 75, plain_only=not mrkdwn, required=True)
        self.string(option, "value", path, 150, required=True)
        self.text(option, "description", path, 75, plain_only=not mrkdwn)
        self.string(option, "url", path, 3000)

    def confirm(self, element: dict[str, Any], path: str) -> None:
        confirm = element.get("confirm")
        if confirm is None:
            return
        cpath = f"{path}/confirm"
        if not isinstance(confirm, dict):
            self.fail("must be an object", cpath)
            return
        self.text(confirm, "title", cpath, 100, plain_only=True, required=True)
        self.text(confirm, "text", cpath, 300, required=True)
        self.text(confirm, "confirm", cpath, 30, plain_only=True, required=True)
        self.text(confirm, "deny", cpath, 30, plain_only=True, required=True)

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
