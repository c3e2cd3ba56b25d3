"""``python -m chroma``: the same as the ``chroma`` command."""

from chroma.cli.main import main

main()
