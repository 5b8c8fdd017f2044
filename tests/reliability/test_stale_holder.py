"""A claim that is no longer yours: lapsed, reassigned, or held by a console that died.

Agent A's claim lapses (its heartbeat stopped) or a supervisor gives it to B; when A then
tries to complete it, A gets 409 and only B's completion is recorded. A console process
killed while holding claims: its claims go back to the pool once their lease is over
(without anyone having to claim first), each lapse counted as an attempt, and the backoff
after the next unanswered call steps on from that count.

"Time passes" is done by moving the stored lease times back by one lease: the server,
its sweeper and its clock are the real ones.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
import requests
from sqlalchemy import func, select, update

from services.callbacks import backoff_for
from services.config import SETTINGS
from services.db import Database
from services.models import AuditEntry, Callback
from services.timeutil import as_utc, utcnow
from tests.reliability.staff import queue_callbacks, staff
from tests.support.serving import ROOT, Served

TIMEOUT = 30


def _as(served: Served, token: str) -> requests.Session:
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {token}"
    return http


def _age_leases(db: Database, ids: list[int], by: timedelta) -> None:
    """Let `by` pass for these claims (their lease and claim time move back)."""
    with db.write() as s:
        for cb in s.scalars(select(Callback).where(Callback.id.in_(ids))):
            cb.lease_expires_at = as_utc(cb.lease_expires_at) - by
            cb.claimed_at = as_utc(cb.claimed_at) - by


def _completions(db: Database, cb_id: int) -> list[str]:
    with db.read() as s:
        return list(
            s.scalars(
                select(AuditEntry.actor).where(
                    AuditEntry.entity == "callback",
                    AuditEntry.entity_id == str(cb_id),
                    AuditEntry.action == "callback.complete",
                )
            )
        )


@pytest.mark.parametrize("how", ["lease lapsed", "reassigned to B"])
def test_stale_holder_gets_409_and_one_completion_is_recorded(
    db: Database, serve: Callable[..., Served], how: str
) -> None:
    [cb_id] = queue_callbacks(db, 1)
    tokens = staff(db, "agent", 2)
    (a_name, a_token), (b_name, b_token) = tokens.items()
    [sup_token] = staff(db, "supervisor", 1).values()
    served = serve(db.url)
    a, b = _as(served, a_token), _as(served, b_token)
    assert a.post(served.base + "/callbacks/next", timeout=TIMEOUT).json()["id"] == cb_id
    assert a.post(served.base + f"/callbacks/{cb_id}/heartbeat", timeout=TIMEOUT).ok

    if how == "lease lapsed":
        _age_leases(db, [cb_id], SETTINGS.claim_lease + timedelta(seconds=1))
        taken = b.post(served.base + "/callbacks/next", timeout=TIMEOUT)
        assert taken.status_code == 200 and taken.json()["id"] == cb_id, taken.text
        assert taken.json()["attempts"] == 1  # the lapse counted
    else:
        moved = _as(served, sup_token).post(
            served.base + "/callbacks/reassign",
            json={"callback_ids": [cb_id], "to_agent": b_name},
            timeout=TIMEOUT,
        )
        assert moved.status_code == 200, moved.text
        assert b.post(served.base + "/callbacks/next", timeout=TIMEOUT).json()["id"] == cb_id

    beat = a.post(served.base + f"/callbacks/{cb_id}/heartbeat", timeout=TIMEOUT)
    assert beat.status_code == 409 and beat.json()["error"]["code"] == "claim_lost"
    stale = a.post(
        served.base + f"/callbacks/{cb_id}/complete", json={"outcome": "resolved"}, timeout=TIMEOUT
    )
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "claim_lost", stale.text
    # A retried stale completion (same key) is refused the same way, and changes nothing.
    again = a.post(
        served.base + f"/callbacks/{cb_id}/complete",
        json={"outcome": "resolved"},
        headers={"Idempotency-Key": "stale-retry"},
        timeout=TIMEOUT,
    )
    assert again.status_code == 409
    done = b.post(
        served.base + f"/callbacks/{cb_id}/complete", json={"outcome": "resolved"}, timeout=TIMEOUT
    )
    assert done.status_code == 200, done.text
    late = a.post(
        served.base + f"/callbacks/{cb_id}/complete", json={"outcome": "resolved"}, timeout=TIMEOUT
    )
    assert late.status_code == 409
    assert _completions(db, cb_id) == [b_name]
    with db.read() as s:
        cb = s.get(Callback, cb_id)
        assert cb.status == "done" and cb.outcome == "resolved"
    assert a_name != b_name


CONSOLE = """
import sys, time
from console.client import BackendClient

