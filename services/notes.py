"""Notes: the contact log agents write on a customer, each with its contact reason."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from services import changes, reasons
from services.audit import audit
from services.errors import Invalid, NotFound
from services.models import Customer, Note
from services.timeutil import iso, utcnow

MAX_BODY = 4000


def add_note(
    session: Session, *, customer_id: int, author: str, body: str, reason: str | None = None
) -> Note:
    body = (body or "").strip()
    if not body or len(body) > MAX_BODY or "\x00" in body:
        raise Invalid(f"a note must be 1-{MAX_BODY} characters without NUL bytes", code="bad_note")
    if reason is not None and (len(reason) > 40 or "\x00" in reason):
        raise Invalid("a contact reason is at most 40 characters", code="bad_reason")
    reason = reasons.check_reason(session, reason)  # one of the list (services.reasons)
    if session.get(Customer, customer_id) is None:
        raise NotFound(f"no customer with id {customer_id}", code="customer_not_found")
    note = Note(
        customer_id=customer_id, author=author, body=body, reason=reason, created_at=utcnow()
    )
    session.add(note)
    session.flush()
    audit(
        session,
        actor=author,
        action="note.add",
        entity="note",
        entity_id=note.id,
        before=None,
        after={"customer_id": customer_id, "reason": reason, "body": body},
    )
    changes.record(session, "note", note.id, customer_id)
    return note


def to_json(note: Note) -> dict[str, Any]:
    return {
        "id": note.id,
        "author": note.author,
        "reason": note.reason,
        "body": note.body,
        "created_at": iso(note.created_at),
    }
