"""computed results keep no state of their own

A map's and an analysis's state is derived from ``computed_at`` and their latest job
(ADR 0009): the ``state`` and ``error`` columns were a second and third source of truth.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05 17:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("projection_set", "analysis")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("state")
            batch_op.drop_column("error")


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("state", sa.String(length=20), server_default="pending", nullable=False)
            )
            batch_op.add_column(sa.Column("error", sa.Text(), nullable=True))
        op.execute(f"UPDATE {table} SET state = 'ready' WHERE computed_at IS NOT NULL")
