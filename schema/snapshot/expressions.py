"""Types and server defaults written in SQLAlchemy's own terms, and read back without ``eval``.

A type is written as ``String(length=100)`` or ``postgresql.JSONB()``; a server default as
``'draft'`` (a literal), ``text('0')``, ``func.now()``, ``true()`` or ``false()``.  Reading parses
the text with :mod:`ast` and only ever calls the type classes and constructs listed here.
"""

from __future__ import annotations

import ast
import enum
import functools
import inspect
import re
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy import types as sqltypes
from sqlalchemy.sql import elements, functions, visitors
from sqlalchemy.sql.schema import DefaultClause

from ..compat import type_variants
from ..dialect_modules import (
    DIALECT_MODULE_NAMES,
    dialect_module,
    dialect_named,
    is_dialect_type,
    module_of_type,
)
from ..errors import SchemaToolError


class ExpressionError(ValueError):
    """The text is not a type or default this format knows."""


# --- types ---------------------------------------------------------------------------------


def type_to_text(type_: sqltypes.TypeEngine[Any], prefix: str = "") -> str:
    """``Numeric(precision=12, scale=2)``: class name and the arguments that are not defaults.

    Variants follow as ``.with_variant(mysql.VARCHAR(length=50), 'mysql')``.  ``prefix`` goes
    before generic type names (``sa.`` for Python source in a revision).
    """
    cls = type(type_)
    name = type_name(cls, prefix)
    if isinstance(type_, sqltypes.Enum):
        text = f"{name}({', '.join(_enum_arguments(type_))})"
    else:
        values = ((param, _attribute(type_, param), default)
                  for param, default in _parameters(cls))
        arguments = [repr(value) for value in _positional(type_)] + [
            f"{param}={_value_text(value, prefix)}" for param, value, default in values
            if value is not _MISSING and not _same(value, default)]
        text = f"{name}({', '.join(arguments)})"
    for dialect, variant in sorted(type_variants(type_).items()):
        text += f".with_variant({type_to_text(variant, prefix)}, {dialect!r})"
    return text


def type_on(type_: Any, dialect: str) -> Any:
    """The type a database gets: its ``with_variant`` variant for that dialect, if any."""
    return type_variants(type_).get(dialect, type_)


def text_length(type_: Any, dialect: str) -> int | None:
    """The length a Text or UnicodeText column declares on this database, if any."""
    type_ = type_on(type_, dialect)
    return type_.length if isinstance(type_, sqltypes.Text) else None


def same_ddl(old: sqltypes.TypeEngine[Any], new: sqltypes.TypeEngine[Any]) -> bool:
    """Whether two types are the same column type on SQLite, PostgreSQL and MariaDB/MySQL, so
    changing one into the other needs no DDL (``asdecimal``, ``ARRAY(dimensions)``, a
    TypeDecorator over the same type, ...).  Boolean and Enum are never: they carry CHECKs and
    PostgreSQL types of their own."""
    for name in DIALECT_MODULE_NAMES:
        if isinstance(type_on(old, name), sqltypes.SchemaType) or isinstance(
                type_on(new, name), sqltypes.SchemaType):
            return False
        before = compiled(old, name)
        if before is None or before != compiled(new, name):
            return False
    return True


def compiled(type_: sqltypes.TypeEngine[Any], dialect: str) -> str | None:
    """The column type's DDL on a database; None where it has no such type (ARRAY on SQLite)."""
    try:
        return type_on(type_, dialect).compile(dialect_named(dialect))  # type: ignore[no-any-return]
    except sa.exc.CompileError:
        return None


# Classes only ever derived from, never a column's type of their own.
_TYPE_BASES = (sqltypes.TypeEngine, sqltypes.TypeDecorator, sqltypes.UserDefinedType)


def public_type(type_: sqltypes.TypeEngine[Any]) -> sqltypes.TypeEngine[Any]:
    """``type_`` as an instance of the nearest class the snapshot can name, its arguments kept:
    a driver's private class (psycopg's ``_PGJSONB``) as the public one it derives from
    (``postgresql.JSONB``)."""
    for cls in type(type_).__mro__:
        if issubclass(cls, sqltypes.TypeEngine) and cls not in _TYPE_BASES:
            try:
                type_name(cls)
            except ExpressionError:
                continue
            return type_ if cls is type(type_) else type_.adapt(cls)
    raise ExpressionError(f"type {type(type_).__module__}.{type(type_).__qualname__} has no "
                          "SQLAlchemy type this snapshot format can record")


