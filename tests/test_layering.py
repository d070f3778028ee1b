"""Layering of `src/meetlink`: no import cycle, no reaching into another module's privates.

The modules are parsed with `ast`, never imported, so every import counts: the ones under
`if TYPE_CHECKING:`, the ones inside functions, the relative ones. A cycle that only exists
for the type checker is still a cycle: it ties the modules together and breaks the day one
of those imports moves out of the guard.

Private means a name that starts with one underscore (dunders such as `__version__` are
public). The rules:

- no `from meetlink.x import _name` of anything but a module;
- a module whose file name starts with `_` is imported only by its own package: its
  siblings in the same folder and the package's `__init__`;
- no `<expr>._name` attribute access unless `<expr>` is `self`, `cls` or `super()`, or
  `<expr>` is statically an object of a class defined in the same module that defines
  `_name` (see `_class_of`: an annotated parameter, an `isinstance` check, `C(...)`,
  `cls(...)`, `C.make(...) -> C`, or `self.attr` only ever set to one of these), or the name
  is in `ALLOWED_ATTRIBUTES` / `ALLOWED_IN_MODULE` (which say why).

The last section runs the checker on small synthetic packages, so each rule is seen to fail.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"

# Attributes that start with an underscore but are public API of the standard library.
ALLOWED_ATTRIBUTES: dict[str, str] = {
    "_replace": "NamedTuple's public API: the underscore only avoids clashing with fields",
    "_asdict": "NamedTuple's public API",
    "_fields": "NamedTuple's public API",
    "_field_defaults": "NamedTuple's public API",
    "_make": "NamedTuple's public API",
    "_exit": "os._exit, the documented way a forked child leaves (meetlink.reconcile.workers)",
}

# (module, attribute) pairs allowed although the checker cannot tell the object's class,
# with the reason. Keep it short: prefer code whose class the checker can see.
ALLOWED_IN_MODULE: dict[tuple[str, str], str] = {}


# --------------------------------------------------------------------------- the checker


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


@dataclass(frozen=True)
class Module:
    name: str
    is_package: bool
    path: str
    tree: ast.Module

    @property
    def package(self) -> str:
        """The package that relative imports in this module start from."""
        return self.name if self.is_package else self.name.rpartition(".")[0]


@dataclass(frozen=True)
class Edge:
    """`importer` imports `target` (a module), optionally naming `name` from it."""

    importer: str
    target: str
    name: str | None
    line: int


def parse_modules(sources: Mapping[str, str]) -> dict[str, Module]:
    """Modules by dotted name from `{"pkg/sub/mod.py": source}` (paths relative to src)."""
    modules: dict[str, Module] = {}
    for path, source in sources.items():
        parts = path.removesuffix(".py").split("/")
        is_package = parts[-1] == "__init__"
        if is_package:
            parts.pop()
        name = ".".join(parts)
        modules[name] = Module(name, is_package, path, ast.parse(source, filename=path))
    return modules


def load_modules(root: Path) -> dict[str, Module]:
    sources = {
        file.relative_to(root.parent).as_posix(): file.read_text(encoding="utf-8")
        for file in sorted(root.rglob("*.py"))
    }
    return parse_modules(sources)


def _resolve_from(module: Module, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    parts = module.package.split(".")
    if node.level > 1:
        parts = parts[: len(parts) - (node.level - 1)]
    if node.module:
        parts.append(node.module)
    return ".".join(parts)


def _known_prefix(dotted: str, modules: Mapping[str, Module]) -> str | None:
    parts = dotted.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in modules:
            return candidate
        parts.pop()
    return None


def import_edges(modules: Mapping[str, Module]) -> list[Edge]:
    """Every import of one of `modules` by one of `modules`, wherever it sits in the file."""
    edges: list[Edge] = []
    for module in modules.values():
        for node in ast.walk(module.tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    target = _known_prefix(alias.name, modules)
                    if target is not None:
                        edges.append(Edge(module.name, target, None, node.lineno))
            elif isinstance(node, ast.ImportFrom):
                base = _resolve_from(module, node)
                for alias in node.names:
                    submodule = f"{base}.{alias.name}"
                    if submodule in modules:
                        edges.append(Edge(module.name, submodule, None, node.lineno))
                    elif base in modules:
                        name = None if alias.name == "*" else alias.name
                        edges.append(Edge(module.name, base, name, node.lineno))
    return edges


def _strongly_connected(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative; components in no particular order."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, successors = work[-1]
            for succ in successors:
                if succ not in index:
                    index[succ] = low[succ] = len(index)
                    stack.append(succ)
                    on_stack.add(succ)
                    work.append((succ, iter(sorted(graph[succ]))))
                    break
                if succ in on_stack:
                    low[node] = min(low[node], index[succ])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component: list[str] = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    components.append(sorted(component))
    return components


def find_cycles(edges: list[Edge], limit: int = 200) -> list[list[str]]:
    """Elementary cycles, each as `[a, b, ..., a]`, starting at its smallest module name."""
    graph: dict[str, set[str]] = {}
    for edge in edges:
        graph.setdefault(edge.importer, set()).add(edge.target)
        graph.setdefault(edge.target, set())
    cycles: list[list[str]] = []
    for component in _strongly_connected(graph):
        members = set(component)
        if len(component) == 1 and component[0] not in graph[component[0]]:
            continue
        for start in component:  # sorted: each cycle is found once, from its smallest node
            path = [start]
            todo = [iter(sorted(graph[start] & members))]
            while todo and len(cycles) < limit:
                for succ in todo[-1]:
                    if succ == start:
                        cycles.append([*path, start])
                    elif succ > start and succ not in path:
                        path.append(succ)
                        todo.append(iter(sorted(graph[succ] & members)))
                        break
                else:
                    todo.pop()
                    path.pop()
    return sorted(cycles)


def _may_import_private_module(importer: Module, target: str) -> bool:
    """Whether `importer` may import `target`, whose dotted name may have private parts."""
    parts = target.split(".")
    for i, part in enumerate(parts):
        if not _is_private(part):
            continue
        scope = ".".join(parts[:i])  # the package that holds the private module
        inside = ".".join(parts[: i + 1])
        own_package = importer.name == scope or importer.name.rpartition(".")[0] == scope
        if not (own_package or importer.name.startswith(inside + ".")):
            return False
    return True


def _module_bindings(module: Module, modules: Mapping[str, Module]) -> dict[str, str]:
    """Local names bound to one of `modules` by an import (`import a.b as m`, `from a import b`)."""
    bound: dict[str, str] = {}
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname is not None and alias.name in modules:
                    bound[alias.asname] = alias.name
                elif alias.asname is None and alias.name.split(".")[0] in modules:
                    top = alias.name.split(".")[0]
                    bound[top] = top
        elif isinstance(node, ast.ImportFrom):
            base = _resolve_from(module, node)
            for alias in node.names:
                if f"{base}.{alias.name}" in modules:
                    bound[alias.asname or alias.name] = f"{base}.{alias.name}"
    return bound


def _dotted_module(
    expr: ast.expr, bound: Mapping[str, str], modules: Mapping[str, Module]
) -> str | None:
    """The module `expr` names (`cal`, `meetlink.adapters`), if it names one."""
    if isinstance(expr, ast.Name):
        return bound.get(expr.id)
    if isinstance(expr, ast.Attribute):
        parent = _dotted_module(expr.value, bound, modules)
        if parent is not None and f"{parent}.{expr.attr}" in modules:
            return f"{parent}.{expr.attr}"
    return None


def _is_own_object(expr: ast.expr) -> bool:
    if isinstance(expr, ast.Name):
        return expr.id in {"self", "cls"}
    return (
        isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and expr.func.id == "super"
    )


_Function = ast.FunctionDef | ast.AsyncFunctionDef


@dataclass(frozen=True)
class _Context:
    """Where an expression sits: its module's classes, the enclosing class and function."""

    classes: Mapping[str, ast.ClassDef]
    cls: ast.ClassDef | None = None
    func: _Function | None = None


