"""`tool diff`: compare any two of the models, the working snapshot and the snapshot at a git ref,
with the risks of every change and the upgrade operations a revision would run.

A side is read through its table fingerprints first, so only tables whose hash differs between
the two sides are parsed.  Renames come from the models' hints (when the models are a side) and
from the manifest notes of revisions the head side has and the base side lacks.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from alembic.autogenerate import render_python_code
from sqlalchemy import MetaData

from ..author.compare import TableFile, model_tables, risks_of
from ..author.revision import render_item
from ..diff import Change, diff_with_renames
from ..diff.lint import Risk
from ..diff.renames import Renames, renames_in
from ..errors import SchemaToolError
from ..plan.planner import plan_operations
from ..project import Project
from ..snapshot.load import parse_table
from ..snapshot.safe_yaml import decode
from ..snapshot.serialize import TableDict, naming_convention, yaml_scalar
from ..snapshot.store import MANIFEST, Manifest, SnapshotStore
from ..verify.drift import metadata_of
from .git import GitRepository

MODELS, SNAPSHOT = "models", "snapshot"


@dataclass
class Side:
    """One side of a comparison: table file hashes and (when known) fingerprints, a reader for
    one table, rename hints."""

    label: str
    hashes: Mapping[str, str]
    read: Callable[[str], TableDict]
    manifest: Manifest | None = None
    hints: Renames = field(default_factory=Renames)
    naming_convention: dict[str, str] = field(default_factory=dict)
    fingerprints: Mapping[str, str] | None = None
    # the text of one table's file, where the side is files (not the models)
    text: Callable[[str], str] | None = None

    def differs(self, other: Side, key: str) -> bool:
        """True when table ``key`` is not the same on both sides."""
        if key not in self.hashes or key not in other.hashes:
            return True
        if self.fingerprints is not None and other.fingerprints is not None:
            return self.fingerprints.get(key) != other.fingerprints.get(key)
        return self.hashes[key] != other.hashes[key]


class _FileHashes(Mapping[str, str]):
    """The models' table file hashes, each written (as YAML) only when asked for."""

    def __init__(self, tables: Mapping[str, TableFile]) -> None:
        self._tables = tables

    def __getitem__(self, key: str) -> str:
        return self._tables[key].sha256

    def __contains__(self, key: object) -> bool:
        return key in self._tables

    def __iter__(self) -> Iterator[str]:
        return iter(self._tables)

    def __len__(self) -> int:
        return len(self._tables)


@dataclass(frozen=True)
class Review:
    """What changes from ``base`` to ``head``, with risks and upgrade operations."""

    base: str
    head: str
    changes: list[Change]
    risks: list[Risk]
    operations: str  # the upgrade operations as Python (empty without changes)
    # why no revision can be written for these changes (`tool snapshot` would refuse them)
    blocked: str | None = None
    # the changed tables on both sides (``before`` with the renames run), and the head side,
    # whose other tables the diagram reads only when it is drawn
    before: Mapping[str, TableDict | None] = field(default_factory=dict)
    after: Mapping[str, TableDict | None] = field(default_factory=dict)
    head_side: Side | None = field(default=None, compare=False, repr=False)

    def risks_of(self, change: Change) -> list[Risk]:
        return [risk for risk in self.risks if risk.change is change]

    def neighbourhood(self) -> dict[str, TableDict]:
        """The head side's tables that a changed table refers to or that may refer to one (the
        changed ones among them), for the diagram.  A table file is parsed only when its text
        names a changed table: parsing all 2,000 tables of a snapshot took seconds."""
        side = self.head_side
        if side is None:
            return {}
        referred = {fk["referred_table"] for table in [*self.before.values(),
                                                        *self.after.values()]
                    if table for fk in table.get("foreign_keys", [])}
        spellings = {spelling for change in self.changes
                     for spelling in (change.table, yaml_scalar(change.table))}

        def wanted(key: str) -> bool:
            return (key in referred or side.text is None
                    or any(spelling in side.text(key) for spelling in spellings))

        return {key: side.read(key) for key in side.hashes if wanted(key)}


def open_side(project: Project, spec: str) -> Side:
    """``models``, ``snapshot`` (the working tree's), a snapshot folder (``tool snapshot
    --from-db --out DIR``) or a git ref such as ``origin/main``."""
    if spec == MODELS:
        tables = model_tables(project)
        return Side(MODELS, _FileHashes(tables), lambda key: tables[key].data,
                    hints=renames_in(project.metadata),
                    naming_convention=naming_convention(project.metadata),
                    fingerprints={key: table.fingerprint for key, table in tables.items()})
    folder = project.config.root / spec
    if spec == SNAPSHOT or (folder / MANIFEST).is_file():
        store = project.store if spec == SNAPSHOT else SnapshotStore(folder)
        manifest = store.read_verified_manifest()
        return Side(spec, dict(manifest.tables) if manifest else {}, store.read_table,
                    manifest, naming_convention=manifest.naming_convention if manifest else {},
                    fingerprints=manifest.fingerprints or None if manifest else None,
                    text=lambda key: store.read_file(store.table_path(key)))
    return _git_side(project, spec)


