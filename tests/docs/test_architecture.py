"""docs/architecture.md names only modules that exist (issue 12).

Every dotted name ``meetlink.x[.y…]`` and every path ``src/meetlink/…`` the page mentions, in
its text and in its code blocks, is looked up in the source tree. The modules are parsed with
``ast``, never imported. A dotted name is found when

* it is a module (``x.py``) or a package (``x/__init__.py``); or
* its longest module prefix defines or re-exports the next name (a ``def``, a ``class``, an
  assignment or an import at the top level, or a string in ``__all__``), as in
  ``meetlink.credentials.Vault``; a name imported from another module is followed there, so
  ``meetlink.adapters.ConferenceAdapter.keep_access`` is looked up in the class itself; a
  name after a class must be assigned or defined in the class's body.

A path is found when it exists; one that ends in ``/`` must be a folder. The page's copy of
the layer contract must also equal ``[tool.importlinter]`` in pyproject.toml.
"""

from __future__ import annotations

import ast
import re
import tomllib
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src"
PAGE = ROOT / "docs" / "architecture.md"

# Not inside a longer name or path: `x.meetlink.y`, `my_meetlink.y`, `../src/meetlink`.
_DOTTED = re.compile(r"(?<![\w./-])meetlink(?:\.[A-Za-z_]\w*)+")
_PATH = re.compile(r"(?<![\w./-])src/meetlink(?:/[\w-]+(?:\.[A-Za-z]\w*)*)*/?")
_TOML_BLOCK = re.compile(r"^```toml\n(?P<body>.*?)^```$", re.MULTILINE | re.DOTALL)


def mentioned(text: str) -> tuple[list[str], list[str]]:
    """The dotted names and the paths under src/meetlink that ``text`` mentions, sorted."""
    return sorted(set(_DOTTED.findall(text))), sorted(set(_PATH.findall(text)))


# --------------------------------------------------------------------------- lookups


def module_file(name: str, src: Path) -> Path | None:
    """The file of module or package ``name`` under ``src``, or None."""
    base = src.joinpath(*name.split("."))
    for candidate in (base / "__init__.py", base.with_suffix(".py")):
        if candidate.is_file():
            return candidate
    return None


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _statements(body: Iterable[ast.stmt], *, type_checking: bool) -> Iterable[ast.stmt]:
    """The statements of a module or class body, into `if` and `try` blocks. The body of
    `if TYPE_CHECKING:` only when ``type_checking`` (it binds nothing at run time)."""
    for node in body:
        if isinstance(node, ast.If):
            if type_checking or not _is_type_checking(node.test):
                yield from _statements(node.body, type_checking=type_checking)
            yield from _statements(node.orelse, type_checking=type_checking)
        elif isinstance(node, ast.Try):
            for part in (node.body, node.orelse, node.finalbody):
                yield from _statements(part, type_checking=type_checking)
            for handler in node.handlers:
                yield from _statements(handler.body, type_checking=type_checking)
        else:
            yield node


def _targets(node: ast.expr) -> Iterable[str]:
    if isinstance(node, ast.Name):
        yield node.id
    elif isinstance(node, ast.Tuple | ast.List):
        for element in node.elts:
            yield from _targets(element)


def _bound(body: Iterable[ast.stmt]) -> dict[str, ast.stmt]:
    """Names bound by the statements (not by imports), with the statement binding each."""
    names: dict[str, ast.stmt] = {}
    for node in body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names[node.name] = node
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                names.update(dict.fromkeys(_targets(target), node))
        elif isinstance(node, ast.AnnAssign | ast.AugAssign):
            names.update(dict.fromkeys(_targets(node.target), node))
    return names


def _all_names(body: Iterable[ast.stmt]) -> set[str]:
    for node in body:
        targets = node.targets if isinstance(node, ast.Assign) else []
        if isinstance(node, ast.AnnAssign):
            targets = [node.target]
        if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
            value = node.value
            if isinstance(value, ast.List | ast.Tuple):
                return {e.value for e in value.elts if isinstance(e, ast.Constant)}
    return set()


def _imports(body: Iterable[ast.stmt], module: str, is_package: bool) -> dict[str, str]:
    """Local name → the dotted name it was imported as (relative imports resolved)."""
    package = module if is_package else module.rpartition(".")[0]
    found: dict[str, str] = {}
    for node in body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname is not None:
                    found[alias.asname] = alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - (node.level - 1)]
                base = ".".join([*parts, *([node.module] if node.module else [])])
            for alias in node.names:
                found[alias.asname or alias.name] = f"{base}.{alias.name}"
    return found


