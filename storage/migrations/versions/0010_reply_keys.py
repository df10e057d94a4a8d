"""A data key's purpose ("reply": the key direct replies share for a minute), and an index on
the outbox's data key, which the sweep asks for before it destroys such a key."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("data_keys") as batch:
        batch.add_column(sa.Column("purpose", sa.String(length=16), nullable=True))
    op.create_index(op.f("ix_outbox_data_key_id"), "outbox", ["data_key_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_outbox_data_key_id"), table_name="outbox")
    with op.batch_alter_table("data_keys") as batch:
        batch.drop_column("purpose")
