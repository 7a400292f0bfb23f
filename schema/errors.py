"""Exceptions that carry what went wrong; only the CLI turns them into messages and exit codes."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """The documented exit codes of every command (README, "Exit codes")."""

    OK = 0
    FOUND = 1  # differences or problems found (drift, check)
    USAGE = 2  # bad usage, bad input or configuration, unreachable database
    LOCK_TIMEOUT = 3  # another deploy held the lock for --lock-timeout seconds; nothing ran
    FAILED = 4  # a revision failed and was rolled back: the database is at the last good one
    PARTIAL = 5  # a revision was partially applied (MariaDB/MySQL), or one still is
    INTEGRITY = 6  # checksums, heads or an applied revision's file do not match; nothing ran
    FLEET_FAILED = 7  # a fleet: some targets failed (on_error = "continue"), the others ran
    FLEET_STOPPED = 8  # a fleet: a target failed and on_error = "stop" kept later stages back


class SchemaToolError(Exception):
    """Bad input or configuration: the CLI prints the message on one line and exits 2."""

    exit_code = ExitCode.USAGE


class ModelProblems(SchemaToolError):
    """Problems of the models, all of them at once: the CLI prints one ``error:`` line each."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = [f"models: {problem}" for problem in problems]
        super().__init__("\n".join(self.problems))


class PlanProblems(SchemaToolError):
    """Changes the targets cannot make, each naming its table or column, all of them at once:
    the CLI prints one ``error:`` line each (the message joins them on one line)."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


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


class IntegrityError(SchemaToolError):
    """Revision files, manifest or the database's record of applied revisions disagree."""

    exit_code = ExitCode.INTEGRITY


class LockTimeout(SchemaToolError):
    """Another deploy held the lock for longer than the timeout."""

    exit_code = ExitCode.LOCK_TIMEOUT


class RevisionFailed(SchemaToolError):
    """A revision failed; its transaction was rolled back (or nothing of it had run)."""

    exit_code = ExitCode.FAILED


class PartiallyApplied(SchemaToolError):
    """A revision stopped half-way on a database whose DDL commits implicitly."""

    exit_code = ExitCode.PARTIAL
