"""Presence (who has a customer open) and notice targets (issue 9, parts 1 and 2).

Revision ID: 0005
Revises: 0004

* presence: one short-lived row per (customer, staff member), renewed by the console
  while the customer screen is open; expired rows are ignored on read and purged.
* notices may target a segment: model, delivery method, order status, stuck cause and a
  received-date range (Seoul days). All empty: the notice is for everyone, as before.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Stamp = sa.DateTime(timezone=True)
TARGETS = (
    ("target_model", sa.String(length=100)),
    ("target_delivery_method", sa.String(length=16)),
    ("target_order_status", sa.String(length=24)),
    ("target_cause", sa.String(length=24)),
    ("target_received_from", sa.Date()),
    ("target_received_to", sa.Date()),
)


def upgrade() -> None:
    op.create_table(
        "presence",
        sa.Column("customer_id", BigId, nullable=False),
        sa.Column("user_id", BigId, nullable=False),
        sa.Column("since", Stamp, nullable=False),
        sa.Column("seen_at", Stamp, nullable=False),
        sa.Column("expires_at", Stamp, nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_presence_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_presence_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("customer_id", "user_id", name=op.f("pk_presence")),
    )
    op.create_index("ix_presence_expires_at", "presence", ["expires_at"], unique=False)
    with op.batch_alter_table("notices") as batch:
        for name, type_ in TARGETS:
            batch.add_column(sa.Column(name, type_, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("notices") as batch:
        for name, _ in reversed(TARGETS):
            batch.drop_column(name)
    op.drop_index("ix_presence_expires_at", table_name="presence")
    op.drop_table("presence")