def resolves(name: str, src: Path, _depth: int = 0) -> bool:
    """Whether the dotted ``name`` is a module, or a name a module defines or re-exports."""
    parts = name.split(".")
    for cut in range(len(parts), 0, -1):
        file = module_file(".".join(parts[:cut]), src)
        if file is not None:
            break
    else:
        return False
    rest = parts[cut:]
    if not rest:
        return True
    tree = ast.parse(file.read_text(encoding="utf-8"), filename=str(file))
    runtime = list(_statements(tree.body, type_checking=False))
    first, deeper = rest[0], rest[1:]
    bound = _bound(runtime)
    imported = _imports(runtime, ".".join(parts[:cut]), file.name == "__init__.py")
    if first not in bound and first not in imported and first not in _all_names(runtime):
        return False
    if not deeper:
        return True
    cls = bound.get(first)
    if isinstance(cls, ast.ClassDef):
        members = _bound(_statements(cls.body, type_checking=True))
        return len(deeper) == 1 and deeper[0] in members
    # Re-exported (at run time, or lazily under TYPE_CHECKING): look where it comes from.
    every_import = _imports(
        _statements(tree.body, type_checking=True),
        ".".join(parts[:cut]),
        file.name == "__init__.py",
    )
    origin = every_import.get(first)
    if origin is None or _depth > 10:
        return False
    return resolves(".".join([origin, *deeper]), src, _depth + 1)


def path_exists(path: str, root: Path) -> bool:
    target = root / path.rstrip("/")
    return target.is_dir() if path.endswith("/") else target.exists()


def missing_names(text: str, root: Path) -> list[str]:
    """What ``text`` mentions that ``root`` (a repository) does not have."""
    names, paths = mentioned(text)
    missing = [n for n in names if not resolves(n, root / "src")]
    missing += [p for p in paths if not path_exists(p, root)]
    return missing


# --------------------------------------------------------------------------- the tests


def test_every_module_the_architecture_page_names_exists() -> None:
    text = PAGE.read_text(encoding="utf-8")
    names, paths = mentioned(text)
    assert len(names) > 40, f"only {len(names)} dotted names found: is the pattern broken?"
    assert paths, "no src/meetlink/ path found: is the pattern broken?"
    missing = missing_names(text, ROOT)
    assert missing == [], (
        "docs/architecture.md names what src/meetlink does not have (renamed, moved or split?); "
        "fix the page:\n  " + "\n  ".join(missing)
    )


def test_the_page_names_every_top_level_module_and_package() -> None:
    names, _ = mentioned(PAGE.read_text(encoding="utf-8"))
    top = {
        f"meetlink.{p.stem if p.is_file() else p.name}"
        for p in (SRC / "meetlink").iterdir()
        if (p.suffix == ".py" and not p.name.startswith("_")) or (p / "__init__.py").is_file()
    }
    assert sorted(top - set(names)) == []


def test_the_pages_layer_contract_is_the_one_in_pyproject() -> None:
    text = PAGE.read_text(encoding="utf-8")
    blocks = [m["body"] for m in _TOML_BLOCK.finditer(text) if "importlinter" in m["body"]]
    assert len(blocks) == 1, "the page should quote the contract once, in a toml block"
    quoted = tomllib.loads(blocks[0])["tool"]["importlinter"]["contracts"]
    with (ROOT / "pyproject.toml").open("rb") as file:
        actual = tomllib.load(file)["tool"]["importlinter"]["contracts"]
    assert quoted == actual, "docs/architecture.md quotes an old layer contract: copy it again"


def test_a_made_up_name_is_reported() -> None:
    text = (
        "Real: `meetlink.reconcile.keys`, `meetlink.credentials.Vault`, "
        "`meetlink.testing.AdapterConformance`, `meetlink.adapters.ConferenceAdapter.keep_access`, "
        "`meetlink.reconcile.keys.Kind.CONFERENCE` and `src/meetlink/adapters/google/`.\n"
        "```text\nmeetlink.planning.nowhere  src/meetlink/nowhere.py\n```\n"
        "Made up: `meetlink.reconcile.keys.NoSuchKey`, `meetlink.adapters.ConferenceAdapter.fly`, "
        "`src/meetlink/errors.py/`, and meetlink.nowhere.\n"
    )
    assert missing_names(text, ROOT) == [
        "meetlink.adapters.ConferenceAdapter.fly",
        "meetlink.nowhere",
        "meetlink.planning.nowhere",
        "meetlink.reconcile.keys.NoSuchKey",
        "src/meetlink/errors.py/",
        "src/meetlink/nowhere.py",
    ]
