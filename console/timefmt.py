"""Times as agents read them: Asia/Seoul, short."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

SEOUL = ZoneInfo("Asia/Seoul")


def parse(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def short(text: str | None) -> str:
    """'11-24 09:30' in Seoul time, or '—'."""
    value = parse(text)
    return value.astimezone(SEOUL).strftime("%m-%d %H:%M") if value else "—"


def clock(text: str | None) -> str:
    value = parse(text)
    return value.astimezone(SEOUL).strftime("%H:%M:%S") if value else "—"
