"""The deployment recipe agrees with itself: the proxy, the systemd units and the image say
what deploy/compose.yaml says (the compose file is the single source; test_topology runs
its commands). No containers, no services: these run in the fast inner loop.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from compose_recipe import (
    CADDYFILE,
    DOCKERFILE,
    SYSTEMD,
    BareMachine,
    Recipe,
    image_entrypoint,
    interpolate,
)

APIS = ("api-1", "api-2")
WORKERS = ("worker-1", "worker-2")
SHARED = ("CHROMA_DATABASE_URL", "CHROMA_JOB_BACKEND", "CHROMA_BROKER_URL", "CHROMA_ARTIFACT_STORE")


@pytest.fixture(scope="module")
def recipe() -> Recipe:
    return Recipe()


def test_the_services_share_only_the_database_broker_and_artifact_store(recipe: Recipe) -> None:
    assert set(recipe.chroma_services()) == {"migrate", *APIS, *WORKERS}
    envs = {name: recipe.environment(name) for name in (*APIS, *WORKERS)}
    for key in SHARED:
        assert len({env[key] for env in envs.values()}) == 1, key
    assert envs["api-1"]["CHROMA_JOB_BACKEND"] == "celery"
    assert recipe.command("api-1") == recipe.command("api-2")
    store = envs["api-1"]["CHROMA_ARTIFACT_STORE"]
    for name in (*APIS, *WORKERS):
        mounts = recipe.volume_targets(name)
        assert mounts.get(store) == "artifacts", f"{name} lacks the artifact volume"
        own = mounts[envs[name]["CHROMA_DATA_DIR"]]
        assert own == f"{name}-cache", f"{name}: its data dir is a volume of its own"


def test_secrets_must_be_given(recipe: Recipe, tmp_path: Path) -> None:
    machine = BareMachine(variables={}, endpoints={}, volumes=tmp_path, ports={})
    with pytest.raises(KeyError, match="POSTGRES_PASSWORD"):
        recipe.process("worker-1", machine)
    assert interpolate("${A:-x}/${B-y}/$${C}", {"A": "", "B": ""}) == "x//${C}"


def test_the_proxy_sends_to_the_api_services(recipe: Recipe) -> None:
    caddy = CADDYFILE.read_text()
    found = re.search(r"reverse_proxy \{\$CHROMA_UPSTREAMS:([^}]*)\}", caddy)
    assert found, "the Caddyfile's reverse_proxy upstreams changed shape"
    expected = [f"{name}:{recipe.environment(name)['CHROMA_PORT']}" for name in APIS]
    assert found.group(1).split() == expected
    site = re.search(r"^\{\$CHROMA_SITE_ADDRESS:([^}]*)\} \{", caddy, re.MULTILINE)
    assert site, "the Caddyfile's site address changed shape"
    proxy = recipe.services["proxy"]
    assert "./Caddyfile:/etc/caddy/Caddyfile:ro" in proxy["volumes"]
    published = interpolate(proxy["ports"][0], {})
    assert published.rsplit(":", 1)[1] == site.group(1).lstrip(":")


def _unit(name: str) -> dict[str, list[str]]:
    lines: dict[str, list[str]] = {}
    for line in (SYSTEMD / name).read_text().splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, value = line.split("=", 1)
            lines.setdefault(key, []).append(value)
    return lines


def _specifiers(value: str, instance: str) -> str:
    return value.replace("%%", "\0").replace("%i", instance).replace("\0", "%")


@pytest.mark.parametrize(
    ("unit", "instance", "service"),
    [
        ("chroma-migrate.service", "", "migrate"),
        ("chroma-api@.service", "8001", "api-1"),
        ("chroma-worker@.service", "1", "worker-1"),
        ("chroma-worker@.service", "2", "worker-2"),
    ],
)
def test_systemd_units_run_the_compose_commands(
    recipe: Recipe, unit: str, instance: str, service: str
) -> None:
    lines = _unit(unit)
    [start] = lines["ExecStart"]
    program, *args = _specifiers(start, instance).split()
    assert Path(program).name == image_entrypoint()[0]
    assert args == recipe.command(service)
    given = {v.split("=", 1)[0] for v in lines.get("Environment", [])}
    env_file = SYSTEMD / "chroma.env.example"
    given |= {
        line.split("=", 1)[0]
        for line in env_file.read_text().splitlines()
        if "=" in line and not line.startswith("#")
    }
    assert lines["EnvironmentFile"][0] == "/etc/chroma/chroma.env"
    missing = set(recipe.environment(service)) - given
    assert not missing, f"{unit} lacks what compose gives {service}: {sorted(missing)}"
    assert lines["User"] == ["chroma"]


def test_the_image_runs_as_the_compose_file_expects(recipe: Recipe) -> None:
    dockerfile = DOCKERFILE.read_text()
    assert image_entrypoint() == ["chroma"]
    final = dockerfile.rsplit("\nFROM ", 1)[1]
    user = re.search(r"^USER (\S+)", final, re.MULTILINE)
    assert user, "the image must not run as root"
    assert user.group(1).split(":")[0] not in ("root", "0")
    api = recipe.environment("api-1")
    assert re.search(rf"^EXPOSE {api['CHROMA_PORT']}$", final, re.MULTILINE)
    assert "HEALTHCHECK" in final
    # The mount points exist in the image, owned by its user, so named volumes are too.
    for path in (api["CHROMA_DATA_DIR"], api["CHROMA_ARTIFACT_STORE"]):
        assert re.search(rf"mkdir -p [^\n]*{re.escape(path)}\b", final), path
        assert re.search(rf"chown chroma:chroma [^\n]*{re.escape(path)}\b", final), path
    assert re.search(r"\[[^]]*\bcelery\b", final), "chroma worker needs the celery extra"
