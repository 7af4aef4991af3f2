"""The state-of-the-art chart: records, determinism, the inline SVG's structure, and text that stays in the picture."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from itertools import combinations
from pathlib import Path
from xml.etree import ElementTree

import pytest

from leaderboard.models import Entry, SourceRef, Table
from leaderboard.render import chart as chart_module
from leaderboard.render.chart import Point, records, sota_chart
from leaderboard.render.format import anchor_id

SVG = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}href"
VIEWBOX = (518.4, 216.0)


def _table(rows, *, direction="higher", unit="%", metric="Accuracy", benchmark="mmlu", setting=None) -> Table:
    """A table with one entry per (date, value, model) row."""
    entries = []
    for index, (date, value, model) in enumerate(rows, start=1):
        source = SourceRef(f"p{index}", "A paper", date, f"c{index}", 1, model, value, "absolute", str(value),
                           "verified")
        entries.append(Entry(index, f"m{index}", model, "7B", value, unit, setting, "absolute", False, (source,)))
    return Table(benchmark, benchmark.upper(), metric.lower().replace(" ", "-"), metric, setting, direction, unit, tuple(entries))


RISING = _table([("2019-01-02", 12.5, "Alpha"), ("2020-05-02", 30.25, "Beta"), ("2020-06-01", 20.0, "Gamma"),
                 ("2021-07-09", 99.75, "Delta"), ("2023-03-01", 50.0, "Epsilon")])
FALLING = _table([("2019-01-02", 1_250_000.0, "Slow"), ("2019-05-02", 800_000.0, "Faster"),
                  ("2019-07-09", 120_000.0, "Fastest"), ("2019-08-01", 990_000.0, "Late")],
                 direction="lower", unit="tokens/s", metric="Throughput", benchmark="speed")
ONE_DATE = _table([("2024-10-15", 69.6, "WizardMath"), ("2024-10-15", 41.0, "Other")], metric="BLEU", unit=None,
                  benchmark="in22")
LONG = _table([("2019-01-02", 0.001, "Model $x^2$ \\alpha with a name far longer than any label"),
               ("2019-01-09", 0.002, "Second model with another rather long name"),
               ("2019-01-12", 0.0021, "Third, also long, and close to the second one"),
               ("2019-01-21", 0.0030, "Newest-model-with-a-long-name-at-the-right-edge")],
              metric="Mean reciprocal rank at ten over the held-out test split with filtering", unit="points",
              benchmark="retrieval", setting="zero-shot")
TABLES = [RISING, FALLING, ONE_DATE, LONG]


def _svg(table: Table) -> ElementTree.Element:
    return ElementTree.fromstring(str(sota_chart(table).svg))


def _texts(root: ElementTree.Element) -> list[tuple[str, float, float, float, str]]:
    """(text, x, baseline, font size, anchor) of every <text>."""
    found = []
    for element in root.iter(f"{SVG}text"):
        style = dict(part.strip().split(": ", 1) for part in element.get("style").split(";") if part.strip())
        found.append((element.text, float(element.get("x")), float(element.get("y")),
                      float(style["font-size"].removesuffix("px")), style.get("text-anchor", "start")))
    return found


def _box(text: str, x: float, y: float, size: float, anchor: str) -> tuple[float, float, float, float]:
    width = chart_module._width(text, size)
    start = {"start": x, "middle": x - width / 2, "end": x - width}[anchor]
    return start, start + width, y - 0.76 * size, y + 0.24 * size  # ascent and descent of DejaVu Sans


def test_records_keep_the_best_of_each_date_and_follow_direction():
    day = dt.date(2020, 1, 1)
    found = [Point(day, 1.0, "a", "p", 1), Point(day, 3.0, "b", "p", 2), Point(day + dt.timedelta(1), 2.0, "c", "p", 3),
             Point(day + dt.timedelta(2), 4.0, "d", "p", 4)]
    assert [p.model for p in records(found, "higher")] == ["b", "d"]
    assert [p.model for p in records(found, "lower")] == ["a"]


def test_chart_records_undated_and_description():
    table = _table([("2020-01-02", 10.0, "A"), ("--01-19", 90.0, "Undated"), (None, 95.0, "None"),
                    ("2021-01-02", 20.0, "B")])
    chart = sota_chart(table)
    assert [p.model for p in chart.records] == ["A", "B"]
    assert chart.undated == 2
    assert chart.description == ("State of the art over time: MMLU, Accuracy. 2 records from Jan 2, 2020 to "
                                 "Jan 2, 2021; best 20% by B (higher is better).")
    assert sota_chart(_table([(None, 1.0, "A")])).svg is None


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.key)
def test_chart_is_byte_identical_for_identical_input(table):
    assert str(sota_chart(table).svg) == str(sota_chart(table).svg)


def test_chart_is_the_same_in_a_fresh_process():
    code = ("import sys; from tests.test_chart import TABLES; from leaderboard.render.chart import sota_chart; "
            "sys.stdout.write(''.join(str(sota_chart(t).svg) for t in TABLES))")
    fresh = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           cwd=Path(__file__).parent.parent).stdout
    assert fresh == "".join(str(sota_chart(t).svg) for t in TABLES)


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.key)
def test_svg_is_an_accessible_inline_element(table):
    text = str(sota_chart(table).svg)
    assert text.startswith("<svg ") and text.endswith("</svg>\n")
    assert "<?xml" not in text and "<!DOCTYPE" not in text and "<metadata" not in text and "<style" not in text
    assert "rotate(-0" not in text
    root = ElementTree.fromstring(text)
    assert root.get("role") == "img" and root.get("class") == "chart-svg"
    assert root.get("viewBox") == "0 0 518.4 216" and root.get("width") is None and root.get("height") is None
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert root.get("aria-labelledby") == title.get("id") and root.get("aria-describedby") == desc.get("id")
    assert title.text.startswith("State of the art over time: ")
    ids = [e.get("id") for e in root.iter() if e.get("id")]
    assert len(ids) == len(set(ids))
    prefix = anchor_id("chart", table.key)
    assert title.get("id") == f"{prefix}-title"
    assert all(i.startswith(prefix + "-") for i in ids)
    for element in root.iter():
        if element.get(XLINK):
            assert element.get(XLINK)[1:] in ids
    # Colours are the page's CSS variables: no sentinel is left, and the chart's colours are all used.
    assert not re.search(r"#0[1-5]0[1-5]0[1-5]", text)
    for variable in ("--chart-fg", "--chart-grid", "--chart-line", "--chart-point"):
        assert f"var({variable})" in text


def test_charts_on_one_page_share_no_id():
    ids = [{e.get("id") for e in _svg(t).iter() if e.get("id")} for t in TABLES]
    for a, b in combinations(ids, 2):
        assert not a & b


def test_faint_dots_are_one_marker_used_at_every_point_under_one_style():
    root = _svg(RISING)
    groups = [g for g in root.iter(f"{SVG}g") if g.get("style") and g.find(f"{SVG}use") is not None]
    dots = next(g for g in groups if len(g.findall(f"{SVG}use")) == len(RISING.entries))
    assert "var(--chart-point)" in dots.get("style")
    assert len({u.get(XLINK) for u in dots.findall(f"{SVG}use")}) == 1
    assert all(u.get("style") is None for u in dots.findall(f"{SVG}use"))


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.key)
def test_text_stays_inside_the_viewbox_and_does_not_overlap(table):
    boxes = [(text, _box(text, x, y, size, anchor)) for text, x, y, size, anchor in _texts(_svg(table))]
    for text, (left, right, top, bottom) in boxes:
        assert 0 <= left and right <= VIEWBOX[0] and 0 <= top and bottom <= VIEWBOX[1], text
    for (a, p), (b, q) in combinations(boxes, 2):
        assert not (p[0] < q[1] and q[0] < p[1] and p[2] < q[3] and q[2] < p[3]), (a, b)


def test_axis_label_keeps_unit_and_direction_and_cuts_a_long_metric_name():
    texts = [t[0] for t in _texts(_svg(LONG))]
    label = next(t for t in texts if t.endswith("higher is better"))
    assert label.startswith("Mean reciprocal rank") and "…" in label and label.endswith(" (points), higher is better")
    assert "Throughput (tokens/s), lower is better" in [t[0] for t in _texts(_svg(FALLING))]
    assert "BLEU, higher is better" in [t[0] for t in _texts(_svg(ONE_DATE))]


def test_model_names_are_cut_and_never_mathtext():
    texts = [t[0] for t in _texts(_svg(LONG))]
    first = next(t for t in texts if t.startswith("Model "))
    assert first.startswith("Model $x^2$ \\alpha") and first.endswith("…") and len(first) <= 28
    assert chart_module._label("a $b$ \\c  d") == "a \\$b\\$ \\c d"  # matplotlib shows \$ as $; \c stays


def test_one_date_gets_a_month_either_side_and_a_single_labelled_date():
    texts = [t[0] for t in _texts(_svg(ONE_DATE))]
    assert "Oct 15, 2024" in texts
    assert not any(re.fullmatch(r"\d{4}|[A-Z][a-z]{2}", t) for t in texts)
    assert [p.model for p in sota_chart(ONE_DATE).records] == ["WizardMath"]


def test_record_labels_sit_above_or_below_by_direction_with_a_halo():
    for table, below in ((RISING, False), (FALLING, True)):
        text = str(sota_chart(table).svg)
        labels = re.findall(r'<text style="[^"]*paint-order: stroke[^"]*"[^>]* y="([\d.]+)">([^<]*)</text>', text)
        dots = re.findall(r'<use xlink:href="[^"]*" x="[\d.]+" y="([\d.]+)"/>', text)
        assert {m for _, m in labels} <= {p.model for p in sota_chart(table).records}
        assert len(labels) == len(sota_chart(table).records)
        record_ys = sorted({float(y) for y in dots})
        for y, _ in labels:
            nearest = min(record_ys, key=lambda r: abs(r - float(y)))
            assert (float(y) > nearest) == below  # SVG y grows downwards
            # Inside the plot: the axes leave room for the labels of the highest (or lowest) records.
            assert chart_module._TOP <= float(y) - 0.76 * 9 and float(y) + 0.24 * 9 <= VIEWBOX[1] - chart_module._BOTTOM


def test_crowded_labels_move_to_the_other_side_or_are_left_out():
    best = [Point(dt.date(2020, 1, d), float(d), f"model {d}", "p", d) for d in (1, 2, 3)]
    # Three records a point apart: the newest keeps its place, the next goes below, the oldest is left out.
    placed = chart_module._annotations(best, [10.0, 11.0, 12.0], [50.0, 51.0, 52.0], 400.0, lower=False)
    assert [(p[2], p[3][1]) for p in placed] == [("model 3", 5), ("model 2", -11)]
    # At the right edge a label goes to the left of its dot.
    edge = chart_module._annotations(best[:1], [398.0], [50.0], 400.0, lower=True)
    assert edge == [(398.0, 50.0, "model 1", (-4, -11), "right")]