client = BackendClient(sys.argv[1])
client.login(sys.argv[2], "secret-pass-1")
held = [client.claim_next()["id"] for _ in range(3)]
for cb_id in held:
    client.heartbeat(cb_id)
print(" ".join(map(str, held)), flush=True)
time.sleep(600)
"""


def test_console_killed_holding_claims_returns_them_to_the_pool(
    db: Database, serve: Callable[..., Served]
) -> None:
    queue_callbacks(db, 5)
    [name] = staff(db, "agent", 1)
    [other_token] = staff(db, "agent", 1).values()
    served = serve(db.url)
    console = subprocess.Popen(
        [sys.executable, "-c", CONSOLE, served.url, name],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        held = [int(x) for x in console.stdout.readline().split()]  # type: ignore[union-attr]
    finally:
        console.send_signal(signal.SIGKILL)
        console.wait(10)
    assert len(held) == 3, "the console did not claim three callbacks"

    with db.read() as s:
        rows = s.scalars(select(Callback).where(Callback.id.in_(held))).all()
        for cb in rows:
            assert cb.status == "claimed"
            # the lease is at most one lease length from the last heartbeat
            assert as_utc(cb.lease_expires_at) <= utcnow() + SETTINGS.claim_lease
    # Just before the lease ends nothing moves: a slow console is not robbed.
    _age_leases(db, held, SETTINGS.claim_lease - timedelta(seconds=30))
    time.sleep(3)
    with db.read() as s:
        assert set(s.scalars(select(Callback.status).where(Callback.id.in_(held)))) == {"claimed"}
    # The lease runs out: the server's sweeper returns them, with nobody claiming.
    _age_leases(db, held, timedelta(seconds=31))
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        with db.read() as s:
            statuses = set(s.scalars(select(Callback.status).where(Callback.id.in_(held))))
        if statuses == {"queued"}:
            break
        time.sleep(0.2)
    assert statuses == {"queued"}, "lapsed claims were not returned to the pool"
    with db.read() as s:
        for cb in s.scalars(select(Callback).where(Callback.id.in_(held))):
            assert cb.attempts == 1 and cb.claimed_by is None and cb.lease_expires_at is None
        lapses = s.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "callback.lapse", AuditEntry.entity_id.in_(map(str, held)))
        )
    assert lapses == 3

    # Another agent takes one; it rings out: the backoff counts the lapse as an attempt.
    other = _as(served, other_token)
    claimed_ids = []
    for _ in range(5):
        got = other.post(served.base + "/callbacks/next", timeout=TIMEOUT)
        assert got.status_code == 200, got.text
        claimed_ids.append(got.json()["id"])
        if got.json()["id"] in held:
            break
    cb_id = claimed_ids[-1]
    assert cb_id in held
    began = utcnow()
    rang_out = other.post(
        served.base + f"/callbacks/{cb_id}/complete", json={"outcome": "no_answer"}, timeout=TIMEOUT
    )
    assert rang_out.status_code == 200, rang_out.text
    body = rang_out.json()
    assert body["status"] == "queued" and body["attempts"] == 2
    not_before = as_utc(datetime.fromisoformat(body["not_before"].replace("Z", "+00:00")))
    wait = not_before - began
    assert backoff_for(2) - timedelta(seconds=5) <= wait <= backoff_for(2) + timedelta(seconds=5)
    # ...and nobody gets it before then.
    with db.write() as s:
        s.execute(update(Callback).where(Callback.id.notin_([cb_id])).values(status="done"))
    assert other.post(served.base + "/callbacks/next", timeout=TIMEOUT).status_code == 204