def _with_context(
    tree: ast.Module, classes: Mapping[str, ast.ClassDef]
) -> Iterator[tuple[ast.AST, _Context]]:
    def visit(node: ast.AST, ctx: _Context) -> Iterator[tuple[ast.AST, _Context]]:
        yield node, ctx
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                yield from visit(child, _Context(classes, child, None))
            elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                yield from visit(child, _Context(classes, ctx.cls, child))
            else:
                yield from visit(child, ctx)

    yield from visit(tree, _Context(classes))


def _annotation_class(annotation: ast.expr | None, ctx: _Context) -> str | None:
    """The module's class an annotation names: `C`, `"C"`, `C | None`, `Self`."""
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        try:
            annotation = ast.parse(annotation.value, mode="eval").body
        except SyntaxError:
            return None
    if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
        sides = [
            side
            for side in (annotation.left, annotation.right)
            if not (isinstance(side, ast.Constant) and side.value is None)
        ]
        return _annotation_class(sides[0], ctx) if len(sides) == 1 else None
    if isinstance(annotation, ast.Name):
        if annotation.id == "Self" and ctx.cls is not None:
            return ctx.cls.name
        if annotation.id in ctx.classes:
            return annotation.id
    return None


def _the_one(found: set[str | None]) -> str | None:
    return next(iter(found)) if len(found) == 1 else None


