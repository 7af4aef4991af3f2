"""The template machinery made for speed: the shared page chrome, the cached kind badge, dict lookups,
paper.html's own copy of the layout and the papers list. Each must give what plain Jinja would."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from conftest import HOSTILE_TITLE, make_compiled, make_registry
from jinja2 import Environment, StrictUndefined, UndefinedError
from markupsafe import escape

from leaderboard.render.site import KIND_LABELS, environment, site_builder

_TITLE = re.compile(r"<title>.*?</title>", re.S)
_MAIN = re.compile(r'<main id="main">\n.*</main>', re.S)


def _render(site, path: str) -> str:
    for page, _inputs, make in site.outputs():
        if page == path:
            return make().decode("utf-8")
    raise AssertionError(path)


def _layout(html: str) -> str:
    return _MAIN.sub("<main/>", _TITLE.sub("<title/>", html))


@pytest.fixture
def site():
    return site_builder(make_compiled(), make_registry(), "2024-03-01")


def test_paper_pages_have_the_layout_of_base_html(site):
    # paper.html writes out base.html's layout instead of extending it: the two must stay in step.
    paper = _render(site, "papers/1909-megatron.html")
    model = _render(site, "models/megatron-lm.html")
    assert _layout(paper) == _layout(model)
    assert "<title>Megatron-LM: Training Multi-Billion Parameter Language Models · leaderboard</title>" in paper
    assert paper.endswith("</main>\n<footer class=\"site\">\n<p>Every number links to the sentence of the abstract "
                          "it was read from. Numbers are extracted from abstracts and reviewed; check the paper before "
                          "you cite one. Generated 2024-03-01.</p>\n</footer>\n</body>\n</html>\n")
    hostile = _render(site, "papers/ff00ee11dd.html")
    assert f"<title>{escape(HOSTILE_TITLE)} · leaderboard</title>" in hostile
    assert _layout(hostile) == _layout(model)


def test_the_shared_chrome_marks_only_the_current_page(site):
    # One rendering of the chrome serves every page of a depth: it must not carry one page's nav state to another.
    for path, current in (("papers.html", "papers.html"), ("papers/1909-megatron.html", None),
                          ("models.html", "models.html"), ("index.html", "index.html"),
                          ("models/megatron-lm.html", None), ("papers.html", "papers.html"),
                          ("conflicts.html", "conflicts.html")):
        html = _render(site, path)
        marked = re.findall(r'<a href="([^"]*)" aria-current="page">', html)
        assert marked == ([current] if current else []), path
        root = "../" if "/" in path else ""
        assert f'<link rel="stylesheet" href="{root}static/site.css">' in html
        assert f'<a class="brand" href="{root}index.html">' in html


def test_the_kind_badge_filter_is_the_macro():
    env = environment()
    macro = env.get_template("_macros.html").module.kind_badge
    badge = env.filters["kind_badge"]
    for kind in ("absolute", "cited", "delta", "absolute", '"><script>x</script>'):
        assert badge(kind, KIND_LABELS) == macro(kind, KIND_LABELS), kind
    assert "<script>" not in badge('"><script>x</script>', KIND_LABELS)
    assert badge("cited", {"cited": "quoted"}) == macro("cited", {"cited": "quoted"})  # the label is part of the key
    assert "quoted" in badge("cited", {"cited": "quoted"}) and "quoted" not in badge("cited", KIND_LABELS)


@pytest.mark.parametrize("source", [
    "{{ d.x }}", "{{ d.get('x') }}", "{{ d.get('nope', 'default') }}", "{{ d['x'] }}", "{{ o.x }}",
    "{{ d.items is defined }}", "{{ d.keys()|list|length }}", "{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}",
    "{{ shadow.items is callable }}", "{{ shadow['items'] }}",
])
def test_lookups_answer_as_in_plain_jinja(source):
    plain = Environment(autoescape=True, undefined=StrictUndefined)
    values = {"d": {"x": "<b>", "y": 2}, "o": SimpleNamespace(x="<i>"), "shadow": {"items": "mine"}}
    assert environment().from_string(source).render(values) == plain.from_string(source).render(values)


@pytest.mark.parametrize("source", ["{{ d.nope }}", "{{ o.nope }}", "{{ d.x.nope }}"])
def test_missing_names_are_still_errors(source):
    with pytest.raises(UndefinedError):
        environment().from_string(source).render(d={"x": "y"}, o=SimpleNamespace())


def test_the_papers_list_has_a_row_per_paper_in_order(site):
    html = _render(site, "papers.html")
    rows = re.findall(r'<tr><th scope="row"><a href="([^"]+)">(.*?)</a></th><td data-sort="([^"]*)">(.*?)</td>'
                      r'<td class="num">(\d+)</td><td class="num">(\d+)</td></tr>\n', html)
    assert [r[0] for r in rows] == [f"papers/{p}.html" for p in sorted(r.paper.id for r in make_compiled().results)]
    hostile = next(r for r in rows if r[0] == "papers/ff00ee11dd.html")
    assert hostile[1] == escape(HOSTILE_TITLE)
    megatron = next(r for r in rows if r[0] == "papers/1909-megatron.html")
    assert megatron[2:] == ("2019-09-17", "Sep 17, 2019", "3", "3")
    assert html.count("<tr><th scope=\"row\">") == len(rows)
    assert "<tbody>\n<tr>" in html and "</tr>\n</tbody>" in html
