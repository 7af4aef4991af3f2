"""Highlighted abstracts: exact HTML for nested, crossing and missing evidence; escaping; the cached mark tag."""

from __future__ import annotations

from markupsafe import Markup

from leaderboard.models import Claim, StoredClaim
from leaderboard.render.highlight import highlight_abstract, mark_open

ABSTRACT = 'Model <A> gets 50.1% on "X" and 60.2% on Y & Z.'


def _stored(evidence: str, kind: str = "absolute", status: str = "extracted", start: int | None = None) -> StoredClaim:
    begin = ABSTRACT.index(evidence) if start is None else start
    claim = Claim("A", "x", "X", "accuracy", 1.0, "%", None, None, kind, evidence, begin, begin + len(evidence))
    return StoredClaim("c", status, claim)


def test_marks_nest_merge_and_escape_exactly():
    claims = [
        _stored("Model <A> gets 50.1%"),  # crosses claim 2: widened over it
        _stored('50.1% on "X" and 60.2%', kind="cited"),  # crosses claim 4: widened over it
        _stored("60.2%", status="rejected"),  # inside claim 4
        _stored("60.2% on Y & Z", kind="delta"),
        _stored("absent", start=0),  # not in the abstract
    ]
    html, missing = highlight_abstract(ABSTRACT, claims)
    assert isinstance(html, Markup)
    assert missing == (5,)
    assert html == (
        '<mark id="claim-1" class="ev ev-absolute" data-claim="1">Model &lt;A&gt; gets '
        '<mark id="claim-2" class="ev ev-cited" data-claim="2">50.1% on &#34;X&#34; and '
        '<mark id="claim-4" class="ev ev-delta" data-claim="4">'
        '<mark id="claim-3" class="ev ev-absolute ev-rejected" data-claim="3">60.2%</mark> on Y &amp; Z'
        '</mark></mark></mark>.')


def test_an_abstract_without_found_evidence_is_escaped_text():
    escaped = 'Model &lt;A&gt; gets 50.1% on &#34;X&#34; and 60.2% on Y &amp; Z.'
    html, missing = highlight_abstract(ABSTRACT, [])
    assert (html, missing) == (escaped, ()) and isinstance(html, Markup)
    html, missing = highlight_abstract(ABSTRACT, [_stored("absent", start=0), _stored("nowhere", start=3)])
    assert (html, missing) == (escaped, (1, 2)) and isinstance(html, Markup)


def test_mark_open_escapes_the_kind_and_is_the_same_each_time():
    hostile = mark_open(7, "rejected", '"><script>')
    assert hostile == '<mark id="claim-7" class="ev ev-&#34;&gt;&lt;script&gt; ev-rejected" data-claim="7">'
    assert isinstance(hostile, Markup)
    assert mark_open(2, "verified", "cited") == '<mark id="claim-2" class="ev ev-cited" data-claim="2">'
    assert mark_open(2, "verified", "cited") is mark_open(2, "verified", "cited")  # cached
    assert mark_open(2, "rejected", "cited") != mark_open(2, "verified", "cited")
