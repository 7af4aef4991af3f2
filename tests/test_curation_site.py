"""The site's side of curation: the review queue page, status and confidence on paper pages, the
repository links, the verified counts and the verified-only filter (in real headless Chromium), and
incremental builds that follow changes of the policy, the repository URL and review decisions."""

from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from test_browser import browser_page  # noqa: F401  (a fixture)
from test_curate import queue_results

from leaderboard.build import build_site
from leaderboard.render.site import SiteOptions
from leaderboard.store.curate import Policy, verify_claim
from leaderboard.store.registry import default_registry

PROJECT_RESULTS = Path(__file__).parent.parent / "results"
REPO = "https://github.com/example/leaderboard-data"


def build(results: Path, out: Path, cache: Path | None = None, **options) -> object:
    listings = out.parent / "no-listings"
    listings.mkdir(exist_ok=True)
    return build_site([str(listings)], results, out, jobs=1, cache_dir=cache, options=SiteOptions(**options))


@pytest.fixture
def results(tmp_path) -> Path:
    """The queue's small papers, one of their claims verified, and a few of the project's papers."""
    directory = queue_results(tmp_path / "results")
    for path in sorted(PROJECT_RESULTS.glob("*.json"))[:25]:
        shutil.copy(path, directory / path.name)
    verify_claim(directory, "small-models#5", default_registry())  # Qux-2B 48.0 on GSM8K
    return directory


def body_rows(path: Path) -> list[str]:
    """The rows of the page's (last) table body, as HTML."""
    text = path.read_text(encoding="utf-8")
    body = text[text.rindex("<tbody>"):text.rindex("</tbody>")]
    return re.findall(r"<tr[^>]*>.*?</tr>", body, re.S)


def plain_text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def hrefs(fragment: str) -> list[str]:
    return [html.unescape(h) for h in re.findall(r'href="([^"]*)"', fragment)]


def test_the_queue_page_lists_unreviewed_claims_most_urgent_first(results, tmp_path):
    site = tmp_path / "site"
    build(results, site)
    rows = body_rows(site / "queue.html")
    refs = [re.search(r"<code>(.*?)</code>", row).group(1) for row in rows]
    ours = [r for r in refs if not r[0].isdigit()]  # the project's papers' claims are among them
    assert ours == ["small-models#2", "small-models#3", "other-paper#1", "small-models#4", "small-models#1"]
    first = refs.index("small-models#2")
    low = [i for i, row in enumerate(rows) if "low confidence" in plain_text(row)]
    assert low == list(range(len(low))) and first in low  # low confidence before everything else
    assert "small-models#5" not in refs  # verified: out of the queue
    assert 'class="held-back"' in rows[first]
    assert hrefs(rows[first])[0] == "papers/small-models.html#claim-2"
    assert '<a href="queue.html" aria-current="page">Review queue</a>' in (site / "queue.html").read_text("utf-8")


def test_paper_pages_show_status_confidence_and_repository_links(results, tmp_path):
    site = tmp_path / "site"
    build(results, site, repo_url=REPO)
    rows = body_rows(site / "papers" / "small-models.html")
    status = [plain_text(re.search(r'<td class="status">.*?</td>', row, re.S).group(0)) for row in rows]
    assert status[1] == "extracted low confidence" and status[4] == "✓ verified"
    assert "waits for review" in plain_text(rows[1])
    fix, report = hrefs(re.search(r'<td class="fix">.*?</td>', rows[1], re.S).group(0))
    assert fix == f"{REPO}/edit/main/results/small-models.json"
    query = parse_qs(urlsplit(report).query)
    assert urlsplit(report).path == "/example/leaderboard-data/issues/new"
    assert query["title"] == ["Claim small-models#2: Bar-3B on MMLU"]
    assert 'Evidence: "61.0%"' in query["body"][0] and " " not in report
    plain = tmp_path / "plain"
    build(results, plain)
    assert "Suggest a fix" not in (plain / "papers" / "small-models.html").read_text(encoding="utf-8")


def test_boards_count_the_verified_rows(results, tmp_path):
    site = tmp_path / "site"
    build(results, site)
    page = site / "benchmarks" / "gsm8k.html"
    count = re.search(r'<p class="checked-count">(.*?)</p>', page.read_text(encoding="utf-8"), re.S).group(1)
    assert plain_text(count).startswith("1 of 2 rows verified by a person")
    checked = {plain_text(re.search(r"<th.*?</th>", row, re.S).group(0)): re.search(r'data-checked="(\w+)"', row).group(1)
               for row in body_rows(page)}
    assert checked == {"Qux-2B": "yes", "(unnamed)": "no"}


@pytest.mark.browser
def test_a_reader_filters_a_board_to_verified_rows(results, tmp_path, browser_page):  # noqa: F811
    site = tmp_path / "site"
    build(results, site)
    page = browser_page
    page.goto((site / "benchmarks" / "gsm8k.html").as_uri())
    page.wait_for_selector("form[data-filters]:not([hidden])")
    visible = "rows => rows.filter(r => !r.hidden).map(r => r.cells[1].textContent.trim())"
    assert page.eval_on_selector_all("table[data-filterable] tbody tr", visible) == ["(unnamed)", "Qux-2B"]
    page.check("input[name=checked]")
    assert page.eval_on_selector_all("table[data-filterable] tbody tr", visible) == ["Qux-2B"]
    assert page.text_content(".filter-status") == "Showing 1 of 2 rows."
    page.uncheck("input[name=checked]")
    assert len(page.eval_on_selector_all("table[data-filterable] tbody tr", visible)) == 2


def site_tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and not p.name.startswith(".")}


def test_incremental_builds_follow_the_policy_the_repository_url_and_reviews(results, tmp_path):
    cache, site = tmp_path / "cache", tmp_path / "site"
    build(results, site, cache)
    steps = [
        ({"policy": Policy(extracted=("high",))}, None),
        ({"policy": Policy(extracted=("high",)), "repo_url": REPO}, None),
        ({"repo_url": REPO}, None),
        ({"repo_url": REPO}, "small-models#2"),  # a review decision: the low-confidence claim is published
    ]
    for number, (options, verify) in enumerate(steps):
        if verify:
            verify_claim(results, verify, default_registry())
        incremental = build(results, site, cache, **options)
        assert 0 < incremental.rendered < incremental.pages
        full = tmp_path / f"full{number}"
        build(results, full, **options)
        assert site_tree(site) == site_tree(full), options
    boards = json.loads((site / "data" / "leaderboards.json").read_text(encoding="utf-8"))
    assert "Bar-3B" in json.dumps(boards)


def test_downloads_carry_confidence_and_base_model(results, tmp_path):
    site = tmp_path / "site"
    build(results, site)
    rows = [json.loads(line) for line in (site / "data" / "claims.jsonl").read_text(encoding="utf-8").splitlines()]
    ours = {(r["paper_id"], r["model"], r["value"]): r for r in rows}
    assert ours[("small-models", "Bar-3B", 61.0)]["confidence"] == "low"
    assert ours[("small-models", "Bar-3B", 61.0)]["in_leaderboard"] is False  # held back by the policy
    assert {r["confidence"] for r in rows} <= {"high", "medium", "low", None}
    header = (site / "data" / "claims.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.endswith(",abstract_url,base_model,confidence")
