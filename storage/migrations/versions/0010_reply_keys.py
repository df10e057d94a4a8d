"""A data key's purpose: "reply" for the key that direct replies share for a minute."""

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


def downgrade() -> None:
    with op.batch_alter_table("data_keys") as batch:
        batch.drop_column("purpose")
