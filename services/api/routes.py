"""The HTTP API under /api/v1 (SPEC: "HTTP contract"), thin over the domain services."""

from __future__ import annotations

import asyncio
import time
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import select

from services import accounts, callbacks, changes, customers, messages, notes, notices, orders
from services import presence as presence_service
from services.accounts import Principal
from services.api.deps import (
    Admin,
    Agent,
    AnyUser,
    DbDep,
    FeedAgent,
    Integration,
    Lead,
    Supervisor,
    bearer_token,
    forget_feed_caller,
)
from services.api.schemas import (
    CallbackRequestBody,
    CancelBody,
    CompleteBody,
    DisableBody,
    IngestBody,
    LoginBody,
    NoteBody,
    NoticeBody,
    PasswordBody,
    PresenceBody,
    ReassignBody,
    ResendBody,
    RoleBody,
    TriageBody,
    UserBody,
)
from services.api.writes import run_write, run_write_as, transact
from services.audit import audit, log_access
from services.config import SETTINGS
from services.errors import Conflict, Invalid, NotFound, TooManyRequests, Unauthorized
from services.ingest import ingest_batch
from services.lifecycles import ORDER
from services.models import Contradiction, Customer, Order, Shipment, User
from services.timeutil import iso, utcnow

router = APIRouter(prefix="/api/v1")

ERR = {
    401: {"description": "not logged in, or the token expired or was revoked"},
    403: {"description": "the caller's role may not do this"},
    422: {"description": "bad input, with a message naming what was expected"},
}


def _user_json(user: User) -> dict[str, Any]:
    return {
        "username": user.username,
        "role": user.role,
        "display_name": user.display_name,
        "disabled": user.disabled,
    }


# --- auth ------------------------------------------------------------------------------------


@router.post(
    "/auth/login",
    tags=["auth"],
    responses={401: ERR[401], 429: {"description": "too many failed logins"}},
)
def login(body: LoginBody, request: Request, db: DbDep) -> dict[str, Any]:
    remote = request.client.host if request.client else "?"
    failure: Exception | None = None
    result: dict[str, Any] = {}
    with db.write() as session:
        try:
            token, user = accounts.login(
                session, username=body.username, password=body.password, remote=remote
            )
            audit(
                session,
                actor=user.username,
                action="auth.login",
                entity="user",
                entity_id=user.id,
                before=None,
                after={"remote": remote},
            )
            result = {
                "token": token,
                "user": {
                    "username": user.username,
                    "role": user.role,
                    "display_name": user.display_name,
                },
                "expires_in": int(SETTINGS.token_ttl.total_seconds()),
            }
        except (Unauthorized, TooManyRequests) as exc:
            failure = exc  # the failed attempt must still be committed: it counts
    if failure is not None:
        raise failure
    return result


@router.post("/auth/logout", status_code=204, tags=["auth"], responses={401: ERR[401]})
def logout(request: Request, db: DbDep, principal: AnyUser) -> Response:
    token = bearer_token(request)
    with db.write() as session:
        accounts.logout(session, token)
        # Logged out: on no customer any more (other consoles see it at once).
        presence_service.leave_everywhere(session, user_id=principal.user_id)
        audit(
            session,
            actor=principal.username,
            action="auth.logout",
            entity="user",
            entity_id=principal.user_id,
            before=None,
            after={"revoked": True},
        )
    forget_feed_caller(token)
    return Response(status_code=204)


@router.get("/auth/me", tags=["auth"], responses={401: ERR[401]})
def me(principal: AnyUser) -> dict[str, Any]:
    return {
        "username": principal.username,
        "role": principal.role,
        "display_name": principal.display_name,
    }


# --- search and the customer screen ----------------------------------------------------------


@router.get("/search", tags=["customers"], responses=ERR)
def search(
    db: DbDep,
    principal: Agent,
    q: Annotated[str, Query(max_length=200)],
    kind: Annotated[str | None, Query(max_length=20)] = None,
) -> dict[str, Any]:
    with db.read() as session:
        return customers.search(session, q, kind)


@router.get(
    "/customers/{customer_id}",
    tags=["customers"],
    responses={**ERR, 404: {"description": "no such customer"}},
)
def customer_screen(customer_id: int, db: DbDep, principal: Agent) -> dict[str, Any]:
    _check_id(customer_id)
    # Read first, then log the opening in a short write of its own: on SQLite a write
    # transaction around the whole read held the one writer lock for every screen.
    with db.read() as s:
        screen = customers.customer_screen(s, customer_id, principal=principal)
    transact(db, lambda s: log_access(s, user_id=principal.user_id, customer_id=customer_id))
    return screen


