"""``chroma label-studio export`` and ``chroma label-studio import``: the Label Studio round
trip from a shell, over HTTP.

Thin wrappers of ``chroma.export_label_studio`` and ``chroma.import_label_studio``. A group
of its own rather than ``chroma export label-studio``: ``chroma export OUT`` takes a path,
and a folder named ``label-studio`` is a valid TF Projector export.
"""

from __future__ import annotations

from pathlib import Path

import click

from chroma.cli.options import one_line_errors, server_options
from chroma.integrations.label_studio import export_label_studio, import_label_studio


@click.group("label-studio")
def label_studio() -> None:
    """Send datapoints to Label Studio and bring its annotations back as label corrections."""


@label_studio.command("export")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--project", required=True, help="Project to export from.")
@click.option(
    "--dataset",
    "datasets",
    multiple=True,
    help="A dataset to export from; repeat for several [default: every dataset].",
)
@click.option("--key", "keys", multiple=True, help="Only this key; repeat for several.")
@click.option("--tag", help="Only the datapoints with this tag.")
@click.option(
    "--query",
    metavar="EXPR",
    help="Only the rows of the datapoints table that match this pandas query, e.g. 'score < 0.5'.",
)
@click.option(
    "--control",
    default="label",
    show_default=True,
    help="Name of the Choices control in the labeling config.",
)
@click.option(
    "--config",
    "config_out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the labeling config (XML) to this file [default: print it].",
)
@server_options
def export_command(
    out: Path,
    project: str,
    datasets: tuple[str, ...],
    keys: tuple[str, ...],
    tag: str | None,
    query: str | None,
    control: str,
    config_out: Path | None,
    url: str | None,
    token: str | None,
) -> None:
    """Write a selection of datapoints to OUT as Label Studio tasks (JSON).

    Each task holds the text (or image URL) to label, the datapoint's key and dataset, and
    its current label and the model's prediction as pre-annotations. Import OUT into a
    Label Studio project whose labeling config is the one printed (or written to
    --config). Nothing is written when the selection is empty or a datapoint has neither
    text nor image.
    """
    with one_line_errors():
        done = export_label_studio(
            out,
            project=project,
            datasets=list(datasets) or None,
            keys=list(keys) or None,
            tag=tag,
            query=query,
            control=control,
            url=url,
            token=token,
        )
    click.echo(f"exported {len(done.tasks)} tasks to {out}")
    if config_out is not None:
        config_out.parent.mkdir(parents=True, exist_ok=True)
        config_out.write_text(done.config + "\n")
        click.echo(f"labeling config written to {config_out}")
    else:
        click.echo("labeling config (Label Studio: Settings > Labeling Interface > Code):")
        click.echo(done.config)


@label_studio.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--project", required=True, help="Project the tasks were exported from.")
@click.option(
    "--control",
    default="label",
    show_default=True,
    help="The Choices control whose choice is the label.",
)
@click.option(
    "--any-control",
    is_flag=True,
    help="Take the one class chosen in any Choices control instead of --control.",
)
@server_options
def import_command(
    file: Path,
    project: str,
    control: str,
    any_control: bool,
    url: str | None,
    token: str | None,
) -> None:
    """Record the classes chosen in Label Studio's JSON export FILE as label corrections.

    FILE is Label Studio's JSON export of tasks made by `chroma label-studio export`. Each
    task's latest annotation that was not cancelled relabels its datapoint (or confirms
    its label), recorded with source label-studio. Everything is checked first and sent
    at once: on any error nothing is changed. Tasks without an annotation are listed as
    skipped.
    """
    with one_line_errors():
        done = import_label_studio(
            file, project=project, control=None if any_control else control, url=url, token=token
        )
    click.echo(
        f"recorded {len(done.corrections)} corrections in {project}: {done.relabelled} "
        f"relabelled, {done.confirmed} confirmed; {len(done.skipped)} tasks skipped"
    )
    for skipped in done.skipped:
        click.echo(
            f"skipped task {skipped.task} ({skipped.key!r} of {skipped.dataset!r}): "
            f"{skipped.reason}"
        )
