"""Hostile text is inert everywhere: the real build over titles, abstracts and model names written to attack.

The corpus is `tests/fixtures/hostile/page.txt` (a page dump whose titles and abstracts carry script
tags, attribute break-outs, `javascript:` links, spreadsheet formulas, path tricks and a reserved
device name) plus result files made here (model names, a tab- or CR-led title, NUL characters: text
a page dump cannot carry). `leaderboard.build.build_site` builds it into tmp_path, and every page,
CSV, Markdown table and the review report is checked.
"""

from __future__ import annotations

import csv
import io
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from leaderboard.build import build_site
from leaderboard.errors import ResultFileError
from leaderboard.extract import extract_all
from leaderboard.models import Claim, Paper, ResultFile, StoredClaim
from leaderboard.render.downloads import BENCHMARK_COLUMNS, CLAIMS_COLUMNS
from leaderboard.review import render_review_markdown, review_directories
from leaderboard.sources.ingest import ingest
from leaderboard.store.registry import default_registry
from leaderboard.store.results import load_result_file, write_result_file, write_results
from leaderboard.store.validate import validate_paths

FIXTURE = Path(__file__).parent / "fixtures" / "hostile" / "page.txt"

HOSTILE_MODELS = [
    "<script>alert(8)</script>",
    '" onmouseover="alert(9)',
    "javascript:alert(10)",
    '=HYPERLINK("http://x")',
    "+1",
    "-1+2",
    "@SUM(A1)",
    "\t=1+1",
    "\r=2+2",
    "ok\r=3+3",
    "../../etc/passwd",
    "/abs/path",
    "CON",
    "nul\x00model",
    "[click](javascript:alert(11))",
    "![img](http://evil.example/x.png)",
    "@octocat",
    "<img src=x onerror=alert(12)>",
]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NUMERIC_COLUMNS = {"value", "rank"}
RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}


def hostile_result(paper_id: str, title: str, benchmark: str = "mmlu", base: float = 30.0) -> ResultFile:
    """A valid result file whose every model name (and its title and organization) is hostile."""
    name = {"mmlu": "MMLU", "gsm8k": "GSM8K"}[benchmark]
    sentences, claims = [], []
    for n, model in enumerate(HOSTILE_MODELS):
        value = round(base + n * 0.1, 1)
        sentences.append(f"{model} scores {value}% on {name}.")
    abstract = " ".join(sentences) + " See [docs](javascript:alert(13)) and <b onclick=alert(14)>this</b>, @everyone."
    for n, model in enumerate(HOSTILE_MODELS):
        value = round(base + n * 0.1, 1)
        evidence = f"{value}% on {name}"
        start = abstract.index(evidence)
        claim = Claim(model=model, benchmark=benchmark, benchmark_text=name, metric="accuracy", value=value, unit="%",
                      setting=None, params=None, kind="absolute", evidence=evidence, start=start,
                      end=start + len(evidence))
        claims.append(StoredClaim(id=f"c{n:02d}", status="verified", claim=claim,
                                  note="<script>alert(15)</script> @octocat [x](javascript:alert(16))"))
    paper = Paper(paper_id, title, abstract, "2024-02-29", organization='"><script>alert(17)</script>')
    return ResultFile(paper=paper, claims=tuple(claims))


@pytest.fixture(scope="module")
def hostile_build(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    results = root / "results"
    write_result_file(results / "hostile-01.json", hostile_result("hostile-01", "\t=cmd|' /C calc'!A0 Tab Title"))
    write_result_file(results / "hostile-02.json",
                      hostile_result("hostile-02", "\r@SUM(A1) <script>alert(18)</script>\x00 CR Title", "gsm8k", 20.0))
    out = root / "site"
    markdown = root / "leaderboards.md"
    summary = build_site([str(FIXTURE)], results, out, markdown=markdown, jobs=1)
    return root, out, markdown, summary


# ---------------------------------------------------------------- HTML


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.script_text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))
        self._in_script = tag == "script"

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.script_text.append(data)


