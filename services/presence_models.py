"""Who has a customer open right now: one row per (customer, staff member), short-lived.

A console renews its row while the customer screen is open; a console that dies simply
stops renewing, and the row counts for nothing once it has expired (readers ignore it,
writers purge it). Living in the database, it holds across several serve processes.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from services.models import Base, BigId, Stamp


class Presence(Base):
    __tablename__ = "presence"
    __table_args__ = (Index("ix_presence_expires_at", "expires_at"),)
    customer_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    since: Mapped[datetime] = mapped_column(Stamp)
    seen_at: Mapped[datetime] = mapped_column(Stamp)
    expires_at: Mapped[datetime] = mapped_column(Stamp)
