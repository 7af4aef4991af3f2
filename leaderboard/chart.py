"""The "state of the art over time" chart: best score by paper date, as inline SVG made at build time.

matplotlib draws through its object API (no pyplot, so no global figure state), inside an rc_context
that fixes the SVG hash salt per chart and drops the date from the metadata: identical input gives a
byte-identical chart. The SVG is then made fit to inline in a page: element ids get a per-chart prefix
(two charts on one page must not share ids), colours become CSS variables (so the chart follows the
light or dark scheme), and it carries a <title> and an aria-label for screen readers.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass

from markupsafe import Markup, escape

from .models import Table
from .render_format import anchor_id, format_date, format_score, parse_date

# Sentinel colours drawn by matplotlib and replaced by CSS variables in the SVG text.
_COLOURS = {
    "#010101": "var(--chart-fg)",
    "#020202": "var(--chart-grid)",
    "#030303": "var(--chart-line)",
    "#040404": "var(--chart-point)",
}
_FG, _GRID, _LINE, _POINT = _COLOURS
_LABEL_CHARS = 28


@dataclass(frozen=True)
class Point:
    date: dt.date
    value: float
    model: str
    paper_id: str
    claim_index: int


@dataclass(frozen=True)
class Chart:
    """A table's chart: the inline SVG (None when no number has a full date) and what it leaves out."""

    svg: Markup | None
    records: tuple[Point, ...]  # the numbers that set a new best, in date order
    undated: int  # numbers left out because their paper has no full date (or none at all)
    description: str


def points(table: Table) -> tuple[list[Point], int]:
    """Every number behind a table's entries with its paper's date; and how many have no full date."""
    found: list[Point] = []
    undated = 0
    for entry in table.entries:
        for source in entry.sources:
            date = parse_date(source.published)
            if date is None:
                undated += 1
            else:
                found.append(Point(date, source.value, entry.model, source.paper_id, source.claim_index))
    found.sort(key=lambda p: (p.date, p.value, p.model, p.paper_id, p.claim_index))
    return found, undated


def records(found: list[Point], direction: str) -> list[Point]:
    """The points that beat every earlier one (ties on one date: the best of that date)."""
    better = (lambda a, b: a < b) if direction == "lower" else (lambda a, b: a > b)
    best: list[Point] = []
    for point in found:
        if not best or better(point.value, best[-1].value):
            if best and best[-1].date == point.date:
                best[-1] = point
            else:
                best.append(point)
    return best


def sota_chart(table: Table) -> Chart:
    """The chart of one table: a step line of the best score so far, every number as a faint dot."""
    found, undated = points(table)
    best = records(found, table.direction)
    title = f"State of the art over time: {table.benchmark_name}, {table.metric_name}"
    if table.setting:
        title += f" ({table.setting})"
    if not best:
        return Chart(None, (), undated, title)
    last = best[-1]
    description = (f"{title}. {len(best)} record{'s' if len(best) != 1 else ''} from {format_date(best[0].date.isoformat())}"
                   f" to {format_date(last.date.isoformat())}; best {format_score(last.value, table.unit)} by {last.model}"
                   f" ({'lower' if table.direction == 'lower' else 'higher'} is better).")
    svg = _draw(table, found, best)
    return Chart(Markup(_inline(svg, anchor_id("chart", table.key), title, description)), tuple(best), undated,
                 description)


