"""Delivers queued messages: to an HTTP SMS gateway, or recorded locally when none is set.

A message is marked `sending` (with the time) in its own transaction before the gateway is
called, and `sent` after. A sender that dies in between leaves the row `sending`; when it
has been so for longer than `stale_after`, the next sender asks the gateway whether it
already has that message (by its key) and only sends it if not — reconcile, never blindly
resend.

The gateway contract: POST {url} with {"message_id", "to", "text"} and the header
Idempotency-Key: message_id (2xx: accepted); GET {url}/{message_id} answers 200 when the
gateway has that message, 404 when it does not.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

import requests
from sqlalchemy import or_, select

from services import changes
from services.db import Database
from services.models import Message
from services.timeutil import utcnow

log = logging.getLogger("launchdesk.outbox")
STALE_SENDING = timedelta(minutes=2)


class GatewayError(Exception):
    pass


class Outbox:
    def __init__(
        self,
        db: Database,
        gateway_url: str | None,
        *,
        batch: int = 50,
        stale_after: timedelta = STALE_SENDING,
    ) -> None:
        self.db = db
        self.gateway_url = gateway_url.rstrip("/") if gateway_url else None
        self.batch = batch
        self.stale_after = stale_after
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._http = requests.Session()

    def _claim(self) -> list[tuple[int, bool]]:
        """Take a batch: (id, was_stale) — stale ones may already be at the gateway."""
        now = utcnow()
        with self.db.write() as s:
            query = (
                select(Message)
                .where(
                    or_(
                        Message.status == "queued",
                        (Message.status == "sending")
                        & (Message.status_at < now - self.stale_after),
                    )
                )
                .order_by(Message.id)
                .limit(self.batch)
            )
            if not self.db.is_sqlite:
                query = query.with_for_update(skip_locked=True)
            rows = list(s.scalars(query))
            taken = [(m.id, m.status == "sending") for m in rows]
            for m in rows:
                m.status = "sending"
                m.status_at = now
            return taken

    def _gateway_has(self, key: str) -> bool:
        try:
            resp = self._http.get(f"{self.gateway_url}/{key}", timeout=10)
        except requests.RequestException as exc:
            raise GatewayError(f"gateway unreachable: {type(exc).__name__}") from exc
        if resp.status_code == 200:
            return True
        if resp.status_code == 404:
            return False
        raise GatewayError(f"gateway answered {resp.status_code} to a status query")

    def _post(self, key: str, mobile: str, body: str) -> None:
        try:
            resp = self._http.post(
                self.gateway_url or "",
                json={"message_id": key, "to": mobile, "text": body},
                headers={"Idempotency-Key": key},
                timeout=10,
            )
        except requests.RequestException as exc:
            raise GatewayError(f"gateway unreachable: {type(exc).__name__}") from exc
        if resp.status_code >= 400:
            raise GatewayError(f"gateway answered {resp.status_code}")

    def _deliver(self, message_id: int, was_stale: bool) -> None:
        with self.db.read() as s:
            m = s.get(Message, message_id)
            if m is None:
                return
            key, mobile, body = m.message_key, m.mobile, m.body
        error = None
        if self.gateway_url:
            try:
                if not (was_stale and self._gateway_has(key)):
                    self._post(key, mobile, body)
            except GatewayError as exc:
                error = str(exc)
        with self.db.write() as s:
            m = s.get(Message, message_id)
            if m is None or m.status != "sending":
                return
            now = utcnow()
            if error is None:
                m.status = "sent"
                m.sent_at = now
                m.error = None
            else:
                # Back to the queue: the same key makes the next try safe.
                m.status = "queued"
                m.error = error
                log.warning("message %s not sent: %s", message_id, error)
            m.status_at = now
            changes.record(s, "message", m.id, m.customer_id)

    def run_once(self) -> int:
        taken = self._claim()
        for message_id, was_stale in taken:
            if self._stop.is_set():
                break
            self._deliver(message_id, was_stale)
        return len(taken)

    def run_forever(self, interval: float = 1.0) -> None:
        while not self._stop.is_set():
            try:
                sent = self.run_once()
            except Exception:  # keep the sender alive; the rows stay where they were
                log.exception("outbox pass failed")
                sent = 0
            if not sent:
                self._stop.wait(interval)

    def start(self, interval: float = 1.0) -> None:
        self._thread = threading.Thread(
            target=self.run_forever, args=(interval,), name="outbox", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=5)
