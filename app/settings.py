"""Runtime settings from the environment (and `.env`), per SPEC section 2."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def normalize_database_url(url: str) -> str:
    """Accept URLs as users write them and pick the driver we ship (psycopg 3).

    Heroku-style ``postgres://`` and bare ``postgresql://`` would otherwise make SQLAlchemy look
    for psycopg2, which is not installed.
    """
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_api_url: str = "https://slack.com/api/"
    database_url: str = "sqlite:///./beacon.db"
    beacon_config_dir: Path = Path("./config")
    port: int = 3000
    host: str = "0.0.0.0"
    log_level: str = "info"
    log_format: Literal["text", "json"] = "text"
    beacon_timer_interval: float = 1.0
    """Seconds between polls of due escalations and reminders."""
    beacon_outbox_lease: float = 10.0
    """Seconds a worker holds a claimed delivery, renewed while it runs; a crashed worker's
    claims free up after it."""
    database_lock_timeout: float = 30.0
    """Seconds a database statement waits for a lock before failing (and being retried)."""
    beacon_channel_burst: float = 3.0
    """Posts one channel may get back to back before Beacon paces it to one a second; Slack
    tolerates short bursts (slack/FACTS.md), 1 is its strictest reading."""
    pagerduty_events_url: str = "https://events.pagerduty.com/v2/enqueue"
    beacon_public_url: str | None = None
    """Where people reach Beacon: status page links in emails and Slack are built on it."""

    @field_validator("database_url")
    @classmethod
    def _normalize_database_url(cls, value: str) -> str:
        return normalize_database_url(value)

    @field_validator("slack_api_url")
    @classmethod
    def _trailing_slash(cls, value: str) -> str:
        return value if value.endswith("/") else value + "/"

    @field_validator("log_level")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.lower()

    @property
    def public_url(self) -> str:
        return (self.beacon_public_url or f"http://localhost:{self.port}").rstrip("/")

    @property
    def socket_mode(self) -> bool:
        return bool(self.slack_app_token)
