"""Where the backend keeps its data and the knobs operations may turn."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import platformdirs

APP_NAME = "Launchdesk"
DEFAULT_PORT = 8750


def data_dir() -> Path:
    """The embedded default's data directory (LAUNCHDESK_DATA_DIR moves it)."""
    override = os.environ.get("LAUNCHDESK_DATA_DIR")
    path = (
        Path(override) if override else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    )
    path.mkdir(parents=True, exist_ok=True)
    return path


def embedded_database_url() -> str:
    return f"sqlite:///{data_dir() / 'launchdesk.sqlite3'}"


def resolve_database_url(explicit: str | None = None) -> str:
    """--database-url, then LAUNCHDESK_DATABASE_URL, then the embedded SQLite file."""
    return explicit or os.environ.get("LAUNCHDESK_DATABASE_URL") or embedded_database_url()


@dataclass(frozen=True)
class Settings:
    stuck_after: timedelta = timedelta(hours=24)
    token_ttl: timedelta = timedelta(hours=12)
    claim_lease: timedelta = timedelta(minutes=10)
    callback_max_attempts: int = 4
    callback_backoff: tuple[timedelta, ...] = (
        timedelta(minutes=15),
        timedelta(minutes=45),
        timedelta(hours=2),
    )
    login_max_failures: int = 5
    login_window: timedelta = timedelta(minutes=5)
    ingest_max_batch: int = 1000
    max_body_bytes: int = 4 * 1024 * 1024
    changes_wait_seconds: float = 20.0
    changes_page: int = 500


SETTINGS = Settings()
