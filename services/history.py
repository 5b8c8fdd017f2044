"""Status history rows for moves people (and the backend itself) make."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from services.models import StatusHistory
from services.timeutil import utcnow


def record_move(
    session: Session,
    subject_type: str,
    subject: Any,
    before: str | None,
    actor: str,
    detail: str | None = None,
) -> None:
    """The subject has just moved from `before` to its current status, now, by `actor`."""
    now = utcnow()
    session.add(
        StatusHistory(
            subject_type=subject_type,
            subject_id=subject.id,
            customer_id=subject.customer_id,
            from_status=before,
            to_status=subject.status,
            effect="applied",
            actor=actor,
            occurred_at=now,
            recorded_at=now,
            detail=detail,
        )
    )
