"""The HTTP surface of publishing: thin routes over :class:`~app.publishing.site.StatusSite`.

Every response carries an ETag and a short max-age, and answers ``If-None-Match`` with 304, so
thousands of polling clients cost little. Account pages are behind an unguessable token: a wrong
one is a 404 like any missing page, and the token never leaves through a Referer header.
CORS is granted on the account JSON only, and only to the configured ``allow_origins``.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from app.publishing.site import Document, StatusSite

MAX_AGE = 10


def not_found() -> Response:
    return Response("Not Found", status_code=404, media_type="text/plain")


def _send(request: Request, document: Document, headers: dict[str, str]) -> Response:
    headers = {"ETag": document.etag, **headers}
    if document.etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(document.body, media_type=document.media_type, headers=headers)


def routes(site: StatusSite) -> list[BaseRoute]:
    public_headers = {"Cache-Control": f"public, max-age={MAX_AGE}"}
    private_headers = {
        "Cache-Control": f"private, max-age={MAX_AGE}",
        "Referrer-Policy": "no-referrer",
        "X-Robots-Tag": "noindex",
    }

    def cors(request: Request) -> dict[str, str]:
        origin = request.headers.get("origin")
        config = site.config
        if origin and config and origin in config.allow_origins:
            return {
                "Access-Control-Allow-Origin": origin,
                "Access-Control-Expose-Headers": "ETag",
                "Vary": "Origin",
            }
        return {"Vary": "Origin"}

    def public(kind: str) -> Route:
        paths = {"html": "/status", "json": "/status.json", "atom": "/status/feed.atom"}

        async def endpoint(request: Request) -> Response:
            document = await site.public(kind)
            if document is None:
                return not_found()
            return _send(request, document, public_headers)

        return Route(paths[kind], endpoint, methods=["GET"])

    async def account_json(request: Request) -> Response:
        account_id = site.account_for(request.path_params["token"])
        if account_id is None:
            return not_found()
        document = await site.account(account_id, "json")
        return _send(request, document, {**private_headers, **cors(request)})

    async def account_preflight(request: Request) -> Response:
        headers = cors(request)
        if "Access-Control-Allow-Origin" in headers and site.account_for(
            request.path_params["token"]
        ):
            headers |= {
                "Access-Control-Allow-Methods": "GET",
                "Access-Control-Allow-Headers": "If-None-Match",
                "Access-Control-Max-Age": "600",
            }
            return Response(status_code=204, headers=headers)
        return Response(status_code=404, headers=headers)

    async def account_html(request: Request) -> Response:
        account_id = site.account_for(request.path_params["token"])
        if account_id is None:
            return not_found()
        return _send(request, await site.account(account_id, "html"), private_headers)

    return [
        public("html"),
        public("json"),
        public("atom"),
        Route("/status/a/{token}.json", account_json, methods=["GET"]),
        Route("/status/a/{token}.json", account_preflight, methods=["OPTIONS"]),
        Route("/status/a/{token}", account_html, methods=["GET"]),
    ]
