"""The ``chroma`` command: ``chroma application run``, ``chroma worker``, ``chroma db upgrade``…

The reference in ``docs/cli.md`` is generated from the commands' ``--help``
(``make cli-docs``); a test fails when it is out of date.
"""

from __future__ import annotations

import click

from chroma._version import __version__
from chroma.cli.application import application
from chroma.cli.db import db
from chroma.cli.doctor import doctor
from chroma.cli.label_studio import label_studio
from chroma.cli.transfer import export_command, import_command
from chroma.cli.users import tokens, users
from chroma.cli.worker import worker


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="chroma", message="%(prog)s %(version)s")
def cli() -> None:
    """Chroma: log ML embeddings, explore them on a map.

    Settings come from CHROMA_* environment variables; a command's options override them.
    """


cli.add_command(application)
cli.add_command(db)
cli.add_command(doctor)
cli.add_command(export_command)
cli.add_command(import_command)
cli.add_command(label_studio)
cli.add_command(tokens)
cli.add_command(users)
cli.add_command(worker)


def main() -> None:
    cli(prog_name="chroma")


if __name__ == "__main__":
    main()
