"""Message campaigns: templates with placeholders, a segment frozen into recipients, a
preview with the exact count, approval by a second person, sending through the outbox.

Rules that hold unless a person overrides them with a reason: no sending in quiet hours,
and no customer gets the same template twice within 24 hours (those recipients are left
out and counted). A correction goes to exactly the customers the corrected campaign
reached, and is exempt from the 24-hour rule (it exists to fix what they were sent).
"""

from __future__ import annotations

import string
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services import changes
from services.accounts import Principal
from services.audit import audit
from services.campaign_models import Campaign, CampaignRecipient, MessageTemplate
from services.errors import Conflict, Forbidden, Invalid, NotFound
from services.identifiers import IdentifierError, parse_order_no
from services.lifecycles import DELIVERY_METHODS, STUCK_CAUSES
from services.messages import DEDUPE_WINDOW, add_message, in_quiet_hours
from services.models import Callback, Customer, Message, Order, Reservation, Shipment
from services.timeutil import SEOUL, as_utc, iso, utcnow

PLACEHOLDERS = {
    "name": "customer's name",
    "order_no": "order number",
    "reservation_no": "reservation number",
    "model": "device model",
    "delivery_method": "delivery method in Korean",
    "received_date": "date the order was received (Seoul)",
    "tracking_no": "tracking number (empty before shipping)",
}
SAMPLES = 5
MAX_RECIPIENTS = 200_000


# --- templates ---------------------------------------------------------------------------


def check_template_body(body: str) -> str:
    body = (body or "").strip()
    if not body or len(body) > 1000 or "\x00" in body:
        raise Invalid("a template is 1-1000 characters", code="bad_template")
    try:
        fields = {name for _, name, _, _ in string.Formatter().parse(body) if name is not None}
    except ValueError as exc:
        raise Invalid(f"the template's braces do not match: {exc}", code="bad_template") from None
    unknown = sorted(f for f in fields if f not in PLACEHOLDERS)
    if unknown:
        raise Invalid(
            f"unknown placeholders {', '.join('{' + u + '}' for u in unknown)}; "
            f"available: {', '.join('{' + p + '}' for p in PLACEHOLDERS)}",
            code="bad_template",
        )
    return body


def save_template(
    session: Session, *, key: str, title: str, body: str, principal: Principal
) -> MessageTemplate:
    key = (key or "").strip()
    if not (1 <= len(key) <= 40) or not all(c.isalnum() or c in "_-" for c in key):
        raise Invalid("a template key is 1-40 letters, digits, '_' or '-'", code="bad_template")
    title = (title or "").strip()
    if not (1 <= len(title) <= 200):
        raise Invalid("a template title is 1-200 characters", code="bad_template")
    body = check_template_body(body)
    template = session.scalar(select(MessageTemplate).where(MessageTemplate.key == key))
    before = None
    now = utcnow()
    if template is None:
        template = MessageTemplate(
            key=key,
            title=title,
            body=body,
            active=True,
            created_by=principal.username,
            created_at=now,
            updated_at=now,
        )
        session.add(template)
    else:
        before = {"title": template.title, "body": template.body}
        template.title, template.body, template.updated_at = title, body, now
    session.flush()
    audit(
        session,
        actor=principal.username,
        action="template.save",
        entity="template",
        entity_id=key,
        before=before,
        after={"title": title, "body": body},
    )
    return template


def template_json(t: MessageTemplate) -> dict[str, Any]:
    return {
        "key": t.key,
        "title": t.title,
        "body": t.body,
        "active": t.active,
        "created_by": t.created_by,
        "updated_at": iso(t.updated_at),
    }


# --- segments ----------------------------------------------------------------------------


