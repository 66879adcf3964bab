"""The floors of `inbox/`, checked from its own imports (read with `ast`, nothing is imported).

    python tools/layers.py            # the report: upward imports, circles, imports inside functions
    python tools/layers.py --strict   # exit 1 when a limit below is broken (tests/test_layers.py runs it)

A module may import from its own floor or below. An import that runs back up must carry a comment on
its line, `# upward: <why>`, and there may be at most MAX_UPWARD of them. No file may take part in an
import circle (module-level and in-function imports both count: either runs at some point). An import
inside a function must say why on its line or the line above (`# deferred: <why>`); at most
MAX_DEFERRED of them. Migrations are left out: Alembic loads each revision on its own.
"""
from __future__ import annotations

import argparse
import ast
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "inbox"
MAX_UPWARD = 5
MAX_DEFERRED = 20
UPWARD_MARK = "# upward:"
DEFERRED_MARK = "# deferred:"

# Ground up. The longest prefix names a module's floor; every module of inbox/ must have one.
FLOORS: list[tuple[str, list[str]]] = [
    ("base", ["inbox.config", "inbox.extensions", "inbox.timeutil", "inbox.labels", "inbox.translatable",
              "inbox.redis_client", "inbox.leader", "inbox.links", "inbox.security.outbound", "inbox.security.params",
              "inbox.security.links", "inbox.jobqueue", "inbox.app_settings", "inbox.csvsafe"]),
    ("connectors", ["inbox.connectors"]),
    ("sentiment", ["inbox.sentiment"]),
    ("domain", ["inbox.auth", "inbox.audit", "inbox.channels", "inbox.tickets"]),
    ("features", ["inbox.voice", "inbox.live", "inbox.webhooks", "inbox.automation", "inbox.assignment",
                  "inbox.contacts", "inbox.privacy", "inbox.notifications"]),
    ("jobs", ["inbox.jobs", "inbox.health"]),
    ("web", ["inbox.web", "inbox.api", "inbox.security"]),
    ("entry", ["inbox.cli", "inbox.demo", "inbox.setup", "inbox.models", "inbox.app", "inbox.__main__", "inbox"]),
]
FLOOR_OF_PREFIX = {prefix: number for number, (_, prefixes) in enumerate(FLOORS) for prefix in prefixes}


@dataclass(frozen=True)
class Import:
    source: str  # importing module
    target: str  # imported module of inbox
    path: Path
    line: int
    in_function: bool
    type_only: bool
    comment: str  # the import's own line, and the line above for in-function imports
    where: str  # path:line, from the root of the tree


def floor_of(module: str) -> int:
    parts = module.split(".")
    for end in range(len(parts), 0, -1):
        prefix = ".".join(parts[:end])
        if prefix in FLOOR_OF_PREFIX:
            return FLOOR_OF_PREFIX[prefix]
    raise KeyError(f"{module} has no floor: add it to FLOORS in tools/layers.py")


def modules(root: Path = ROOT) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for path in sorted((root / PACKAGE).rglob("*.py")):
        rel = path.relative_to(root).with_suffix("")
        if "migrations" in rel.parts:
            continue
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _package_of(module: str, path: Path) -> list[str]:
    parts = module.split(".")
    return parts if path.name == "__init__.py" else parts[:-1]


def _targets(node: ast.Import | ast.ImportFrom, package: list[str], known: dict[str, Path]) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names if alias.name.split(".")[0] == PACKAGE]
    base = package[: len(package) - node.level + 1] if node.level else []
    module = ".".join(base + ([node.module] if node.module else []))
    if module.split(".")[0] != PACKAGE:
        return []
    out = []
    for alias in node.names:
        candidate = f"{module}.{alias.name}"
        out.append(candidate if candidate in known else module)
    return out


