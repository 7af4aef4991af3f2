"""The documentation stays true to the code: every command and option is in docs/cli.md, the README
stays a short guide with a two-command Quickstart, and every relative link and anchor resolves.

Generic on purpose: a command added to the CLI fails here until docs/cli.md has a section for it
(a heading `leaderboard NAME`) that names each of its options.
"""

from __future__ import annotations

import importlib
import re
import unicodedata
from pathlib import Path
from urllib.parse import unquote, urlsplit

import click
import pytest
from markdown_it import MarkdownIt

from leaderboard.cli import main

ROOT = Path(__file__).resolve().parent.parent
CLI_DOC = ROOT / "docs" / "cli.md"
README = ROOT / "README.md"
README_MAX_BYTES = 12_500
QUICKSTART_COMMANDS = ["./run build", "./run test"]
HELP_OPTIONS = {"--help", "-h"}


def markdown_files() -> list[Path]:
    files = [ROOT / name for name in ("README.md", "CONTRIBUTING.md", "SECURITY.md")]
    return files + sorted((ROOT / "docs").rglob("*.md"))


def tokens(path: Path) -> list:
    return MarkdownIt("commonmark").enable("table").parse(path.read_text(encoding="utf-8"))


# ---------------------------------------------------------------- headings and sections


def heading_text(tokens_: list, index: int) -> str:
    """The text of the heading that opens at tokens_[index], without markup."""
    return "".join(child.content for child in tokens_[index + 1].children or ())


def github_slug(text: str) -> str:
    """The anchor GitHub gives a heading: lowercase, punctuation dropped, spaces become hyphens."""
    text = unicodedata.normalize("NFC", text).strip().lower()
    text = "".join(c for c in text if c in "- _" or unicodedata.category(c)[0] in "LNM")
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    found = set()
    parsed = tokens(path)
    for index, token in enumerate(parsed):
        if token.type == "heading_open":
            slug = github_slug(heading_text(parsed, index))
            count = seen.get(slug, 0)
            seen[slug] = count + 1
            found.add(slug if count == 0 else f"{slug}-{count}")
    return found


def sections(path: Path) -> dict[str, str]:
    """Heading text -> the Markdown source under it, up to the next heading of the same or a higher level."""
    lines = path.read_text(encoding="utf-8").splitlines()
    parsed = tokens(path)
    headings = [(int(t.tag[1:]), t.map[0], heading_text(parsed, i)) for i, t in enumerate(parsed)
                if t.type == "heading_open"]
    result = {}
    for number, (level, start, text) in enumerate(headings):
        end = next((line for lvl, line, _ in headings[number + 1:] if lvl <= level), len(lines))
        result[text] = "\n".join(lines[start:end])
    return result


# ---------------------------------------------------------------- the command tree


def command_tree(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], click.Command]]:
    """Every command under `group`, as (path of names, command); groups and their subcommands alike."""
    ctx = click.Context(group, info_name="leaderboard")
    found = []
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None, f"`leaderboard {' '.join(prefix + (name,))}` is listed but cannot be loaded"
        found.append((prefix + (name,), command))
        if isinstance(command, click.Group):
            found.extend(command_tree(command, prefix + (name,)))
    return found


def long_options(command: click.Command) -> set[str]:
    names = set()
    for param in command.params:
        if isinstance(param, click.Option):
            names.update(name for name in param.opts + param.secondary_opts if name not in HELP_OPTIONS)
    return names


def mentions(text: str, word: str) -> bool:
    """`word` as a whole token: `--results` is not found in `--results-dir`."""
    return re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text) is not None


COMMANDS = command_tree(main)


def test_the_command_tree_is_walked():
    names = {" ".join(path) for path, _ in COMMANDS}
    assert {"build", "validate", "review", "fetch", "fetch arxiv", "fetch daily-papers"} <= names


def test_the_main_options_are_in_cli_md():
    text = CLI_DOC.read_text(encoding="utf-8")
    missing = sorted(option for option in long_options(main) if not mentions(text, option))
    assert not missing, f"docs/cli.md does not mention the option(s) {missing} of `leaderboard`"


@pytest.mark.parametrize("path, command", COMMANDS, ids=[" ".join(path) for path, _ in COMMANDS])
def test_every_command_and_option_is_in_cli_md(path, command):
    top = f"leaderboard {path[0]}"
    documented = sections(CLI_DOC)
    section = next((body for heading, body in documented.items() if heading.strip() == top), None)
    assert section is not None, f"docs/cli.md has no section for `{top}`: add a heading `## \\`{top}\\``"
    full_name = "leaderboard " + " ".join(path)
    assert mentions(section, full_name), f"the `{top}` section of docs/cli.md does not mention `{full_name}`"
    missing = sorted(option for option in long_options(command) if not mentions(section, option))
    assert not missing, f"the `{top}` section of docs/cli.md does not mention {missing} of `{full_name}`"


# ---------------------------------------------------------------- README


def test_readme_is_a_short_guide():
    size = len(README.read_bytes())
    assert size <= README_MAX_BYTES, (
        f"README.md is {size:,} bytes (at most {README_MAX_BYTES:,}): move reference material to docs/")


def quickstart_commands() -> list[str]:
    parsed = tokens(README)
    commands, inside = [], False
    for index, token in enumerate(parsed):
        if token.type == "heading_open":
            inside = heading_text(parsed, index).strip() == "Quickstart"
        elif inside and token.type == "fence":
            for line in token.content.splitlines():
                command = line.split("#", 1)[0].strip()
                if command:
                    commands.append(command)
    return commands


