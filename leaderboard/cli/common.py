"""Options and helpers shared by several commands."""

from __future__ import annotations

import sys

import click

from ..ingest import embedded_corpus
from ..paths import DEFAULT_DATA

inputs_argument = click.argument("inputs", nargs=-1, type=click.Path(), metavar="[INPUT]...")


def inputs_or_default(inputs: tuple[str, ...]) -> list[str]:
    """No INPUT means the embedded corpus plus ./data/ (where `fetch` puts new listings) if it exists."""
    if inputs:
        return list(inputs)
    defaults = [str(p) for p in embedded_corpus()]
    return defaults + ([str(DEFAULT_DATA)] if DEFAULT_DATA.is_dir() else [])


def show_progress() -> bool:
    """Progress bars only on a terminal: never in pipes or CI logs."""
    return sys.stderr.isatty()


def repo_url_option(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    """--repo-url: an absolute http(s) URL, kept without its trailing slash."""
    from ..render_format import safe_web_url

    if value is None:
        return None
    if safe_web_url(value) is None:
        raise click.BadParameter(f"{value!r} is not an http(s) URL (https://github.com/OWNER/REPO)")
    return value.rstrip("/")


def site_options(repo_url: str | None):
    """The site options of a build: the policy of ./leaderboard.toml and the repository URL."""
    from ..curate import load_policy
    from ..render_site import SiteOptions

    return SiteOptions(policy=load_policy(), repo_url=repo_url)
