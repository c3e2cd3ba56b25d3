"""``chroma.watch``: a real PyTorch model's layer output reaches the real server."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

import chroma

torch = pytest.importorskip("torch")  # torch is in the dev extras; CI always has it

MakeRun = Callable[..., chroma.Run]
CLASSES = ["cat", "dog", "owl"]


class Net(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.hidden = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.ReLU())
        self.head = torch.nn.Linear(16, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.hidden(x))


def stored(run: chroma.Run) -> tuple[np.ndarray, object]:
    run.flush()
    vectors = run.vectors()
    frame = run.datapoints().set_index("key")
    order = np.argsort(np.asarray(vectors.keys))
    return vectors.vectors[order], frame.loc[np.asarray(vectors.keys)[order]]


def test_rows_carry_batch_fields_predictions_and_exact_vectors(make_local_run: MakeRun) -> None:
    net = Net()
    run = make_local_run()
    x = torch.randn(30, 8)
    y = torch.tensor([i % 3 for i in range(30)])
    keys = [f"s-{i:02d}" for i in range(30)]
    with chroma.watch(net.hidden, run, model=net, classes=CLASSES) as watcher:
        for start in range(0, 30, 10):
            part = slice(start, start + 10)
            with watcher.batch(ids=keys[part], labels=y[part], metadata=[{"b": start}] * 10):
                net(x[part])
        assert watcher.logged == 30
    vectors, frame = stored(run)
    with torch.no_grad():
        expected = net.hidden(x).numpy()
        probs = torch.softmax(net(x), dim=1).numpy()
    assert np.array_equal(vectors, expected)  # float32 bit for bit, in key order
    assert list(frame["label"]) == [CLASSES[i % 3] for i in range(30)]
    assert list(frame["prediction"]) == [CLASSES[i] for i in probs.argmax(axis=1)]
    np.testing.assert_allclose(frame["score"].to_numpy(), probs.max(axis=1), rtol=1e-6)
    assert [m["b"] for m in frame["metadata"]] == [10 * (i // 10) for i in range(30)]


def test_explicit_predictions_win_and_rows_without_batch_get_keys(
    make_local_run: MakeRun,
) -> None:
    net = Net()
    run = make_local_run()
    watcher = chroma.watch(net.hidden, run, model=net)
    with watcher.batch(predictions=["p"] * 4, scores=[0.5] * 4):
        net(torch.randn(4, 8))
    net(torch.randn(3, 8))  # no batch(): generated keys, predictions from the logits
    watcher.remove()
    _, frame = stored(run)
    assert len(frame) == 7
    assert sorted(frame["prediction"])[-4:] == ["p"] * 4
    assert set(frame["prediction"]) - {"p"} <= {"0", "1", "2"}
    assert (frame["score"] == 0.5).sum() == 4


def test_layer_called_outside_the_model_logs_without_predictions(
    make_local_run: MakeRun,
) -> None:
    net = Net()
    run = make_local_run()
    with chroma.watch(net.hidden, run, model=net):
        net.hidden(torch.randn(5, 8))
    _, frame = stored(run)
    assert len(frame) == 5
    assert frame["prediction"].isna().all()


@pytest.mark.parametrize(
    ("pool", "shape", "reduce"),
    [
        ("auto", (4, 6, 3, 3), lambda t: t.mean(dim=(2, 3))),  # conv: global average pool
        ("auto", (4, 5, 7), lambda t: t.mean(dim=1)),  # tokens: mean
        ("mean", (4, 5, 7), lambda t: t.mean(dim=1)),
        ("max", (4, 6, 3, 3), lambda t: t.amax(dim=(2, 3))),
        ("cls", (4, 5, 7), lambda t: t[:, 0, :]),
        ("flatten", (4, 6, 3, 3), lambda t: t.reshape(4, -1)),
        (lambda t: t[:, -1, :], (4, 5, 7), lambda t: t[:, -1, :]),
    ],
)
def test_pooling(make_local_run: MakeRun, pool: object, shape: tuple[int, ...], reduce) -> None:
    layer = torch.nn.Identity()
    run = make_local_run()
    data = torch.randn(*shape)
    with chroma.watch(layer, run, pool=pool) as watcher, watcher.batch(ids=list("abcd")):
        layer(data)
    vectors, _ = stored(run)
    np.testing.assert_allclose(vectors, reduce(data).numpy(), rtol=1e-6)


def test_tuple_output_needs_a_pool_callable(make_local_run: MakeRun) -> None:
    lstm = torch.nn.LSTM(4, 6, batch_first=True)
    run = make_local_run()
    with chroma.watch(lstm, run) as watcher, pytest.raises(chroma.InvalidInput) as caught:
        lstm(torch.randn(3, 5, 4))
    assert caught.value.where == "layer output"
    assert "tuple of 2" in str(caught.value)
    assert "pool=lambda out: out[0]" in str(caught.value)
    assert watcher.logged == 0
    with chroma.watch(lstm, run, pool=lambda out: out[0][:, -1]) as watcher:
        lstm(torch.randn(3, 5, 4))
    assert watcher.logged == 3


def test_bad_input_is_refused_in_the_forward_pass_and_logs_nothing(
    make_local_run: MakeRun,
) -> None:
    net = Net()
    run = make_local_run()
    with chroma.watch(net.hidden, run, model=net) as watcher:
        with watcher.batch(ids=["a", "b"]), pytest.raises(chroma.InvalidInput) as caught:
            net(torch.randn(3, 8))
        assert caught.value.where == "batch.ids"
        assert "ids has 2 values but the forward pass had 3 samples" in str(caught.value)
        with watcher.batch(labels=[0, 1, 2]), pytest.raises(chroma.InvalidInput) as caught:
            net(torch.randn(4, 8))
        assert caught.value.where == "batch.labels"
    vector_layer = torch.nn.Flatten(start_dim=0)  # (batch, ...) -> 1-D: no batch axis left
    with chroma.watch(vector_layer, run), pytest.raises(chroma.InvalidInput) as caught:
        vector_layer(torch.randn(2, 3))
    assert caught.value.where == "layer output"
    seq_model = torch.nn.Sequential(torch.nn.Linear(8, 4), torch.nn.Flatten(start_dim=0))
    with (
        chroma.watch(seq_model[0], run, model=seq_model),
        pytest.raises(chroma.InvalidInput) as caught,
    ):
        seq_model(torch.randn(2, 8))
    assert caught.value.where == "model output"
    run.flush()
    with pytest.raises(chroma.NotFound):  # nothing was ever logged: the space does not exist
        run.vectors()


@pytest.mark.parametrize(
    ("kwargs", "where"),
    [
        ({"pool": "average"}, "pool"),
        ({"classes": "abc"}, "classes"),
        ({"model": "net"}, "model"),
    ],
)
def test_bad_arguments(local_run: chroma.Run, kwargs: dict[str, object], where: str) -> None:
    with pytest.raises(chroma.InvalidInput) as caught:
        chroma.watch(torch.nn.Linear(2, 2), local_run, **kwargs)
    assert caught.value.where == where


def test_a_disabled_watch_has_no_hooks(make_local_run: MakeRun) -> None:
    net = Net()
    run = make_local_run()
    watcher = chroma.watch(net.hidden, run, model=net, enabled=False)
    assert not net.hidden._forward_hooks
    assert not net._forward_hooks
    assert not net._forward_pre_hooks
    net(torch.randn(5, 8))
    watcher.enabled = True
    assert len(net.hidden._forward_hooks) == 1
    net(torch.randn(2, 8))
    watcher.enabled = False
    net(torch.randn(5, 8))
    assert not net.hidden._forward_hooks
    assert not net._forward_hooks
    assert watcher.logged == 2
    _, frame = stored(run)
    assert len(frame) == 2


def test_rows_go_through_the_runs_batches(make_local_run: MakeRun) -> None:
    layer = torch.nn.Identity()
    run = make_local_run(batch_size=25)
    with chroma.watch(layer, run) as watcher:
        for _ in range(7):
            layer(torch.randn(10, 3))
    assert watcher.logged == 70
    run.flush()
    assert run.inserted == 70
