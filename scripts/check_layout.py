"""Check the package layout: no import cycle in index/ or bot/, and bot/ uses public APIs only.

Public APIs are ``index`` itself and its subpackages (``index.retrieval`` …): whatever their
``__init__.py`` lists in ``__all__``.  Imports under ``TYPE_CHECKING`` and inside functions
count too: a cycle hidden there still ties the modules together.  Run from the repository
root (``make check-layout``, part of ``make lint``); exits 1 with one line per problem.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

CHECKED = ("index", "bot")  # packages whose import graph must have no cycle
CALLERS = ("index", "bot", "tests", "bench", "support")  # whose `from package import x` is checked


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def python_files(root: Path, top: str) -> Iterator[Path]:
    folder = root / top
    if folder.is_dir():
        yield from sorted(p for p in folder.rglob("*.py") if ".venv" not in p.parts)


def imports(tree: ast.Module, name: str, is_package: bool) -> Iterator[tuple[int, str, list[str]]]:
    """(line, module, names) for every import in the file, relative ones resolved."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, []
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = name.split(".")
                keep = len(parts) - node.level + (1 if is_package else 0)
                base = ".".join([*parts[:keep], *([base] if base else [])])
            yield node.lineno, base, [a.name for a in node.names]


def public_names(init: Path) -> list[str] | None:
    """The ``__all__`` of a package's ``__init__.py`` (None when it has none)."""
    tree = ast.parse(init.read_text(encoding="utf-8"))
    for node in tree.body:
        value: ast.expr | None
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign):
            targets, value = [node.target], node.value
        else:
            continue
        if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
            return [str(v) for v in ast.literal_eval(value)] if value is not None else []
    return None


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), each sorted."""
    index_of: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def visit(start: str) -> None:
        nonlocal counter
        work = [(start, iter(sorted(graph[start])))]
        index_of[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index_of:
                    index_of[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index_of[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index_of[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1 or node in graph[node]:
                    found.append(sorted(component))

    for node in sorted(graph):
        if node not in index_of:
            visit(node)
    return found


def main(root: Path) -> int:
    init = root / "index" / "__init__.py"
    if public_names(init) is None:
        print("check-layout: index/__init__.py has no __all__ (flat layout); nothing checked")
        return 0
    files = {module_name(root, p): p for top in CALLERS for p in python_files(root, top)}
    packages = {m for m, p in files.items() if p.name == "__init__.py"}
    subpackages = {m for m in packages if m.startswith("index.") and m.count(".") == 1}
    exported = {m: public_names(files[m]) for m in packages if m == "index" or m in subpackages}
    graph: dict[str, set[str]] = {m: set() for m in files if m.split(".")[0] in CHECKED}
    problems: list[str] = []
    for name, path in sorted(files.items()):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        where = path.relative_to(root)
        for line, target, names in imports(tree, name, path.name == "__init__.py"):
            top = target.split(".")[0]
            if name in graph and top in CHECKED:
                # `from a import b` depends on module a.b when it is one, else on a.
                for imported in names or [""]:
                    full = f"{target}.{imported}" if imported else target
                    graph[name].add(full if full in files else target)
            inside = name == target or name.startswith(target + ".")
            if target in exported and names and not inside:
                public = exported[target] or []
                # Tests and benchmarks may import a submodule itself; bot may not (below).
                modules_ok = not name.startswith("bot")
                missing = [
                    n
                    for n in names
                    if n not in public and not (modules_ok and f"{target}.{n}" in files)
                ]
                if missing:
                    problems.append(f"{where}:{line}: {', '.join(missing)} not in {target}.__all__")
            if name.split(".")[0] == "bot" and top == "index" and target not in exported:
                problems.append(
                    f"{where}:{line}: bot imports {target}; use index or index.<subpackage>"
                )
    for name in graph:
        graph[name] = {t for t in graph[name] if t in graph and t != name}
    for cycle in find_cycles(graph):
        problems.append(f"import cycle: {' <-> '.join(cycle)}")
    for problem in problems:
        print(problem)
    if not problems:
        print(f"check-layout: {len(graph)} modules, no cycle; bot uses public APIs only")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(Path.cwd()))
