"""The package's layout holds: its modules import each other without a cycle, only `leaderboard/cli/`
imports click, and every subpackage says in its docstring what comes in and what goes out.

The import graph is read from the source with `ast`, every import counted (those inside functions
too): an import moved into a function to dodge a cycle is still a cycle in the design.
"""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

PACKAGE_DIR = Path(__file__).resolve().parent.parent / "leaderboard"
PIPELINE_PACKAGES = ("sources", "extract", "store", "compile", "render", "review", "interop", "cli")


def module_name(path: Path, package_dir: Path = PACKAGE_DIR) -> str:
    parts = path.relative_to(package_dir.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def package_modules(package_dir: Path = PACKAGE_DIR) -> dict[str, Path]:
    """Every module of the package, by dotted name (a package by its own name, for its __init__)."""
    return {module_name(p, package_dir): p for p in sorted(package_dir.rglob("*.py")) if "__pycache__" not in p.parts}


def imported_names(path: Path, module: str) -> set[str]:
    """Every absolute module name `module` (defined in `path`) imports, inside functions included."""
    is_package = path.name == "__init__.py"
    package = module if is_package else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join([*base, node.module] if node.module else base)
            else:
                source = node.module
            found.add(source)
            found.update(f"{source}.{alias.name}" for alias in node.names)  # `from pkg import module`
    return found


def import_graph(package_dir: Path = PACKAGE_DIR) -> dict[str, set[str]]:
    """module -> the package's modules it imports."""
    modules = package_modules(package_dir)
    return {name: {n for n in imported_names(path, name) if n in modules and n != name}
            for name, path in modules.items()}


def cycle_in(graph: dict[str, set[str]]) -> list[str] | None:
    try:
        tuple(TopologicalSorter(graph).static_order())
    except CycleError as error:
        return error.args[1]
    return None


def test_the_modules_import_each_other_without_a_cycle():
    graph = import_graph()
    assert len(graph) > 50 and graph["leaderboard.build"], "the walk found the package and its imports"
    assert cycle_in(graph) is None, f"import cycle: {' -> '.join(cycle_in(graph))}"


def test_the_cycle_check_finds_a_cycle_made_of_a_lazy_and_a_relative_import(tmp_path):
    package = tmp_path / "pkg"
    (package / "store").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "store" / "__init__.py").write_text("")
    (package / "store" / "results.py").write_text("def read():\n    from .validate import check\n")
    (package / "store" / "validate.py").write_text("from ..store import results\n")
    (package / "base.py").write_text("import pkg.store.results\n")
    graph = import_graph(package)
    assert graph["pkg.base"] == {"pkg.store.results"}
    assert graph["pkg.store.validate"] == {"pkg.store", "pkg.store.results"}
    assert sorted(cycle_in(graph)[:-1]) == ["pkg.store.results", "pkg.store.validate"]


def test_only_the_cli_imports_click():
    users = {name for name, path in package_modules().items()
             if any(n == "click" or n.startswith("click.") for n in imported_names(path, name))}
    assert users, "the CLI imports click"
    assert {name for name in users if not name.startswith("leaderboard.cli")} == set()


@pytest.mark.parametrize("package", PIPELINE_PACKAGES)
def test_every_subpackage_says_what_comes_in_and_what_goes_out(package):
    docstring = ast.get_docstring(ast.parse((PACKAGE_DIR / package / "__init__.py").read_text(encoding="utf-8")))
    assert docstring and len(docstring.split()) >= 25, "a paragraph, not a title"
    if package != "extract":  # extract's docstring lists its steps, one module each
        assert "\n\n" not in docstring.split("\n", 1)[1].strip(), "one paragraph after the title line"
        assert "In:" in docstring or "In (" in docstring, "says what comes in"
        assert "Out:" in docstring or "Out (" in docstring, "says what goes out"
