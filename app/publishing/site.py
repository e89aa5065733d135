"""The published documents, cached per process and rebuilt when any incident changes.

Thousands of browsers and in-app clients poll these, so a request normally costs a dictionary
lookup. Freshness across processes (an approval taken by another web process) comes from the
timeline's high-water mark (:func:`source.version`), checked at most every ``CHECK_EVERY``
seconds; documents are also rebuilt after ``MAX_AGE`` so the history window moves on.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.catalog.models import Catalog, StatusPage
from app.publishing import documents, source, view
from app.publishing.tokens import TokenIndex, account_token
from app.store.db import UnitOfWork

CHECK_EVERY = 0.25
MAX_AGE = 60.0


@dataclass(frozen=True)
class Document:
    body: bytes
    media_type: str
    etag: str


@dataclass(frozen=True)
class _Snapshot:
    """What was published at one version, and the documents rendered from it so far."""

    version: int
    incidents: list[view.Published]
    loaded_at: float
    documents: dict[tuple[str, str], Document]


def _document(body: bytes, media_type: str) -> Document:
    return Document(body, media_type, f'"{hashlib.sha256(body).hexdigest()[:32]}"')


class StatusSite:
    def __init__(
        self,
        *,
        catalog: Catalog,
        uow: UnitOfWork,
        clock: Callable[[], datetime],
        public_url: str,
    ) -> None:
        self.catalog = catalog
        self.uow = uow
        self.clock = clock
        self.base = public_url.rstrip("/")
        self.renderer = documents.Renderer(catalog.templates_dir)
        self._snapshot = _Snapshot(-1, [], float("-inf"), {})
        self._checked = float("-inf")
        self._refreshing: asyncio.Task[None] | None = None
        self._tokens: tuple[str, TokenIndex] | None = None

    @property
    def config(self) -> StatusPage | None:
        return self.catalog.policy.status_page

    # tokens and links

    def secret(self) -> str | None:
        """Read on every request: rotating the secret revokes every link at once."""
        config = self.config
        return os.environ.get(config.secret_env) or None if config else None

    def account_url(self, account_id: str) -> str | None:
        secret = self.secret()
        if secret is None or account_id not in self.catalog.accounts:
            return None
        return f"{self.base}/status/a/{account_token(secret, account_id)}"

    def account_for(self, token: str) -> str | None:
        secret = self.secret()
        if secret is None:
            return None
        if self._tokens is None or self._tokens[0] != secret:
            self._tokens = secret, TokenIndex(secret, self.catalog.accounts)
        return self._tokens[1].account(token)

    # documents

    async def public(self, kind: str) -> Document | None:
        """``html``, ``json`` or ``atom``; None when the public page is switched off."""
        if self.config is None or not self.config.public:
            return None
        return await self._cached(("public", kind), lambda found: self._render_public(found, kind))

    async def account(self, account_id: str, kind: str) -> Document:
        return await self._cached(
            (account_id, kind), lambda found: self._render_account(found, account_id, kind)
        )

    async def _cached(
        self, key: tuple[str, str], render: Callable[[list[view.Published]], Document]
    ) -> Document:
        snapshot = await self._fresh()
        found = snapshot.documents.get(key)
        if found is None:
            found = snapshot.documents[key] = render(snapshot.incidents)
        return found

    async def _fresh(self) -> _Snapshot:
        """Stale-while-revalidate: a due check runs in the background and requests keep being
        served from the current snapshot meanwhile, so no poller waits on the database; only
        the very first request waits for a snapshot to exist. Snapshots are swapped whole in
        the event loop, so a document is always stored with the incidents it came from."""
        if time.monotonic() - self._checked >= CHECK_EVERY and self._refreshing is None:
            self._refreshing = asyncio.create_task(self._refresh())
        if self._snapshot.version < 0 and self._refreshing is not None:
            await asyncio.shield(self._refreshing)
        return self._snapshot

    async def _refresh(self) -> None:
        try:
            self._snapshot = await asyncio.to_thread(self._load, self._snapshot)
            self._checked = time.monotonic()
        finally:
            self._refreshing = None

    def _load(self, current: _Snapshot) -> _Snapshot:
        history = self.config.history if self.config else timedelta(days=30)
        with self.uow() as session:
            latest = source.version(session)
            if latest == current.version and time.monotonic() - current.loaded_at < MAX_AGE:
                return current
            incidents = source.published(session, self.catalog, now=self.clock(), history=history)
        return _Snapshot(latest, incidents, time.monotonic(), {})

    def _page(
        self, incidents: list[view.Published], components: tuple[str, ...], **labels: str
    ) -> view.Page:
        config = self.config
        return view.page(
            self.catalog,
            incidents,
            now=self.clock(),
            history=config.history if config else timedelta(days=30),
            components=components,
            **labels,
        )

    def _render_public(self, incidents: list[view.Published], kind: str) -> Document:
        config = self.config
        assert config is not None
        page = self._page(
            incidents,
            view.component_ids(self.catalog, None),
            title=config.title,
            url=f"{self.base}/status",
        )
        feed = f"{self.base}/status/feed.atom"
        if kind == "json":
            return _document(documents.encode(documents.page_json(page)), "application/json")
        if kind == "atom":
            return _document(self.renderer.atom(page, feed_url=feed), "application/atom+xml")
        return _document(self.renderer.html(page, feed_url=feed), "text/html; charset=utf-8")

    def _render_account(
        self, incidents: list[view.Published], account_id: str, kind: str
    ) -> Document:
        account = self.catalog.accounts[account_id]
        title = self.config.title if self.config else "Service status"
        page = self._page(
            [i for i in incidents if account_id in i.accounts],
            view.component_ids(self.catalog, account.uses),
            title=f"{title}: {account.name}",
            url=self.account_url(account_id) or "",
            account_name=account.name,
        )
        banner = view.banner(page)
        if kind == "json":
            body = documents.account_json(page, banner)
            return _document(documents.encode(body), "application/json")
        return _document(
            self.renderer.html(page, banner=banner, feed_url=None), "text/html; charset=utf-8"
        )
