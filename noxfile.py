"""Sessions: tests, lint, typecheck, docs, examples, bench, translations.

`nox -s tests` is the line CI runs (see `.ci/run` and the README); pytest's exit code 5
("no tests collected") fails the session, so a run that collects nothing is never green.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess  # nosec B404 - apt-get, fixed arguments, for the printed pages' tests
from pathlib import Path

import nox

nox.options.sessions = ["lint", "typecheck", "tests"]
nox.options.reuse_existing_virtualenvs = True

PYTHON = "3.11"


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """Run the whole test suite, integration tests (real local servers) included."""
    session.install("-e", ".[test]")
    _install_printing(session)
    session.run("pytest", *(session.posargs or ["-q", "-p", "no:cacheprovider"]))


# LibreOffice prints the office's documents in the tests of their printed pages, with Times
# New Roman's metric twin (Liberation Serif) where Times New Roman is not installed.
PRINTING = (
    "libreoffice-calc-nogui",
    "libreoffice-writer-nogui",
    "fonts-liberation",
    "fonts-liberation2",
)


def _install_printing(session: nox.Session) -> None:
    """LibreOffice and Liberation Serif, installed with apt-get where they are missing and
    this is root on a Debian-like system (CI); elsewhere the tests of printed pages skip
    and say why."""
    if shutil.which("soffice") and _has_serif():
        return
    apt = shutil.which("apt-get")
    if apt is None or not hasattr(os, "geteuid") or os.geteuid() != 0:
        session.log("LibreOffice or Liberation Serif missing: the printed pages' tests skip")
        return
    install = [apt, "install", "-y", "-q", "--no-install-recommends", *PRINTING]
    if not _apt(install):  # the package lists may be missing: fetched, then once more
        _apt([apt, "update", "-q"])
        if not _apt(install):
            session.log("LibreOffice could not be installed: the printed pages' tests skip")
            return
    session.log(f"installed for the printed pages' tests: {', '.join(PRINTING)}")


def _apt(command: list[str]) -> bool:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    try:
        done = subprocess.run(  # nosec B603 - apt-get, fixed arguments
            command, env=env, capture_output=True, check=False, timeout=900
        )
    except subprocess.TimeoutExpired:
        return False
    return done.returncode == 0


def _has_serif() -> bool:
    """Times New Roman or its metric twin installed (the rule of tests/conftest.py)."""
    fc_list = shutil.which("fc-list")
    return fc_list is not None and any(
        subprocess.run(  # nosec B603 - fc-list, fixed arguments
            [fc_list, name], capture_output=True, text=True, check=False
        ).stdout.strip()
        for name in ("Times New Roman", "Liberation Serif")
    )


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff (style and bugs), bandit (security) and the layer contract (import-linter)."""
    session.install("ruff>=0.6", "bandit>=1.7", "import-linter>=2.1")
    session.run("ruff", "check", "src", "tests", "benchmarks", "examples", "noxfile.py")
    session.run("ruff", "format", "--check", "src", "tests", "benchmarks", "examples", "noxfile.py")
    session.run("bandit", "-q", "-c", "pyproject.toml", "-r", "src")
    # The layer contract (pyproject.toml): read from the source, nothing installed.
    session.run("lint-imports", env={"PYTHONPATH": "src"})


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    """mypy --strict over the package."""
    session.install(
        "-e",
        ".[all]",
        "pytest>=8",  # meetlink.testing's conformance suite is typed against it
        "mypy>=1.10",
        "types-PyYAML",
        "types-openpyxl",
        "types-python-dateutil",
    )
    session.run("mypy")


@nox.session(python=PYTHON)
def docs(session: nox.Session) -> None:
    """Build the documentation site with warnings as errors."""
    session.install(
        "-e", ".[all]", "mkdocs>=1.6", "mkdocs-material>=9.5", "mkdocstrings[python]>=0.25"
    )
    session.run("mkdocs", "build", "--strict")


@nox.session(python=PYTHON)
def examples(session: nox.Session) -> None:
    """Run every example against the built-in defaults, so none of them rots."""
    session.install("-e", ".[all]", "pytest>=8")  # pytest: the adapter example's conformance
    session.run("python", "examples/run_all.py")


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Print the figures the README quotes, with the machine and the date."""
    session.install("-e", ".[test]")  # the shared-ledger benchmark starts PostgreSQL
    for script in sorted(Path("benchmarks").glob("bench_*.py")):
        session.run("python", str(script))


@nox.session(python=PYTHON)
def translations(session: nox.Session) -> None:
    """The command's Vietnamese catalog: extract the messages of ``src/meetlink/cli`` and of
    argparse (its "usage:", "options", errors) into ``meetlink.pot``, update ``vi``'s
    ``meetlink.po`` from it, and compile ``meetlink.mo``. Translate what the update left
    empty, run the session again, and commit the three files (docs/reference/languages.md)."""
    session.install("babel>=2.14,<3")
    locale = "src/meetlink/cli/locale"
    template = f"{locale}/meetlink.pot"
    argparse_file = session.run(
        "python", "-c", "import argparse; print(argparse.__file__)", silent=True
    )
    argparse_file = str(argparse_file).strip()
    session.run(
        "pybabel", "extract", "--project=meetlink", "--copyright-holder=meetlink developers",
        "--add-location=file", "--sort-output", "-o", template, "src/meetlink/cli", argparse_file,
    )  # fmt: skip
    # The template names argparse.py, not where this machine keeps it.
    text = Path(template).read_text(encoding="utf-8")
    text = re.sub(r"^(#:.*?)\S*argparse\.py", r"\1python/argparse.py", text, flags=re.MULTILINE)
    Path(template).write_text(text, encoding="utf-8")
    session.run(
        "pybabel", "update", "--domain=meetlink", "-i", template, "-d", locale, "-l", "vi",
        "--init-missing", "--no-fuzzy-matching", "--ignore-obsolete",
    )  # fmt: skip
    session.run("pybabel", "compile", "--domain=meetlink", "-d", locale, "-l", "vi", "--statistics")
