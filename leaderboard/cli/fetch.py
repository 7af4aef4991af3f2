from __future__ import annotations

import click

from ..errors import LeaderboardError


@click.command("fetch")
def command() -> None:
    """Not built yet (placeholder while the command is being written)."""
    raise LeaderboardError("'fetch' is not built yet")
