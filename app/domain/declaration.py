"""What a responder asks for when declaring, parsed and checked against the catalog.

The text form and the modal meet here, so both give the same answers to the same mistakes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from app.catalog.models import Catalog, Policy
from app.catalog.suggest import did_you_mean
from app.domain.commands import USAGE
from app.domain.errors import UsageError
from app.domain.segments import split_list, split_segments
from app.domain.text import escape
from app.domain.wording import join_words

MAX_SUGGESTED = 5
"""Unknown names answered one by one (with suggestions); past these, only counted. Each costs a
pass over every known name, so 500 typos against 10,000 accounts stay five passes."""
MAX_TITLE = 120
"""Keeps ``INC-<n> · <title>`` inside a 150-character Block Kit header."""


@dataclass(frozen=True)
class Declaration:
    title: str | None
    severity: str | None
    services: tuple[str, ...] = ()
    accounts: tuple[str, ...] = ()
    private: bool = False
    summary: str = ""
    customer_visible: bool = True
    drill: bool = False
    """A rehearsal: its title says so everywhere it shows, and metrics leave it out."""

    @property
    def complete(self) -> bool:
        """A declaration without title or severity goes through the form instead."""
        return bool(self.title) and self.severity is not None


def parse_declare(text: str, catalog: Catalog, *, suggest: bool = True) -> Declaration:
    """``suggest=False``: a mistyped service or account raises :class:`UnknownName` at once,
    instead of working out suggestions (see ``_resolve``)."""
    usage = USAGE["declare"]
    words = text.split()
    flags: set[str] = set()
    while words and words[0].lower() in ("private", "drill") and words[0].lower() not in flags:
        flags.add(words.pop(0).lower())
    private, drill = "private" in flags, "drill" in flags
    severity = None
    if words:
        severity = match_severity(words[0], catalog.policy)
        if severity is not None:
            words = words[1:]
        elif _looks_like_severity(words[0], catalog.policy):
            raise UsageError(
                f"Unknown severity `{escape(words[0])}`. Choose "
                + join_words((f"`{s.id}`" for s in catalog.policy.severities), "or")
                + ".",
                usage=usage,
            )
    title, segments = split_segments(" ".join(words), ("services", "accounts"), usage=usage)
    for key in ("services", "accounts"):
        if key in segments and not segments[key]:
            raise UsageError(f"`{key}:` is empty; name at least one or leave it out.", usage=usage)
    declaration = Declaration(
        title=title or None,
        severity=severity,
        services=resolve_services(
            split_list(segments.get("services", "")), catalog, suggest=suggest
        ),
        accounts=resolve_accounts(
            split_list(segments.get("accounts", "")), catalog, suggest=suggest
        ),
        private=private,
        drill=drill,
    )
    check_title(declaration.title, usage=usage)
    if drill and declaration.title:
        return replace(declaration, title=drill_title(declaration.title))
    return declaration


DRILL_PREFIX = "[DRILL]"


def drill_title(title: str) -> str:
    """A drill's title starts with ``[DRILL]``, so no message about it can pass for real."""
    return title if title.startswith(DRILL_PREFIX) else f"{DRILL_PREFIX} {title}"


def check_title(title: str | None, *, usage: str | None = None) -> None:
    if title and len(title) > MAX_TITLE:
        raise UsageError(
            f"The title is {len(title)} characters; keep it under {MAX_TITLE}"
            " and put the details in what is known.",
            usage=usage,
        )


def match_severity(word: str, policy: Policy) -> str | None:
    for severity in policy.severities:
        if severity.id.lower() == word.lower():
            return severity.id
    return None


def _looks_like_severity(word: str, policy: Policy) -> bool:
    """``SEV9`` when the policy has SEV1–SEV4: the shape of a severity id with other digits."""
    shapes = {re.sub(r"\d+", r"\\d+", re.escape(s.id)) for s in policy.severities}
    return any(re.fullmatch(shape, word, re.IGNORECASE) for shape in shapes if "\\d" in shape)


class UnknownName(UsageError):
    """A word that names no service or account, raised without suggestions (``suggest=False``)."""


def _resolve(
    words: Iterable[str],
    known: Mapping[str, str],
    ids: Iterable[str],
    kind: str,
    usage: str,
    *,
    suggest: bool = True,
) -> tuple[str, ...]:
    """``known``: the catalog's ``ids`` by lower-cased id or name. ``suggest``: say what each
    unknown word may have meant, a pass over every id (about a second for 100,000 accounts);
    without it an unknown word raises :class:`UnknownName`."""
    resolved: list[str] = []
    unknown: list[str] = []
    for word in words:
        key = known.get(word.lower())
        if key is None:
            unknown.append(word)
        elif key not in resolved:
            resolved.append(key)
    if unknown and not suggest:
        raise UnknownName(f"Unknown {kind} `{escape(unknown[0])}`.", usage=usage)
    if unknown:
        lines = [
            f"Unknown {kind} `{escape(word)}`.{did_you_mean(word, ids)}"
            for word in unknown[:MAX_SUGGESTED]
        ]
        if len(unknown) > MAX_SUGGESTED:
            lines.append(f"…and {len(unknown) - MAX_SUGGESTED} more unknown {kind} names.")
        raise UsageError("\n".join(lines), usage=usage)
    return tuple(resolved)


def resolve_services(
    words: Iterable[str], catalog: Catalog, usage: str = USAGE["declare"], *, suggest: bool = True
) -> tuple[str, ...]:
    """``usage``: the command whose usage a mistyped service is answered with."""
    return _resolve(
        words, catalog.service_words, catalog.services, "service", usage, suggest=suggest
    )


def resolve_accounts(
    words: Iterable[str], catalog: Catalog, usage: str = USAGE["declare"], *, suggest: bool = True
) -> tuple[str, ...]:
    """``usage``: the command whose usage a mistyped account is answered with."""
    return _resolve(
        words, catalog.account_words, catalog.accounts, "account", usage, suggest=suggest
    )


class FieldErrors(UsageError):
    """Form input problems keyed by the field they belong to, shown inline in the modal."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def from_form(
    catalog: Catalog,
    *,
    title: str,
    severity: str | None,
    services: Iterable[str],
    accounts: Iterable[str],
    summary: str,
    private: bool,
    customer_visible: bool,
    drill: bool = False,
) -> Declaration:
    """Check every field and report all problems at once, each under its own input."""
    errors: dict[str, str] = {}
    resolved: dict[str, tuple[str, ...]] = {}
    title = title.strip()
    if not title:
        errors["title"] = "Give the incident a short title."
    elif len(title) > MAX_TITLE:
        errors["title"] = f"Keep the title under {MAX_TITLE} characters."
    if severity is None or match_severity(severity, catalog.policy) is None:
        errors["severity"] = "Pick a severity."
    for field, words, resolve in (
        ("services", services, resolve_services),
        ("accounts", accounts, resolve_accounts),
    ):
        try:
            resolved[field] = resolve(words, catalog)
        except UsageError as error:
            errors[field] = error.message
    if errors:
        raise FieldErrors(errors)
    return Declaration(
        title=drill_title(title) if drill else title,
        severity=match_severity(severity or "", catalog.policy),
        services=resolved["services"],
        accounts=resolved["accounts"],
        private=private,
        summary=summary.strip(),
        customer_visible=customer_visible,
        drill=drill,
    )
