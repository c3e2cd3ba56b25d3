"""``ChromaCallback``: a tiny LightningModule trained on CPU logs a layer to a real server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import chroma

torch = pytest.importorskip("torch")
lightning = pytest.importorskip("lightning")  # the [lightning] extra is in dev

from chroma.integrations.lightning import ChromaCallback  # noqa: E402

CLASSES = ["cat", "dog", "owl"]
N_TRAIN, N_VAL = 48, 20


class Tiny(lightning.LightningModule):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.encoder = torch.nn.Sequential(torch.nn.Linear(8, 6), torch.nn.ReLU())
        self.head = torch.nn.Linear(6, 3)

    def forward(self, x: Any) -> Any:
        return self.head(self.encoder(x))

    def training_step(self, batch: Any, batch_idx: int) -> Any:
        x, y, _ = batch
        return torch.nn.functional.cross_entropy(self(x), y)

    def validation_step(self, batch: Any, batch_idx: int) -> None:
        x, y, _ = batch
        self.log("val_loss", torch.nn.functional.cross_entropy(self(x), y))

    def configure_optimizers(self) -> Any:
        return torch.optim.SGD(self.parameters(), lr=0.5)


def _loader(rows: int, seed: int, first_id: int) -> Any:
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(rows, 8, generator=generator)
    y = torch.randint(0, 3, (rows,), generator=generator)
    ids = torch.arange(first_id, first_id + rows)
    data = torch.utils.data.TensorDataset(x, y, ids)
    return torch.utils.data.DataLoader(data, batch_size=8)


def _fit(callback: ChromaCallback, root: Path, epochs: int = 2) -> Tiny:
    model = Tiny()
    trainer = lightning.Trainer(
        max_epochs=epochs,
        accelerator="cpu",
        default_root_dir=root,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        callbacks=[callback],
    )
    trainer.fit(model, _loader(N_TRAIN, 1, 0), _loader(N_VAL, 2, 1000))
    return model


def test_each_epochs_validation_embeddings_land_in_a_space(
    server: Any, project: str, tmp_path: Path
) -> None:
    callback = ChromaCallback(
        "encoder", project=project, classes=CLASSES, predictions=True, url=server.url
    )
    model = _fit(callback, tmp_path)
    # the sanity check's two batches are not logged: each epoch has the 20 rows exactly
    assert callback.logged == {"encoder@epoch-0": N_VAL, "encoder@epoch-1": N_VAL}
    first = chroma.read_vectors(project, "encoder@epoch-0", url=server.url)
    last = chroma.read_vectors(project, "encoder@epoch-1", url=server.url)
    assert sorted(last.keys or []) == sorted(str(i) for i in range(1000, 1000 + N_VAL))
    assert set(first.datasets) == {"val"}
    x, y, ids = _loader(N_VAL, 2, 1000).dataset.tensors
    with torch.no_grad():
        expected = model.encoder(x).numpy()
    by_key = dict(zip(last.keys or [], last.vectors, strict=True))
    got = np.stack([by_key[str(int(i))] for i in ids])
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)  # the trained encoder
    assert not np.allclose(first.vectors, last.vectors)  # training moved them
    points = chroma.read_datapoints(project, url=server.url).set_index("key")
    assert [points.loc[str(int(i)), "label"] for i in ids] == [CLASSES[int(c)] for c in y]
    assert set(points["prediction"]) <= set(CLASSES)


def test_every_n_epochs_and_the_train_loop(local_url: str, project: str, tmp_path: Path) -> None:
    callback = ChromaCallback(
        "encoder.0", project=project, dataloader="train", every_n_epochs=2, url=local_url
    )
    _fit(callback, tmp_path, epochs=3)
    # epoch 1 only; validation batches inside the training epoch are not logged
    assert callback.logged == {"encoder.0@epoch-1": N_TRAIN}
    keys = chroma.read_vectors(project, "encoder.0@epoch-1", url=local_url).keys or []
    assert sorted(keys, key=int) == [str(i) for i in range(N_TRAIN)]
    with pytest.raises(chroma.NotFound):
        chroma.read_vectors(project, "encoder.0@epoch-0", url=local_url)


def test_a_wrong_module_path_fails_before_training(
    local_url: str, project: str, tmp_path: Path
) -> None:
    callback = ChromaCallback("encoder.9", project=project, url=local_url)
    with pytest.raises(chroma.InvalidInput, match=r"Tiny has no module 'encoder\.9'") as caught:
        _fit(callback, tmp_path)
    assert caught.value.where == "module_path"
    assert callback.logged == {}
    with pytest.raises(chroma.NotFound):
        chroma.read_datapoints(project, url=local_url)


def test_bad_arguments() -> None:
    with pytest.raises(chroma.InvalidInput, match="dataloader must be one of"):
        ChromaCallback("encoder", project="p", dataloader="validation")  # type: ignore[arg-type]
    with pytest.raises(chroma.InvalidInput, match="every_n_epochs must be at least 1"):
        ChromaCallback("encoder", project="p", every_n_epochs=0)
