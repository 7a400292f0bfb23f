"""Import a project's model modules and find its ``MetaData``."""

from __future__ import annotations

import gc
import importlib
import pkgutil
import sys
import traceback
from types import ModuleType

from sqlalchemy import MetaData

from .config import ProjectConfig
from .errors import SchemaToolError


def load_metadata(config: ProjectConfig) -> MetaData:
    """Import every configured model module (packages: all submodules) and return the MetaData."""
    root = str(config.root)
    if root not in sys.path:
        sys.path.insert(0, root)
    # Importing thousands of model classes allocates millions of objects that live on, so the
    # cyclic collector runs over and over for nothing (about 40% of a 2,000-table import); once
    # imported they are frozen, so later collections do not walk them again either.
    collecting = gc.isenabled()
    gc.disable()
    try:
        for name in config.models:
            _import_tree(name)
    finally:
        gc.freeze()
        if collecting:
            gc.enable()
    module_name, _, attr_path = config.metadata.partition(":")
    target: object = _import(module_name)
    for attr in attr_path.split("."):
        try:
            target = getattr(target, attr)
        except AttributeError:
            raise SchemaToolError(
                f"{config.pyproject}: metadata {config.metadata!r}: "
                f"{type(target).__name__} has no attribute {attr!r}"
            ) from None
    if not isinstance(target, MetaData):
        raise SchemaToolError(
            f"{config.pyproject}: metadata {config.metadata!r} is a "
            f"{type(target).__name__}, not a sqlalchemy MetaData"
        )
    return target


def _import_tree(name: str) -> None:
    module = _import(name)
    for info in pkgutil.walk_packages(getattr(module, "__path__", []), prefix=f"{name}."):
        _import(info.name)


def _import(name: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except Exception as exc:  # the user's code can raise anything while importing
        raise SchemaToolError(f"cannot import model module {name}: {_describe(exc)}") from exc


def _describe(exc: BaseException) -> str:
    """``Type: message (file, line N)`` pointing at the innermost frame of the failure."""
    where = ""
    frames = traceback.extract_tb(exc.__traceback__)
    if isinstance(exc, SyntaxError) and exc.filename:
        where = f" ({exc.filename}, line {exc.lineno})"
    elif frames:
        last = frames[-1]
        where = f" ({last.filename}, line {last.lineno})"
    message = exc.msg if isinstance(exc, SyntaxError) else str(exc)
    return f"{type(exc).__name__}: {message}{where}"