_MISSING = object()


def _attribute(type_: sqltypes.TypeEngine[Any], name: str) -> Any:
    """``type_``'s attribute ``name``, or ``_MISSING``: a constructor parameter named as one of
    the type's own properties (``python_type``, which raises NotImplementedError on SQLAlchemy
    2.0.45 for a TypeDecorator) is not kept under that name."""
    try:
        return getattr(type_, name)
    except (AttributeError, NotImplementedError):
        return _MISSING


def _positional(type_: sqltypes.TypeEngine[Any]) -> tuple[Any, ...]:
    """Values some types take as ``*args`` (MySQL's ``SET('a', 'b')``)."""
    return tuple(type_.values) if is_dialect_type(type_, "mysql", "SET") else ()


@functools.cache  # inspect.signature is slow, and thousands of columns share a few classes
def _parameters(cls: type) -> list[tuple[str, Any]]:
    """Named constructor parameters and defaults, including those a dialect type passes on
    through ``**kw`` to its bases (``mysql.INTEGER(unsigned=True)``)."""
    found: dict[str, Any] = {}
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        params = inspect.signature(init).parameters.values()
        for param in params:
            if (param.name != "self" and not param.name.startswith("_")
                    and param.kind not in (param.VAR_POSITIONAL, param.VAR_KEYWORD)):
                found.setdefault(param.name, param.default)
        if not any(param.kind is param.VAR_KEYWORD for param in params):
            break  # this constructor passes nothing further up
    return list(found.items())


def _same(value: Any, default: Any) -> bool:
    if default is inspect.Parameter.empty:
        return False
    try:
        return bool(value == default)
    except Exception:  # values like types compare to defaults as expressions
        return False


def _enum_arguments(type_: sqltypes.Enum) -> list[str]:
    arguments = [repr(value) for value in type_.enums]
    if type_.name is not None:
        arguments.append(f"name={type_.name!r}")
    if not type_.native_enum:
        arguments.append("native_enum=False")
    if type_.create_constraint:
        arguments.append("create_constraint=True")
    if type_.length != max((len(value) for value in type_.enums), default=0):
        arguments.append(f"length={type_.length!r}")
    if type_.schema is not None:
        arguments.append(f"schema={type_.schema!r}")
    return arguments


def _value_text(value: object, prefix: str) -> str:
    if isinstance(value, sqltypes.TypeEngine):
        return type_to_text(value, prefix)
    if isinstance(value, enum.Enum):
        return repr(value.value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_value_text(item, prefix) for item in value) + "]"
    if value is None or isinstance(value, (bool, int, float, str)):
        return repr(value)
    raise ExpressionError(f"cannot record argument value {value!r} of type {type(value).__name__}")


# Packages whose TypeDecorator subclasses may be recorded and imported back: the project's
# configured model packages (set by the project when it opens, see allow_type_modules()).
_user_type_packages: tuple[str, ...] = ()


def allow_type_modules(packages: tuple[str, ...]) -> None:
    """Let types defined in these packages (and their submodules) be recorded and read back."""
    global _user_type_packages
    _user_type_packages = packages


def _allowed(module: str) -> bool:
    return any(module == p or module.startswith(f"{p}.") for p in _user_type_packages)


def type_name(cls: type, prefix: str = "") -> str:
    """How the snapshot names a type class; refused for one it cannot import back."""
    if getattr(sqltypes, cls.__name__, None) is cls:
        return f"{prefix}{cls.__name__}"
    dialect = module_of_type(cls)  # its module is imported: the class exists
    if dialect is not None and getattr(dialect_module(dialect), cls.__name__, None) is cls:
        return f"{dialect}.{cls.__name__}"
    if issubclass(cls, sqltypes.TypeDecorator) and _allowed(cls.__module__):
        return f"{cls.__module__}.{cls.__qualname__}"
    raise ExpressionError(
        f"type {cls.__module__}.{cls.__qualname__} is not a SQLAlchemy type this snapshot "
        "format can record (own TypeDecorators must live under [tool.schema] models)"
    )


