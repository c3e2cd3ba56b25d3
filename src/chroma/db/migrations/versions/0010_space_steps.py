"""space steps: a map may be aligned to another

``projection_set.align_to_id``: the map a map is initialised from and rotated onto (the
previous step of a family of spaces, ``<family>@step=<n>``, or any map with shared keys);
null for a map of its own. Deleting the reference leaves the map as it is, unaligned from
then on (SET NULL).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 07:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("projection_set", schema=None) as batch_op:
        batch_op.add_column(sa.Column("align_to_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_projection_set_align_to_id_projection_set",
            "projection_set",
            ["align_to_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("projection_set", schema=None) as batch_op:
        batch_op.drop_constraint("fk_projection_set_align_to_id_projection_set", type_="foreignkey")
        batch_op.drop_column("align_to_id")
