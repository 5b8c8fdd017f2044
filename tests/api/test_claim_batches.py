"""Claims that arrive together share a transaction (services.api.claims), and that is
never visible to a caller: each gets a callback of its own, its own refusal, or its own
error."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests
from sqlalchemy import func, select

from services.api.claims import ClaimBatcher
from services.audit import audit
from services.db import Database
from services.errors import Forbidden, Unauthorized
from services.models import AuditEntry, Callback, Change, StatusHistory, User
from services.server import ThreadedServer
from tests.reliability.staff import queue_callbacks, staff

postgres = pytest.mark.postgres  # the claim route batches on PostgreSQL only


def _claim_until_empty(base: str, token: str, barrier: threading.Barrier) -> list[Any]:
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {token}"
    barrier.wait()
    answers = []
    while True:
        resp = http.post(base + "/callbacks/next", timeout=60)
        answers.append((resp.status_code, resp.json() if resp.content else None))
        if resp.status_code != 200:
            return answers


@postgres
def test_claims_arriving_together_share_transactions_and_each_gets_its_own(
    db: Database, server: ThreadedServer
) -> None:
    ids = queue_callbacks(db, 300)
    tokens = staff(db, "agent", 30)
    refused = {"unknown-token-1": 401, "unknown-token-2": 401}
    refused |= {token: 403 for token in staff(db, "integration", 2).values()}
    callers = list(tokens.values()) + list(refused)
    barrier = threading.Barrier(len(callers))
    base = server.url + "/api/v1"
    with ThreadPoolExecutor(len(callers)) as pool:
        answers = dict(
            zip(
                callers,
                pool.map(lambda token: _claim_until_empty(base, token, barrier), callers),
                strict=True,
            )
        )
    batcher: ClaimBatcher = server.app.state.claims
    assert batcher.claims > batcher.batches, "no two claims ever shared a transaction"
    # the refused were answered alone, in their own words
    for token, status in refused.items():
        ((got, body),) = answers[token]
        assert got == status, body
        assert body["error"]["code"] == ("bad_token" if status == 401 else "forbidden")
    # every callback claimed once, by the agent who was told so
    names = {token: name for name, token in tokens.items()}
    claimed = [
        (names[token], body["id"], body["claimed_by"])
        for token in tokens.values()
        for status, body in answers[token]
        if status == 200
    ]
    assert all(answers[t][-1][0] == 204 for t in tokens.values())
    assert sorted(cb_id for _, cb_id, _ in claimed) == ids
    assert all(name == by for name, _, by in claimed)
    with db.read() as s:
        owners = dict(
            s.execute(
                select(Callback.id, User.username).join(User, User.id == Callback.claimed_by)
            ).all()
        )
        moves = Counter(
            s.scalars(
                select(StatusHistory.subject_id).where(
                    StatusHistory.subject_type == "callback", StatusHistory.to_status == "claimed"
                )
            )
        )
        audited = s.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "callback.claim")
        )
        fed = s.scalar(
            select(func.count(func.distinct(Change.entity_id))).where(Change.kind == "callback")
        )
    assert owners == {cb_id: name for name, cb_id, _ in claimed}
    # the history, the audit trail and the change feed hold each claim once
    assert set(moves) == set(ids) and set(moves.values()) == {1}
    assert audited == len(ids) and fed == len(ids)


def test_a_batch_that_fails_is_tried_again_claim_by_claim(db: Database) -> None:
    tokens = list(staff(db, "agent", 2).values())
    batcher = ClaimBatcher(db, threads=1, most=16)
    gate = threading.Event()

    def effect_for(i: int) -> Any:
        def effect(session: Any, *, principal: Any) -> int:
            if i == 0:
                gate.wait(10)  # holds the one thread while the others queue up behind it
            if i == 3:
                raise RuntimeError("this claim fails")
            audit(
                session,
                actor=principal.username,
                action="test.batched",
                entity="test",
                entity_id=i,
                before=None,
                after=None,
            )
            return i

        return effect

    async def claims() -> list[Any]:
        first = asyncio.ensure_future(batcher.run(tokens[0], "agent", effect_for(0)))
        await asyncio.sleep(0.2)
        rest = [
            asyncio.ensure_future(batcher.run(tokens[i % 2], "agent", effect_for(i)))
            for i in range(1, 6)
        ]
        rest.append(asyncio.ensure_future(batcher.run("no-such-token", "agent", effect_for(6))))
        rest.append(asyncio.ensure_future(batcher.run(tokens[1], "lead", effect_for(7))))
        await asyncio.sleep(0.2)
        gate.set()
        return await asyncio.gather(first, *rest, return_exceptions=True)

    answers = asyncio.run(claims())
    assert answers[:3] == [0, 1, 2] and answers[4:6] == [4, 5]
    assert isinstance(answers[3], RuntimeError)
    assert isinstance(answers[6], Unauthorized) and isinstance(answers[7], Forbidden)
    # the second batch (all but the first claim) failed as a whole and went again one by
    # one: what its failed try wrote was rolled back, so each effect is there once
    assert batcher.batches == 2 and batcher.claims == 8
    with db.read() as s:
        written = Counter(
            s.scalars(select(AuditEntry.entity_id).where(AuditEntry.action == "test.batched"))
        )
    assert written == Counter({"0": 1, "1": 1, "2": 1, "4": 1, "5": 1})
