"""How values read on the site and in downloads: dates, scores, model sizes, page names and links.

Pure helpers shared by the HTML, CSV, JSON and Markdown renderers, so that a number or a date reads
the same everywhere. The date and model-size helpers are cached: a site of 100k papers asks for the
same few thousand dates and sizes hundreds of thousands of times (their answers are immutable).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
from functools import lru_cache
from urllib.parse import quote, urlsplit

from ..ids import MONTHS, is_safe_id, slugify

_FULL_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_PARTIAL_DATE = re.compile(r"^--(\d{2})-(\d{2})$")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")

SIZE_CLASSES = ("<3B", "3-10B", "10-70B", ">70B", "unknown")
# "8B", "1.5 B", "350M", "1.2T", "8x7B" (mixture of experts: total parameters are the product)
_PARAMS = re.compile(r"(?:(\d+)\s*[x×]\s*)?(\d+(?:\.\d+)?)\s*([KMBT])\b", re.IGNORECASE)
_SCALE = {"k": 1e3, "m": 1e6, "b": 1e9, "t": 1e12}

# arXiv ids: new style 2401.01234v2, old style hep-th/9901001; Hugging Face paper pages use the same ids.
_ARXIV_ID = re.compile(r"^(?:\d{4}\.\d{4,5}|[a-z][a-z.-]*/\d{7})(?:v\d+)?$", re.IGNORECASE)


@lru_cache(maxsize=4096)
def parse_date(text: str | None) -> dt.date | None:
    """The calendar date of an ISO date string, or None for partial, missing or invalid dates."""
    match = _FULL_DATE.match(text or "")
    if not match:
        return None
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


@lru_cache(maxsize=4096)
def format_date(text: str | None) -> str:
    """"2019-09-17" -> "Sep 17, 2019"; the partial date "--01-19" -> "Jan 19"; None -> ""."""
    if not text:
        return ""
    full = parse_date(text)
    if full:
        return f"{MONTHS[full.month - 1]} {full.day}, {full.year}"
    partial = _PARTIAL_DATE.match(text)
    if partial and 1 <= int(partial[1]) <= 12:
        return f"{MONTHS[int(partial[1]) - 1]} {int(partial[2])}"
    return text


@lru_cache(maxsize=4096)
def date_sort_key(text: str | None) -> str:
    """A string that sorts dates in time order: partial dates (no year) before full ones, missing first."""
    if parse_date(text):
        return text  # type: ignore[return-value]
    partial = _PARTIAL_DATE.match(text or "")
    return f"0000-{partial[1]}-{partial[2]}" if partial else ""


def format_number(value: float, evidence: str | None = None) -> str:
    """`value` as the paper wrote it when the evidence shows it ("70.0"), else its shortest form ("70")."""
    if not math.isfinite(value):
        return str(value)
    for token in _NUMBER.findall(evidence or ""):
        # The paper's own digits keep its precision: 70.0 is not 70 in a results table.
        if float(token) == abs(value):
            return ("-" if value < 0 else "") + token
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def model_with_base(model: str, base_model: str | None) -> str:
    """A model as the site names it: with the base model a method was applied to, "UnitCoder (InternLM2.5-7B)"."""
    return f"{model} ({base_model})" if base_model else model


def format_score(value: float, unit: str | None, evidence: str | None = None) -> str:
    """A score with its unit: "87.1%", "3.2 points", "18.3"."""
    number = format_number(value, evidence)
    if not unit:
        return number
    return number + unit if unit == "%" else f"{number} {unit}"


@lru_cache(maxsize=1024)
def params_count(params: str | None) -> float | None:
    """The number of parameters that "8B", "350M" or "8x7B" stands for, or None when it cannot be read."""
    match = _PARAMS.search(params or "")
    if not match:
        return None
    experts = int(match[1]) if match[1] else 1
    return experts * float(match[2]) * _SCALE[match[3].lower()]


@lru_cache(maxsize=1024)
def size_class(params: str | None) -> str:
    """The model-size class the tables filter on: <3B, 3-10B (3B to 10B), 10-70B (above 10B to 70B), >70B."""
    count = params_count(params)
    if count is None:
        return "unknown"
    billions = count / 1e9
    if billions < 3:
        return "<3B"
    if billions <= 10:
        return "3-10B"
    if billions <= 70:
        return "10-70B"
    return ">70B"


def page_name(raw_id: str) -> str:
    """A file-name-safe id for a page: the id itself when safe, else its slug plus a short hash.

    The hash keeps two unsafe ids that slugify alike ("GPT 4" and "gpt-4!") on different pages.
    """
    if is_safe_id(raw_id):
        return raw_id
    digest = hashlib.sha1(raw_id.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{slugify(raw_id, max_length=60)}-{digest}"


def anchor_id(*parts: str) -> str:
    """An HTML id built from data (table keys, model ids): slugs only, so it is always a valid fragment."""
    return "--".join(map(page_name, parts))


def arxiv_url(arxiv_id: str | None) -> str | None:
    """https://arxiv.org/abs/<id>, or None when the id is not a well-formed arXiv id."""
    if arxiv_id and _ARXIV_ID.match(arxiv_id):
        return "https://arxiv.org/abs/" + quote(arxiv_id, safe="./")
    return None


def hf_url(hf_id: str | None) -> str | None:
    """https://huggingface.co/papers/<id>, or None when the id is not a well-formed paper id."""
    if hf_id and _ARXIV_ID.match(hf_id):
        return "https://huggingface.co/papers/" + quote(hf_id, safe="./")
    return None


def safe_web_url(url: str | None) -> str | None:
    """`url` when it is an absolute http(s) link; None for javascript:, data:, relative or odd links."""
    if not url or any(ch.isspace() or ord(ch) < 32 for ch in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme in ("http", "https") and parts.netloc else None
