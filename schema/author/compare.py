"""Models -> snapshot, compared: what `tool check`, `tool diff` and `tool snapshot` all need.

Tables are compared by the sha256 of their canonical YAML first; only tables whose hash differs
are parsed from disk and diffed, so unchanged tables cost one serialisation and one hash.  Nothing
here plans or writes a revision (``record``), so `tool check` imports no more than it uses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from ..dialects.validate import ModelProblem, model_problems
from ..diff import Change, diff_with_renames
from ..diff.lint import Risk, lint
from ..diff.renames import Renames, renames_in
from ..errors import ModelProblems, SchemaToolError
from ..project import Project
from ..snapshot.serialize import (
    TableDict,
    UnsupportedConstruct,
    dump_table,
    metadata_to_dicts,
    naming_convention,
    table_key,
)
from ..snapshot.store import Manifest, sha256_bytes, table_fingerprint


class TableFile:
    """One table as the models define it now: its snapshot dict, and (computed when first
    needed) its fingerprint, its file text and the text's hash."""

    def __init__(self, data: TableDict) -> None:
        self.data = data

    @cached_property
    def fingerprint(self) -> str:
        return table_fingerprint(self.data)

    @cached_property
    def text(self) -> str:
        return dump_table(self.data)

    @cached_property
    def sha256(self) -> str:
        return sha256_bytes(self.text.encode("utf-8"))

    def stored_as(self, manifest: Manifest | None, key: str) -> bool:
        """True when the snapshot holds this table exactly so: by fingerprint when the
        manifest records them (no YAML written), else by the file's hash."""
        if manifest is None or key not in manifest.tables:
            return False
        if manifest.fingerprints:
            return manifest.fingerprints.get(key) == self.fingerprint
        return manifest.tables[key] == self.sha256


@dataclass
class SchemaDiff:
    """The models compared with the stored snapshot."""

    manifest: Manifest | None
    models: dict[str, TableFile]
    naming_convention: dict[str, str]
    changes: list[Change]
    old: dict[str, TableDict | None] = field(default_factory=dict)  # renames already applied
    new: dict[str, TableDict | None] = field(default_factory=dict)
    renames: Renames = field(default_factory=Renames)

    def stored(self, key: str) -> bool:
        """True when table ``key``'s file needs no rewrite."""
        return self.models[key].stored_as(self.manifest, key)

    @property
    def table_hashes(self) -> dict[str, str]:
        """The file hash of every table: the manifest's for files that stay as they are."""
        return {key: self.manifest.tables[key] if self.manifest and self.stored(key)
                else table.sha256 for key, table in self.models.items()}

    @property
    def table_fingerprints(self) -> dict[str, str]:
        return {key: table.fingerprint for key, table in self.models.items()}

    @property
    def unchanged(self) -> dict[str, TableDict]:
        return {key: t.data for key, t in self.models.items() if key not in self.new}

    @property
    def files_differ(self) -> bool:
        """True when any table file would change, even without a schema change."""
        if self.manifest is None:
            return bool(self.models)
        return (set(self.manifest.tables) != set(self.models)
                or not all(self.stored(key) for key in self.models)
                or self.manifest.naming_convention != self.naming_convention)


def model_tables(project: Project) -> dict[str, TableFile]:
    """Serialize every table of the project's models; refuse every problem of them at once."""
    tables, problems = validated_model_tables(project)
    if problems:
        raise ModelProblems([problem.text for problem in problems])
    return tables


def validated_model_tables(project: Project) -> tuple[dict[str, TableFile], list[ModelProblem]]:
    """Every table of the project's models that can be recorded, and every problem of the
    models (a table that cannot be recorded is one, and is left out)."""
    config, metadata = project.config, project.metadata
    failures: dict[str, str] = {}
    dicts = metadata_to_dicts(metadata, ignore=config.ignores, failures=failures,
                              databases=config.databases)
    defined = {table_key(table.schema, table.name): {str(column.name) for column in table.columns}
               for table in metadata.tables.values()}
    problems = model_problems(dicts, config.databases, defined)
    problems = sorted(problems + [ModelProblem(key, text) for key, text in failures.items()])
    return {key: TableFile(data) for key, data in sorted(dicts.items())}, problems


def compare_models(project: Project, renames: Renames | None = None,
                   manifest: Manifest | None = None) -> SchemaDiff:
    """Diff the models against the stored snapshot, reading only the tables that changed.

    ``renames`` (from the command line) and the models' ``info={"renamed_from": ...}`` hints
    turn a drop and an add into a rename where they apply.  ``manifest``: one already read
    and checked (default: read and check it here).
    """
    store = project.store
    manifest = manifest or store.read_verified_manifest()
    models = model_tables(project)
    stored = manifest.tables if manifest else {}
    changed = sorted(key for key in set(stored) | set(models)
                     if key not in models or not models[key].stored_as(manifest, key))
    old = {key: store.read_table(key) if key in stored else None for key in changed}
    new = {key: models[key].data if key in models else None for key in changed}
    try:
        convention = naming_convention(project.metadata)
    except UnsupportedConstruct as exc:
        raise SchemaToolError(f"models: {exc}") from None
    hints = renames_in(project.metadata)
    hints.merge(renames or Renames())
    result = diff_with_renames(old, new, hints)
    if renames:
        _require_applicable(renames, result.renames)
    return SchemaDiff(manifest, models, convention, result.changes, result.old, new,
                      result.renames)


def _require_applicable(renames: Renames, found: Renames) -> None:
    """A rename asked for on the command line must apply: otherwise it is a typo."""
    for new_key, old_key in renames.tables.items():
        if new_key not in found.tables:
            raise SchemaToolError(
                f"--rename-table {old_key}={new_key}: the snapshot has no table {old_key} that "
                f"the models replace with {new_key}")
    for key, names in renames.columns.items():
        for new_name, old_name in names.items():
            if new_name not in found.columns.get(key, {}):
                raise SchemaToolError(
                    f"--rename-column {key}.{old_name}={new_name}: the snapshot has no column "
                    f"{key}.{old_name} that the models replace with {new_name}")


def risks_of(project: Project, changes: list[Change]) -> list[Risk]:
    """The changes' risks with the project's severities."""
    config = project.config
    return lint(changes, config.severities, config.postgresql_safe_forms)
