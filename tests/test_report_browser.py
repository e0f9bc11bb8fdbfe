"""The report page in a real browser (headless Chromium): the demo's weekly report renders its
summary, names, filters, sorting and path graphs, with no console error and no network request;
a hostile display name stays text."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from browser import chromium, console_errors, requests_sent
from report_fixtures import EVIL, hostile_store
from snapdiff.cli import main
from snapdiff.demo import load_demo

pytestmark = pytest.mark.loopback  # selenium talks to chromedriver on 127.0.0.1

SCREENSHOTS = Path(__file__).resolve().parents[1] / "docs"


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("report")
    load_demo(d / "demo.db").store.close()
    hostile_store(d / "evil.db").close()
    out = {}
    for name, args in (
        ("demo", ["--store", str(d / "demo.db")]),
        ("overview", ["week-1", "--store", str(d / "demo.db")]),
        ("evil", ["week-a", "week-b", "--store", str(d / "evil.db")]),
    ):
        path = d / f"{name}.html"
        r = CliRunner().invoke(main, ["report", *args, "-o", str(path)])
        assert r.exit_code == 0, r.output
        out[name] = path
    return out


@pytest.fixture(scope="module")
def browser():
    with chromium() as driver:
        yield driver


def _open(driver, path: Path) -> None:
    requests_sent(driver)  # drop what came before
    console_errors(driver)
    driver.get(path.as_uri())


def _summary(driver) -> dict[str, list[str]]:
    rows = driver.find_elements("css selector", "#summary tbody tr")
    return {
        tds[0].text: [t.text for t in tds[1:]]
        for tds in (r.find_elements("tag name", "td") for r in rows)
    }


def _shown(driver) -> list[list[str]]:
    return [
        [td.text for td in tr.find_elements("tag name", "td")]
        for tr in driver.find_elements("css selector", '[data-table="changes"] tbody tr')
    ]


def test_demo_report_renders_offline(browser, pages, tmp_path):
    _open(browser, pages["demo"])
    assert browser.title == "snapdiff report"
    # The demo weeks' changes (README's access example; tests/test_diff_recorded.py).
    notes = browser.find_element("css selector", "#notes").text
    assert "Both snapshots are complete with full coverage" in notes  # the demo weeks are
    summary = _summary(browser)
    assert summary["Access"][:2] == ["20", "4 gained, 8 lost, 8 raised, 20 privileged"]
    assert summary["Access"][2] == "C9 I9 A10"  # Eve's Owner reaches an A10 resource
    assert summary["CIA tags"][0] == "4"
    assert summary["Resources"][1].startswith("3 added, 1 removed, 6 changed, 1 moved")
    rows = _shown(browser)
    assert any("Eve Contractor" in r[2] and r[0] == "access" and r[1] == "gained" for r in rows)
    # names first, the id on hover: web03 is the VM added in week 1
    [web03] = [
        td
        for td in browser.find_elements("css selector", '[data-table="changes"] td.c-name')
        if td.text == "web03"
    ]
    assert web03.get_attribute("title") == (
        "/subscriptions/3f2b7c1e-9a4d-4c8e-b5f1-2d6e8a0b4c71/resourceGroups/rg-app-prod"
        "/providers/Microsoft.Compute/virtualMachines/web03"
    )
    # Every request was the page itself; nothing logged an error.
    assert requests_sent(browser) == [pages["demo"].as_uri()]
    assert console_errors(browser) == []
    browser.save_screenshot(str(tmp_path / "demo.png"))
    assert (tmp_path / "demo.png").stat().st_size > 10_000


def test_filters_hide_rows_and_sorting_orders_by_cia(browser, pages):
    _open(browser, pages["demo"])
    # 47 changes and 4 exposure changes: 51, one more than a page holds
    assert browser.find_element("css selector", ".shown").text == "51 of 51 shown"
    assert browser.find_element("css selector", ".pageinfo").text == "page 1 of 2"
    total = len(_shown(browser))
    assert total == 50
    browser.execute_script(
        "var s=document.querySelector('.f-section'); s.value='cia';"
        "s.dispatchEvent(new Event('change'));"
    )
    rows = _shown(browser)
    assert len(rows) == 4 and {r[0] for r in rows} == {"cia"}
    assert browser.find_element("css selector", ".shown").text == "4 of 51 shown"
    browser.execute_script(
        "var s=document.querySelector('.f-section'); s.value='';"
        "s.dispatchEvent(new Event('change'));"
    )
    box = browser.find_element("css selector", ".f-text")
    box.send_keys("heidi")
    rows = _shown(browser)
    assert 0 < len(rows) < total
    assert all("heidi" in " ".join(r).lower() for r in rows)
    box.clear()
    box.send_keys("x")  # clear() sends no input event: type and delete
    box.send_keys("\b")
    assert len(_shown(browser)) == total
    browser.find_element("css selector", 'th[data-key="cia"]').click()  # highest first
    first = _shown(browser)[0]
    assert first[3] == "C9 I9 A10" and "Eve Contractor" in first[2]
    browser.execute_script(
        "var s=document.querySelector('.f-minc'); s.value='9';s.dispatchEvent(new Event('change'));"
    )
    rows = _shown(browser)
    assert rows and all(r[3].startswith("C9") or r[3].startswith("C10") for r in rows)
    assert console_errors(browser) == []


def test_path_graph_shows_principal_role_and_resource(browser, pages):
    _open(browser, pages["demo"])
    graphs = browser.find_elements("css selector", 'svg.pathgraph[id^="svg-access"]')
    assert len(graphs) == 2  # Eve's Owner and Dave's changed role reach C >= 8 resources
    eve = graphs[0]
    texts = [t.text for t in eve.find_elements("css selector", "g.node text")]
    assert "Eve Contractor" in texts and "Owner" in texts and "web01" in texts
    edges = eve.find_elements("css selector", "path.edge")
    assert edges and all(e.get_attribute("d").startswith("M") for e in edges)
    # exposure: the jumpbox's RDP path, public IP first (its CIA tag was raised in week 1)
    jump = [
        g
        for g in browser.find_elements("css selector", 'svg.pathgraph[id^="svg-exposure"]')
        if "vm-jumpbox" in g.find_element("tag name", "title").get_attribute("textContent")
    ]
    texts = [t.text for t in jump[0].find_elements("css selector", "g.node text")]
    assert texts[0] == "pip-jumpbox" and "vm-jumpbox" in texts
    # the table row links to its picture
    link = browser.find_element("css selector", '[data-table="changes"] td.graph a')
    assert link.get_attribute("href").endswith("#path-access-0")


def test_snapshot_overview(browser, pages):
    _open(browser, pages["overview"])
    assert browser.title == "snapdiff snapshot overview"
    summary = _summary(browser)
    # week 1: week 0's 76 resources (74 compared, one removed, one moved), 3 added, 1 removed
    assert summary["resources"][0] == "78"
    names = [
        tr.find_elements("tag name", "td")[0].text
        for tr in browser.find_elements("css selector", '[data-table="principals"] tbody tr')
    ]
    assert "Eve Contractor (eve.contractor@fabrikamdemo.onmicrosoft.com)" in names
    assert requests_sent(browser) == [pages["overview"].as_uri()]
    assert console_errors(browser) == []


def test_hostile_display_name_stays_text(browser, pages):
    _open(browser, pages["evil"])
    assert browser.execute_script("return window.__pwned === undefined") is True
    assert browser.find_elements("tag name", "img") == []
    assert len(browser.find_elements("tag name", "script")) == 2  # the data and the page's own
    rows = _shown(browser)
    assert any(EVIL in r[2] for r in rows)  # shown literally, as text
    title = browser.find_element("css selector", "svg.pathgraph title").get_attribute("textContent")
    assert EVIL in title
    assert requests_sent(browser) == [pages["evil"].as_uri()]
    assert console_errors(browser) == []
