"""Pinned revisions: the ``upgrade()`` and ``downgrade()`` `tool snapshot` writes per golden case.

Each non-error case under ``tests/fixtures/`` keeps ``expected_upgrade.py``: the two functions
of the revision written for ``before.py`` -> ``after.py`` in the default test project (SQLite
URL, the case's ``schema_options``; no database is touched), without the revision ids, dates
and docstring.  A change of what the planner writes, or of its order, then shows as a diff.

Regenerate every pin after a deliberate change (and review the diff)::

    python -m tests.pin_revisions            # all cases
    python -m tests.pin_revisions CASE ...   # only these
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

from .conftest import ALLOW, new_project
from .test_golden import CASES, FIXTURES, Case, configure, write_models

PIN_FILE = "expected_upgrade.py"
PINNED = [case for case in CASES if case.error is None]


def rendered_revision(case: Case, workdir: Path) -> str:
    """``def upgrade()`` to the end of the revision `tool snapshot` writes for the case."""
    project = new_project(workdir / "proj", f"sqlite:///{workdir / 'unused.db'}")
    configure(project, case.schema_options)
    write_models(project, case.before)
    project.invoke("snapshot", "-m", "before")
    write_models(project, case.after)
    out = project.invoke("snapshot", "-m", "after", *ALLOW).out
    wrote = re.search(r"^wrote revision \w+: (.+)$", out, re.MULTILINE)
    assert wrote, out
    text = (project.root / wrote[1]).read_text(encoding="utf-8")
    start = text.index("\ndef upgrade()")
    return text[start + 1:]


def pin_path(case: Case) -> Path:
    return FIXTURES / case.name / PIN_FILE


def main(names: list[str]) -> int:
    """Rewrite the pins of the named cases (default: every non-error case)."""
    unknown = sorted(set(names) - {case.name for case in PINNED})
    if unknown:
        print(f"error: no non-error golden case named {', '.join(unknown)}", file=sys.stderr)
        return 2
    for case in PINNED:
        if names and case.name not in names:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            text = rendered_revision(case, Path(tmp))
        path = pin_path(case)
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(FIXTURES.parent.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
