"""How the build cache stores values: JSON, parsed by `json.loads`, never executed.

Each value has a declared type (see `KINDS`), and the codec is derived from that type alone:
a frozen dataclass becomes the list of its field values in field order, a tuple a list, a date
its ISO text, `Markup` its text. Decoding follows the declared type, never the data: the data can
only fill in the fields of the classes the type names, and data of the wrong shape (a list of
the wrong length, an object for a list...) raises `CacheFormatError` (the cache then treats the
entry as missing); the scalars themselves are taken as JSON gives them. JSON keeps what the output
depends on: ints stay ints, floats round-trip exactly (NaN and infinities included), and strings
keep lone surrogates (escaped as \\udXXX).

Supported types: str, int, float, bool, None, `X | None`, `tuple[X, ...]`, fixed tuples,
`list[X]`, `dict[str, X]`, `datetime.date`, `markupsafe.Markup`, frozen dataclasses and
TypedDicts of these, and `Any` (plain JSON, kept as parsed).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import types
import typing
from collections.abc import Callable, Iterable
from typing import Any, TypedDict

from markupsafe import Markup

from .errors import LeaderboardError

Encode = Callable[[object], object]
Decode = Callable[[object], object]


class CacheFormatError(LeaderboardError):
    """A cached value that does not have the shape of its declared type."""


class Codec:
    """The encoder and decoder of one declared type (`codec_for(type)`)."""

    def __init__(self, declared: object):
        self.declared = declared
        self._encode, self._decode = _pair(declared)

    def dumps(self, value: object) -> str:
        return _write_json(self._encode(value) if self._encode else value)

    def loads(self, text: str) -> object:
        refusals: list[CacheFormatError] = []
        [value] = self.loads_many([text], refusals.append)
        if refusals:
            raise refusals[0]
        return value

    def loads_many(self, texts: Iterable[str | None], refused: Callable[[CacheFormatError], object]) -> list[object | None]:
        """`loads` of each text in one loop, without a call per value: None for a None text, and
        for a text that does not decode, after `refused(the CacheFormatError)`. Each text is let go
        once decoded (`texts` may be a generator: 170 MB of them at 100,000 results)."""
        scan, decode, values = _scan_json, self._decode, []
        add, remaining = values.append, iter(texts)
        while True:
            try:
                for text in remaining:
                    if text is None:
                        add(None)
                        continue
                    data, end = scan(text, 0)  # json.loads less its per-call work in Python
                    if end != len(text):
                        raise ValueError(f"extra data at {end}")
                    add(decode(data) if decode else data)
                return values
            except CacheFormatError as error:
                refusal = error
            except StopIteration as stop:
                refusal = CacheFormatError(f"not a {_name(self.declared)}: not JSON at {stop.value}")
            except (ValueError, TypeError, KeyError, IndexError, AttributeError) as error:
                refusal = CacheFormatError(f"not a {_name(self.declared)}: {error}")
            add(None)
            refused(refusal)


# ASCII text (other characters escaped, lone surrogates too): the fastest to write and to read, and
# always valid UTF-8 for SQLite. Values hold no cycles (check_circular: time spent for nothing).
_write_json = json.JSONEncoder(separators=(",", ":"), check_circular=False).encode
# What json.loads runs on text without surrounding whitespace (as `dumps` writes it): the C scanner.
_scan_json = json.JSONDecoder().scan_once


_CODECS: dict[object, Codec] = {}


def codec_for(declared: object) -> Codec:
    found = _CODECS.get(declared)
    if found is None:
        found = _CODECS[declared] = Codec(declared)
    return found


# -- building the encoder and decoder of a type (None: the JSON value is the value itself) ----------


def _pair(declared: object) -> tuple[Encode | None, Decode | None]:
    if declared is Any:
        return None, None
    if declared in (str, int, bool, float, type(None)):
        return None, None  # JSON's own; not checked one by one (millions at 100k papers)
    if declared is Markup:
        return str, _markup
    if declared is dt.date:
        return _iso_date, _date
    if dataclasses.is_dataclass(declared):
        return _dataclass_pair(declared)
    if typing.is_typeddict(declared):
        return _typeddict_pair(declared)
    origin, arguments = typing.get_origin(declared), typing.get_args(declared)
    if origin in (typing.Union, types.UnionType):
        return _optional_pair(declared, arguments)
    if origin is tuple and len(arguments) == 2 and arguments[1] is Ellipsis:
        return _sequence_pair(arguments[0], tuple)
    if origin is tuple:
        return _fixed_tuple_pair(arguments)
    if origin is list:
        return _sequence_pair(arguments[0], list)
    if origin is dict and arguments[0] is str:
        return _columns_pair(arguments[1]) or _dict_pair(arguments[1])
    raise TypeError(f"the cache cannot store a {_name(declared)}")


def _markup(data: object) -> Markup:
    if type(data) is not str:
        raise CacheFormatError("expected markup text")
    return Markup(data)


def _iso_date(value: object) -> str:
    return value.isoformat()  # type: ignore[attr-defined]


def _date(data: object) -> dt.date:
    return dt.date.fromisoformat(data)  # type: ignore[arg-type]


def _optional_pair(declared: object, arguments: tuple) -> tuple[Encode | None, Decode | None]:
    others = [a for a in arguments if a is not type(None)]
    if len(others) != 1 or len(arguments) != 2:
        raise TypeError(f"the cache cannot store a {_name(declared)} (only X | None)")
    encode, decode = _pair(others[0])
    if encode is None and decode is None:
        return None, None
    return (None if encode is None else lambda value: None if value is None else encode(value),
            None if decode is None else lambda data: None if data is None else decode(data))


def _sequence_pair(item: object, kind: type) -> tuple[Encode | None, Decode]:
    encode, decode = _pair(item)

    def decode_all(data: object) -> object:
        if type(data) is not list:
            raise CacheFormatError(f"expected a list, found {type(data).__name__}")
        return kind(map(decode, data)) if decode else (data if kind is list else kind(data))
    return (lambda value: [encode(v) for v in value]) if encode else None, decode_all  # json writes a tuple as a list


def _fixed_tuple_pair(arguments: tuple) -> tuple[Encode | None, Decode]:
    pairs = [_pair(a) for a in arguments]
    encode, decode = _compiled(pairs, "return ({},)", f"expected a list of {len(pairs)}")
    return encode if any(e for e, _ in pairs) else None, decode  # json writes a tuple as a list


def _dict_pair(item: object) -> tuple[Encode | None, Decode]:
    encode, decode = _pair(item)

    def decode_all(data: object) -> dict:
        if type(data) is not dict:
            raise CacheFormatError(f"expected an object, found {type(data).__name__}")
        return {k: decode(v) for k, v in data.items()} if decode else data
    return (lambda value: {k: encode(v) for k, v in value.items()}) if encode else None, decode_all


def _columns_pair(item: object) -> tuple[Encode, Decode] | None:
    """A dict of str to fixed tuples of JSON's own values (such as the site manifest: 100,000
    paths -> (key, size, mtime)) as columns, [keys, first values, second values...]: decoded by
    `zip` alone, at a fifth of the cost of one tuple decoded per key. None for other item types."""
    if typing.get_origin(item) is not tuple:
        return None
    arguments = typing.get_args(item)
    if not arguments or Ellipsis in arguments or any(_pair(a) != (None, None) for a in arguments):
        return None
    width = len(arguments)

    def encode(value: dict) -> list:
        if not value:
            return [[] for _ in range(width + 1)]
        return [list(value), *map(list, zip(*value.values(), strict=True))]

    def decode(data: object) -> dict:
        if type(data) is not list or len(data) != width + 1 or any(type(column) is not list for column in data):
            raise CacheFormatError(f"expected {width + 1} columns")
        return dict(zip(data[0], zip(*data[1:], strict=True), strict=True))
    return encode, decode


def _dataclass_pair(cls: type) -> tuple[Encode, Decode]:
    """A dataclass as the list of its field values. Decoding makes the object as pickle does
    (`object.__new__`, then its attribute dictionary set whole, in field order), without calling
    `__init__` on 100,000 results."""
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    pairs = [_pair(hints[name]) for name in names]
    return _compiled(pairs, "made = _new(_class)\n    _set(made, '__dict__', {{{}}})\n    return made",
                     f"expected the {len(names)} fields of {cls.__name__}", names=names,
                     scope={"_class": cls, "_new": object.__new__, "_set": object.__setattr__})


def _compiled(pairs: list[tuple[Encode | None, Decode | None]], shape: str, error: str,
              names: list[str] | None = None, scope: dict | None = None) -> tuple[Encode, Decode]:
    """The encoder and decoder of a record of several values (a dataclass, a fixed tuple), written
    out as one function each and compiled once per type: a generic loop over the fields costs twice
    as much at 100,000 results. The source is made of the record's field names (identifiers, checked)
    and positions only, never of data: `shape` is the decoding function's statements (ending in a
    `return`) around the comma-separated fields (for a dataclass: the object made with
    `object.__new__`, its attribute dictionary set whole with `object.__setattr__`, as a frozen
    dataclass's own __setattr__ refuses); data that is not a list of as many values raises
    CacheFormatError(`error`)."""
    scope = {**(scope or {}), "_Error": CacheFormatError, "_error": error}
    fields, items = [], []
    for n, (encode, decode) in enumerate(pairs):
        name = names[n] if names else None
        if name is not None and not name.isidentifier():
            raise TypeError(f"the cache cannot store a field named {name!r}")
        scope[f"_encode{n}"], scope[f"_decode{n}"] = encode, decode
        read = f"value.{name}" if name else f"value[{n}]"
        fields.append(f"_encode{n}({read})" if encode else read)
        value = f"_decode{n}(data[{n}])" if decode else f"data[{n}]"
        items.append(f"{name!r}: {value}" if name else value)
    source = (f"def encode(value):\n    return [{', '.join(fields)}]\n"
              f"def decode(data):\n    if type(data) is not list or len(data) != {len(pairs)}:\n"
              f"        raise _Error(_error)\n"
              f"    {shape.format(', '.join(items))}\n")
    exec(compile(source, "<cache codec>", "exec"), scope)  # noqa: S102 - see the docstring
    return scope["encode"], scope["decode"]


def _typeddict_pair(cls: type) -> tuple[Encode, Decode]:
    pairs = {name: _pair(hint) for name, hint in typing.get_type_hints(cls).items()}

    def encode(value: object) -> dict:
        return {k: (pairs[k][0](v) if pairs[k][0] else v) for k, v in value.items()}  # type: ignore[union-attr, misc]

    def decode(data: object) -> dict:
        if type(data) is not dict or not data.keys() <= pairs.keys():
            raise CacheFormatError(f"expected a {cls.__name__} object")
        return {k: (pairs[k][1](v) if pairs[k][1] else v) for k, v in data.items()}  # type: ignore[misc]
    return encode, decode


def _name(declared: object) -> str:
    return getattr(declared, "__name__", None) or str(declared)


# -- what the build keeps ----------------------------------------------------------------------


class Manifest(TypedDict):
    """The site a build left in place (render.SiteOutcome.manifest)."""

    site: str
    pages: dict[str, tuple[str, int, int]]  # path -> (key, size, mtime_ns)


def build_kinds() -> dict[str, object]:
    """The declared type of every table, blob and document the build keeps (see leaderboard.build)."""
    from .models import Claim, Issue, Paper, ResultFile
    from .render.chart import Chart

    return {
        "validated": tuple[ResultFile, list[Issue], int],  # a result file's validated outcome
        "claims": list[Claim],  # the claims extracted from a paper's title and abstract
        "ingested": tuple[str, ...],  # the paper ids of the listings, in order
        "listings": list[Paper],  # a listing file, parsed
        "charts": Chart,
        "entry-keys": dict[str, str],
        "site": Manifest,
        "table-json": dict[str, str],
    }
