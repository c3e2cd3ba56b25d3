"""``run.log_dataframe(..., step=)``: the rows of each step go to the family's step space,
as with ``run.log(..., step=)``, and a bad step is refused before anything is sent.

Against the real shared SQLite server (the maps themselves are test_steps_sdk.py's).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

import chroma

MakeRun = Callable[..., chroma.Run]
N = 24


def _frame(step: int) -> pd.DataFrame:
    rng = np.random.default_rng(step)
    return pd.DataFrame(
        {
            "id": [f"row-{i}" for i in range(N)],
            "emb": list(rng.standard_normal((N, 4)).astype(np.float32)),
            "y": [f"class-{i % 3}" for i in range(N)],
            "epoch_loss": np.full(N, 1.0 / (step + 1)),
        }
    )


def test_log_dataframe_with_a_step_logs_into_that_steps_space(make_local_run: MakeRun) -> None:
    run = make_local_run(space="mlp")
    frames = {step: _frame(step) for step in range(2)}
    for step, frame in frames.items():
        keys = run.log_dataframe(
            frame, embedding_column="emb", id_column="id", label_column="y", step=np.int64(step)
        )
        assert keys == frame["id"].tolist()
    assert run.steps == [0, 1]
    run.flush()
    assert run.inserted == 0  # nothing went to the family's own space

    for step, frame in frames.items():
        reader = chroma.init(run.project, run.dataset, f"mlp@step={step}", url=run.url)
        try:
            read = reader.vectors()
            stored = dict(zip(read.keys, read.vectors, strict=True))
            for key, vector in zip(frame["id"], frame["emb"], strict=True):
                np.testing.assert_array_equal(stored[key], vector)  # this step's vectors
            points = reader.datapoints().set_index("key").loc[frame["id"]]
            assert points["label"].tolist() == frame["y"].tolist()
            # the other columns became metadata (the last step's values: keys are shared)
            assert {m["epoch_loss"] for m in points["metadata"]} == {0.5}
        finally:
            reader.close()


@pytest.mark.parametrize("bad", [True, 1.5, 2.0, "3", 2**31, 10**20, -1])
def test_a_bad_step_for_a_dataframe_is_refused_before_anything_is_sent(
    make_local_run: MakeRun, bad: object
) -> None:
    run = make_local_run()
    with pytest.raises(chroma.InvalidInput) as caught:
        run.log_dataframe(_frame(0), embedding_column="emb", id_column="id", step=bad)
    assert caught.value.where == "step"
    assert run.steps == []
    run.flush()
    assert run.inserted == 0