def _check_id(value: int) -> None:
    if not (1 <= value <= 2**62):
        raise NotFound(f"no record with id {value}")


@router.get(
    "/customers/{customer_id}/presence",
    tags=["customers"],
    responses={**ERR, 404: {"description": "no such customer"}},
)
def customer_presence(customer_id: int, db: DbDep, principal: Agent) -> dict[str, Any]:
    """Every other staff member on this customer: viewing it now, or holding a callback."""
    _check_id(customer_id)
    with db.read() as s:
        if s.get(Customer, customer_id) is None:
            raise NotFound(f"no customer with id {customer_id}", code="customer_not_found")
        return presence_service.answer(s, customer_id=customer_id, principal=principal)


@router.put(
    "/customers/{customer_id}/presence",
    tags=["customers"],
    responses={**ERR, 404: {"description": "no such customer"}},
)
def touch_presence(
    customer_id: int, db: DbDep, principal: Agent, body: PresenceBody | None = None
) -> dict[str, Any]:
    """I have this customer open: renew every renew_after_seconds while it stays open."""
    _check_id(customer_id)
    ttl = (body or PresenceBody()).ttl_seconds

    def effect(s: Any) -> dict[str, Any]:
        mine = presence_service.touch(
            s, customer_id=customer_id, principal=principal, ttl_seconds=ttl
        )
        return presence_service.answer(s, customer_id=customer_id, principal=principal, mine=mine)

    return transact(db, effect)


@router.delete(
    "/customers/{customer_id}/presence",
    status_code=204,
    tags=["customers"],
    responses={**ERR, 404: {"description": "no such customer"}},
)
def leave_presence(customer_id: int, db: DbDep, principal: Agent) -> Response:
    """I closed this customer's screen."""
    _check_id(customer_id)
    transact(db, lambda s: presence_service.leave(s, customer_id=customer_id, principal=principal))
    return Response(status_code=204)


@router.post("/customers/{customer_id}/notes", status_code=201, tags=["customers"], responses=ERR)
def add_note(
    customer_id: int, body: NoteBody, request: Request, db: DbDep, principal: Agent
) -> Response:
    _check_id(customer_id)
    return run_write(
        request,
        db,
        principal,
        body.model_dump(),
        lambda s: notes.to_json(
            notes.add_note(
                s,
                customer_id=customer_id,
                author=principal.username,
                body=body.body,
                reason=body.reason,
            )
        ),
        status=201,
    )


# --- callbacks -------------------------------------------------------------------------------


@router.post("/callbacks", status_code=201, tags=["callbacks"], responses=ERR)
def request_callback(
    body: CallbackRequestBody, request: Request, db: DbDep, principal: Agent
) -> Response:
    def effect(s: Any) -> dict[str, Any]:
        cb, merged = callbacks.request(
            s,
            customer_id=body.customer_id,
            topic=body.topic,
            note=body.note,
            not_before=body.not_before,
            actor=principal.username,
        )
        return {
            **callbacks.to_json(cb, callbacks.usernames(s, {cb.claimed_by, cb.assigned_to})),
            "merged": merged,
        }

    return run_write(request, db, principal, body.model_dump(mode="json"), effect, status=201)


CLAIMER = "agent"


# No dependencies (each costs CPU on every claim): the caller is checked on the thread that
# claims; the role is declared for the route table and the OpenAPI document instead.
@router.post(
    "/callbacks/next",
    tags=["callbacks"],
    responses={**ERR, 204: {"description": "nothing due"}},
    openapi_extra={"x-role": CLAIMER},
)
async def claim_next(request: Request) -> Response:
    def effect(s: Any, *, principal: Principal) -> dict[str, Any] | None:
        cb = callbacks.claim_next(s, principal=principal)
        if cb is None:
            return None
        return callbacks.to_json(cb, {principal.user_id: principal.username})

    return await run_write_as(request, CLAIMER, None, effect)


@router.get("/callbacks/mine", tags=["callbacks"], responses=ERR)
def my_callbacks(db: DbDep, principal: Agent) -> dict[str, Any]:
    with db.read() as s:
        rows = callbacks.list_for_agent(s, principal=principal)
        return {"callbacks": callbacks.many_to_json(s, rows), "as_of": iso(utcnow())}


