"""Where the project's data files live.

The registry, the model aliases and the JSON Schemas are read from one schemas directory, the first of:
`--schemas DIR` (any command that reads them), $LEADERBOARD_SCHEMAS, `schemas/` of the working
directory when it holds a registry (a data repository curating its own), or the copy packaged with the
code. A JSON Schema (`*.schema.json`) the chosen directory lacks is taken from the packaged copy, so a
data repository need only keep the files it curates.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent
REGISTRY_FILE = "benchmarks.json"
RESULT_SCHEMA = "result.schema.json"  # the JSON Schema of a result file, in the schemas directory
LOCAL_SCHEMAS = Path("schemas")

_chosen: Path | None = None  # set by the CLI's --schemas for the command being run


def packaged_schemas() -> Path:
    """The schemas that come with the code: `leaderboard/schemas/` of an installed wheel (built from the
    top-level `schemas/`, see pyproject.toml), or the checkout's `schemas/` in a source or editable install."""
    installed = PACKAGE_DIR / "schemas"
    return installed if installed.is_dir() else PROJECT_ROOT / "schemas"


def use_schemas(directory: Path | str | None) -> None:
    """Read the schemas from `directory` from now on (None: choose as usual again)."""
    global _chosen
    _chosen = Path(directory) if directory is not None else None


def schemas_source() -> tuple[Path, str]:
    """The schemas directory in use and why it was chosen (for the line saying which registry a command used)."""
    if _chosen is not None:
        return _chosen, "--schemas"
    if os.environ.get("LEADERBOARD_SCHEMAS"):
        return Path(os.environ["LEADERBOARD_SCHEMAS"]), "$LEADERBOARD_SCHEMAS"
    if (LOCAL_SCHEMAS / REGISTRY_FILE).is_file():
        return LOCAL_SCHEMAS, "schemas/ of the working directory"
    return packaged_schemas(), "packaged with leaderboard"


def schemas_dir() -> Path:
    """The registry, alias file and JSON Schemas in use (see the module's docstring for the order)."""
    return schemas_source()[0]


def schema_file(name: str) -> Path:
    """A JSON Schema: the chosen directory's own, else the packaged one."""
    own = schemas_dir() / name
    return own if own.is_file() else packaged_schemas() / name


DEFAULT_RESULTS = Path("results")
DEFAULT_SITE = Path("site")
DEFAULT_DATA = Path("data")
# `leaderboard sync` keeps the last day it synced here, beside the listings; `ingest` skips it.
SYNC_STATE_FILE = "sync.json"
