"""performance indexes

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 09:00:00.000000

What the launch-day benchmark (tests/perf/bench.py) showed the hot queries need at
1,000,000 customers:

* stuck-order triage reads, per model, the received orders below that model's threshold
  (its count by cause, model and delivery method), and loads the receipt times of the
  orders past received once per process: one index on (status, model, received_at) that
  also carries cause and delivery_method answers both from the index alone. It replaces
  (model, status, received_at), whose lookups it serves as well.
* the expected-date cohort ("same model, received in the same hour") is a range on
  (model, received_at).
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain CREATE/DROP INDEX on both databases (a batch operation on SQLite could copy
    # the whole table).
    op.create_index(
        "ix_orders_triage",
        "orders",
        ["status", "model", "received_at", "cause", "delivery_method"],
        unique=False,
    )
    op.create_index("ix_orders_model_received_at", "orders", ["model", "received_at"], unique=False)
    op.drop_index("ix_orders_model_status_received_at", table_name="orders")


def downgrade() -> None:
    op.create_index(
        "ix_orders_model_status_received_at",
        "orders",
        ["model", "status", "received_at"],
        unique=False,
    )
    op.drop_index("ix_orders_model_received_at", table_name="orders")
    op.drop_index("ix_orders_triage", table_name="orders")
