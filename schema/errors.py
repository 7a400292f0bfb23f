"""Exceptions that carry what went wrong; only the CLI turns them into messages and exit codes."""

from __future__ import annotations


class SchemaToolError(Exception):
    """Bad input or configuration: the CLI prints the message on one line and exits 2."""

    exit_code = 2


class SnapshotFileError(SchemaToolError):
    """A snapshot or manifest file that cannot be read, with its path and line when known."""

    def __init__(self, path: str, problem: str, line: int | None = None) -> None:
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {problem}")
        self.path = path
        self.line = line
        self.problem = problem


class DatabaseError(SchemaToolError):
    """The database could not be reached or refused a statement (URL shown masked)."""
