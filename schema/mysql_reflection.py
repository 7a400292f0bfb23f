"""MariaDB/MySQL reflection of names that hold a backtick, the identifier quote there.

SQLAlchemy reads a MariaDB table from ``SHOW CREATE TABLE``, where a backtick in a name is
doubled (`` `nick``name` ``), and leaves column, key and constraint names doubled; a foreign key
whose referred table or columns hold one does not parse at all. Verification then reported such
a column as missing and, doubled, as not in the snapshot. This module is the one place that
touches SQLAlchemy's private table-definition parser (subclassed here, set on the dialect
through ``compat``): :func:`unescaping_reflection` gives a dialect a parser that undoes the
doubling.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.dialects.mysql.base import MySQLDialect
from sqlalchemy.dialects.mysql.reflection import MySQLTableDefinitionParser, ReflectedState
from sqlalchemy.engine import Dialect

from .compat import set_table_definition_parser, table_definition_parser

# A quoted name, backticks inside doubled; and the foreign key line of SHOW CREATE TABLE, as
# SQLAlchemy's parser reads it except that the referred names may hold a backtick too.
_NAME = r"`(?:``|[^`])+`"
_ACTIONS = "RESTRICT|CASCADE|SET NULL|NO ACTION|SET DEFAULT"
_FOREIGN_KEY = re.compile(
    rf"  CONSTRAINT +`(?P<name>(?:``|[^`])+)` +FOREIGN KEY +\((?P<local>[^\)]+?)\) REFERENCES +"
    rf"(?P<table>{_NAME}(?:\.{_NAME})?) +\((?P<foreign>(?:{_NAME}(?: *, *)?)+)\)"
    rf"(?: +(?P<match>MATCH \w+))?(?: +ON DELETE (?P<ondelete>{_ACTIONS}))?"
    rf"(?: +ON UPDATE (?P<onupdate>{_ACTIONS}))?", re.IGNORECASE)


def unescaping_reflection(dialect: Dialect) -> None:
    """Make a MariaDB/MySQL dialect reflect names with a backtick as they are (other dialects
    are left alone)."""
    if isinstance(dialect, MySQLDialect) and not isinstance(
            table_definition_parser(dialect), _UnescapingParser):
        set_table_definition_parser(dialect,
                                    _UnescapingParser(dialect, dialect.identifier_preparer))


def _unescape(name: str) -> str:
    return name.replace("``", "`")


class _UnescapingParser(MySQLTableDefinitionParser):
    """SQLAlchemy's parser, with the names it reads unescaped."""

    def _prep_regexes(self) -> None:
        super()._prep_regexes()
        self._re_fk_constraint = _FOREIGN_KEY

    def parse(self, show_create: str, charset: str | None) -> ReflectedState:
        state = super().parse(show_create, charset)
        for column in state.columns:
            column["name"] = _unescape(column["name"])
        for key in state.keys:
            key["name"] = key["name"] and _unescape(key["name"])
            key["columns"] = [(_unescape(name), *rest) for name, *rest in key["columns"]]
        for foreign_key in state.fk_constraints:
            _unescape_names(foreign_key, ("local", "foreign"))
        for check in state.ck_constraints:
            _unescape_names(check, ())
        return state


def _unescape_names(spec: dict[str, Any], lists: tuple[str, ...]) -> None:
    spec["name"] = _unescape(spec["name"])
    for field in lists:
        spec[field] = [_unescape(name) for name in spec[field]]
