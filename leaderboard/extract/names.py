"""Model names: what looks like a system name, which names are known model families, and the
parameter count a name or phrase gives ("Llama-3.1-8B" -> "8B")."""

from __future__ import annotations

import re

from .words import alternation

MODEL_NAME = re.compile(r"^(?:Chat)?(?:" + alternation("model-families") + r")(?:\b|[\d\-_.]|$)")
_SIZE_SUFFIX = re.compile(r"\d(?:\.\d+)?[BMK]\b|-(?:Instruct|Chat|Base|it)\b", re.IGNORECASE)


def is_model_like(name: str) -> bool:
    """An existing model ("Llama-3-8B") or a sized variant of one ("Foo-7B", "Bar-Instruct")."""
    return bool(MODEL_NAME.match(name) or _SIZE_SUFFIX.search(name))


def is_known_family(name: str) -> bool:
    """A name of a known model family (schemas/extract/model-families.txt)."""
    return bool(MODEL_NAME.match(name))


_TOKEN = r"[A-Za-z0-9][\w.+\-{}^]*"
# A run of capitalised / digit-bearing tokens: "Llama 3.1 8B", "GPT-4 Omni", "DNA 1.0 8B Instruct".
NAME_RUN = re.compile(r"(?<![\w\-])(?:" + _TOKEN + r")(?:\s(?:[A-Z0-9][\w.+\-]*))*")
_STOP_WORDS = {
    "Our", "The", "This", "These", "That", "In", "On", "With", "For", "By", "We", "It", "Its", "Notably", "Specifically",
    "Moreover", "Furthermore", "Additionally", "Finally", "However", "Overall", "Remarkably", "Experimental", "Experiments",
    "Results", "Using", "When", "Compared", "Trained", "Built", "Evaluation", "Empirically", "Besides", "Also", "As", "At",
    "A", "An", "Even", "Similarly", "Particularly", "Interestingly", "Surprisingly", "Extensive", "Code", "Both", "All",
    "From", "After", "Across", "Under", "Through", "To", "Then", "Thus", "Hence", "Here", "There", "And", "Or", "Of",
    "Conversely", "Importantly", "Further", "Applied", "Combined", "Only", "Just", "Despite", "While", "Although",
}


def looks_like_name(token: str) -> bool:
    """A system name: an inner capital, a digit or a hyphen, or an acronym ("Gazal-R1", "INPO", "phi-3-mini")."""
    core = token.strip(".,;:()[]{}'\"")
    if len(core) < 2 or core in _STOP_WORDS:
        return False
    # map over str methods: the characters are tested in C (this runs for every word of every subject)
    if any(map(str.isdigit, core)) and any(map(str.isalpha, core)):
        return True
    return any(map(str.isupper, core[1:])) or ("-" in core and core[0].isupper())


_PARAMS_IN_NAME = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s?([BMT])\b|[-_](\d+(?:\.\d+)?)([bBmM])\b")
_PARAMS_PHRASE = re.compile(
    r"(\d+(?:\.\d+)?)[\s-]?(billion|million|trillion|B|M|T)[\s-]?param", re.IGNORECASE)


def params_of(text: str) -> str | None:
    """"8B" from "Llama-3.1-8B" or "Llama 3.1 8B", "3.8B" from "a 3.8 billion parameter model"."""
    match = _PARAMS_PHRASE.search(text)
    if match:
        return _size(match.group(1), match.group(2))
    last = None
    for match in _PARAMS_IN_NAME.finditer(text):
        last = match
    if last is None:
        return None
    number, scale = (last.group(1), last.group(2)) if last.group(1) else (last.group(3), last.group(4))
    return _size(number, scale)


def _size(number: str, scale: str) -> str:
    scale = scale.lower()
    if scale in ("t", "trillion"):
        value = float(number) * 1000
        return f"{value:g}B"
    return f"{float(number):g}{'M' if scale in ('m', 'million') else 'B'}"
