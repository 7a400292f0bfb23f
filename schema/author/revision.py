"""Write an Alembic revision from planned operations with Alembic's own revision machinery.

No database is involved: an offline ``MigrationContext`` stands in for one, and the operations
are handed to Alembic through ``process_revision_directives`` exactly as autogenerate would.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from alembic.autogenerate import RevisionContext, renderers
from alembic.autogenerate.api import AutogenContext
from alembic.autogenerate.render import render_op
from alembic.config import Config
from alembic.operations import ops
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy.sql.schema import DefaultClause

from .. import progress
from ..dialects.enums import native_enum
from ..dialects.on import on
from ..dialects.sequences import NotOnPostgresql, sequence_keyed
from ..errors import SchemaToolError
from ..plan.ops.enums import render_enum
from ..snapshot.default_variants import per_database
from ..snapshot.expressions import default_to_python, default_to_text, type_to_python
from ..source_text import in_docstring

# Alembic's own ids are 12 hex digits; ours may be any short lowercase word that is safe in a
# file name and in SQL (alembic_version.version_num is VARCHAR(32)), and names no revision
# keyword (`alembic upgrade head`)
REVISION_ID = re.compile(r"[0-9a-z_]{1,32}")
RESERVED_IDS = frozenset({"head", "heads", "base", "current"})


def text_problems(what: str, text: str) -> list[str]:
    """Why ``text`` (a message or a reason the user typed) cannot be a revision's text: it
    must be one line of printable characters, not only spaces."""
    if not text.strip():
        return [f"{what} is empty"]
    odd = next((c for c in text if not (c.isprintable() or unicodedata.category(c) == "Zs")),
               None)
    if odd is not None:
        return [f"{what} must be one line of printable text (it holds {odd!r} at "
                f"character {text.index(odd) + 1})"]
    return []


def revision_id_problems(rev_id: str, existing: Iterable[str]) -> list[str]:
    """Why ``rev_id`` (from ``--rev-id``) cannot name a new revision."""
    if not REVISION_ID.fullmatch(rev_id):
        return [f"--rev-id {rev_id!r}: a revision id is 1 to 32 lowercase letters, digits or "
                "underscores"]
    if rev_id in RESERVED_IDS:
        return [f"--rev-id {rev_id!r}: {rev_id} is a revision keyword of Alembic"]
    if rev_id in set(existing):
        return [f"--rev-id {rev_id!r}: a revision with this id exists already"]
    return []


def require_revision_input(message: str, rev_id: str | None = None,
                           existing: Iterable[str] = (), reason: str | None = None) -> None:
    """Refuse, before anything is written, a message, ``--allow-destructive`` reason or id that
    cannot be a new revision's; every problem at once."""
    problems = text_problems("the message (-m)", message)
    if reason is not None:
        problems += text_problems("the reason (--allow-destructive)", reason)
    if rev_id is not None:
        problems += revision_id_problems(rev_id, existing)
    if problems:
        raise SchemaToolError("; ".join(problems))


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | bool:
    """Server defaults in dialect-neutral SQLAlchemy terms (``sa.func.now()``, ...), named
    ENUM types that leave creating the type to the revision's own operations, and no SERIAL on
    PostgreSQL for a key column numbered by a Sequence of its own."""
    if type_ == "server_default" and isinstance(obj, DefaultClause):
        variants = per_database(obj)
        if variants is None:
            return default_to_python(default_to_text(obj))
        return _per_database_default(variants)
    if type_ == "type" and (enum := native_enum(obj)) is not None:
        return render_enum(enum, autogen_context)
    if type_ == "type":  # complete source, nested types and variants included
        text, imports = type_to_python(obj)
        autogen_context.imports.update(imports)
        return text
    if type_ == "column" and sequence_keyed(obj):
        # Alembic renders the rest, reading autoincrement after this hook; the column is the
        # plan's own, built from the snapshot for this revision
        obj.autoincrement = NotOnPostgresql()
    return False


