"""The change lines `tool snapshot` must print between two schemas of the random evolution,
worked out from the schema model (``model``) alone, not from the tool's snapshot files."""

from __future__ import annotations

from .model import Renaming, Schema, TableModel, declared_renames, rename
from .source import BIG_KEY, column_type, computed_sql, default_text, type_text


def _objects(table: TableModel, renaming: Renaming) -> dict[str, tuple[str, str, object]]:
    """Named constraints and indexes: name -> (kind, columns shown, definition), with columns
    and referred tables under the names ``renaming`` gives them, in SQL texts too (CHECKs,
    index expressions and conditions: databases rewrite them on RENAME COLUMN).  Their own
    names stay: those that follow a table or column name change as a drop and an add."""
    own = table.table

    def renamed(names: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(renaming.column(table.name, name) for name in names)

    objects: dict[str, tuple[str, str, object]] = {}
    key = renamed(("id", table.pk_extra) if table.pk_extra else ("id",))
    objects[f"pk_{own}"] = ("primary key", f" ({', '.join(key)})", key)
    for column, (parent, action) in table.foreign_keys.items():
        objects[f"fk_{own}_{column}_{parent.rpartition('.')[2]}"] = (
            "foreign key", f" ({renamed((column,))[0]})",
            (renaming.table(parent), action, table.is_deferred(column), table.uses_alter(column)))
    for pair, (parent, column) in table.composite_keys.items():
        objects[f"fk_{own}_{'_'.join(pair)}_{parent.rpartition('.')[2]}"] = (
            "foreign key", f" ({', '.join(renamed(pair))})",
            (renaming.table(parent), renaming.column(parent, column)))
    for unique in table.uniques:
        objects[f"uq_{own}_{'_'.join(unique)}"] = (
            "unique constraint", f" ({', '.join(renamed(unique))})", renamed(unique))
    for name in table.checks.keys() - table.unnamed:  # unnamed ones come and go with the table
        objects[f"ck_{own}_{name}"] = ("check constraint", "",
                                       table.check_sql(name, renaming.columns.get(table.name)))
    for columns, unique in table.indexes.items():
        kind, shown = _index_shown(table, columns, renamed(columns), unique)
        objects[f"ix_{table.label}_{columns[0]}"] = (kind, shown, (kind, shown))
    return objects


def _index_shown(table: TableModel, columns: tuple[str, ...], texts: tuple[str, ...],
                 unique: bool) -> tuple[str, str]:
    """An index's kind and how its change line shows it (columns under the names ``texts``)."""
    lead = texts[0]
    first = {None: lead, "desc": f"{lead} DESC", "lower": f"lower({lead})"}[table.form(columns)]
    options = {None: [], "len": [f"mysql_length={{{lead!r}: 4}}"],
               "btree": ["postgresql_using=btree"],
               "incl": ["postgresql_include=['id']"]}[table.extra(columns)]
    if where := table.where(columns):
        options.append(f"postgresql_where={lead} {where}, sqlite_where={lead} {where}")
    shown = f" ({', '.join((first, *texts[1:]))})"
    shown += f" {', '.join(options)}" if options else ""
    return "unique index" if unique else "index", shown


def expected_changes(old: Schema, new: Schema) -> list[str]:
    """The lines `tool snapshot` prints for ``old`` -> ``new``, sorted: declared renames, then
    the changes between ``old`` under its new names and ``new``."""
    renaming = declared_renames(old, new)
    lines = [f"~ table {new_name}: renamed from {old_name}"
             for old_name, new_name in renaming.tables.items()]
    lines += [f"~ column {renaming.table(table)}.{new_name}: renamed from {old_name}"
              for table, names in renaming.columns.items() for old_name, new_name in names.items()]
    originals = {renaming.table(name): table for name, table in old.items()}
    old = rename(old, renaming)
    for name in old.keys() | new.keys():
        if name not in old or name not in new:
            lines.append(f"{'+' if name in new else '-'} table {name}")
            continue
        lines += _table_changes(name, old, new)
        lines += _column_changes(name, old, new)
        was_objects = _objects(originals[name], renaming)
        now_objects = _objects(new[name], Renaming())
        for sign, mine, other in (("-", was_objects, now_objects), ("+", now_objects, was_objects)):
            for obj, (kind, columns, definition) in mine.items():
                if obj not in other or other[obj][2] != definition:
                    lines.append(f"{sign} {kind} {obj} on {name}{columns}")
    return sorted(lines)


def _table_changes(name: str, old: Schema, new: Schema) -> list[str]:
    """Lines of table ``name``'s own attributes and of its ``id`` column."""
    was, now, lines = old[name], new[name], []
    if was.comment != now.comment:
        lines.append(f"~ table {name}: comment {_show(was.comment)} -> {_show(now.comment)}")
    if was.options != now.options:
        lines.append(f"~ table {name}: dialect_options {_show(dict(was.options) or None)} -> "
                     f"{_show(dict(now.options) or None)}")
    if was.identity != now.identity:
        lines.append(f"~ column {name}.id: identity {identity_text(was.identity)} -> "
                     f"{identity_text(now.identity)}")
    if was.big_id != now.big_id:
        types = [type_text(BIG_KEY if big else ("int",)) for big in (was.big_id, now.big_id)]
        lines.append(f"~ column {name}.id: type {types[0]} -> {types[1]}")
    if was.manual_ids != now.manual_ids:
        auto = ("false", "'auto'")
        lines.append(f"~ column {name}.id: autoincrement {auto[not was.manual_ids]} -> "
                     f"{auto[not now.manual_ids]}")
    return lines


def _column_changes(name: str, old: Schema, new: Schema) -> list[str]:
    """Lines of the columns of table ``name`` (but ``id``): added, dropped, altered."""
    before = {column.name: column for column in old[name].columns}
    after = {column.name: column for column in new[name].columns}
    lines = [f"+ column {name}.{column}" for column in after.keys() - before.keys()]
    lines += [f"- column {name}.{column}" for column in before.keys() - after.keys()]
    for column in before.keys() & after.keys():
        was, now = before[column], after[column]
        own = was.family == now.family == "own"  # the same class: its implementation changes
        for attribute, was_text, now_text in (
            ("impl" if own else "type", type_text(column_type(old, old[name], was)),
             type_text(column_type(new, new[name], now))),
            ("computed", computed_text(was.type), computed_text(now.type)),
            ("sequence", sequence_text(was.type), sequence_text(now.type)),
            ("nullable", _show(was.nullable), _show(now.nullable)),
            ("server_default", default_text(was.default), default_text(now.default)),
            ("comment", _show(was.comment), _show(now.comment)),
        ):
            if was_text != now_text:
                free = attribute == "type" and _ddl_free(was.type, now.type)
                lines.append(f"~ column {name}.{column}: {attribute} {was_text} -> {now_text}"
                             f"{' (snapshot only, no DDL)' if free else ''}")
    return lines


def _ddl_free(was: tuple, now: tuple) -> bool:
    """Type changes no database sees: String <-> Unicode of one length, Numeric's asdecimal."""
    if {was[0], now[0]} == {"str", "ustr"}:
        return was[1] == now[1]
    return was[0] == now[0] == "num" and was[1:3] == now[1:3]


def identity_text(identity: tuple[int, int] | None) -> str:
    if identity is None:
        return "none"
    return repr({"always": False, "start": identity[0], "increment": identity[1]})


def sequence_text(type_: tuple) -> str:
    return repr({"name": type_[1], "start": type_[2]}) if type_[0] == "seq" else "none"


def computed_text(type_: tuple) -> str:
    if type_[0] != "calc":
        return "none"
    return repr({"sqltext": computed_sql(type_), "persisted": type_[2]})


def _show(value: object) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)
