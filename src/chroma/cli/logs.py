"""``--log-format json``: one JSON object per line, for log collectors (Loki, Elastic,
CloudWatch...), with the standard library's ``logging`` and nothing else.

Each line holds ``time`` (UTC, ISO 8601), ``level``, ``logger``, ``message`` and, when a
record carries one, ``exception`` (the traceback as text). A web request's access line
(uvicorn's) adds ``client``, ``method``, ``path``, ``http_version`` and ``status``.
``text`` (the default) leaves the logs as they have always been.
"""

from __future__ import annotations

import json
import logging
import logging.config
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar

import click

from chroma.settings import Settings

LogFormat = Literal["text", "json"]
F = TypeVar("F", bound=Callable[..., Any])

ACCESS_FIELDS = ("client", "method", "path", "http_version", "status")
"""uvicorn's access record's arguments, in its order."""


class JsonFormatter(logging.Formatter):
    """A record as one line of JSON."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage().rstrip("\n"),
        }
        if (
            record.name == "uvicorn.access"
            and isinstance(record.args, tuple)
            and len(record.args) == len(ACCESS_FIELDS)
        ):
            line.update(zip(ACCESS_FIELDS, record.args, strict=True))
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, default=str, ensure_ascii=False)


def log_format_option(func: F) -> F:
    """``--log-format text|json`` (overrides ``CHROMA_LOG_FORMAT``)."""
    return click.option(
        "--log-format",
        type=click.Choice(["text", "json"]),
        help="How log lines look: text for people, json for log collectors (one object "
        "per line: time, level, logger, message, exception) "
        "[env: CHROMA_LOG_FORMAT; default: text].",
    )(func)


def json_logging_config(level: str) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` that writes every logger (uvicorn's, Celery's,
    Chroma's) as JSON lines to stderr at ``level`` and above."""
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {"json": handler},
        # uvicorn's loggers stop at their own handlers in its default config: here they
        # go up to the root's one handler instead.
        "loggers": {
            name: {"handlers": [], "level": level.upper(), "propagate": True}
            for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "celery")
        },
        "root": {"handlers": ["json"], "level": level.upper()},
    }


def setup_logging(settings: Settings, level: str) -> None:
    """With ``log_format`` json: every log line from now on is JSON (text: no change)."""
    if settings.log_format == "json":
        logging.config.dictConfig(json_logging_config(level))
        logging.captureWarnings(True)  # warnings.warn(...) too, as py.warnings lines


def say(settings: Settings, message: str) -> None:
    """A line for whoever started the command: plain on stdout, or a JSON log line."""
    if settings.log_format == "json":
        logging.getLogger("chroma.cli").info(message)
    else:
        click.echo(message)
