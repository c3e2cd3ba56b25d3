"""quality analyses

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine[object]:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "analysis",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("space_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("params", _json(), nullable=False),
        sa.Column("dataset_ids", _json(), nullable=True),
        sa.Column("reference_dataset_ids", _json(), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("row_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("summary", _json(), nullable=True),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["job_id"], ["job.id"], name=op.f("fk_analysis_job_id_job"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["space_id"], ["space.id"], name=op.f("fk_analysis_space_id_space"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analysis")),
    )
    with op.batch_alter_table("analysis", schema=None) as batch_op:
        batch_op.create_index("ix_analysis_space_id", ["space_id"], unique=False)

    op.create_table(
        "analysis_chunk",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("analysis_id", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("datapoint_ids", sa.LargeBinary(), nullable=False),
        sa.Column("columns", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["analysis_id"],
            ["analysis.id"],
            name=op.f("fk_analysis_chunk_analysis_id_analysis"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analysis_chunk")),
    )
    with op.batch_alter_table("analysis_chunk", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_analysis_chunk_analysis_id"), ["analysis_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("analysis_chunk", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_analysis_chunk_analysis_id"))
    op.drop_table("analysis_chunk")
    with op.batch_alter_table("analysis", schema=None) as batch_op:
        batch_op.drop_index("ix_analysis_space_id")
    op.drop_table("analysis")