def _git_side(project: Project, ref: str, repository: GitRepository | None = None) -> Side:
    """The snapshot committed at ``ref`` (nothing is checked out)."""
    store = project.store
    repository = repository or GitRepository(project.config.root)
    commit = repository.commit(ref)

    def show(path: Path) -> str:
        data = repository.read(commit, path)
        if data is None:
            raise SchemaToolError(f"git ref {ref!r}: {repository.name(path)} is not in it")
        return decode(f"{ref}:{repository.name(path)}", data)

    if repository.read(commit, store.manifest_path) is None:
        return Side(ref, {}, lambda key: {})  # no snapshot yet at that ref
    manifest = SnapshotStore.parse_manifest(f"{ref}:{MANIFEST}", show(store.manifest_path))
    return Side(ref, dict(manifest.tables),
                lambda key: parse_table(f"{ref}:{store.table_path(key).name}",
                                        show(store.table_path(key))),
                manifest, naming_convention=manifest.naming_convention,
                fingerprints=manifest.fingerprints or None,
                text=lambda key: show(store.table_path(key)))


def review(project: Project, base_spec: str = SNAPSHOT, head_spec: str = MODELS) -> Review:
    """Changes, risks and upgrade operations from ``base_spec`` to ``head_spec``."""
    base, head = open_side(project, base_spec), open_side(project, head_spec)
    changed = sorted(key for key in set(base.hashes) | set(head.hashes)
                     if base.differs(head, key))
    old = {key: base.read(key) if key in base.hashes else None for key in changed}
    new = {key: head.read(key) if key in head.hashes else None for key in changed}
    hints = Renames()
    hints.merge(head.hints)
    if head.manifest is not None:
        known = set(base.manifest.notes) if base.manifest else set()
        for revision, note in head.manifest.notes.items():
            if revision not in known and note.get("renames"):
                hints.merge(Renames.from_data(note["renames"]))
    result = diff_with_renames(old, new, hints)
    changes, old = result.changes, result.old
    operations, blocked = "", None
    if changes:
        users = _enum_users(head, changed, [*old.values(), *new.values()])
        unchanged = {key: head.read(key) for key in users}
        try:
            upgrade = plan_operations(changes, old, new, unchanged, head.naming_convention,
                                      project.config.databases,
                                      project.config.postgresql_safe_forms)
        except SchemaToolError as exc:  # the changes are still worth reviewing
            blocked = str(exc)
        else:
            code = render_python_code(upgrade, render_as_batch=True, render_item=render_item)
            operations = textwrap.dedent("\n".join(
                line for line in code.splitlines() if not line.lstrip().startswith("# ###")))
    return Review(base.label, head.label, changes, risks_of(project, changes), operations,
                  blocked, old, new, head)


def _enum_users(side: Side, changed: list[str], tables: list[TableDict | None]) -> list[str]:
    """Unchanged tables matter only when an ENUM type may stop being used, to keep it if they
    still use it; they are read only when a changed table has an ENUM column."""
    uses_enums = any("Enum(" in str(column.get("type")) for data in tables if data
                     for column in data["columns"])
    return [key for key in side.hashes if key not in changed] if uses_enums else []


def revision_side(project: Project, revision: str | None, ref: str = "HEAD") -> Side | None:
    """The snapshot recorded with ``revision`` as head: the working snapshot's, or that of the
    latest commit in ``ref``'s history whose manifest names it; None when neither has it (or
    there is no git)."""
    if revision is None:
        return Side("base", {}, lambda key: {})
    try:
        manifest = project.store.read_verified_manifest()
    except SchemaToolError:  # e.g. a manifest in the middle of a merge conflict
        manifest = None
    if manifest is not None and manifest.head == revision:
        return open_side(project, SNAPSHOT)
    try:
        repository = GitRepository(project.config.root)
        commits = repository.commits_touching(ref, project.store.manifest_path)
    except SchemaToolError:  # no git, no repository, or no such ref: no side to show
        return None
    for commit in commits:
        side = _git_side(project, commit, repository)
        if side.manifest is not None and side.manifest.head == revision:
            return Side(f"{revision} (git {commit[:12]})", side.hashes, side.read, side.manifest,
                        naming_convention=side.naming_convention,
                        fingerprints=side.fingerprints)
    return None


def side_tables(side: Side) -> dict[str, TableDict]:
    """Every table of one side, parsed."""
    return {key: side.read(key) for key in side.hashes}


def side_metadata(side: Side) -> MetaData:
    """All tables of one side as MetaData, as verification compares them (each table's file is
    parsed as it is built, so the parsed files are not all held at once)."""
    return metadata_of(_Tables(side), side.naming_convention)


class _Tables(Mapping[str, TableDict]):
    """One side's tables, each parsed when it is asked for."""

    def __init__(self, side: Side) -> None:
        self._side = side

    def __getitem__(self, key: str) -> TableDict:
        if key not in self._side.hashes:
            raise KeyError(key)
        return self._side.read(key)

    def __iter__(self) -> Iterator[str]:
        return iter(self._side.hashes)

    def __len__(self) -> int:
        return len(self._side.hashes)
