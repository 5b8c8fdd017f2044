"""Indexes for the expected-date cohorts and lapsed claims (benchmark, issue 5).

Revision ID: 0004
Revises: 0003

* whether each subject of an expected-date cohort reached a status (and when) is read
  from the status history's index when that carries to_status and occurred_at: it
  replaces (subject_type, subject_id), serving every lookup that one did.
* the cohort's order ids come from (model, received_at) alone on PostgreSQL too (SQLite's
  indexes carry the rowid anyway).
* every claim first returns lapsed claims to the pool: a partial index on the lease of
  the claimed callbacks finds them without reading every claimed one.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

CLAIMED = "status = 'claimed'"

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_orders_model_received_at", table_name="orders")
    op.create_index(
        "ix_orders_model_received_at",
        "orders",
        ["model", "received_at"],
        unique=False,
        postgresql_include=["id"],
    )
    op.create_index(
        "ix_status_history_subject_status",
        "status_history",
        ["subject_type", "subject_id", "to_status", "occurred_at"],
        unique=False,
    )
    op.drop_index("ix_status_history_subject", table_name="status_history")
    op.create_index(
        "ix_callbacks_lapsing",
        "callbacks",
        ["lease_expires_at"],
        unique=False,
        sqlite_where=sa.text(CLAIMED),
        postgresql_where=sa.text(CLAIMED),
    )


def downgrade() -> None:
    op.drop_index("ix_callbacks_lapsing", table_name="callbacks")
    op.create_index(
        "ix_status_history_subject", "status_history", ["subject_type", "subject_id"], unique=False
    )
    op.drop_index("ix_status_history_subject_status", table_name="status_history")
    op.drop_index("ix_orders_model_received_at", table_name="orders")
    op.create_index("ix_orders_model_received_at", "orders", ["model", "received_at"], unique=False)