def _draw(table: Table, found: list[Point], best: list[Point]) -> str:
    # matplotlib is imported here, not at module load: it takes seconds to import, and a cached
    # build that redraws no chart should not pay for it.
    import matplotlib
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, DateFormatter, date2num
    from matplotlib.figure import Figure
    from matplotlib.ticker import FixedLocator

    rc = {
        "svg.hashsalt": table.key,  # deterministic ids, different per chart
        "svg.fonttype": "none",  # real <text>: selectable, searchable, small
        "font.size": 10,
        "font.family": "sans-serif",
        "text.color": _FG,
        "axes.labelcolor": _FG,
        "axes.edgecolor": _GRID,
        "xtick.color": _FG,
        "ytick.color": _FG,
        "axes.unicode_minus": False,
    }
    with matplotlib.rc_context(rc):
        figure = Figure(figsize=(7.2, 3.0), facecolor="none", layout="constrained")
        axes = figure.add_subplot()
        axes.set_facecolor("none")
        axes.grid(True, color=_GRID, linewidth=0.5, alpha=0.6)
        axes.scatter([p.date for p in found], [p.value for p in found], s=12, color=_POINT, alpha=0.5,
                     label="reported", zorder=2)
        # Extend the last record to the newest paper so the line shows how long it has stood.
        xs = [p.date for p in best] + [found[-1].date]
        ys = [p.value for p in best] + [best[-1].value]
        axes.step(xs, ys, where="post", color=_LINE, linewidth=2, label="best so far", zorder=3)
        axes.scatter([p.date for p in best], [p.value for p in best], s=28, color=_LINE, zorder=4)
        for point in best:
            axes.annotate(_label(point.model), (point.date, point.value), textcoords="offset points",
                          xytext=(4, -11 if table.direction == "lower" else 5), fontsize=9)
        if xs[0] == xs[-1]:
            # One date only: a degenerate range; give the axis some width and label just that date.
            axes.set_xlim(xs[0] - dt.timedelta(days=30), xs[0] + dt.timedelta(days=30))
            axes.xaxis.set_major_locator(FixedLocator([date2num(xs[0])]))
            axes.xaxis.set_major_formatter(DateFormatter("%b %d, %Y"))
        else:
            locator = AutoDateLocator(minticks=3, maxticks=7)
            axes.xaxis.set_major_locator(locator)
            axes.xaxis.set_major_formatter(ConciseDateFormatter(locator))
        unit = f" ({table.unit})" if table.unit else ""
        arrow = "lower is better" if table.direction == "lower" else "higher is better"
        axes.set_ylabel(_label(f"{table.metric_name}{unit}, {arrow}", 60))
        for side in ("top", "right"):
            axes.spines[side].set_visible(False)
        axes.legend(loc="best", fontsize=9, frameon=False)
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


def _label(text: str, limit: int = _LABEL_CHARS) -> str:
    """Text safe for matplotlib: short, and `$` escaped so a name is never parsed as mathtext."""
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text.replace("\\", "\\\\").replace("$", r"\$")


_XML_PROLOGUE = re.compile(r"^.*?(?=<svg\b)", re.DOTALL)
_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.DOTALL)
_STYLE = re.compile(r"\s*<style type=\"text/css\">.*?</style>", re.DOTALL)
_IDS = re.compile(r'(\bid="|xlink:href="#|url\(#)([^")]+)')
_FONT = re.compile(r"font-family: [^;\"]*")
_SIZE = re.compile(r'<svg ([^>]*?)width="[^"]*" height="[^"]*"')


def _inline(svg: str, prefix: str, title: str, description: str) -> str:
    """Make matplotlib's stand-alone SVG document an element that can sit inside an HTML page."""
    svg = _XML_PROLOGUE.sub("", svg, count=1)
    svg = _METADATA.sub("", svg, count=1)
    svg = _STYLE.sub("", svg, count=1)
    svg = _IDS.sub(lambda m: f"{m[1]}{prefix}-{m[2]}", svg)
    svg = _FONT.sub("font-family: 'DejaVu Sans', Verdana, sans-serif", svg)
    for sentinel, variable in _COLOURS.items():
        svg = svg.replace(sentinel, variable)
    # Width comes from the stylesheet (the viewBox keeps the aspect ratio), so the chart fits a phone.
    svg = _SIZE.sub(lambda m: f'<svg {m[1]}class="chart-svg" role="img" aria-labelledby="{prefix}-title" aria-describedby="{prefix}-desc"', svg, count=1)
    head = f'<title id="{prefix}-title">{escape(title)}</title><desc id="{prefix}-desc">{escape(description)}</desc>'
    svg = svg.replace(">", ">\n " + head, 1)
    return svg.strip() + "\n"
