"""Chat messages: what /forget may delete, kept encrypted in the database for 47 hours."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "chat_messages",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("chat", sa.String(length=64), nullable=False),
        sa.Column("data_key_id", sa.String(length=36), nullable=False),
        sa.Column("ref", sa.LargeBinary(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["data_key_id"],
            ["data_keys.id"],
            name=op.f("fk_chat_messages_data_key_id_data_keys"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_messages")),
    )
    op.create_index(op.f("ix_chat_messages_chat"), "chat_messages", ["chat"])
    op.create_index(op.f("ix_chat_messages_expires_at"), "chat_messages", ["expires_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_chat_messages_expires_at"), table_name="chat_messages")
    op.drop_index(op.f("ix_chat_messages_chat"), table_name="chat_messages")
    op.drop_table("chat_messages")
