"""Write an Alembic revision from planned operations with Alembic's own revision machinery.

No database is involved: an offline ``MigrationContext`` stands in for one, and the operations
are handed to Alembic through ``process_revision_directives`` exactly as autogenerate would.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic.autogenerate import RevisionContext
from alembic.autogenerate.api import AutogenContext
from alembic.config import Config
from alembic.operations import ops
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy.sql.schema import DefaultClause

from .enums import native_enum, render_enum
from .errors import SchemaToolError
from .expressions import default_to_python, default_to_text, type_to_python


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | bool:
    """Server defaults in dialect-neutral SQLAlchemy terms (``sa.func.now()``, ...), and named
    ENUM types that leave creating the type to the revision's own operations."""
    if type_ == "server_default" and isinstance(obj, DefaultClause):
        return default_to_python(default_to_text(obj))
    if type_ == "type" and (enum := native_enum(obj)) is not None:
        return render_enum(enum, autogen_context)
    if type_ == "type":  # complete source, nested types and variants included
        text, imports = type_to_python(obj)
        autogen_context.imports.update(imports)
        return text
    return False


def write_revision(
    config: Config,
    upgrade_ops: ops.UpgradeOps,
    message: str,
    docstring: str,
    dialect_name: str,
    rev_id: str | None = None,
    head: str | list[str] = "head",
) -> tuple[str, Path]:
    """Write the revision file on top of ``head`` (a list: a merge revision); return its
    revision id and path."""
    script_directory = ScriptDirectory.from_config(config)
    command_args = dict(
        message=message, autogenerate=False, sql=False, head=head, splice=False,
        branch_label=None, version_path=None, rev_id=rev_id, depends_on=None,
    )

    def directives(context: MigrationContext, revision: Any, scripts: list[Any]) -> None:
        script: ops.MigrationScript = scripts[0]
        script.upgrade_ops = upgrade_ops
        script.downgrade_ops = upgrade_ops.reverse()

    revision_context = RevisionContext(config, script_directory, command_args, directives)
    revision_context.template_args["schema_changes"] = docstring
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
    return script.revision, Path(script.path)
