"""All configuration in one place: ``CHROMA_*`` environment variables, or keyword arguments.

The server, the CLI, the job workers and the tests build a :class:`Settings` and hand it to
``create_app`` / ``open_store``; nothing else reads the environment.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, IPvAnyNetwork, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


def default_data_dir() -> Path:
    return Path.home() / ".chroma"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CHROMA_", extra="ignore")

    data_dir: Path = Field(default_factory=default_data_dir)
    """Where the embedded SQLite database, vector segment files and this machine's caches
    live."""

    database_url: str | None = None
    """SQLAlchemy URL; default ``sqlite:///<data_dir>/chroma.db``. PostgreSQL:
    ``postgresql+psycopg://user@host/dbname``."""

    vector_storage: Literal["auto", "database", "files"] = "auto"
    """Where vector chunks go. ``auto``: segment files in the data dir for SQLite (one
    machine), in the database for PostgreSQL (several API machines share it). ADR 0002."""

    artifact_store: str | None = None
    """Where the files too large for a database row live (a space's neighbour index and
    kNN graph; vector segment files, with ``vector_storage`` ``files``): a folder (path or
    ``file://`` URL) that every API process and worker mounts, or an object store URL
    (``s3://bucket/prefix``, also ``gs://`` and ``az://``; needs the ``object-store``
    extra), with credentials and endpoint from that store's usual environment variables
    (``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_REGION``, ``AWS_ENDPOINT_URL``,
    ``AWS_ALLOW_HTTP=true`` for a plain-HTTP MinIO). With an object store, each machine
    keeps the files it used under its data dir as a cache. Default: the data dir (one
    machine). ADR 0014."""

    sqlite_busy_timeout: float = Field(default=30.0, gt=0)
    """SQLite: seconds a write waits while another one holds the database before it fails
    with "database is locked". Writers in one server take turns in arrival order, and a
    wait fails only when the turn has not moved for this long (one write held it)."""

    compact_dead_share: float = Field(default=0.3, gt=0, le=1)
    """A chunk of vectors is rewritten without its superseded rows (a background job after
    ingest, with ``auto_jobs``) once they are this share of it: at most ~1.4x the live
    vectors on disk, and each rewrite copies at most ~2.3 live rows per dropped one."""

    host: str = "127.0.0.1"
    port: int = 8000

    max_request_bytes: int = 1 << 30
    """Largest ingest request the server accepts (bytes): the body as sent, and its Arrow
    data once decompressed (Arrow IPC may compress every buffer: a 17 KB body can carry
    512 MiB of zeros), vectors counted as float32. Checked before anything is read."""
    max_batch_rows: int = Field(default=1_000_000, ge=1)
    """Rows in one ingest request (the SDK sends 20,000): a row costs Python objects while
    it is checked and written, however few bytes it takes in Arrow."""
    max_dimension: int = Field(default=65_536, ge=1)
    """Largest vector dimension. The largest language models' hidden states have 16,384
    (18,432 for a few); 65,536 leaves room for flattened feature maps, while one vector
    stays at 256 KiB and a space's index and maps stay computable."""
    max_metadata_bytes: int = Field(default=64 << 10, ge=2)
    """Largest metadata of one datapoint (its JSON text, bytes): metadata holds fields to
    filter and colour by; long text belongs in ``text``, files in ``uri`` or ``image``."""
    max_metadata_fields: int = Field(default=256, ge=1)
    """Most top-level metadata fields of one datapoint (each can become a column in a
    facet list, an export and a map's colour menu)."""
    max_points_columns: int = Field(default=64, ge=1)
    """Most ``column`` parameters in one ``GET /api/v1/points`` (the Explorer asks for one
    or two)."""

    graphql_max_body_bytes: int = Field(default=4 << 20, ge=1024)
    """Largest ``/graphql`` request body (bytes), refused with 413 while it is read: the
    UI's largest (5,000 datapoint ids to tag) is about 60 KB, a query vector of 65,536
    floats about 1.4 MB."""
    graphql_max_tokens: int = Field(default=10_000, ge=100)
    """Tokens (names, numbers, strings, brackets) a GraphQL document may hold; parsing
    stops beyond. Send long values (vectors, id lists) as variables: they do not count."""
    graphql_max_depth: int = Field(default=15, ge=2, le=100)
    """Fields nested in fields (``{ project { datasets { name } } }`` is 3 deep; the UI goes
    6 deep, GraphiQL's schema query 15)."""
    graphql_max_aliases: int = Field(default=30, ge=0)
    """Aliased fields in one request, fragments counted where they are spread."""
    graphql_max_aliases_per_field: int = Field(default=10, ge=0)
    """Aliases of one field (``Query.datapoints``) in one request."""
    graphql_max_cost: int = Field(default=25_000, ge=100)
    """What one GraphQL request may cost, estimated before it runs (docs/graphql.md,
    "Limits"): about 8 pages of 1,000 datapoints with their datasets, or 12 ``facets``."""
    graphql_request_concurrency: int = Field(default=4, ge=1)
    """Database sessions one GraphQL request uses at once (its resolvers and dataloader
    batches wait for a free one), so that one request never holds the connection pool."""

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
    """Start one job process of the in-process runner (and load the job code) when the
    server starts, so the first job (a first map, usually) does not wait for it."""
    job_heartbeat_timeout: float = Field(default=20.0, gt=0)
    """Seconds without a heartbeat after which a running job's worker is taken for dead
    (its job requeued, or failed after its last attempt). A job beats every 5 s (a quarter
    of this when shorter) and the server looks every 2 s, so a killed ``chroma worker``'s
    job leaves "running" within about 22 s; four missed beats keep a live one that waited
    for the database from being taken for lost. Workers and servers must agree on it, and
    their clocks must agree to well within it (NTP)."""
    job_resend_after: float = 60.0
    """Celery backend: seconds a queued job may stay due but unstarted before the server
    sends its message again (one lost while the broker was down)."""
    auto_jobs: bool = True
    """After ingest settles, update the neighbour index and the maps of the space."""
    auto_jobs_delay: float = 5.0
    """Seconds of ingest quiet before the automatic jobs start (debounce)."""

    auth_token: str | None = None
    """Turns auth on: every API call then needs a bearer token (this one, an admin's, or a
    user's personal token) or a browser's sign-in (ADR 0012). Required for non-local
    binds; at least 16 characters, else the server refuses to start."""
    allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["localhost", "127.0.0.1", "::1"]
    )
    """Names the server answers to in the ``Host`` header (any port), besides ``host``
    itself: others get a 421, so a DNS-rebinding page cannot read the API. ``*.example.org``
    allows its subdomains; ``*`` allows any (no rebinding protection). When ``host`` is
    ``0.0.0.0`` or ``::``, any IP address is allowed too (rebinding needs a name). In the
    environment: comma-separated."""
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    """Origins (``https://app.example.org``) whose pages may call the API from a browser
    (CORS headers, and writes with their ``Origin``). Default: none, no CORS headers at all.
    In the environment: comma-separated."""

    image_roots: Annotated[list[Path], NoDecode] = Field(default_factory=list)
    """Folders whose files the server may send as datapoint images (a ``uri`` that is a
    local path must resolve inside one of them, symlinks included). Default: none, so no
    local file is served. In the environment: paths separated by ``:`` (``os.pathsep``)."""

    image_fetch_hosts: Annotated[list[str], NoDecode] = Field(default_factory=list)
    """Hosts whose http(s) image ``uri`` the server fetches (``images.example.org``,
    ``*.example.org`` for its subdomains, ``*`` for any). Default: none, so remote images are
    not fetched. Whatever the list, an address that is not public (loopback, private,
    link-local, ...) is refused, after DNS and on every redirect. Comma-separated."""
    image_fetch_private_networks: Annotated[list[IPvAnyNetwork], NoDecode] = Field(
        default_factory=list
    )
    """Dangerous: non-public networks (``10.1.2.0/24``, ``127.0.0.1/32``) the server may
    fetch images from all the same. Anyone who can log a datapoint can then make the server
    send GET requests there. Default: none. Comma-separated."""
    image_fetch_timeout: float = Field(default=5.0, gt=0)
    """Seconds one remote image fetch may take in all (DNS, connecting, redirects, body)."""
    image_fetch_workers: int = Field(default=4, ge=1, le=64)
    """Remote image fetches running at once, in a pool of their own (never the API's)."""
    image_fetch_queue: int = Field(default=16, ge=0)
    """Fetches that may wait for a free worker; beyond them an image request gets a 503."""
    image_max_bytes: int = 32 << 20
    """Largest image (inline, local file or fetched) the server reads; also the largest
    inline image an ingest request may carry (checked to be an image, by its header)."""
    image_cache_bytes: int = Field(default=512 << 20, ge=0)
    """Disk space (bytes, as ``du`` counts it) the cache of thumbnails and fetched images
    under ``<data_dir>/cache/images`` may take; beyond it the least recently used go. Each
    API process looks at the folder at least every tenth of it that it writes, so several
    sharing a data dir may exceed it by about a tenth each."""

    vector_cache_bytes: int = Field(default=4 << 30, ge=0)
    """PostgreSQL with vectors in the database: disk space (bytes, as ``du`` counts it) this
    machine may use under ``<data_dir>/cache/chunks`` for copies of the vector chunks it
    read, so that reading a space again costs a file read instead of a transfer from the
    database (1,000,000 x 384 vectors take 1.5 GB); beyond it the least recently used go.
    0 turns the copies off. Never used with SQLite or segment files (already files)."""

    orphan_grace_seconds: float = Field(default=10.0, ge=0)
    """At start the server removes files of the data dir that no row names (a vector
    segment or index file a crash left between writing and committing it, cache entries of
    deleted maps and datasets). A file a live transaction is writing is claimed (locked) and
    always kept; an unclaimed one younger than this is kept too, in case its writer has not
    claimed it yet (another version of the server beside this one)."""

    static_dir: Path | None = None
    """The built UI to serve at ``/``; default: the package's own ``server/static``."""

    session_max_age: float = Field(default=7 * 24 * 3600, gt=0)
    """Seconds a browser's sign-in lasts (with ``auth_token`` set); after it the UI asks to
    sign in again. Signing out ends it at once, on every API process (ADR 0012)."""

    log_format: Literal["text", "json"] = "text"
    """How the server and ``chroma worker`` write their logs: ``text`` for people,
    ``json`` for log collectors (one object per line: time, level, logger, message,
    exception)."""

    @field_validator("image_roots", mode="before")
    @classmethod
    def _split_roots(cls, value: object) -> object:
        if isinstance(value, str):
            return [part for part in value.split(os.pathsep) if part.strip()]
        return value

    @field_validator(
        "allowed_hosts",
        "cors_origins",
        "image_fetch_hosts",
        "image_fetch_private_networks",
        mode="before",
    )
    @classmethod
    def _split_commas(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
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
    def artifact_folder(self) -> Path | None:
        """The artifact store when it is a folder (the default: the data dir); None for an
        object store."""
        if self.artifact_store is None:
            return self.data_dir
        scheme, sep, rest = self.artifact_store.partition("://")
        if not sep:
            return Path(self.artifact_store).expanduser()
        return Path(rest) if scheme == "file" else None

    @property
    def vector_dir(self) -> Path:
        """Segment files live in the artifact folder; with an object store (allowed with
        SQLite only, a one-machine database), beside the database."""
        return (self.artifact_folder or self.data_dir) / "vectors"
