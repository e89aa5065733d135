"""A webhook receiver on 127.0.0.1 that records what Beacon POSTs and can fail on demand."""

from __future__ import annotations

import hmac
import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from app.webhooks.sender import signature


@dataclass(frozen=True)
class Delivery:
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


class FakeWebhookReceiver:
    def __init__(self) -> None:
        self.received: list[Delivery] = []
        self.fail_next = 0
        """That many requests are answered ``fail_status`` before they are accepted again."""
        self.fail_status = 503
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if receiver.fail_next > 0:
                    receiver.fail_next -= 1
                    self.send_response(receiver.fail_status)
                    self.send_header("Retry-After", "0")
                else:
                    receiver.received.append(Delivery(dict(self.headers.items()), body))
                    self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/beacon"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeWebhookReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    @staticmethod
    def verify(delivery: Delivery, secret: str) -> bool:
        expected = signature(secret, delivery.headers["X-Beacon-Timestamp"], delivery.body)
        return hmac.compare_digest(expected, delivery.headers.get("X-Beacon-Signature", ""))