@router.post(
    "/callbacks/{callback_id}/heartbeat",
    tags=["callbacks"],
    responses={**ERR, 409: {"description": "the claim is no longer the caller's"}},
)
def heartbeat(callback_id: int, db: DbDep, principal: Agent) -> dict[str, Any]:
    _check_id(callback_id)

    def effect(s: Any) -> dict[str, Any]:
        cb = callbacks.heartbeat(s, callback_id=callback_id, principal=principal)
        return {"id": cb.id, "lease_expires_at": iso(cb.lease_expires_at)}

    return transact(db, effect)


@router.post(
    "/callbacks/{callback_id}/complete",
    tags=["callbacks"],
    responses={**ERR, 409: {"description": "the claim is no longer the caller's"}},
)
def complete(
    callback_id: int, body: CompleteBody, request: Request, db: DbDep, principal: Agent
) -> Response:
    _check_id(callback_id)

    def effect(s: Any) -> dict[str, Any]:
        cb = callbacks.complete(
            s, callback_id=callback_id, principal=principal, outcome=body.outcome, note=body.note
        )
        return callbacks.to_json(cb, callbacks.usernames(s, {cb.claimed_by, cb.assigned_to}))

    return run_write(request, db, principal, body.model_dump(), effect)


@router.post("/callbacks/reassign", tags=["callbacks"], responses=ERR)
def reassign(body: ReassignBody, request: Request, db: DbDep, principal: Supervisor) -> Response:
    def effect(s: Any) -> dict[str, Any]:
        rows = callbacks.reassign(
            s, callback_ids=body.callback_ids, to_agent=body.to_agent, principal=principal
        )
        return {"callbacks": callbacks.many_to_json(s, rows)}

    return run_write(request, db, principal, body.model_dump(), effect)


# --- orders ----------------------------------------------------------------------------------


@router.get("/orders/stuck", tags=["orders"], responses=ERR)
def stuck(
    db: DbDep,
    principal: Lead,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    cause: Annotated[str | None, Query(max_length=20)] = None,
    model: Annotated[str | None, Query(max_length=100)] = None,
    delivery_method: Annotated[str | None, Query(max_length=20)] = None,
    sort: Annotated[str, Query(max_length=10)] = "age",
    min_age_hours: Annotated[
        int | None,
        Query(ge=0, le=2160, description="only orders received at least this many hours ago"),
    ] = None,
) -> dict[str, Any]:
    with db.read() as s:
        return orders.stuck_orders(
            s,
            limit=limit,
            offset=offset,
            cause=cause,
            model=model,
            delivery_method=delivery_method,
            sort=sort,
            min_age_hours=min_age_hours,
        )


@router.post("/orders/triage", tags=["orders"], responses=ERR)
def triage(body: TriageBody, request: Request, db: DbDep, principal: Lead) -> Response:
    def effect(s: Any) -> dict[str, Any]:
        rows = orders.set_triage(
            s,
            order_nos=body.order_nos,
            principal=principal,
            cause=body.cause,
            owner=body.owner,
            set_owner=body.set_owner,
        )
        return {"updated": len(rows)}

    return run_write(request, db, principal, body.model_dump(), effect)


def _order_json(order: Order) -> dict[str, Any]:
    return {
        "order_no": order.order_no,
        "status": order.status,
        "status_label": ORDER.label(order.status),
        "customer_id": order.customer_id,
    }


@router.post(
    "/orders/{order_no}/cancel",
    tags=["orders"],
    responses={**ERR, 409: {"description": "the order's status does not allow it"}},
)
def cancel(
    order_no: str, body: CancelBody, request: Request, db: DbDep, principal: Agent
) -> Response:
    order_no = _order_no(order_no)
    return run_write(
        request,
        db,
        principal,
        body.model_dump(),
        lambda s: _order_json(
            orders.cancel_order(s, order_no=order_no, principal=principal, reason=body.reason)
        ),
    )


@router.post(
    "/orders/{order_no}/activation",
    tags=["orders"],
    responses={**ERR, 409: {"description": "not allowed now"}},
)
def request_activation(order_no: str, request: Request, db: DbDep, principal: Agent) -> Response:
    order_no = _order_no(order_no)

    def effect(s: Any) -> dict[str, Any]:
        activation = orders.request_activation(s, order_no=order_no, principal=principal)
        return {"order_no": order_no, "status": activation.status}

    return run_write(request, db, principal, None, effect)