def type_to_python(type_: sqltypes.TypeEngine[Any]) -> tuple[str, list[str]]:
    """Source for a revision (``sa.String(length=50)``) and the import lines it needs."""
    text = type_to_text(type_, "sa.")
    imports = [f"from sqlalchemy.dialects import {dialect}" for dialect in DIALECT_MODULE_NAMES
               if f"{dialect}." in text]
    imports += sorted({f"import {module}" for module in _user_modules(type_)})
    return text, imports


def _user_modules(type_: sqltypes.TypeEngine[Any]) -> set[str]:
    modules = set()
    for item in (type_, *type_variants(type_).values()):
        if isinstance(item, sqltypes.TypeDecorator) and _allowed(type(item).__module__):
            modules.add(type(item).__module__)
    return modules


def _type_class(name: str) -> type:
    module_name, _, class_name = name.rpartition(".")
    if module_name in ("", *DIALECT_MODULE_NAMES):  # a type text naming a dialect imports it
        module = dialect_module(module_name) if module_name else sqltypes
        cls = getattr(module, class_name, None)
    elif _allowed(module_name):  # the project's own TypeDecorator, from its own packages only
        from .models import import_project_module  # models imports this module

        try:
            cls = getattr(import_project_module(module_name), class_name, None)
        except SchemaToolError as exc:  # a module that fails, exits or is signalled
            raise ExpressionError(str(exc)) from None
        if not (isinstance(cls, type) and issubclass(cls, sqltypes.TypeDecorator)):
            raise ExpressionError(f"{name} is not a TypeDecorator")
    else:
        raise ExpressionError(f"unknown type {name!r}")
    if not (isinstance(cls, type) and issubclass(cls, sqltypes.TypeEngine)):
        raise ExpressionError(f"unknown type {name!r}")
    return cls


def text_to_type(text: str) -> sqltypes.TypeEngine[Any]:
    """Parse ``String(length=100)`` back into a type instance."""
    node = _parse(text)
    result = _literal(node, _call_type)
    if not isinstance(result, sqltypes.TypeEngine):
        raise ExpressionError(f"{text!r} is not a type")
    return result


def _call_type(node: ast.Call) -> sqltypes.TypeEngine[Any]:
    if isinstance(node.func, ast.Attribute) and node.func.attr == "with_variant":
        base = _literal(node.func.value, _call_type)
        args = [_literal(arg, _call_type) for arg in node.args]
        if (not isinstance(base, sqltypes.TypeEngine) or len(args) != 2 or node.keywords
                or not isinstance(args[0], sqltypes.TypeEngine) or not isinstance(args[1], str)):
            raise ExpressionError("with_variant takes a type and a dialect name")
        return base.with_variant(args[0], args[1])
    cls = _type_class(_dotted(node.func))
    args = [_literal(arg, _call_type) for arg in node.args]
    kwargs = {kw.arg: _literal(kw.value, _call_type) for kw in node.keywords if kw.arg}
    if len(kwargs) != len(node.keywords):
        raise ExpressionError("**kwargs are not allowed")
    try:
        return cls(*args, **kwargs)
    except (TypeError, ValueError) as exc:
        raise ExpressionError(f"{_dotted(node.func)}: {exc}") from None


# --- server defaults -----------------------------------------------------------------------


def default_to_text(default: object) -> str:
    """``'draft'``, ``text('0')``, ``func.now()``, ``true()`` or ``false()``."""
    if not isinstance(default, DefaultClause):
        raise ExpressionError(f"server default {default!r} is not a DefaultClause")
    arg = default.arg
    if isinstance(arg, str):  # a str Enum member too: DDL writes its string value
        return repr(str.__str__(arg))
    if isinstance(arg, elements.True_):
        return "true()"
    if isinstance(arg, elements.False_):
        return "false()"
    if isinstance(arg, functions.FunctionElement) and not list(arg.clauses):
        return f"func.{arg.name}()"
    if isinstance(arg, elements.ClauseElement):  # text(...) too: its bound values written out
        return f"text({literal_sql(arg)!r})"
    raise ExpressionError(f"cannot record server default {arg!r}")


