"""Sending one message over SMTP with aiosmtplib, configured by ``email.smtp_url_env``.

``smtp://[user:pass@]host[:port]`` upgrades with STARTTLS when the server offers it, and insists
on it when credentials are given (a password is never sent in the clear);
``smtps://host[:465]`` speaks TLS from the first byte. Failures are classified as SMTP means
them: 4xx replies and network errors are worth another try, 5xx replies are not.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

import aiosmtplib

from app.outbox.failures import DeliveryFailure


class EmailFailure(DeliveryFailure):
    """A message the SMTP server did not take; its text never holds the credentials."""


@dataclass(frozen=True)
class SmtpTarget:
    hostname: str
    port: int
    use_tls: bool
    username: str | None
    password: str | None

    @property
    def shown(self) -> str:
        """Names the server, never the credentials."""
        return f"{'smtps' if self.use_tls else 'smtp'}://{self.hostname}:{self.port}"


def parse_smtp_url(url: str) -> SmtpTarget:
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise EmailFailure("the SMTP URL must look like smtp://host:587 or smtps://host:465", False)
    use_tls = parts.scheme == "smtps"
    try:
        port = parts.port or (465 if use_tls else 587)
    except ValueError:
        raise EmailFailure("the SMTP URL has a port that is no number", False) from None
    return SmtpTarget(
        hostname=parts.hostname,
        port=port,
        use_tls=use_tls,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


async def send(target: SmtpTarget, message: EmailMessage, *, timeout: float = 30.0) -> None:
    credentials = target.username is not None
    try:
        await aiosmtplib.send(
            message,
            hostname=target.hostname,
            port=target.port,
            username=target.username,
            password=target.password,
            use_tls=target.use_tls,
            # None: STARTTLS when the server offers it; True: refuse to go on without it.
            start_tls=None if target.use_tls else (True if credentials else None),
            timeout=timeout,
        )
    except aiosmtplib.SMTPRecipientsRefused as error:
        codes = [response.code for response in error.recipients]
        transient = all(400 <= code < 500 for code in codes)
        raise EmailFailure(f"{target.shown} refused the recipient", transient) from None
    except aiosmtplib.SMTPResponseException as error:
        transient = 400 <= error.code < 500
        raise EmailFailure(f"{target.shown} answered {error.code}", transient) from None
    except (
        aiosmtplib.SMTPConnectError,
        aiosmtplib.SMTPServerDisconnected,
        aiosmtplib.SMTPTimeoutError,
        OSError,
        TimeoutError,
    ) as error:
        raise EmailFailure(f"{target.shown}: {type(error).__name__}", True) from None
    except aiosmtplib.SMTPException as error:  # e.g. no STARTTLS where credentials need it
        raise EmailFailure(f"{target.shown}: {error}", False) from None
