"""label corrections

People's decisions on datapoints' labels from the review queue (relabel, confirm, not
sure), with the label before, who and when, and undo (issue 15).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 03:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "label_correction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.Column("datapoint_id", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("label_before", sa.String(length=500), nullable=True),
        sa.Column("label_after", sa.String(length=500), nullable=True),
        sa.Column("source", sa.String(length=200), nullable=True),
        sa.Column("principal", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("undone_by", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["datapoint_id"],
            ["datapoint.id"],
            name=op.f("fk_label_correction_datapoint_id_datapoint"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["dataset.id"],
            name=op.f("fk_label_correction_dataset_id_dataset"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_label_correction")),
    )
    with op.batch_alter_table("label_correction", schema=None) as batch_op:
        batch_op.create_index(
            "ix_label_correction_dataset", ["dataset_id", "datapoint_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("label_correction", schema=None) as batch_op:
        batch_op.drop_index("ix_label_correction_dataset")
    op.drop_table("label_correction")
