"""One opened project: its configuration, Alembic config and snapshot folder, read lazily."""

from __future__ import annotations

import configparser
import os
import tomllib
from argparse import Namespace
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import MetaData
from sqlalchemy.engine import make_url

from .config import ProjectConfig, database_url, load_config
from .database import parse_url
from .errors import SchemaToolError
from .files import FileSet
from .journal import Recovery, recover
from .revision_list import RevisionList, read_revision_list
from .revisions import RevisionFiles, scripts_on_heads
from .snapshot.models import load_metadata, use_project_modules
from .snapshot.store import SnapshotStore

if TYPE_CHECKING:  # `tool check` reads the history without Alembic's runtime (revision_list)
    from alembic.config import Config
    from alembic.script import Script, ScriptDirectory


def alembic_config_at(ini: Path, cmd_opts: Namespace | None = None) -> Config:
    """Alembic's Config as the ``alembic`` command line builds it in the ini's folder: the ini
    file, and ``[tool.alembic]`` of the ``pyproject.toml`` beside it (Alembic 1.16+ keeps its
    options there, ``alembic init -t pyproject``); the ini's ``[alembic]`` wins, as in Alembic."""
    from alembic.config import Config

    pyproject = ini.parent / "pyproject.toml"
    return Config(str(ini), toml_file=str(pyproject) if pyproject.is_file() else None,
                  cmd_opts=cmd_opts)


def script_location(config: Config) -> str:
    """Alembic's ``script_location``: a folder (relative to the ini's folder) or a package
    resource (``package:folder``)."""
    from alembic.util import CommandError

    try:  # the first read parses both files
        location = config.get_alembic_option("script_location")
    except (configparser.Error, UnicodeDecodeError, CommandError, tomllib.TOMLDecodeError) as exc:
        raise SchemaToolError(f"{config.config_file_name}: {exc}") from None
    if not isinstance(location, str) or not location:
        raise SchemaToolError(f"{config.config_file_name}: no script_location in [alembic] or "
                              "in [tool.alembic] of pyproject.toml")
    return location


def is_resource(location: str) -> bool:
    return ":" in location and not Path(location).is_absolute()


