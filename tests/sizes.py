"""List the engine's modules over ~400 lines and functions over ~60 (the developers' guide's
limits), longest first: ``python -m tests.sizes [LIMIT_MODULE LIMIT_FUNCTION]``.

A reading aid, not a test: a module or function a little over may read best whole.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

SCHEMA = Path(__file__).resolve().parent.parent / "schema"


def offenders(module_limit: int, function_limit: int) -> list[tuple[int, str]]:
    """``(lines, description)`` of every module and function of ``schema/`` over its limit."""
    found = []
    for path in sorted(SCHEMA.rglob("*.py")):
        if "templates" in path.parts:  # files written into user projects, not engine code
            continue
        text = path.read_text(encoding="utf-8")
        where = path.relative_to(SCHEMA.parent)
        lines = text.count("\n")
        if lines > module_limit:
            found.append((lines, f"module   {where}"))
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > function_limit:
                    found.append((length, f"function {where}:{node.lineno} {node.name}"))
    return sorted(found, reverse=True)


def main(argv: list[str]) -> int:
    module_limit, function_limit = (int(argv[0]), int(argv[1])) if len(argv) == 2 else (400, 60)
    for length, what in offenders(module_limit, function_limit):
        print(f"{length:5} {what}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
