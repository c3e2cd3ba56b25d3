"""deploy/compose.yaml as plain processes: each Chroma service's command and environment,
run on a bare machine instead of in containers.

The compose file is the single source of the deployment's commands and settings; this
module reads it (and the image's ENTRYPOINT from the Dockerfile) and changes only what
differs without containers, each for a stated reason:

- a URL naming another compose service (``postgres``, ``redis``) points at this machine's
  instance of it instead (its own user, password and database number);
- a path inside one of the service's volumes moves to a folder of the same name under
  ``BareMachine.volumes`` (so services sharing a volume share that folder, and nothing
  else); any other absolute path, being in the container's own file system, moves to a
  folder of the service's own there;
- an API process listens on 127.0.0.1 and a port of its own (containers each have their
  own network address; processes on one machine do not), so ``CHROMA_HOST`` and
  ``CHROMA_PORT`` must be in its environment;
- ``${VAR}`` interpolation takes what ``deploy/.env`` would hold from the test.

Everything else (subcommands, flags, every other ``CHROMA_*`` setting) is used verbatim.
"""

from __future__ import annotations

import json
import os
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

REPO = Path(__file__).resolve().parents[2]
COMPOSE = REPO / "deploy" / "compose.yaml"
DOCKERFILE = REPO / "Dockerfile"
CADDYFILE = REPO / "deploy" / "Caddyfile"
SYSTEMD = REPO / "deploy" / "systemd"

_VARIABLE = re.compile(
    r"\$(?:\$|\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\})"
)


def interpolate(value: str, variables: Mapping[str, str]) -> str:
    """Compose's interpolation: ``${X}``, ``${X:-default}``, ``${X-default}``,
    ``${X:?error}``, ``${X?error}`` and ``$$`` (a literal ``$``)."""

    def one(match: re.Match[str]) -> str:
        name, op, arg = match.group("name"), match.group("op"), match.group("arg")
        if name is None:
            return "$"
        given = variables.get(name)
        unset = given is None or (given == "" and op is not None and op.startswith(":"))
        if op in (":-", "-") and unset:
            return arg or ""
        if op in (":?", "?") and unset:
            raise KeyError(f"compose needs {name}: {arg}")
        if given is None:
            raise KeyError(f"compose uses {name}, which the test did not give")
        return given

    return _VARIABLE.sub(one, value)


def image_entrypoint(dockerfile: Path = DOCKERFILE) -> list[str]:
    """The final stage's ``ENTRYPOINT`` (exec form) of the Dockerfile."""
    found = [
        line.split(None, 1)[1]
        for line in dockerfile.read_text().splitlines()
        if line.startswith("ENTRYPOINT ")
    ]
    assert found, f"{dockerfile} has no ENTRYPOINT"
    entry = json.loads(found[-1])
    assert isinstance(entry, list), "ENTRYPOINT must use the exec form"
    return [str(part) for part in entry]


@dataclass(frozen=True)
class BareMachine:
    """What this machine has instead of the compose file's containers."""

    variables: Mapping[str, str]
    """What ``deploy/.env`` would hold (the secrets)."""
    endpoints: Mapping[str, str]
    """A compose service name (``postgres``) -> the URL of this machine's instance."""
    volumes: Path
    """Each named volume becomes the folder of its name in here."""
    ports: Mapping[str, int]
    """An API service -> the 127.0.0.1 port it listens on here."""
    executables: Mapping[str, str] = field(default_factory=dict)
    """The image's entrypoint program -> its path here (``chroma`` -> the venv's)."""


@dataclass(frozen=True)
class Process:
    """One compose service as a process: its command line and the environment compose
    gives it (the caller adds the machine's own, e.g. ``PATH``)."""

    service: str
    argv: list[str]
    env: dict[str, str]

    def shown(self) -> str:
        settings = " ".join(f"{k}={shlex.quote(v)}" for k, v in sorted(self.env.items()))
        return f"{settings} {shlex.join(self.argv)}"


class Recipe:
    """The parsed compose file."""

    def __init__(self, path: Path = COMPOSE) -> None:
        self.path = path
        self.document: dict[str, Any] = yaml.safe_load(path.read_text())
        self.services: dict[str, dict[str, Any]] = self.document["services"]

    def chroma_services(self) -> list[str]:
        """The services that run the Chroma image (built from the Dockerfile)."""
        return [name for name, spec in self.services.items() if "build" in spec]

    def command(self, service: str) -> list[str]:
        command = self.services[service].get("command")
        assert isinstance(command, list), f"{service}: give the command as a list (exec form)"
        return [str(part) for part in command]

    def environment(self, service: str) -> dict[str, str]:
        env = self.services[service].get("environment") or {}
        assert isinstance(env, dict), f"{service}: give environment as a mapping"
        return {str(k): "" if v is None else str(v) for k, v in env.items()}

    def volume_targets(self, service: str) -> dict[str, str]:
        """Mount point -> named volume, for the service's named volumes."""
        targets: dict[str, str] = {}
        for entry in self.services[service].get("volumes") or []:
            source, target, *_ = str(entry).split(":")
            if source in self.document.get("volumes", {}):
                targets[target] = source
        return targets

    def process(self, service: str, machine: BareMachine) -> Process:
        spec = self.services[service]
        assert "build" in spec, f"{service} does not run the Chroma image"
        entry = image_entrypoint()
        argv = [machine.executables.get(entry[0], entry[0]), *entry[1:]]
        volumes = self.volume_targets(service)

        def bare(value: str) -> str:
            value = interpolate(value, machine.variables)
            return _moved_path(_moved_endpoint(value, machine.endpoints), service, volumes, machine)

        argv += [bare(part) for part in self.command(service)]
        env = {key: bare(value) for key, value in self.environment(service).items()}
        if service in machine.ports:
            for key in ("CHROMA_HOST", "CHROMA_PORT"):
                assert key in env, f"{service}: the test expects {key} in its environment"
            env["CHROMA_HOST"] = "127.0.0.1"
            env["CHROMA_PORT"] = str(machine.ports[service])
        return Process(service, argv, env)


def _moved_endpoint(value: str, endpoints: Mapping[str, str]) -> str:
    if "://" not in value:
        return value
    parts = urlsplit(value)
    if parts.hostname not in endpoints:
        return value
    here = endpoints[parts.hostname]
    assert urlsplit(here).scheme == parts.scheme, f"{value}: this machine has {here}"
    return here


def _moved_path(value: str, service: str, volumes: Mapping[str, str], machine: BareMachine) -> str:
    if not value.startswith("/"):
        return value
    for target, volume in volumes.items():
        if value == target or value.startswith(target.rstrip("/") + "/"):
            return str(machine.volumes / volume) + value[len(target.rstrip("/")) :]
    # Not in a volume: the container's own file system, which no other service sees.
    return str(machine.volumes / f"{service}.container" / value.lstrip("/"))


def clean_environment() -> dict[str, str]:
    """This machine's environment without any ``CHROMA_*`` setting of the caller's."""
    return {k: v for k, v in os.environ.items() if not k.startswith("CHROMA_")}