def _per_database_default(variants: dict[str, str]) -> str:
    """A default one per database, chosen where the revision runs: ``sa.text('a') if
    op.get_bind().dialect.name == 'postgresql' else sa.text('b')``.  Databases sharing a
    default share a branch; the default most of them share (the last by name on a tie) is the
    ``else`` (the snapshot records one for each target)."""
    groups: dict[str, list[str]] = {}
    for name, text in sorted(variants.items()):
        groups.setdefault(text, []).append(name)
    *first, last = sorted(groups, key=lambda text: (len(groups[text]), groups[text][-1]))
    branches = [f"{default_to_python(text)} if {on(*groups[text])} else " for text in first]
    return "".join(branches) + default_to_python(last)


def write_revision(
    config: Config,
    script_directory: ScriptDirectory,
    upgrade_ops: ops.UpgradeOps,
    message: str,
    docstring: str,
    dialect_name: str,
    rev_id: str | None = None,
    head: str | list[str] = "head",
) -> tuple[str, Path]:
    """Write the revision file on top of ``head`` (a list: a merge revision) in
    ``script_directory`` (the project's: its revision map is read from the files' text, where
    Alembic's own would import every revision); return its revision id and path.  ``message``
    and ``docstring`` land in the file escaped."""
    template = Path(script_directory.dir) / "script.py.mako"
    if not template.is_file():  # Alembic would fail half-way with a bare FileNotFoundError
        raise SchemaToolError(f"{template}: no such file; Alembic writes revisions from this "
                              "template: `tool init` puts it back (it adds only what is missing)")
    command_args = dict(
        message=in_docstring(message), autogenerate=False, sql=False, head=head, splice=False,
        branch_label=None, version_path=None, rev_id=rev_id, depends_on=None,
    )

    def directives(context: MigrationContext, revision: Any, scripts: list[Any]) -> None:
        script: ops.MigrationScript = scripts[0]
        script.downgrade_ops = upgrade_ops.reverse()
        script.upgrade_ops = ops.UpgradeOps([_Counted(op) for op in upgrade_ops.ops])

    # rendering is most of the time (2,000 new tables: ~8 s); the downgrade's takes little
    progress.stage("writing the revision", len(upgrade_ops.ops))
    revision_context = RevisionContext(config, script_directory, command_args, directives)
    revision_context.template_args["schema_changes"] = in_docstring(docstring)
    migration_context = MigrationContext.configure(
        dialect_name=dialect_name,
        opts={
            "as_sql": True,
            "script": script_directory,
            "upgrade_token": "upgrades",
            "downgrade_token": "downgrades",
            "alembic_module_prefix": "op.",
            "sqlalchemy_module_prefix": "sa.",
            "user_module_prefix": None,
            "render_as_batch": True,
            "render_item": render_item,
            "process_revision_directives": None,
            "target_metadata": None,
        },
    )
    try:
        revision_context.run_no_autogenerate("heads", migration_context)
        scripts = [script for script in revision_context.generate_scripts() if script]
    except CommandError as exc:
        raise SchemaToolError(f"alembic: {exc}") from None
    script = scripts[0]
    _say_how_edits_are_recorded(Path(script.path))
    return script.revision, Path(script.path)


class _Counted(ops.MigrateOperation):
    """An operation of the upgrade being written, rendered as ``op`` is; each one rendered is a
    step of the progress (one per new table in a first snapshot)."""

    def __init__(self, op: ops.MigrateOperation) -> None:
        self.op = op


@renderers.dispatch_for(_Counted)
def _render_counted(autogen_context: AutogenContext, counted: _Counted) -> list[str]:
    lines = render_op(autogen_context, counted.op)
    progress.advance()
    return lines


# Alembic asks to "adjust" what it wrote; here an edit must be recorded, or check/apply refuse it.
_ALEMBIC_MARK = "# ### commands auto generated by Alembic - please adjust! ###"
_OUR_MARK = "# ### written by `tool snapshot`; after a reviewed edit, run `tool rehash` ###"


def _say_how_edits_are_recorded(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    if _ALEMBIC_MARK in text:
        path.write_text(text.replace(_ALEMBIC_MARK, _OUR_MARK), encoding="utf-8")
