"""``chroma application run --image-root``: the real CLI serves local image files from the
roots it was given (flag or CHROMA_IMAGE_ROOTS) and refuses the rest."""

from __future__ import annotations

import io
from pathlib import Path

import httpx
import numpy as np
import pytest
from chroma_cli import Chroma
from PIL import Image

import chroma as chroma_sdk


def _png(value: int) -> bytes:
    out = io.BytesIO()
    Image.fromarray(np.full((4, 4), value, np.uint8)).save(out, "PNG")
    return out.getvalue()


@pytest.mark.slow
def test_image_roots_from_the_flag_and_the_environment(chroma: Chroma, tmp_path: Path) -> None:
    flagged, from_env, elsewhere = (tmp_path / name for name in ("a", "b", "c"))
    files = []
    for value, folder in enumerate((flagged, from_env, elsewhere)):
        folder.mkdir()
        files.append(folder / "image.png")
        files[-1].write_bytes(_png(value * 100))

    env = {"CHROMA_IMAGE_ROOTS": str(from_env)}
    with chroma.serve("--data-dir", str(tmp_path / "data"), env=env) as served:
        with chroma_sdk.init("p", "d", "s", url=served.url) as run:
            run.log(np.eye(3, dtype=np.float32), ids=["a", "b", "c"], uris=list(map(str, files)))
        ids = httpx.post(
            f"{served.url}/graphql",
            json={"query": '{ datapoints(project: "p") { nodes { id key } } }'},
        ).json()["data"]["datapoints"]["nodes"]
        by_key = {n["key"]: n["id"] for n in ids}

        def status(key: str) -> int:
            return httpx.get(f"{served.url}/api/v1/datapoints/{by_key[key]}/image").status_code

        assert (status("a"), status("b"), status("c")) == (403, 200, 403)
        assert served.stop() == 0

    # The flag wins over the environment (as every flag does).
    with chroma.serve(
        "--data-dir", str(tmp_path / "data"), "--image-root", str(flagged), env=env
    ) as served:
        answers = {
            key: httpx.get(f"{served.url}/api/v1/datapoints/{id_}/image")
            for key, id_ in by_key.items()
        }
        assert answers["a"].content == files[0].read_bytes()
        assert answers["b"].status_code == 403
        assert "outside the image roots" in answers["c"].json()["error"]["message"]
        assert served.stop() == 0
