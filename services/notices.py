"""Notices: the official line on a topic, versioned, acknowledged by each agent.

A notice may target a segment of the launch (model, delivery method, order status, stuck
cause, received-date range in Seoul days). It then applies to a customer when one of
their orders meets every condition given; the customer screen lists those first, so an
agent reads out the answer meant for that caller. A notice with no target is for
everyone. Every notice stays pinned on every console and is acknowledged as before.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from services import changes
from services.accounts import Principal
from services.audit import audit
from services.errors import Invalid, NotFound
from services.lifecycles import DELIVERY_METHODS, ORDER, STUCK_CAUSES
from services.models import Notice, NoticeAck, Order, Reservation, User
from services.orders import launch_models
from services.timeutil import SEOUL, as_utc, iso, utcnow

TARGET_FIELDS = (
    "model",
    "delivery_method",
    "order_status",
    "cause",
    "received_from",
    "received_to",
)
ORDER_STATUSES = tuple(ORDER.labels_ko)
EARLIEST_DAY = date(2000, 1, 1)
LATEST_DAY = date(2099, 12, 31)


def _clean(value: str, name: str, max_len: int) -> str:
    value = (value or "").strip()
    if not value or len(value) > max_len or "\x00" in value:
        raise Invalid(f"{name} must be 1-{max_len} characters")
    return value


def _one_of(value: str | None, allowed: Sequence[str], what: str, code: str) -> str | None:
    """value (or None) when it is one of allowed; else a refusal naming every allowed one."""
    if value is not None and value not in allowed:
        raise Invalid(
            f"unknown {what} {value[:40]!r}; expected one of {_allowed(allowed)}",
            code=f"unknown_{code}",
            allowed=list(allowed),
        )
    return value


def _allowed(values: Iterable[str], limit: int = 30) -> str:
    values = list(values)
    shown = ", ".join(values[:limit])
    return shown + (f", … ({len(values) - limit} more)" if len(values) > limit else "")


def _known_model(session: Session, model: str) -> bool:
    if model in launch_models(session):
        return True
    # The cached list may predate a model that arrived a moment ago.
    return (
        session.scalar(select(Order.id).where(Order.model == model).limit(1)) is not None
        or session.scalar(select(Reservation.id).where(Reservation.model == model).limit(1))
        is not None
    )


def _day(value: Any, name: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        day = value
    else:
        try:
            day = date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
        except ValueError:
            day = None
        if day is None:
            raise Invalid(
                f"{name} must be a date like 2026-11-24; received {str(value)[:40]!r}",
                code="bad_target",
            )
    if not (EARLIEST_DAY <= day <= LATEST_DAY):
        raise Invalid(f"{name} must be a date between 2000 and 2099", code="bad_target")
    return day


def clean_target(session: Session, target: Mapping[str, Any] | None) -> dict[str, Any]:
    """A target checked against what the launch knows; every field None means everyone."""
    target = dict(target or {})
    unknown = sorted(set(target) - set(TARGET_FIELDS))
    if unknown:
        raise Invalid(
            f"unknown target field {unknown[0]!r}; a target has {', '.join(TARGET_FIELDS)}",
            code="bad_target",
        )
    out: dict[str, Any] = {name: None for name in TARGET_FIELDS}

    def text(name: str) -> str | None:
        value = target.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if not isinstance(value, str):
            raise Invalid(f"target {name} must be text", code="bad_target")
        return value.strip()

    model = text("model")
    if model is not None and not _known_model(session, model):
        raise Invalid(
            f"unknown model {model[:100]!r}; the launch's models are "
            f"{_allowed(launch_models(session)) or '(none yet)'}",
            code="unknown_model",
            allowed=launch_models(session),
        )
    method = _one_of(
        text("delivery_method"), DELIVERY_METHODS, "delivery method", "delivery_method"
    )
    status = _one_of(text("order_status"), ORDER_STATUSES, "order status", "order_status")
    cause = _one_of(text("cause"), STUCK_CAUSES, "stuck cause", "cause")
    start = _day(target.get("received_from"), "received_from")
    end = _day(target.get("received_to"), "received_to")
    if start and end and start > end:
        raise Invalid(
            f"received_from ({start}) is after received_to ({end}); expected a range "
            "from the earlier day to the later one",
            code="bad_target",
        )
    out.update(
        model=model,
        delivery_method=method,
        order_status=status,
        cause=cause,
        received_from=start,
        received_to=end,
    )
    return out


def target_of(notice: Notice) -> dict[str, Any] | None:
    """The notice's target as stored, or None when it is for everyone."""
    target = {
        "model": notice.target_model,
        "delivery_method": notice.target_delivery_method,
        "order_status": notice.target_order_status,
        "cause": notice.target_cause,
        "received_from": notice.target_received_from,
        "received_to": notice.target_received_to,
    }
    return target if any(v is not None for v in target.values()) else None


