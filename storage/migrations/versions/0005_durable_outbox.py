"""Durable, ordered, resumable outbox; pacing per destination; no raw ids in references.

Existing plain-text message references and event ids are removed (they named chats and
people); later posts of an old case go unthreaded, and old event ids are forgotten.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DELETE FROM processed_events")
    op.execute("UPDATE outbox SET platform_ref = NULL, thread_key = NULL")
    # Old keys could carry a channel's address; each row keeps a key of its own instead.
    op.execute("UPDATE outbox SET idempotency_key = 'legacy:' || id")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("data_key_id", sa.String(length=36), nullable=True))
        batch_op.add_column(
            sa.Column("destination", sa.String(length=64), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("seq", sa.BigInteger(), nullable=False, server_default="0"))
        batch_op.add_column(
            sa.Column("parts_sent", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.drop_column("platform_ref")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("platform_ref", sa.LargeBinary(), nullable=True))
        batch_op.alter_column("destination", server_default=None)
        batch_op.alter_column("seq", server_default=None)
        batch_op.alter_column("parts_sent", server_default=None)
        batch_op.create_foreign_key(
            batch_op.f("fk_outbox_data_key_id_data_keys"),
            "data_keys",
            ["data_key_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_index(
            "ix_outbox_destination", ["destination", "status", "seq"], unique=False
        )
    op.create_table(
        "outbox_pace",
        sa.Column("destination", sa.String(length=64), nullable=False),
        sa.Column("next_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("destination", name=op.f("pk_outbox_pace")),
    )


def downgrade() -> None:
    op.drop_table("outbox_pace")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_destination")
        batch_op.drop_constraint(batch_op.f("fk_outbox_data_key_id_data_keys"), type_="foreignkey")
        batch_op.drop_column("platform_ref")
        batch_op.drop_column("parts_sent")
        batch_op.drop_column("seq")
        batch_op.drop_column("destination")
        batch_op.drop_column("data_key_id")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("platform_ref", sa.String(length=200), nullable=True))
