from __future__ import annotations

import click

from ..errors import LeaderboardError


@click.command("bench")
def command() -> None:
    """Not built yet (placeholder while the command is being written)."""
    raise LeaderboardError("'bench' is not built yet")
