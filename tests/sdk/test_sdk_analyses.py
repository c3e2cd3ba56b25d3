"""Quality analyses from the SDK: ``run.analyze``, ``chroma.Analysis`` and its DataFrame.

Against the real server (both dialects) and its in-process job runner.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import func, select

import chroma
from chroma.db.models import Analysis, Job
from chroma.db.store import Store

MakeRun = Callable[..., chroma.Run]
CENTRES = np.random.default_rng(5).normal(size=(3, 8)).astype(np.float32) * 4
FLIPPED = (7, 40, 71)


def clustered(n: int, seed: int) -> tuple[np.ndarray, list[str]]:
    rng = np.random.default_rng(seed)
    cluster = np.arange(n) % 3
    return (CENTRES[cluster] + 0.3 * rng.normal(size=(n, 8))).astype(np.float32), [
        f"c{c}" for c in cluster
    ]


def labelled_run(make_run: MakeRun) -> tuple[chroma.Run, list[str], list[str]]:
    """90 points in 3 clusters; labels of FLIPPED rows point at the next cluster."""
    run = make_run()
    vectors, labels = clustered(90, seed=1)
    given = list(labels)
    for i in FLIPPED:
        given[i] = f"c{(int(labels[i][1]) + 1) % 3}"
    keys = [f"img-{i}" for i in range(90)]
    run.log(vectors, ids=keys, labels=given, scores=np.linspace(0.5, 1.0, 90))
    return run, keys, labels


def counts(store: Store) -> tuple[int, int]:
    with store.read() as session:
        jobs = session.scalar(select(func.count()).select_from(Job)) or 0
        analyses = session.scalar(select(func.count()).select_from(Analysis)) or 0
    return int(jobs), int(analyses)


@pytest.mark.slow
def test_analyze_waits_and_reads_the_scores_as_a_dataframe(
    make_run: MakeRun, capsys: pytest.CaptureFixture[str]
) -> None:
    run, keys, labels = labelled_run(make_run)
    found = run.analyze("mislabels", k=8)  # flushes the run first
    assert isinstance(found, chroma.Analysis)
    assert found.ready
    assert found.kind == "mislabels"
    assert found.params == {"k": 8, "review_share": 0.05}
    assert found.space == run.space
    assert found.datasets is None
    assert found.reference is None
    assert found.row_count == 90
    assert found.summary is not None
    assert found.summary["suggestions"] >= len(FLIPPED)
    assert found.job is not None
    assert found.job.state == "succeeded"
    assert found.computed_at is not None
    assert "100%" in capsys.readouterr().err

    frame = found.to_pandas()
    assert list(frame.columns) == [
        "datapoint_id",
        "key",
        "dataset",
        "label",
        "prediction",
        "score",
        *found.columns,
    ]
    assert len(frame) == 90
    assert set(frame["key"].head(3)) == {keys[i] for i in FLIPPED}
    true_label = dict(zip(keys, labels, strict=True))
    for _, row in frame.head(3).iterrows():
        assert row["suggested_label"] == true_label[row["key"]]
        assert isinstance(row["evidence"], list)
        assert row["evidence"]
        assert {true_label[key] for key in row["evidence"]} == {row["suggested_label"]}
    assert frame["mislabel_score"].is_monotonic_decreasing
    assert set(frame["dataset"].astype(str)) == {run.dataset}

    by_agreement = found.to_pandas(order_by="label_agreement", descending=False)
    assert by_agreement["label_agreement"].is_monotonic_increasing
    assert [a.id for a in run.analyses()] == [found.id]
    assert chroma.get_analysis(found.id, url=run.url).kind == "mislabels"

    column = f"analysis.{found.id}.mislabel_score"
    points = run.create_projection("pca", progress=False).points(["key", column])
    assert points[column].dtype == np.float32
    scores = dict(zip(frame["key"], frame["mislabel_score"], strict=True))
    assert all(
        scores[key] == pytest.approx(value)
        for key, value in zip(points["key"], points[column], strict=True)
    )


@pytest.mark.slow
def test_no_wait_then_wait_recompute_and_delete(make_run: MakeRun) -> None:
    run, _, _ = labelled_run(make_run)
    started = run.analyze("duplicates", wait=False)
    assert started.state in ("queued", "computing", "ready")
    assert started.job is not None
    done = started.wait(progress=False, timeout=120)
    assert done.state == "ready"
    computed_at = done.computed_at
    run.log(clustered(5, seed=3)[0], ids=[f"late-{i}" for i in range(5)])
    run.flush()  # an Analysis is not the run: it sees what the server holds
    again = done.recompute(progress=False)
    assert again.row_count == 95
    assert again.computed_at is not None
    assert computed_at is not None
    assert again.computed_at > computed_at
    again.delete()
    with pytest.raises(chroma.NotFound):
        again.refresh()
    assert run.analyses() == []


def test_stale_after_new_rows_and_auto_refresh(make_run: MakeRun) -> None:
    run, _, _ = labelled_run(make_run)
    found = run.analyze("mislabels", k=5, progress=False)
    assert (found.stale, found.auto_refresh) == (False, True)
    run.log(clustered(5, seed=3)[0], ids=[f"late-{i}" for i in range(5)])
    run.flush()
    assert found.refresh().stale is True
    assert "stale" in repr(found)
    assert found.set_auto_refresh(False).auto_refresh is False
    assert chroma.get_analysis(found.id, url=run.url).auto_refresh is False
    assert found.recompute(progress=False).stale is False


@pytest.mark.slow
def test_label_next_ranks_come_as_nullable_ints(make_run: MakeRun) -> None:
    run, _, _ = labelled_run(make_run)
    picked = run.analyze("label_next", size=10, progress=False)
    assert picked.summary is not None
    assert len(picked.summary["picked"]) == 10
    frame = picked.to_pandas()
    assert str(frame["label_next_rank"].dtype) == "Int64"
    assert frame["label_next_rank"].head(10).tolist() == list(range(1, 11))
    assert frame["label_next_rank"].iloc[10:].isna().all()


@pytest.mark.slow
def test_outliers_need_a_reference_among_several_datasets(make_run: MakeRun, store: Store) -> None:
    run, _, _ = labelled_run(make_run)
    prod = make_run(project=run.project, dataset="prod", space=run.space)
    far = np.full((10, 8), 30.0, dtype=np.float32) + np.random.default_rng(2).normal(
        size=(10, 8)
    ).astype(np.float32)
    prod.log(far, ids=[f"far-{i}" for i in range(10)])
    prod.flush()
    with pytest.raises(chroma.InvalidInput) as missing:
        run.analyze("outliers")
    assert missing.value.where == "reference"
    assert "['prod', 'train']" in missing.value.message
    assert counts(store) == (0, 0)

    found = run.analyze("outliers", reference="train", k=5, progress=False)
    assert found.reference == ["train"]
    assert found.summary is not None
    assert found.summary["ood"]["prod"]["outside"] == 10
    prod_rows = found.to_pandas(datasets="prod")
    assert len(prod_rows) == 10
    assert prod_rows["ood"].all()
    assert prod_rows["ood"].dtype == bool


@pytest.mark.parametrize(
    ("kind", "params", "where"),
    [
        ("vibes", {}, "kind"),
        ("mislabels", {"neighbours": 5}, "params.neighbours"),
        ("mislabels", {"k": 100}, "params.k"),
        ("label_next", {"size": 0}, "params.size"),
    ],
)
def test_bad_requests_raise_before_any_job(
    make_run: MakeRun, store: Store, kind: str, params: dict[str, object], where: str
) -> None:
    run, _, _ = labelled_run(make_run)
    with pytest.raises(chroma.InvalidInput) as info:
        run.analyze(kind, **params)
    assert info.value.where == where
    assert counts(store) == (0, 0)


@pytest.mark.slow
def test_scores_that_compare_labels_need_labels(make_run: MakeRun, store: Store) -> None:
    run = make_run()
    run.log(clustered(40, seed=4)[0])
    for kind in ("mislabels", "class_distance"):
        with pytest.raises(chroma.InvalidInput) as info:
            run.analyze(kind)
        assert info.value.where == "labels"
    assert counts(store) == (0, 0)
    assert isinstance(run.analyze("duplicates", progress=False).to_pandas(), pd.DataFrame)


def test_the_analyze_docstring_example_runs(
    local_server, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = chroma.Run.analyze.__doc__ or ""
    example = textwrap.dedent(doc.split("then::", 1)[1]).strip()
    monkeypatch.setenv("CHROMA_URL", local_server.url)
    exec(compile(example, "Run.analyze example", "exec"), {})
    out = capsys.readouterr().out
    assert "mislabel_score" in out
    assert "suggested_label" in out
