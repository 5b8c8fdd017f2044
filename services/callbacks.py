"""The callback queue: request (merging), atomic claim, heartbeat, complete, reassign.

Claim atomicity comes from the database: PostgreSQL's FOR UPDATE SKIP LOCKED lets many
claimers each lock a different row; on SQLite every write transaction is BEGIN IMMEDIATE,
so claimers take turns on the single writer lock.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, or_, select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services import changes, loop
from services.accounts import Principal, role_allows
from services.audit import audit
from services.config import SETTINGS
from services.db import run_driver
from services.errors import Conflict, Invalid, NotFound
from services.history import record_move
from services.lifecycles import CALLBACK, CALLBACK_OUTCOMES
from services.models import Callback, Customer, User
from services.timeutil import as_utc, iso, utcnow

OPEN = ("queued", "claimed")
MAX_TOPIC = 40
MAX_NOTE = 2000


def _snapshot(cb: Callback) -> dict[str, Any]:
    return {
        "status": cb.status,
        "claimed_by": cb.claimed_by,
        "assigned_to": cb.assigned_to,
        "attempts": cb.attempts,
        "not_before": iso(cb.not_before),
        "priority": cb.priority,
        "outcome": cb.outcome,
    }


def _touch(
    session: Session, cb: Callback, *, actor: str, action: str, before: dict[str, Any] | None
) -> None:
    cb.updated_at = utcnow()
    audit(
        session,
        actor=actor,
        action=action,
        entity="callback",
        entity_id=cb.id,
        before=before,
        after=_snapshot(cb),
    )
    changes.record(session, "callback", cb.id, cb.customer_id)


def _clean_topic(topic: str) -> str:
    topic = (topic or "").strip()
    if not topic or len(topic) > MAX_TOPIC or any(ord(c) < 32 for c in topic):
        raise Invalid(f"topic must be 1-{MAX_TOPIC} printable characters, e.g. 'delivery'")
    return topic


def _clean_note(note: str | None) -> str | None:
    if note is None:
        return None
    if len(note) > MAX_NOTE or "\x00" in note:
        raise Invalid(f"note must be at most {MAX_NOTE} characters without NUL bytes")
    return note.strip() or None


def request(
    session: Session,
    *,
    customer_id: int,
    topic: str,
    actor: str,
    note: str | None = None,
    not_before: datetime | None = None,
    priority: int = 0,
) -> tuple[Callback, bool]:
    """Queue a callback, or merge into the open one for this customer and topic.

    Returns (callback, merged).
    """
    topic = _clean_topic(topic)
    note = _clean_note(note)
    if session.get(Customer, customer_id) is None:
        raise NotFound(f"no customer with id {customer_id}", code="customer_not_found")
    now = utcnow()
    due = as_utc(not_before) if not_before else now
    for _ in range(3):
        query = select(Callback).where(
            Callback.customer_id == customer_id,
            Callback.topic == topic,
            Callback.status.in_(OPEN),
        )
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update()  # concurrent merges must not lose a request
        existing = session.scalar(query)
        if existing is not None:
            before = _snapshot(existing)
            existing.requests += 1
            if note:
                existing.note = f"{existing.note}\n{note}" if existing.note else note
            if due < as_utc(existing.not_before) and existing.status == "queued":
                existing.not_before = due
            existing.priority = max(existing.priority, priority)
            loop.reweigh(session, [existing], now=now)
            _touch(session, existing, actor=actor, action="callback.merge", before=before)
            return existing, True
        cb = Callback(
            customer_id=customer_id,
            topic=topic,
            note=note,
            status="queued",
            priority=priority,
            not_before=due,
            attempts=0,
            requests=1,
            created_by=actor,
            created_at=now,
            updated_at=now,
        )
        loop.reweigh(session, [cb], now=now)
        try:
            with session.begin_nested():
                session.add(cb)
                session.flush()
        except IntegrityError:
            # Someone else opened one for this customer and topic at the same moment.
            continue
        record_move(session, "callback", cb, None, actor)
        _touch(session, cb, actor=actor, action="callback.request", before=None)
        return cb, False
    raise Conflict("could not queue the callback; try again", code="callback_busy")


def _claimable(now: datetime, me: int):
    mine_or_pool = or_(Callback.assigned_to.is_(None), Callback.assigned_to == me)
    due = and_(Callback.status == "queued", Callback.not_before <= now)
    return and_(mine_or_pool, due)


_EARLIEST_LEASE = (
    select(Callback.lease_expires_at)
    .where(Callback.lease_expires_at.is_not(None))
    .order_by(Callback.lease_expires_at)
    .limit(1)
)
_EARLIEST_LEASE_SQL = str(
    _EARLIEST_LEASE.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True})
)


def release_lapsed(session: Session, *, now: datetime | None = None, limit: int = 200) -> int:
    """Claims whose console stopped renewing them go back to the pool, the attempt counted."""
    now = now or utcnow()
    # Every claim asks this first, and almost always nothing has lapsed: the earliest lease
    # is the first entry of the lease index, whatever the planner thinks of the statuses
    # (only a claimed callback holds a lease).
    earliest = session.scalar(_EARLIEST_LEASE)
    if earliest is None or as_utc(earliest) >= now:
        return 0
    query = (
        select(Callback)
        .where(Callback.status == "claimed", Callback.lease_expires_at < now)
        .order_by(Callback.lease_expires_at)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    released = 0
    for cb in session.scalars(query):
        before = _snapshot(cb)
        cb.status = "queued"
        cb.attempts += 1
        cb.claimed_by = None
        cb.claimed_at = None
        cb.lease_expires_at = None
        record_move(session, "callback", cb, "claimed", "system", "claim lapsed: no heartbeat")
        _touch(session, cb, actor="system", action="callback.lapse", before=before)
        released += 1
    return released


def claim_next(session: Session, *, principal: Principal) -> Callback | None:
    now = utcnow()
    if session.get_bind().dialect.name == "postgresql":
        return _claim_next_pg(session, principal=principal, now=now)
    release_lapsed(session, now=now, limit=20)
    loop.refresh_if_due(session)  # waiting bonuses grow as orders age (services.loop)
    # Pick and claim in one statement; on SQLite the write transaction holds the single
    # writer lock (BEGIN IMMEDIATE), so no other claimer can pick the same row meanwhile.
    cb = session.scalars(
        update(Callback)
        .where(
            Callback.id
            == select(Callback.id)
            .where(_claimable(now, principal.user_id))
            .order_by(Callback.weight.desc(), Callback.not_before, Callback.id)
            .limit(1)
            .scalar_subquery()
        )
        .values(
            status="claimed",
            claimed_by=principal.user_id,
            claimed_at=now,
            lease_expires_at=now + SETTINGS.claim_lease,
            updated_at=now,
        )
        .returning(Callback)
        .execution_options(synchronize_session=False, populate_existing=True)
    ).first()
    if cb is None:
        return None
    # It was queued (a queued callback is claimed by nobody); nothing else changed.
    before = {**_snapshot(cb), "status": "queued", "claimed_by": None}
    record_move(session, "callback", cb, "queued", principal.username)
    audit(
        session,
        actor=principal.username,
        action="callback.claim",
        entity="callback",
        entity_id=cb.id,
        before=before,
        after=_snapshot(cb),
    )
    changes.record(session, "callback", cb.id, cb.customer_id)
    return cb


def _pg_iso(column: str) -> str:
    """SQL giving services.timeutil.iso()'s text for a timestamptz: fractional seconds only
    when there are any, as datetime.isoformat() writes them."""
    utc = f"({column} AT TIME ZONE 'UTC')"
    return (
        f"CASE WHEN {column} IS NULL THEN NULL ELSE "
        f"to_char({utc}, 'YYYY-MM-DD\"T\"HH24:MI:SS') || "
        f"CASE WHEN mod(CAST(extract(microseconds FROM {column}) AS bigint), 1000000) = 0 "
        "THEN '' "
        f"ELSE to_char({utc}, '.US') END || 'Z' END"
    )


def _pg_snapshot(status: str, claimed_by: str) -> str:
    """_snapshot() as a json_build_object over the claimed row (keep the two in step)."""
    return (
        f"json_build_object('status', {status}, 'claimed_by', {claimed_by}, "
        "'assigned_to', assigned_to, 'attempts', attempts, "
        f"'not_before', {_pg_iso('not_before')}, 'priority', priority, 'outcome', outcome)"
    )


def _pg_claim_sql(*, guarded: bool) -> str:
    # The whole claim in one statement, one round trip: pick the first claimable row in
    # queue order (weight desc, not_before, id; the row locked, skipped by every other
    # claimer until commit), claim it, write its history and audit rows, return it. The
    # feed entry is appended at commit (services.changes) as for every write.
    # guarded: claim nothing when some lease has lapsed, and say so, so the caller
    # releases those first (release_lapsed) as every claim must; almost always none has.
    # The earliest lease as release_lapsed reads it, off the lease index: asked as "a
    # claimed row with a lapsed lease", the planner may walk every claimed row (with
    # statistics from before a shift's claims it did: 1.5 ms of server CPU a claim at
    # 5,000 claimed, more than the rest of the claim).
    lapsed = (
        f"SELECT COALESCE(({_EARLIEST_LEASE_SQL}) < %(now)s, false) AS found"
        if guarded
        else "SELECT false AS found"
    )
    # It was queued (a queued callback is claimed by nobody); nothing else changed.
    before = _pg_snapshot("'queued'", "CAST(NULL AS bigint)")
    after = _pg_snapshot("status", "claimed_by")
    return (
        f"WITH lapsed AS MATERIALIZED ({lapsed}), "
        "picked AS (SELECT id FROM callbacks "
        "WHERE status = 'queued' AND not_before <= %(now)s "
        "AND (assigned_to IS NULL OR assigned_to = %(me)s) "
        "AND NOT (SELECT found FROM lapsed) "
        "ORDER BY weight DESC, not_before, id LIMIT 1 FOR UPDATE SKIP LOCKED), "
        "claimed AS (UPDATE callbacks AS c SET status = 'claimed', claimed_by = %(me)s, "
        "claimed_at = %(now)s, lease_expires_at = %(lease)s, updated_at = %(now)s "
        "FROM picked WHERE c.id = picked.id RETURNING c.*), "
        "moved AS (INSERT INTO status_history (subject_type, subject_id, customer_id, "
        "from_status, to_status, effect, actor, occurred_at, recorded_at) "
        "SELECT 'callback', id, customer_id, 'queued', status, 'applied', %(actor)s, "
        "%(now)s, %(now)s FROM claimed), "
        "audited AS (INSERT INTO audit_log (actor, action, entity, entity_id, before, after, at) "
        "SELECT %(actor)s, 'callback.claim', 'callback', CAST(id AS varchar), "
        f"{before}, {after}, "
        "%(now)s FROM claimed) "
        "SELECT (SELECT found FROM lapsed) AS lapsed, claimed.* "
        "FROM (SELECT 1) AS one LEFT JOIN claimed ON true"
    )


_PG_CLAIM_GUARDED = _pg_claim_sql(guarded=True)
_PG_CLAIM = _pg_claim_sql(guarded=False)


def _claim_next_pg(session: Session, *, principal: Principal, now: datetime) -> Callback | None:
    """claim_next on PostgreSQL: the claim is the hottest write (hundreds a second at a shift
    start), so it skips the ORM's unit of work and runs as one statement on the driver."""
    loop.refresh_if_due(session)  # waiting bonuses grow as orders age (services.loop)
    session.flush()  # the statement below must see what the ORM has pending
    params = {
        "now": now,
        "me": principal.user_id,
        "lease": now + SETTINGS.claim_lease,
        "actor": principal.username,
    }
    names, row = run_driver(session, _PG_CLAIM_GUARDED, params)
    assert row is not None  # the statement answers one row, claimed or not
    if row[0]:
        release_lapsed(session, now=now, limit=20)
        session.flush()
        names, row = run_driver(session, _PG_CLAIM, params)
        assert row is not None
    values = dict(zip(names[1:], row[1:], strict=True))
    if values["id"] is None:
        return None
    # A detached copy of the row as it now is: the caller only reads it (and a later
    # statement in this transaction loads the row afresh).
    cb = Callback(**values)
    loaded = session.identity_map.get(Session.identity_key(Callback, cb.id))
    if loaded is not None:  # loaded earlier in this transaction (a re-weighing): now stale
        session.expire(loaded)
    changes.record(session, "callback", cb.id, cb.customer_id)
    return cb


