"""Time in one place: the backend stores UTC, the console shows Asia/Seoul."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

SEOUL = ZoneInfo("Asia/Seoul")


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Naive datetimes come back from SQLite; they were stored as UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def iso(value: datetime | None) -> str | None:
    return None if value is None else as_utc(value).isoformat().replace("+00:00", "Z")


def parse_iso_with_offset(text: str) -> datetime:
    """Upstream times must carry an offset: a naive time is ambiguous by nine hours."""
    if not isinstance(text, str) or len(text) > 40:
        raise ValueError("expected an ISO 8601 time with offset, e.g. 2026-11-24T09:00:00+09:00")
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"expected an ISO 8601 time with offset, e.g. 2026-11-24T09:00:00+09:00; received {text!r}"
        ) from None
    if value.tzinfo is None:
        raise ValueError(
            f"time {text!r} has no UTC offset; expected e.g. 2026-11-24T09:00:00+09:00"
        )
    return within_reason(value)


EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)


def within_reason(value: datetime) -> datetime:
    """A time in UTC between 2000 and 2100, or ValueError: nothing in a launch is outside."""
    try:
        value = as_utc(value)
    except OverflowError:
        raise ValueError("time is out of range; expected a date between 2000 and 2100") from None
    if not (EARLIEST <= value < LATEST):
        raise ValueError("time is out of range; expected a date between 2000 and 2100")
    return value
