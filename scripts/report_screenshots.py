"""Regenerate README's two screenshots of the demo report (docs/report-summary.png and
docs/report-table.png) in headless Chromium (Debian's chromium and chromium-driver).

    python scripts/report_screenshots.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # the browser helper the tests use

from browser import chromium  # noqa: E402
from snapdiff.demo import load_demo  # noqa: E402
from snapdiff.report import diff_report  # noqa: E402
from snapdiff.snapshot import SnapshotView  # noqa: E402


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        run = load_demo(Path(tmp) / "demo.db")
        page = Path(tmp) / "demo.html"
        page.write_text(
            diff_report(SnapshotView(run.store, run.week0), SnapshotView(run.store, run.week1)),
            encoding="utf-8",
        )
        run.store.close()
        with chromium() as driver:
            driver.set_window_size(1400, 900)
            driver.get(page.as_uri())
            driver.save_screenshot(str(ROOT / "docs" / "report-summary.png"))
            driver.execute_script(
                "var s=document.querySelector('.f-section'); s.value='access';"
                "s.dispatchEvent(new Event('change'));"
                "document.querySelector('th[data-key=cia]').click();"
                "document.querySelector('.tablesec').scrollIntoView();"
            )
            driver.save_screenshot(str(ROOT / "docs" / "report-table.png"))
    for name in ("report-summary.png", "report-table.png"):
        print(f"wrote docs/{name}")


if __name__ == "__main__":
    main()
