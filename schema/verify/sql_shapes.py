"""SQL expressions reduced to a comparable shape: operators and structure, not spelling.

Databases rewrite a CHECK expression when they store it: PostgreSQL adds casts and parentheses
(``(s)::text = ANY ((ARRAY['a'::character varying])::text[])`` for ``s IN ('a')``), turns
``BETWEEN`` into two comparisons and ``LIKE`` into ``~~``; MariaDB adds backquotes, lowers
keywords and substitutes functions (``lcase``, ``octet_length``).  Verification used to compare
the set of terms an expression mentions, which cannot see an operator: ``height_cm >= 0``
replaced by ``height_cm < 0`` out of band looked the same.

So the stored text and the snapshot's text are both parsed with sqlglot, as the database's own
dialect, and reduced to nested tuples with what databases add taken away: casts and parentheses
(nesting is the tree's), ``= ANY (ARRAY[...])`` / ``<> ALL (ARRAY[...])`` back to ``IN`` /
``NOT IN``, ``BETWEEN`` as two comparisons, negations in one form (``NOT``), identifiers
unquoted, in lower case and without table prefixes, numbers normalized (``0``, ``0.00`` and
``'0'::numeric`` are one value), ``true``/``false`` as ``1``/``0``, MariaDB's function synonyms
and ``AND``/``OR`` chains flattened.  Operators, operands, their order and literals stay, so a
flipped comparison, a changed bound or a changed column is a different shape.

Why sqlglot: a SQL parser is the only sound way to see operators and structure in text each
database spells its own way (regular expressions cannot follow nesting); sqlglot is pure Python
with no dependencies of its own, parses PostgreSQL, MySQL/MariaDB and SQLite, and gives a typed
tree.  SQLAlchemy parses no SQL, and Alembic compares no CHECK bodies.  Text sqlglot cannot
parse gives no shape (``None``): the caller then falls back to comparing terms.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import sqlglot
from sqlglot import exp

Shape = tuple[Any, ...]

_READ = {"postgresql": "postgres", "mysql": "mysql", "sqlite": "sqlite"}
# Spellings a database substitutes when it stores an expression (MariaDB: length -> octet_length).
_SYNONYMS = {"octet_length": "length", "char_length": "length", "character_length": "length",
             "lcase": "lower", "ucase": "upper"}
# Arguments that only record a spelling: MySQL reads LENGTH as a byte length (``binary``), as
# MariaDB's stored ``octet_length`` is.
_SPELLING = frozenset({"binary"})
_NUMBER = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


def sql_shape(sql: str, dialect: str) -> Shape | None:
    """The shape of a SQL expression as ``dialect`` (``postgresql``, ``mysql``, ``sqlite``)
    reads it; None when it cannot be parsed."""
    try:
        tree = sqlglot.parse_one(sql, read=_READ.get(dialect, dialect))
    except (sqlglot.errors.SqlglotError, RecursionError, ValueError):
        return None
    return None if tree is None else _shape(tree)


def _shape(node: exp.Expression) -> Shape:
    if isinstance(node, (exp.Paren, exp.Cast)):
        return _shape(node.this)
    if node.args.get("negate"):  # x IS NOT NULL, x NOT LIKE y: one form of negation
        positive = node.copy()
        positive.set("negate", False)
        return ("not", _shape(positive))
    if isinstance(node, exp.Neg) and isinstance(node.this, exp.Literal):
        return _literal(f"-{node.this.name}")
    if isinstance(node, exp.Literal):
        return _literal(node.name)
    if isinstance(node, exp.Boolean):
        return ("literal", "1" if node.this else "0")
    if isinstance(node, exp.Null):
        return ("null",)
    if isinstance(node, exp.Column):
        return ("column", node.name.lower())
    if isinstance(node, exp.Between):
        this = _shape(node.this)
        return ("and", ("gte", this, _shape(node.args["low"])),
                ("lte", this, _shape(node.args["high"])))
    if isinstance(node, exp.In) and not (node.args.get("query") or node.args.get("unnest")):
        return _in(_shape(node.this), [_shape(item) for item in node.expressions])
    if isinstance(node, (exp.EQ, exp.NEQ)):
        items = _array_items(node.expression, "any" if isinstance(node, exp.EQ) else "all")
        if items is not None:  # PostgreSQL's IN and NOT IN
            found = _in(_shape(node.this), [_shape(item) for item in items])
            return found if isinstance(node, exp.EQ) else ("not", found)
        if isinstance(node, exp.NEQ):
            return ("not", ("eq", _shape(node.this), _shape(node.expression)))
    if isinstance(node, exp.Connector):  # AND, OR: chains flattened, operands in order
        kind = type(node).__name__.lower()
        return (kind, *(part for side in (node.this, node.expression)
                        for part in _flat(kind, _shape(side))))
    if isinstance(node, exp.Anonymous):
        name = str(node.name).lower()
        return ("call", _SYNONYMS.get(name, name), *(_shape(arg) for arg in node.expressions))
    label = (("call", _SYNONYMS.get(name := node.sql_name().lower(), name))
             if isinstance(node, exp.Func) else (type(node).__name__.lower(),))
    return (*label, *_children(node))


def _children(node: exp.Expression) -> list[Any]:
    """The node's arguments in their declared order; empty ones left out."""
    children: list[Any] = []
    for key in node.arg_types:
        value = node.args.get(key)
        if value is None or value is False or value == [] or key in _SPELLING:
            continue
        if isinstance(value, exp.Expression):
            children.append(_shape(value))
        elif isinstance(value, list):
            children.append(tuple(_shape(v) if isinstance(v, exp.Expression) else v
                                  for v in value))
        else:
            children.append((key, value))
    return children


def _literal(text: str) -> Shape:
    if _NUMBER.match(text.strip()):
        return ("literal", str(Decimal(text.strip()).normalize()))
    return ("literal", text)


def _in(this: Shape, items: list[Shape]) -> Shape:
    """``x IN (a)`` is ``x = a``: PostgreSQL stores a one-item IN that way."""
    return ("eq", this, items[0]) if len(items) == 1 else ("in", this, *items)


def _array_items(node: exp.Expression, quantifier: str) -> list[exp.Expression] | None:
    """The items of ``ANY (ARRAY[...])`` (or ``ALL``), casts and parentheses aside."""
    if isinstance(node, exp.Anonymous) and str(node.name).lower() == quantifier:
        inner = node.expressions[0] if len(node.expressions) == 1 else None
    elif type(node).__name__.lower() == quantifier:
        inner = node.this
    else:
        return None
    while isinstance(inner, (exp.Paren, exp.Cast)):
        inner = inner.this
    return list(inner.expressions) if isinstance(inner, exp.Array) else None


def _flat(kind: str, shape: Shape) -> tuple[Any, ...]:
    return shape[1:] if shape[0] == kind else (shape,)
