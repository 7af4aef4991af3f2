"""The "state of the art over time" chart: best score by paper date, as inline SVG made at build time.

matplotlib draws through its object API (no pyplot, so no global figure state), inside an rc_context
that fixes the SVG hash salt per chart and drops the date from the metadata: identical input gives a
byte-identical chart. It draws plain artists at places worked out here (see _draw), which is several times
cheaper than an Axes with a layout engine. The SVG is then made fit to inline in a page: element ids get a
per-chart prefix (two charts on one page must not share ids), colours become CSS variables (so the chart
follows the light or dark scheme), and it carries a <title> and a <desc> for screen readers."""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass
from math import isfinite, nan

from markupsafe import Markup, escape

from ..models import Table
from .format import anchor_id, format_date, format_score, parse_date

# Sentinel colours drawn by matplotlib and replaced by CSS variables in the SVG text.
_COLOURS = {
    "#010101": "var(--chart-fg)",
    "#020202": "var(--chart-grid)",
    "#030303": "var(--chart-line)",
    "#040404": "var(--chart-point)",
    "#050505": "var(--chart-fg)",  # the record labels, which also get a halo of the page background
}
_FG, _GRID, _LINE, _POINT, _HALO = _COLOURS
_HALO_STYLE = f"fill: {_HALO}", "fill: var(--chart-fg); stroke: var(--bg); stroke-width: 3px; paint-order: stroke"
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


# The figure, in points (the SVG backend draws at 72 dpi, so a point is a viewBox unit). It is drawn from
# plain artists placed here, with no matplotlib Axes: a layout engine lays the figure out and draws it twice,
# and an Axes costs more than the whole chart (its ticks alone are five artists each). The margins are fixed
# (the top band holds the axis label and the legend, the bottom one the dates) but for the left one, sized from
# the y tick labels; matplotlib's locators and formatters still choose the ticks; text is measured with the
# font's own advance widths, and placed by its baseline and text-anchor so a browser font lines up too.
_WIDTH, _HEIGHT = 518.4, 216.0
_TOP, _BOTTOM, _RIGHT, _EDGE = 31.0, 33.0, 16.0, 5.0
_BAND = _HEIGHT - 17.0  # baseline of the axis label and the legend
_PAD = 5.0  # from the axes to a tick label
_TEXT_SIZE, _SMALL_SIZE = 10.0, 9.0
_SLACK = 1.12  # text is measured in DejaVu Sans; a browser may fall back to the wider Verdana
_LABEL_ROOM = 17.0  # points between a record and the axes edge on the side its label is drawn
_DOT_ROOM = 7.0  # points on the other side
_RC = {
    "svg.fonttype": "none",  # real <text>: selectable, searchable, small
    "font.size": _TEXT_SIZE,
    "font.family": "sans-serif",
    "text.color": _FG,
    "axes.unicode_minus": False,  # "-", as the tables write numbers
}


def warm_up() -> None:
    """Import matplotlib and open the font: most of what the first chart of a process costs (a
    build's chart worker does it while the inputs are read)."""
    import matplotlib.backends.backend_svg  # noqa: F401
    import matplotlib.dates  # noqa: F401
    import matplotlib.figure  # noqa: F401

    _width("0", _TEXT_SIZE)


