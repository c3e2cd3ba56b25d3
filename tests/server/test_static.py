"""Serving the UI: the single-page app's fallback for deep links, cache headers, and the
"not built" page; API paths never turn into the app shell."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from chroma.db.store import open_store
from chroma.server import static as ui_static
from chroma.settings import Settings
from live_server import LiveServer

INDEX = "<!doctype html><html><head><title>Chroma</title></head><body>app shell</body></html>"
SCRIPT = "console.log('chroma ui');"


def serve(tmp_path: Path, static_dir: Path) -> Iterator[httpx.Client]:
    store = open_store(Settings(data_dir=tmp_path / "data", static_dir=static_dir))
    with (
        LiveServer(store, owns_store=True) as live,
        httpx.Client(base_url=live.url, timeout=30) as client,
    ):
        yield client


@pytest.fixture
def built(tmp_path: Path) -> Iterator[httpx.Client]:
    static = tmp_path / "static"
    (static / "assets").mkdir(parents=True)
    (static / "index.html").write_text(INDEX)
    (static / "assets" / "index-3f9a1c.js").write_text(SCRIPT)
    (static / "favicon.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    (tmp_path / "secret.txt").write_text("outside the build")
    yield from serve(tmp_path, static)


@pytest.fixture
def not_built(tmp_path: Path) -> Iterator[httpx.Client]:
    """A source checkout whose UI was never built."""
    checkout = tmp_path / "checkout"
    (checkout / "ui").mkdir(parents=True)
    (checkout / "ui" / "package.json").write_text("{}")
    (checkout / "pyproject.toml").write_text("")
    static = checkout / "src" / "chroma" / "server" / "static"
    static.mkdir(parents=True)
    yield from serve(tmp_path, static)


@pytest.fixture
def installed_without_ui(tmp_path: Path) -> Iterator[httpx.Client]:
    """An installed package (site-packages) built without the UI."""
    static = tmp_path / "lib" / "site-packages" / "chroma" / "server" / "static"
    static.mkdir(parents=True)
    yield from serve(tmp_path, static)


@pytest.mark.parametrize(
    "path",
    ["/", "/p/demo/explore?projection=3&color=label", "/p/demo", "/projects/", "/index.html"],
)
def test_deep_links_get_the_app_shell_never_cached(built: httpx.Client, path: str) -> None:
    response = built.get(path)
    assert response.status_code == 200
    assert response.text == INDEX
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-cache"


def test_hashed_assets_are_cached_for_a_year(built: httpx.Client) -> None:
    response = built.get("/assets/index-3f9a1c.js")
    assert response.status_code == 200
    assert response.text == SCRIPT
    assert "javascript" in response.headers["content-type"]
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert "etag" in response.headers or "last-modified" in response.headers
    other = built.get("/favicon.svg")
    assert other.status_code == 200
    assert other.headers["cache-control"] == "no-cache"


def test_a_missing_asset_is_a_404_not_the_app_shell(built: httpx.Client) -> None:
    response = built.get("/assets/index-old.js")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("path", ["/api/v1/nothing-here", "/api", "/graphql/x/y", "/healthz/x"])
def test_unknown_api_paths_answer_json_errors(built: httpx.Client, path: str) -> None:
    response = built.get(path)
    assert response.status_code == 404
    assert response.json()["error"]["where"] == "path"


def test_the_apis_still_answer(built: httpx.Client) -> None:
    assert built.get("/healthz").json()["status"] == "ok"
    graphql = built.post("/graphql", json={"query": "{ projects { name } }"})
    assert graphql.json() == {"data": {"projects": []}}


@pytest.mark.parametrize("path", ["/..%2fsecret.txt", "/assets/..%2f..%2fsecret.txt"])
def test_nothing_outside_the_build_is_served(built: httpx.Client, path: str) -> None:
    response = built.get(path)
    assert "outside the build" not in response.text


@pytest.mark.parametrize("path", ["/", "/p/demo/explore?projection=3"])
def test_without_a_build_the_page_says_how_to_build_it(not_built: httpx.Client, path: str) -> None:
    response = not_built.get(path)
    assert response.status_code == 200
    assert "has not been built" in response.text
    assert "make ui" in response.text
    assert not_built.get("/api/v1/nothing-here").status_code == 404
    assert not_built.get("/healthz").json()["status"] == "ok"


def test_an_installed_package_without_a_build_does_not_say_make_ui(
    installed_without_ui: httpx.Client,
) -> None:
    response = installed_without_ui.get("/")
    assert response.status_code == 200
    assert "has no web UI" in response.text
    assert "make ui" not in response.text
    assert "from source" not in response.text
    assert installed_without_ui.get("/healthz").json()["status"] == "ok"


def test_this_checkout_counts_as_running_from_source() -> None:
    assert ui_static.runs_from_checkout(ui_static.STATIC_DIR) == (
        ui_static.STATIC_DIR.resolve().parts[-4:] == ("src", "chroma", "server", "static")
    )
    assert not ui_static.runs_from_checkout(Path("/"))
