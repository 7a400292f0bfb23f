"""Types and server defaults written in SQLAlchemy's own terms, and read back without ``eval``.

A type is written as ``String(length=100)`` or ``postgresql.JSONB()``; a server default as
``'draft'`` (a literal), ``text('0')``, ``func.now()``, ``true()`` or ``false()``.  Reading parses
the text with :mod:`ast` and only ever calls the type classes and constructs listed here.
"""

from __future__ import annotations

import ast
import enum
import inspect
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy import types as sqltypes
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.sql import elements, functions
from sqlalchemy.sql.schema import DefaultClause

DIALECT_MODULES = {"postgresql": postgresql, "mysql": mysql, "sqlite": sqlite}


class ExpressionError(ValueError):
    """The text is not a type or default this format knows."""


# --- types ---------------------------------------------------------------------------------


def type_to_text(type_: sqltypes.TypeEngine[Any]) -> str:
    """``Numeric(precision=12, scale=2)``: class name and the arguments that are not defaults."""
    cls = type(type_)
    name = _type_name(cls)
    if isinstance(type_, sqltypes.Enum):
        return f"{name}({', '.join(_enum_arguments(type_))})"
    arguments = []
    for param in inspect.signature(cls.__init__).parameters.values():
        if param.name == "self" or param.name.startswith("_"):
            continue
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        if not hasattr(type_, param.name):
            continue
        value = getattr(type_, param.name)
        if param.default is not param.empty and value == param.default:
            continue
        arguments.append(f"{param.name}={_value_text(value)}")
    return f"{name}({', '.join(arguments)})"


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


def _value_text(value: object) -> str:
    if isinstance(value, sqltypes.TypeEngine):
        return type_to_text(value)
    if isinstance(value, enum.Enum):
        return repr(value.value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_value_text(item) for item in value) + "]"
    if value is None or isinstance(value, (bool, int, float, str)):
        return repr(value)
    raise ExpressionError(f"cannot record argument value {value!r} of type {type(value).__name__}")


def _type_name(cls: type) -> str:
    if getattr(sqltypes, cls.__name__, None) is cls:
        return cls.__name__
    for dialect, module in DIALECT_MODULES.items():
        if getattr(module, cls.__name__, None) is cls:
            return f"{dialect}.{cls.__name__}"
    raise ExpressionError(
        f"type {cls.__module__}.{cls.__qualname__} is not a SQLAlchemy type this snapshot "
        "format can record yet"
    )


def _type_class(name: str) -> type:
    module_name, _, class_name = name.rpartition(".")
    module = DIALECT_MODULES.get(module_name) if module_name else sqltypes
    cls = getattr(module, class_name, None) if module is not None else None
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
    if isinstance(arg, str):
        return repr(arg)
    if isinstance(arg, elements.True_):
        return "true()"
    if isinstance(arg, elements.False_):
        return "false()"
    if isinstance(arg, elements.TextClause):
        return f"text({arg.text!r})"
    if isinstance(arg, functions.FunctionElement) and not list(arg.clauses):
        return f"func.{arg.name}()"
    if isinstance(arg, elements.ClauseElement):
        compiled = arg.compile(compile_kwargs={"literal_binds": True})
        return f"text({str(compiled)!r})"
    raise ExpressionError(f"cannot record server default {arg!r}")


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