def _draw(table: Table, found: list[Point], best: list[Point]) -> str:
    """The chart's stand-alone SVG document."""
    # matplotlib is imported here, not at module load: it takes seconds to import, and a cached
    # build that redraws no chart should not pay for it.
    import matplotlib
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, date2num, num2date
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.ticker import MaxNLocator, ScalarFormatter
    from matplotlib.transforms import Affine2D

    lower = table.direction == "lower"
    # The y range: room for the record labels (above the records, below them when lower is better).
    ys = [p.value for p in found]
    y0, y1 = min(finite := [y for y in ys if isfinite(y)] or [0.0]), max(finite)
    if y0 == y1:
        half = abs(y0) * 0.05 or 0.5
        y0, y1 = y0 - half, y1 + half
    bottom, top, right = _BOTTOM, _HEIGHT - _TOP, _WIDTH - _RIGHT
    height = top - bottom
    span = (y1 - y0) / (1 - (_LABEL_ROOM + _DOT_ROOM) / height)
    under, over = (_LABEL_ROOM, _DOT_ROOM) if lower else (_DOT_ROOM, _LABEL_ROOM)
    y0, y1 = y0 - span * under / height, y1 + span * over / height

    with matplotlib.rc_context({**_RC, "svg.hashsalt": table.key}):  # deterministic ids, different per chart
        epoch = date2num(found[0].date) - found[0].date.toordinal()  # date2num, without its cost per point
        xs = [p.date.toordinal() + epoch for p in found]
        # The x range: the dates with a little air, or a month either side of a lone date.
        x0, x1 = xs[0], xs[-1]
        pad = (x1 - x0) * 0.03 or 30.0
        x0, x1 = x0 - pad, x1 + pad
        if xs[0] == xs[-1]:  # one date: label just that date
            xticks, xlabels, offset = [xs[0]], [found[0].date.strftime("%b %d, %Y")], ""
        else:
            locator = AutoDateLocator(minticks=3, maxticks=7)
            xticks = [t for t in locator.tick_values(num2date(x0), num2date(x1)) if x0 <= t <= x1]
            dates = ConciseDateFormatter(locator)
            xlabels, offset = dates.format_ticks(xticks), dates.get_offset()
        yticks = [t for t in MaxNLocator(nbins=6).tick_values(y0, y1) if y0 <= t <= y1]
        numbers = ScalarFormatter(useOffset=False)  # plain numbers: no offset or power of ten to read apart
        numbers.set_scientific(False)
        numbers.create_dummy_axis()
        numbers.axis.set_view_interval(y0, y1)
        ylabels = numbers.format_ticks(yticks)
        left = _EDGE + _PAD + max((_width(text, _TEXT_SIZE) for text in ylabels), default=0.0)
        width = right - left

        def px(x: float) -> float:  # data to points
            return left + (x - x0) / (x1 - x0) * width

        def py(y: float) -> float:
            return bottom + (y - y0) / (y1 - y0) * height

        figure = Figure(figsize=(_WIDTH / 72, _HEIGHT / 72))
        figure.patch.set_visible(False)
        points = Affine2D().scale(1 / 72) + figure.dpi_scale_trans

        def line(xdata: list[float], ydata: list[float], **style) -> None:
            figure.add_artist(Line2D(xdata, ydata, transform=points, **style))

        def text(x: float, y: float, content: str, **style) -> None:
            figure.text(x, y, content, transform=points, **style)

        # The grid (one path: NaN breaks it between lines), the axes, the tick labels.
        line([v for x in xticks for v in (px(x), px(x), nan)] + [v for _ in yticks for v in (left, right, nan)],
             [v for _ in xticks for v in (bottom, top, nan)] + [v for y in yticks for v in (py(y), py(y), nan)],
             color=_GRID, linewidth=0.5, alpha=0.6, zorder=1)
        line([left, left, right], [top, bottom, bottom], color=_GRID, linewidth=0.8, zorder=1.5)
        for x, content in zip(xticks, xlabels, strict=True):
            text(px(x), bottom - _PAD - 8, content, ha="center")
        if offset:
            text(right, bottom - _PAD - 21, offset, ha="right")
        for y, content in zip(yticks, ylabels, strict=True):
            text(left - _PAD, py(y) - 3.6, content, ha="right")

        # Every number as a faint dot (one marker path, used at each point); the best so far as a step line
        # extended to the newest paper, so it shows how long the last record has stood; the records as dots.
        line([px(x) for x in xs], [py(y) for y in ys], linestyle="none", marker="o", markersize=4.5,
             markeredgewidth=0, color=_POINT, alpha=0.5, zorder=2)
        rx = [p.date.toordinal() + epoch for p in best]
        ry = [p.value for p in best]
        line([px(x) for x in rx + [xs[-1]]], [py(y) for y in ry + [ry[-1]]], drawstyle="steps-post", color=_LINE,
             linewidth=2, zorder=3)
        line([px(x) for x in rx], [py(y) for y in ry], linestyle="none", marker="o", markersize=6.5,
             markeredgewidth=0, color=_LINE, zorder=4)
        for x, y, content, (dx, dy), align in _annotations(best, [px(x) - left for x in rx],
                                                             [py(y) - bottom for y in ry], width, lower):
            text(left + x + dx, bottom + y + dy, _escape(content), ha=align, fontsize=_SMALL_SIZE, color=_HALO,
                 zorder=5)

        # The top band: what the y axis measures at the left, the legend at the right.
        legend = right - sum(20 + _width(name, _SMALL_SIZE) for name in ("reported", "best so far")) - 12
        x = legend
        line([x + 8], [_BAND + 3], linestyle="none", marker="o", markersize=4.5, markeredgewidth=0, color=_POINT,
             alpha=0.5)
        text(x + 20, _BAND, "reported", fontsize=_SMALL_SIZE)
        x += 20 + _width("reported", _SMALL_SIZE) + 12
        line([x + 1, x + 15], [_BAND + 3] * 2, color=_LINE, linewidth=2)
        text(x + 20, _BAND, "best so far", fontsize=_SMALL_SIZE)
        # The unit and the direction are kept whole; a long metric name is cut instead.
        unit = f" ({_clean(table.unit, 16)})" if table.unit else ""
        suffix = f"{unit}, {'lower' if lower else 'higher'} is better"
        room = legend - 16 - _EDGE - _width(suffix, _TEXT_SIZE)
        text(_EDGE, _BAND, _label(table.metric_name, 40, room) + _escape(suffix))
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


