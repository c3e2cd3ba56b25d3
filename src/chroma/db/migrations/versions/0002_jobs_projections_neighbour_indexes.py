"""jobs, projections, neighbour indexes

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 08:00:16.708871
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "neighbour_index",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("space_id", sa.Integer(), nullable=False),
        sa.Column("metric", sa.String(length=20), nullable=False),
        sa.Column("index_file", sa.String(length=200), nullable=True),
        sa.Column("graph_file", sa.String(length=200), nullable=True),
        sa.Column("graph_k", sa.Integer(), nullable=False),
        sa.Column("indexed_count", sa.Integer(), nullable=False),
        sa.Column("graph_count", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["space_id"],
            ["space.id"],
            name=op.f("fk_neighbour_index_space_id_space"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_neighbour_index")),
        sa.UniqueConstraint("space_id", name=op.f("uq_neighbour_index_space_id")),
    )
    op.create_table(
        "projection_set",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("space_id", sa.Integer(), nullable=False),
        sa.Column("algorithm", sa.String(length=20), nullable=False),
        sa.Column(
            "params",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "dataset_ids",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("auto_place", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("point_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("placed_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("model", sa.LargeBinary(), nullable=True),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["job_id"], ["job.id"], name=op.f("fk_projection_set_job_id_job"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["space_id"],
            ["space.id"],
            name=op.f("fk_projection_set_space_id_space"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projection_set")),
    )
    with op.batch_alter_table("projection_set", schema=None) as batch_op:
        batch_op.create_index("ix_projection_set_space_id", ["space_id"], unique=False)

    op.create_table(
        "projection_chunk",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("projection_id", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("placed", sa.Boolean(), nullable=False),
        sa.Column("datapoint_ids", sa.LargeBinary(), nullable=False),
        sa.Column("coords", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["projection_id"],
            ["projection_set.id"],
            name=op.f("fk_projection_chunk_projection_id_projection_set"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projection_chunk")),
    )
    with op.batch_alter_table("projection_chunk", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_projection_chunk_projection_id"), ["projection_id"], unique=False
        )

    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.add_column(sa.Column("space_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "result",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("attempts", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(
            sa.Column("max_attempts", sa.Integer(), server_default="2", nullable=False)
        )
        batch_op.add_column(
            sa.Column("cancel_requested", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("not_before", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index("ix_job_space_id_kind", ["space_id", "kind"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_job_space_id_space"), "space", ["space_id"], ["id"], ondelete="CASCADE"
        )

    with op.batch_alter_table("space", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("metric", sa.String(length=20), server_default="cosine", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("space", schema=None) as batch_op:
        batch_op.drop_column("metric")

    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_job_space_id_space"), type_="foreignkey")
        batch_op.drop_index("ix_job_space_id_kind")
        batch_op.drop_column("not_before")
        batch_op.drop_column("cancel_requested")
        batch_op.drop_column("max_attempts")
        batch_op.drop_column("attempts")
        batch_op.drop_column("result")
        batch_op.drop_column("space_id")

    with op.batch_alter_table("projection_chunk", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_projection_chunk_projection_id"))

    op.drop_table("projection_chunk")
    with op.batch_alter_table("projection_set", schema=None) as batch_op:
        batch_op.drop_index("ix_projection_set_space_id")

    op.drop_table("projection_set")
    op.drop_table("neighbour_index")
