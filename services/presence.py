"""Who else is here: staff who have a customer open, or hold a callback for them.

A console says "I have this customer open" with a renewal every RENEW_AFTER seconds; the
row lives TTL seconds past its last renewal. A console that is killed stops renewing, so
its row expires by itself: readers ignore expired rows and every renewal purges them (and
tells the change feed, so the screens that showed it drop it at once). Arrivals and
departures go to the change feed; plain renewals do not (every open screen would reload
every few seconds for nothing). Everything lives in the database, so it holds across
several serve processes.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, or_, select
from sqlalchemy.orm import Session

from services import changes
from services.accounts import Principal
from services.errors import NotFound
from services.models import Callback, Customer, User
from services.presence_models import Presence
from services.timeutil import as_utc, iso, utcnow

TTL_SECONDS = 45
MIN_TTL_SECONDS = 5
RENEW_AFTER_SECONDS = 15
OPEN_CALLBACK = ("queued", "claimed")


def _check_customer(session: Session, customer_id: int) -> None:
    if session.get(Customer, customer_id) is None:
        raise NotFound(f"no customer with id {customer_id}", code="customer_not_found")


def purge_expired(session: Session, now: datetime) -> int:
    """Remove expired rows; the screens showing them are told through the change feed."""
    gone = session.execute(
        select(Presence.customer_id, Presence.user_id).where(Presence.expires_at < now)
    ).all()
    if not gone:
        return 0
    session.execute(
        delete(Presence)
        .where(Presence.expires_at < now)
        .execution_options(synchronize_session=False)
    )
    for customer_id, _user_id in gone:
        changes.record(session, "presence", customer_id, customer_id=customer_id)
    return len(gone)


def touch(
    session: Session,
    *,
    customer_id: int,
    principal: Principal,
    ttl_seconds: int = TTL_SECONDS,
) -> Presence:
    """Open (or keep open) the caller's presence on a customer for ttl_seconds more."""
    _check_customer(session, customer_id)
    ttl = timedelta(seconds=max(MIN_TTL_SECONDS, min(TTL_SECONDS, ttl_seconds)))
    now = utcnow()
    purge_expired(session, now)
    row = session.get(Presence, (customer_id, principal.user_id))
    if row is None:
        row = Presence(
            customer_id=customer_id,
            user_id=principal.user_id,
            since=now,
            seen_at=now,
            expires_at=now + ttl,
        )
        session.add(row)
        session.flush()
        changes.record(session, "presence", customer_id, customer_id=customer_id)
    else:
        row.seen_at = now
        row.expires_at = now + ttl
    return row


def leave(session: Session, *, customer_id: int, principal: Principal) -> bool:
    """The caller closed the customer screen; True when they were shown as present."""
    _check_customer(session, customer_id)
    gone = session.execute(
        delete(Presence).where(
            Presence.customer_id == customer_id, Presence.user_id == principal.user_id
        )
    ).rowcount
    if gone:
        changes.record(session, "presence", customer_id, customer_id=customer_id)
    return bool(gone)


def leave_everywhere(session: Session, *, user_id: int) -> int:
    """On logout: the user is no longer on any customer."""
    customers = list(
        session.scalars(select(Presence.customer_id).where(Presence.user_id == user_id))
    )
    if customers:
        session.execute(delete(Presence).where(Presence.user_id == user_id))
        for customer_id in customers:
            changes.record(session, "presence", customer_id, customer_id=customer_id)
    return len(customers)


# Built once (every opening of a customer screen asks both): building a statement costs
# more CPU than running it.
_VIEWING = select(Presence).where(
    Presence.customer_id == bindparam("cid"),
    Presence.user_id != bindparam("me"),
    Presence.expires_at >= bindparam("now"),
)
# Only the columns needed: the callback row is wide and other features grow it.
_HOLDING = (
    select(
        Callback.id,
        Callback.topic,
        Callback.status,
        Callback.claimed_by,
        Callback.claimed_at,
        Callback.assigned_to,
        Callback.updated_at,
    )
    .where(
        Callback.customer_id == bindparam("cid"),
        Callback.status.in_(OPEN_CALLBACK),
        or_(Callback.claimed_by.is_not(None), Callback.assigned_to.is_not(None)),
    )
    .order_by(Callback.id)
)


def others(
    session: Session, *, customer_id: int, principal: Principal, now: datetime | None = None
) -> list[dict[str, Any]]:
    """Every other staff member on this customer: viewing it, holding a callback, or both.

    One entry per person, earliest activity first: {username, display_name, role,
    viewing, viewing_since, expires_at, callbacks: [{id, topic, status, how, since}],
    since}. Expired presence rows count for nothing, whether purged yet or not.
    """
    now = now or utcnow()
    people: dict[int, dict[str, Any]] = {}
    users: dict[int, User] = {}

    def entry(user_id: int) -> dict[str, Any]:
        if user_id not in people:
            people[user_id] = {
                "viewing": False,
                "viewing_since": None,
                "expires_at": None,
                "callbacks": [],
            }
        return people[user_id]

    params = {"cid": customer_id, "me": principal.user_id, "now": now}
    for row in session.scalars(_VIEWING, params):
        e = entry(row.user_id)
        e["viewing"] = True
        e["viewing_since"] = iso(row.since)
        e["expires_at"] = iso(row.expires_at)
    for cb in session.execute(_HOLDING, params):
        holder, how, since = _holder(cb)
        if holder is None or holder == principal.user_id:
            continue
        entry(holder)["callbacks"].append(
            {"id": cb.id, "topic": cb.topic, "status": cb.status, "how": how, "since": iso(since)}
        )
    if not people:
        return []
    for user in session.scalars(select(User).where(User.id.in_(list(people)))):
        users[user.id] = user
    out = []
    for user_id, e in people.items():
        user = users.get(user_id)
        if user is None:
            continue
        stamps = [e["viewing_since"]] + [c["since"] for c in e["callbacks"]]
        out.append(
            {
                "username": user.username,
                "display_name": user.display_name,
                "role": user.role,
                **e,
                "since": min(s for s in stamps if s) if any(stamps) else None,
            }
        )
    out.sort(key=lambda p: (p["since"] or "", p["username"]))
    return out


def _holder(cb: Any) -> tuple[int | None, str, datetime | None]:
    """Who holds an open callback: its claimer, else the agent it is assigned to."""
    if cb.status == "claimed" and cb.claimed_by is not None:
        return cb.claimed_by, "claimed", cb.claimed_at
    if cb.assigned_to is not None:
        return cb.assigned_to, "assigned", cb.updated_at
    return None, "", None


def answer(
    session: Session, *, customer_id: int, principal: Principal, mine: Presence | None = None
) -> dict[str, Any]:
    """The shape GET and PUT /customers/{id}/presence answer with."""
    now = utcnow()
    out: dict[str, Any] = {
        "customer_id": customer_id,
        "others": others(session, customer_id=customer_id, principal=principal, now=now),
        "ttl_seconds": TTL_SECONDS,
        "renew_after_seconds": RENEW_AFTER_SECONDS,
        "as_of": iso(now),
    }
    if mine is not None:
        out["expires_at"] = iso(as_utc(mine.expires_at))
    return out
