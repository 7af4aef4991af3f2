"""Options and helpers shared by several commands."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..paths import DEFAULT_DATA, REGISTRY_FILE, schemas_source, use_schemas
from ..render.format import safe_web_url
from ..sources.ingest import embedded_corpus

inputs_argument = click.argument("inputs", nargs=-1, type=click.Path(), metavar="[INPUT]...")


def _use_schemas(ctx: click.Context, param: click.Parameter, value: Path | None) -> None:
    use_schemas(value)  # the group forgets it when the command ends


schemas_option = click.option(
    "--schemas", type=click.Path(exists=True, file_okay=False, path_type=Path), metavar="DIR", expose_value=False,
    is_eager=True, callback=_use_schemas,
    help="Directory with the benchmark registry, model aliases and JSON Schemas. [default: ./schemas when it "
         "has benchmarks.json, else the ones packaged with leaderboard]")


def registry_line() -> str:
    """Which registry the command used, and why that one (see docs/cli.md, 'Schemas')."""
    directory, source = schemas_source()
    return f"Registry: {(directory / REGISTRY_FILE).as_posix()} ({source})"


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
    from ..render.format import safe_web_url

    if value is None:
        return None
    if safe_web_url(value) is None:
        raise click.BadParameter(f"{value!r} is not an http(s) URL (https://github.com/OWNER/REPO)")
    return value.rstrip("/")


def site_options(repo_url: str | None, site_url: str | None = None):
    """The site options of a build: the policy of ./leaderboard.toml, the repository URL and where the site is published."""
    from ..render.site import SiteOptions
    from ..store.curate import load_policy

    return SiteOptions(policy=load_policy(), repo_url=repo_url, site_url=site_url)
def check_site_url(value: str | None) -> str | None:
    """--site-url must be an absolute http(s) address: a relative or odd one would make dead links."""
    if value is not None and not safe_web_url(value):
        raise click.BadParameter(f"{value!r} is not an http(s) address such as https://example.org/lb/",
                                 param_hint="--site-url")
    return value
