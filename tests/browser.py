"""Headless Chromium (Debian's chromium and chromium-driver) driven by selenium, for the tests
that open report pages. No network: the browser starts with every background service off and
an empty profile, and each test reads the DevTools performance log to prove no request left.

When Chromium is missing the tests fail (CI installs it in .ci/run); set
SNAPDIFF_SKIP_BROWSER=1 to skip them on a machine without it.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("SE_OFFLINE", "true")  # selenium never looks for drivers online
CHROMIUM = os.environ.get("SNAPDIFF_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("SNAPDIFF_CHROMEDRIVER", "/usr/bin/chromedriver")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1400,1000",
)


def require_browser() -> None:
    """Skip only when told to; otherwise a missing browser is a failure, not a silent skip."""
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not Path(p).is_file()]
    if not missing:
        return
    if os.environ.get("SNAPDIFF_SKIP_BROWSER") == "1":
        pytest.skip(f"SNAPDIFF_SKIP_BROWSER=1 and {', '.join(missing)} missing")
    pytest.fail(
        f"{', '.join(missing)} missing: apt-get install -y chromium chromium-driver "
        "(or SNAPDIFF_SKIP_BROWSER=1 to skip the browser tests locally)"
    )


@contextmanager
def chromium() -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    require_browser()
    profile = tempfile.mkdtemp(prefix="snapdiff-chromium-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for f in FLAGS:
        opts.add_argument(f)
    opts.add_argument(f"--user-data-dir={profile}")
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(options=opts, service=Service(executable_path=CHROMEDRIVER))
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


NETWORK = ("http:", "https:", "ws:", "wss:", "ftp:")


def requests_sent(driver: Any) -> list[str]:
    """Every URL a page asked for since the last call (DevTools Network events), and every
    network URL (http, https, ws, ftp) anything in the browser asked for. The browser's own
    internal pages (``chrome://`` resources of a new tab) are neither."""
    urls = []
    for entry in driver.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        if msg.get("method") != "Network.requestWillBeSent":
            continue
        url = msg["params"]["request"]["url"]
        doc = msg["params"].get("documentURL", "")
        if url.startswith(NETWORK) or not doc.startswith("chrome:"):
            urls.append(url)
    return urls


def console_errors(driver: Any) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
