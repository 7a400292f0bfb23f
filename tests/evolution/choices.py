"""What the random evolution draws from: types, lengths, defaults, referential actions, table
options, names (``strategy`` says what each draw means, ``edits`` how often each edit is drawn)."""

from __future__ import annotations

MAX_TABLES, MAX_COLUMNS = 5, 6
LENGTHS = (8, 16, 32, 64)
NUMERICS = ((6, 2), (8, 2), (10, 2), (12, 0), (8, 0))
# LargeBinary lengths: none, BLOB and MEDIUMBLOB on MariaDB
BINARY_LENGTHS = (None, 300, 100000)
FAMILIES = ("int", "str", "fk", "big", "num", "text", "dt", "fk", "enum", "calc", "bool", "uint",
            "mtext", "json", "own", "seq", "cstr", "enum", "small", "uuid", "time", "bin", "flt",
            "ustr", "dtz", "ttz", "ival", "ltext", "tiny", "dbl")
# Value lists of ENUM columns: "a" is always there (the test's rows use it).
ENUM_VALUES = (("a", "b"), ("a", "b", "c"), ("b", "a"), ("a", "c"), ("a", "b", "c", "d"))
# ENUM type names start e_, or ce_ for create_constraint=True (a CHECK on SQLite)
ENUM_PREFIXES = ("e_", "ce_")
FACTORS = (2, 3)  # generated columns are factor * 10
# IDENTITY options (start, increment) of a table's id column; None is plain autoincrement.
IDENTITIES = ((100, 1), (1000, 1), (100, 5))
# Server defaults per type family: ("lit", x) is server_default="x", ("sql", x) sa.text("x").
# They satisfy every CHECK drawn below (numbers >= 1, strings longer than 1 character).
DEFAULTS = {
    "int": (("sql", "5"), ("sql", "7")), "big": (("sql", "5"), ("sql", "7")),
    "uint": (("sql", "5"), ("sql", "7")), "mtext": (("lit", "dv"), ("lit", "ok")),
    "ltext": (("lit", "dv"),), "tiny": (("sql", "5"),), "dbl": (("sql", "5"),),
    "own": (("lit", "dv"),), "json": (), "seq": (), "arr": (), "tsv": (),
    "net": (("lit", "10.0.0.0/8"),),
    # the clock's defaults also as SQL keywords, which databases store in their own spelling
    # (MariaDB: curdate(), curtime(), current_timestamp())
    "num": (("sql", "5"), ("sql", "7")),
    "dt": (("now",), ("sql", "CURRENT_TIMESTAMP"), ("sql", "CURRENT_DATE")),
    "small": (("sql", "5"), ("sql", "7")), "flt": (("sql", "5"),), "uuid": (),
    "time": (("sql", "CURRENT_TIME"),),
    "dtz": (("now",), ("sql", "CURRENT_TIMESTAMP")), "ttz": (("sql", "CURRENT_TIME"),),
    "ival": (), "ustr": (("lit", "dv"),),
    "bin": (),
    "str": (("lit", "dv"), ("lit", "it's"), ("lit", "a\\b")),
    "cstr": (("lit", "dv"),),
    "text": (("lit", "dv"), ("lit", "ok")), "enum": (("lit", "a"),),
    "bool": (("true",), ("false",)), "cbool": (("true",), ("false",)),
    "ubool": (("true",), ("false",)),
}
COMMENTS = ("first note", "second note", "owner's note")
# Referential actions of a foreign key: ON DELETE ..., or the one ON UPDATE action drawn.
ACTIONS = (None, "CASCADE", "SET NULL", "ON UPDATE CASCADE")
# PostgreSQL's own types, drawn where the project targets PostgreSQL alone: ("arr", "int"|"big")
# an ARRAY of Integer or BigInteger, ("net", "INET"|"CIDR"), ("tsv",) a TSVECTOR
POSTGRESQL_FAMILIES = ("arr", "net", "tsv")
INTEGERS = ("int", "big", "uint", "small", "tiny")
# never in an index or unique (rows repeat values, or MariaDB needs a key length)
UNKEYED = ("text", "mtext", "ltext", "enum", "calc", "bool", "cbool", "ubool", "json", "seq",
           "arr", "tsv", "bin")
# Partial indexes: a condition on the index's first column (ignored by MariaDB).
WHERES = ("IS NOT NULL", "IS NULL")
# MariaDB table options (consistent sets; no engine without foreign keys, such as Aria)
TABLE_OPTIONS = ((("mysql_charset", "latin1"),),
                 (("mysql_charset", "utf8mb4"), ("mysql_collate", "utf8mb4_bin")),
                 (("mysql_engine", "InnoDB"), ("mysql_row_format", "COMPACT")))


# A table the project's ``ignore_tables = ["legacy_*"]`` leaves to others: in the database from
# the start, sometimes declared in the models too; never in a snapshot or revision.
LEGACY_TABLE = "legacy_notes"
LEGACY_MODEL = (f'\n{LEGACY_TABLE} = Table({LEGACY_TABLE!r}, metadata, Column("id", Integer, '
                'primary_key=True), Column("note", String(20)))\n')


# Reserved words taken as table or column names (once each per evolution).
RESERVED = ("order", "select", "group", "user", "check", "table")


def plain_name(name: str) -> bool:
    """A name SQL text may hold unquoted on every database (``c7``; ``order`` is not)."""
    return name.isascii() and name.isidentifier() and name.islower() and name not in RESERVED
