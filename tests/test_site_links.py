"""A link checker over the built site: every internal href/src resolves to a file, every #anchor exists.

The site must work from the file system and under any sub-path, so links are relative: no absolute
paths, no scheme other than http(s) (which are external and not followed), no network assets.
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

LINK_ATTRIBUTES = {"href", "src", "xlink:href", "action", "poster"}


class _Links(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids: list[str] = []
        self.links: list[tuple[str, str, str]] = []  # (tag, attribute, value)

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("id", "name") and value and (name == "id" or tag == "a"):
                self.ids.append(value)
            elif name in LINK_ATTRIBUTES and value is not None:
                self.links.append((tag, name, value))


def _parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    return parser


def check_site(site: Path) -> list[str]:
    """Every broken internal link or anchor, as 'page: message' lines (empty when the site is sound)."""
    pages = {p.resolve(): _parse(p) for p in sorted(site.rglob("*.html"))}
    problems: list[str] = []
    root = site.resolve()
    for page, parsed in pages.items():
        where = page.relative_to(root).as_posix()
        duplicates = sorted({i for i in parsed.ids if parsed.ids.count(i) > 1})
        if duplicates:
            problems.append(f"{where}: duplicate ids {duplicates}")
        for tag, attribute, value in parsed.links:
            parts = urlsplit(value)
            if parts.scheme in ("http", "https") and parts.netloc:
                if tag in ("script", "link", "img") or attribute == "src":
                    problems.append(f"{where}: network asset {value}")  # no CDN, no external fonts or scripts
                continue
            if parts.scheme or parts.netloc or value.startswith("/"):
                problems.append(f"{where}: not a relative link: {value}")
                continue
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if not target.is_relative_to(root):
                problems.append(f"{where}: {value} leaves the site")
            elif not target.is_file():
                problems.append(f"{where}: {value} -> missing file")
            elif parts.fragment:
                ids = pages[target].ids if target in pages else []
                if unquote(parts.fragment) not in ids:
                    problems.append(f"{where}: {value} -> no #{parts.fragment} in {target.relative_to(root)}")
    return problems


def test_every_internal_link_and_anchor_resolves(built_site):
    assert check_site(built_site) == []


def test_every_page_is_reachable_from_the_index(built_site):
    root = built_site.resolve()
    seen: set[Path] = set()
    queue = [root / "index.html"]
    while queue:
        page = queue.pop()
        if page in seen or page.suffix != ".html":
            continue
        seen.add(page)
        for _, _, value in _parse(page).links:
            parts = urlsplit(value)
            if not parts.scheme and parts.path:
                queue.append((page.parent / unquote(parts.path)).resolve())
    assert {p for p in root.rglob("*.html")} <= seen
    assert root / "registry.html" in seen  # from every page's menu and the index's count line


def test_downloads_are_linked(built_site):
    links = {v for _, _, v in _parse(built_site / "downloads.html").links}
    assert {"data/claims.csv", "data/leaderboards.json", "data/mmlu.csv"} <= links


def test_checker_finds_broken_links(tmp_path):
    (tmp_path / "a.html").write_text(
        '<a id="x" href="b.html#nowhere">1</a><a href="missing.html">2</a><a href="#x">3</a>'
        '<a href="/abs.html">4</a><script src="https://cdn.example/x.js"></script><a href="../up.html">5</a>',
        encoding="utf-8")
    (tmp_path / "b.html").write_text('<p id="here">b</p>', encoding="utf-8")
    problems = check_site(tmp_path)
    assert len(problems) == 5, problems
