"""``chroma application run``: serve the API and the UI with uvicorn."""

from __future__ import annotations

import ipaddress
import signal
import socket
from collections.abc import Callable
from pathlib import Path
from types import FrameType

import click
import uvicorn
from uvicorn.config import LOGGING_CONFIG

from chroma._version import __version__
from chroma.cli.logs import json_logging_config, log_format_option, say, setup_logging
from chroma.cli.options import (
    broker_url_option,
    build_settings,
    log_level_option,
    store_options,
)
from chroma.cli.store import database_errors, shown_database_url
from chroma.db.store import open_store
from chroma.settings import Settings


def is_loopback(host: str) -> bool:
    """True when only this machine can reach ``host`` (127.0.0.0/8, ::1, localhost)."""
    if host.lower() in {"localhost", "localhost."}:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # any other name may resolve to a public address


def server_url(settings: Settings) -> str:
    host = f"[{settings.host}]" if ":" in settings.host else settings.host
    return f"http://{host}:{settings.port}"


def _default(field: str) -> object:
    return Settings.model_fields[field].default


@click.group()
def application() -> None:
    """Run the Chroma server."""


@application.command("run")
@click.option(
    "--host",
    help="Address to listen on; anything but loopback requires an auth token "
    f"[env: CHROMA_HOST; default: {_default('host')}].",
)
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    help=f"Port to listen on [env: CHROMA_PORT; default: {_default('port')}].",
)
@store_options
@click.option(
    "--auth-token",
    metavar="TOKEN",
    help="Bearer token every API call must carry; required beyond loopback. The environment "
    "is safer: other users can see command lines [env: CHROMA_AUTH_TOKEN; default: none].",
)
@click.option(
    "--job-backend",
    type=click.Choice(["inprocess", "celery"]),
    help="Where background jobs run: child processes of this server, or Celery workers "
    "(`chroma worker`) [env: CHROMA_JOB_BACKEND; default: inprocess].",
)
@broker_url_option(
    "Celery broker for --job-backend celery, e.g. redis://127.0.0.1:6379/0 "
    "[env: CHROMA_BROKER_URL]."
)
@click.option(
    "--image-root",
    "image_roots",
    multiple=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="A folder whose files may be served as datapoint images (a datapoint's uri that "
    "is a local path must resolve inside one, symlinks followed); repeat for several "
    "[env: CHROMA_IMAGE_ROOTS, separated by ':'; default: none, no local file is served].",
)
@log_level_option("How much the web server logs (info: one line per request).")
@log_format_option
def run(
    host: str | None,
    port: int | None,
    data_dir: Path | None,
    database_url: str | None,
    auth_token: str | None,
    job_backend: str | None,
    broker_url: str | None,
    image_roots: tuple[Path, ...],
    log_level: str,
    log_format: str | None,
) -> None:
    """Start the server: apply pending migrations, then serve the UI and the APIs."""
    settings = build_settings(
        host=host,
        port=port,
        data_dir=data_dir,
        database_url=database_url,
        auth_token=auth_token,
        job_backend=job_backend,
        broker_url=broker_url,
        image_roots=list(image_roots) or None,
        log_format=log_format,
    )
    setup_logging(settings, log_level)
    if settings.job_backend == "celery" and not settings.broker_url:
        raise click.UsageError(
            "the celery job backend needs a broker: pass --broker-url or set CHROMA_BROKER_URL"
        )
    _check_token(settings.auth_token)
    if not is_loopback(settings.host) and settings.auth_token is None:
        raise click.BadParameter(
            f"refusing to listen on {settings.host} without an auth token: anyone who can "
            "reach it could read and change every project. Set CHROMA_AUTH_TOKEN (or pass "
            "--auth-token), or listen on 127.0.0.1.",
            param_hint="'--host' / CHROMA_HOST",
        )
    # Imported here: the server takes seconds to import, and `chroma --help` should not wait.
    from chroma.server.app import create_app
    from chroma.server.process import keep_large_buffers, uvicorn_options

    keep_large_buffers()

    with database_errors(settings):
        store = open_store(settings)  # migrates to head
    try:
        with database_errors(settings):
            app = create_app(settings, store=store)
        config = uvicorn.Config(
            app,
            host=settings.host,
            port=settings.port,
            log_level=log_level,
            **uvicorn_options(),
            log_config=(
                json_logging_config(log_level) if settings.log_format == "json" else LOGGING_CONFIG
            ),
        )
        token_note = (
            "; API calls need the bearer token, browsers sign in with it"
            if settings.auth_token
            else ""
        )
        greeting = (
            f"Chroma {__version__} is running at {server_url(settings)} "
            f"(database {shown_database_url(settings)}{token_note}). Press Ctrl+C to stop."
        )
        _serve_until_signalled(_GreetingServer(config, lambda: say(settings, greeting)))
    finally:
        store.dispose()
    say(settings, "Chroma stopped.")


def _check_token(token: str | None) -> None:
    from chroma.server.auth import WeakToken, check_token_strength

    try:
        check_token_strength(token)
    except WeakToken as exc:
        raise click.BadParameter(
            str(exc), param_hint="'--auth-token' / CHROMA_AUTH_TOKEN"
        ) from None


class _GreetingServer(uvicorn.Server):
    """Says where to point the browser once the port is bound, not before (it may be taken)."""

    def __init__(self, config: uvicorn.Config, greet: Callable[[], None]) -> None:
        super().__init__(config)
        self.greet = greet

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started:
            self.greet()


def _serve_until_signalled(server: uvicorn.Server) -> None:
    """Run ``server``; SIGINT and SIGTERM stop it gracefully and the command exits with 0.

    uvicorn re-raises the signal that stopped it once it has shut down, which would end the
    process with "Aborted!" (SIGINT) or death by SIGTERM. The handlers installed here are
    the ones it restores before re-raising, so a handled stop stays a clean exit.
    """

    def stop(_signum: int, _frame: FrameType | None) -> None:
        server.should_exit = True  # also covers a signal that lands before uvicorn's handlers

    stopping = (signal.SIGINT, signal.SIGTERM)
    previous = {sig: signal.signal(sig, stop) for sig in stopping}
    try:
        server.run()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
