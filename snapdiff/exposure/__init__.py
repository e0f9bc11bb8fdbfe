"""Internet exposure of a snapshot, computed offline from stored rows (docs/exposure.md).

``compute(view)`` returns an ``ExposureReport``; ``diff_exposure(a, b)`` what became reachable
and what stopped being reachable between two snapshots, with causes.
"""

from .query import ExposureReport, compute, select

__all__ = ["ExposureReport", "compute", "select"]
