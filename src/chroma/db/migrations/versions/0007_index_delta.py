"""neighbour index delta

Vectors logged after a space's index was built go into a small delta index beside it
(``delta_file``, ``delta_count`` of them) instead of a rewrite of the whole index file;
the delta is merged into the main index once it outgrows a share of it (ADR 0013).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 00:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("neighbour_index", schema=None) as batch_op:
        batch_op.add_column(sa.Column("delta_file", sa.String(length=200), nullable=True))
        batch_op.add_column(
            sa.Column("delta_count", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("neighbour_index", schema=None) as batch_op:
        batch_op.drop_column("delta_count")
        batch_op.drop_column("delta_file")
