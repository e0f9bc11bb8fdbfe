"""snapdiff: offline-first Azure snapshots, securiCAD builds and diffs."""

__version__ = "0.1.0"
