"""Reconciliation: one canonical id per model, and one id per evaluation setting.

Rules decide what spelling cannot change: case, accents, separators ("LLaMA-2 7B", "Llama 2 7B",
"llama-2-7b", "Llama2-7B" are all `llama-2-7b`), size suffixes ("7B", "7 b", "7.0B", "7 billion" are
`7b`; the size moves to the end, so "Llama-3-8B-Instruct" and "Llama-3-Instruct-8B" are one model) and
a Hugging Face owner prefix ("meta-llama/Llama-2-7b"). Every other word is kept, so "-Instruct" and
"-Chat" variants stay distinct. What rules cannot decide (GPT-4o is "GPT-4 Omni") is data: the alias
file `schemas/models.json`. Placeholders ("(prior SOTA)", "(baseline)", "(unnamed)") are different
models in every paper, so their ids carry the paper id and never merge across papers.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import jsonschema

from ..errors import RegistryError
from ..ids import is_safe_id, slugify
from ..paths import schema_file, schemas_dir
from ..store.registry import read_json_file

MODELS_FILE = "models.json"
MODELS_SCHEMA = "models.schema.json"

_SIZE_IN_TEXT = re.compile(
    r"(?<![a-z0-9.])(\d+(?:\.\d+)?)(?:\s*x\s*(\d+(?:\.\d+)?))?\s*(billion|million|thousand|trillion|[bmkt])(?![a-z0-9])")
_SIZE_TOKEN = re.compile(r"^\d+(?:\.\d+)?(?:x\d+(?:\.\d+)?)?[kmbt]$")
_UNITS = {"billion": "b", "million": "m", "thousand": "k", "trillion": "t"}
# A word glued to a version number ("llama2", "gpt4o", "qwen2.5"): split it. One letter is kept
# glued ("t5", "o1", "r1", "v2"): there the letter and number are one name.
_WORD_THEN_NUMBER = re.compile(r"^([a-z]{2,})(\d.*)$")
_HF_REPO = re.compile(r"^[\w.-]+/([\w.-]+)$")
_PLACEHOLDER = re.compile(r"^\s*\((?P<inner>[^)]*)\)(?P<rest>.*)$")
# A word of a name: letters and digits, and dots between two digits ("3.5"); any other character separates.
_TOKEN = re.compile(r"(?:[a-z0-9]|(?<=[0-9])\.(?=[0-9]))+")


# ---------------------------------------------------------------- model ids


def canonical_model_id(name: str, aliases: dict[str, str] | None = None, *, paper_id: str | None = None,
                       params: str | None = None) -> str:
    """The canonical id of a model name.

    `aliases` maps rule ids (as `load_model_aliases` returns them) to canonical ids. `params`, the
    stated size, is added when the name has none ("AQLM" at 7B and at 70B are two models).
    Placeholder names get `--<paper_id>` so that two papers' "(prior SOTA)" never merge.
    """
    placeholder = _PLACEHOLDER.match(name)
    if placeholder:
        base = rule_model_id(placeholder["inner"] + placeholder["rest"], params)
        return f"{base}--{paper_id}" if paper_id else base
    rule_id = rule_model_id(name, params)
    aliases = aliases or {}
    return aliases.get(rule_id) or aliases.get(name) or rule_id


def is_placeholder(name: str) -> bool:
    """"(prior SOTA)", "(baseline)", "(unnamed)": a model the abstract does not name."""
    return bool(_PLACEHOLDER.match(name))


def rule_model_id(name: str, params: str | None = None) -> str:
    """The id the spelling rules give a name, before aliases."""
    try:
        return _cached_rule_model_id(name, params)
    except TypeError:  # unhashable arguments: not cacheable (and most likely an error below)
        return _rule_model_id(name, params)


def _rule_model_id(name: str, params: str | None = None) -> str:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii").lower().strip()
    repo = _HF_REPO.match(text)
    if repo:
        text = repo.group(1)
    text = _SIZE_IN_TEXT.sub(lambda m: " " + _size(m.group(1), m.group(2), m.group(3)) + " ", text)
    words, sizes = [], []
    for token in _tokens(text):
        if "0" <= token[0] <= "9" and _SIZE_TOKEN.match(token):  # a size starts with a digit
            sizes.append(token)
        else:
            words.append(token)
    if not sizes and params:
        sizes = [t for t in _tokens(_SIZE_IN_TEXT.sub(lambda m: _size(m[1], m[2], m[3]), params.lower()))
                 if _is_size(t)]
    return _safe("-".join(words + sizes), name)


# A pure function of its arguments, asked again for every claim naming a model (tens of thousands
# per build): remembered. Compiling caches per compilation too; this serves every other caller.
_cached_rule_model_id = lru_cache(maxsize=1 << 16)(_rule_model_id)


def _is_size(token: str) -> bool:
    """A size token ("7b", "8x7b", "1.5t"); tokens are never empty and a size starts with a digit."""
    return "0" <= token[0] <= "9" and _SIZE_TOKEN.match(token) is not None


def _size(number: str, experts: str | None, unit: str) -> str:
    """'7.0', None, 'B' -> '7b'; '8', '7', 'b' -> '8x7b'."""
    unit = _UNITS.get(unit, unit)
    return f"{_plain(number)}x{_plain(experts)}{unit}" if experts else f"{_plain(number)}{unit}"


def _plain(number: str) -> str:
    return number.rstrip("0").rstrip(".") if "." in number else number


def _tokens(text: str) -> list[str]:
    """Words of a name: letters and digits; dots only inside version numbers (3.5, not 'v.')."""
    tokens = []
    for token in _TOKEN.findall(text):
        # Only letters then a digit can be glued ("llama2"): all letters, or a leading digit, is one token.
        if token.isalpha() or "0" <= token[0] <= "9":
            tokens.append(token)
            continue
        glued = _WORD_THEN_NUMBER.match(token)
        tokens.extend(glued.groups() if glued and not _SIZE_TOKEN.match(token) else (token,))
    return tokens


def _safe(model_id: str, name: str) -> str:
    if model_id and len(model_id) <= 100 and is_safe_id(model_id):
        return model_id
    digest = hashlib.sha1(name.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{slugify(name, 80)}-{digest}"


def display_names(spellings: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Model id -> its most common spelling; ties go to the alphabetically first, for stable output."""
    counts: dict[tuple[str, str], int] = {}
    for pair in spellings:
        counts[pair] = counts.get(pair, 0) + 1
    best: dict[str, tuple[str, int]] = {}  # in order of each id's first spelling, as before
    for (model_id, spelling), count in counts.items():
        current = best.get(model_id)
        if current is None or count > current[1] or (count == current[1] and spelling < current[0]):
            best[model_id] = (spelling, count)
    return {model_id: spelling for model_id, (spelling, _) in best.items()}


