"""The word lists extraction reads, from `schemas/extract/<name>.txt`: one entry a line, `#` starts a
comment line. Lists are data: adding a model family or a method noun is a one-line change there."""

from __future__ import annotations

import functools
import re

from ..errors import RegistryError
from ..paths import schema_file


@functools.cache
def word_list(name: str) -> tuple[str, ...]:
    """The entries of `schemas/extract/<name>.txt`, in file order (the packaged copy when the schemas
    directory in use has none: a data repository's own schemas/ may hold only its registry)."""
    path = schema_file(f"extract/{name}.txt")
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise RegistryError(f"cannot read word list: {exc.strerror or exc}", file=str(path),
                            hint="restore it from the repository's schemas/extract/") from None
    return tuple(line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#"))


@functools.cache
def word_set(name: str, lower: bool = False) -> frozenset[str]:
    return frozenset(w.lower() for w in word_list(name)) if lower else frozenset(word_list(name))


def alternation(name: str) -> str:
    """The list as one regular-expression alternation of its entries (entries of lists meant for this
    are regular-expression fragments, e.g. "Wizard\\w*")."""
    entries = word_list(name)
    for entry in entries:
        re.compile(entry)  # a broken entry fails here, naming itself
    return "|".join(entries)
