"""Adopting what exists: an Alembic project with history, or a database with none.

* ``tool snapshot --baseline [--url URL]``: record the models' snapshot as the state at the
  current Alembic head, writing no revision; with a URL, first check that a database at that head
  has exactly that schema.
* ``tool snapshot --from-db URL``: reflect a database into snapshot files, for review or as the
  starting point of models.
* ``tool apply --baseline [REV]``: stamp a database that has no Alembic history at REV (default
  head) without running DDL, once its schema equals REV's snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import MetaData, inspect
from sqlalchemy.engine import Connection, Dialect

from ..apply.history import State, record
from ..apply.lock import deploy_lock
from ..apply.run import current_revision, stamp, verified_manifest
from ..author.compare import compare_models, validated_model_tables
from ..author.record import stage_snapshot
from ..config import BOOKKEEPING_TABLES
from ..database import mask_url, run_on_connection
from ..errors import SchemaToolError
from ..project import Project
from ..review.compare import revision_side, side_metadata
from ..snapshot.reflected import (
    as_models_say,
    reflect_tables,
    server_defaults,
    sqlite_autoincrement,
)
from ..snapshot.serialize import (
    TableDict,
    UnsupportedConstruct,
    dump_table,
    metadata_to_dicts,
    naming_convention,
)
from ..snapshot.store import Manifest, sha256_bytes, table_fingerprint
from ..verify.drift import metadata_of, schema_drift
from .spelling import spelled_as

FROM_DB_HEADER = "# Reflected from a database by `tool snapshot --from-db`.\n"


@dataclass
class Adopted:
    """What an adoption command found and wrote (nothing when ``differences`` or ``problems``
    is not empty)."""

    revision: str | None
    differences: list[str] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    tables: int = 0
    problems: list[str] = field(default_factory=list)  # of the models, each naming its object


def take_baseline(project: Project, url: str | None = None) -> Adopted:
    """Record the models' snapshot at Alembic's current head, without a revision."""
    if project.store.read_manifest() is not None:
        raise SchemaToolError(f"{project.store.display(project.store.manifest_path)} exists: the "
                              "project has a snapshot already (use tool snapshot -m MESSAGE)")
    heads = project.heads()
    if not heads:
        raise SchemaToolError("no Alembic revisions to adopt: run tool snapshot -m MESSAGE")
    if len(heads) > 1:
        raise SchemaToolError(f"a baseline needs exactly one Alembic head; found {len(heads)} "
                              f"({', '.join(sorted(heads))}): merge them first")
    if url is not None:
        adopted = _compare_baseline(project, heads[0], project.url(url))
        if adopted.differences or adopted.problems:
            return adopted
    schema_diff = compare_models(project)  # the models' problems refuse it here, without a URL
    files = project.file_set("`tool snapshot --baseline`")
    written = stage_snapshot(project, schema_diff, heads[0], files)
    files.commit()
    return Adopted(heads[0], [], written, len(schema_diff.models))


def _comparable(tables: dict[str, TableDict], left_out: set[str]
                ) -> tuple[dict[str, TableDict], list[str]]:
    """The tables that can still be compared once ``left_out`` are not, and a line for each
    table left out with them: a foreign key to a left-out table could not be built (MLflow's
    history adds CHECKs to its models' ``runs`` as it imports, and ``issues`` refers to it)."""
    compared = {key: data for key, data in tables.items() if key not in left_out}
    lines: list[str] = []
    pending = True
    while pending:  # a chain of keys leaves out every table along it
        pending = False
        for key, data in list(compared.items()):
            # left out: those with a problem (recorded or not) and those dropped along a chain;
            # not tables outside the models (ignored ones), whose keys build as they are
            gone = sorted({fk["referred_table"] for fk in data.get("foreign_keys", [])}
                          & (left_out | set(tables) - set(compared)))
            if gone:
                del compared[key]
                lines.append(f"table {key}: not compared with the database: its foreign key "
                             f"refers to {', '.join(gone)}, left out for its own problem")
                pending = True
    return compared, sorted(lines)


def _compare_baseline(project: Project, head: str, target: str) -> Adopted:
    """The models' problems and the differences between the models and the database at
    ``target``, which must be at ``head``: both at once, so one run says everything to fix.
    Tables with a problem are left out of the comparison (their problem says why)."""
    tables, found = validated_model_tables(project)
    problems = [problem.text for problem in found]
    try:
        convention = naming_convention(project.metadata)
    except UnsupportedConstruct as exc:
        return Adopted(head, problems=[str(exc), *problems])
    # a table with a problem is left out: it may not even build (a key to a missing column)
    compared, left_out = _comparable({key: table.data for key, table in tables.items()},
                                     {problem.table for problem in found})
    problems.extend(left_out)
    unrecorded = set(tables) - set(compared) | {problem.table for problem in found}
    expected = metadata_of(compared, convention)

    def compare(connection: Connection) -> list[str]:
        at = current_revision(connection)
        if at != head:
            raise SchemaToolError(f"the database {mask_url(target)} is at {at or 'base'}, "
                                  f"not at Alembic's head {head}: upgrade it first")
        return schema_drift(connection, expected,
                            lambda key: key in unrecorded or project.config.ignores(key))

    return Adopted(head, run_on_connection(target, compare), problems=problems)


def snapshot_from_database(project: Project, url: str, out: Path | None = None) -> Adopted:
    """Reflect the database at ``url`` into snapshot files in ``out`` (default: the project's
    snapshot folder, when it has no snapshot yet)."""
    store = project.store
    folder = out or store.directory
    if out is None and store.read_manifest() is not None:
        raise SchemaToolError(f"{store.display(store.manifest_path)} exists: pass --out DIR to "
                              "write the reflected snapshot elsewhere")
    target = project.url(url)

    def reflect(connection: Connection) -> tuple[str | None, MetaData, Dialect, dict[str, str],
                                                  list[str]]:
        metadata = reflect_tables(connection, skip=BOOKKEEPING_TABLES)
        for name in sqlite_autoincrement(connection):  # SQLAlchemy does not reflect it
            if name in metadata.tables:
                metadata.tables[name].dialect_kwargs["sqlite_autoincrement"] = True
        sequences = inspect(connection).get_sequence_names() \
            if connection.dialect.supports_sequences else []
        return (current_revision(connection), metadata, connection.dialect,
                server_defaults(connection), sequences)

    revision, metadata, dialect, defaults, sequences = run_on_connection(target, reflect)
    try:
        tables = metadata_to_dicts(metadata, project.config.ignores)
    except UnsupportedConstruct as exc:
        raise SchemaToolError(f"database {mask_url(target)}: {exc}") from None
    models = _models_or_snapshot(project)
    files = project.file_set("`tool snapshot --from-db`")
    out_store = type(store)(folder)
    hashes, fingerprints = {}, {}
    for key, data in sorted(tables.items()):
        as_models_say(data, dialect, defaults)
        spelled_as(data, models.get(key), dialect, sequences)
        text = dump_table(data, FROM_DB_HEADER)
        hashes[key] = sha256_bytes(text.encode("utf-8"))
        fingerprints[key] = table_fingerprint(data)
        files.write(out_store.table_path(key), text)
    manifest = Manifest(head=revision, tables=hashes, fingerprints=fingerprints)
    files.write(out_store.manifest_path, manifest.to_text())
    files.commit()
    return Adopted(revision, [], [out_store.manifest_path, *map(out_store.table_path, hashes)],
                   len(hashes))


def _models_or_snapshot(project: Project) -> dict[str, TableDict]:
    """What the models record of each table, for reflection to spell it as they do: the models'
    tables that can be recorded, else (models that cannot be imported) the stored snapshot's,
    else none."""
    try:
        return {key: table.data for key, table in validated_model_tables(project)[0].items()}
    except SchemaToolError:
        manifest = project.store.read_manifest()
        return {} if manifest is None else {
            key: project.store.read_table(key) for key in manifest.tables}


def baseline_database(project: Project, revision: str = "head", url: str | None = None,
                      lock_timeout: float = 60.0) -> Adopted:
    """Stamp a database without Alembic history at ``revision`` once it matches its snapshot."""
    manifest = verified_manifest(project)
    wanted = manifest.head if revision == "head" else revision
    side = revision_side(project, wanted)
    if wanted is None or side is None:
        raise SchemaToolError(f"no snapshot of revision {wanted} found (not the head, not in "
                              "git history)")
    checksums = project.revision_checksums()
    target = project.url(url)

    def locked(lock_connection: Connection) -> Adopted:
        with deploy_lock(lock_connection, target, lock_timeout), \
                lock_connection.engine.connect() as connection:
            at = current_revision(connection)
            if at is not None:
                raise SchemaToolError(f"{mask_url(target)} is at revision {at} already: a "
                                      "baseline is for a database without Alembic history")
            differences = schema_drift(connection, side_metadata(side), project.config.ignores)
            if differences:
                return Adopted(wanted, differences)
            connection.rollback()
            stamp(project, connection, wanted)
            for script in project.scripts.iterate_revisions(wanted, "base"):
                record(connection, script.revision, checksums[script.revision], State.APPLIED,
                       note="baseline: stamped without running it")
            connection.commit()
            return Adopted(wanted)

    return run_on_connection(target, locked)
