"""Tables for message campaigns: templates, campaigns and their frozen recipient lists."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from services.models import Base, BigId, Json, Stamp, _pk
from services.timeutil import utcnow


class MessageTemplate(Base):
    __tablename__ = "message_templates"
    id: Mapped[int] = _pk()
    key: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)


class Campaign(Base):
    """A message to a segment: previewed, approved by a second person, sent via the outbox."""

    __tablename__ = "campaigns"
    id: Mapped[int] = _pk()
    name: Mapped[str] = mapped_column(String(200))
    template_key: Mapped[str] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(Text)  # the template's text as it was when created
    segment: Mapped[Any] = mapped_column(Json)
    status: Mapped[str] = mapped_column(String(16), index=True)
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"))
    recipient_count: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)
    approved_by: Mapped[str | None] = mapped_column(String(64))
    approved_at: Mapped[datetime | None] = mapped_column(Stamp)
    override_reason: Mapped[str | None] = mapped_column(String(500))
    skipped_count: Mapped[int] = mapped_column(Integer, default=0)


class CampaignRecipient(Base):
    """Who a campaign goes to, fixed when it is created: the preview's count is the send's."""

    __tablename__ = "campaign_recipients"
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), primary_key=True)
    order_id: Mapped[int | None] = mapped_column(BigId)