def _annotations(best: list[Point], xs: list[float], ys: list[float], width: float,
                 lower: bool) -> list[tuple[float, float, str, tuple[int, int], str]]:
    """Where each record's model name goes (`xs`, `ys`: the records in points from the axes' corner).

    Newest record first: beside its dot on the label side (above, below when lower is better; to the left of
    the dot near the right edge), else on the other side; left out when both overlap a label already placed
    (every record is also listed under the chart).
    """
    placed: list[tuple[float, float, float, float]] = []
    out = []
    for point, x, y in reversed(list(zip(best, xs, ys, strict=True))):
        text = _clean(point.model)
        w = _width(text, _SMALL_SIZE)
        right = x + 4 + w <= width + _RIGHT - 2
        for dy in ((-11, 5) if lower else (5, -11)):
            box = ((x + 4, x + 4 + w) if right else (x - 4 - w, x - 4)) + (y + dy - 3, y + dy + 9)
            if not any(box[0] < b[1] and b[0] < box[1] and box[2] < b[3] and b[2] < box[3] for b in placed):
                placed.append(box)
                out.append((x, y, text, (4, dy) if right else (-4, dy), "left" if right else "right"))
                break
    return out


_FONT_FILE: list = []  # DejaVu Sans, opened once per process
_ADVANCES: dict[str, float] = {}  # character -> advance width in ems


def _width(text: str, size: float) -> float:
    """The width of `text` in points at `size`: measured in DejaVu Sans (the chart's first font), with slack."""
    em = 0.0
    for char in text:
        advance = _ADVANCES.get(char)
        if advance is None:
            if not _FONT_FILE:
                from matplotlib.font_manager import FontProperties, findfont
                from matplotlib.ft2font import FT2Font

                _FONT_FILE.append(FT2Font(findfont(FontProperties(family=["DejaVu Sans"]))))
                _FONT_FILE[0].set_size(100, 72)
            font = _FONT_FILE[0]
            code = ord(char)
            # A character DejaVu Sans lacks comes from a fallback font: count it a full em (CJK is that wide).
            advance = font.load_char(code).linearHoriAdvance / 6553600 if font.get_char_index(code) else 1.0
            _ADVANCES[char] = advance
        em += advance
    return em * size * _SLACK


