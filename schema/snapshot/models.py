"""Import a project's model modules and find its ``MetaData``."""

from __future__ import annotations

import gc
import importlib
import pkgutil
import signal
import sys
import threading
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType, ModuleType

from sqlalchemy import MetaData

from .. import progress
from ..config import ProjectConfig
from ..errors import SchemaToolError
from .expressions import allow_type_modules


def use_project_modules(config: ProjectConfig) -> None:
    """Make the project's own modules importable the one way every command uses: its folder
    first on ``sys.path`` (wherever the command runs from), and its model packages the only
    ones whose TypeDecorators a snapshot may name (``tool apply`` and ``tool drift`` import them
    from the snapshot without importing the models)."""
    root = str(config.root)
    if root not in sys.path:
        sys.path.insert(0, root)
    allow_type_modules(config.models)


def load_metadata(config: ProjectConfig) -> MetaData:
    """Import every configured model module (packages: all submodules) and return the MetaData."""
    use_project_modules(config)
    progress.stage("importing the models")
    # Importing thousands of model classes allocates millions of objects that live on, so the
    # cyclic collector runs over and over for nothing (about 40% of a 2,000-table import); once
    # imported they are frozen, so later collections do not walk them again either.
    collecting = gc.isenabled()
    gc.disable()
    try:
        with _signals_raise():
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


class ModelSignal(BaseException):
    """A signal that arrived while the models were imported."""

    def __init__(self, signum: int) -> None:
        super().__init__(f"received {signal.Signals(signum).name} while being imported")


# Signals that would otherwise end the process.  SIGINT too: Python leaves it ignored when it
# starts ignored (a background job of a script, as CI may run us), so the models' own SIGINT
# passed unnoticed there.
_CAUGHT = [signal.SIGINT, signal.SIGTERM] + [
    getattr(signal, name) for name in ("SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGALRM")
    if hasattr(signal, name)]


@contextmanager
def _signals_raise() -> Iterator[None]:
    """While the models import, a terminating signal (one a model sends itself, too) becomes an
    exception that names the module, instead of ending the process with an unclear status."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def raise_signal(signum: int, frame: FrameType | None) -> None:
        raise ModelSignal(signum)

    previous = {signum: signal.signal(signum, raise_signal) for signum in _CAUGHT}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _import_tree(name: str) -> None:
    module = _import(name)
    for info in pkgutil.walk_packages(getattr(module, "__path__", []), prefix=f"{name}."):
        _import(info.name)


def import_project_module(name: str) -> ModuleType:
    """Import one of the project's modules (a TypeDecorator's, named by a snapshot) as the
    models are imported: an exit, exception or signal is a ``SchemaToolError`` naming it."""
    with _signals_raise():
        return _import(name)


def _import(name: str) -> ModuleType:
    # BaseException: a model that calls sys.exit(0), or is interrupted, must not end the
    # command as if it had succeeded (a CI gate would pass with no output)
    try:
        return importlib.import_module(name)
    except BaseException as exc:  # noqa: B036 - the user's code can raise anything here
        raise SchemaToolError(f"cannot import model module {name}: {_describe(exc)}") from exc


def _describe(exc: BaseException) -> str:
    """``Type: message (file, line N)`` pointing at the innermost frame of the failure."""
    where = ""
    # neither this module's frames (a signal is raised from our handler) nor frozen ones (exit())
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if f.filename != __file__ and not f.filename.startswith("<frozen")]
    if isinstance(exc, SyntaxError) and exc.filename:
        where = f" ({exc.filename}, line {exc.lineno})"
    elif frames:
        last = frames[-1]
        where = f" ({last.filename}, line {last.lineno})"
    if isinstance(exc, SyntaxError):
        message = exc.msg
    elif isinstance(exc, SystemExit):
        message = f"the module exited (exit code {exc.code!r}) while being imported"
    elif isinstance(exc, KeyboardInterrupt):
        message = "received SIGINT while being imported"
    else:
        message = str(exc)
    return f"{type(exc).__name__}: {message}{where}"
