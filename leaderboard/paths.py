"""Where the project's data files live."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def schemas_dir() -> Path:
    """The registry, alias file and JSON Schemas: `schemas/` of this checkout, or $LEADERBOARD_SCHEMAS."""
    return Path(os.environ.get("LEADERBOARD_SCHEMAS") or PROJECT_ROOT / "schemas")


DEFAULT_RESULTS = Path("results")
DEFAULT_SITE = Path("site")
DEFAULT_DATA = Path("data")
