"""Models -> snapshot: compare the models with the stored snapshot and record the difference.

Tables are compared by the sha256 of their canonical YAML first; only tables whose hash differs
are parsed from disk and diffed, so unchanged tables cost one serialisation and one hash.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .diff import Change, diff_snapshots
from .errors import SchemaToolError
from .files import FileSet
from .load import parse_table
from .plan import plan_operations
from .project import Project
from .revision import write_revision
from .serialize import (
    TableDict,
    UnsupportedConstruct,
    dump_table,
    metadata_to_dicts,
    naming_convention,
    table_key,
)
from .store import Manifest, sha256_bytes
from .targets import feature_problems, name_problems


@dataclass(frozen=True)
class TableFile:
    """One table as the models define it now: snapshot dict, file text and its hash."""

    data: TableDict
    text: str
    sha256: str


@dataclass
class SchemaDiff:
    """The models compared with the stored snapshot."""

    manifest: Manifest | None
    models: dict[str, TableFile]
    naming_convention: dict[str, str]
    changes: list[Change]
    old: dict[str, TableDict | None] = field(default_factory=dict)
    new: dict[str, TableDict | None] = field(default_factory=dict)

    @property
    def table_hashes(self) -> dict[str, str]:
        return {key: table.sha256 for key, table in self.models.items()}

    @property
    def unchanged(self) -> dict[str, TableDict]:
        return {key: t.data for key, t in self.models.items() if key not in self.new}

    @property
    def files_differ(self) -> bool:
        """True when any table file would change, even without a schema change."""
        if self.manifest is None:
            return bool(self.models)
        return (self.manifest.tables != self.table_hashes
                or self.manifest.naming_convention != self.naming_convention)


@dataclass(frozen=True)
class SnapshotResult:
    """What ``take_snapshot`` did."""

    changes: list[Change]
    revision: str | None = None
    revision_path: Path | None = None
    written: list[Path] = field(default_factory=list)


def model_tables(project: Project) -> dict[str, TableFile]:
    """Serialize every table of the project's models."""
    config = project.config
    try:
        dicts = metadata_to_dicts(project.metadata, ignore=config.ignores)
    except UnsupportedConstruct as exc:
        raise SchemaToolError(f"models: {exc}") from None
    problems = name_problems(dicts.items(), config.databases)
    problems += feature_problems(dicts.items(), config.databases)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise SchemaToolError(f"models: {problems[0]}{more}")
    tables = {}
    for key, data in sorted(dicts.items()):
        text = dump_table(data)
        tables[key] = TableFile(data, text, sha256_bytes(text.encode("utf-8")))
    return tables


def compare_models(project: Project) -> SchemaDiff:
    """Diff the models against the stored snapshot, reading only the tables that changed."""
    store = project.store
    manifest = store.read_manifest()
    if manifest is not None:
        problems = store.integrity_problems(manifest)
        if problems:
            raise SchemaToolError(f"{problems[0]}; restore the file or run `tool rehash`")
    models = model_tables(project)
    stored = manifest.tables if manifest else {}
    changed = sorted(
        key for key in set(stored) | set(models)
        if stored.get(key) != (models[key].sha256 if key in models else None)
    )
    old = {key: store.read_table(key) if key in stored else None for key in changed}
    new = {key: models[key].data if key in models else None for key in changed}
    try:
        convention = naming_convention(project.metadata)
    except UnsupportedConstruct as exc:
        raise SchemaToolError(f"models: {exc}") from None
    return SchemaDiff(manifest, models, convention, diff_snapshots(old, new), old, new)


def take_snapshot(
    project: Project, message: str, rev_id: str | None = None, dry_run: bool = False
) -> SnapshotResult:
    """Write a revision plus the new snapshot files and manifest, all or nothing."""
    schema_diff = compare_models(project)
    if not schema_diff.files_differ:
        return SnapshotResult([])
    require_consistent_head(project, schema_diff.manifest)
    if dry_run:
        return SnapshotResult(schema_diff.changes)
    files = FileSet()
    revision, path = write_revision(
        project.alembic,
        plan_operations(schema_diff.changes, schema_diff.old, schema_diff.new,
                        schema_diff.unchanged, schema_diff.naming_convention,
                        project.config.databases),
        message=message,
        docstring=changes_docstring(schema_diff.changes),
        dialect_name=project.dialect_name(),
        rev_id=rev_id,
    )
    files.adopt(path)
    try:
        written = stage_snapshot(project, schema_diff, revision, files)
        files.commit()
    except BaseException:
        files.rollback()
        raise
    return SnapshotResult(schema_diff.changes, revision, path, [path, *written])


def stage_snapshot(
    project: Project, schema_diff: SchemaDiff, head: str | None, files: FileSet
) -> list[Path]:
    """Stage changed table files, removed ones, and the manifest signed for ``head``."""
    store = project.store
    stored = schema_diff.manifest.tables if schema_diff.manifest else {}
    written = []
    for key, table in schema_diff.models.items():
        if stored.get(key) != table.sha256:
            files.write(store.table_path(key), table.text)
            written.append(store.table_path(key))
    for key in set(stored) - set(schema_diff.models):
        files.delete(store.table_path(key))
    project.reload_scripts()
    manifest = Manifest(head=head, tables=schema_diff.table_hashes,
                        revisions=project.revision_files(),
                        naming_convention=schema_diff.naming_convention)
    files.write(store.manifest_path, manifest.to_text())
    written.append(store.manifest_path)
    return written


def require_consistent_head(project: Project, manifest: Manifest | None) -> None:
    """Refuse when Alembic has several heads or its head is not the one the snapshot records."""
    heads = project.heads()
    if len(heads) > 1:
        raise SchemaToolError(
            f"alembic has {len(heads)} heads ({', '.join(sorted(heads))}); merge them first"
        )
    recorded = manifest.head if manifest else None
    current = heads[0] if heads else None
    if recorded != current:
        raise SchemaToolError(
            f"{project.store.display(project.store.manifest_path)}: head is {recorded} but "
            f"alembic's head is {current}; run `tool check` and `tool rehash` once the revisions "
            "are reviewed"
        )


def changes_docstring(changes: list[Change]) -> str:
    """The change list for the revision docstring, one line per change."""
    return "\nSchema changes (generated by `tool snapshot`):\n" + "".join(
        f"    {change.describe()}\n" for change in changes
    )


def rehash(project: Project) -> Manifest:
    """Re-sign the manifest after a reviewed edit: table and revision hashes, head."""
    store = project.store
    heads = project.heads()
    if len(heads) > 1:
        raise SchemaToolError(f"alembic has {len(heads)} heads; merge them before `tool rehash`")
    tables = {}
    for path in sorted(store.tables_dir.glob("*.yaml")):
        data = parse_table(store.display(path), path.read_text(encoding="utf-8"))
        key = table_key(data.get("schema"), data["name"])
        if store.table_path(key) != path:
            raise SchemaToolError(
                f"{store.display(path)}: holds table {key}, which belongs in "
                f"{store.display(store.table_path(key))}"
            )
        tables[key] = sha256_bytes(path.read_bytes())
    manifest = Manifest(head=heads[0] if heads else None, tables=tables,
                        revisions=project.revision_files(),
                        naming_convention=store.recorded_naming_convention())
    files = FileSet()
    files.write(store.manifest_path, manifest.to_text())
    files.commit()
    return manifest
