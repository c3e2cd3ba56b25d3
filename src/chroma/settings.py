"""All configuration in one place: ``CHROMA_*`` environment variables, or keyword arguments.

The server, the CLI, the job workers and the tests build a :class:`Settings` and hand it to
``create_app`` / ``open_store``; nothing else reads the environment.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


def default_data_dir() -> Path:
    return Path.home() / ".chroma"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CHROMA_", extra="ignore")

    data_dir: Path = Field(default_factory=default_data_dir)
    """Where the embedded SQLite database and vector segment files live."""

    database_url: str | None = None
    """SQLAlchemy URL; default ``sqlite:///<data_dir>/chroma.db``. PostgreSQL:
    ``postgresql+psycopg://user@host/dbname``."""

    vector_storage: Literal["auto", "database", "files"] = "auto"
    """Where vector chunks go. ``auto``: segment files in the data dir for SQLite (one
    machine), in the database for PostgreSQL (several API machines share it). ADR 0002."""

    host: str = "127.0.0.1"
    port: int = 8000

    max_request_bytes: int = 1 << 30
    """Largest ingest request body the server accepts (bytes)."""

    job_backend: Literal["inprocess", "celery"] = "inprocess"
    """``inprocess``: jobs run in a child process of the server (no broker needed).
    ``celery``: jobs go to Celery workers (``chroma worker``) through ``broker_url``."""
    broker_url: str | None = None
    """Celery broker, e.g. ``redis://127.0.0.1:6379/0`` or ``amqp://guest@127.0.0.1//``."""
    job_workers: int = Field(default=2, ge=1, le=64)
    """Job slots: jobs the in-process runner runs at once, each in a child process of its
    own. Two by default, so a space's first map does not wait for its neighbour index (on
    two cores both go at full speed: each job computes on one)."""
    job_memory_budget_gib: float | None = Field(default=None, gt=0)
    """Memory one job may use (GiB; the in-process runner's child, a ``chroma worker``): a
    job that needs more fails with an error saying so, the server never runs out. Default:
    80% of this machine's memory shared by the job slots."""
    job_prewarm: bool = True
    """Start the in-process runner's job processes (and load the job code) when the server
    starts, so the first job does not wait for them."""
    job_heartbeat_timeout: float = 120.0
    """Seconds without a heartbeat after which a running job's worker is taken for dead."""
    job_resend_after: float = 60.0
    """Celery backend: seconds a queued job may stay due but unstarted before the server
    sends its message again (one lost while the broker was down)."""
    auto_jobs: bool = True
    """After ingest settles, update the neighbour index and the maps of the space."""
    auto_jobs_delay: float = 5.0
    """Seconds of ingest quiet before the automatic jobs start (debounce)."""

    auth_token: str | None = None
    """Bearer token required on every API call when set (set it for non-local binds)."""

    image_roots: Annotated[list[Path], NoDecode] = Field(default_factory=list)
    """Folders whose files the server may send as datapoint images (a ``uri`` that is a
    local path must resolve inside one of them, symlinks included). Default: none, so no
    local file is served. In the environment: paths separated by ``:`` (``os.pathsep``)."""

    image_fetch_timeout: float = 5.0
    """Seconds the server waits for an http(s) image ``uri`` it fetches."""
    image_max_bytes: int = 32 << 20
    """Largest image (inline, local file or fetched) the server reads."""

    static_dir: Path | None = None
    """The built UI to serve at ``/``; default: the package's own ``server/static``."""

    @field_validator("image_roots", mode="before")
    @classmethod
    def _split_roots(cls, value: object) -> object:
        if isinstance(value, str):
            return [part for part in value.split(os.pathsep) if part.strip()]
        return value

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'chroma.db'}"

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")

    @property
    def vectors_in_files(self) -> bool:
        if self.vector_storage == "auto":
            return self.is_sqlite
        return self.vector_storage == "files"

    @property
    def job_memory_budget_bytes(self) -> int:
        if self.job_memory_budget_gib is not None:
            return int(self.job_memory_budget_gib * 2**30)
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        return int(total * 0.8 / self.job_workers)

    @property
    def vector_dir(self) -> Path:
        return self.data_dir / "vectors"

    @property
    def thumbnail_dir(self) -> Path:
        return self.data_dir / "thumbnails"
