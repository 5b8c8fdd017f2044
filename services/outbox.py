"""Delivers queued messages: to an HTTP SMS gateway, or recorded locally when none is set.

A row is marked `sending` (with the attempt time) in its own transaction before the
gateway is called, and `sent` after. The gateway receives message_key as its idempotency
key, so a sender that died between the two is reconciled by asking again with the same
key, never by sending a new message.
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


class Outbox:
    def __init__(self, db: Database, gateway_url: str | None, *, batch: int = 50) -> None:
        self.db = db
        self.gateway_url = gateway_url
        self.batch = batch
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._http = requests.Session()

    def _claim(self) -> list[int]:
        now = utcnow()
        with self.db.write() as s:
            query = (
                select(Message)
                .where(
                    or_(
                        Message.status == "queued",
                        (Message.status == "sending") & (Message.status_at < now - STALE_SENDING),
                    )
                )
                .order_by(Message.id)
                .limit(self.batch)
            )
            if not self.db.is_sqlite:
                query = query.with_for_update(skip_locked=True)
            rows = list(s.scalars(query))
            for m in rows:
                m.status = "sending"
                m.status_at = now
            return [m.id for m in rows]

    def _deliver(self, message_id: int) -> None:
        with self.db.read() as s:
            m = s.get(Message, message_id)
            if m is None:
                return
            key, mobile, body = m.message_key, m.mobile, m.body
        error = None
        if self.gateway_url:
            try:
                resp = self._http.post(
                    self.gateway_url,
                    json={"message_id": key, "to": mobile, "text": body},
                    headers={"Idempotency-Key": key},
                    timeout=10,
                )
                if resp.status_code >= 400:
                    error = f"gateway answered {resp.status_code}"
            except requests.RequestException as exc:
                error = f"gateway unreachable: {type(exc).__name__}"
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
                # back to the queue; the same key makes the retry safe
                m.status = "queued"
                m.error = error
                log.warning("message %s not sent: %s", message_id, error)
            m.status_at = now
            changes.record(s, "message", m.id, m.customer_id)

    def run_once(self) -> int:
        ids = self._claim()
        for message_id in ids:
            self._deliver(message_id)
        return len(ids)

    def start(self, interval: float = 1.0) -> None:
        def loop() -> None:
            while not self._stop.is_set():
                try:
                    sent = self.run_once()
                except Exception:  # keep the sender alive; the row stays queued
                    log.exception("outbox pass failed")
                    sent = 0
                if not sent:
                    self._stop.wait(interval)

        self._thread = threading.Thread(target=loop, name="outbox", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=5)