def test_readme_quickstart_has_exactly_the_two_commands():
    assert quickstart_commands() == QUICKSTART_COMMANDS


# ---------------------------------------------------------------- links


def links(path: Path) -> list[str]:
    """Targets of the Markdown links and images of a file, outside code."""
    found = []

    def walk(children):
        for child in children or ():
            if child.type == "link_open":
                found.append(child.attrGet("href"))
            elif child.type == "image":
                found.append(child.attrGet("src"))
            walk(child.children)

    for token in tokens(path):
        if token.type == "inline":
            walk(token.children)
    return found


def broken_links(path: Path, root: Path = ROOT) -> list[str]:
    broken = []
    for target in links(path):
        parts = urlsplit(target)
        if parts.scheme or parts.netloc:  # http(s), mailto: not checked offline
            continue
        destination = (path.parent / unquote(parts.path)).resolve() if parts.path else path
        if not destination.exists():
            broken.append(f"{target}: no such file")
        elif parts.fragment and destination.suffix == ".md" and parts.fragment not in anchors(destination):
            broken.append(f"{target}: no heading with anchor #{parts.fragment}")
        elif root not in destination.parents:
            broken.append(f"{target}: outside the project")
    return broken


@pytest.mark.parametrize("path", markdown_files(), ids=lambda path: str(path.relative_to(ROOT)))
def test_every_relative_link_resolves(path):
    assert path.is_file(), f"{path.relative_to(ROOT)} is missing"
    assert not broken_links(path), f"{path.relative_to(ROOT)}: {broken_links(path)}"


def test_the_link_check_finds_broken_links_anchors_and_files_outside_the_project(tmp_path):
    root = tmp_path / "project"
    root.mkdir()
    (tmp_path / "OUTSIDE.md").write_text("# Outside\n", encoding="utf-8")
    (root / "target.md").write_text("# A `code` heading\n\n## Papers (`ingest` output)\n", encoding="utf-8")
    page = root / "page.md"
    page.write_text("[ok](target.md#a-code-heading) [ok](target.md#papers-ingest-output) [ok](#here)\n"
                    "[gone](missing.md) [bad anchor](target.md#nothing) `[in code](missing.md)`\n"
                    "[outside](../OUTSIDE.md) [web](https://example.org/x.md)\n\n# Here\n", encoding="utf-8")
    assert broken_links(page, root=root) == ["missing.md: no such file",
                                             "target.md#nothing: no heading with anchor #nothing",
                                             "../OUTSIDE.md: outside the project"]


# ---------------------------------------------------------------- docs/architecture.md and the package


ARCHITECTURE = ROOT / "docs" / "architecture.md"
PACKAGE_DIR = ROOT / "leaderboard"


def section(path: Path, heading: str) -> str:
    """The text of the `## heading` section of a Markdown file, up to the next `## `."""
    text = path.read_text(encoding="utf-8")
    start = text.index(f"\n## {heading}\n")
    end = text.find("\n## ", start + 1)
    return text[start:end if end != -1 else len(text)]


def tree_modules(text: str) -> list[str]:
    """The module paths of a tree drawn in the first code block of `text`: a line `name/` opens a
    directory, two more spaces of indent go one level down; `name.py  what it does` is a module."""
    block = text.split("```\n", 2)[1]
    modules, folders = [], []
    for line in block.splitlines():
        depth = (len(line) - len(line.lstrip(" "))) // 2
        name = line.split()[0]
        del folders[depth:]
        if name.endswith("/"):
            folders.append(name.rstrip("/"))
        else:
            modules.append("/".join([*folders, name]))
    return modules


def test_the_architecture_tree_names_every_module_once_and_only_modules_that_exist():
    listed = tree_modules(section(ARCHITECTURE, "The package, one line per module"))
    actual = sorted(p.relative_to(ROOT).as_posix() for p in PACKAGE_DIR.rglob("*.py") if "__pycache__" not in p.parts)
    assert len(listed) == len(set(listed)), "a module is listed twice"
    assert sorted(listed) == actual


def test_the_tree_reader_sees_a_missing_or_misplaced_module():
    text = "\n## T\n\n```\nleaderboard/\n  a.py   x\n  sub/\n    b.py   y\n  c.py   z\n```\n"
    assert tree_modules(text) == ["leaderboard/a.py", "leaderboard/sub/b.py", "leaderboard/c.py"]
    assert tree_modules(text.replace("    b.py", "  b.py")) == ["leaderboard/a.py", "leaderboard/b.py", "leaderboard/c.py"]


def resolves(dotted: str) -> bool:
    """`store.results.write_results` names something in the leaderboard package."""
    parts = dotted.split(".")
    for split in range(len(parts), 0, -1):
        try:
            found = importlib.import_module(".".join(["leaderboard", *parts[:split]]))
        except ModuleNotFoundError:
            continue
        for name in parts[split:]:
            found = getattr(found, name, None)
        return found is not None
    return False


def test_every_name_on_the_path_of_a_claim_exists():
    text = section(ARCHITECTURE, "One claim, from a listing line to a table row")
    names = re.findall(r"`((?:[a-z_]+\.)+[A-Za-z_]+)`", text)
    names = [n for n in names if not n.endswith((".py", ".txt", ".json"))]
    assert len(names) >= 15, names
    assert [n for n in names if not resolves(n)] == []
    assert not resolves("store.results.no_such_function") and not resolves("no_such_package.ingest")
