"""Endpoints of the lead's and supervisor's workspaces: templates, campaigns, the board,
the callbacks waiting per topic, and contact reasons."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from pydantic import StringConstraints
from sqlalchemy import case, func, select

from services import board, campaigns, reasons
from services import callbacks as callback_service
from services.api.deps import Agent, DbDep, Lead, Supervisor
from services.api.schemas import ApproveBody, Body, CampaignBody, PriorityBody, TemplateBody
from services.api.writes import run_write
from services.campaign_models import Campaign, MessageTemplate
from services.config import SETTINGS
from services.models import Callback, Order
from services.timeutil import iso, utcnow

router = APIRouter(prefix="/api/v1")
CampaignId = Annotated[int, Path(ge=1, le=2**62)]
ERR = {
    401: {"description": "not logged in, or the token expired or was revoked"},
    403: {"description": "the caller's role may not do this"},
    422: {"description": "bad input, with a message naming what was expected"},
}


@router.get("/templates", tags=["messages"], responses=ERR)
def list_templates(db: DbDep, principal: Lead) -> dict[str, Any]:
    with db.read() as s:
        rows = s.scalars(select(MessageTemplate).order_by(MessageTemplate.key)).all()
        return {
            "templates": [campaigns.template_json(t) for t in rows],
            "placeholders": campaigns.PLACEHOLDERS,
        }


@router.post("/templates", tags=["messages"], responses=ERR)
def save_template(body: TemplateBody, request: Request, db: DbDep, principal: Lead) -> Response:
    return run_write(
        request,
        db,
        principal,
        body.model_dump(),
        lambda s: campaigns.template_json(
            campaigns.save_template(
                s, key=body.key, title=body.title, body=body.body, principal=principal
            )
        ),
    )


def _campaign(s: Any, campaign: Campaign) -> dict[str, Any]:
    return {**campaigns.to_json(s, campaign), "preview": campaigns.preview(s, campaign)}


@router.post(
    "/campaigns",
    status_code=201,
    tags=["messages"],
    responses={**ERR, 409: {"description": "empty segment"}},
)
def create_campaign(body: CampaignBody, request: Request, db: DbDep, principal: Lead) -> Response:
    def effect(s: Any) -> dict[str, Any]:
        campaign = campaigns.create(
            s,
            name=body.name,
            template_key=body.template_key,
            segment=body.segment,
            principal=principal,
            corrects_id=body.corrects_id,
        )
        return _campaign(s, campaign)

    return run_write(request, db, principal, body.model_dump(), effect, status=201)


@router.get("/campaigns", tags=["messages"], responses=ERR)
def list_campaigns(
    db: DbDep, principal: Lead, limit: Annotated[int, Query(ge=1, le=200)] = 50
) -> dict[str, Any]:
    with db.read() as s:
        rows = s.scalars(select(Campaign).order_by(Campaign.id.desc()).limit(limit)).all()
        return {"campaigns": [campaigns.to_json(s, c) for c in rows], "as_of": iso(utcnow())}


@router.get(
    "/campaigns/{campaign_id}",
    tags=["messages"],
    responses={**ERR, 404: {"description": "no such campaign"}},
)
def get_campaign(campaign_id: CampaignId, db: DbDep, principal: Lead) -> dict[str, Any]:
    with db.read() as s:
        return _campaign(s, campaigns._get(s, campaign_id))


@router.post(
    "/campaigns/{campaign_id}/approve",
    tags=["messages"],
    responses={**ERR, 409: {"description": "not a draft, or quiet hours"}},
)
def approve_campaign(
    campaign_id: CampaignId, body: ApproveBody, request: Request, db: DbDep, principal: Supervisor
) -> Response:
    return run_write(
        request,
        db,
        principal,
        body.model_dump(),
        lambda s: campaigns.to_json(
            s,
            campaigns.approve(
                s,
                campaign_id=campaign_id,
                principal=principal,
                override_reason=body.override_reason,
            ),
        ),
    )


@router.post(
    "/campaigns/{campaign_id}/cancel",
    tags=["messages"],
    responses={**ERR, 409: {"description": "not a draft"}},
)
def cancel_campaign(
    campaign_id: CampaignId, request: Request, db: DbDep, principal: Lead
) -> Response:
    return run_write(
        request,
        db,
        principal,
        None,
        lambda s: campaigns.to_json(
            s, campaigns.cancel(s, campaign_id=campaign_id, principal=principal)
        ),
    )


@router.get("/callbacks", tags=["callbacks"], responses=ERR)
def list_callbacks(
    db: DbDep,
    principal: Supervisor,
    status: Annotated[str, Query(pattern="^(queued|claimed)$")] = "queued",
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
) -> dict[str, Any]:
    """Open callbacks for the board in queue order: highest weight (priority plus the
    waiting bonus, services.loop), then longest due."""
    with db.read() as s:
        rows = s.scalars(
            select(Callback)
            .where(Callback.status == status)
            .order_by(Callback.weight.desc(), Callback.not_before, Callback.id)
            .limit(limit)
        ).all()
        return {"callbacks": callback_service.many_to_json(s, list(rows)), "as_of": iso(utcnow())}


@router.get("/board", tags=["callbacks"], responses=ERR)
def callback_board(db: DbDep, principal: Supervisor) -> dict[str, Any]:
    with db.read() as s:
        return board.board(s)


@router.post(
    "/callbacks/rebalance",
    tags=["callbacks"],
    responses={**ERR, 409: {"description": "nobody available"}},
)
def rebalance(request: Request, db: DbDep, principal: Supervisor) -> Response:
    return run_write(
        request, db, principal, None, lambda s: board.rebalance(s, principal=principal)
    )


@router.post("/callbacks/priority", tags=["callbacks"], responses=ERR)
def set_priority(
    body: PriorityBody, request: Request, db: DbDep, principal: Supervisor
) -> Response:
    return run_write(
        request,
        db,
        principal,
        body.model_dump(),
        lambda s: {
            "updated": board.set_priority(
                s, callback_ids=body.callback_ids, priority=body.priority, principal=principal
            )
        },
    )


AGING_BUCKETS = (24, 36, 48, 72, 96)


@router.get("/orders/aging", tags=["orders"], responses=ERR)
def aging(db: DbDep, principal: Lead) -> dict[str, Any]:
    """How long received orders have waited: counts per age bucket (hours), for the chart."""
    now = utcnow()

    def read(s: Any) -> dict[str, Any]:
        edges = [now - timedelta(hours=h) for h in AGING_BUCKETS]
        bucket = case(
            *[(Order.received_at < edge, len(edges) - i) for i, edge in enumerate(reversed(edges))],
            else_=0,
        )
        rows = dict(
            s.execute(
                select(bucket, func.count()).where(Order.status == "received").group_by(bucket)
            ).all()
        )
        labels = (
            [f"0-{AGING_BUCKETS[0]}h"]
            + [f"{a}-{b}h" for a, b in itertools.pairwise(AGING_BUCKETS)]
            + [f">{AGING_BUCKETS[-1]}h"]
        )
        return {
            "buckets": [
                {"label": labels[i], "count": int(rows.get(i, 0))} for i in range(len(labels))
            ],
            "as_of": iso(now),
        }

    with db.read() as s:
        return read(s)


# --- callbacks and triage as one loop ------------------------------------------------------


@router.get("/callbacks/topics", tags=["callbacks"], responses=ERR)
def callback_topics(db: DbDep, principal: Lead) -> dict[str, Any]:
    """Open callbacks per topic: how many, how many of those customers have an order
    waiting in received, and how many waited past the stuck threshold (for a campaign
    to the customers waiting for a callback about a topic)."""
    now = utcnow()
    stuck_edge = now - SETTINGS.stuck_after
    with db.read() as s:
        rows = s.execute(
            select(
                Callback.topic,
                func.count(),
                func.count(Callback.waiting_since),
                func.sum(case((Callback.waiting_since <= stuck_edge, 1), else_=0)),
            )
            .where(Callback.status.in_(("queued", "claimed")))
            .group_by(Callback.topic)
            .order_by(func.count().desc(), Callback.topic)
        ).all()
        return {
            "topics": [
                {"topic": t, "open": int(n), "waiting": int(w), "stuck": int(st or 0)}
                for t, n, w, st in rows
            ],
            "as_of": iso(now),
        }


# --- contact reasons ---------------------------------------------------------------------------

ReasonKey = Annotated[str, Path(min_length=2, max_length=40, pattern=r"^[a-z][a-z0-9_]{1,39}$")]
Minutes = Annotated[int, Query(ge=5, le=720, description="the window, in minutes")]


KEY_PATTERN = r"^[a-z][a-z0-9_]{1,39}$"
# printable, and not only spaces (the label is what agents pick from)
LABEL_PATTERN = r"^[^\x00-\x1f]*[^\s\x00-\x1f][^\x00-\x1f]*$"
Label = Annotated[str, StringConstraints(min_length=1, max_length=60, pattern=LABEL_PATTERN)]


class ReasonBody(Body):
    key: Annotated[str, StringConstraints(min_length=2, max_length=40, pattern=KEY_PATTERN)]
    label: Label
    label_en: Label | None = None


@router.get("/contact-reasons", tags=["contact reasons"], responses=ERR)
def list_reasons(db: DbDep, principal: Agent, include_retired: bool = False) -> dict[str, Any]:
    """The reasons a contact is logged with: the built-in ones, then those leads added."""
    with db.read() as s:
        return {"reasons": reasons.all_reasons(s, include_retired=include_retired)}


@router.post(
    "/contact-reasons",
    status_code=201,
    tags=["contact reasons"],
    responses={**ERR, 409: {"description": "a built-in reason has that key"}},
)
def add_reason(body: ReasonBody, request: Request, db: DbDep, principal: Lead) -> Response:
    """Add a reason to the list (a retired one comes back with the labels given)."""
    return run_write(
        request,
        db,
        principal,
        body.model_dump(),
        lambda s: reasons.reason_json(
            reasons.add_reason(
                s, key=body.key, label=body.label, label_en=body.label_en, principal=principal
            )
        ),
        status=201,
    )


@router.post(
    "/contact-reasons/{key}/retire",
    tags=["contact reasons"],
    responses={**ERR, 404: {"description": "no such reason"}, 409: {"description": "built in"}},
)
def retire_reason(key: ReasonKey, request: Request, db: DbDep, principal: Lead) -> Response:
    return run_write(
        request,
        db,
        principal,
        None,
        lambda s: reasons.reason_json(reasons.retire_reason(s, key=key, principal=principal)),
    )


@router.get("/contact-reasons/top", tags=["contact reasons"], responses=ERR)
def top_reasons(db: DbDep, principal: Lead, minutes: Minutes = 60) -> dict[str, Any]:
    """Contacts per reason in the last window against the window before, most first."""
    with db.read() as s:
        return reasons.top_reasons(s, window=timedelta(minutes=minutes))


@router.get(
    "/contact-reasons/{key}/customers",
    tags=["contact reasons"],
    responses={**ERR, 404: {"description": "no such reason"}},
)
def reason_customers(
    key: ReasonKey, db: DbDep, principal: Lead, minutes: Minutes = 60
) -> dict[str, Any]:
    """The customers behind a reason in the last window, latest contact first."""
    with db.read() as s:
        return reasons.customers_for(s, key=key, window=timedelta(minutes=minutes))
