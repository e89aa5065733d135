"""Drafting the internal and customer-facing briefs from what a responder typed (SPEC 5.3).

Built-in Jinja2 templates sit beside this module; a file of the same name in
``config/templates/`` replaces one. The customer templates are handed text that has already been
scrubbed of internal service and team ids, so an override cannot leak them by accident.
Templates render with ``StrictUndefined`` and are test-rendered when the configuration loads:
a typo in an override fails ``check-config``, not the 3 a.m. update.

Customer texts are plain (webhooks, status pages and email get them as they are; Slack renderers
escape them). The internal briefs are Slack mrkdwn, so every value put into them is escaped as it
is rendered (Jinja2's ``finalize``): what a responder typed can never become a link or a mention.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
    TemplateSyntaxError,
)

from app.briefs.view import IncidentView, ServiceLine, clock_time
from app.catalog.errors import ConfigError, ConfigIssue
from app.catalog.models import Catalog
from app.domain.text import escape
from app.domain.updates import UpdateInput
from app.domain.wording import join_words, says_nothing, sentence

BUILT_IN = Path(__file__).with_name("templates")
MRKDWN = frozenset({"internal", "resolution_internal"})
"""Templates whose output is mrkdwn posted to Slack only."""


class Scrubber:
    """Replaces internal ids (whole words) with the customer-facing names they stand for."""

    def __init__(self, names: Mapping[str, str]) -> None:
        self.names = {
            key.lower(): name for key, name in names.items() if key and key.lower() != name.lower()
        }
        """Ids that are their public name but for case ("payments" → "Payments") are left as
        typed: nothing internal shows, and "retry card payments" does not become "card Payments"."""
        words = sorted(self.names, key=len, reverse=True)
        self.pattern = (
            re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, words)) + r")(?![\w-])", re.I)
            if words
            else None
        )

    def __call__(self, text: str | None) -> str | None:
        if not text or self.pattern is None:
            return text
        return self.pattern.sub(lambda match: self.names[match.group(1).lower()], text)


def _environment(
    templates_dir: Path | None, finalize: Callable[[Any], Any] | None = None
) -> Environment:
    loaders = [FileSystemLoader(templates_dir)] if templates_dir else []
    return Environment(
        finalize=finalize,
        loader=ChoiceLoader([*loaders, FileSystemLoader(BUILT_IN)]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        autoescape=False,
    )


def customer_headline(names: list[str]) -> str:
    """The title customers see: the customer-facing names of the services hurt, never the
    incident's own title, which is written for responders."""
    return f"Service disruption: {join_words(names)}" if names else "Service disruption"


