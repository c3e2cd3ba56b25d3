"""Maps, neighbours, quality analyses, label corrections and jobs of a
:class:`~chroma.Run`'s space (a mixin of ``Run``)."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

from chroma.sdk._analyses import Analysis, start_analysis
from chroma.sdk._client import Client
from chroma.sdk._comparisons import comparison_frame, start_comparison
from chroma.sdk._corrections import fetch_corrections
from chroma.sdk._graphql import graphql
from chroma.sdk._jobs import JOB_FIELDS, Job
from chroma.sdk._jobs import wait as wait_for
from chroma.sdk._nearest import query_nearest
from chroma.sdk._projections import Projection, start_projection

if TYPE_CHECKING:
    import pandas as pd


class RunMaps:
    """What a run asks the server about its space once rows are logged."""

    project: str
    dataset: str
    space: str
    _dimension: int | None

    def _connection(self) -> AbstractContextManager[Client]:
        raise NotImplementedError

    def create_projection(
        self,
        algorithm: str = "umap",
        *,
        datasets: str | Sequence[str] | None = None,
        auto_place: bool = True,
        align_to: int | Projection | None = None,
        wait: bool = True,
        progress: bool = True,
        timeout: float | None = None,
        **params: Any,
    ) -> Projection:
        """Make a 2-D map of this run's space (a server job), and wait for it.

        Sends what is logged first, so the map includes it. The parameters are checked
        against the space's size before anything is queued.

        Args:
            algorithm: ``"umap"`` (default), ``"pca"`` (fast, linear) or ``"tsne"``.
            datasets: Dataset names to map. Default: every dataset of the space, present
                and future (train next to production shows drift).
            auto_place: Place points logged later into the map, without moving the others.
            align_to: A map of the same project (a :class:`Projection` or its id) sharing
                datapoints with this space (another model, another layer): the new map
                starts from its layout and is rotated onto it, so the same place means the
                same thing on both; its ``movement`` points column says how far each
                point moved.
            wait: Wait until the map is computed. Else return at once; follow it with
                :meth:`Projection.wait`.
            progress: Show a tqdm progress bar (on stderr) with the job's message.
            timeout: Seconds to wait at most (:class:`chroma.ChromaJobTimeout` after).
            **params: The algorithm's parameters: UMAP ``n_neighbors``, ``min_dist``,
                ``n_epochs``, ``random_state``, ...; t-SNE ``perplexity``, ``n_iter``, ...

        Returns:
            The :class:`chroma.Projection`: ``state == "ready"`` when waited for; read its
            points with :meth:`Projection.points`.

        Raises:
            InvalidInput: Unknown algorithm or parameter, or a value out of range for the
                number of points (``where`` is ``"params.<name>"``, ``"algorithm"`` or
                ``"vectors"`` for too few points). Nothing was queued.
            NotFound: The space does not exist yet (log something first), or a dataset.
            ChromaJobFailed: The computation failed (its error in the message).
            ChromaJobCancelled: Someone cancelled it.
            ChromaJobTimeout: ``timeout`` ran out first.

        Example:
            Start a server with ``chroma application run``, then::

                import numpy as np
                import chroma

                with chroma.init(project="demo", dataset="train", space="map-demo") as run:
                    ids = [f"row-{i}" for i in range(500)]
                    run.log(np.random.rand(500, 8), ids=ids, labels=[i % 3 for i in range(500)])
                    projection = run.create_projection("pca")  # waits, with a progress bar
                df = projection.points(["label"])  # columns id, x, y, placed, label
                print(len(df))  # 500
        """
        with self._connection() as client:
            projection = start_projection(
                client,
                project=self.project,
                space=self.space,
                algorithm=algorithm,
                params=params,
                datasets=datasets,
                auto_place=auto_place,
                align_to=align_to,
            )
        return projection.wait(progress=progress, timeout=timeout) if wait else projection

    def projections(self) -> list[Projection]:
        """The maps of this run's space, oldest first.

        Raises:
            NotFound: The space does not exist yet (nothing logged).
        """
        with self._connection() as client:
            return Projection.of_space(client, self.project, self.space)

    def analyze(
        self,
        kind: str,
        *,
        datasets: str | Sequence[str] | None = None,
        reference: str | Sequence[str] | None = None,
        wait: bool = True,
        timeout: float | None = None,
        progress: bool = True,
        **params: Any,
    ) -> Analysis:
        """Analyse the quality of this run's space (a server job), and wait for it.

        Sends what is logged first. Everything is checked before anything is queued;
        asking for the same analysis again (same kind, datasets, reference and params)
        computes that one again, replacing its result.

        Args:
            kind: ``"class_distance"`` (Mahalanobis distance to each labelled class),
                ``"mislabels"`` (labels their neighbours disagree with), ``"outliers"``
                (far from the reference; out-of-distribution flags), ``"duplicates"``
                (near-identical groups, leakage across datasets), ``"clusters"`` (density
                clusters of a map, described; drift between two datasets) or
                ``"label_next"`` (what to label next).
            datasets: Dataset names to analyse. Default: every dataset of the space.
            reference: The datasets scores are measured against (``class_distance``,
                ``outliers``). Default: the only dataset, when there is one.
            wait: Wait until it is computed. Else return at once (:meth:`Analysis.wait`).
            timeout: Seconds to wait at most.
            progress: Show a tqdm progress bar (on stderr) with the job's message.
            **params: The kind's parameters: ``k`` (mislabels, outliers, duplicates,
                label_next), ``review_share`` (mislabels: the share of labelled points
                given a suggested label), ``quantile`` (outliers), ``min_class_size``
                (class_distance), ``threshold`` (duplicates), ``source``, ``projection``,
                ``min_cluster_size``, ``baseline``, ``current`` (clusters), ``size``,
                ``weights``, ``candidates``, ``candidate_rows`` (label_next: ``"all"``,
                ``"unlabelled"`` or ``"labelled"``).

        Returns:
            The :class:`chroma.Analysis`; read its scores with :meth:`Analysis.to_pandas`.

        Raises:
            InvalidInput: Unknown kind (``where="kind"``) or parameter (``"params.<name>"``),
                no labels for a kind that compares them (``"labels"``), no reference
                named when the space holds several datasets (``"reference"``), too few
                points (``"datasets"``, ``"params.k"``). Nothing was queued.
            NotFound: The space or a dataset does not exist.
            ChromaJobFailed: The computation failed.

        Example:
            Start a server with ``chroma application run``, then::

                import numpy as np
                import chroma

                with chroma.init(project="demo", dataset="train", space="quality") as run:
                    vectors = np.random.rand(300, 8)
                    run.log(vectors, labels=(vectors[:, 0] > 0.5).astype(int))
                    found = run.analyze("mislabels", k=10)
                df = found.to_pandas()  # most likely mislabelled first
                print(df[["key", "label", "mislabel_score", "suggested_label"]].head())
        """
        with self._connection() as client:
            analysis = start_analysis(
                client,
                project=self.project,
                space=self.space,
                kind=kind,
                datasets=datasets,
                reference=reference,
                params=params,
            )
        return analysis.wait(progress=progress, timeout=timeout) if wait else analysis

    def analyses(self) -> list[Analysis]:
        """The quality analyses of this run's space, oldest first.

        Raises:
            NotFound: The space does not exist yet (nothing logged).
        """
        with self._connection() as client:
            return Analysis.of_space(client, self.project, self.space)

    def compare(
        self,
        space_a: str,
        space_b: str,
        k: int = 10,
        *,
        datasets: str | Sequence[str] | None = None,
        timeout: float | None = None,
        progress: bool = True,
    ) -> pd.DataFrame:
        """Compare two spaces of this run's project over the datapoints both hold (a server
        job), wait for it and read it, moved most first.

        For every shared datapoint: the overlap of its ``k`` nearest neighbours (among the
        shared datapoints) in ``space_a`` and in ``space_b``, and the labels of the
        neighbours it gained and lost. Sends what is logged first. Everything is checked
        before anything is queued; the same comparison again computes it again. It is an
        analysis of kind ``"compare"`` of ``space_a`` (``chroma.get_analysis(id)``
        recomputes or deletes it; ``analysis.<id>.moved`` colours a map of ``space_a``).

        Args:
            space_a: The first space (e.g. the old model or layer).
            space_b: The second space, of the same project.
            k: Neighbours per datapoint, 1 to 100.
            datasets: Only datapoints of these datasets. Default: every dataset.
            timeout: Seconds to wait at most.
            progress: Show a tqdm progress bar (on stderr) with the job's message.

        Returns:
            A DataFrame, one row per shared datapoint: ``datapoint_id``, ``key``,
            ``dataset``, ``label``, ``neighbour_overlap`` (0..1: the share of neighbours
            both spaces agree on), ``moved`` (1 - overlap), ``gained_labels`` and
            ``lost_labels`` (e.g. ``"cat (3), dog"``; None when none) and ``moved_rank``
            (1: moved most). ``attrs["comparison_id"]`` is the comparison's id,
            ``attrs["summary"]`` its summary: mean overlap per label and per cluster (when
            space_a has a clusters analysis) and the datapoints that moved most.

        Raises:
            InvalidInput: The same space twice or spaces sharing no datapoints
                (``where="spaceB"``), ``k`` out of range or above what the shared
                datapoints allow (``"k"``). Nothing was queued.
            NotFound: A space (``"spaceA"``, ``"spaceB"``) or dataset does not exist.
            ChromaJobFailed: The computation failed.

        Example:
            Start a server with ``chroma application run``, then::

                import numpy as np
                import chroma

                vectors = np.random.rand(300, 8)
                keys = [f"img-{i}" for i in range(300)]
                labels = (vectors[:, 0] > 0.5).astype(int)
                with chroma.init(project="demo", dataset="train", space="model-v1") as run:
                    run.log(vectors, ids=keys, labels=labels)
                with chroma.init(project="demo", dataset="train", space="model-v2") as run:
                    run.log(vectors ** 2, ids=keys, labels=labels)
                    df = run.compare("model-v1", "model-v2", k=10)
                print(df[["key", "label", "moved", "gained_labels", "lost_labels"]].head())
                print(df.attrs["summary"]["labels"])  # mean overlap per label
        """
        with self._connection() as client:
            comparison = start_comparison(
                client,
                project=self.project,
                space_a=space_a,
                space_b=space_b,
                k=k,
                datasets=datasets,
            )
        return comparison_frame(comparison.wait(progress=progress, timeout=timeout))

    def corrections(self, *, include_undone: bool = False) -> pd.DataFrame:
        """The label corrections of this run's project: decisions people made in the
        review queue (or over GraphQL), oldest first.

        Args:
            include_undone: Also the corrections that were undone (``undone_by`` says who;
                ``re-logged`` when a batch logged another label since).

        Returns:
            Columns ``correction_id``, ``key``, ``dataset``, ``decision`` (``relabel``,
            ``confirm``, ``unsure``), ``label_before``, ``label`` (after the decision),
            ``source``, ``by``, ``at``, ``undone_at``, ``undone_by``.

        Raises:
            NotFound: The project does not exist yet.

        Example::

            fixed = run.corrections()
            fixed[fixed.decision == "relabel"][["key", "label_before", "label"]]
        """
        with self._connection() as client:
            return fetch_corrections(client, self.project, include_undone=include_undone)

    def build_index(
        self, *, wait: bool = True, progress: bool = True, timeout: float | None = None
    ) -> Job:
        """Build this space's nearest-neighbour index and kNN graph (a server job).

        Queries work without one (exactly, while the space is small); the index makes them
        fast on large spaces and gives UMAP its neighbour graph. The server keeps it current
        after ingest on its own.

        Args:
            wait: Wait for the build. Else return the queued :class:`chroma.Job`.
            progress: Show a progress bar while waiting.
            timeout: Seconds to wait at most.

        Returns:
            The :class:`chroma.Job` (``result``: ``{"indexed": n, "graph_k": k}`` when done).

        Raises:
            NotFound: The space does not exist yet.
            ChromaJobFailed: The build failed.

        Example::

            job = run.build_index()
            print(job.result["indexed"])
        """
        query = (
            "mutation ($project: String!, $space: String!) { "
            f"buildNeighbourIndex(project: $project, space: $space) {{ {JOB_FIELDS} }} }}"
        )
        with self._connection() as client:
            job = Job.of(
                graphql(client, query, project=self.project, space=self.space)[
                    "buildNeighbourIndex"
                ]
            )
            if wait:
                job = wait_for(client, job, progress=progress, timeout=timeout)
        return job

    def nearest(
        self,
        key: str | None = None,
        vector: Any = None,
        *,
        k: int = 10,
        datasets: str | Sequence[str] | None = None,
        labels: Any = None,
        tags: str | Sequence[str] | None = None,
        datapoint_id: int | None = None,
    ) -> pd.DataFrame:
        """The ``k`` datapoints of this space nearest to a logged datapoint or a vector.

        Args:
            key: The client key of a datapoint of this run's dataset (an ``ids`` value
                given to :meth:`log`, or a key it returned). It is left out of the answer.
            vector: A query vector of the space's dimension instead.
            k: How many neighbours, 1 to 1000.
            datasets: Only datapoints of these datasets (default: every dataset).
            labels: Only datapoints with one of these labels.
            tags: Only datapoints carrying one of these tags.
            datapoint_id: A server datapoint id instead of ``key`` (e.g. from ``points()``).

        Returns:
            A DataFrame, nearest first, with the columns ``key``, ``dataset``, ``label``,
            ``prediction``, ``distance`` (1 - cosine similarity for cosine spaces) and
            ``id`` (the datapoint id); fewer than ``k`` rows when fewer pass the filters.

        Raises:
            InvalidInput: Not exactly one of key / vector / datapoint_id, a vector of the
                wrong length, ``k`` out of range.
            NotFound: Unknown key, dataset or space.

        Example::

            run.nearest("img-3", k=5)  # the five datapoints most like img-3
            run.nearest(vector=query, k=20, labels=["cat"], datasets=["production"])
        """
        with self._connection() as client:
            return query_nearest(
                client,
                project=self.project,
                space=self.space,
                key=key,
                dataset=self.dataset,
                datapoint_id=datapoint_id,
                vector=vector,
                dimension=self._dimension,
                k=k,
                datasets=datasets,
                labels=labels,
                tags=tags,
            )