@dataclass
class Project:
    """Everything the commands need about one project folder."""

    config: ProjectConfig
    # an interrupted write of an earlier command that opening the project rolled back or forward
    recovered: Recovery | None = None

    @classmethod
    def open(cls, directory: Path | None = None) -> Project:
        config = load_config(directory)
        use_project_modules(config)
        return cls(config, recover(config.root))

    def file_set(self, purpose: str) -> FileSet:
        """An all-or-nothing write of project files, journalled in the project folder."""
        return FileSet(self.config.root, purpose)

    @cached_property
    def store(self) -> SnapshotStore:
        return SnapshotStore(self.config.snapshots_dir)

    @cached_property
    def alembic(self) -> Config:
        """Alembic's Config, with paths resolved against the ini file's folder."""
        ini = self.config.alembic_ini
        if not ini.is_file():
            raise SchemaToolError(f"{ini}: no such file; run `tool init` to create it")
        # quiet: Alembic's own "Generating ... done" lines would interleave with ours.
        alembic_config = alembic_config_at(ini, cmd_opts=Namespace(quiet=True, x=None))
        alembic_config.attributes["configure_logger"] = False
        location = script_location(alembic_config)
        if not is_resource(location):
            alembic_config.set_main_option("script_location", str(ini.parent / location))
        return alembic_config

    @cached_property
    def _revision_list(self) -> RevisionList | None:
        """The revision files read without Alembic, when the layout and history are plain
        enough for that (``revision_list``); None: Alembic's map answers."""
        ini = self.config.alembic_ini
        return read_revision_list(ini) if ini.is_file() else None

    @cached_property
    def _revision_files(self) -> RevisionFiles:
        from alembic.util import CommandError

        listed = self._revision_list.files if self._revision_list is not None else []
        known = {file.location: (file.digest, file.names) for file in listed}
        try:
            return RevisionFiles(self.alembic, known)
        except CommandError as exc:
            raise SchemaToolError(f"{self.config.alembic_ini}: {exc}") from None

    @property
    def scripts(self) -> ScriptDirectory:
        """Alembic's script directory, its revision map read from the files' text (see
        ``revisions``): no revision is imported until it runs."""
        return self._revision_files.scripts

    def reload_scripts(self) -> None:
        """Forget the cached revision map and hashes, after revision files were moved."""
        for name in ("_revision_list", "_revision_files", "_hashed_scripts"):
            self.__dict__.pop(name, None)

    def scripts_to_write(self, head: str | list[str]) -> ScriptDirectory:
        """The ScriptDirectory to write a revision on top of ``head`` with: on a plain history
        and for ``"head"``, one whose map holds only the heads (Alembic would build the map of
        every revision to find them); otherwise the project's."""
        listed = self._revision_list
        if head != "head" or listed is None:
            return self.scripts
        heads = set(listed.heads)
        return scripts_on_heads(self.alembic, [(file.path, file.names) for file in listed.files
                                               if file.revision in heads])

    def revision_written(self) -> None:
        """Update the cached history after a revision was written: files read already are not
        read again (Alembic adds the new revision to a map it wrote through, which may not be
        the project's: that one is read again if needed)."""
        self.__dict__.pop("_hashed_scripts", None)
        listed = self.__dict__.pop("_revision_list", None)
        if listed is not None:
            self.__dict__.pop("_revision_files", None)
            again = read_revision_list(self.config.alembic_ini, listed)
            if again is not None:
                self.__dict__["_revision_list"] = again

    @cached_property
    def metadata(self) -> MetaData:
        return load_metadata(self.config)

    def url(self, override: str | None = None) -> str:
        """The database URL: ``--url``, else ``DATABASE_URL``, else alembic.ini."""
        url = database_url(self.alembic.get_main_option("sqlalchemy.url"), override)
        if not url:
            raise SchemaToolError(
                f"{self.config.alembic_ini}: no sqlalchemy.url; set DATABASE_URL or pass --url"
            )
        parse_url(url)  # a malformed URL is refused here, once, before anything uses it
        return url

    def dialect_name(self) -> str:
        """The backend revisions are rendered for (rendering itself is dialect-neutral)."""
        try:
            return make_url(self.url()).get_backend_name()
        except Exception:  # an unusable URL must not stop writing a revision
            return "sqlite"

    def heads(self) -> list[str]:
        listed = self._revision_list
        return list(listed.heads) if listed is not None else list(self.scripts.get_heads())

    def revision_files(self) -> dict[str, str]:
        """sha256 of every revision file, by file name relative to the versions folder."""
        if self._revision_list is not None:
            return {file.name: file.digest for file in self._revision_list.files}
        # string slicing: a thousand Path.relative_to calls cost more than reading the files
        prefix = f"{Path(self.scripts.versions)}{os.sep}"
        return {script.path[len(prefix):] if script.path.startswith(prefix)
                else self.version_name(Path(script.path)): digest
                for script, digest in self._hashed_scripts}

    def revision_file_problems(self, recorded: dict[str, str]) -> list[tuple[str, str]]:
        """Revision files missing, unlisted or edited compared with the checksums the manifest
        ``recorded``, as (problem, fix)."""
        actual = self.revision_files()
        problems = []
        for name in sorted(set(actual) | set(recorded)):
            if name not in actual:
                problems.append((f"revision {name} is in the manifest but missing",
                                 "restore it from git"))
            elif name not in recorded:
                problems.append((f"revision {name} is not in the manifest",
                                 "review it, then tool rehash"))
            elif actual[name] != recorded[name]:
                problems.append((f"revision {name} was edited after it was recorded",
                                 "restore it from git, or review it and run tool rehash"))
        return problems

    def revision_checksums(self) -> dict[str, str]:
        """sha256 of every revision file, by revision id."""
        if self._revision_list is not None:
            return {file.revision: file.digest for file in self._revision_list.files}
        return {script.revision: digest for script, digest in self._hashed_scripts}

    @cached_property
    def _hashed_scripts(self) -> list[tuple[Script, str]]:
        # read once per command: apply checks them by name, then records them by id
        files = self._revision_files
        return [(script, files.digest(script.path))
                for script in self.scripts.walk_revisions()]

    def ancestors(self, revisions: tuple[str, ...]) -> list[str] | None:
        """``revisions`` and every revision before them, from the history read without
        Alembic; None when only Alembic's map can tell (see ``revision_list``)."""
        listed = self._revision_list
        return listed.ancestors(revisions) if listed is not None else None

    def revision_ids(self) -> set[str]:
        if self._revision_list is not None:
            return {file.revision for file in self._revision_list.files}
        return {script.revision for script in self.scripts.walk_revisions()}

    def version_name(self, path: Path) -> str:
        versions = Path(self.scripts.versions)
        try:
            return str(path.relative_to(versions))
        except ValueError:
            return str(path.relative_to(self.config.root))
