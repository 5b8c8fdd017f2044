"""Tables for the callbacks-and-triage loop: the contact reasons leads add to the fixed list."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from services.models import Base, Stamp, _pk
from services.timeutil import utcnow


class ContactReason(Base):
    """A contact reason a lead added; the built-in ones live in services.reasons."""

    __tablename__ = "contact_reasons"
    id: Mapped[int] = _pk()
    key: Mapped[str] = mapped_column(String(40), unique=True)
    label: Mapped[str] = mapped_column(String(60))  # Korean, as agents see it
    label_en: Mapped[str] = mapped_column(String(60))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)
