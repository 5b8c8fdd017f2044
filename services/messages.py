"""SMS to customers: rules (quiet hours, 24-hour dedupe) and the outbox they go through.

A message row is written in the same transaction as the action that causes it, with a
unique message_key; a sender delivers queued rows afterwards and passes the key to the
gateway, so a crash between the two can be reconciled rather than sent twice.
"""

from __future__ import annotations

import secrets
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services import changes
from services.audit import audit
from services.errors import Conflict, Invalid
from services.identifiers import mask_mobile
from services.models import Customer, Message
from services.timeutil import SEOUL, iso, utcnow

QUIET_START = time(21, 0)
QUIET_END = time(8, 0)
DEDUPE_WINDOW = timedelta(hours=24)

TEMPLATES: dict[str, str] = {
    "tracking": "[Launchdesk] {name}님, 주문 {order_no} 배송 안내: {courier} 운송장번호 {tracking_no}",
    "callback_missed": "[Launchdesk] {name}님, 요청하신 콜백 연락을 드렸으나 받지 않으셨습니다. 다시 연락드리겠습니다.",
}


def in_quiet_hours(at: datetime) -> bool:
    local = at.astimezone(SEOUL).time()
    return local >= QUIET_START or local < QUIET_END


def check_rules(
    session: Session,
    *,
    customer_id: int,
    template: str,
    now: datetime,
    override_reason: str | None,
) -> None:
    """Refuse with the reason unless a person overrides it, saying why."""
    if override_reason is not None and not override_reason.strip():
        raise Invalid("an override needs a reason", code="override_reason_required")
    if override_reason:
        return
    if in_quiet_hours(now):
        raise Conflict(
            "quiet hours (21:00–08:00 Asia/Seoul): no messages are sent now unless overridden "
            "with a reason",
            code="quiet_hours",
        )
    recent = session.scalar(
        select(Message.id)
        .where(
            Message.customer_id == customer_id,
            Message.template == template,
            Message.created_at >= now - DEDUPE_WINDOW,
            Message.status != "failed",
        )
        .limit(1)
    )
    if recent is not None:
        raise Conflict(
            f"this customer already got a {template!r} message in the last 24 hours; "
            "send again only with an explicit override and a reason",
            code="duplicate_message",
        )


def enqueue(
    session: Session,
    *,
    customer: Customer,
    template: str,
    fields: dict[str, Any],
    actor: str,
    override_reason: str | None = None,
    now: datetime | None = None,
) -> Message:
    """A single send by an agent (e.g. resend tracking details), after the rules."""
    if template not in TEMPLATES:
        raise Invalid(f"unknown template {template!r}; expected one of {', '.join(TEMPLATES)}")
    now = now or utcnow()
    check_rules(
        session,
        customer_id=customer.id,
        template=template,
        now=now,
        override_reason=override_reason,
    )
    return add_message(
        session,
        customer=customer,
        template=template,
        body=TEMPLATES[template].format(name=customer.name, **fields),
        key=f"m-{secrets.token_hex(12)}",
        actor=actor,
        now=now,
        override_reason=override_reason,
    )


def add_message(
    session: Session,
    *,
    customer: Customer,
    template: str,
    body: str,
    key: str,
    actor: str,
    now: datetime,
    campaign_id: int | None = None,
    override_reason: str | None = None,
) -> Message:
    """Put one message in the outbox, in the caller's transaction (the rules were checked)."""
    message = Message(
        message_key=key,
        customer_id=customer.id,
        mobile=customer.mobile,
        template=template,
        body=body,
        status="queued",
        campaign_id=campaign_id,
        created_by=actor,
        created_at=now,
    )
    session.add(message)
    session.flush()
    audit(
        session,
        actor=actor,
        action="message.enqueue",
        entity="message",
        entity_id=message.id,
        before=None,
        after={
            "customer_id": customer.id,
            "template": template,
            "campaign_id": campaign_id,
            "mobile": mask_mobile(customer.mobile),
            "override": override_reason,
        },
    )
    changes.record(session, "message", message.id, customer.id)
    return message


def to_json(message: Message) -> dict[str, Any]:
    return {
        "id": message.id,
        "message_key": message.message_key,
        "template": message.template,
        "body": message.body,
        "mobile": mask_mobile(message.mobile),
        "status": message.status,
        "created_by": message.created_by,
        "created_at": iso(message.created_at),
        "sent_at": iso(message.sent_at),
        "status_at": iso(message.status_at),
        "error": message.error,
    }
