"""``chroma worker``: a Celery worker that runs Chroma's background jobs."""

from __future__ import annotations

from pathlib import Path

import click

from chroma.cli.logs import log_format_option, setup_logging
from chroma.cli.options import (
    broker_url_option,
    build_settings,
    log_level_option,
    store_options,
)
from chroma.cli.store import database_errors
from chroma.db.store import open_store


@click.command()
@store_options
@broker_url_option(
    "Celery broker, e.g. redis://127.0.0.1:6379/0 or amqp://guest@127.0.0.1// "
    "[env: CHROMA_BROKER_URL; required]."
)
@click.option(
    "--name",
    default="chroma@%h",
    show_default=True,
    help="Worker name (%h: host name); unique per machine when several run.",
)
@log_level_option("How much the worker logs.")
@log_format_option
def worker(
    data_dir: Path | None,
    database_url: str | None,
    broker_url: str | None,
    name: str,
    log_level: str,
    log_format: str | None,
) -> None:
    """Run background jobs (projections, neighbour indexes) from a Celery broker.

    The API server must use the same database, data dir (index files) and broker, with
    CHROMA_JOB_BACKEND=celery, and the same CHROMA_JOB_HEARTBEAT_TIMEOUT (the worker's
    heartbeat interval follows it).
    A worker runs one job at a time in its own process: start several for parallel jobs.
    Jobs of a worker that dies are requeued (or failed after their last attempt) once
    their heartbeat stops.
    """
    settings = build_settings(
        data_dir=data_dir,
        database_url=database_url,
        broker_url=broker_url,
        job_backend="celery",
        log_format=log_format,
    )
    if not settings.broker_url:
        raise click.UsageError(
            "a worker needs a broker: pass --broker-url or set CHROMA_BROKER_URL"
        )
    with database_errors(settings):
        open_store(settings).dispose()  # reachable and migrated before taking jobs
    # Imported here: Celery and the compute stack take seconds to import.
    from chroma.jobs.celery_app import QUEUE, make_celery
    from chroma.jobs.limits import apply_memory_budget

    apply_memory_budget(settings)  # the solo pool runs each job in this very process

    app = make_celery(settings)
    quiet: list[str] = []
    if settings.log_format == "json":
        from celery.signals import setup_logging as celery_logging

        setup_logging(settings, log_level)
        # A receiver of this signal tells Celery to leave logging as it is configured.
        celery_logging.connect(_keep_logging, weak=False)
        quiet.append("--quiet")  # no banner: every line JSON
    app.worker_main(
        [
            *quiet,
            "worker",
            f"--loglevel={log_level.upper()}",
            "--pool=solo",  # the job runs in this process: killing the worker kills its job
            f"--queues={QUEUE}",
            f"--hostname={name}",
            "--without-gossip",
            "--without-mingle",
        ]
    )


def _keep_logging(**_kwargs: object) -> None:
    """Celery's ``setup_logging`` signal: logging is already set up (JSON lines)."""
