"""The desk on the record: handlers' names (encrypted), case owner, feedback given, legal
hold, the channel a report came through when a handler recorded it, and minutes asked as a
form (the field asked and the answers so far, encrypted)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "handler_names",
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("data_key_id", sa.String(length=36), nullable=True),
        sa.Column("name", sa.LargeBinary(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["data_key_id"],
            ["data_keys.id"],
            name=op.f("fk_handler_names_data_key_id_data_keys"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("actor", name=op.f("pk_handler_names")),
    )
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("owner", sa.String(length=80), nullable=True))
        batch.add_column(sa.Column("feedback_given_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(
            sa.Column("legal_hold", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("received_via", sa.String(length=16), nullable=True))
    with op.batch_alter_table("desk_prompts") as batch:
        batch.add_column(sa.Column("step", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("partial", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("desk_prompts") as batch:
        batch.drop_column("partial")
        batch.drop_column("step")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("received_via")
        batch.drop_column("legal_hold")
        batch.drop_column("feedback_given_at")
        batch.drop_column("owner")
    op.drop_table("handler_names")
