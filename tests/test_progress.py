"""Live progress: per-source counts reported while a (replayed) collection runs."""

from __future__ import annotations

import pytest_socket

from conftest import replay
from snapdiff.collect.progress import SourceProgress, render
from snapdiff.store import Store


def test_live_reports_per_source_counts(tmp_path):
    reports: list[dict[str, SourceProgress]] = []
    pytest_socket.disable_socket(allow_unix_socket=True)
    try:
        store = Store(tmp_path / "s.db")
        result = replay(store, "demo-week0", live=reports.append)
    finally:
        pytest_socket.enable_socket()
    assert reports
    final = reports[-1]  # reported once more after the run: the totals
    for s in result.sources:
        p = final[s["name"]]
        assert (p.requests, p.pages) == (s["requests"], s["pages"]), s["name"]
        assert p.fetches > 0
    line = render(final)
    assert "graph " in line and "req" in line
    assert len(render(final, width=40)) == 40


def test_render_skips_idle_sources_and_orders_by_requests():
    stats = {
        "a": SourceProgress(1, 1, 1),
        "b": SourceProgress(9, 3, 2),
        "idle": SourceProgress(0, 0, 0),
    }
    assert render(stats) == "b 9 req 3 pages 2 fetches | a 1 req 1 pages 1 fetches"
