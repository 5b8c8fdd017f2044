"""Callback claims on PostgreSQL: those that arrive together share one transaction.

At a shift's start a hundred agents claim at once, each claim a short write. On its own
each paid for a whole transaction: a session and a pooled connection, BEGIN, the change
feed's lock and a COMMIT with its WAL flush, and a thread hand-off each way; on two cores
that, not the claim itself, held claims under 500 a second. Claims waiting at the same
moment are now taken together by one thread: each caller is looked up and each claim made
by a statement of its own, one after another in the transaction (so each sees the rows
the ones before it claimed, and no two take the same callback), then one feed append and
one commit for all. Nothing waits to form a batch: a thread takes whatever is waiting when
it is free, one claim when the queue is quiet.

A caller refused (an unknown token, the wrong role) is answered alone and the others go
on. A batch that fails as a whole (the database went away) is tried again claim by claim,
so one claim's failure is never another's answer.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from services.api.deps import authenticate_in, check_role
from services.api.writes import transact
from services.db import Database
from services.errors import DomainError

# Threads taking batches, per serve process. With more, batches get smaller and the
# transactions more; with fewer, a batch waits longer for its commit.
THREADS = 2
# At most this many claims a transaction: the rows a batch claims stay locked (skipped by
# the other claimers) until it commits, and its first claimer waits for its last.
MOST = 32

Effect = Callable[..., Any]  # effect(session, *, principal)


@dataclass
class _Claim:
    token: str
    role: str
    effect: Effect
    future: asyncio.Future[Any]
    # set by the batch: the effect's answer, or the error to answer with
    outcome: tuple[bool, Any] = field(default=(False, None))


class ClaimBatcher:
    def __init__(self, db: Database, *, threads: int = THREADS, most: int = MOST) -> None:
        self.db = db
        self._most = most
        self._threads = threads
        self._waiting: deque[_Claim] = deque()
        self._lock = threading.Lock()
        self._busy = 0
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="launchdesk-claim")
        self.batches = 0  # how many transactions, and how many claims in them (for tests)
        self.claims = 0

    async def run(self, token: str, role: str, effect: Effect) -> Any:
        """effect(session, principal) for the caller with `token` holding `role`, in a
        transaction shared with the claims waiting beside it; its answer, or its error."""
        loop = asyncio.get_running_loop()
        claim = _Claim(token, role, effect, loop.create_future())
        with self._lock:
            self._waiting.append(claim)
            start = self._busy < self._threads
            if start:
                self._busy += 1
        if start:
            self._pool.submit(self._drain, loop)
        return await claim.future

    def _drain(self, loop: asyncio.AbstractEventLoop) -> None:
        while True:
            with self._lock:
                batch = [
                    self._waiting.popleft() for _ in range(min(self._most, len(self._waiting)))
                ]
                if not batch:
                    self._busy -= 1
                    return
            try:
                self._settle(batch)
            except Exception as exc:  # every waiting caller gets an answer
                for claim in batch:
                    claim.outcome = (False, exc)
            loop.call_soon_threadsafe(_deliver, batch)

    def _settle(self, batch: list[_Claim]) -> None:
        try:
            transact(self.db, lambda session: _claim_all(session, batch))
        except Exception:
            if len(batch) == 1:
                raise
            # One claim may have failed them all: each goes again on its own.
            for claim in batch:
                try:
                    transact(self.db, lambda session, one=claim: _claim_all(session, [one]))
                except Exception as exc:
                    claim.outcome = (False, exc)
        with self._lock:
            self.batches += 1
            self.claims += len(batch)


def _claim_all(session: Session, batch: list[_Claim]) -> None:
    for claim in batch:
        try:
            principal = check_role(authenticate_in(session, claim.token), claim.role)
        except DomainError as exc:  # refused before it wrote anything
            claim.outcome = (False, exc)
            continue
        claim.outcome = (True, claim.effect(session, principal=principal))


def _deliver(batch: list[_Claim]) -> None:
    for claim in batch:
        if claim.future.done():  # the caller went away (a cancelled request)
            continue
        ok, value = claim.outcome
        if ok:
            claim.future.set_result(value)
        else:
            claim.future.set_exception(value)
