"""The supervisor's callback board: the queue, each agent's load, and rebalancing."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from services import callbacks, changes, loop
from services.accounts import Principal
from services.audit import audit
from services.errors import Invalid
from services.models import AuditEntry, AuthSession, Callback, User
from services.timeutil import SEOUL, as_utc, iso, utcnow

SLA = timedelta(minutes=30)  # a due callback waiting longer than this is a breach
ACTIVE_WITHIN = timedelta(minutes=15)


def _start_of_day(now: datetime) -> datetime:
    local = now.astimezone(SEOUL)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def available_agents(session: Session, now: datetime) -> list[User]:
    """Agents with a live session who did something in the last 15 minutes."""
    live = select(AuthSession.user_id).where(
        AuthSession.revoked_at.is_(None), AuthSession.expires_at > now
    )
    recent = select(AuditEntry.actor).where(AuditEntry.at >= now - ACTIVE_WITHIN).distinct()
    return list(
        session.scalars(
            select(User)
            .where(
                User.role == "agent",
                User.disabled.is_(False),
                User.id.in_(live),
                User.username.in_(recent),
            )
            .order_by(User.username)
        )
    )


def board(session: Session, *, now: datetime | None = None) -> dict[str, Any]:
    now = now or utcnow()
    queued = and_(Callback.status == "queued")
    depth = session.scalar(select(func.count()).select_from(Callback).where(queued)) or 0
    due = (
        session.scalar(
            select(func.count()).select_from(Callback).where(queued, Callback.not_before <= now)
        )
        or 0
    )
    oldest = session.scalar(
        select(func.min(Callback.not_before)).where(queued, Callback.not_before <= now)
    )
    breaches = (
        session.scalar(
            select(func.count())
            .select_from(Callback)
            .where(queued, Callback.not_before <= now - SLA)
        )
        or 0
    )
    day = _start_of_day(now)
    available = {u.id for u in available_agents(session, now)}
    agents = []
    for user in session.scalars(
        select(User).where(User.role == "agent", User.disabled.is_(False)).order_by(User.username)
    ):
        claimed = (
            session.scalar(
                select(func.count())
                .select_from(Callback)
                .where(Callback.status == "claimed", Callback.claimed_by == user.id)
            )
            or 0
        )
        assigned = (
            session.scalar(
                select(func.count())
                .select_from(Callback)
                .where(Callback.status == "queued", Callback.assigned_to == user.id)
            )
            or 0
        )
        done = session.execute(
            select(Callback.claimed_at, Callback.completed_at).where(
                Callback.completed_by == user.id, Callback.completed_at >= day
            )
        ).all()
        handle = [
            (as_utc(c) - as_utc(s)).total_seconds()
            for s, c in done
            if s is not None and c is not None
        ]
        agents.append(
            {
                "username": user.username,
                "display_name": user.display_name,
                "claimed": claimed,
                "assigned": assigned,
                "completed_today": len(done),
                "avg_handle_seconds": round(sum(handle) / len(handle)) if handle else None,
                "available": user.id in available,
            }
        )
    return {
        "queue": {
            "depth": depth,
            "due_now": due,
            "oldest_waiting_minutes": round((now - as_utc(oldest)).total_seconds() / 60)
            if oldest
            else 0,
            "sla_minutes": int(SLA.total_seconds() // 60),
            "sla_breaches": breaches,
        },
        "agents": agents,
        "as_of": iso(now),
    }


def rebalance(session: Session, *, principal: Principal, limit: int = 1000) -> dict[str, int]:
    """Spread queued callbacks evenly over the available agents.

    Callbacks in the pool or given to an agent who is not available are dealt out in queue
    order (weight, then due), each to the available agent with the fewest (claimed + given)
    at that moment.
    """
    now = utcnow()
    agents = available_agents(session, now)
    if not agents:
        raise Invalid(
            "no agent is available (logged in and active in the last 15 minutes)", code="no_agents"
        )
    ids = {u.id for u in agents}
    load = {
        u.id: session.scalar(
            select(func.count())
            .select_from(Callback)
            .where(
                ((Callback.status == "claimed") & (Callback.claimed_by == u.id))
                | ((Callback.status == "queued") & (Callback.assigned_to == u.id))
            )
        )
        or 0
        for u in agents
    }
    pick = (
        select(Callback.id)
        .where(Callback.status == "queued")
        .where((Callback.assigned_to.is_(None)) | (Callback.assigned_to.not_in(ids)))
        .order_by(Callback.weight.desc(), Callback.not_before, Callback.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        # The rows dealt out stay queued until this commits, and a row an agent is claiming
        # right now is left to them: without the lock a claim or completion in between was
        # taken away or failed the whole rebalance. (SQLite's writer lock already orders it.)
        pick = pick.with_for_update(skip_locked=True)
    movable = list(session.scalars(pick))
    names = {u.id: u.username for u in agents}
    plan: dict[int, list[int]] = {u.id: [] for u in agents}
    for cb_id in movable:
        target = min(load, key=lambda uid: (load[uid], names[uid]))
        plan[target].append(cb_id)
        load[target] += 1
    moved = 0
    for uid, cb_ids in plan.items():
        if cb_ids:
            moved += len(
                callbacks.reassign(
                    session, callback_ids=cb_ids, to_agent=names[uid], principal=principal
                )
            )
    return {"moved": moved, "agents": len(agents)}


def set_priority(
    session: Session, *, callback_ids: list[int], priority: int, principal: Principal
) -> int:
    if not (-100 <= priority <= 100):
        raise Invalid("priority must be between -100 and 100")
    rows = list(session.scalars(select(Callback).where(Callback.id.in_(callback_ids))))
    if len(rows) != len(set(callback_ids)):
        raise Invalid("some callback ids do not exist")
    for cb in rows:
        before = cb.priority
        cb.priority = priority
        loop.reweigh(session, [cb])
        audit(
            session,
            actor=principal.username,
            action="callback.priority",
            entity="callback",
            entity_id=cb.id,
            before={"priority": before},
            after={"priority": priority, "weight": cb.weight},
        )
        changes.record(session, "callback", cb.id, cb.customer_id)
    return len(rows)