def _get_for_update(session: Session, callback_id: int) -> Callback:
    query = select(Callback).where(Callback.id == callback_id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    cb = session.scalar(query)
    if cb is None:
        raise NotFound(f"no callback with id {callback_id}", code="callback_not_found")
    return cb


def _require_live_claim(cb: Callback, principal: Principal, now: datetime) -> None:
    if cb.status != "claimed" or cb.claimed_by != principal.user_id:
        raise Conflict(
            f"callback {cb.id} is no longer yours (it is {cb.status}"
            + (", claimed by someone else" if cb.status == "claimed" else "")
            + "); do not call this customer back",
            code="claim_lost",
        )
    if cb.lease_expires_at is None or as_utc(cb.lease_expires_at) <= now:
        raise Conflict(
            f"your claim on callback {cb.id} lapsed (no heartbeat for "
            f"{int(SETTINGS.claim_lease.total_seconds() // 60)} minutes); it went back to the queue",
            code="claim_lapsed",
        )


def heartbeat(session: Session, *, callback_id: int, principal: Principal) -> Callback:
    now = utcnow()
    cb = _get_for_update(session, callback_id)
    _require_live_claim(cb, principal, now)
    before = iso(cb.lease_expires_at)
    cb.lease_expires_at = now + SETTINGS.claim_lease
    audit(
        session,
        actor=principal.username,
        action="callback.heartbeat",
        entity="callback",
        entity_id=cb.id,
        before={"lease_expires_at": before},
        after={"lease_expires_at": iso(cb.lease_expires_at)},
    )
    return cb


def backoff_for(attempts: int) -> timedelta:
    """Wait before the next try after `attempts` unanswered calls (1-based)."""
    steps = SETTINGS.callback_backoff
    return steps[min(attempts, len(steps)) - 1]


def complete(
    session: Session, *, callback_id: int, principal: Principal, outcome: str, note: str | None
) -> Callback:
    if outcome not in CALLBACK_OUTCOMES:
        raise Invalid(
            f"outcome must be one of {', '.join(CALLBACK_OUTCOMES)}; received {str(outcome)[:40]!r}",
            code="bad_outcome",
        )
    note = _clean_note(note)
    now = utcnow()
    cb = _get_for_update(session, callback_id)
    _require_live_claim(cb, principal, now)
    before = _snapshot(cb)
    cb.attempts += 1
    cb.claimed_by = None
    cb.lease_expires_at = None
    cb.completed_by = principal.user_id
    cb.completed_at = now
    cb.outcome = outcome
    detail = f"outcome: {outcome}" + (f" — {note}" if note else "")
    if outcome == "no_answer" and cb.attempts < SETTINGS.callback_max_attempts:
        cb.status = "queued"
        cb.claimed_at = None
        cb.not_before = now + backoff_for(cb.attempts)
    elif outcome == "no_answer":
        cb.status = "unreached"
    else:
        cb.status = "done"
    record_move(session, "callback", cb, "claimed", principal.username, detail)
    _touch(session, cb, actor=principal.username, action="callback.complete", before=before)
    if note:
        from services.notes import add_note

        add_note(
            session,
            customer_id=cb.customer_id,
            author=principal.username,
            body=note,
            reason=f"callback:{cb.topic}",
        )
    return cb


def reassign(
    session: Session, *, callback_ids: list[int], to_agent: str | None, principal: Principal
) -> list[Callback]:
    """Give callbacks to one agent, or back to the pool; a live claim is taken away."""
    if not callback_ids:
        raise Invalid("callback_ids must list at least one callback id")
    if len(callback_ids) > 1000:
        raise Invalid("at most 1000 callbacks can be reassigned at once")
    target: User | None = None
    if to_agent is not None:
        target = session.scalar(select(User).where(User.username == to_agent))
        if target is None or target.disabled or not role_allows(target.role, "agent"):
            raise Invalid(f"{to_agent!r} is not an active agent account", code="bad_agent")
    query = select(Callback).where(Callback.id.in_(sorted(set(callback_ids)))).order_by(Callback.id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    rows = list(session.scalars(query))
    found = {cb.id for cb in rows}
    missing = sorted(set(callback_ids) - found)
    if missing:
        raise NotFound(f"no callbacks with ids {missing[:10]}", code="callback_not_found")
    closed = [cb.id for cb in rows if cb.status not in OPEN]
    if closed:
        raise Conflict(
            f"callbacks {closed[:10]} are already finished and cannot be reassigned",
            code="callback_closed",
        )
    for cb in rows:
        before = _snapshot(cb)
        was = cb.status
        cb.assigned_to = target.id if target else None
        cb.status = "queued"
        cb.claimed_by = None
        cb.claimed_at = None
        cb.lease_expires_at = None
        detail = f"reassigned to {to_agent}" if to_agent else "returned to the pool"
        record_move(session, "callback", cb, was, principal.username, detail)
        _touch(session, cb, actor=principal.username, action="callback.reassign", before=before)
    return rows


def list_for_agent(session: Session, *, principal: Principal) -> list[Callback]:
    return list(
        session.scalars(
            select(Callback)
            .where(
                or_(
                    and_(Callback.status == "claimed", Callback.claimed_by == principal.user_id),
                    and_(Callback.status == "queued", Callback.assigned_to == principal.user_id),
                )
            )
            .order_by(Callback.status, Callback.not_before)
        )
    )


def usernames(session: Session, ids: set[int | None]) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    rows = session.execute(_USERNAMES, {"ids": list(ids)}).all()
    return {row.id: row.username for row in rows}


_USERNAMES = select(User.id, User.username).where(
    User.id.in_(bindparam("ids", expanding=True))
)  # built once: every customer screen and callback list asks it


def to_json(cb: Callback, names: dict[int, str]) -> dict[str, Any]:
    return {
        "id": cb.id,
        "customer_id": cb.customer_id,
        "topic": cb.topic,
        "note": cb.note,
        "status": cb.status,
        "status_label": CALLBACK.label(cb.status),
        "priority": cb.priority,
        "weight": cb.weight,
        "attempts": cb.attempts,
        "requests": cb.requests,
        "not_before": iso(cb.not_before),
        "claimed_by": names.get(cb.claimed_by) if cb.claimed_by else None,
        "assigned_to": names.get(cb.assigned_to) if cb.assigned_to else None,
        "lease_expires_at": iso(cb.lease_expires_at),
        "outcome": cb.outcome,
        "created_by": cb.created_by,
        "created_at": iso(cb.created_at),
        "completed_at": iso(cb.completed_at),
    }


def many_to_json(session: Session, rows: list[Callback]) -> list[dict[str, Any]]:
    """Callbacks as clients see them, with user names instead of ids; an open one also
    shows its customer's stuck orders (`stuck`: the oldest, its cause, how many)."""
    names = usernames(session, {c.claimed_by for c in rows} | {c.assigned_to for c in rows})
    stuck = loop.stuck_info(session, rows)
    return [
        {**to_json(c, names), "stuck": stuck.get(c.customer_id) if c.status in OPEN else None}
        for c in rows
    ]
