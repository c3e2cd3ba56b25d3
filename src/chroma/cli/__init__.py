"""Command-line interface (click): ``chroma application run``, ``chroma db ...``."""