def _pages(out: Path) -> list[Path]:
    return sorted(p for p in out.rglob("*") if p.suffix in (".html", ".svg"))


def test_the_hostile_corpus_is_built(hostile_build):
    _root, out, _markdown, summary = hostile_build
    assert summary.papers == 12 and summary.excluded == 0
    assert summary.entries >= 2 * len(HOSTILE_MODELS)  # every hostile model name is on a leaderboard
    paper_pages = list((out / "papers").glob("*.html"))
    assert len(paper_pages) == 12


def test_no_script_handler_or_javascript_link_in_any_page(hostile_build):
    _root, out, _markdown, _summary = hostile_build
    pages = _pages(out)
    assert len(pages) > 20
    for page in pages:
        text = page.read_text(encoding="utf-8")
        collector = _Collector()
        collector.feed(text)
        for tag, attrs in collector.tags:
            if tag == "script":
                assert dict(attrs).get("src", "").endswith("static/site.js"), (page, attrs)
            for name, value in attrs:
                assert not name.startswith("on"), (page, tag, name, value)  # onmouseover, onerror, onclick
                if name in ("href", "src", "action", "formaction", "xlink:href", "srcset"):
                    scheme = re.sub(r"[\s\x00-\x1f]", "", value or "").lower()
                    assert not scheme.startswith(("javascript:", "vbscript:", "data:")), (page, tag, name, value)
            assert not (tag == "img" and dict(attrs).get("src") == "x"), page
            assert tag != "b" or not attrs, page
        assert collector.script_text == [], page  # no inline script at all
        assert "<script>alert" not in text and "<img src=x" not in text  # escaped text is fine: "&lt;img src=x"


def test_hostile_text_is_shown_escaped(hostile_build):
    _root, out, _markdown, _summary = hostile_build
    everything = "".join(p.read_text(encoding="utf-8") for p in _pages(out))
    assert "&lt;script&gt;alert(1)&lt;/script&gt; TinyLM" in everything  # the title, as text
    assert "&lt;script&gt;alert(8)&lt;/script&gt;" in everything  # a model name, as text
    assert "javascript:alert(10)" in everything  # shown, but never as a link (checked above)
    assert "=HYPERLINK(" in everything


# ---------------------------------------------------------------- CSV


