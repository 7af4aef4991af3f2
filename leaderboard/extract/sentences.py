"""Sentence boundaries: abbreviations and decimals do not split."""

from __future__ import annotations

import re

_SENTENCE_END = re.compile(r"[.!?](?=\s+[\"'“(\[{]?[A-Z0-9])")
# _SENTENCE_END for text without "!" or "?" (nearly every abstract): a pattern opening with one literal
# character is searched twice as fast as one opening with a class.
_FULL_STOP_END = re.compile(r"\.(?=\s+[\"'“(\[{]?[A-Z0-9])")
# A full stop after these is not a sentence end.
_ABBREVIATIONS = {"e.g", "i.e", "vs", "et al", "al", "etc", "cf", "fig", "eq", "approx", "resp", "no", "ca", "incl"}


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence; abbreviations and decimals do not split."""
    spans, start = [], 0
    for match in sentence_end_pattern(text).finditer(text):
        end = match.end()
        word = text[max(start, end - 8):end - 1].split()[-1:] or [""]
        before = word[0].lower().lstrip("(")
        if before in _ABBREVIATIONS or before.endswith(("e.g", "i.e")) or (len(before) == 1 and before.isalpha()):
            continue
        spans.append((start, end))
        start = end
        while start < len(text) and text[start].isspace():
            start += 1
    if start < len(text):
        spans.append((start, len(text)))
    return spans


def sentence_end_pattern(text: str) -> re.Pattern:
    """The pattern of the sentence ends of `text`."""
    return _SENTENCE_END if "!" in text or "?" in text else _FULL_STOP_END
