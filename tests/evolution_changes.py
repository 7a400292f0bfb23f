"""The change lines `tool snapshot` must print between two schemas of the random evolution,
worked out from the schema model (``tests/evolution_schema.py``) alone, not from the tool's
snapshot files."""

from __future__ import annotations

from .evolution_schema import (
    BIG_KEY,
    Renaming,
    Schema,
    Tab,
    column_type,
    computed_sql,
    declared_renames,
    default_text,
    rename,
    type_text,
)


def _objects(tab: Tab, renaming: Renaming) -> dict[str, tuple[str, str, object]]:
    """Named constraints and indexes: name -> (kind, columns shown, definition), with columns
    and referred tables under the names ``renaming`` gives them, in SQL texts too (CHECKs,
    index expressions and conditions: databases rewrite them on RENAME COLUMN).  Their own
    names stay: those that follow a table or column name change as a drop and an add."""
    t = tab.table

    def cols(names: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(renaming.column(tab.name, c) for c in names)

    objects: dict[str, tuple[str, str, object]] = {}
    key = cols(("id", tab.pk_extra) if tab.pk_extra else ("id",))
    objects[f"pk_{t}"] = ("primary key", f" ({', '.join(key)})", key)
    for column, (parent, action) in tab.fks.items():
        objects[f"fk_{t}_{column}_{parent.rpartition('.')[2]}"] = (
            "foreign key", f" ({cols((column,))[0]})",
            (renaming.table(parent), action, tab.is_deferred(column), tab.uses_alter(column)))
    for pair, (parent, column) in tab.cfks.items():
        objects[f"fk_{t}_{'_'.join(pair)}_{parent.rpartition('.')[2]}"] = (
            "foreign key", f" ({', '.join(cols(pair))})",
            (renaming.table(parent), renaming.column(parent, column)))
    for unique in tab.uniques:
        objects[f"uq_{t}_{'_'.join(unique)}"] = ("unique constraint",
                                                 f" ({', '.join(cols(unique))})", cols(unique))
    for name in tab.checks.keys() - tab.unnamed:  # unnamed ones come and go with the table
        objects[f"ck_{t}_{name}"] = ("check constraint", "",
                                     tab.check_sql(name, renaming.columns.get(tab.name)))
    for columns, unique in tab.indexes.items():
        form, texts = tab.form(columns), cols(columns)
        lead = texts[0]
        first = {None: lead, "desc": f"{lead} DESC", "lower": f"lower({lead})"}[form]
        options = {None: [], "len": [f"mysql_length={{{lead!r}: 4}}"],
                   "btree": ["postgresql_using=btree"],
                   "incl": ["postgresql_include=['id']"]}[tab.extra(columns)]
        if where := tab.where(columns):
            options.append(f"postgresql_where={lead} {where}, sqlite_where={lead} {where}")
        shown = f" ({', '.join((first, *texts[1:]))})"
        shown += f" {', '.join(options)}" if options else ""
        kind = "unique index" if unique else "index"
        objects[f"ix_{tab.label}_{columns[0]}"] = (kind, shown, (kind, shown))
    return objects


def expected_changes(old: Schema, new: Schema) -> list[str]:
    """The lines `tool snapshot` prints for ``old`` -> ``new``, sorted: declared renames, then
    the changes between ``old`` under its new names and ``new``."""
    renaming = declared_renames(old, new)
    lines = [f"~ table {new_name}: renamed from {old_name}"
             for old_name, new_name in renaming.tables.items()]
    lines += [f"~ column {renaming.table(table)}.{new_name}: renamed from {old_name}"
              for table, names in renaming.columns.items() for old_name, new_name in names.items()]
    originals = {renaming.table(name): tab for name, tab in old.items()}
    old = rename(old, renaming)
    for name in old.keys() | new.keys():
        if name not in old or name not in new:
            lines.append(f"{'+' if name in new else '-'} table {name}")
            continue
        a, b = old[name], new[name]
        if a.comment != b.comment:
            lines.append(f"~ table {name}: comment {_show(a.comment)} -> {_show(b.comment)}")
        if a.options != b.options:
            lines.append(f"~ table {name}: dialect_options {_show(dict(a.options) or None)} -> "
                         f"{_show(dict(b.options) or None)}")
        if a.identity != b.identity:
            lines.append(f"~ column {name}.id: identity {identity_text(a.identity)} -> "
                         f"{identity_text(b.identity)}")
        if a.big_id != b.big_id:
            types = [type_text(BIG_KEY if big else ("int",)) for big in (a.big_id, b.big_id)]
            lines.append(f"~ column {name}.id: type {types[0]} -> {types[1]}")
        if a.manual_ids != b.manual_ids:
            auto = ("false", "'auto'")
            lines.append(f"~ column {name}.id: autoincrement {auto[not a.manual_ids]} -> "
                         f"{auto[not b.manual_ids]}")
        before, after = {c.name: c for c in a.columns}, {c.name: c for c in b.columns}
        lines += [f"+ column {name}.{c}" for c in after.keys() - before.keys()]
        lines += [f"- column {name}.{c}" for c in before.keys() - after.keys()]
        for c in before.keys() & after.keys():
            x, y = before[c], after[c]
            own = x.family == y.family == "own"  # the same class: its implementation changes
            for attribute, was, now in (
                ("impl" if own else "type", type_text(column_type(old, a, x)),
                 type_text(column_type(new, b, y))),
                ("computed", computed_text(x.type), computed_text(y.type)),
                ("sequence", sequence_text(x.type), sequence_text(y.type)),
                ("nullable", _show(x.nullable), _show(y.nullable)),
                ("server_default", default_text(x.default), default_text(y.default)),
                ("comment", _show(x.comment), _show(y.comment)),
            ):
                if was != now:
                    free = attribute == "type" and _ddl_free(x.type, y.type)
                    lines.append(f"~ column {name}.{c}: {attribute} {was} -> {now}"
                                 f"{' (snapshot only, no DDL)' if free else ''}")
        was_objects, now_objects = _objects(originals[name], renaming), _objects(b, Renaming())
        for sign, mine, other in (("-", was_objects, now_objects), ("+", now_objects, was_objects)):
            for obj, (kind, cols, definition) in mine.items():
                if obj not in other or other[obj][2] != definition:
                    lines.append(f"{sign} {kind} {obj} on {name}{cols}")
    return sorted(lines)


def _ddl_free(a: tuple, b: tuple) -> bool:
    """Type changes no database sees: String <-> Unicode of one length, Numeric's asdecimal."""
    if {a[0], b[0]} == {"str", "ustr"}:
        return a[1] == b[1]
    return a[0] == b[0] == "num" and a[1:3] == b[1:3]


def identity_text(identity: tuple[int, int] | None) -> str:
    if identity is None:
        return "none"
    return repr({"always": False, "start": identity[0], "increment": identity[1]})


def sequence_text(t: tuple) -> str:
    return repr({"name": t[1], "start": t[2]}) if t[0] == "seq" else "none"


def computed_text(t: tuple) -> str:
    if t[0] != "calc":
        return "none"
    return repr({"sqltext": computed_sql(t), "persisted": t[2]})


def _show(value: object) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)
