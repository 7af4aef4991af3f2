"""Developer sessions: `nox -s tests`, `nox -s lint`, `nox -s build`, `nox -s bench`."""

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
    """ruff over the package, the tests and this file."""
    session.install("ruff")
    session.run("ruff", "check", "leaderboard", "tests", "noxfile.py")


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
