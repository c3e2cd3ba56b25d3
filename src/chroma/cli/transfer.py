"""``chroma import`` and ``chroma export``: files in and out of a running server, over HTTP.

Both are thin wrappers of the SDK's ``chroma.import_file`` and ``chroma.export``; an error
is one line naming the file, column and row, never a traceback.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from chroma.cli.options import one_line_errors, server_options
from chroma.sdk import FILE_FORMATS, export, import_file

F = TypeVar("F", bound=Callable[..., Any])


def _format_option(func: F) -> F:
    return click.option(
        "--format",
        "format_",
        type=click.Choice(FILE_FORMATS),
        help="File format [default: from the extension: .parquet, .arrow/.feather/.ipc, "
        ".csv, .npy, .tsv; a folder or no extension: tf-projector].",
    )(func)


@click.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--project", required=True, help="Project to import into.")
@click.option("--dataset", required=True, help="Dataset the rows go to.")
@click.option("--space", required=True, help="Space the vectors go to.")
@_format_option
@click.option(
    "--metadata",
    type=click.Path(path_type=Path),
    help="Metadata of .npy vectors (a CSV) or of TF Projector tensors (a TSV).",
)
@click.option(
    "--vectors", type=click.Path(path_type=Path), help="Vectors of a CSV file (a .npy file)."
)
@click.option(
    "--vector-column", metavar="NAME", help="Column of vectors [default: vector or embedding]."
)
@click.option(
    "--vector-columns",
    metavar="A,B,...",
    help="Numeric columns that together form each vector (comma-separated).",
)
@click.option("--id-column", metavar="NAME", help="Column of keys [default: key or id].")
@click.option("--label-column", metavar="NAME", help="Column of labels [default: label].")
@click.option(
    "--prediction-column", metavar="NAME", help="Column of predictions [default: prediction]."
)
@click.option("--score-column", metavar="NAME", help="Column of scores [default: score].")
@click.option(
    "--metadata-columns",
    metavar="A,B,...",
    help="Columns that become metadata fields [default: every other column].",
)
@server_options
def import_command(
    file: Path,
    project: str,
    dataset: str,
    space: str,
    format_: str | None,
    metadata: Path | None,
    vectors: Path | None,
    vector_column: str | None,
    vector_columns: str | None,
    id_column: str | None,
    label_column: str | None,
    prediction_column: str | None,
    score_column: str | None,
    metadata_columns: str | None,
    url: str | None,
    token: str | None,
) -> None:
    """Import FILE (Parquet, Arrow, CSV + .npy, TF Projector TSVs) into a space.

    The whole file is checked before anything is sent: a file with a missing column, a
    value that is not a number or ragged vectors imports nothing. Rows with a key already
    in the dataset update that datapoint.
    """
    with one_line_errors():
        count = import_file(
            file,
            project=project,
            dataset=dataset,
            space=space,
            format=format_,
            metadata=metadata,
            vectors=vectors,
            vector_column=vector_column,
            vector_columns=_split(vector_columns),
            id_column=id_column,
            label_column=label_column,
            prediction_column=prediction_column,
            score_column=score_column,
            metadata_columns=_split(metadata_columns),
            url=url,
            token=token,
        )
    click.echo(f"imported {count} datapoints into {project}/{dataset} (space {space})")


def _split(names: str | None) -> list[str] | None:
    if names is None:
        return None
    return [name.strip() for name in names.split(",") if name.strip()]


@click.command("export")
@click.argument("out", type=click.Path(path_type=Path))
@click.option("--project", required=True, help="Project to export.")
@click.option("--space", required=True, help="Space whose vectors to export.")
@click.option(
    "--dataset",
    "datasets",
    multiple=True,
    help="A dataset to export; repeat for several [default: every dataset].",
)
@_format_option
@click.option(
    "--projection",
    type=int,
    metavar="ID",
    help="Add the x, y coordinates of this projection (map) of the space.",
)
@server_options
def export_command(
    out: Path,
    project: str,
    space: str,
    datasets: tuple[str, ...],
    format_: str | None,
    projection: int | None,
    url: str | None,
    token: str | None,
) -> None:
    """Export a space's datapoints to OUT: vectors, keys, labels, predictions, scores,
    tags, metadata and, with --projection, map coordinates.

    tf-projector writes OUT/tensors.tsv and OUT/metadata.tsv for the TensorFlow Embedding
    Projector; csv writes OUT (.csv) and the vectors beside it (.npy).
    """
    with one_line_errors():
        done = export(
            out,
            project=project,
            space=space,
            datasets=list(datasets) or None,
            format=format_,
            projection=projection,
            url=url,
            token=token,
        )
    files = ", ".join(str(path) for path in done.files)
    click.echo(f"exported {done.rows} datapoints to {files}")