class Drafter:
    def __init__(
        self, templates_dir: Path | None, internal_names: Mapping[str, str] | None = None
    ) -> None:
        """``internal_names`` maps each internal service id to its customer-facing name."""
        self.env = _environment(templates_dir)
        self.mrkdwn_env = _environment(templates_dir, _escaped)
        self.scrub = Scrubber(internal_names or {})

    def _render(self, name: str, **context: Any) -> str:
        env = self.mrkdwn_env if name in MRKDWN else self.env
        text = env.get_template(f"{name}.j2").render(**context)
        return re.sub(r"\n{3,}", "\n\n", text).strip()

    def _common(self, view: IncidentView, next_update_due: datetime | None) -> dict[str, Any]:
        names = [service.name for service in view.services]
        return {
            "incident": view,
            "services": view.services,
            "capabilities": join_words(names) or "some of our services",
            "headline": customer_headline(names),
            "next_update": clock_time(next_update_due),
        }

    def _public(self, text: str | None) -> str | None:
        """What customers read of a responder's words: no internal ids, a capital first."""
        return sentence(self.scrub(text))

    def _public_update(self, update: UpdateInput) -> UpdateInput:
        public = self._public
        return replace(
            update,
            summary=public(update.summary) or "",
            impact=public(update.impact),
            cause=public(update.cause),
            action=public(update.action),
            next=public(update.next),
            workaround=public(update.workaround),
        )

    def internal(
        self,
        view: IncidentView,
        update: UpdateInput,
        *,
        now: datetime,
        next_update_due: datetime | None,
    ) -> str:
        return self._render(
            "internal",
            **self._common(view, next_update_due),
            update=update,
            now=now,
            eta=update.eta_text,
            eta_at=clock_time(now + update.eta) if update.eta else None,
        )

    def customer(
        self,
        view: IncidentView,
        update: UpdateInput,
        *,
        now: datetime,
        next_update_due: datetime | None,
    ) -> str:
        return self._render(
            "customer",
            **self._common(view, next_update_due),
            update=self._public_update(update),
            now=now,
            eta=update.eta_text,
            eta_at=clock_time(now + update.eta) if update.eta else None,
        )

    def initial_notice(
        self,
        view: IncidentView,
        *,
        now: datetime,
        next_update_due: datetime | None,
        cause: str | None = None,
    ) -> str:
        public = replace(view, summary=self._public(view.summary) or "")
        return self._render(
            "initial", **self._common(public, next_update_due), now=now, cause=self._public(cause)
        )

    def resolution(
        self,
        view: IncidentView,
        *,
        now: datetime,
        fix: str | None,
        customer_steps: str | None,
    ) -> str:
        return self._render(
            "resolution",
            **self._common(view, None),
            now=now,
            fix=self._public(fix),
            customer_steps=None if says_nothing(customer_steps) else self._public(customer_steps),
            nothing_to_do=bool(customer_steps) and says_nothing(customer_steps),
        )

    def resolution_internal(
        self,
        view: IncidentView,
        *,
        now: datetime,
        by: str,
        fix: str | None,
        residual_risk: str | None,
        customer_steps: str | None,
    ) -> str:
        """The internal resolution brief: technical, ids left in, posted at once."""
        return self._render(
            "resolution_internal",
            **self._common(view, None),
            now=now,
            by=by,
            fix=fix,
            residual_risk=residual_risk,
            customer_steps=customer_steps,
        )

    def review_summary(self, view: IncidentView, *, now: datetime, fix: str | None) -> str:
        """The customer-facing post-incident summary, drafted for approval."""
        return self._render(
            "review_customer", **self._common(view, None), now=now, fix=self._public(fix)
        )

    def problems(self) -> list[ConfigIssue]:
        """Every template that does not parse or does not render for a sample incident."""
        issues = []
        now = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
        view = _sample_view(now)
        update = UpdateInput(
            summary="s",
            status="identified",
            impact="i",
            cause="c",
            action="a",
            next="n",
            workaround="w",
        )
        samples: dict[str, Callable[[], str]] = {
            "internal": lambda: self.internal(view, update, now=now, next_update_due=now),
            "customer": lambda: self.customer(view, update, now=now, next_update_due=now),
            "initial": lambda: self.initial_notice(view, now=now, next_update_due=now, cause="c"),
            "resolution": lambda: self.resolution(view, now=now, fix="f", customer_steps="s"),
            "resolution_internal": lambda: self.resolution_internal(
                view, now=now, by="U0IC", fix="f", residual_risk="r", customer_steps="s"
            ),
            "review_customer": lambda: self.review_summary(view, now=now, fix="f"),
        }
        for name, render in samples.items():
            try:
                render()
            except TemplateSyntaxError as error:
                where = error.filename or f"{name}.j2"
                issues.append(ConfigIssue(where, error.lineno, error.message or "syntax error"))
            except TemplateError as error:
                where = self.env.get_template(f"{name}.j2").filename or f"{name}.j2"
                issues.append(ConfigIssue(where, 0, f"does not render: {error}"))
        return issues


def _escaped(value: Any) -> Any:
    """Every ``{{ value }}`` in a mrkdwn template, as the text it prints, escaped."""
    return escape(str(value))


def drafter_for(catalog: Catalog) -> Drafter:
    return Drafter(
        catalog.templates_dir, {sid: service.name for sid, service in catalog.services.items()}
    )


def check_templates(catalog: Catalog) -> Catalog:
    """``catalog``, once its override templates (if any) parse and render for a sample incident;
    a ConfigError naming each broken one otherwise. Every command that loads the configuration
    runs this after :func:`app.catalog.loader.load_catalog`, which knows nothing of drafting."""
    templates = catalog.templates_dir
    if templates is not None and (problems := Drafter(templates).problems()):
        raise ConfigError(problems)
    return catalog


def _sample_view(now: datetime) -> IncidentView:
    return IncidentView(
        ref="INC-1",
        number=1,
        title="Sample",
        severity="SEV1",
        severity_label="Critical",
        declared_severity="SEV1",
        raised_because=(),
        status="investigating",
        private=False,
        customer_visible=True,
        commander="U0IC",
        comms_lead=None,
        declared_by="U0IC",
        declared_at=now,
        summary="",
        services=(ServiceLine("svc", "Service", True),),
        accounts=(),
        next_update_due=now,
        channel_id=None,
        channel_name=None,
    )
