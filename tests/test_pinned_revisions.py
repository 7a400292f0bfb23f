"""Every non-error golden case's revision equals its pinned ``expected_upgrade.py``.

No database is needed (`tool snapshot` writes the revision from the snapshots alone), so this
runs everywhere and fast.  After a deliberate change of what the planner writes, regenerate the
pins with ``python -m tests.pin_revisions`` and review the diff (see tests/fixtures/README.md).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .pin_revisions import PIN_FILE, PINNED, pin_path, rendered_revision
from .test_golden import Case


@pytest.mark.parametrize("case", PINNED, ids=[case.name for case in PINNED])
def test_pinned_revision(case: Case, tmp_path: Path) -> None:
    path = pin_path(case)
    assert path.is_file(), (f"tests/fixtures/{case.name}/{PIN_FILE} is missing: run "
                            f"python -m tests.pin_revisions {case.name}")
    assert rendered_revision(case, tmp_path) == path.read_text(encoding="utf-8"), (
        f"the revision of {case.name} changed: if that is intended, run "
        f"python -m tests.pin_revisions {case.name} and review the diff")
