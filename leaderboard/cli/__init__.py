"""The `leaderboard` command: a thin layer over the library, one module per command.

In: the command line (options parsed by click, the only module that imports it). Out: calls into the
library and what they return, printed; each command module defines `command` (a click command), and
this group registers them, turns the library's own errors into `Error: ...` and exit code 1, and
leaves exit code 2 to usage errors.
"""

from __future__ import annotations

import importlib

import click

from .. import __version__
from ..errors import LeaderboardError
from ..paths import use_schemas

COMMAND_MODULES = ("build", "ingest", "extract", "validate", "review", "eval", "fetch", "bench", "export", "import_",
                   "claim", "queue", "sync")


class LeaderboardGroup(click.Group):
    """Commands are imported when used: `leaderboard build` need not import what `fetch` or
    `review` use (a fifth of a second, which counts when a rebuild takes a few seconds)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(module.rstrip("_") for module in COMMAND_MODULES)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in self.commands and name in self.list_commands(ctx):
            module = name if name in COMMAND_MODULES else f"{name}_"
            self.add_command(importlib.import_module(f".{module}", __name__).command, name)
        return self.commands.get(name)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except LeaderboardError as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(1)
        except BrokenPipeError:  # `leaderboard ingest | head` is not an error
            ctx.exit(0)
        finally:
            use_schemas(None)  # --schemas is for one command (tests run many in one process)


@click.group(cls=LeaderboardGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="leaderboard")
def main() -> None:
    """Compile checked, linked ML benchmark leaderboards from score claims in paper abstracts.

    \b
    Quick start:
      leaderboard build            # embedded corpus + results/ -> site/
      leaderboard validate         # check results/ before a pull request
    """