def _walk(tree: ast.AST) -> list[tuple[ast.Import | ast.ImportFrom, bool, bool]]:
    """Every import with (inside a function, only under `if TYPE_CHECKING`)."""
    found: list[tuple[ast.Import | ast.ImportFrom, bool, bool]] = []

    def visit(node: ast.AST, in_function: bool, type_only: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                found.append((child, in_function, type_only))
            elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                visit(child, True, type_only)
            elif isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                for sub in child.body:
                    visit_one(sub, in_function, True)
                for sub in child.orelse:
                    visit_one(sub, in_function, type_only)
            else:
                visit(child, in_function, type_only)

    def visit_one(node: ast.AST, in_function: bool, type_only: bool) -> None:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.append((node, in_function, type_only))
        else:
            visit(node, in_function, type_only)

    visit(tree, False, False)
    return found


def imports(root: Path = ROOT) -> tuple[list[Import], list[Import]]:
    """(imports of inbox modules, every import statement written inside a function)."""
    known = modules(root)
    internal: list[Import] = []
    deferred: list[Import] = []
    for module, path in known.items():
        lines = path.read_text(encoding="utf-8").splitlines()
        package = _package_of(module, path)
        for node, in_function, type_only in _walk(ast.parse("\n".join(lines), str(path))):
            end = getattr(node, "end_lineno", node.lineno) or node.lineno
            own = " ".join(lines[node.lineno - 1:end])
            above = lines[node.lineno - 2] if node.lineno >= 2 else ""
            comment = own + ("\n" + above if above.strip().startswith("#") else "")
            targets = _targets(node, package, known)
            where = f"{path.relative_to(root)}:{node.lineno}"
            for target in targets:
                internal.append(Import(module, target, path, node.lineno, in_function, type_only, comment, where))
            if in_function:
                deferred.append(Import(module, targets[0] if targets else "", path, node.lineno, True, type_only, comment, where))
    return internal, deferred


def upward(found: list[Import]) -> list[Import]:
    return [i for i in found if i.source != i.target and floor_of(i.target) > floor_of(i.source)]


def circles(found: list[Import], known: dict[str, Path]) -> list[list[str]]:
    """Strongly connected groups of modules (Tarjan). Importing a module runs its packages' __init__
    first, so a module also depends on each package above it that has code."""
    graph: dict[str, set[str]] = {m: set() for m in known}
    for i in found:
        if i.type_only or i.source == i.target:
            continue
        graph[i.source].add(i.target)
        parts = i.target.split(".")
        for end in range(2, len(parts)):
            parent = ".".join(parts[:end])
            if parent in known and parent != i.source and not i.source.startswith(parent + ".") and known[parent].stat().st_size > 0:
                graph[i.source].add(parent)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    counter = 0
    sys.setrecursionlimit(10_000)

    def strong(node: str) -> None:
        nonlocal counter
        index[node] = low[node] = counter
        counter += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                strong(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                item = stack.pop()
                on_stack.discard(item)
                group.append(item)
                if item == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            strong(node)
    return groups


def report(root: Path = ROOT) -> tuple[list[str], dict[str, int]]:
    """Problems (each names the line to look at) and the counts."""
    known = modules(root)
    found, deferred = imports(root)
    problems: list[str] = []
    for module in known:
        try:
            floor_of(module)
        except KeyError as exc:
            problems.append(str(exc))
    up = upward(found)
    for i in up:
        if UPWARD_MARK not in i.comment:
            problems.append(f"{i.where}: {i.source} imports {i.target} from a floor above "
                            f"({FLOORS[floor_of(i.source)][0]} -> {FLOORS[floor_of(i.target)][0]}) without '{UPWARD_MARK} <why>'")
    if len(up) > MAX_UPWARD:
        problems.append(f"{len(up)} imports run back up (at most {MAX_UPWARD})")
    groups = circles(found, known)
    for group in groups:
        problems.append("import circle: " + " <-> ".join(group))
    for i in deferred:
        if DEFERRED_MARK not in i.comment:
            problems.append(f"{i.where}: import inside a function without '{DEFERRED_MARK} <why>'")
    if len(deferred) > MAX_DEFERRED:
        problems.append(f"{len(deferred)} imports inside functions (at most {MAX_DEFERRED})")
    counts = {"upward": len(up), "circles": len(groups), "deferred": len(deferred), "modules": len(known)}
    return problems, counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--strict", action="store_true", help="exit 1 when a limit is broken")
    parser.add_argument("--list", choices=("upward", "deferred", "circles"), help="list every such import")
    args = parser.parse_args(argv)
    problems, counts = report()
    if args.list:
        found, deferred = imports()
        if args.list == "upward":
            for i in upward(found):
                print(f"{i.where}: {i.source} -> {i.target}")
        elif args.list == "deferred":
            for i in deferred:
                print(f"{i.where}: {i.source} -> {i.target or '(outside inbox)'}")
        else:
            for group in circles(found, modules()):
                print(" <-> ".join(group))
    print(f"modules {counts['modules']}, upward imports {counts['upward']} (max {MAX_UPWARD}), "
          f"circles {counts['circles']}, imports inside functions {counts['deferred']} (max {MAX_DEFERRED})")
    for problem in problems if args.strict else []:
        print(problem)
    return 1 if args.strict and problems else 0


if __name__ == "__main__":
    sys.exit(main())
