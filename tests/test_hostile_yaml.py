"""Snapshot files are data, and hostile data is refused quickly (issue 18): aliases (the
"billion laughs" bomb), merge keys, duplicate keys, invalid UTF-8 and oversized files each give
one error naming the file, in seconds, and nothing is written."""

from __future__ import annotations

import subprocess
import time

import pytest

from cultivar_schema.snapshot.safe_yaml import MAX_FILE_BYTES, parse_yaml

from .conftest import Project, git
from .test_bad_input import (
    GROWERS,
    MANIFEST,
    TABLE,
    assert_bad_input,
    assert_found,
    line_number,
    replace_once,
    sign_tables,
    written_files,
)

# 9 ** 9 scalars (387 million) from a few hundred bytes
BOMB = "".join(f"b{i}: &b{i} [" + ", ".join([f"*b{i - 1}" if i else "lol"] * 9) + "]\n"
               for i in range(9))
COMMANDS = [("check",), ("rehash",), ("diff",), ("snapshot", "-m", "x")]


@pytest.fixture
def snapshotted(sqlite_project: Project) -> Project:
    sqlite_project.write_models(GROWERS)
    sqlite_project.run("snapshot", "-m", "init")
    return sqlite_project


def run_quickly(project: Project, *command: str) -> object:
    started = time.monotonic()
    result = project.run(*command, check=False)
    assert time.monotonic() - started < 20, f"tool {' '.join(command)} took too long"
    return result


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_alias_bomb_in_a_table_file_is_refused_quickly(snapshotted: Project,
                                                       command: tuple[str, ...]) -> None:
    path = snapshotted.root / TABLE
    path.write_text(path.read_text(encoding="utf-8") + BOMB, encoding="utf-8")
    sign_tables(snapshotted)
    before = written_files(snapshotted)
    line = line_number(path, "&b0")  # the node an alias reuses
    result = run_quickly(snapshotted, *command)
    assert_bad_input(result, f"{TABLE}:{line}: invalid YAML: aliases (*name) are not allowed")
    assert written_files(snapshotted) == before


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_alias_bomb_in_the_manifest_is_refused_quickly(snapshotted: Project,
                                                       command: tuple[str, ...]) -> None:
    path = snapshotted.root / MANIFEST
    path.write_text(path.read_text(encoding="utf-8") + BOMB.replace("b0:", "notes: {}\nb0:"),
                    encoding="utf-8")
    before = written_files(snapshotted)
    result = run_quickly(snapshotted, *command)
    if command == ("rehash",):  # re-signing does not need the damaged manifest
        assert result.code == 0, result.err  # type: ignore[attr-defined]
        assert "lol" not in path.read_text(encoding="utf-8")
        return
    assert_bad_input(result, f"{MANIFEST}:", "aliases (*name) are not allowed")
    assert written_files(snapshotted) == before


def test_duplicate_key_is_refused(snapshotted: Project) -> None:
    path = snapshotted.root / TABLE
    replace_once(path, "  nullable: false\n", "  nullable: false\n  nullable: true\n")
    line = line_number(path, "nullable: true")
    before = written_files(snapshotted)
    assert_bad_input(snapshotted.run("rehash", check=False),
                     f"{TABLE}:{line}: invalid YAML: duplicate key 'nullable'")
    sign_tables(snapshotted)
    before = written_files(snapshotted)
    assert_bad_input(snapshotted.run("diff", check=False), f"{TABLE}:{line}:", "duplicate key")
    assert written_files(snapshotted) == before


def test_merge_key_is_refused(snapshotted: Project) -> None:
    path = snapshotted.root / TABLE
    replace_once(path, "  nullable: false\n", "  nullable: false\n  <<: {comment: x}\n")
    assert_bad_input(snapshotted.run("rehash", check=False), TABLE, "merge keys (<<)")


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_invalid_utf8_names_the_file(snapshotted: Project, command: tuple[str, ...]) -> None:
    path = snapshotted.root / TABLE
    data = path.read_bytes().replace(b"Display name", b"Display \xff name")
    path.write_bytes(data)
    line = data[:data.index(b"\xff")].count(b"\n") + 1
    sign_tables(snapshotted)
    before = written_files(snapshotted)
    result = snapshotted.run(*command, check=False)
    assert_bad_input(result, f"{TABLE}:{line}: not valid UTF-8 (byte 0xff")
    assert written_files(snapshotted) == before


def test_invalid_utf8_in_the_manifest_names_it(snapshotted: Project) -> None:
    path = snapshotted.root / MANIFEST
    path.write_bytes(path.read_bytes() + b"# \xc3\x28\n")
    assert_bad_input(snapshotted.run("check", check=False), f"{MANIFEST}:", "not valid UTF-8")


def test_oversized_table_file_is_refused_unread(snapshotted: Project) -> None:
    path = snapshotted.root / TABLE
    with path.open("ab") as handle:
        handle.write(b"#" * (MAX_FILE_BYTES + 1) + b"\n")
    sign_tables(snapshotted)
    before = written_files(snapshotted)
    result = run_quickly(snapshotted, "rehash")
    assert_bad_input(result, TABLE, "more than the", "refused unread")
    assert_found(run_quickly(snapshotted, "check"), TABLE, "refused unread")
    assert written_files(snapshotted) == before