def test_csv_cells_are_neutralised(hostile_build):
    _root, out, _markdown, _summary = hostile_build
    files = sorted((out / "data").glob("*.csv"))
    assert (out / "data" / "claims.csv") in files and len(files) > 2
    seen = set()
    for path in files:
        rows = list(csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8"), newline="")))
        assert rows or path.name != "claims.csv"
        for row in rows:
            assert set(row) <= set(CLAIMS_COLUMNS) | set(BENCHMARK_COLUMNS)
            for column, cell in row.items():
                if column in NUMERIC_COLUMNS:
                    float(cell)  # a number (a negative one starts with "-" and is no formula)
                else:
                    assert not cell.startswith(FORMULA_STARTS), (path.name, column, cell)
                seen.add(cell)
    for model in ("=HYPERLINK(\"http://x\")", "+1", "-1+2", "@SUM(A1)", "\t=1+1"):
        assert "'" + model in seen  # the text is kept, with the leading quote
    # A carriage return would end the row unquoted (and "=3+3" start the next): it becomes a quoted line feed.
    assert "'\n=2+2" in seen and "ok\n=3+3" in seen
    assert "'\t=cmd|' /C calc'!A0 Tab Title" in seen
    assert "<script>alert(8)</script>" in seen  # CSV is data: HTML stays as it was written


# ---------------------------------------------------------------- paths


def test_every_written_file_stays_inside_the_output_directory(hostile_build):
    root, out, markdown, _summary = hostile_build
    resolved = out.resolve()
    safe_part = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    files = [p for p in out.rglob("*")]
    assert files
    for path in files:
        assert not path.is_symlink()
        assert path.resolve().is_relative_to(resolved)
        relative = path.relative_to(out)
        for part in relative.parts:
            assert part == ".leaderboard-site" or safe_part.match(part), relative
            assert part.split(".")[0].lower() not in RESERVED, relative
            assert "\x00" not in part
    # Nothing else appeared beside the site: no passwd, no /abs/path, no lock or staging leftovers.
    assert sorted(p.name for p in root.iterdir()) == sorted(["results", "site", markdown.name])
    assert sorted(p.name for p in (root / "results").iterdir()) == ["hostile-01.json", "hostile-02.json"]
    assert not Path("/abs/path").exists()


def test_extract_write_names_result_files_by_hash(tmp_path):
    papers = ingest([FIXTURE])
    summary = write_results(tmp_path / "results", papers, extract_all(papers, default_registry()))
    assert summary.created == len(papers) == 10
    assert [p.name for p in tmp_path.iterdir()] == ["results"]
    names = [p.name for p in (tmp_path / "results").iterdir()]
    assert len(names) == 10 and all(re.fullmatch(r"[0-9a-f]{10}\.json", name) for name in names), names


@pytest.mark.parametrize("bad_id", ["../../x", "/abs/path", "CON", "nul\x00x", "..", "a/../../b"])
def test_a_result_file_with_a_path_trick_id_gives_an_issue_and_writes_nothing(tmp_path, bad_id):
    results = tmp_path / "results"
    result = hostile_result("placeholder", "A Title")
    path = results / "bad.json"
    write_result_file(path, ResultFile(paper=Paper(bad_id, "A Title", result.paper.abstract), claims=result.claims))
    loaded = load_result_file(path)  # reading it is harmless ...
    assert loaded.paper.id == bad_id
    report = validate_paths([results])  # ... validate reports it ...
    id_issues = [i for i in report.issues if i.pointer == "/id"]
    assert id_issues and all(i.severity == "error" for i in id_issues)
    assert {i.code for i in id_issues} & {"invalid-format", "file-name-mismatch"}
    with pytest.raises(ResultFileError, match="bad.json"):  # ... and build refuses it, writing nothing
        build_site([str(FIXTURE)], results, tmp_path / "site", jobs=1)
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["bad.json", "results"]


# ---------------------------------------------------------------- Markdown


def _inert_markdown_problems(text: str) -> list[str]:
    """Places where Markdown text from a result file would become a link, image, HTML or mention."""
    problems = []
    for line in text.splitlines():
        outside_code = re.sub(r"`[^`]*`", "", line)
        problems += [f"unescaped {m.group(0)!r} in {line!r}" for m in re.finditer(r"(?<!\\)[\[\]<>]", outside_code)]
        problems += [f"mention in {line!r}" for m in re.finditer(r"(?<![\w\\])@\w", outside_code)]
        problems += [f"auto-link in {line!r}" for m in re.finditer(r"(?i)\w://|\bwww\.", outside_code)]
    return problems


def test_markdown_tables_are_inert(hostile_build):
    _root, _out, markdown, _summary = hostile_build
    text = markdown.read_text(encoding="utf-8")
    assert "alert" in text  # the hostile names are there ...
    assert _inert_markdown_problems(text) == []  # ... as plain text


def test_review_markdown_cannot_inject_links_images_or_mentions(tmp_path):
    base, head = tmp_path / "base", tmp_path / "head"
    base.mkdir()
    write_result_file(head / "hostile-01.json", hostile_result("hostile-01", "[Title](javascript:alert(1)) @octocat"))
    document = (head / "hostile-01.json").read_text(encoding="utf-8")
    (head / "hostile-02.json").write_text(document.replace('"hostile-01"', '"hostile-02"').replace(
        '"verified"', '"<img src=x>"', 1), encoding="utf-8")  # an invalid file: its issues are rendered too
    report = render_review_markdown(review_directories(base, head))
    assert "octocat" in report and "alert" in report
    assert _inert_markdown_problems(report) == []
    assert "](" not in re.sub(r"`[^`]*`", "", report).replace("\\]\\(", "")
