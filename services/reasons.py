"""Contact reasons: why a customer got in touch, logged with every contact (a note).

A short fixed list is built in; leads add reasons to it (and retire the ones they added)
when a new problem shows up. Leads and supervisors watch the top reasons of the last hour
against the hour before, and see the customers behind a reason.

A note written when completing a callback carries `callback:<topic>`; it counts as the
topic's reason.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from services import changes
from services.accounts import Principal
from services.audit import audit
from services.errors import Conflict, Invalid, NotFound
from services.identifiers import mask_mobile
from services.loop_models import ContactReason
from services.models import Customer, Note
from services.timeutil import iso, utcnow

# (key, Korean label, English label): the words agents already use for callback topics
BUILT_IN: tuple[tuple[str, str, str], ...] = (
    ("delivery", "배송", "Delivery"),
    ("order_status", "주문 상태", "Order status"),
    ("activation", "개통", "Activation"),
    ("cancellation", "취소", "Cancellation"),
    ("promotion", "프로모션", "Promotion"),
    ("other", "기타", "Other"),
)
_BUILT_IN_KEYS = {key for key, _, _ in BUILT_IN}
CALLBACK_PREFIX = "callback:"
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
MAX_LABEL = 60
MAX_CUSTOMERS = 500


def _json(key: str, label: str, label_en: str, *, built_in: bool, active: bool) -> dict[str, Any]:
    return {
        "key": key,
        "label": label,
        "label_en": label_en,
        "built_in": built_in,
        "active": active,
    }


def all_reasons(session: Session, *, include_retired: bool = False) -> list[dict[str, Any]]:
    """The built-in reasons, then the ones leads added (oldest first)."""
    out = [_json(k, ko, en, built_in=True, active=True) for k, ko, en in BUILT_IN]
    query = select(ContactReason).order_by(ContactReason.id)
    if not include_retired:
        query = query.where(ContactReason.active.is_(True))
    for row in session.scalars(query):
        out.append(_json(row.key, row.label, row.label_en, built_in=False, active=row.active))
    return out


def check_reason(session: Session, reason: str | None) -> str | None:
    """A note's reason: None, an active reason's key, or callback:<topic> (completion)."""
    if reason is None:
        return None
    reason = reason.strip()
    if reason.startswith(CALLBACK_PREFIX) and 0 < len(reason) <= 40 and "\x00" not in reason:
        return reason
    if reason in _BUILT_IN_KEYS:
        return reason
    added = session.scalar(
        select(ContactReason.key).where(ContactReason.key == reason, ContactReason.active.is_(True))
    )
    if added is None:
        # A reference to a list entry that is not there (the list changes, so the schema
        # cannot name it): 404, as for any other record that does not exist.
        keys = [r["key"] for r in all_reasons(session)]
        raise NotFound(
            f"no contact reason {reason[:40]!r}; reason must be one of {', '.join(keys)}",
            code="reason_not_found",
        )
    return reason


def counted_as(reason: str) -> str:
    """The reason a note counts for: a callback completion counts for its topic."""
    return reason.removeprefix(CALLBACK_PREFIX)


def _clean_label(value: str | None, what: str) -> str:
    value = (value or "").strip()
    if not (1 <= len(value) <= MAX_LABEL) or any(ord(c) < 32 for c in value):
        raise Invalid(f"{what} is 1-{MAX_LABEL} printable characters", code="bad_reason")
    return value


def add_reason(
    session: Session, *, key: str, label: str, label_en: str | None, principal: Principal
) -> ContactReason:
    """Add a reason to the list (or bring back a retired one, with the labels given)."""
    key = (key or "").strip()
    if not KEY_PATTERN.match(key):
        raise Invalid(
            "a reason key is 2-40 lower-case letters, digits or '_', starting with a letter, "
            f"e.g. 'esim_transfer'; received {key[:40]!r}",
            code="bad_reason",
        )
    if key in _BUILT_IN_KEYS:
        raise Conflict(f"{key!r} is a built-in reason already", code="reason_exists")
    label = _clean_label(label, "a reason's label")
    label_en = _clean_label(label_en, "a reason's English label") if label_en else label
    row = session.scalar(select(ContactReason).where(ContactReason.key == key))
    before = None
    if row is None:
        row = ContactReason(
            key=key,
            label=label,
            label_en=label_en,
            active=True,
            created_by=principal.username,
            created_at=utcnow(),
        )
        session.add(row)
    else:
        before = {"label": row.label, "label_en": row.label_en, "active": row.active}
        row.label, row.label_en, row.active = label, label_en, True
    session.flush()
    audit(
        session,
        actor=principal.username,
        action="contact_reason.add",
        entity="contact_reason",
        entity_id=key,
        before=before,
        after={"label": label, "label_en": label_en, "active": True},
    )
    changes.record(session, "contact_reason", key)
    return row


def retire_reason(session: Session, *, key: str, principal: Principal) -> ContactReason:
    """Take an added reason off the list; notes that carry it keep it."""
    if key in _BUILT_IN_KEYS:
        raise Conflict(f"{key!r} is built in and cannot be retired", code="reason_built_in")
    row = session.scalar(select(ContactReason).where(ContactReason.key == key))
    if row is None:
        raise NotFound(f"no contact reason {key[:40]!r}", code="reason_not_found")
    if row.active:
        row.active = False
        audit(
            session,
            actor=principal.username,
            action="contact_reason.retire",
            entity="contact_reason",
            entity_id=key,
            before={"active": True},
            after={"active": False},
        )
        changes.record(session, "contact_reason", key)
    return row


def reason_json(row: ContactReason) -> dict[str, Any]:
    return _json(row.key, row.label, row.label_en, built_in=False, active=row.active)


def _known(session: Session, key: str) -> bool:
    return key in _BUILT_IN_KEYS or (
        session.scalar(select(ContactReason.id).where(ContactReason.key == key)) is not None
    )


def top_reasons(
    session: Session, *, window: timedelta = timedelta(hours=1), now: datetime | None = None
) -> dict[str, Any]:
    """Contacts per reason in the last window against the window before it, most first."""
    now = now or utcnow()
    edge = now - window
    recent = case((Note.created_at >= edge, 1), else_=0)
    counts: dict[str, list[int]] = {}
    for reason, is_recent, n in session.execute(
        select(Note.reason, recent, func.count())
        .where(Note.created_at >= now - 2 * window, Note.created_at < now)
        .where(Note.reason.is_not(None))
        .group_by(Note.reason, recent)
    ):
        slot = counts.setdefault(counted_as(reason), [0, 0])
        slot[0 if is_recent else 1] += n
    rows = []
    listed = set()
    for r in all_reasons(session, include_retired=True):
        last, previous = counts.get(r["key"], [0, 0])
        if r["active"] or last or previous:
            listed.add(r["key"])
            rows.append({**r, "last": last, "previous": previous, "change": last - previous})
    for key, (last, previous) in counts.items():  # reasons no longer on any list
        if key not in listed:
            rows.append(
                {
                    **_json(key, key, key, built_in=False, active=False),
                    "last": last,
                    "previous": previous,
                    "change": last - previous,
                }
            )
    rows.sort(key=lambda r: (-r["last"], -r["previous"], r["key"]))
    return {
        "reasons": rows,
        "total_last": sum(r["last"] for r in rows),
        "total_previous": sum(r["previous"] for r in rows),
        "window_minutes": int(window.total_seconds() // 60),
        "from": iso(now - 2 * window),
        "edge": iso(edge),
        "as_of": iso(now),
    }


def customers_for(
    session: Session,
    *,
    key: str,
    window: timedelta = timedelta(hours=1),
    now: datetime | None = None,
) -> dict[str, Any]:
    """The customers who got in touch for this reason in the last window, latest first."""
    now = now or utcnow()
    if not _known(session, key):
        exists = session.scalar(select(Note.id).where(Note.reason == key).limit(1))
        if exists is None:
            raise NotFound(f"no contact reason {key[:40]!r}", code="reason_not_found")
    since = now - window
    rows = session.execute(
        select(
            Note.customer_id,
            func.count().label("contacts"),
            func.max(Note.created_at).label("last_at"),
        )
        .where(
            Note.reason.in_((key, CALLBACK_PREFIX + key)),
            Note.created_at >= since,
            Note.created_at < now,
        )
        .group_by(Note.customer_id)
        .order_by(func.max(Note.created_at).desc(), Note.customer_id)
        .limit(MAX_CUSTOMERS + 1)
    ).all()
    truncated = len(rows) > MAX_CUSTOMERS
    rows = rows[:MAX_CUSTOMERS]
    people = {
        c.id: c
        for c in session.scalars(
            select(Customer).where(Customer.id.in_([r.customer_id for r in rows]))
        )
    }
    return {
        "reason": key,
        "customers": [
            {
                "customer_id": r.customer_id,
                "name": people[r.customer_id].name if r.customer_id in people else "",
                "mobile": mask_mobile(people[r.customer_id].mobile)
                if r.customer_id in people
                else "",
                "contacts": int(r.contacts),
                "last_at": iso(r.last_at),
            }
            for r in rows
        ],
        "truncated": truncated,
        "window_minutes": int(window.total_seconds() // 60),
        "as_of": iso(now),
    }