def test_oversized_manifest_is_refused_unread(snapshotted: Project) -> None:
    path = snapshotted.root / MANIFEST
    with path.open("ab") as handle:
        handle.write(b"#" * (MAX_FILE_BYTES + 1))
    assert_bad_input(run_quickly(snapshotted, "check"), MANIFEST, "refused unread")


def test_hostile_table_file_at_a_git_ref(snapshotted: Project) -> None:
    """`tool diff --base REF` reads the snapshot with git show: the same refusals apply."""
    path = snapshotted.root / TABLE
    git(snapshotted.root, "init", "-q")
    path.write_bytes(path.read_bytes().replace(b"Display name", b"Display \xff name"))
    sign_tables(snapshotted)
    git(snapshotted.root, "add", "-A")
    git(snapshotted.root, "commit", "-q", "-m", "bad")
    result = snapshotted.run("diff", "--base", "HEAD", "--head", "models", check=False)
    assert_bad_input(result, "HEAD:snapshots/tables/growers.yaml", "not valid UTF-8")
    assert subprocess.run(["git", "status", "--short"], cwd=snapshotted.root,
                          capture_output=True, text=True).stdout == ""


@pytest.mark.parametrize("text", [
    "a: &x [1]\nb: *x\n", "&r [*r]\n", "a: {b: 1, b: 2}\n", "? [1]\n: 2\n", "[" * 10000,
], ids=["alias", "recursive", "duplicate", "list-key", "deep"])
def test_strict_loader_refusals(text: str) -> None:
    with pytest.raises(Exception, match="invalid YAML"):
        parse_yaml("f.yaml", text)


def test_strict_loader_reads_canonical_yaml() -> None:
    assert parse_yaml("f.yaml", "a: &x 1\nb: [1, {c: d}]\n'<<': 2\n") == {
        "a": 1, "b": [1, {"c": "d"}], "<<": 2}


H1, H2 = "ab" * 32, "0123456789" * 6 + "abcd"
DIGITS = "1" * 64  # plain, YAML reads it as an int: left to YAML


@pytest.mark.parametrize("text", [
    f"format: 1\nrevisions:\n  0001_a.py: {H1}\n  0002_b.py: {H2}\nhead: b\n",
    f"tables:\n  t1: {H1}\n  'null': {H2}\n  true: {H1}\n  '2026-01-01': {H2}\n",
    f"revisions:\n  a.py: {DIGITS}\n",
    f"revisions:\n  a.py: {H1}\n  a.py: {H2}\n",  # a duplicate: YAML's error
    f"revisions:\n  a.py: {H1}\nrevisions:\n  b.py: {H2}\n",
    f'notes: "x\nrevisions:\n  a.py: {H1}\n  "\nhead: b\n',  # inside a quoted string
    f"revisions:\n  a.py: {H1}\nhead: [\n",  # an error after the block: at YAML's line
    f"revisions:\n  a.py: &x {H1}\n  b.py: *x\n",
], ids=["manifest", "table-names", "digits", "duplicate", "twice", "quoted", "error", "alias"])
def test_digest_blocks_read_exactly_as_yaml_reads_them(text: str) -> None:
    from cultivar_schema.snapshot.safe_yaml import parse_digest_yaml

    try:
        expected: object = parse_yaml("m.yaml", text)
    except Exception as exc:  # noqa: BLE001 - the same refusal, word for word
        expected = str(exc)
    try:
        found: object = parse_digest_yaml("m.yaml", text)
    except Exception as exc:  # noqa: BLE001
        found = str(exc)
    assert found == expected
    assert type(found) is type(expected)


@pytest.mark.parametrize("naming", [
    {"ix": "ix_%(column_0_label)s"}, {"ix": "x\ntables: {}\n"}, {"ix": "tables: {}"}])
@pytest.mark.parametrize("names", [
    ["0001_a.py", "0002_b.py"], ["t1", "null", "true", "2026-01-01", "x" * 130, "a b"]])
def test_manifest_text_is_pyyamls_own(naming: dict[str, str], names: list[str]) -> None:
    """The digest blocks written without PyYAML's scalars are byte for byte what it writes."""
    import yaml

    from cultivar_schema.snapshot.serialize import SnapshotDumper
    from cultivar_schema.snapshot.store import MANIFEST_HEADER, Manifest

    digests = {name: (H1 if number % 2 else H2) for number, name in enumerate(names)}
    manifest = Manifest(head="b", tables=dict(digests), revisions=dict(digests),
                        naming_convention=naming, fingerprints=dict(digests),
                        notes={"b": {"allowed": "x\nrevisions: {}"}})
    data = {"format": manifest.format, "head": "b", "fingerprint": manifest.fingerprint,
            "naming_convention": naming, "tables": dict(sorted(digests.items())),
            "revisions": dict(sorted(digests.items())),
            "table_fingerprints": dict(sorted(digests.items())), "notes": manifest.notes}
    assert manifest.to_text() == MANIFEST_HEADER + yaml.dump(
        data, Dumper=SnapshotDumper, sort_keys=False, default_flow_style=False,
        allow_unicode=True, width=1_000_000)
