"""project and dataset revisions

A counter per dataset (its datapoints changed: ingest, edits) and per project (its tags or
datasets changed), bumped in the transaction that writes: what a cache of derived data
(a map's encoded points) is keyed by.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05 18:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("project", "dataset")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("revision", sa.Integer(), server_default="0", nullable=False)
            )


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("revision")