def _clean(text: str, limit: int = _LABEL_CHARS, room: float | None = None, size: float = _TEXT_SIZE) -> str:
    """`text` on one line, cut with an ellipsis to `limit` characters and, when given, to `room` points."""
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    if room is not None and _width(text, size) > room:
        text = text.removesuffix("…")
        while text and _width(text + "…", size) > room:
            text = text[:-1]
        text = text.rstrip() + "…"
    return text


def _label(text: str, limit: int = _LABEL_CHARS, room: float | None = None, size: float = _TEXT_SIZE) -> str:
    """Text safe for matplotlib: short, and `$` escaped so a name is never parsed as mathtext."""
    return _escape(_clean(text, limit, room, size))


def _escape(text: str) -> str:
    """`$` escaped, so matplotlib never parses the text as mathtext (it shows `\\$` as `$`)."""
    return text.replace("$", r"\$")


_XML_PROLOGUE = re.compile(r"^.*?(?=<svg\b)", re.DOTALL)
_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.DOTALL)
_STYLE = re.compile(r"\s*<style type=\"text/css\">.*?</style>", re.DOTALL)
_IDS = re.compile(r'(\bid="|xlink:href="#|url\(#)([^")]+)')
_FONT = re.compile(r"font-family: [^;\"]*")
_SIZE = re.compile(r'<svg ([^>]*?)width="[^"]*" height="[^"]*"')
_GROUP_IDS = re.compile(r'<g id="[^"]*">')  # no group id is ever referenced
_NO_ROTATION = re.compile(r' transform="rotate\(-0 [^"]*\)"')
_MARKERS = re.compile(r'<g>((?:\s*<use [^>]*? style="([^"]*)"/>)+)(\s*</g>)')
_MARKER_STYLE = re.compile(r' style="[^"]*"/>')


def _shared_style(match: re.Match) -> str:
    """A group of markers that all have the same style, with the style once on the group."""
    uses, style, end = match[1], match[2], match[3]
    if uses.count(f' style="{style}"/>') != uses.count("<use "):
        return match[0]
    return f'<g style="{style}">{_MARKER_STYLE.sub("/>", uses)}{end}'


def _inline(svg: str, prefix: str, title: str, description: str) -> str:
    """Make matplotlib's stand-alone SVG document an element that can sit inside an HTML page."""
    svg = _XML_PROLOGUE.sub("", svg, count=1)
    svg = _METADATA.sub("", svg, count=1)
    svg = _STYLE.sub("", svg, count=1)
    svg = _GROUP_IDS.sub("<g>", svg)
    svg = _NO_ROTATION.sub("", svg)
    svg = _MARKERS.sub(_shared_style, svg)
    svg = _IDS.sub(lambda m: f"{m[1]}{prefix}-{m[2]}", svg)
    svg = _FONT.sub("font-family: 'DejaVu Sans', Verdana, sans-serif", svg)
    svg = svg.replace(*_HALO_STYLE)  # a label stays legible over the dots and the grid
    for sentinel, variable in _COLOURS.items():
        svg = svg.replace(sentinel, variable)
    # Width comes from the stylesheet (the viewBox keeps the aspect ratio), so the chart fits a phone.
    svg = _SIZE.sub(lambda m: f'<svg {m[1]}class="chart-svg" role="img" aria-labelledby="{prefix}-title" aria-describedby="{prefix}-desc"', svg, count=1)
    head = f'<title id="{prefix}-title">{escape(title)}</title><desc id="{prefix}-desc">{escape(description)}</desc>'
    svg = svg.replace(">", ">\n " + head, 1)
    return svg.strip() + "\n"
