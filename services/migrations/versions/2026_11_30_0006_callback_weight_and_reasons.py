"""Callback weight and contact reasons (issue 9, parts 3 and 4).

Revision ID: 0006
Revises: 0005

* callbacks.weight: the effective rank the queue is claimed by (priority plus the waiting
  bonus of the customer's oldest order in received, see services.loop); the claim index
  orders by it instead of priority.
* callbacks.waiting_since: when that order was received; the open callbacks that have one
  are re-weighed as it ages (a partial index finds them).
* contact_reasons: the reasons leads add to the built-in list (services.reasons).
* notes by (reason, created_at): the customers behind a reason in the last hours.

Open callbacks get their waiting_since from the orders here; their weight is brought up
to date by the first re-weighing after the upgrade (services.loop.refresh).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Stamp = sa.DateTime(timezone=True)
WAITING = "waiting_since IS NOT NULL AND status IN ('queued', 'claimed')"


def upgrade() -> None:
    with op.batch_alter_table("callbacks", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("weight", sa.Integer(), server_default=sa.text("0"), nullable=False)
        )
        batch_op.add_column(sa.Column("waiting_since", Stamp, nullable=True))
    op.execute("UPDATE callbacks SET weight = priority")
    op.execute(
        "UPDATE callbacks SET waiting_since = (SELECT MIN(o.received_at) FROM orders o "
        "WHERE o.customer_id = callbacks.customer_id AND o.status = 'received') "
        "WHERE status IN ('queued', 'claimed')"
    )
    with op.batch_alter_table("callbacks", schema=None) as batch_op:
        batch_op.drop_index("ix_callbacks_queue")
        batch_op.create_index(
            "ix_callbacks_queue",
            ["status", sa.text("weight DESC"), "not_before", "id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_callbacks_waiting",
            ["waiting_since"],
            unique=False,
            sqlite_where=sa.text(WAITING),
            postgresql_where=sa.text(WAITING),
        )
    op.create_table(
        "contact_reasons",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("label", sa.String(length=60), nullable=False),
        sa.Column("label_en", sa.String(length=60), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", Stamp, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_reasons")),
        sa.UniqueConstraint("key", name=op.f("uq_contact_reasons_key")),
    )
    op.create_index("ix_notes_reason_created_at", "notes", ["reason", "created_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_notes_reason_created_at", table_name="notes")
    op.drop_table("contact_reasons")
    # the expression index goes first: SQLite's batch mode rebuilds the table without it
    op.drop_index("ix_callbacks_waiting", table_name="callbacks")
    op.drop_index("ix_callbacks_queue", table_name="callbacks")
    with op.batch_alter_table("callbacks", schema=None) as batch_op:
        batch_op.drop_column("waiting_since")
        batch_op.drop_column("weight")
    op.create_index(
        "ix_callbacks_queue",
        "callbacks",
        ["status", sa.text("priority DESC"), "not_before", "id"],
        unique=False,
    )