def _call_class(func: ast.expr, ctx: _Context) -> str | None:
    """The class of what `func(...)` returns: `C(...)`, `cls(...)`, `C.make(...) -> C`."""
    if isinstance(func, ast.Name):
        if func.id == "cls" and ctx.cls is not None:
            return ctx.cls.name
        return func.id if func.id in ctx.classes else None
    if isinstance(func, ast.Attribute):
        owner = _call_class(func.value, ctx)
        if owner is not None:
            for node in ctx.classes[owner].body:
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and (
                    node.name == func.attr
                ):
                    return _annotation_class(
                        node.returns, _Context(ctx.classes, ctx.classes[owner])
                    )
    return None


def _name_class(name: str, ctx: _Context, depth: int) -> str | None:
    """The class of a local name: an `isinstance` check, or every binding agrees."""
    if ctx.func is None:
        return None
    found: set[str | None] = set()
    arguments = ctx.func.args
    for arg in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]:
        if arg.arg == name:
            found.add(_annotation_class(arg.annotation, ctx))
    covered: set[int] = set()
    for node in ast.walk(ctx.func):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "isinstance"
            and len(node.args) == 2
            and isinstance(node.args[0], ast.Name)
            and node.args[0].id == name
            and isinstance(node.args[1], ast.Name)
            and node.args[1].id in ctx.classes
        ):
            return node.args[1].id
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name) and target.id == name:
                    covered.add(id(target))
                    found.add(_class_of(node.value, ctx, depth + 1))
        elif (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and node.target.id == name
        ):
            covered.add(id(node.target))
            found.add(_annotation_class(node.annotation, ctx))
    for node in ast.walk(ctx.func):  # bound some other way: a loop, `with ... as`, unpacking
        if (
            isinstance(node, ast.Name)
            and isinstance(node.ctx, ast.Store)
            and node.id == name
            and id(node) not in covered
        ):
            found.add(None)
    return _the_one(found)


def _self_attribute_class(attr: str, ctx: _Context, depth: int) -> str | None:
    """The class of `self.attr`: its annotations and every assignment to it agree."""
    assert ctx.cls is not None
    found: set[str | None] = set()
    for node in ctx.cls.body:
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and node.target.id == attr
        ):
            found.add(_annotation_class(node.annotation, ctx))
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        method = _Context(ctx.classes, ctx.cls, node)
        for inner in ast.walk(node):
            targets = (
                inner.targets
                if isinstance(inner, ast.Assign)
                else [inner.target]
                if isinstance(inner, ast.AnnAssign)
                else []
            )
            for target in targets:
                if (
                    isinstance(target, ast.Attribute)
                    and target.attr == attr
                    and isinstance(target.value, ast.Name)
                    and target.value.id == "self"
                ):
                    if isinstance(inner, ast.AnnAssign):
                        found.add(_annotation_class(inner.annotation, method))
                    elif isinstance(inner, ast.Assign):
                        found.add(_class_of(inner.value, method, depth + 1))
    return _the_one(found)


