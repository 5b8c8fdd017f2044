"""Notices: the official line on a topic, versioned, acknowledged by each agent."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services import changes
from services.accounts import Principal
from services.audit import audit
from services.errors import Invalid, NotFound
from services.models import Notice, NoticeAck
from services.timeutil import iso, utcnow


def _clean(value: str, name: str, max_len: int) -> str:
    value = (value or "").strip()
    if not value or len(value) > max_len or "\x00" in value:
        raise Invalid(f"{name} must be 1-{max_len} characters")
    return value


def publish(session: Session, *, topic: str, title: str, body: str, principal: Principal) -> Notice:
    """A new version of the topic's notice; the one it replaces is retired."""
    topic = _clean(topic, "topic", 80)
    title = _clean(title, "title", 200)
    body = _clean(body, "body", 4000)
    now = utcnow()
    current = session.scalars(
        select(Notice).where(Notice.topic == topic, Notice.status == "active")
    ).all()
    for old in current:
        old.status = "retired"
        old.retired_at = now
        changes.record(session, "notice", old.id)
    version = (
        session.scalar(select(func.max(Notice.version)).where(Notice.topic == topic)) or 0
    ) + 1
    notice = Notice(
        topic=topic,
        version=version,
        title=title,
        body=body,
        status="active",
        published_by=principal.username,
        published_at=now,
    )
    session.add(notice)
    session.flush()
    audit(
        session,
        actor=principal.username,
        action="notice.publish",
        entity="notice",
        entity_id=notice.id,
        before={"replaces": [o.id for o in current]},
        after={"topic": topic, "version": version, "title": title, "body": body},
    )
    changes.record(session, "notice", notice.id)
    return notice


def retire(session: Session, *, notice_id: int, principal: Principal) -> Notice:
    notice = session.get(Notice, notice_id)
    if notice is None:
        raise NotFound(f"no notice with id {notice_id}", code="notice_not_found")
    before = {"status": notice.status}
    notice.status = "retired"
    notice.retired_at = notice.retired_at or utcnow()
    audit(
        session,
        actor=principal.username,
        action="notice.retire",
        entity="notice",
        entity_id=notice.id,
        before=before,
        after={"status": "retired"},
    )
    changes.record(session, "notice", notice.id)
    return notice


def acknowledge(session: Session, *, notice_id: int, principal: Principal) -> None:
    notice = session.get(Notice, notice_id)
    if notice is None:
        raise NotFound(f"no notice with id {notice_id}", code="notice_not_found")
    if session.get(NoticeAck, (notice_id, principal.user_id)) is None:
        session.add(NoticeAck(notice_id=notice_id, user_id=principal.user_id, acked_at=utcnow()))
        audit(
            session,
            actor=principal.username,
            action="notice.ack",
            entity="notice",
            entity_id=notice_id,
            before=None,
            after={"acknowledged": True},
        )
        changes.record(session, "notice_ack", notice_id)


def active(session: Session, *, principal: Principal) -> list[dict[str, Any]]:
    notices = session.scalars(
        select(Notice).where(Notice.status == "active").order_by(Notice.published_at.desc())
    ).all()
    acked = set(
        session.scalars(
            select(NoticeAck.notice_id).where(
                NoticeAck.user_id == principal.user_id,
                NoticeAck.notice_id.in_([n.id for n in notices] or [0]),
            )
        )
    )
    return [to_json(n, acknowledged=n.id in acked) for n in notices]


def to_json(notice: Notice, *, acknowledged: bool | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": notice.id,
        "topic": notice.topic,
        "version": notice.version,
        "title": notice.title,
        "body": notice.body,
        "status": notice.status,
        "published_by": notice.published_by,
        "published_at": iso(notice.published_at),
        "retired_at": iso(notice.retired_at),
    }
    if acknowledged is not None:
        out["acknowledged"] = acknowledged
    return out
