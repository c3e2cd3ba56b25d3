"""The installed version: from git tags at build time (hatch-vcs), read from the metadata.

An editable install (scripts/setup.sh) reports the version of its last install.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("chroma-embeddings")
except PackageNotFoundError:  # imported from a source tree that was never installed
    __version__ = "0.0.0+unknown"
