"""The rendered site, downloads and Markdown: pages, escaping of hostile text, determinism, CSV safety."""

from __future__ import annotations

import csv
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from conftest import HOSTILE_BENCHMARK, HOSTILE_MODEL, HOSTILE_TITLE, make_registry

from leaderboard.models import Claim, Entry, SourceRef, StoredClaim, Table
from leaderboard.render import site as site_module
from leaderboard.render.chart import sota_chart
from leaderboard.render.downloads import neutralise_cell
from leaderboard.render.format import format_date, format_number, page_name, size_class
from leaderboard.render.highlight import highlight_abstract
from leaderboard.render.markdown import markdown_text
from leaderboard.render.output import SiteError, render_markdown, render_site, site_files, write_markdown, write_site


class _Parsed(HTMLParser):
    """Every start tag with its attributes, the text, and whether tags nest properly."""

    VOID = {"meta", "link", "input", "br", "img", "hr", "path", "use", "stop", "rect", "circle", "line"}

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.marks: dict[str, str] = {}
        self._open_marks: list[tuple[str, int]] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if tag == "mark":
            self._open_marks.append((attributes.get("id") or "", len("".join(self.text))))
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
            return
        self.stack.pop()
        if tag == "mark":
            mark_id, start = self._open_marks.pop()
            self.marks[mark_id] = "".join(self.text)[start:]

    def handle_data(self, data):
        self.text.append(data)

    @property
    def all_text(self) -> str:
        return "".join(self.text)


def _html_files(site: Path) -> dict[str, str]:
    return {p.relative_to(site).as_posix(): p.read_text(encoding="utf-8") for p in sorted(site.rglob("*.html"))}


def test_every_page_is_written(built_site):
    expected = [
        "index.html", "papers.html", "models.html", "conflicts.html", "downloads.html",
        "benchmarks/mmlu.html", "benchmarks/wikitext-103.html", "benchmarks/gsm8k.html", "benchmarks/hellaswag.html",
        "papers/1909-megatron.html", "papers/2307-llama2.html", "papers/aa11bb22cc.html", "papers/ff00ee11dd.html",
        "models/llama-2-70b.html", "models/gpt-3.5.html", "models/hyperlink-evil.html",
        "data/claims.csv", "data/mmlu.csv", "data/wikitext-103.csv", "data/leaderboards.json",
        "static/site.css", "static/site.js",
    ]
    for relative in expected:
        assert (built_site / relative).is_file(), relative


def test_render_site_returns_the_written_files(site_compiled, site_registry, tmp_path):
    written = render_site(site_compiled, site_registry, tmp_path / "out")
    assert written == sorted(written)
    assert all(p.is_file() and p.is_relative_to(tmp_path / "out") for p in written)
    assert {p.relative_to(tmp_path / "out").as_posix() for p in written} == set(site_files(site_compiled, site_registry))


def test_pages_are_well_formed(built_site):
    for relative, html in _html_files(built_site).items():
        parsed = _Parsed(html)
        assert not parsed.errors, (relative, parsed.errors[:3])
        ids = [a["id"] for _, a in parsed.tags if a.get("id")]
        assert len(ids) == len(set(ids)), (relative, sorted({i for i in ids if ids.count(i) > 1}))


def test_hostile_text_is_text_only(built_site):
    for relative, html in _html_files(built_site).items():
        parsed = _Parsed(html)
        for tag, attributes in parsed.tags:
            assert tag not in {"img", "iframe", "object", "embed"}, (relative, tag)
            if tag == "script":
                assert attributes.get("src", "").endswith("static/site.js"), relative
            assert not [name for name in attributes if name.startswith("on")], (relative, tag, attributes)
            for name in ("href", "src", "action", "xlink:href"):
                value = (attributes.get(name) or "").strip().lower()
                assert not value.startswith(("javascript:", "data:", "vbscript:")), (relative, tag, value)
        assert "<script>alert" not in html and "onerror=alert" not in html.replace("onerror=alert(2)&gt;", "").replace("onerror=alert(8)&gt;", "")
    paper = _Parsed((built_site / "papers/ff00ee11dd.html").read_text(encoding="utf-8"))
    assert HOSTILE_TITLE in paper.all_text  # shown, as text
    assert '<a href="javascript:alert(4)">this</a>' in paper.all_text
    assert "[here](javascript:alert(3))" in paper.all_text
    board = _Parsed((built_site / "benchmarks/mmlu.html").read_text(encoding="utf-8"))
    assert HOSTILE_MODEL in board.all_text


