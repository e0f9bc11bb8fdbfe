"""The offline builder: stored snapshot → securiCAD JSON. Never imports azure or msgraph."""

from .api import BuildResult, build, render, write_files
from .registry import kind

__all__ = ["BuildResult", "build", "kind", "render", "write_files"]
