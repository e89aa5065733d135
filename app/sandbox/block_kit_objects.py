"""Block Kit composition objects and elements, checked as Slack checks them: text objects,
buttons, selects, options and confirm dialogs, wherever a block holds them.

The half of :mod:`app.sandbox.block_kit` below the block level; limits are from
shared/slack/FACTS.md section 6 (plus checkboxes/radio options <= 10, overflow options <= 5).
"""

from __future__ import annotations

from typing import Any

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
TEXT_TYPES = frozenset({"plain_text", "mrkdwn"})


def too_long(pointer: str, limit: int) -> str:
    return f"[ERROR] must be less than {limit + 1} characters [json-pointer:{pointer}]"


def too_many(pointer: str, limit: int) -> str:
    return f"[ERROR] no more than {limit} items allowed [json-pointer:{pointer}]"


class ObjectChecker:
    """Walks one payload's objects and elements, collecting every violation (Slack reports
    several at once); :mod:`app.sandbox.block_kit` adds blocks and views."""

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
