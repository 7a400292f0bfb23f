"""The engine's layout follows the data: a stage imports only itself and earlier stages.

``STAGES`` is the order of ``schema/``'s sub-packages (and of its top-level modules, grouped as
``base`` and ``project``); an import of a later stage is an upward import, which the layout
forbids because it is how cycles and tangled modules start.
"""

from __future__ import annotations

import ast
from pathlib import Path

SCHEMA = Path(__file__).resolve().parent.parent / "schema"
# The engine's modules; templates/ holds files written into user projects, not engine code.
MODULES = sorted(path for path in SCHEMA.rglob("*.py") if "templates" not in path.parts)

# Earlier stages first; a module may import its own stage and any earlier one.
STAGES = ("base", "snapshot", "dialects", "project", "diff", "plan", "author", "verify",
          "review", "apply", "team")
BASE = {"errors", "faults", "journal", "files", "file_locks", "database", "config", "rules",
        "source_text", "mysql_reflection", "compat", "output", "progress", "revisions",
        "revision_list", "dialect_modules"}


def _stage(module: str) -> str:
    parts = module.split(".")
    if len(parts) < 2:
        return "base"
    return "base" if parts[1] in BASE else parts[1]


def _imports(path: Path) -> list[tuple[str, str]]:
    """(importing module, imported module) for every import of a schema module in ``path``."""
    relative = path.relative_to(SCHEMA).with_suffix("")
    is_init = relative.name == "__init__"
    # schema/ is installed as cultivar_schema (pyproject.toml's package-dir)
    module = ".".join(("cultivar_schema", *(relative.parts[:-1] if is_init else relative.parts)))
    package = module.split(".") if is_init else module.split(".")[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            target = ".".join(base + ([node.module] if node.module else []))
            names = [target] if node.module else [f"{target}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        found += [(module, name) for name in names if name.split(".")[0] == "cultivar_schema"]
    return found


def test_every_module_belongs_to_a_stage() -> None:
    stages = {_stage(module) for path in MODULES for module, _ in _imports(path)}
    assert stages <= set(STAGES), f"modules outside any stage: {sorted(stages - set(STAGES))}"


def test_no_module_imports_a_later_stage() -> None:
    upward = [f"{module} ({_stage(module)}) imports {target} ({_stage(target)})"
              for path in MODULES
              for module, target in _imports(path)
              if STAGES.index(_stage(target)) > STAGES.index(_stage(module))]
    assert not upward, "\n".join(upward)