def order_matches(target: Mapping[str, Any], order: Order) -> bool:
    """Every condition the target sets holds for this order."""
    if target.get("model") is not None and order.model != target["model"]:
        return False
    if (
        target.get("delivery_method") is not None
        and order.delivery_method != target["delivery_method"]
    ):
        return False
    if target.get("order_status") is not None and order.status != target["order_status"]:
        return False
    if target.get("cause") is not None and order.cause != target["cause"]:
        return False
    start, end = target.get("received_from"), target.get("received_to")
    if start is not None or end is not None:
        if order.received_at is None:
            return False
        day = as_utc(order.received_at).astimezone(SEOUL).date()
        if (start is not None and day < start) or (end is not None and day > end):
            return False
    return True


def matching_orders(notice: Notice, orders: Iterable[Order]) -> list[str]:
    target = target_of(notice)
    if target is None:
        return []
    return [o.order_no for o in orders if order_matches(target, o)]


def for_customer(
    session: Session, *, orders: list[Order], principal: Principal
) -> list[dict[str, Any]]:
    """The active notices for a customer's screen: those targeting this customer's orders
    first (applies "customer", with the orders matched), then those for everyone; notices
    targeting other customers are left out."""
    active_notices = session.scalars(_ACTIVE).all()
    if not active_notices:
        return []
    acked = _acked_by(session, principal, [n.id for n in active_notices])
    targeted: list[dict[str, Any]] = []
    general: list[dict[str, Any]] = []
    for notice in active_notices:
        if target_of(notice) is None:
            general.append(
                {**to_json(notice, acknowledged=notice.id in acked), "applies": "everyone"}
            )
            continue
        matched = matching_orders(notice, orders)
        if matched:
            targeted.append(
                {
                    **to_json(notice, acknowledged=notice.id in acked),
                    "applies": "customer",
                    "matched_orders": matched,
                }
            )
    return targeted + general


def _acked_by(session: Session, principal: Principal, ids: list[int]) -> set[int]:
    return set(session.scalars(_ACKED, {"me": principal.user_id, "ids": ids or [0]}))


# Built once: every customer screen asks both, and building a statement costs more CPU
# than running it.
_ACTIVE = (
    select(Notice)
    .where(Notice.status == "active")
    .order_by(Notice.published_at.desc(), Notice.id.desc())
)
_ACKED = select(NoticeAck.notice_id).where(
    NoticeAck.user_id == bindparam("me"),
    NoticeAck.notice_id.in_(bindparam("ids", expanding=True)),
)


def publish(
    session: Session,
    *,
    topic: str,
    title: str,
    body: str,
    principal: Principal,
    target: Mapping[str, Any] | None = None,
) -> Notice:
    """A new version of the topic's notice; the one it replaces is retired."""
    topic = _clean(topic, "topic", 80)
    title = _clean(title, "title", 200)
    body = _clean(body, "body", 4000)
    aim = clean_target(session, target)
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
        target_model=aim["model"],
        target_delivery_method=aim["delivery_method"],
        target_order_status=aim["order_status"],
        target_cause=aim["cause"],
        target_received_from=aim["received_from"],
        target_received_to=aim["received_to"],
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
        after={
            "topic": topic,
            "version": version,
            "title": title,
            "body": body,
            "target": _target_json(target_of(notice)),
        },
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
    acked = _acked_by(session, principal, [n.id for n in notices])
    return [to_json(n, acknowledged=n.id in acked) for n in notices]


def acks_by_version(session: Session, *, notice_id: int) -> dict[str, Any]:
    """Who has read this notice, and each version of its topic (newest first)."""
    notice = session.get(Notice, notice_id)
    if notice is None:
        raise NotFound(f"no notice with id {notice_id}", code="notice_not_found")
    versions = session.scalars(
        select(Notice).where(Notice.topic == notice.topic).order_by(Notice.version.desc())
    ).all()
    acks: dict[int, dict[int, Any]] = {}
    for ack in session.scalars(
        select(NoticeAck).where(NoticeAck.notice_id.in_([v.id for v in versions]))
    ):
        acks.setdefault(ack.notice_id, {})[ack.user_id] = ack.acked_at
    staff = session.scalars(
        select(User)
        .where(User.role.in_(("agent", "lead", "supervisor")), User.disabled.is_(False))
        .order_by(User.username)
    ).all()

    def readers(version: Notice) -> dict[str, Any]:
        read = acks.get(version.id, {})
        return {
            "acknowledged": [
                {
                    "username": u.username,
                    "display_name": u.display_name,
                    "acked_at": iso(read[u.id]),
                }
                for u in sorted(
                    (u for u in staff if u.id in read),
                    key=lambda u: (as_utc(read[u.id]), u.username),
                )
            ],
            "not_acknowledged": [u.username for u in staff if u.id not in read],
        }

    return {
        "notice": to_json(notice),
        **readers(notice),
        "versions": [{**to_json(v), **readers(v)} for v in versions],
    }


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
        "target": _target_json(target_of(notice)),
    }
    if acknowledged is not None:
        out["acknowledged"] = acknowledged
    return out


def _target_json(target: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if target is None:
        return None
    return {
        k: (v.isoformat() if isinstance(v, date) else v) for k, v in target.items() if v is not None
    }
