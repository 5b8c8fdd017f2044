"""Tables. Every lifecycle keeps its current status on its row and every move in status_history."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.timeutil import utcnow

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

BigId = BigInteger().with_variant(Integer(), "sqlite")
Stamp = DateTime(timezone=True)
Json = JSON().with_variant(JSON(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def _pk() -> Mapped[int]:
    return mapped_column(BigId, primary_key=True, autoincrement=True)


# --- accounts -----------------------------------------------------------------------------


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = _pk()
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(200))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)


class AuthSession(Base):
    __tablename__ = "auth_sessions"
    id: Mapped[int] = _pk()
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(Stamp)
    revoked_at: Mapped[datetime | None] = mapped_column(Stamp)


class LoginAttempt(Base):
    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_username_at", "username", "at"),)
    id: Mapped[int] = _pk()
    username: Mapped[str] = mapped_column(String(64))
    remote: Mapped[str] = mapped_column(String(64))
    success: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)


# --- the launch ---------------------------------------------------------------------------


class Customer(Base):
    __tablename__ = "customers"
    id: Mapped[int] = _pk()
    ref: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(100), index=True)
    mobile: Mapped[str] = mapped_column(String(16), index=True)
    created_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)


class Reservation(Base):
    __tablename__ = "reservations"
    id: Mapped[int] = _pk()
    reservation_no: Mapped[str] = mapped_column(String(8), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    model: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(24))
    status_at: Mapped[datetime] = mapped_column(Stamp)
    status_key: Mapped[str] = mapped_column(String(160), default="")
    created_at: Mapped[datetime] = mapped_column(Stamp)
    updated_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (
        Index("ix_orders_status_received_at", "status", "received_at"),
        # stuck triage: per model, the received orders below a threshold, from the index
        # alone (counts by cause, model and delivery method); the overtaken index's load
        Index("ix_orders_triage", "status", "model", "received_at", "cause", "delivery_method"),
        # the expected-date cohort: same model, received in the same hour (the id from the
        # index alone; SQLite's indexes carry the rowid anyway)
        Index("ix_orders_model_received_at", "model", "received_at", postgresql_include=["id"]),
    )
    id: Mapped[int] = _pk()
    order_no: Mapped[str] = mapped_column(String(11), unique=True)
    reservation_id: Mapped[int] = mapped_column(ForeignKey("reservations.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    model: Mapped[str] = mapped_column(String(100))
    delivery_method: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(24))
    status_at: Mapped[datetime] = mapped_column(Stamp)
    status_key: Mapped[str] = mapped_column(String(160), default="")
    created_at: Mapped[datetime] = mapped_column(Stamp)
    received_at: Mapped[datetime | None] = mapped_column(Stamp)
    cause: Mapped[str | None] = mapped_column(String(24))
    owner: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)


class Shipment(Base):
    __tablename__ = "shipments"
    id: Mapped[int] = _pk()
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    tracking_no: Mapped[str] = mapped_column(String(13), index=True)
    courier: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(24))
    status_at: Mapped[datetime] = mapped_column(Stamp)
    status_key: Mapped[str] = mapped_column(String(160), default="")
    updated_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)


class Activation(Base):
    __tablename__ = "activations"
    id: Mapped[int] = _pk()
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    status: Mapped[str] = mapped_column(String(24))
    status_at: Mapped[datetime] = mapped_column(Stamp)
    status_key: Mapped[str] = mapped_column(String(160), default="")
    reason: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)


class StatusHistory(Base):
    """Every status move of every lifecycle: who or which system, when upstream, when learned.

    effect: applied (moved the current status), history_only (a late event, kept),
    not_reported (a step upstream skipped; filled in when its event arrives).
    """

    __tablename__ = "status_history"
    # A subject's history, and whether (and when) it reached a status, from the index alone
    # (expected-date cohorts, ingest's skipped-step checks).
    __table_args__ = (
        Index(
            "ix_status_history_subject_status",
            "subject_type",
            "subject_id",
            "to_status",
            "occurred_at",
        ),
    )
    id: Mapped[int] = _pk()
    subject_type: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[int] = mapped_column(BigId)
    customer_id: Mapped[int] = mapped_column(BigId, index=True)
    from_status: Mapped[str | None] = mapped_column(String(24))
    to_status: Mapped[str] = mapped_column(String(24))
    effect: Mapped[str] = mapped_column(String(16), default="applied")
    actor: Mapped[str] = mapped_column(String(64))
    source_event: Mapped[str | None] = mapped_column(String(140))
    occurred_at: Mapped[datetime | None] = mapped_column(Stamp)
    recorded_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)
    detail: Mapped[str | None] = mapped_column(String(500))


class Contradiction(Base):
    __tablename__ = "contradictions"
    __table_args__ = (Index("ix_contradictions_open", "resolved_at", "detected_at"),)
    id: Mapped[int] = _pk()
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    customer_id: Mapped[int] = mapped_column(BigId, index=True)
    kind: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(String(500))
    detected_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(Stamp)


class Callback(Base):
    __tablename__ = "callbacks"
    __table_args__ = (
        # claimed by effective rank (priority plus the age bonus of the customer's order
        # waiting in received: services.loop), then the longest due
        Index("ix_callbacks_queue", "status", text("weight DESC"), "not_before", "id"),
        # the open callbacks whose customer has an order waiting in received: re-weighed
        # as that order ages
        Index(
            "ix_callbacks_waiting",
            "waiting_since",
            sqlite_where=text("waiting_since IS NOT NULL AND status IN ('queued', 'claimed')"),
            postgresql_where=text("waiting_since IS NOT NULL AND status IN ('queued', 'claimed')"),
        ),
        Index("ix_callbacks_claimed_by", "claimed_by", "status"),
        # claims whose lease ran out (checked on every claim): only the claimed ones
        Index(
            "ix_callbacks_lapsing",
            "lease_expires_at",
            sqlite_where=text("status = 'claimed'"),
            postgresql_where=text("status = 'claimed'"),
        ),
        # A second request for the same customer and topic while one is open merges into it;
        # the partial unique index makes that hold even when two agents ask at once.
        Index(
            "uq_callbacks_open_customer_topic",
            "customer_id",
            "topic",
            unique=True,
            sqlite_where=text("status IN ('queued', 'claimed')"),
            postgresql_where=text("status IN ('queued', 'claimed')"),
        ),
    )
    id: Mapped[int] = _pk()
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    topic: Mapped[str] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    priority: Mapped[int] = mapped_column(Integer, default=0)
    # priority plus the waiting bonus (services.loop.weight_for); the queue's order
    weight: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    # when the customer's oldest order still in received was received (None: none is)
    waiting_since: Mapped[datetime | None] = mapped_column(Stamp)
    not_before: Mapped[datetime] = mapped_column(Stamp)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    requests: Mapped[int] = mapped_column(Integer, default=1)
    assigned_to: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    claimed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    claimed_at: Mapped[datetime | None] = mapped_column(Stamp)
    lease_expires_at: Mapped[datetime | None] = mapped_column(Stamp, index=True)
    outcome: Mapped[str | None] = mapped_column(String(24))
    completed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    completed_at: Mapped[datetime | None] = mapped_column(Stamp)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)


class PromotionEntry(Base):
    __tablename__ = "promotion_entries"
    __table_args__ = (UniqueConstraint("promotion", "mobile"),)
    id: Mapped[int] = _pk()
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    promotion: Mapped[str] = mapped_column(String(40))
    mobile: Mapped[str] = mapped_column(String(16), index=True)
    status: Mapped[str] = mapped_column(String(16), default="entered")
    entered_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)


class Message(Base):
    """An SMS, written in the same transaction as its cause and sent later (outbox)."""

    __tablename__ = "messages"
    __table_args__ = (
        Index("ix_messages_customer_template", "customer_id", "template", "created_at"),
    )
    id: Mapped[int] = _pk()
    message_key: Mapped[str] = mapped_column(String(80), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    mobile: Mapped[str] = mapped_column(String(16))
    template: Mapped[str] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), index=True)
    campaign_id: Mapped[int | None] = mapped_column(BigId, index=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(Stamp)
    status_at: Mapped[datetime | None] = mapped_column(Stamp)
    error: Mapped[str | None] = mapped_column(String(500))


class Note(Base):
    __tablename__ = "notes"
    # the customers behind a contact reason in the last hours (services.reasons)
    __table_args__ = (Index("ix_notes_reason_created_at", "reason", "created_at"),)
    id: Mapped[int] = _pk()
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    author: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow, index=True)


class Notice(Base):
    """The official line on a topic; an edit is a new version, the old one is retired."""

    __tablename__ = "notices"
    __table_args__ = (UniqueConstraint("topic", "version"),)
    id: Mapped[int] = _pk()
    topic: Mapped[str] = mapped_column(String(80))
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), index=True)
    published_by: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(Stamp)
    # The segment the notice is meant for (all empty: everyone); see services.notices.
    target_model: Mapped[str | None] = mapped_column(String(100))
    target_delivery_method: Mapped[str | None] = mapped_column(String(16))
    target_order_status: Mapped[str | None] = mapped_column(String(24))
    target_cause: Mapped[str | None] = mapped_column(String(24))
    target_received_from: Mapped[date | None] = mapped_column(Date)  # Seoul days, inclusive
    target_received_to: Mapped[date | None] = mapped_column(Date)


class NoticeAck(Base):
    __tablename__ = "notice_acks"
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    acked_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)


# --- the record ---------------------------------------------------------------------------


class AuditEntry(Base):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_entity", "entity", "entity_id"),)
    id: Mapped[int] = _pk()
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(64))
    before: Mapped[Any] = mapped_column(Json, nullable=True)
    after: Mapped[Any] = mapped_column(Json, nullable=True)
    at: Mapped[datetime] = mapped_column(Stamp, default=utcnow, index=True)


class AccessLog(Base):
    __tablename__ = "customer_access_log"
    id: Mapped[int] = _pk()
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    customer_id: Mapped[int] = mapped_column(BigId, index=True)
    at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)


class Change(Base):
    """The change feed. seq order is commit order (see services.changes)."""

    __tablename__ = "changes"
    seq: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(64))
    customer_id: Mapped[int | None] = mapped_column(BigId)
    at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)


class IngestedEvent(Base):
    """Every upstream event we were given, once per (source, event_id).

    result 'held' means its subject was not known yet; subject_key finds it when it arrives.
    """

    __tablename__ = "ingested_events"
    __table_args__ = (
        UniqueConstraint("source", "event_id"),
        Index("ix_ingested_events_held", "subject_key", "result"),
    )
    id: Mapped[int] = _pk()
    source: Mapped[str] = mapped_column(String(32))
    event_id: Mapped[str] = mapped_column(String(100))
    type: Mapped[str] = mapped_column(String(40))
    occurred_at: Mapped[datetime] = mapped_column(Stamp)
    payload: Mapped[Any] = mapped_column(Json)
    result: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(String(500))
    subject_key: Mapped[str | None] = mapped_column(String(40))
    received_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)


class IdempotencyRecord(Base):
    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("user_id", "key"),)
    id: Mapped[int] = _pk()
    user_id: Mapped[int] = mapped_column(BigId)
    key: Mapped[str] = mapped_column(String(100))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(Integer)
    response: Mapped[Any] = mapped_column(Json, nullable=True)
    created_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)