def _class_of(expr: ast.expr, ctx: _Context, depth: int = 0) -> str | None:
    """The class, defined in this module, of the object `expr` is, when it is plain to see."""
    if depth > 5:
        return None
    if isinstance(expr, ast.Name):
        if expr.id == "self" and ctx.cls is not None:
            return ctx.cls.name
        return _name_class(expr.id, ctx, depth)
    if (
        isinstance(expr, ast.Attribute)
        and ctx.cls is not None
        and isinstance(expr.value, ast.Name)
        and expr.value.id == "self"
    ):
        return _self_attribute_class(expr.attr, ctx, depth)
    if isinstance(expr, ast.Call):
        return _call_class(expr.func, ctx)
    return None


def _defines(classes: Mapping[str, ast.ClassDef], name: str, attr: str) -> bool:
    """Whether the module's class `name` (or a base class of the module) defines `attr`."""
    cls = classes.get(name)
    if cls is None:
        return False
    for node in ast.walk(cls):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == attr:
            return True
        if isinstance(node, ast.Name | ast.Attribute) and isinstance(node.ctx, ast.Store):
            if isinstance(node, ast.Name) and node.id == attr:
                return True
            if (
                isinstance(node, ast.Attribute)
                and node.attr == attr
                and isinstance(node.value, ast.Name)
                and node.value.id == "self"
            ):
                return True
    return any(
        isinstance(base, ast.Name) and base.id != name and _defines(classes, base.id, attr)
        for base in cls.bases
    )


def private_access(modules: Mapping[str, Module]) -> list[str]:
    """Every reach into another module's private names or private modules, as readable lines."""
    found: list[str] = []
    for edge in import_edges(modules):
        importer = modules[edge.importer]
        where = f"{importer.path}:{edge.line}"
        if edge.name is not None and _is_private(edge.name):
            found.append(f"{where}: imports private name {edge.name} from {edge.target}")
        if not _may_import_private_module(importer, edge.target):
            found.append(f"{where}: imports private module {edge.target}")
    for module in modules.values():
        bound = _module_bindings(module, modules)
        classes = {n.name: n for n in ast.walk(module.tree) if isinstance(n, ast.ClassDef)}
        for node, ctx in _with_context(module.tree, classes):
            if not isinstance(node, ast.Attribute) or not _is_private(node.attr):
                continue
            where = f"{module.path}:{node.lineno}"
            owner = _dotted_module(node.value, bound, modules)
            if owner is not None:
                found.append(f"{where}: reads private name {node.attr} of module {owner}")
                continue
            if _is_own_object(node.value) or node.attr in ALLOWED_ATTRIBUTES:
                continue
            if (module.name, node.attr) in ALLOWED_IN_MODULE:
                continue
            of_class = _class_of(node.value, ctx)
            if of_class is None or not _defines(classes, of_class, node.attr):
                found.append(f"{where}: reads private attribute {ast.unparse(node)}")
    return sorted(found)


# --------------------------------------------------------------------------- the tests


def test_no_import_cycle_in_meetlink() -> None:
    cycles = find_cycles(import_edges(load_modules(SRC / "meetlink")))
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_no_module_reaches_into_another_modules_privates() -> None:
    found = private_access(load_modules(SRC / "meetlink"))
    assert not found, "private names used across modules:\n" + "\n".join(found)