def literal_sql(expression: elements.ClauseElement, dialect: sa.Dialect | None = None) -> str:
    """SQL text of an expression, without table prefixes and with its Python values written as
    literals, as DDL writes it (``column("n") > 0`` is ``n > 0``, ``in_(["a"])`` is
    ``IN ('a')``), names quoted as ``dialect`` quotes them (by default as SQLAlchemy's generic
    SQL does).  A parameter without a value (DDL would write ``n > NULL``) or a value SQL
    cannot spell is an error, never a different constraint."""
    unset = sorted({param.key for param in visitors.iterate(expression)
                    if isinstance(param, elements.BindParameter) and param.value is None
                    and param.callable is None})
    if unset:
        raise ExpressionError(f"parameter {', '.join(unset)} has no value (DDL would write "
                              "NULL); give it one or write the SQL out")
    try:
        compiled = expression.compile(
            dialect=dialect, compile_kwargs={"include_table": False, "literal_binds": True})
    except (sa.exc.CompileError, NotImplementedError) as exc:
        raise ExpressionError(f"a value cannot be written as SQL ({exc}); write the SQL "
                              "out") from None
    return str(compiled)


def default_to_sql(default: object, dialect: sa.Dialect) -> str | None:
    """A server default (a ``DefaultClause`` or its argument) as ``dialect``'s DDL writes it."""
    arg = default.arg if isinstance(default, DefaultClause) else default
    if arg is None:
        return None
    if isinstance(arg, str):
        return "'" + arg.replace("'", "''") + "'"
    if isinstance(arg, elements.TextClause):
        return arg.text
    # values written out, as DDL writes them (a function compiled with bound values, such as
    # Prefect's now() on SQLite, read strftime(?, ?))
    return str(arg.compile(dialect=dialect,  # type: ignore[attr-defined]
                           compile_kwargs={"literal_binds": True}))


def text_to_default(text: str) -> DefaultClause:
    """Parse a recorded server default back into a ``DefaultClause``."""
    node = _parse(text)
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return DefaultClause(node.value)
    if isinstance(node, ast.Call) and not node.keywords:
        name = _dotted(node.func)
        if name == "text" and len(node.args) == 1:
            value = _literal(node.args[0], None)
            if isinstance(value, str):
                return DefaultClause(sa.text(value))
        if name in ("true", "false") and not node.args:
            return DefaultClause(sa.true() if name == "true" else sa.false())
        if name.startswith("func.") and name.count(".") == 1 and not node.args:
            return DefaultClause(getattr(sa.func, name.split(".")[1])())
    raise ExpressionError(f"{text!r} is not a server default this format knows")


def default_to_python(text: str) -> str:
    """Python source for the default in a revision: the recorded form, prefixed with ``sa.``."""
    return text if text.startswith(("'", '"')) else f"sa.{text}"


# --- shared parsing ------------------------------------------------------------------------


def _parse(text: str) -> ast.expr:
    try:
        return ast.parse(text.strip(), mode="eval").body
    except SyntaxError:
        raise ExpressionError(f"{text!r} is not a valid expression") from None


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    raise ExpressionError(f"unexpected {type(node).__name__} where a name belongs")


def _literal(node: ast.expr, call: Callable[[ast.Call], Any] | None) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        value = _literal(node.operand, None)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return -value
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_literal(item, call) for item in node.elts]
    if isinstance(node, ast.Call) and call is not None:
        return call(node)
    raise ExpressionError(f"unexpected {type(node).__name__} in a recorded expression")


def mentions(text: str, column: str) -> bool:
    """Whether SQL ``text`` names ``column`` (as a word: a false match only costs a re-creation)."""
    return re.search(rf"(?<!\w){re.escape(column)}(?!\w)", text) is not None


def index_column(element: str, column_names: set[str] | list[str]) -> tuple[str, str] | None:
    """(column, "ASC"/"DESC"/"") when a snapshot's index element is a column, perhaps ordered:
    ``name``, ``name DESC``, or the name quoted as SQL writes it (``"order" DESC``); None for
    any other SQL expression."""
    name, _, order = element.rpartition(" ")
    if order.upper() not in ("ASC", "DESC"):
        name, order = element, ""
    if len(name) > 1 and name[0] == name[-1] == '"' and name[1:-1].replace('""', '"') in (
            column_names):
        name = name[1:-1].replace('""', '"')
    return (name, order.upper()) if name in column_names else None
