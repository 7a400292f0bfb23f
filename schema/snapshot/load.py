"""Snapshot YAML -> validated dict -> SQLAlchemy ``Table``: the reverse of ``serialize``.

YAML is read with a strict safe (C when available) loader, see ``safe_yaml``.  Every key and
value is checked against the shapes below, so a hand-edited or corrupted file fails with its
path and line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml
from sqlalchemy import (
    CheckConstraint,
    Column,
    Computed,
    ForeignKeyConstraint,
    Identity,
    Index,
    MetaData,
    PrimaryKeyConstraint,
    Sequence,
    Table,
    UniqueConstraint,
    asc,
    column,
    desc,
    text,
)
from sqlalchemy.engine.default import DefaultDialect
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.sql.elements import conv

from ..compat import format_constraint_name, name_pending
from ..errors import SchemaToolError, SnapshotFileError
from .default_variants import build_default
from .expressions import ExpressionError, index_column, text_to_type
from .index_dialects import restrict
from .safe_yaml import parse_yaml
from .serialize import TableDict

# Constraint names are the snapshot's, of no one database: SQLAlchemy's generic dialect gives
# them (its 9,999-character limit is SQLite's; no dialect module is imported for it).
_GENERIC = DefaultDialect()

SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class Field:
    """One allowed key: its expected type (a shape name for nested data) and whether required."""

    kind: str
    required: bool = False


NAMES = Field("names", True)
SCALARS: dict[str, tuple[type, str]] = {
    "str": (str, "a string"),
    "bool": (bool, "true or false"),
    "int": (int, "a whole number"),
}
SHAPES: dict[str, dict[str, Field]] = {
    "table": {
        "name": Field("str", True),
        "schema": Field("str"),
        "comment": Field("str"),
        "dialect_options": Field("options"),
        "columns": Field("list:column", True),
        "primary_key": Field("primary_key"),
        "foreign_keys": Field("list:foreign_key"),
        "unique_constraints": Field("list:unique"),
        "check_constraints": Field("list:check"),
        "indexes": Field("list:index"),
    },
    "column": {
        "name": Field("str", True),
        "type": Field("type", True),
        "impl": Field("type"),
        "nullable": Field("bool", True),
        "autoincrement": Field("bool"),
        "server_default": Field("default"),
        "computed": Field("computed"),
        "identity": Field("identity"),
        "sequence": Field("sequence"),
        "comment": Field("str"),
    },
    "sequence": {
        "name": Field("str", True), "schema": Field("str"), "start": Field("int"),
        "increment": Field("int"), "minvalue": Field("int"), "maxvalue": Field("int"),
        "nominvalue": Field("bool"), "nomaxvalue": Field("bool"), "cycle": Field("bool"),
        "cache": Field("int"), "order": Field("bool"),
    },
    "computed": {"sqltext": Field("str", True), "persisted": Field("bool")},
    "identity": {
        "always": Field("bool"), "on_null": Field("bool"), "start": Field("int"),
        "increment": Field("int"), "minvalue": Field("int"), "maxvalue": Field("int"),
        "nominvalue": Field("bool"), "nomaxvalue": Field("bool"), "cycle": Field("bool"),
        "cache": Field("int"), "order": Field("bool"),
    },
    "primary_key": {"name": Field("name"), "columns": NAMES},
    "foreign_key": {
        "name": Field("name"),
        "columns": NAMES,
        "referred_table": Field("str", True),
        "referred_columns": NAMES,
        "ondelete": Field("str"),
        "onupdate": Field("str"),
        "deferrable": Field("bool"),
        "initially": Field("str"),
        "use_alter": Field("bool"),
    },
    "unique": {"name": Field("name"), "columns": NAMES},
    "check": {"name": Field("name"), "sqltext": Field("str", True)},
    "index": {
        "name": Field("name"),
        "columns": Field("names"),
        "expressions": Field("names"),
        "unique": Field("bool"),
        "dialect_options": Field("options"),
        "dialects": Field("names"),
    },
}


class InvalidSnapshotData(SchemaToolError):
    """A snapshot dict that breaks the format, with the path of the offending node."""

    def __init__(self, path: Path_, problem: str) -> None:
        super().__init__(problem)
        self.path = path
        self.problem = problem


def load_table(path: str, text: str, metadata: MetaData, stored_types: bool = False) -> Table:
    """Parse, validate and build one table file into ``metadata``."""
    data = parse_table(path, text)
    try:
        return build_table(data, metadata, stored_types)
    except InvalidSnapshotData as exc:
        raise SnapshotFileError(path, exc.problem, line_of(text, exc.path)) from None


def parse_table(path: str, text: str) -> TableDict:
    """Parse and validate one table file into its snapshot dict."""
    data = parse_yaml(path, text)
    try:
        _require_shape(data, "table", ())
    except InvalidSnapshotData as exc:
        raise SnapshotFileError(path, exc.problem, line_of(text, exc.path)) from None
    return data  # type: ignore[no-any-return]


def _require_shape(value: Any, kind: str, path: Path_) -> None:
    where = "/".join(str(part) for part in path) or "the file"
    if kind.startswith("list:"):
        if not isinstance(value, list):
            raise InvalidSnapshotData(path, f"{where} must be a list")
        for index, item in enumerate(value):
            _require_shape(item, kind[5:], (*path, index))
        return
    if kind == "names":
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            raise InvalidSnapshotData(path, f"{where} must be a non-empty list of names")
        return
    if kind == "name":
        if value is not None and not isinstance(value, str):
            raise InvalidSnapshotData(path, f"{where} must be a name or null")
        return
    if kind in ("type", "default"):
        parse = text_to_type if kind == "type" else build_default
        if not isinstance(value, str) and not (kind == "default" and isinstance(value, dict)):
            raise InvalidSnapshotData(path, f"{where} must be a string, not {value!r}")
        try:
            parse(value)
        except ExpressionError as exc:
            raise InvalidSnapshotData(path, f"{where}: {exc}") from None
        return
    if kind in SCALARS:
        expected_type, expected = SCALARS[kind]
        if type(value) is not expected_type:
            raise InvalidSnapshotData(path, f"{where} must be {expected}, not {value!r}")
        return
    if kind == "options":
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and "_" in k and _plain(v) for k, v in value.items()
        ):
            raise InvalidSnapshotData(path, f"{where} must map dialect_option names to values")
        return
    shape = SHAPES[kind]
    if not isinstance(value, dict):
        raise InvalidSnapshotData(path, f"{where} must be a mapping")
    for key in value:
        if key not in shape:
            label = kind.replace("_", " ")
            raise InvalidSnapshotData((*path, key), f"unknown key {key!r} in {label}")
    for key, field in shape.items():
        if key in value:
            _require_shape(value[key], field.kind, (*path, key))
        elif field.required:
            raise InvalidSnapshotData(path, f"{where}: missing key {key!r}")
    if kind == "index" and ("columns" in value) == ("expressions" in value):
        raise InvalidSnapshotData(path, f"{where}: needs either columns or expressions")
    if kind == "column" and sum(k in value for k in ("server_default", "computed", "identity")) > 1:
        raise InvalidSnapshotData(
            path, f"{where}: server_default, computed and identity exclude each other"
        )


def _plain(value: Any) -> bool:
    """YAML scalars, or lists/mappings of them: what dialect options may hold."""
    if isinstance(value, list):
        return all(_plain(item) for item in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    return value is None or isinstance(value, (str, int, bool, float))


def build_table(data: TableDict, metadata: MetaData, stored_types: bool = False) -> Table:
    """A ``Table`` in ``metadata`` from a validated snapshot dict.

    Names are wrapped in ``conv`` so no naming convention renames them again, and Alembic
    renders them as ``op.f(...)``.
    """
    items: list[Any] = []
    items.extend(_build_column(column, stored_types) for column in data["columns"])
    if "primary_key" in data:
        pk = data["primary_key"]
        items.append(PrimaryKeyConstraint(*pk["columns"], name=_conv(pk["name"])))
    for fk in data.get("foreign_keys", []):
        prefix = fk["referred_table"]
        items.append(
            ForeignKeyConstraint(
                fk["columns"],
                [f"{prefix}.{column}" for column in fk["referred_columns"]],
                name=_conv(fk.get("name")),
                ondelete=fk.get("ondelete"),
                onupdate=fk.get("onupdate"),
                deferrable=fk.get("deferrable"),
                initially=fk.get("initially"),
                use_alter=fk.get("use_alter", False),
            )
        )
    for unique in data.get("unique_constraints", []):
        items.append(UniqueConstraint(*unique["columns"], name=_conv(unique.get("name"))))
    for check in data.get("check_constraints", []):
        items.append(CheckConstraint(check["sqltext"], name=_conv(check.get("name"))))
    column_names = {column["name"] for column in data["columns"]}
    for ix in data.get("indexes", []):
        elements = ix.get("columns") or [
            _index_element(expression, column_names) for expression in ix["expressions"]
        ]
        items.append(restrict(Index(_conv(ix.get("name")), *elements,
                                    unique=ix.get("unique", False),
                                    **_options(ix.get("dialect_options", {}))),
                              ix.get("dialects")))
    try:
        table = Table(
            data["name"], metadata, *items, schema=data.get("schema"), comment=data.get("comment"),
            **_options(data.get("dialect_options", {})),
        )
    except Exception as exc:  # SQLAlchemy raises several types for inconsistent definitions
        raise InvalidSnapshotData((), f"inconsistent table definition: {exc}") from None
    _name_type_checks(table)
    return table


def _name_type_checks(table: Table) -> None:
    """Give the CHECKs Boolean/Enum types make the names the convention gives them even where
    SQLAlchemy works them out only when it writes DDL (a convention naming them after their
    column), so plans and verification know them."""
    for constraint in table.constraints:
        if isinstance(constraint, CheckConstraint) and name_pending(constraint.name):
            try:  # SQLAlchemy's own way to the final name, as Alembic takes it
                name = format_constraint_name(_GENERIC.identifier_preparer, constraint)
            except InvalidRequestError as exc:  # the convention wants the type to have a name
                columns = ", ".join(str(column.name) for column in constraint.columns)
                raise InvalidSnapshotData((), f"column {columns}: {exc}") from None
            if name:
                constraint.name = conv(name)


def _build_column(data: dict[str, Any], stored_types: bool) -> Column[Any]:
    """A column from a validated dict (types and defaults were parsed once already).

    ``stored_types`` builds an own TypeDecorator column with the type it recorded as stored
    (``impl``): what verification compares, independent of the decorator's code today.
    """
    default = data.get("server_default")
    generated: list[Any] = []
    if "computed" in data:
        generated.append(Computed(data["computed"]["sqltext"],
                                  persisted=data["computed"].get("persisted")))
    if "identity" in data:
        generated.append(Identity(**data["identity"]))
    if "sequence" in data:
        generated.append(Sequence(**data["sequence"]))
    return Column(
        data["name"],
        text_to_type(data["impl"] if stored_types and "impl" in data else data["type"]),
        *generated,
        nullable=data["nullable"],
        autoincrement=data.get("autoincrement", "auto"),
        server_default=None if default is None else build_default(default),
        comment=data.get("comment"),
    )


def _index_element(expression: str, column_names: set[str]) -> Any:
    """``name``, ``name DESC`` on a column (so reflection can match it, and each database
    quotes the name its own way), or SQL text."""
    found = index_column(expression, column_names)
    if found is None:
        return text(expression)
    name, order = found
    return desc(column(name)) if order == "DESC" else asc(column(name)) if order else name


def _options(options: dict[str, Any]) -> dict[str, Any]:
    """Dialect options as keyword arguments; ``*_where`` conditions are SQL text."""
    return {key: text(value) if key.endswith("_where") and isinstance(value, str) else value
            for key, value in options.items()}


def _conv(name: str | None) -> conv | None:
    return None if name is None else conv(name)


def line_of(text: str, path: Path_) -> int | None:
    """1-based line of the node at ``path`` (keys and list indexes) in YAML ``text``."""
    try:
        node = yaml.compose(text, Loader=SafeLoader)
    except yaml.YAMLError:
        return None
    line = node.start_mark.line + 1 if node is not None else None
    for part in path:
        if isinstance(node, yaml.MappingNode):
            match = [(k, v) for k, v in node.value if k.value == part]
            if not match:
                break
            key, node = match[0]
            line = key.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) \
                and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line
