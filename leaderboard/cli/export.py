from __future__ import annotations

import click

from ..errors import LeaderboardError


@click.command("export")
def command() -> None:
    """Not built yet (placeholder while the command is being written)."""
    raise LeaderboardError("'export' is not built yet")
