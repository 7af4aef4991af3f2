"""The site in a real headless Chromium: sort, filter, follow a row to its evidence.

The browser is Playwright's own Chromium when `playwright install chromium` installed it (tests.yml on
GitHub's runners), else Debian's `chromium` (`.ci/run`, `./run test`). Opened from file:// (the site must
work from the file system). Without either the test is skipped locally with the reason, and fails under
CI (CI=true), where one of them is installed.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


NO_BROWSER = ("needs the playwright package and a Chromium: `playwright install --with-deps chromium`, "
              "or Debian's (apt-get install chromium)")


def _missing(reason: str):
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def debian_chromium() -> str | None:
    return shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").is_file() else None)


def launch_options(playwright) -> dict:
    """Playwright's own Chromium when it is installed (it is what that Playwright version is made
    for), else Debian's; None when there is neither."""
    if Path(playwright.chromium.executable_path).is_file():
        return {}
    executable = debian_chromium()
    return {"executable_path": executable} if executable else None


@pytest.fixture
def browser_page():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing(NO_BROWSER)

    with sync_playwright() as playwright:
        options = launch_options(playwright)
        if options is None:
            _missing(NO_BROWSER)
        browser = playwright.chromium.launch(**options, args=CHROMIUM_ARGS, timeout=15_000)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(5_000)
            yield page
        finally:
            browser.close()


def _column(page, table: str, index: int) -> list[str]:
    return page.eval_on_selector_all(
        f"{table} tbody tr", f"rows => rows.filter(r => !r.hidden).map(r => r.cells[{index}].textContent.trim())")


def test_sort_filter_and_follow_a_row_to_its_evidence(built_site, browser_page, tmp_path):
    page = browser_page
    page.goto((built_site / "benchmarks" / "mmlu.html").as_uri())
    page.wait_for_selector("form[data-filters]:not([hidden])")  # the script ran
    table = "#table--mmlu--accuracy table"
    assert _column(page, table, 3) == ["70.0%", "68.9%", "45.0%", "38.6%"]

    score = page.locator(f"{table} thead th").nth(3)
    score.locator("button").click()
    assert score.get_attribute("aria-sort") == "ascending"
    assert _column(page, table, 3) == ["38.6%", "45.0%", "68.9%", "70.0%"]
    score.locator("button").click()
    assert _column(page, table, 3) == ["70.0%", "68.9%", "45.0%", "38.6%"]
    page.locator(f"{table} thead th").nth(2).locator("button").click()  # params: numbers, unknown last
    assert _column(page, table, 2) == ["1.3B", "8.3B", "70B", "?"]

    page.get_by_label("10-70B").uncheck()
    assert "Llama 2 70B" not in _column(page, table, 1)
    assert page.locator(f"{table} tbody tr[data-size='10-70B']").first.is_hidden()
    page.get_by_label("cited").uncheck()
    assert _column(page, table, 1) == ["=HYPERLINK(\"http://evil.example\")<img src=x onerror=alert(2)>", "Megatron-LM"]
    assert "Showing 2 of 4 rows" in page.locator(".filter-status").first.text_content()
    page.get_by_label("10-70B").check()
    page.get_by_label("cited").check()
    assert len(_column(page, table, 1)) == 4
    page.screenshot(path=str(tmp_path / "benchmark.png"), full_page=True)

    row = page.locator(f"{table} tbody tr", has_text="Llama 2 70B")
    row.locator("td.score a").click()
    page.wait_for_url("**/papers/2307-llama2.html#claim-1")
    mark = page.locator("mark#claim-1")
    assert mark.is_visible() and "68.9" in mark.text_content()
    assert page.evaluate("document.querySelector(':target').id") == "claim-1"
    page.screenshot(path=str(tmp_path / "paper.png"), full_page=True)
    assert (tmp_path / "benchmark.png").stat().st_size > 0 and (tmp_path / "paper.png").stat().st_size > 0


def test_index_search_filters_benchmarks(built_site, browser_page):
    page = browser_page
    page.goto((built_site / "index.html").as_uri())
    search = page.get_by_label("Search benchmarks")
    search.fill("wt103")  # an alias
    assert _column(page, "#benchmark-list", 0) == ["WikiText-103"]
    search.fill("")
    assert len(_column(page, "#benchmark-list", 0)) == 3  # HellaSwag and PIQA have no results: registry page only



def test_registry_search_filters_as_you_type(built_site, browser_page, tmp_path):
    page = browser_page
    page.goto((built_site / "index.html").as_uri())
    page.get_by_role("link", name="6 benchmarks in the registry").click()
    search = page.get_by_label("Search the registry")  # shown only once the script ran
    assert len(_column(page, "#registry-list", 0)) == 6
    search.type("physical")  # PIQA's alias and task, keystroke by keystroke
    shown = _column(page, "#registry-list", 0)
    assert len(shown) == 1 and shown[0].startswith("PIQA")
    assert page.text_content(".filter-status") == "1 of 6 benchmarks"
    search.fill("alert(9)")  # the hostile alias is text: found, not run
    assert len(_column(page, "#registry-list", 0)) == 1
    search.fill("")
    assert len(_column(page, "#registry-list", 0)) == 6
    page.screenshot(path=str(tmp_path / "registry.png"), full_page=True)
