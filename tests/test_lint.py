"""Golden tests for the risk lint: every code in ``RULES`` has a fixture that triggers it and a
near miss, the closest safe variant, that does not.

Each folder of ``tests/lint_fixtures`` is named ``<CODE>_<rule-name>`` and holds three model
modules: ``before.py``, ``trigger.py`` and ``near_miss.py``.  The changes are found as
`tool snapshot` finds them (model rename hints, then the snapshot diff) without a database.
"""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path

import pytest
from sqlalchemy import MetaData

from cultivar_schema.diff import Action, Change, Kind, diff_with_renames
from cultivar_schema.diff.lint import lint
from cultivar_schema.diff.renames import renames_in
from cultivar_schema.rules import RULES, Severity
from cultivar_schema.snapshot.serialize import TableDict, metadata_to_dicts

FIXTURES = Path(__file__).resolve().parent / "lint_fixtures"
FOLDERS = sorted(path.name for path in FIXTURES.iterdir() if path.is_dir())


@cache
def load(folder: str, state: str) -> MetaData:
    """The ``metadata`` of one fixture module, imported under a name of its own."""
    path = FIXTURES / folder / f"{state}.py"
    name = "lint_fixture_" + f"{folder}_{state}".replace("-", "_").lower()
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    metadata = module.metadata
    assert isinstance(metadata, MetaData)
    return metadata


def changes_between(folder: str, state: str) -> list[Change]:
    """The changes from ``before`` to ``state``, renames first, as ``compare_models`` lists them."""
    old: dict[str, TableDict | None] = dict(metadata_to_dicts(load(folder, "before")))
    metadata = load(folder, state)
    new: dict[str, TableDict | None] = dict(metadata_to_dicts(metadata))
    return diff_with_renames(old, new, renames_in(metadata)).changes


def codes(folder: str, state: str) -> list[str]:
    return [risk.code for risk in lint(changes_between(folder, state))]


def folder_code(folder: str) -> str:
    return folder.split("_", 1)[0]


@pytest.mark.parametrize("folder", FOLDERS)
def test_trigger_raises_the_code(folder: str) -> None:
    code = folder_code(folder)
    assert code in codes(folder, "trigger"), changes_between(folder, "trigger")


@pytest.mark.parametrize("folder", FOLDERS)
def test_near_miss_does_not(folder: str) -> None:
    changes = changes_between(folder, "near_miss")
    assert changes, "a near miss must change something, or it proves nothing"
    assert folder_code(folder) not in codes(folder, "near_miss"), changes


@pytest.mark.parametrize("folder", FOLDERS)
def test_before_is_stable(folder: str) -> None:
    """Diffing ``before`` against itself finds nothing: the fixtures are deterministic."""
    assert changes_between(folder, "before") == []


def test_every_rule_has_exactly_one_folder() -> None:
    found: dict[str, list[str]] = {}
    for folder in FOLDERS:
        found.setdefault(folder_code(folder), []).append(folder)
    assert sorted(found) == sorted(RULES), "each code in RULES needs one fixture folder"
    for code, folders in found.items():
        assert folders == [f"{code}_{RULES[code].name}"], folders


@pytest.mark.parametrize("folder", FOLDERS)
def test_folder_is_complete(folder: str) -> None:
    files = sorted(path.name for path in (FIXTURES / folder).glob("*.py"))
    assert files == ["before.py", "near_miss.py", "trigger.py"]
    for name in files:
        first = (FIXTURES / folder / name).read_text().splitlines()[0]
        assert first.startswith('"""') and first.endswith('"""') and len(first) > 6, name


def test_severity_override() -> None:
    changes = changes_between("DS102_drop-column", "trigger")
    (default,) = [risk for risk in lint(changes) if risk.code == "DS102"]
    assert default.severity is Severity.ERROR
    (warned,) = [risk for risk in lint(changes, {"DS102": Severity.WARNING})
                 if risk.code == "DS102"]
    assert warned.severity is Severity.WARNING
    assert warned.to_json()["severity"] == "warning"
    assert "DS102" not in [risk.code for risk in lint(changes, {"DS102": Severity.OFF})]


def test_override_leaves_other_codes_alone() -> None:
    changes = changes_between("MF103_add-check", "trigger")
    risks = lint(changes, {"MF103": Severity.OFF})
    assert [risk.code for risk in risks] == ["PG103"]
    assert risks[0].severity is RULES["PG103"].severity


@pytest.mark.parametrize("folder", [f for f in FOLDERS if f.startswith("PG")])
def test_safe_postgresql_drops_pg101_to_pg103(folder: str) -> None:
    changes = changes_between(folder, "trigger")
    plain = [risk.code for risk in lint(changes)]
    safe = [risk.code for risk in lint(changes, safe_postgresql=True)]
    assert safe == [code for code in plain if code not in ("PG101", "PG102", "PG103")]
    if folder_code(folder) == "PG104":  # a table rewrite is not made safe by NOT VALID
        assert "PG104" in safe


@pytest.mark.parametrize("folder", FOLDERS)
def test_describe_is_one_line_starting_with_the_code(folder: str) -> None:
    risks = lint(changes_between(folder, "trigger"))
    assert risks
    for risk in risks:
        line = risk.describe()
        assert "\n" not in line
        assert line.startswith(f"{risk.code} {risk.severity.value}: ")
        assert line.endswith(risk.rule.reason)


@pytest.mark.parametrize("old, new", [
    ("Boolean(create_constraint=True, name='paid_bool')", "Boolean()"),  # BOOLEAN either way
    ("Numeric(precision=10, scale=2)", "Numeric(precision=10, scale=2, asdecimal=False)"),
])
def test_same_postgresql_type_is_no_rewrite(old: str, new: str) -> None:
    change = Change(Action.ALTER, Kind.COLUMN, "plants", "paid", "type", old=old, new=new)
    assert "PG104" not in [risk.code for risk in lint([change])]


def test_the_review_page_lists_every_rule_with_its_atlas_code() -> None:
    """docs/review.md's risk table is the catalogue: code, name, severity and Atlas's code."""
    page = (Path(__file__).parent.parent / "docs" / "review.md").read_text(encoding="utf-8")
    rows = {cells[0]: cells[1:4] for line in page.splitlines()
            if (cells := [cell.strip() for cell in line.strip("|").split("|")])[0] in RULES}
    assert rows == {code: [rule.name, rule.severity.value, rule.atlas or "–"]
                    for code, rule in RULES.items()}