def resolve_segment(
    session: Session, segment: dict[str, Any], *, now: datetime
) -> list[tuple[int, int | None]]:
    """(customer_id, order_id) for each recipient, one per customer, in a stable order."""
    if not isinstance(segment, dict):
        raise Invalid("segment must be an object with a 'kind'")
    kind = segment.get("kind")
    if kind == "orders":
        numbers = segment.get("order_nos")
        if not isinstance(numbers, list) or not (1 <= len(numbers) <= 10_000):
            raise Invalid("an 'orders' segment lists 1-10000 order numbers in 'order_nos'")
        try:
            parsed = sorted({parse_order_no(str(n)) for n in numbers})
        except IdentifierError as exc:
            raise Invalid(exc.message, code="wrong_identifier") from None
        rows = []
        for start in range(0, len(parsed), 500):
            rows += session.execute(
                select(Order.customer_id, Order.id).where(
                    Order.order_no.in_(parsed[start : start + 500])
                )
            ).all()
        if len(rows) < len(parsed):
            found = {
                r for r in session.scalars(select(Order.order_no).where(Order.order_no.in_(parsed)))
            }
            missing = [n for n in parsed if n not in found]
            raise NotFound(f"no orders with numbers {missing[:10]}", code="order_not_found")
    elif kind == "stuck":
        hours = segment.get("min_age_hours", 24)
        if not isinstance(hours, int | float) or not (0 <= hours <= 24 * 60):
            raise Invalid("min_age_hours must be a number of hours between 0 and 1440")
        query = select(Order.customer_id, Order.id).where(
            Order.status == "received", Order.received_at < now - timedelta(hours=float(hours))
        )
        cause = segment.get("cause")
        if cause is not None:
            if cause not in STUCK_CAUSES:
                raise Invalid(f"cause must be one of {', '.join(STUCK_CAUSES)}")
            query = query.where(Order.cause == cause)
        if segment.get("model") is not None:
            query = query.where(Order.model == str(segment["model"])[:100])
        method = segment.get("delivery_method")
        if method is not None:
            if method not in DELIVERY_METHODS:
                raise Invalid(f"delivery_method must be one of {', '.join(DELIVERY_METHODS)}")
            query = query.where(Order.delivery_method == method)
        rows = session.execute(
            query.order_by(Order.received_at, Order.id).limit(MAX_RECIPIENTS + 1)
        ).all()
    elif kind == "callback_topic":
        rows = _waiting_for_callback(session, segment, now=now)
    else:
        raise Invalid("segment kind must be 'orders', 'stuck' or 'callback_topic'")
    seen: dict[int, int | None] = {}
    for customer_id, order_id in rows:
        seen.setdefault(customer_id, order_id)
    if len(seen) > MAX_RECIPIENTS:
        raise Invalid(f"a campaign reaches at most {MAX_RECIPIENTS} customers; narrow the segment")
    return list(seen.items())


def _waiting_for_callback(
    session: Session, segment: dict[str, Any], *, now: datetime
) -> list[tuple[int, int | None]]:
    """Waiting for a callback about <topic>: the customers with an open (queued or
    claimed) callback on the topic. Optional: min_waiting_hours (their oldest order has
    waited in received at least that long), cause (they have an order in received with
    that cause). Each comes with their oldest order in received, else their latest order,
    for the template's order placeholders."""
    topic = segment.get("topic")
    if not isinstance(topic, str) or not (1 <= len(topic.strip()) <= 40):
        raise Invalid("a 'callback_topic' segment names a 'topic' of 1-40 characters")
    query = select(Callback.customer_id).where(
        Callback.topic == topic.strip(), Callback.status.in_(("queued", "claimed"))
    )
    hours = segment.get("min_waiting_hours")
    if hours is not None:
        if isinstance(hours, bool) or not isinstance(hours, int | float) or not 0 <= hours <= 1440:
            raise Invalid("min_waiting_hours must be a number of hours between 0 and 1440")
        query = query.where(Callback.waiting_since <= now - timedelta(hours=float(hours)))
    cause = segment.get("cause")
    if cause is not None:
        if cause not in STUCK_CAUSES:
            raise Invalid(f"cause must be one of {', '.join(STUCK_CAUSES)}")
        query = query.where(
            select(Order.id)
            .where(
                Order.customer_id == Callback.customer_id,
                Order.status == "received",
                Order.cause == cause,
            )
            .exists()
        )
    customers = list(
        session.scalars(query.order_by(Callback.customer_id).limit(MAX_RECIPIENTS + 1))
    )
    picked: dict[int, tuple[int, bool]] = {}  # customer -> (order id, in received)
    for start in range(0, len(customers), 500):
        chunk = customers[start : start + 500]
        for cid, oid, status in session.execute(
            select(Order.customer_id, Order.id, Order.status)
            .where(Order.customer_id.in_(chunk), Order.status != "cancelled")
            .order_by(Order.customer_id, Order.received_at, Order.id)
        ):
            waiting = status == "received"
            have = picked.get(cid)
            # the oldest order in received wins; otherwise the latest order
            if have is None or (waiting and not have[1]) or (not waiting and not have[1]):
                picked[cid] = (oid, waiting)
    return [(cid, picked[cid][0] if cid in picked else None) for cid in customers]


