"""The one place the tool touches private Alembic and SQLAlchemy APIs.

Each function stands in for a public API that does not exist (or no longer does) and says
which private one it uses; ``pyproject.toml`` bounds both libraries to the versions these were
tested with, and ``tests/test_versions.py`` runs the oldest.  A release that renames one of them
breaks here, in one place.  (``mysql_reflection`` subclasses SQLAlchemy's private MariaDB table
parser, which is a class of its own; it sets it on a dialect through this module.)
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.sql import visitors
from sqlalchemy.sql.base import _NoneName
from sqlalchemy.sql.elements import ClauseElement

if TYPE_CHECKING:  # the commands that never render a revision import no more than they need
    from alembic.autogenerate.api import AutogenContext
    from alembic.config import Config
    from alembic.operations import ops
    from alembic.runtime.migration import MigrationContext
    from alembic.script import Script, ScriptDirectory
    from sqlalchemy import Column, Constraint, Index, MetaData
    from sqlalchemy.engine import Dialect, Inspector
    from sqlalchemy.sql.compiler import IdentifierPreparer
    from sqlalchemy.types import TypeEngine

# --- SQLAlchemy: compilation ----------------------------------------------------------------


def compiled_by_hook(element: Any) -> bool:
    """Whether ``element`` or a part of it is compiled by a ``@compiles`` hook of the models'
    process (Prefect's on SQLAlchemy's own ``now`` for SQLite, a ``GenericFunction`` of the
    project): what it writes then depends on that hook being imported.  ``sqlalchemy.ext.
    compiler.compiles`` has no public query; it keeps its dispatcher in the class's private
    ``_compiler_dispatcher``."""
    if not isinstance(element, ClauseElement):
        return False
    return any("_compiler_dispatcher" in vars(cls) for node in visitors.iterate(element)
               for cls in type(node).__mro__)


# --- Alembic: rendering ---------------------------------------------------------------------


def in_batch(autogen_context: AutogenContext) -> bool:
    """Whether Alembic is rendering inside ``with op.batch_alter_table(...)`` (operations then
    go to ``batch_op`` without a table name).  Alembic's renderers read the private
    ``AutogenContext._has_batch``; there is no public flag."""
    return bool(autogen_context._has_batch)


@contextmanager
def within_batch(autogen_context: AutogenContext) -> Iterator[None]:
    """Render operations as inside ``batch_alter_table``, as Alembic does for a table's
    ``ModifyTableOps`` (the private ``AutogenContext._within_batch()``)."""
    with autogen_context._within_batch():
        yield


def render_server_default(default: Any, autogen_context: AutogenContext) -> str | None:
    """A server default as Alembic writes it in ``op.alter_column(server_default=...)`` (the
    private ``alembic.autogenerate.render._render_server_default``; ``render_op`` renders only
    whole operations)."""
    from alembic.autogenerate.render import _render_server_default  # only when rendering

    return _render_server_default(default, autogen_context)


def drop_constraint_op(name: str, table_name: str, type_: str, schema: str | None,
                       reverse: ops.MigrateOperation) -> ops.DropConstraintOp:
    """``DropConstraintOp`` whose downgrade is ``reverse`` (the private ``_reverse=`` argument:
    the public ``DropConstraintOp.from_constraint`` needs the constraint on a table of the
    table's current name)."""
    from alembic.operations.ops import DropConstraintOp

    return DropConstraintOp(name, table_name, type_=type_, schema=schema, _reverse=reverse)


# --- Alembic: comparing ----------------------------------------------------------------------


class Comparison:
    """Alembic's ``compare_metadata`` of the live schema with ``metadata``, run in parts: each
    :meth:`operations` call compares what the context's filters let through at that moment,
    reflecting through the inspector it is given, whose cache the caller keeps for its own checks
    and then drops (the public function makes one inspector and reflects every table into it at
    once).  It sets the ``AutogenContext.inspector`` that Alembic memoizes and runs the private
    ``compare._produce_net_changes``, as ``compare_metadata`` does through
    ``produce_migrations``; one context serves every part, so the models' tables are sorted
    once."""

    def __init__(self, context: MigrationContext, metadata: MetaData) -> None:
        from alembic.autogenerate.api import AutogenContext

        self._context = AutogenContext(context, metadata=metadata)

    def operations(self, inspector: Inspector) -> list[ops.MigrateOperation]:
        """The upgrade operations found reflecting through ``inspector``."""
        from alembic.autogenerate import compare
        from alembic.operations import ops

        self._context.inspector = inspector  # type: ignore[method-assign, assignment]
        upgrade_ops = ops.UpgradeOps([])
        compare._produce_net_changes(self._context, upgrade_ops)
        return list(upgrade_ops.ops)


# --- SQLAlchemy: schema items ---------------------------------------------------------------


def is_type_bound(constraint: Constraint) -> bool:
    """Whether a CHECK is the one a Boolean or Enum type makes for its column (SQLAlchemy marks
    it with the private ``_type_bound``; no public attribute tells)."""
    return bool(getattr(constraint, "_type_bound", False))


def given_name(name: object) -> str | None:
    """A schema item's name as given, None when it has none yet: SQLAlchemy marks a name its
    naming convention is still to give with the private ``_NoneName`` (no public test)."""
    return None if name is None or name_pending(name) else str(name)


def name_pending(name: object) -> bool:
    """Whether SQLAlchemy leaves the name to its naming convention, which gives it when it
    writes DDL (the private ``_NoneName`` marker, told apart from a plain None)."""
    return isinstance(name, _NoneName)


def copy_column(column: Column[Any]) -> Column[Any]:
    """A copy of a column, free of its table (the private ``Column._copy()``; the public
    ``Column.copy()`` is deprecated)."""
    return column._copy()


def type_variants(type_: TypeEngine[Any]) -> Mapping[str, TypeEngine[Any]]:
    """A type's ``with_variant`` types by dialect name, not to be changed (the private
    ``_variant_mapping``; no public accessor)."""
    return getattr(type_, "_variant_mapping", {})


def ddl_if_condition(item: Index | Constraint) -> Any:
    """The condition ``ddl_if(...)`` set on an index or constraint, or None (the private
    ``_ddl_if``, a named tuple of ``dialect``, ``callable_`` and ``state``)."""
    return getattr(item, "_ddl_if", None)


def format_constraint_name(preparer: IdentifierPreparer, constraint: Constraint) -> str | None:
    """The final name of a constraint whose name a naming convention gives, unquoted, as
    Alembic takes it (the private ``_alembic_quote=False`` of ``format_constraint``)."""
    return preparer.format_constraint(constraint, _alembic_quote=False)


def set_table_definition_parser(dialect: Dialect, parser: Any) -> None:
    """Make a MariaDB/MySQL dialect reflect tables with ``parser`` (SQLAlchemy builds its own
    lazily into the private memoized ``_tabledef_parser``)."""
    dialect.__dict__["_tabledef_parser"] = parser


def table_definition_parser(dialect: Dialect) -> Any:
    """The parser ``set_table_definition_parser`` set, or None while SQLAlchemy's own is used."""
    return dialect.__dict__.get("_tabledef_parser")


# --- Alembic: running revisions -------------------------------------------------------------


def upgrade(config: Config, scripts: ScriptDirectory, destination: str,
            pending: Iterable[Script]) -> None:
    """``alembic.command.upgrade(config, destination)`` with a ScriptDirectory already loaded
    (``command.upgrade`` builds its own, importing every revision file again), running the
    revisions ``pending`` gives, in its order, in one Alembic environment: env.py runs once, as
    for ``alembic upgrade head``.  ``pending`` is iterated as the revisions run, so a generator
    can act between them.  Each step is built as ``ScriptDirectory._upgrade_revs`` builds
    them, with ``MigrationStep.upgrade_from_script`` (not a documented API)."""
    from alembic.runtime.environment import EnvironmentContext
    from alembic.runtime.migration import MigrationStep

    def steps(current: Any, context: Any) -> Iterator[Any]:
        for script in pending:
            yield MigrationStep.upgrade_from_script(scripts.revision_map, script)

    with EnvironmentContext(config, scripts, fn=steps, as_sql=False, starting_rev=None,
                            destination_rev=destination):
        scripts.run_env()


# --- Alembic: the revision map ---------------------------------------------------------------


def revision_file_paths(scripts: ScriptDirectory) -> list[Path]:
    """The files Alembic loads as revisions, in its order: every ``*.py`` but ``__init__.py``
    of the version locations (sub-folders with ``recursive_version_locations``), each once.
    Alembic's discovery is the private ``_version_locations``, ``Script._list_py_dir`` and
    ``_only_source_rev_file`` behind ``ScriptDirectory._load_revisions``."""
    from alembic.script.base import Script, _only_source_rev_file

    seen: set[Path] = set()
    found = []
    for location in scripts._version_locations:
        if not location.exists():
            continue
        for path in Script._list_py_dir(scripts, location.resolve()):
            real = path.resolve() if path.is_symlink() else path  # resolving costs a stat a part
            if real not in seen and _only_source_rev_file.match(real.name):
                seen.add(real)
                found.append(real)
    return found


def script_directory_loading(config: Config,
                             load: Callable[[ScriptDirectory, Path], Script | None],
                             ) -> ScriptDirectory:
    """``ScriptDirectory.from_config(config)`` whose revision map gets each revision from
    ``load(scripts, path)`` instead of importing the file.  Sourceless script folders (``.pyc``
    revisions) keep Alembic's own loading."""

    def revisions(scripts: ScriptDirectory) -> Iterator[Script]:
        for path in revision_file_paths(scripts):
            script = load(scripts, path)
            if script is not None:
                yield script

    return script_directory_of(config, revisions)


def script_directory_of(config: Config,
                        revisions: Callable[[ScriptDirectory], Iterator[Script]],
                        ) -> ScriptDirectory:
    """``ScriptDirectory.from_config(config)`` whose revision map holds ``revisions(scripts)``.
    The map is built by the generator its constructor is given, which Alembic sets to the
    private ``_load_revisions``: it is replaced here (not for a sourceless folder)."""
    from alembic.script import ScriptDirectory
    from alembic.script.revision import RevisionMap

    scripts = ScriptDirectory.from_config(config)
    if not scripts.sourceless:
        scripts.revision_map = RevisionMap(lambda: revisions(scripts))
    return scripts


def script_from_path(scripts: ScriptDirectory, path: Path) -> Script | None:
    """A revision file imported as Alembic imports it (the private ``Script._from_path``)."""
    from alembic.script.base import Script

    return Script._from_path(scripts, path)


# --- Alembic: importing by need --------------------------------------------------------------

# Packages whose ``__init__`` imports far more than their sub-modules need: ``alembic`` imports
# its runtime and migration context (``from . import context, op``), ``alembic.script`` its
# ScriptDirectory (and with it the migration context), ``alembic.ddl`` the DDL modules of every
# database (and with them SQLAlchemy's PostgreSQL, MySQL, MSSQL and Oracle dialects).
_HEAVY_PACKAGES = ("alembic", "alembic.script", "alembic.ddl")
# Alembic's DDL module for a dialect name, imported the first time a connection or a revision
# rendered for that database needs it (``alembic.ddl.__init__`` would import them all).
_DDL_MODULES = {"mariadb": "mysql", "mysql": "mysql", "postgresql": "postgresql",
                "sqlite": "sqlite", "mssql": "mssql", "oracle": "oracle"}


def import_alembic_by_need() -> None:
    """Let the tool import Alembic's sub-modules without the heavy package ``__init__``s.

    Each package in ``_HEAVY_PACKAGES`` not imported yet is put in ``sys.modules`` with its
    path but without running its ``__init__``: importing a sub-module works as usual, and the
    ``__init__`` runs the first time a name it defines is asked for (``alembic.__version__``,
    ``from alembic.ddl import PostgresqlImpl``), so nothing behaves differently, it only happens
    later or not at all; ``from alembic import op`` in a revision imports ``alembic.op`` as a
    sub-module.  ``alembic.ddl.DefaultImpl``, which the migration context asks for its
    dialect's implementation, comes from ``alembic.ddl.impl`` with its registry of
    implementations by dialect name (the private ``_impls``) made to import a dialect's module
    the first time it is looked up."""
    for name in _HEAVY_PACKAGES:
        if name not in sys.modules:
            _install_bare_package(name)


class _ImplsByNeed(dict):  # type: ignore[type-arg]
    """Alembic's DDL implementations by dialect name, each imported when first looked up."""

    def __missing__(self, name: str) -> Any:
        module = _DDL_MODULES.get(name)
        if module is None:
            raise KeyError(name)
        importlib.import_module(f"alembic.ddl.{module}")
        return dict.__getitem__(self, name)


def _default_impl() -> Any:
    impl = importlib.import_module("alembic.ddl.impl")
    if not isinstance(impl._impls, _ImplsByNeed):
        impl._impls = _ImplsByNeed(impl._impls)  # the metaclass registers into the global
    return impl.DefaultImpl


def _install_bare_package(name: str) -> None:
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None or spec.submodule_search_locations is None:
        return
    module = importlib.util.module_from_spec(spec)

    def finish(attribute: str) -> Any:
        if name == "alembic.ddl" and attribute == "DefaultImpl":
            module.DefaultImpl = _default_impl()  # type: ignore[attr-defined]
            return module.DefaultImpl  # type: ignore[attr-defined]
        if not attribute.startswith("__") and importlib.util.find_spec(f"{name}.{attribute}"):
            return importlib.import_module(f"{name}.{attribute}")  # `from alembic import util`
        # a name the __init__ defines: run it once, in this very module object
        del module.__getattr__  # type: ignore[attr-defined]
        spec.loader.exec_module(module)  # type: ignore[union-attr]
        return getattr(module, attribute)

    module.__getattr__ = finish  # type: ignore[attr-defined]
    parent, _, child = name.rpartition(".")
    sys.modules[name] = module
    if parent:
        setattr(sys.modules[parent], child, module)
