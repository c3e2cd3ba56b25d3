"""The relational schema. Same models on SQLite and PostgreSQL; Alembic migrates both.

Vectors are not one row per float nor one row per vector: an ingest batch of one space
becomes one :class:`EmbeddingChunk` (raw little-endian float32 bytes, inline or in a
segment file) whose ``datapoint_ids`` say whose vector each row is. Why: ADR 0002.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

# Constraint names are spelled out so migrations are identical on both databases.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# JSON on SQLite, JSONB on PostgreSQL (indexable, ->> operators).
JSONType = JSON().with_variant(postgresql.JSONB(), "postgresql")


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A moment that always reads back in UTC, whatever the database hands over.

    SQLite stores no zone (the value was written in UTC) and returns naive timestamps;
    PostgreSQL returns them in the session's time zone. Normalising here, once, spares
    every reader its own conversion.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime()}


def _created() -> Mapped[datetime]:
    return mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class Project(Base):
    __tablename__ = "project"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Bumped by every write to the project's tags or list of datasets (caches key on it)."""
    created_at: Mapped[datetime] = _created()

    datasets: Mapped[list[Dataset]] = relationship(back_populates="project", passive_deletes=True)
    spaces: Mapped[list[Space]] = relationship(back_populates="project", passive_deletes=True)