@router.post(
    "/orders/{order_no}/resend-tracking",
    status_code=201,
    tags=["orders"],
    responses={**ERR, 409: {"description": "quiet hours or already sent in 24 h"}},
)
def resend_tracking(
    order_no: str, body: ResendBody, request: Request, db: DbDep, principal: Agent
) -> Response:
    order_no = _order_no(order_no)

    def effect(s: Any) -> dict[str, Any]:
        order = orders.get_order(s, order_no)
        shipment = s.scalar(select(Shipment).where(Shipment.order_id == order.id))
        if shipment is None:
            raise Conflict(
                f"order {order_no} has no shipment yet, so there is no tracking number to send",
                code="no_shipment",
            )
        customer = s.get(Customer, order.customer_id)
        message = messages.enqueue(
            s,
            customer=customer,
            template="tracking",
            actor=principal.username,
            fields={
                "order_no": order_no,
                "courier": shipment.courier,
                "tracking_no": shipment.tracking_no,
            },
            override_reason=body.override_reason,
        )
        return messages.to_json(message)

    return run_write(request, db, principal, body.model_dump(), effect, status=201)


def _order_no(text: str) -> str:
    from services.identifiers import IdentifierError, parse_order_no

    try:
        return parse_order_no(text)
    except IdentifierError as exc:
        raise Invalid(
            exc.message, code="wrong_identifier", expected=exc.expected, received=exc.received
        ) from None


