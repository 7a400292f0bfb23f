"""Files as committed in git, read without checking anything out.

One ``git cat-file --batch`` process serves every file of every commit a command reads (it was
one ``git show`` per file), and a missing file is told by the batch protocol's ``missing``
answer, not by git's messages, which follow the user's language.  Refs are resolved to commits
once, so a branch that moves while the command runs cannot mix two commits, and a ref is never
taken for an option of git's.
"""

from __future__ import annotations

import os
import subprocess
import weakref
from pathlib import Path

from ..errors import SchemaToolError

# git's own messages in English whatever the user's locale; no prompt for credentials.
_ENV = {**os.environ, "LC_ALL": "C", "LANGUAGE": "", "GIT_TERMINAL_PROMPT": "0"}


class GitRepository:
    """The git repository that holds ``folder``."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self.top = Path(self._git("rev-parse", "--show-toplevel",
                                  failure=f"{folder}: not inside a git repository")).resolve()
        self._batch: subprocess.Popen[bytes] | None = None

    def commit(self, ref: str) -> str:
        """The commit ``ref`` names."""
        return self._git("rev-parse", "--verify", "--quiet", "--end-of-options",
                         f"{ref}^{{commit}}", failure=f"git ref {ref!r} does not exist")

    def commits_touching(self, ref: str, path: Path) -> list[str]:
        """The commits of ``ref``'s history that changed ``path``, newest first."""
        return self._git("log", "--full-history", "--format=%H", self.commit(ref), "--",
                         self.name(path), failure=f"git ref {ref!r}: cannot read its log").split()

    def name(self, path: Path) -> str:
        """``path`` as git names it: relative to the repository's top folder."""
        return path.resolve().relative_to(self.top).as_posix()

    def read(self, commit: str, path: Path) -> bytes | None:
        """The file at ``path`` as ``commit`` holds it, or None if it holds none there."""
        name = self.name(path)
        if "\n" in name:
            raise SchemaToolError(f"{path}: a file name with a line break cannot be read from git")
        batch = self._open()
        assert batch.stdin is not None and batch.stdout is not None
        batch.stdin.write(f"{commit}:{name}\n".encode())
        batch.stdin.flush()
        header = batch.stdout.readline().decode("utf-8", "replace").split()
        if len(header) != 3:  # "<object> missing", or git went away
            return None
        if header[1] != "blob":
            raise SchemaToolError(f"git {commit[:12]}: {name} is a {header[1]}, not a file")
        return batch.stdout.read(int(header[2]) + 1)[:-1]  # the content, then a newline

    def _open(self) -> subprocess.Popen[bytes]:
        if self._batch is None:
            self._batch = subprocess.Popen(["git", "cat-file", "--batch"], cwd=self.top,
                                           env=_ENV, stdin=subprocess.PIPE,
                                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            weakref.finalize(self, _close, self._batch)
        return self._batch

    def _git(self, *args: str, failure: str) -> str:
        try:
            done = subprocess.run(["git", *args], cwd=self._folder, env=_ENV,
                                  capture_output=True, check=False)
        except FileNotFoundError:
            raise SchemaToolError("git is not installed") from None
        if done.returncode != 0:
            raise SchemaToolError(failure)
        return done.stdout.decode("utf-8", "replace").strip()


def _close(batch: subprocess.Popen[bytes]) -> None:
    if batch.stdin is not None:
        batch.stdin.close()
    batch.wait()
    if batch.stdout is not None:
        batch.stdout.close()
