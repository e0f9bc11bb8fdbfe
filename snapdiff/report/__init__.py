"""The report page: one self-contained HTML file (no network) comparing two snapshots, or an
overview of one. ``diff_report`` / ``snapshot_report`` return the page; ``graph`` lays out the
path graphs (SVG and Mermaid) the page, ``access --format mermaid`` and Markdown share."""

from .build import diff_report, render_diff, report_sections, snapshot_report

__all__ = ["diff_report", "render_diff", "report_sections", "snapshot_report"]
