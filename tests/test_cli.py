"""The command line as a whole: help for every command, exit codes, the ingest command."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from leaderboard.cli import COMMAND_MODULES, main

FIXTURES = Path(__file__).parent / "fixtures" / "listings"
README = Path(__file__).parent.parent / "README.md"
COMMANDS = main.list_commands(click.Context(main))


def test_every_command_module_is_registered():
    assert len(COMMANDS) == len(COMMAND_MODULES)
    for name in COMMANDS:
        command = main.get_command(click.Context(main), name)
        assert command is not None and command.name == name


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help_and_is_documented(name):
    result = CliRunner().invoke(main, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output and "not built yet" not in result.output.lower()
    assert f"leaderboard {name}" in README.read_text(encoding="utf-8")


def test_usage_error_exits_2():
    assert CliRunner().invoke(main, ["no-such-command"]).exit_code == 2
    assert CliRunner().invoke(main, ["ingest", "--format", "xml"]).exit_code == 2


def test_ingest_prints_one_json_line_per_paper():
    result = CliRunner().invoke(main, ["ingest", str(FIXTURES / "page.txt")])
    assert result.exit_code == 0
    papers = [json.loads(line) for line in result.output.splitlines()]
    assert len(papers) == 4
    assert set(papers[0]) == {"id", "title", "abstract", "published", "authors", "organization", "upvotes",
                              "external_ids", "sources"}


def test_ingest_bad_input_is_one_clear_line_and_exit_1():
    result = CliRunner().invoke(main, ["ingest", str(FIXTURES / "no-abstract-page.txt")])
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and "no-abstract-page.txt:11: title with no abstract" in result.output
    assert "Traceback" not in result.output
