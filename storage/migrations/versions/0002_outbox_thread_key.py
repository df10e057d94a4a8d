"""Outbox thread key: later posts of a case find the alert they belong under."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("thread_key", sa.String(length=200), nullable=True))
        batch_op.create_index(batch_op.f("ix_outbox_thread_key"), ["thread_key"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_thread_key"))
        batch_op.drop_column("thread_key")
