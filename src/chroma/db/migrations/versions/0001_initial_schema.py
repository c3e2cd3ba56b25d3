"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-29 05:38:31.026039
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "project",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project")),
        sa.UniqueConstraint("name", name=op.f("uq_project_name")),
    )
    op.create_table(
        "dataset",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project.id"],
            name=op.f("fk_dataset_project_id_project"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dataset")),
        sa.UniqueConstraint("project_id", "name", name=op.f("uq_dataset_project_id_name")),
    )
    op.create_table(
        "job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=100), nullable=False),
        sa.Column(
            "target", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=True
        ),
        sa.Column(
            "params", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=True
        ),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("worker", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project.id"],
            name=op.f("fk_job_project_id_project"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job")),
    )
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.create_index("ix_job_state", ["state"], unique=False)

    op.create_table(
        "space",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("dimension", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(length=500), nullable=True),
        sa.Column("layer", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project.id"],
            name=op.f("fk_space_project_id_project"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_space")),
        sa.UniqueConstraint("project_id", "name", name=op.f("uq_space_project_id_name")),
    )
    op.create_table(
        "tag",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project.id"],
            name=op.f("fk_tag_project_id_project"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tag")),
        sa.UniqueConstraint("project_id", "name", name=op.f("uq_tag_project_id_name")),
    )
    op.create_table(
        "datapoint",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=500), nullable=False),
        sa.Column("label", sa.String(length=500), nullable=True),
        sa.Column("prediction", sa.String(length=500), nullable=True),
        sa.Column("prediction_score", sa.Float(), nullable=True),
        sa.Column(
            "metadata", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=True
        ),
        sa.Column("uri", sa.Text(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("has_image", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["dataset.id"],
            name=op.f("fk_datapoint_dataset_id_dataset"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_datapoint")),
        sa.UniqueConstraint("dataset_id", "key", name=op.f("uq_datapoint_dataset_id_key")),
    )
    op.create_table(
        "embedding_chunk",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("space_id", sa.Integer(), nullable=False),
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("live_count", sa.Integer(), nullable=False),
        sa.Column("datapoint_ids", sa.LargeBinary(), nullable=False),
        sa.Column("vectors", sa.LargeBinary(), nullable=True),
        sa.Column("file_name", sa.String(length=200), nullable=True),
        sa.Column("dead_rows", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["dataset.id"],
            name=op.f("fk_embedding_chunk_dataset_id_dataset"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["space_id"],
            ["space.id"],
            name=op.f("fk_embedding_chunk_space_id_space"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_embedding_chunk")),
    )
    with op.batch_alter_table("embedding_chunk", schema=None) as batch_op:
        batch_op.create_index(
            "ix_embedding_chunk_space_dataset", ["space_id", "dataset_id"], unique=False
        )
    if op.get_bind().dialect.name == "postgresql":
        # Random floats do not compress: skip TOAST's pglz attempt on every chunk.
        op.execute("ALTER TABLE embedding_chunk ALTER COLUMN vectors SET STORAGE EXTERNAL")
        op.execute("ALTER TABLE embedding_chunk ALTER COLUMN datapoint_ids SET STORAGE EXTERNAL")

    op.create_table(
        "datapoint_image",
        sa.Column("datapoint_id", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["datapoint_id"],
            ["datapoint.id"],
            name=op.f("fk_datapoint_image_datapoint_id_datapoint"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("datapoint_id", name=op.f("pk_datapoint_image")),
    )
    op.create_table(
        "datapoint_tag",
        sa.Column("datapoint_id", sa.Integer(), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["datapoint_id"],
            ["datapoint.id"],
            name=op.f("fk_datapoint_tag_datapoint_id_datapoint"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tag_id"], ["tag.id"], name=op.f("fk_datapoint_tag_tag_id_tag"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("datapoint_id", "tag_id", name=op.f("pk_datapoint_tag")),
    )
    with op.batch_alter_table("datapoint_tag", schema=None) as batch_op:
        batch_op.create_index("ix_datapoint_tag_tag_id", ["tag_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("datapoint_tag", schema=None) as batch_op:
        batch_op.drop_index("ix_datapoint_tag_tag_id")

    op.drop_table("datapoint_tag")
    op.drop_table("datapoint_image")
    with op.batch_alter_table("embedding_chunk", schema=None) as batch_op:
        batch_op.drop_index("ix_embedding_chunk_space_dataset")

    op.drop_table("embedding_chunk")
    op.drop_table("datapoint")
    op.drop_table("tag")
    op.drop_table("space")
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.drop_index("ix_job_state")

    op.drop_table("job")
    op.drop_table("dataset")
    op.drop_table("project")