# --- rendering ---------------------------------------------------------------------------


def render(
    body: str,
    customer: Customer,
    order: Order | None,
    reservation_no: str | None,
    tracking_no: str | None,
) -> str:
    received = order.received_at if order else None
    return body.format(
        name=customer.name,
        order_no=order.order_no if order else "",
        reservation_no=reservation_no or "",
        model=order.model if order else "",
        delivery_method=DELIVERY_METHODS.get(order.delivery_method, "") if order else "",
        received_date=as_utc(received).astimezone(SEOUL).strftime("%m/%d") if received else "",
        tracking_no=tracking_no or "",
    )


def _render_for(
    session: Session, body: str, customer_id: int, order_id: int | None
) -> tuple[Customer, str]:
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise NotFound(f"no customer with id {customer_id}", code="customer_not_found")
    order = session.get(Order, order_id) if order_id else None
    reservation_no = tracking = None
    if order is not None:
        reservation = session.get(Reservation, order.reservation_id)
        reservation_no = reservation.reservation_no if reservation else None
        tracking = session.scalar(select(Shipment.tracking_no).where(Shipment.order_id == order.id))
    return customer, render(body, customer, order, reservation_no, tracking)


# --- campaigns ---------------------------------------------------------------------------


def create(
    session: Session,
    *,
    name: str,
    template_key: str,
    segment: dict[str, Any] | None,
    principal: Principal,
    corrects_id: int | None = None,
) -> Campaign:
    name = (name or "").strip()
    if not (1 <= len(name) <= 200):
        raise Invalid("a campaign name is 1-200 characters")
    template = session.scalar(select(MessageTemplate).where(MessageTemplate.key == template_key))
    if template is None or not template.active:
        raise NotFound(f"no template {template_key!r}", code="template_not_found")
    now = utcnow()
    if corrects_id is not None:
        original = session.get(Campaign, corrects_id)
        if original is None:
            raise NotFound(f"no campaign {corrects_id} to correct", code="campaign_not_found")
        # Exactly the customers the original actually reached (messages written for them).
        recipients = [
            (cid, None)
            for cid in session.scalars(
                select(Message.customer_id)
                .where(Message.campaign_id == corrects_id)
                .order_by(Message.customer_id)
            )
        ]
        orders = dict(
            session.execute(
                select(CampaignRecipient.customer_id, CampaignRecipient.order_id).where(
                    CampaignRecipient.campaign_id == corrects_id
                )
            ).all()
        )
        recipients = [(cid, orders.get(cid)) for cid, _ in recipients]
        segment = {"kind": "correction", "corrects": corrects_id}
        if not recipients:
            raise Conflict(
                f"campaign {corrects_id} reached nobody yet; there is nothing to correct",
                code="nothing_to_correct",
            )
    else:
        if segment is None:
            raise Invalid("a campaign needs a segment (or the campaign it corrects)")
        recipients = resolve_segment(session, segment, now=now)
        if not recipients:
            raise Conflict("this segment has no customers in it", code="empty_segment")
    campaign = Campaign(
        name=name,
        template_key=template.key,
        body=template.body,
        segment=segment,
        status="draft",
        corrects_id=corrects_id,
        recipient_count=len(recipients),
        created_by=principal.username,
        created_at=now,
        skipped_count=0,
    )
    session.add(campaign)
    session.flush()
    session.execute(
        CampaignRecipient.__table__.insert(),
        [{"campaign_id": campaign.id, "customer_id": c, "order_id": o} for c, o in recipients],
    )
    audit(
        session,
        actor=principal.username,
        action="campaign.create",
        entity="campaign",
        entity_id=campaign.id,
        before=None,
        after={
            "name": name,
            "template": template.key,
            "segment": segment,
            "recipients": len(recipients),
        },
    )
    changes.record(session, "campaign", campaign.id)
    return campaign


def preview(session: Session, campaign: Campaign) -> dict[str, Any]:
    rows = session.execute(
        select(CampaignRecipient.customer_id, CampaignRecipient.order_id)
        .where(CampaignRecipient.campaign_id == campaign.id)
        .order_by(CampaignRecipient.customer_id)
        .limit(SAMPLES)
    ).all()
    samples = []
    for customer_id, order_id in rows:
        _, text = _render_for(session, campaign.body, customer_id, order_id)
        samples.append({"customer_id": customer_id, "text": text})
    return {"recipient_count": campaign.recipient_count, "samples": samples}


