"""Pages as documents: JSON, HTML and Atom from a :class:`~app.publishing.view.Page`.

Templates are Jinja2, overridable like the briefs: a file of the same name in
``config/templates`` wins over the built-in one in ``app/publishing/templates``.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, select_autoescape

from app.publishing.view import Banner, IncidentEntry, Page

BUILT_IN = Path(__file__).parent / "templates"


def environment(templates_dir: Path | None) -> Environment:
    loaders = [FileSystemLoader(templates_dir)] if templates_dir else []
    return Environment(
        loader=ChoiceLoader([*loaders, FileSystemLoader(BUILT_IN)]),
        undefined=StrictUndefined,
        autoescape=select_autoescape(["html.j2", "atom.j2"], default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _time(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def incident_json(item: IncidentEntry) -> dict[str, Any]:
    return {
        "id": item.id,
        "title": item.title,
        "impact": item.impact,
        "status": item.status,
        "started_at": _time(item.started_at),
        "updated_at": _time(item.updated_at),
        "resolved_at": _time(item.resolved_at),
        "components": list(item.components),
        "notices": [
            {"kind": notice.kind, "text": notice.text, "at": _time(notice.at)}
            for notice in item.notices
        ],
    }


def page_json(page: Page) -> dict[str, Any]:
    return {
        "title": page.title,
        "url": page.url,
        "status": page.overall,
        "updated_at": _time(page.updated_at),
        "components": [
            {"name": component.name, "status": component.state, "label": component.label}
            for component in page.components
        ],
        "incidents": [incident_json(item) for item in page.open],
        "resolved": [incident_json(item) for item in page.resolved],
    }


def banner_json(banner: Banner | None) -> dict[str, Any] | None:
    if banner is None:
        return None
    return {
        "severity": banner.severity,
        "status": banner.status,
        "text": banner.text,
        "updated_at": _time(banner.updated_at),
        "url": banner.url,
    }


def account_json(page: Page, banner: Banner | None) -> dict[str, Any]:
    """SPEC 5.9's banner feed: ``banner`` (or null) and ``incidents``, open then resolved."""
    body = page_json(page)
    body["incidents"] = body["incidents"] + body.pop("resolved")
    return {"account": page.account_name, "banner": banner_json(banner), **body}


def encode(body: dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def atom_id(base: str, *parts: object) -> str:
    """Stable across renders and processes, so feed readers do not show an entry twice."""
    return uuid.uuid5(uuid.NAMESPACE_URL, "/".join([base, *map(str, parts)])).urn


class Renderer:
    def __init__(self, templates_dir: Path | None) -> None:
        self.env = environment(templates_dir)
        self.env.filters["iso"] = _time
        self.env.filters["when"] = lambda value: f"{value:%d %b %Y, %H:%M} UTC" if value else ""

    def html(self, page: Page, *, banner: Banner | None = None, feed_url: str | None) -> bytes:
        template = self.env.get_template("status.html.j2")
        return template.render(page=page, banner=banner, feed_url=feed_url).encode()

    def atom(self, page: Page, *, feed_url: str) -> bytes:
        entries = [
            (item, index, notice)
            for item in (*page.open, *page.resolved)
            for index, notice in enumerate(item.notices)
        ]
        entries.sort(key=lambda entry: entry[2].at, reverse=True)
        template = self.env.get_template("feed.atom.j2")
        return template.render(
            page=page,
            feed_url=feed_url,
            feed_id=atom_id(feed_url),
            entries=[
                (item, notice, atom_id(feed_url, item.id, len(item.notices) - index))
                for item, index, notice in entries
            ],
        ).encode()

    def email(self, *, subject: str, text: str, url: str | None, sender: str) -> tuple[str, str]:
        context = {"subject": subject, "text": text, "url": url, "sender": sender}
        plain = self.env.get_template("email.txt.j2").render(**context)
        html = self.env.get_template("email.html.j2").render(**context)
        return plain, html
