"""Identifiers that are safe as file names and URL path segments."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
# Windows reserved device names: a file called con.html cannot be written there.
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}


_NON_WORD = re.compile(r"[\W_]+")

# The months as the listings write them ("Apr 16, 2024") and the pages show them: the one table of them.
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def normalise_title(title: str) -> str:
    """Lowercase (NFC), every run of non-letters/digits one space: the key that merges listings."""
    return _NON_WORD.sub(" ", unicodedata.normalize("NFC", title).lower()).strip()


def paper_id(title: str) -> str:
    """Stable id of a paper: the first 10 hex digits of the SHA-1 of its normalised title.

    The same scheme labels the gold file, so ids there match ids here.
    """
    return hashlib.sha1(normalise_title(title).encode("utf-8")).hexdigest()[:10]


def slugify(text: str, max_length: int = 80) -> str:
    """A lowercase-kebab slug of `text` that can never be a path trick ("..", "/", NUL, reserved names)."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = _NON_ALNUM.sub("-", folded.lower()).strip("-")[:max_length].strip("-")
    if not slug:
        slug = "x-" + hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    if slug in _RESERVED:
        slug += "-"
    return slug


SAFE_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,127}$")


def is_safe_id(value: str) -> bool:
    """True when `value` can be used as a file name under an output directory without escaping it."""
    return bool(SAFE_ID.match(value)) and ".." not in value and value.split(".")[0] not in _RESERVED