def test_unsafe_external_ids_and_homepages_are_not_links(built_site):
    hostile = (built_site / "papers/ff00ee11dd.html").read_text(encoding="utf-8")
    assert "arxiv.org" not in hostile
    gsm8k = (built_site / "benchmarks/gsm8k.html").read_text(encoding="utf-8")
    assert "alert(5)" not in gsm8k  # a javascript: homepage is dropped, not linked


def test_paper_page_links_out_and_highlights_every_claim(built_site):
    html = (built_site / "papers/1909-megatron.html").read_text(encoding="utf-8")
    assert 'href="https://arxiv.org/abs/1909.08053"' in html
    assert 'href="https://huggingface.co/papers/1909.08053"' in html
    parsed = _Parsed(html)
    assert parsed.marks["claim-1"] == "perplexity of 10.8 on WikiText-103"
    assert set(parsed.marks) == {"claim-1", "claim-2", "claim-3"}
    llama = _Parsed((built_site / "papers/2307-llama2.html").read_text(encoding="utf-8"))
    # Claims 1 and 2 cross, claim 3 nests in 2, claim 5 is a delta outside every leaderboard.
    assert {f"claim-{n}" for n in range(1, 6)} <= set(llama.marks)
    for mark, number in (("claim-1", "68.9"), ("claim-2", "56.8"), ("claim-3", "56.8"), ("claim-4", "70.0"),
                         ("claim-5", "3.1")):
        assert number in llama.marks[mark], mark


def test_benchmark_rows_link_to_the_claim_anchor(built_site):
    html = (built_site / "benchmarks/mmlu.html").read_text(encoding="utf-8")
    assert 'href="../papers/2307-llama2.html#claim-4"' in html  # GPT-3.5, cited by Llama 2
    assert 'class="badge badge-cited"' in html
    assert 'href="../conflicts.html#conflict--mmlu--accuracy--llama-2-70b"' in html
    assert 'data-size="10-70B" data-kind="absolute"' in html
    conflicts = (built_site / "conflicts.html").read_text(encoding="utf-8")
    assert "68.9%" in conflicts and "69.1%" in conflicts
    assert 'href="papers/aa11bb22cc.html#claim-1"' in conflicts


def test_partial_dates_read_as_month_and_day(built_site):
    assert format_date("--01-19") == "Jan 19"
    assert format_date("2019-09-17") == "Sep 17, 2019"
    assert format_date(None) == ""
    assert "Jan 19" in (built_site / "papers/aa11bb22cc.html").read_text(encoding="utf-8")


def test_charts_are_inline_svg_with_a_title_and_leave_out_undated_papers(built_site):
    html = (built_site / "benchmarks/mmlu.html").read_text(encoding="utf-8")
    svg = re.search(r"<svg[^>]*>", html).group(0)
    assert 'role="img"' in svg and "aria-labelledby" in svg
    assert "<title id=" in html and "State of the art over time: MMLU, Accuracy" in html
    assert "1 number from papers without a full date" in html
    assert "<?xml" not in html and "<!DOCTYPE svg" not in html
    assert "http://" not in html.replace("http://www.w3.org/", "").replace("http://evil.example", "")


def test_chart_is_deterministic_and_follows_direction(site_compiled):
    wikitext = next(t for t in site_compiled.tables if t.benchmark == "wikitext-103")
    first, second = sota_chart(wikitext), sota_chart(wikitext)
    assert first.svg == second.svg
    assert [p.model for p in first.records] == ["Megatron-LM"]  # 10.8 beats 17.5 when lower is better


def test_two_renders_are_byte_identical(site_compiled, site_registry, tmp_path):
    render_site(site_compiled, site_registry, tmp_path / "a")
    render_site(site_compiled, site_registry, tmp_path / "b")
    files_a = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*") if p.is_file())
    assert files_a == files_b
    for relative in files_a:
        assert (tmp_path / "a" / relative).read_bytes() == (tmp_path / "b" / relative).read_bytes(), relative