def test_the_allow_list_has_no_stale_entries() -> None:
    modules = load_modules(SRC / "meetlink")
    for module_name, attr in ALLOWED_IN_MODULE:
        tree = modules[module_name].tree
        assert any(
            isinstance(node, ast.Attribute) and node.attr == attr for node in ast.walk(tree)
        ), f"{module_name} no longer reads .{attr}: drop it from ALLOWED_IN_MODULE"


# --------------------------------------------------------------------------- self-check


def _cycles(sources: Mapping[str, str]) -> list[str]:
    return [" -> ".join(c) for c in find_cycles(import_edges(parse_modules(sources)))]


def test_checker_sees_a_cycle_hidden_under_type_checking_and_in_a_function() -> None:
    sources = {
        "p/__init__.py": "",
        "p/a.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from p.b import B\n",
        "p/b.py": "def f():\n    from . import a\n",
        "p/c.py": "import p.a\n",
    }
    assert _cycles(sources) == ["p.a -> p.b -> p.a"]


def test_checker_sees_a_submodule_importing_its_own_package_init() -> None:
    sources = {
        "p/__init__.py": "from p.q import thing\n",
        "p/q/__init__.py": "from .r import thing\n",
        "p/q/r.py": "from p.q import helper\n",
    }
    assert _cycles(sources) == ["p.q -> p.q.r -> p.q"]


def test_checker_reports_every_cycle_and_ignores_acyclic_packages() -> None:
    sources = {
        "p/__init__.py": "from . import a, b\n",  # the package importing its submodules
        "p/a.py": "from .b import x\nfrom ..p import c\n",
        "p/b.py": "import p.a\n",
        "p/c.py": "from p.a import y\n",
        "p/d.py": "from p import a\n",
    }
    assert _cycles(sources) == ["p.a -> p.b -> p.a", "p.a -> p.c -> p.a"]


def test_checker_reports_private_names_modules_and_attributes() -> None:
    sources = {
        "p/__init__.py": "from ._impl import Public\n",  # allowed: the package's own __init__
        "p/_impl.py": "from .util import _helper\nPublic = 1\n",
        "p/util.py": "def _helper(): ...\n",
        "p/sibling.py": "from p import _impl\nfrom p._impl import Public\n",  # allowed
        "p/sub/__init__.py": "",
        "p/sub/far.py": (
            "from p import _impl as impl\n"
            "import p.util\n"
            "impl._x\n"
            "p.util._helper()\n"
            "class A:\n"
            "    def m(self, t):\n"
            "        self._ok, super()._ok2, t._replace()\n"
            "        return self.audit._append\n"
        ),
    }
    assert private_access(parse_modules(sources)) == [
        "p/_impl.py:1: imports private name _helper from p.util",
        "p/sub/far.py:1: imports private module p._impl",
        "p/sub/far.py:3: reads private name _x of module p._impl",
        "p/sub/far.py:4: reads private name _helper of module p.util",
        "p/sub/far.py:8: reads private attribute self.audit._append",
    ]


def test_checker_allows_a_class_of_the_same_module_only_when_it_can_see_the_class() -> None:
    sources = {
        "p/__init__.py": "",
        "p/owner.py": (
            "class Store:\n"
            "    def __init__(self):\n"
            "        self._rows = {}\n"
            "    @classmethod\n"
            "    def make(cls) -> 'Store':\n"
            "        return cls()\n"
            "class User:\n"
            "    def __init__(self, store: object = None):\n"
            "        if isinstance(store, Store):\n"
            "            self.store = store\n"
            "        else:\n"
            "            self.store = Store.make()\n"
            "    def rows(self, other: Store | None, log, many: list[Store]):\n"
            "        made = Store()\n"
            "        for each in many:\n"
            "            each._rows\n"
            "        return self.store._rows, other._rows, made._rows, log._rows, made._gone\n"
        ),
    }
    assert private_access(parse_modules(sources)) == [
        "p/owner.py:16: reads private attribute each._rows",
        "p/owner.py:17: reads private attribute log._rows",
        "p/owner.py:17: reads private attribute made._gone",
    ]
