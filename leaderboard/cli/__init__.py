"""The `leaderboard` command: a thin layer over the library, one module per command.

Each command module defines `command` (a click command); this group registers them, turns the
library's own errors into `Error: ...` and exit code 1, and leaves exit code 2 to usage errors.
"""

from __future__ import annotations

import importlib

import click

from .. import __version__
from ..errors import LeaderboardError

COMMAND_MODULES = ("build", "ingest", "extract", "validate", "review", "eval", "fetch", "bench", "export", "import_")


class LeaderboardGroup(click.Group):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except LeaderboardError as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(1)
        except BrokenPipeError:  # `leaderboard ingest | head` is not an error
            ctx.exit(0)


@click.group(cls=LeaderboardGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="leaderboard")
def main() -> None:
    """Compile checked, linked ML benchmark leaderboards from score claims in paper abstracts.

    \b
    Quick start:
      leaderboard build            # embedded corpus + results/ -> site/
      leaderboard validate         # check results/ before a pull request
    """


for _name in COMMAND_MODULES:
    main.add_command(importlib.import_module(f".{_name}", __name__).command)