def _get(session: Session, campaign_id: int, *, lock: bool = False) -> Campaign:
    query = select(Campaign).where(Campaign.id == campaign_id)
    if lock and session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    campaign = session.scalar(query)
    if campaign is None:
        raise NotFound(f"no campaign {campaign_id}", code="campaign_not_found")
    return campaign


def approve(
    session: Session,
    *,
    campaign_id: int,
    principal: Principal,
    override_reason: str | None = None,
    now: datetime | None = None,
) -> Campaign:
    """A second person (a supervisor) approves: the messages go into the outbox now."""
    now = now or utcnow()
    if override_reason is not None and not override_reason.strip():
        raise Invalid("an override needs a reason", code="override_reason_required")
    campaign = _get(session, campaign_id, lock=True)
    if campaign.status != "draft":
        raise Conflict(
            f"campaign {campaign_id} is {campaign.status}; only a draft can be approved",
            code="campaign_not_draft",
        )
    if campaign.created_by == principal.username:
        raise Forbidden(
            "a campaign is approved by a second person, not by the one who prepared it",
            code="own_campaign",
        )
    if in_quiet_hours(now) and not override_reason:
        raise Conflict(
            "quiet hours (21:00–08:00 Asia/Seoul): approve it later, or override with a reason",
            code="quiet_hours",
        )
    recipients = session.execute(
        select(CampaignRecipient.customer_id, CampaignRecipient.order_id)
        .where(CampaignRecipient.campaign_id == campaign.id)
        .order_by(CampaignRecipient.customer_id)
    ).all()
    recently = set()
    if campaign.corrects_id is None and not override_reason:
        recently = set(
            session.scalars(
                select(Message.customer_id)
                .join(CampaignRecipient, CampaignRecipient.customer_id == Message.customer_id)
                .where(
                    CampaignRecipient.campaign_id == campaign.id,
                    Message.template == campaign.template_key,
                    Message.created_at >= now - DEDUPE_WINDOW,
                    Message.status != "failed",
                )
            )
        )
    for customer_id, order_id in recipients:
        if customer_id in recently:
            continue
        customer, text = _render_for(session, campaign.body, customer_id, order_id)
        # The key is the campaign and the customer: even a double approval cannot send twice.
        add_message(
            session,
            customer=customer,
            template=campaign.template_key,
            body=text,
            key=f"c{campaign.id}-{customer_id}",
            actor=principal.username,
            now=now,
            campaign_id=campaign.id,
            override_reason=override_reason,
        )
    before = {"status": campaign.status}
    campaign.status = "approved"
    campaign.approved_by = principal.username
    campaign.approved_at = now
    campaign.override_reason = override_reason
    campaign.skipped_count = len(recently)
    audit(
        session,
        actor=principal.username,
        action="campaign.approve",
        entity="campaign",
        entity_id=campaign.id,
        before=before,
        after={"status": "approved", "skipped": len(recently), "override": override_reason},
    )
    changes.record(session, "campaign", campaign.id)
    return campaign


def cancel(session: Session, *, campaign_id: int, principal: Principal) -> Campaign:
    campaign = _get(session, campaign_id, lock=True)
    if campaign.status != "draft":
        raise Conflict(
            f"campaign {campaign_id} is {campaign.status}; only a draft can be cancelled",
            code="campaign_not_draft",
        )
    campaign.status = "cancelled"
    audit(
        session,
        actor=principal.username,
        action="campaign.cancel",
        entity="campaign",
        entity_id=campaign.id,
        before={"status": "draft"},
        after={"status": "cancelled"},
    )
    changes.record(session, "campaign", campaign.id)
    return campaign


def to_json(session: Session, campaign: Campaign) -> dict[str, Any]:
    counts = dict(
        session.execute(
            select(Message.status, func.count())
            .where(Message.campaign_id == campaign.id)
            .group_by(Message.status)
        ).all()
    )
    return {
        "id": campaign.id,
        "name": campaign.name,
        "template_key": campaign.template_key,
        "body": campaign.body,
        "segment": campaign.segment,
        "status": campaign.status,
        "corrects_id": campaign.corrects_id,
        "recipient_count": campaign.recipient_count,
        "skipped_count": campaign.skipped_count,
        "messages": counts,
        "created_by": campaign.created_by,
        "created_at": iso(campaign.created_at),
        "approved_by": campaign.approved_by,
        "approved_at": iso(campaign.approved_at),
        "override_reason": campaign.override_reason,
    }
