"""Where a project's models are, for `tool init` without ``--models``: its Python files are
read (never imported: importing runs the project's code) for a declarative base
(``class Base(DeclarativeBase)``, ``Base = declarative_base()``), a SQLModel table or a
module-level ``MetaData()``.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

# Folders that hold no models of the project's own.
SKIPPED = {"node_modules", "site-packages", "build", "dist", "tests", "test", "snapshots",
           "versions", "migrations", "alembic", "__pycache__"}
LARGEST = 1 << 20  # bytes; generated or vendored files are not models


MOST_LISTED = 5  # more table modules than this are named by their common package


@dataclass(frozen=True)
class FoundModels:
    """A proposal: the modules that define tables and where their MetaData is."""

    models: tuple[str, ...]
    metadata: str
    path: Path  # the file that defines the MetaData


@dataclass
class _Scan:
    metadata: list[tuple[str, str, Path]] = field(default_factory=list)
    table_modules: list[str] = field(default_factory=list)


def find_models(root: Path) -> list[FoundModels]:
    """One proposal per MetaData defined under ``root`` (nearest first); each names the modules
    that define tables nearest to it (sharing the longest package path)."""
    scan = _Scan()
    for path in _python_files(root):
        module = _module_name(root, path)
        if module is None:
            continue
        try:
            tree = ast.parse(path.read_bytes())
        except (SyntaxError, ValueError, OSError):
            continue
        attribute = _metadata_attribute(tree)
        if attribute is not None:
            scan.metadata.append((module, f"{module}:{attribute}", path))
        if _defines_tables(tree):
            scan.table_modules.append(module)
    scan.metadata.sort(key=lambda item: (len(item[2].parts), str(item[2])))
    owners: dict[str, list[str]] = {module: [] for module, _, _ in scan.metadata}
    for table_module in scan.table_modules:
        if owners:
            nearest = max(owners, key=lambda module: _shared(module, table_module))
            if len(owners) == 1 or _shared(nearest, table_module):  # else: whose is unknown
                owners[nearest].append(table_module)
    return [FoundModels(_covering(owners[module] or [module]), metadata, path)
            for module, metadata, path in scan.metadata]


def _shared(one: str, other: str) -> int:
    return len(os.path.commonprefix([one.split("."), other.split(".")]))


def _covering(modules: list[str]) -> tuple[str, ...]:
    """The modules to import: all of them, or their common package when there are many."""
    if len(modules) <= MOST_LISTED:
        return tuple(sorted(modules))
    common = os.path.commonprefix([module.split(".")[:-1] for module in modules])
    return (".".join(common),) if common else tuple(sorted(modules))


def _python_files(root: Path) -> Iterator[Path]:
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = sorted(name for name in subfolders
                               if not name.startswith(".") and name not in SKIPPED
                               and not (Path(folder) / name / "pyvenv.cfg").exists())
        for name in sorted(files):
            path = Path(folder) / name
            if name.endswith(".py") and path.stat().st_size <= LARGEST:
                yield path


def _module_name(root: Path, path: Path) -> str | None:
    """The dotted name ``path`` is imported by from ``root`` (or from ``root/src``)."""
    relative = path.relative_to(root)
    parts = list(relative.with_suffix("").parts)
    if parts[0] == "src":
        parts = parts[1:]
    if parts[-1] == "__init__":
        parts = parts[:-1]
    if not parts or not all(part.isidentifier() for part in parts):
        return None
    return ".".join(parts)


def _metadata_attribute(tree: ast.Module) -> str | None:
    """How the module's MetaData is reached, if the module defines one."""
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            bases = {_name(base) for base in node.bases}
            if bases & {"DeclarativeBase", "DeclarativeBaseNoMeta"}:
                return f"{node.name}.metadata"
            table = any(k.arg == "table" and _is_true(k.value) for k in node.keywords)
            if "SQLModel" in bases and table:
                return "SQLModel.metadata"
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(
                node.targets[0], ast.Name) and isinstance(node.value, ast.Call):
            called = _name(node.value.func)
            if called == "declarative_base":
                return f"{node.targets[0].id}.metadata"
            if called == "MetaData":
                return node.targets[0].id
    return None


def _defines_tables(tree: ast.Module) -> bool:
    """A declarative class with ``__tablename__``, a SQLModel table or a ``Table(...)``."""
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            if any(k.arg == "table" and _is_true(k.value) for k in node.keywords):
                return True
            if any(isinstance(item, ast.Assign | ast.AnnAssign) and "__tablename__" in {
                    _name(target) for target in _targets(item)} for item in node.body):
                return True
        elif isinstance(node, ast.Call) and _name(node.func) == "Table":
            return True
    return False


def _targets(node: ast.Assign | ast.AnnAssign) -> list[ast.expr]:
    return node.targets if isinstance(node, ast.Assign) else [node.target]


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def _is_true(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is True
