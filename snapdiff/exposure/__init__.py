"""Internet exposure of a snapshot, computed offline from stored rows (docs/exposure.md).

``compute(view)`` returns an ``ExposureReport``; ``diff_exposure(a, b)`` what became reachable
and what stopped being reachable between two snapshots, with causes.
"""

from . import incremental  # noqa: F401  (registers the rows it keeps in the row index)
from .query import ExposureReport, compute, select

__all__ = ["ExposureReport", "compute", "select"]
