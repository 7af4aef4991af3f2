"""Options and helpers shared by several commands."""

from __future__ import annotations

import sys

import click

inputs_argument = click.argument("inputs", nargs=-1, type=click.Path(), metavar="[INPUT]...")


def inputs_or_default(inputs: tuple[str, ...]) -> list[str] | None:
    """No INPUT means the embedded corpus (None for `ingest`)."""
    return list(inputs) or None


def show_progress() -> bool:
    """Progress bars only on a terminal: never in pipes or CI logs."""
    return sys.stderr.isatty()