@router.get("/contradictions", tags=["orders"], responses=ERR)
def contradictions(
    db: DbDep,
    principal: Lead,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> dict[str, Any]:
    with db.read() as s:
        rows = s.execute(
            select(Contradiction, Order.order_no)
            .join(Order, Order.id == Contradiction.order_id)
            .where(Contradiction.resolved_at.is_(None))
            .order_by(Contradiction.detected_at.desc(), Contradiction.id.desc())
            .limit(limit)
            .offset(offset)
        ).all()
        return {
            "items": [
                {
                    "id": c.id,
                    "order_no": no,
                    "customer_id": c.customer_id,
                    "kind": c.kind,
                    "detail": c.detail,
                    "detected_at": iso(c.detected_at),
                }
                for c, no in rows
            ],
            "as_of": iso(utcnow()),
        }


# --- ingest ----------------------------------------------------------------------------------


@router.post(
    "/ingest/events", tags=["ingest"], responses={**ERR, 413: {"description": "batch too large"}}
)
def ingest(body: IngestBody, db: DbDep, principal: Integration) -> dict[str, Any]:
    if len(body.events) > SETTINGS.ingest_max_batch:
        raise Invalid(
            f"at most {SETTINGS.ingest_max_batch} events a batch; received {len(body.events)}"
        )

    def effect(s: Any) -> list[dict[str, Any]]:
        results = ingest_batch(s, body.events)
        # Each event is recorded on its own (ingested_events, status_history); the batch
        # itself gets one audit row so the log shows who posted what, when.
        audit(
            s,
            actor=principal.username,
            action="ingest.batch",
            entity="ingest",
            entity_id=len(results),
            before=None,
            after=_count_results(results),
        )
        return results

    results = transact(db, effect)
    return {"results": results, "counts": _count_results(results)}


def _count_results(results: list[dict[str, Any]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in results:
        counts[r["result"]] = counts.get(r["result"], 0) + 1
    return counts


# --- the change feed -------------------------------------------------------------------------


@router.get("/changes", tags=["live"], responses=ERR)
async def changes_after(
    request: Request,
    db: DbDep,
    principal: FeedAgent,
    after: Annotated[int, Query(ge=0, le=2**62)] = 0,
    wait: Annotated[float, Query(ge=0, le=30)] = 20.0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
) -> dict[str, Any]:
    watcher = request.app.state.watcher

    def read() -> tuple[list[changes.ChangeEntry], int]:
        with db.read() as s:
            entries = changes.read_after(s, after, limit)
            return entries, (entries[-1].seq if entries else max(after, changes.last_seq(s)))

    deadline = time.monotonic() + wait
    while True:
        # From this process's tail when it reaches back to `after`, without a query; a
        # reader that will not wait and finds nothing there asks the database, which may be
        # a tenth of a second ahead of the tail (its own write just committed, say).
        held = watcher.after(after, limit)
        if held is not None and (held[0] or wait > 0):
            entries, last = held
        else:
            entries, last = await anyio.to_thread.run_sync(read)
        remaining = deadline - time.monotonic()
        if entries or remaining <= 0 or await request.is_disconnected():
            return {"changes": [e.as_json() for e in entries], "last_seq": last}
        await watcher.wait_beyond(after, min(remaining, 1.0))
        await asyncio.sleep(0)


# --- notices ---------------------------------------------------------------------------------


@router.get("/notices", tags=["notices"], responses=ERR)
def list_notices(db: DbDep, principal: Agent) -> dict[str, Any]:
    with db.read() as s:
        return {"notices": notices.active(s, principal=principal), "as_of": iso(utcnow())}


@router.post("/notices", status_code=201, tags=["notices"], responses=ERR)
def publish_notice(body: NoticeBody, request: Request, db: DbDep, principal: Lead) -> Response:
    return run_write(
        request,
        db,
        principal,
        body.model_dump(),
        lambda s: notices.to_json(
            notices.publish(
                s,
                topic=body.topic,
                title=body.title,
                body=body.body,
                principal=principal,
                target=body.target.model_dump() if body.target else None,
            )
        ),
        status=201,
    )


@router.post("/notices/{notice_id}/retire", tags=["notices"], responses=ERR)
def retire_notice(notice_id: int, request: Request, db: DbDep, principal: Lead) -> Response:
    _check_id(notice_id)
    return run_write(
        request,
        db,
        principal,
        None,
        lambda s: notices.to_json(notices.retire(s, notice_id=notice_id, principal=principal)),
    )


@router.post("/notices/{notice_id}/ack", status_code=204, tags=["notices"], responses=ERR)
def ack_notice(notice_id: int, db: DbDep, principal: Agent) -> Response:
    _check_id(notice_id)
    transact(db, lambda s: notices.acknowledge(s, notice_id=notice_id, principal=principal))
    return Response(status_code=204)


@router.get("/notices/{notice_id}/acks", tags=["notices"], responses=ERR)
def notice_acks(notice_id: int, db: DbDep, principal: Supervisor) -> dict[str, Any]:
    _check_id(notice_id)
    with db.read() as s:
        # this version's readers, and every version of its topic with its own
        return notices.acks_by_version(s, notice_id=notice_id)


# --- admin -----------------------------------------------------------------------------------


@router.get("/admin/users", tags=["admin"], responses=ERR)
def list_users(db: DbDep, principal: Admin) -> dict[str, Any]:
    with db.read() as s:
        return {"users": [_user_json(u) for u in accounts.list_users(s)]}


@router.post("/admin/users", status_code=201, tags=["admin"], responses=ERR)
def add_user(body: UserBody, db: DbDep, principal: Admin) -> dict[str, Any]:
    return transact(
        db,
        lambda s: _user_json(
            accounts.add_user(
                s,
                username=body.username,
                role=body.role,
                password=body.password,
                display_name=body.display_name,
                actor=principal.username,
            )
        ),
    )


@router.post("/admin/users/{username}/role", tags=["admin"], responses=ERR)
def set_role(username: str, body: RoleBody, db: DbDep, principal: Admin) -> dict[str, Any]:
    return transact(
        db,
        lambda s: _user_json(
            accounts.set_role(
                s, username=_username(username), role=body.role, actor=principal.username
            )
        ),
    )


@router.post("/admin/users/{username}/password", tags=["admin"], responses=ERR)
def reset_password(
    username: str, body: PasswordBody, db: DbDep, principal: Admin
) -> dict[str, Any]:
    return transact(
        db,
        lambda s: _user_json(
            accounts.reset_password(
                s, username=_username(username), password=body.password, actor=principal.username
            )
        ),
    )


@router.post("/admin/users/{username}/disable", tags=["admin"], responses=ERR)
def disable_user(username: str, body: DisableBody, db: DbDep, principal: Admin) -> dict[str, Any]:
    return transact(
        db,
        lambda s: _user_json(
            accounts.set_disabled(
                s, username=_username(username), disabled=body.disabled, actor=principal.username
            )
        ),
    )


def _username(text: str) -> str:
    # Never shorten: a cut name could be another account's.
    if not (1 <= len(text) <= 64) or any(ord(c) < 32 for c in text):
        raise NotFound(f"no user named {text[:64]!r}", code="user_not_found")
    return text


def health(db: Any) -> JSONResponse:
    try:
        with db.read() as s:
            last = changes.last_seq(s)
        return JSONResponse({"status": "ok", "database": "reachable", "last_seq": last})
    except Exception as exc:
        return JSONResponse(
            {"status": "degraded", "database": f"unreachable ({type(exc).__name__})"},
            status_code=503,
        )
