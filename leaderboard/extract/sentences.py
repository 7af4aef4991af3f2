"""Sentence boundaries: abbreviations and decimals do not split."""

from __future__ import annotations

import re

# A sentence end, with the run of spaces after it as group 1 (the next sentence starts after it).
_SENTENCE_END = re.compile(r"[.!?](?=(\s+)[\"'“(\[{]?[A-Z0-9])")
# _SENTENCE_END for text without "!" or "?" (nearly every abstract): a pattern opening with one literal
# character is searched twice as fast as one opening with a class.
_FULL_STOP_END = re.compile(r"\.(?=(\s+)[\"'“(\[{]?[A-Z0-9])")
# A full stop after these is not a sentence end.
_ABBREVIATIONS = {"e.g", "i.e", "vs", "et al", "al", "etc", "cf", "fig", "eq", "approx", "resp", "no", "ca", "incl"}


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence; abbreviations and decimals do not split."""
    spans, start = [], 0
    for match in sentence_end_pattern(text).finditer(text):
        end = match.end()
        words = text[max(start, end - 8):end - 1].rsplit(None, 1)  # the word before the full stop
        word = words[-1].lower().lstrip("(") if words else ""
        if word in _ABBREVIATIONS or word.endswith(("e.g", "i.e")) or (len(word) == 1 and word.isalpha()):
            continue
        spans.append((start, end))
        start = match.end(1)
    if start < len(text):
        spans.append((start, len(text)))
    return spans


def sentence_end_pattern(text: str) -> re.Pattern:
    """The pattern of the sentence ends of `text`."""
    return _SENTENCE_END if "!" in text or "?" in text else _FULL_STOP_END
