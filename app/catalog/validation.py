"""Schema validation of one file, with pydantic's errors rewritten as ``file:line: message``.

pydantic already collects every error in a document; what it lacks is lines and wording an
operator can act on ("unknown key `dependance` in `accounts.acme`. Did you mean `dependence`?").
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from app.catalog.errors import ConfigIssue
from app.catalog.schema import field_names, model_at
from app.catalog.sources import Source
from app.catalog.suggest import did_you_mean

FileModel = TypeVar("FileModel", bound=BaseModel)

_TYPE_WORDS = {
    "string_type": "expected text",
    "int_type": "expected a whole number",
    "int_parsing": "expected a whole number",
    "int_from_float": "expected a whole number",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "dict_type": "expected a mapping (key: value)",
    "model_type": "expected a mapping (key: value)",
    "model_attributes_type": "expected a mapping (key: value)",
    "list_type": "expected a list",
    "date_type": "expected a date (YYYY-MM-DD)",
    "date_parsing": "expected a date (YYYY-MM-DD)",
    "date_from_datetime_parsing": "expected a date (YYYY-MM-DD)",
    "datetime_type": "expected a date and time (YYYY-MM-DDTHH:MM)",
    "datetime_parsing": "expected a date and time (YYYY-MM-DDTHH:MM)",
    "datetime_from_date_parsing": "expected a date and time (YYYY-MM-DDTHH:MM)",
}


def validate(model: type[FileModel], source: Source) -> tuple[FileModel | None, list[ConfigIssue]]:
    try:
        return model.model_validate(source.data), []
    except ValidationError as error:
        return None, [_issue(model, source, detail) for detail in error.errors()]


def _issue(model: type[BaseModel], source: Source, detail: ErrorDetails) -> ConfigIssue:
    path = tuple(step for step in detail["loc"] if step != "[key]")
    kind = detail["type"]
    if kind == "missing":
        return source.issue(path[:-1], f"`{source.describe(path)}` is required")
    if kind == "extra_forbidden":
        return source.issue(path, _unknown_key(model, source, path))
    where = f"`{source.describe(path)}`: " if path else "the file: "
    return source.issue(path, where + _message(detail))


def _unknown_key(model: type[BaseModel], source: Source, path: tuple[Any, ...]) -> str:
    parent, key = path[:-1], str(path[-1])
    message = f"unknown key `{key}`" + (f" in `{source.describe(parent)}`" if parent else "")
    owner = model_at(model, parent)
    if owner is None:
        return message
    allowed = field_names(owner)
    hint = did_you_mean(key, allowed)
    return message + (f".{hint}" if hint else f" (allowed: {', '.join(allowed)})")


def _message(detail: ErrorDetails) -> str:
    kind = detail["type"]
    ctx = detail.get("ctx", {})
    if kind == "value_error":
        return str(ctx.get("error", detail["msg"]))
    if kind == "greater_than_equal":
        return f"must be at least {ctx['ge']}, got `{detail['input']}`"
    if kind == "greater_than":
        return f"must be more than {ctx['gt']}, got `{detail['input']}`"
    if kind == "too_short":
        return "must not be empty"
    words = _TYPE_WORDS.get(kind)
    if words is None:
        return detail["msg"]
    value = detail["input"]
    shown = "nothing" if value is None else f"`{value}`"
    if isinstance(value, dict | list):
        shown = "a mapping" if isinstance(value, dict) else "a list"
    return f"{words}, got {shown}"