class Dataset(Base):
    __tablename__ = "dataset"
    __table_args__ = (UniqueConstraint("project_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Bumped by every write to the dataset's datapoints (caches key on it)."""
    created_at: Mapped[datetime] = _created()

    project: Mapped[Project] = relationship(back_populates="datasets")


class Space(Base):
    """A model + layer: only embeddings of one space are comparable."""

    __tablename__ = "space"
    __table_args__ = (UniqueConstraint("project_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    dimension: Mapped[int] = mapped_column(Integer)
    model: Mapped[str | None] = mapped_column(String(500))
    layer: Mapped[str | None] = mapped_column(String(500))
    metric: Mapped[str] = mapped_column(String(20), default="cosine", server_default="cosine")
    """Distance for neighbours and projections: ``cosine`` (1 - cos) or ``l2``."""
    created_at: Mapped[datetime] = _created()

    project: Mapped[Project] = relationship(back_populates="spaces")


datapoint_tag = Table(
    "datapoint_tag",
    Base.metadata,
    Column("datapoint_id", ForeignKey("datapoint.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_datapoint_tag_tag_id", "tag_id"),
)


class Datapoint(Base):
    __tablename__ = "datapoint"
    # Only the key index: each further index roughly halves SQLite's ingest rate (ADR 0002);
    # label/prediction filters scan one dataset through the (dataset_id, key) prefix.
    __table_args__ = (UniqueConstraint("dataset_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("dataset.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(500))
    """The client's key: unique per dataset, makes re-sent batches idempotent."""
    label: Mapped[str | None] = mapped_column(String(500))
    prediction: Mapped[str | None] = mapped_column(String(500))
    prediction_score: Mapped[float | None] = mapped_column(Float)
    metadata_: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSONType)
    uri: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str | None] = mapped_column(Text)
    has_image: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _created()


class LabelCorrection(Base):
    """A person's decision on a datapoint's label (the review queue, issue 15): relabel it,
    confirm it, or mark it "not sure". The history of every datapoint's label: the label
    it had before (``label_before``; the first row of a datapoint keeps the original),
    what it became, who decided and when, and whether it was undone.

    A relabel also writes ``datapoint.label`` (what analyses, maps and exports read), and a
    batch that logs the datapoint again with the label the correction replaced keeps the
    correction (``services/corrections.py``)."""

    __tablename__ = "label_correction"
    __table_args__ = (Index("ix_label_correction_dataset", "dataset_id", "datapoint_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("dataset.id", ondelete="CASCADE"))
    datapoint_id: Mapped[int] = mapped_column(ForeignKey("datapoint.id", ondelete="CASCADE"))
    decision: Mapped[str] = mapped_column(String(16))
    """``relabel``, ``confirm`` or ``unsure``."""
    label_before: Mapped[str | None] = mapped_column(String(500))
    label_after: Mapped[str | None] = mapped_column(String(500))
    source: Mapped[str | None] = mapped_column(String(200))
    """Where the decision was made (``mislabels`` for a review of that analysis's ranking)."""
    principal: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = _created()
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    undone_by: Mapped[str | None] = mapped_column(String(200))


class DatapointImage(Base):
    """Inline image bytes, kept out of the datapoint table so scans of it stay small."""

    __tablename__ = "datapoint_image"
    datapoint_id: Mapped[int] = mapped_column(
        ForeignKey("datapoint.id", ondelete="CASCADE"), primary_key=True
    )
    data: Mapped[bytes] = mapped_column(LargeBinary)


class EmbeddingChunk(Base):
    """The embeddings of one ingest batch: one space, one dataset, raw float32 bytes.

    ``vectors`` holds the bytes inline (PostgreSQL default) or ``file_name`` names a segment
    file under the data dir (SQLite default). When a later batch logs a datapoint again,
    its row here is added to ``dead_rows`` and ``live_count`` drops; a chunk at zero is
    deleted.
    """

    __tablename__ = "embedding_chunk"
    __table_args__ = (Index("ix_embedding_chunk_space_dataset", "space_id", "dataset_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("space.id", ondelete="CASCADE"))
    dataset_id: Mapped[int] = mapped_column(ForeignKey("dataset.id", ondelete="CASCADE"))
    count: Mapped[int] = mapped_column(Integer)
    live_count: Mapped[int] = mapped_column(Integer)
    datapoint_ids: Mapped[bytes] = mapped_column(LargeBinary)
    """int64 little-endian, one per row."""
    vectors: Mapped[bytes | None] = mapped_column(LargeBinary)
    file_name: Mapped[str | None] = mapped_column(String(200))
    dead_rows: Mapped[bytes | None] = mapped_column(LargeBinary)
    """int32 little-endian, sorted: rows whose datapoint has a newer vector elsewhere."""
    created_at: Mapped[datetime] = _created()


class Tag(Base):
    __tablename__ = "tag"
    __table_args__ = (UniqueConstraint("project_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = _created()


class Job(Base):
    """Background work (projections, indexes, scores). The table is the truth about a job.

    ``state``: queued -> running -> succeeded | failed | cancelled. A running job's worker
    writes ``heartbeat_at`` every few seconds; a job whose heartbeat stops is requeued while
    ``attempts < max_attempts`` and failed after (``chroma.services.jobs.reap_lost_jobs``).
    ``not_before`` debounces automatic jobs: more ingest pushes it later.
    """

    __tablename__ = "job"
    __table_args__ = (
        Index("ix_job_state", "state"),
        Index("ix_job_space_id_kind", "space_id", "kind"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    space_id: Mapped[int | None] = mapped_column(ForeignKey("space.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(100))
    target: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    params: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    state: Mapped[str] = mapped_column(String(20), default="queued")
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    message: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    worker: Mapped[str | None] = mapped_column(String(200))
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    max_attempts: Mapped[int] = mapped_column(Integer, default=2, server_default="2")
    cancel_requested: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = _created()
    not_before: Mapped[datetime | None] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ComputedResult:
    """What every result computed by a job over a space shares (a map, an analysis, ...).

    Its state is never stored: ``computed_at`` says a result exists, and ``job_id`` names
    its latest computation, whose row says whether it is queued, running, failed or
    cancelled (``chroma.services.computed``, ADR 0009). A computation writes the result's
    chunks and sets ``computed_at`` in the job's one commit, so a failed or cancelled job
    leaves the previous result whole.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("space.id", ondelete="CASCADE"))
    params: Mapped[dict[str, Any]] = mapped_column(JSONType)
    """Every parameter, defaults filled in."""
    dataset_ids: Mapped[list[int] | None] = mapped_column(JSONType)
    """The datasets covered; ``None``: every dataset of the space, present and future."""
    job_id: Mapped[int | None] = mapped_column(ForeignKey("job.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = _created()
    computed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ProjectionSet(ComputedResult, Base):
    """A 2D map of a space over some of its datasets: one (x, y) per embedding.

    Coordinates live in :class:`ProjectionChunk` rows, like vectors (ADR 0002); points
    placed after the map was computed append chunks flagged ``placed``. ``model`` holds
    what placement needs (e.g. PCA components), never the data.
    """

    __tablename__ = "projection_set"
    __table_args__ = (Index("ix_projection_set_space_id", "space_id"),)
    algorithm: Mapped[str] = mapped_column(String(20))
    auto_place: Mapped[bool] = mapped_column(default=True, server_default=true())
    point_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    placed_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    model: Mapped[bytes | None] = mapped_column(LargeBinary)
    align_to_id: Mapped[int | None] = mapped_column(
        ForeignKey("projection_set.id", ondelete="SET NULL")
    )
    """The map this one starts from and is rotated onto: a family's previous step, or any
    map with shared keys (``services/steps.py``)."""


class ProjectionChunk(Base):
    """Coordinates of some datapoints in one projection set: int64 ids, float32 (x, y) pairs."""

    __tablename__ = "projection_chunk"
    id: Mapped[int] = mapped_column(primary_key=True)
    projection_id: Mapped[int] = mapped_column(
        ForeignKey("projection_set.id", ondelete="CASCADE"), index=True
    )
    count: Mapped[int] = mapped_column(Integer)
    placed: Mapped[bool] = mapped_column(default=False)
    datapoint_ids: Mapped[bytes] = mapped_column(LargeBinary)
    coords: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = _created()


class NeighbourIndex(Base):
    """The ANN index and kNN graph of a space, as files under ``<data_dir>/indexes``.

    Files are written under fresh names and this row switched to them in one transaction;
    the old files are removed after commit. ``indexed_count`` says how many vectors the
    index holds (the main file and its delta together), so ingest knows what to add.
    Vectors logged since the main file was written sit in the small ``delta_file``
    (``delta_count`` of them), merged into the main file once it outgrows a share of it.
    """

    __tablename__ = "neighbour_index"
    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("space.id", ondelete="CASCADE"), unique=True)
    metric: Mapped[str] = mapped_column(String(20))
    index_file: Mapped[str | None] = mapped_column(String(200))
    graph_file: Mapped[str | None] = mapped_column(String(200))
    graph_k: Mapped[int] = mapped_column(Integer, default=0)
    indexed_count: Mapped[int] = mapped_column(Integer, default=0)
    graph_count: Mapped[int] = mapped_column(Integer, default=0)
    delta_file: Mapped[str | None] = mapped_column(String(200))
    delta_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    updated_at: Mapped[datetime] = _created()


class Analysis(ComputedResult, Base):
    """A quality analysis of a space (mislabels, outliers, duplicates, ...): per-datapoint
    scores and a summary.

    The scores live in :class:`AnalysisChunk` rows as Arrow IPC (ADR 0008). ``summary``
    holds what the analysis found as a whole (JSON).
    """

    __tablename__ = "analysis"
    __table_args__ = (Index("ix_analysis_space_id", "space_id"),)
    kind: Mapped[str] = mapped_column(String(40))
    reference_dataset_ids: Mapped[list[int] | None] = mapped_column(JSONType)
    """What scores are measured against (class distance, outliers); ``None``: not used."""
    row_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    inputs_stamp: Mapped[str | None] = mapped_column(Text)
    """The revisions of the datasets its current result was computed from (read by its job
    before the data); another stamp now means the result is stale
    (``services/analyses/freshness.py``)."""
    auto_refresh: Mapped[bool] = mapped_column(default=True, server_default=true())
    """Recompute it when it goes stale, after ingest settles (the ``space.refresh`` job)."""


class AnalysisChunk(Base):
    """Per-datapoint results of an analysis: int64 ids and an Arrow IPC stream of columns
    holding one row per id, in the same order."""

    __tablename__ = "analysis_chunk"
    id: Mapped[int] = mapped_column(primary_key=True)
    analysis_id: Mapped[int] = mapped_column(
        ForeignKey("analysis.id", ondelete="CASCADE"), index=True
    )
    count: Mapped[int] = mapped_column(Integer)
    datapoint_ids: Mapped[bytes] = mapped_column(LargeBinary)
    """int64 little-endian, one per row."""
    columns: Mapped[bytes] = mapped_column(LargeBinary)
    """An Arrow IPC stream: one record batch, ``count`` rows."""
    created_at: Mapped[datetime] = _created()


class User(Base):
    """A person (or a machine account) with a role: ``viewer``, ``editor`` or ``admin``
    (``chroma.services.principals``). Users sign in and call the API with their tokens."""

    __tablename__ = "app_user"  # "user" is a reserved word in PostgreSQL
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = _created()


class ApiToken(Base):
    """A user's personal token. Only its SHA-256 is stored (the token itself is shown once,
    when made); a revoked token keeps its row so that using it says it was revoked."""

    __tablename__ = "api_token"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    """Hex SHA-256 of the token."""
    hint: Mapped[str] = mapped_column(String(20))
    """The token's first characters, to tell tokens apart in a list."""
    created_at: Mapped[datetime] = _created()
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SignInSession(Base):
    """A browser's sign-in: the cookie holds a random id, this row only its SHA-256, so a
    copy of the database signs nobody in. Every API process reads the same rows, so a
    session works (and a sign-out ends it) on all of them (ADR 0012).

    ``principal`` is who signed in (a user's name, or ``token`` for ``CHROMA_AUTH_TOKEN``).
    """

    __tablename__ = "sign_in_session"
    __table_args__ = (Index("ix_sign_in_session_expires_at", "expires_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    id_hash: Mapped[str] = mapped_column(String(64), unique=True)
    """Hex SHA-256 of the cookie's session id."""
    principal: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    """The role at sign-in; a user's session acts with the user's role of the moment."""
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="CASCADE"), index=True
    )
    """The user signed in; None for ``CHROMA_AUTH_TOKEN``. Removing the user ends it."""
    token_id: Mapped[int | None] = mapped_column(
        ForeignKey("api_token.id", ondelete="CASCADE"), index=True
    )
    """The token signed in with; revoking it ends the session."""
    created_at: Mapped[datetime] = _created()
    last_seen_at: Mapped[datetime] = _created()
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AuditEvent(Base):
    """A write and who made it: one row per GraphQL mutation field that succeeded (tags,
    label changes, deletes, jobs started, users and tokens), written right after it.

    ``details`` holds the field's arguments, long lists cut to their first entries and
    their length, never a token."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_at", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = _created()
    principal: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(100))
    details: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