def test_generated_stamp_only_when_given(site_compiled, site_registry):
    assert b"Generated" not in site_files(site_compiled, site_registry)["index.html"]
    assert b"Generated 2024-03-01." in site_files(site_compiled, site_registry, "2024-03-01")["index.html"]


def test_claims_csv_neutralises_formulas_and_keeps_numbers(built_site):
    text = (built_site / "data/claims.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 13
    hostile = [r for r in rows if r["paper_id"] == "ff00ee11dd"]
    assert hostile[0]["model"] == "'" + HOSTILE_MODEL
    assert hostile[2]["model"] == "'@everyone | pipes"
    assert hostile[2]["benchmark_text"] == "'-Perplexity"
    assert hostile[2]["value"] == "-2.5"  # a negative number stays a number
    assert hostile[2]["in_leaderboard"] == "False" and hostile[0]["in_leaderboard"] == "True"
    assert [r["published"] for r in rows if r["paper_id"] == "aa11bb22cc"][0] == "'--01-19"
    for row in rows:
        for column, cell in row.items():
            assert not cell.startswith(("=", "+", "@", "\t", "\r")), (column, cell)
            assert not cell.startswith("-") or column == "value", (column, cell)
    frame = pd.read_csv(built_site / "data/claims.csv")
    assert frame["value"].dtype == "float64"
    assert list(frame.columns)[:4] == ["paper_id", "paper_title", "published", "model"]


def test_csv_links_resolve_to_claim_anchors(built_site):
    rows = list(csv.DictReader(io.StringIO((built_site / "data/claims.csv").read_text(encoding="utf-8"))))
    for row in rows:
        page, anchor = row["abstract_url"].split("#")
        target = (built_site / "data" / page).resolve()
        assert target.is_file()
        assert f'id="{anchor}"' in target.read_text(encoding="utf-8")


def test_neutralise_cell():
    assert neutralise_cell("=1+1") == "'=1+1"
    assert neutralise_cell("+1") == "'+1"
    assert neutralise_cell("\tx") == "'\tx"
    assert neutralise_cell("\rx") == "'\rx"
    assert neutralise_cell("safe") == "safe"
    assert neutralise_cell(-2.5) == -2.5


def test_benchmark_csv_and_json(built_site):
    frame = pd.read_csv(built_site / "data/mmlu.csv")
    assert list(frame["rank"]) == [1, 2, 3, 4]
    assert list(frame["size_class"].fillna("")) == ["unknown", "10-70B", "<3B", "3-10B"]
    document = json.loads((built_site / "data/leaderboards.json").read_text(encoding="utf-8"))
    assert [t["key"] for t in document["tables"]] == ["gsm8k--accuracy--8-shot", "mmlu--accuracy",
                                                       "wikitext-103--perplexity"]
    assert len(document["conflicts"]) == 1 and len(document["conflicts"][0]["sources"]) == 2


def _table(model: str, paper_title: str = "A paper") -> Table:
    source = SourceRef("p1", paper_title, "2024-01-02", "c1", 1, model, 87.1, "absolute", "87.1", "verified")
    entry = Entry(1, "m", model, "7B", 87.1, "%", None, "absolute", False, (source,))
    return Table("mmlu", "MMLU", "accuracy", "Accuracy", None, "higher", "%", (entry,))


def test_markdown_tables_escape_pipes_links_html_and_mentions(tmp_path):
    hostile = "a|b [x](javascript:alert(1)) <img src=x> @bob https://evil.example www.evil.example"
    text = render_markdown([_table(hostile, paper_title="Title | with [link](http://x) @alice")])
    assert "## MMLU: Accuracy, higher is better" in text
    row = next(line for line in text.splitlines() if line.startswith("| 1"))
    header = next(line for line in text.splitlines() if line.startswith("| Rank"))
    unescaped = re.compile(r"(?<!\\)\|")
    assert len(unescaped.findall(row)) == len(unescaped.findall(header)) == 8
    assert "a\\|b" in row and "\\[x\\]\\(javascript" in row and "\\<img" in row
    assert "@bob" not in row and "@\u200bbob" in row and "@alice" not in row
    assert "https://" not in row and "www.evil" not in row
    assert "87.1%" in row and "Jan 2, 2024" in row
    path = write_markdown([_table("Model")], tmp_path / "lb.md")
    assert path.read_text(encoding="utf-8") == render_markdown([_table("Model")])


def test_markdown_of_the_fixture_is_stable(site_compiled):
    text = render_markdown(site_compiled.tables)
    assert text == render_markdown(site_compiled.tables)
    assert text.count("## ") == 3 and "⚠ conflict" in text
    assert markdown_text("line\nbreak") == "line break"


def test_overlapping_evidence_nests_or_merges():
    abstract = "Model A gets 50.1% on X and 60.2% on Y."

    def stored(evidence: str, start: int | None = None) -> StoredClaim:
        begin = abstract.index(evidence) if start is None else start
        claim = Claim("A", "x", "X", "accuracy", 1.0, "%", None, None, "absolute", evidence, begin, begin + len(evidence))
        return StoredClaim("c", "extracted", claim)

    claims = [
        stored("Model A gets 50.1%"),  # crosses the next one
        stored("50.1% on X and 60.2%"),
        stored("50.1% on X and 60.2%"),  # identical span
        stored("60.2% on Y"),  # crosses the previous ones
        stored("not in the abstract", start=0),
        stored("50.1%", start=99),  # stale offsets: found by text
    ]
    html, missing = highlight_abstract(abstract, claims)
    parsed = _Parsed(str(html))
    assert not parsed.errors and not parsed.stack
    assert missing == (5,)
    assert set(parsed.marks) == {"claim-1", "claim-2", "claim-3", "claim-4", "claim-6"}
    assert "50.1" in parsed.marks["claim-1"] and "60.2" in parsed.marks["claim-4"]
    assert "60.2" in parsed.marks["claim-2"] and "60.2" in parsed.marks["claim-3"]
    assert parsed.marks["claim-6"] == "50.1%"
    assert parsed.all_text == abstract


def test_size_classes_and_numbers():
    assert [size_class(p) for p in ("350M", "1.5B", "3B", "7B", "10B", "13B", "70B", "8x7B", "175B", None, "big")] == [
        "<3B", "<3B", "3-10B", "3-10B", "3-10B", "10-70B", "10-70B", "10-70B", ">70B", "unknown", "unknown"]
    assert format_number(70.0) == "70" and format_number(70.0, "at 70.0% on MMLU") == "70.0"
    assert format_number(-2.5, "drops by 2.50") == "-2.50"


def test_page_names_are_safe_and_distinct():
    assert page_name("llama-2-70b") == "llama-2-70b"
    unsafe = [page_name(raw) for raw in ("../etc/passwd", "GPT 4", "gpt-4!", "con", "")]
    assert all(re.fullmatch(r"[a-z0-9][a-z0-9._-]*", name) and ".." not in name for name in unsafe)
    assert len(set(unsafe)) == len(unsafe)


def test_writer_refuses_two_pages_on_one_path():
    files: dict[str, bytes] = {}
    site_module._add(files, "index.html", b"a")
    with pytest.raises(SiteError):
        site_module._add(files, "index.html", b"b")


def test_writer_refuses_unsafe_paths_and_foreign_directories(tmp_path):
    with pytest.raises(SiteError):
        write_site({"../escape.html": b"x"}, tmp_path / "site")
    foreign = tmp_path / "home"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(SiteError, match="refusing to replace"):
        write_site({"index.html": b"x"}, foreign)
    assert (foreign / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_rebuild_replaces_the_site_and_a_failed_build_keeps_the_old_one(tmp_path, monkeypatch):
    out = tmp_path / "site"
    write_site({"index.html": b"one", "old.html": b"old"}, out)
    write_site({"index.html": b"two"}, out)
    assert (out / "index.html").read_bytes() == b"two" and not (out / "old.html").exists()

    calls = []

    def failing_write(self, data):
        calls.append(self)
        if len(calls) == 2:
            raise OSError("disk full")
        return original(self, data)

    original = Path.write_bytes
    monkeypatch.setattr(Path, "write_bytes", failing_write)
    with pytest.raises(OSError):
        write_site({"a.html": b"new", "index.html": b"three"}, out)
    monkeypatch.undo()
    assert (out / "index.html").read_bytes() == b"two"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]  # no staging directory left behind


def test_downloads_offer_parquet_and_jsonl_with_the_csv_columns(built_site):
    import json

    import pandas as pd

    csv = pd.read_csv(built_site / "data" / "claims.csv")
    parquet = pd.read_parquet(built_site / "data" / "claims.parquet")
    lines = (built_site / "data" / "claims.jsonl").read_text(encoding="utf-8").splitlines()
    assert list(parquet.columns) == list(csv.columns) == list(json.loads(lines[0]))
    assert len(parquet) == len(csv) == len(lines) > 0
    downloads = (built_site / "downloads.html").read_text(encoding="utf-8")
    assert 'href="data/claims.parquet"' in downloads and 'href="data/claims.jsonl"' in downloads


def test_a_placeholder_never_leads_a_board_on_the_index(site_compiled, site_registry):
    from dataclasses import replace

    from leaderboard.render.site import _Site

    table = site_compiled.tables[0]
    leader = table.entries[0]
    unnamed = replace(leader, model="(unnamed)")
    compiled = replace(site_compiled, tables=(replace(table, entries=(unnamed, *table.entries[1:])),
                                              *site_compiled.tables[1:]))
    rows = _Site(compiled, site_registry, None).index_context()["benchmarks"]
    names = [row["leader"]["model"] for row in rows if row["leader"]]
    assert not any(name.startswith("(") for name in names)
    assert f"unnamed system of “{leader.source.paper_title}”" in names


def test_index_lists_only_benchmarks_with_leaderboards_and_counts_the_registry(built_site):
    index = (built_site / "index.html").read_text(encoding="utf-8")
    rows = re.findall(r'<th scope="row"><a href="benchmarks/([^"]+)\.html">', index)
    assert rows == ["gsm8k", "mmlu", "wikitext-103"]  # HellaSwag and PIQA have no table
    assert '<a href="registry.html">6 benchmarks in the registry</a>' in index
    assert "no results yet" not in index


def test_registry_page_lists_every_benchmark_with_sources_and_unknown_directions(built_site):
    html = (built_site / "registry.html").read_text(encoding="utf-8")
    page = _Parsed(html)
    rows = re.findall(r'<tr data-search="([^"]*)">', html)
    assert len(rows) == len(make_registry()) == 6
    for name in ("MMLU", "PIQA", "HellaSwag", HOSTILE_BENCHMARK):
        assert name in page.all_text
    assert 'href="benchmarks/mmlu.html"' in html and "Physical Interaction QA" in page.all_text
    # the generated entry: its source linked at its commit, its licence, its unknown direction marked
    assert 'href="https://github.com/stanford-crfm/helm/tree/63754d05"' in html
    assert "schema.yaml#<evil> Apache-2.0" in page.all_text
    assert '<a class="unknown" href="#unknown-direction">&lt;i&gt;Score&lt;/i&gt; (direction unknown)</a>' in html
    assert 'id="unknown-direction"' in html and "schemas/benchmarks.json" in page.all_text
    assert "Accuracy (higher)" in page.all_text and "Perplexity (lower)" in page.all_text
    assert '<a href="registry.html" aria-current="page">Registry</a>' in html


def test_a_method_on_a_base_model_is_shown_with_its_base(site_registry):
    """base_model travels from the claim to the board row and the paper page: "UnitCoder (InternLM2.5-7B)"."""
    from dataclasses import replace

    from conftest import make_compiled

    from leaderboard.compile.tables import compile_results

    results = list(make_compiled().results)
    first = results[0]
    stored = first.claims[2]  # Megatron-LM's MMLU score
    results[0] = replace(first, claims=(*first.claims[:2], replace(stored, claim=replace(stored.claim, base_model="Base-7B")),
                                        *first.claims[3:]))
    files = site_files(compile_results(tuple(results), site_registry, aliases={}), site_registry)
    shown = sorted(name for name, data in files.items() if b"Megatron-LM (Base-7B)" in data)
    assert any(name.startswith("benchmarks/") for name in shown), shown
    assert any(name.startswith("papers/") for name in shown), shown
    plain = site_files(compile_results(make_compiled().results, site_registry, aliases={}), site_registry)
    assert not any(b"(Base-7B)" in data for data in plain.values())