# ---------------------------------------------------------------- settings


_SETTING_SYNONYMS = {"0-shot": "zero-shot", "zeroshot": "zero-shot", "fewshot": "few-shot", "1-shot": "one-shot",
                     "chain-of-thought": "cot", "with-cot": "cot"}


def canonical_setting(text: str | None) -> str | None:
    """One id per evaluation setting: "Zero shot" and "0-shot" are `zero-shot`, "CoT" is `cot`."""
    if text is None or not text.strip():
        return None
    slug = slugify(text, 60)
    return _SETTING_SYNONYMS.get(slug, slug)


# ---------------------------------------------------------------- alias file


def load_model_aliases(path: Path | str | None = None) -> dict[str, str]:
    """The alias file as a map from rule id to canonical id; raises RegistryError when invalid.

    Without `path`, `schemas/models.json` is read; a schemas directory without one has no aliases.
    """
    if path is None:
        default = schemas_dir() / MODELS_FILE
        if not default.exists():
            return {}
        path = default
    mtime = Path(path).stat().st_mtime_ns if Path(path).exists() else 0  # re-read a file edited meanwhile
    return dict(_load_aliases(str(Path(path)), mtime))


@lru_cache(maxsize=8)
def _load_aliases(path: str, _mtime: int) -> dict[str, str]:
    document = read_json_file(Path(path))
    schema = read_json_file(schema_file(MODELS_SCHEMA))
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    if errors:
        lines = [f"/{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:20]]
        raise RegistryError("invalid model alias file:\n  " + "\n  ".join(lines), file=path,
                            hint=f"fix the entries named above; the format is {MODELS_SCHEMA}")
    owner: dict[str, str] = {}
    for index, model in enumerate(document["models"]):
        for spelling in (model["id"], *model["aliases"]):
            key = rule_model_id(spelling)
            if owner.get(key, model["id"]) != model["id"]:
                raise RegistryError(f"/models/{index}: {spelling!r} already names {owner[key]!r}",
                                    file=path, hint="keep each spelling under one model only")
            owner[key] = model["id"]
    return {key: model_id for key, model_id in owner.items() if key != model_id}

