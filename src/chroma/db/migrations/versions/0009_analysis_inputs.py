"""analysis inputs

What an analysis's result was computed from (``inputs_stamp``: the revisions of the
datasets its job read, taken before it read them) and whether it is recomputed by itself
once that goes stale (``auto_refresh``, on by default): analyses follow the data (issue 15).

Analyses computed before this migration get the stamp of the data as it is now: they read
as current until their datasets change next.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 04:00:00.000000
"""

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("analysis", schema=None) as batch_op:
        batch_op.add_column(sa.Column("inputs_stamp", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("auto_refresh", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
    _stamp_computed_analyses()


def _ids(value: Any) -> list[int] | None:
    if isinstance(value, str | bytes):
        value = json.loads(value)
    return None if value is None else [int(v) for v in value]


def _stamp_computed_analyses() -> None:
    """The format of ``services/analyses/freshness.py: inputs_stamp`` (kept here as it is
    today: a migration must not change with the code)."""
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT id, space_id, dataset_ids, reference_dataset_ids FROM analysis "
            "WHERE computed_at IS NOT NULL"
        )
    ).all()
    revisions = dict(bind.execute(sa.text("SELECT id, revision FROM dataset")).all())
    for analysis_id, space_id, dataset_ids, reference_ids in rows:
        read = _ids(dataset_ids)
        if read is None:
            read = [
                int(i)
                for (i,) in bind.execute(
                    sa.text("SELECT DISTINCT dataset_id FROM embedding_chunk WHERE space_id = :s"),
                    {"s": space_id},
                )
            ]
        wanted = sorted({*read, *(_ids(reference_ids) or [])})
        stamp = ",".join(f"{i}:{revisions[i]}" for i in wanted if i in revisions)
        bind.execute(
            sa.text("UPDATE analysis SET inputs_stamp = :stamp WHERE id = :id"),
            {"stamp": stamp, "id": analysis_id},
        )


def downgrade() -> None:
    with op.batch_alter_table("analysis", schema=None) as batch_op:
        batch_op.drop_column("auto_refresh")
        batch_op.drop_column("inputs_stamp")
