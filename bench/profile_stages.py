"""Where `tool check` and `tool snapshot` spend their time above the import of the models.

    python bench/schema_scale.py --sizes 2000 --runs 1 --keep --workdir /tmp/bench
    python bench/profile_stages.py /tmp/bench/schema_scale_*/project_2000 [--repeat 3]

Replays, step by step, what `tool check`, `tool snapshot` after one added column and the first
`tool snapshot` of every table do: the same ``schema`` functions the commands call, in the same
order (``compare_models`` is unrolled into its steps, as in ``schema/snapshot.py``).  Each of
the three runs in a fresh child process, so its peak RSS is its own; every step prints its wall
time, the RSS after it and the process's peak RSS so far.  Then a few "what if" variants show
what a fix would save: in-process monkeypatches and subprocesses only, no ``schema`` code is
changed.  The project is left as it was: the added column is removed again, the revisions and
snapshot files written are rolled back, and the first snapshot is taken in a copy.

Profile (cProfile) or import-time (``python -X importtime``) the real commands in the same
project with ``DATABASE_URL=sqlite:///$PWD/bench.db python -m cProfile -o out.prof -m tool
check``.  Not a test; pytest never collects it.  Results feed docs/performance.md.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

MARKER = "    # bench: the added column goes here\n"
NEW_COLUMN = "    extra_note: Mapped[str | None] = mapped_column(String(50))\n"
ROWS: list[dict[str, Any]] = []


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def step(where: str, label: str, function: Callable[[], Any]) -> Any:
    start = time.perf_counter()
    result = function()
    elapsed = time.perf_counter() - start
    ROWS.append({"where": where, "step": label, "seconds": round(elapsed, 4),
                 "rss_mb": round(current_mb(), 1), "peak_mb": round(peak_mb(), 1)})
    print(f"  {elapsed:8.3f} s  rss {current_mb():5.0f} MB  peak {peak_mb():5.0f} MB  "
          f"{where}:{label}", flush=True)
    return result


def startup() -> None:
    step("tool/cli.py", "import schema.check/snapshot/review (what the commands import)",
         lambda: (__import__("schema.check"), __import__("schema.snapshot"),
                  __import__("schema.review")))


def compare_models_steps(project: Any) -> Any:
    """``schema/snapshot.py:compare_models`` unrolled, each step timed."""
    from schema.diff import diff_with_renames
    from schema.diff.renames import renames_in
    from schema.serialize import dump_table, metadata_to_dicts, naming_convention
    from schema.snapshot import SchemaDiff, TableFile
    from schema.store import sha256_bytes
    from schema.targets import feature_problems, name_problems

    store = project.store
    config = project.config
    manifest = step("schema/store.py", "read_checked_manifest (parse + sha256 every table file)",
                    store.read_checked_manifest)
    metadata = step("schema/models.py", "load_metadata (import the models)",
                    lambda: project.metadata)
    dicts = step("schema/serialize.py", "metadata_to_dicts",
                 lambda: metadata_to_dicts(metadata, ignore=config.ignores))
    step("schema/targets.py", "name_problems + feature_problems",
         lambda: (name_problems(dicts.items(), config.databases),
                  feature_problems(dicts.items(), config.databases)))
    texts = step("schema/serialize.py", "dump_table, every table",
                 lambda: {key: dump_table(data) for key, data in sorted(dicts.items())})
    models = step("schema/store.py", "sha256_bytes, every table",
                  lambda: {key: TableFile(dicts[key], text, sha256_bytes(text.encode("utf-8")))
                           for key, text in texts.items()})
    stored = manifest.tables if manifest else {}
    changed = sorted(key for key in set(stored) | set(models)
                     if stored.get(key) != (models[key].sha256 if key in models else None))
    old = step("schema/store.py", f"read_table, {len(changed)} changed table(s)",
               lambda: {key: store.read_table(key) if key in stored else None
                        for key in changed})
    new = {key: models[key].data if key in models else None for key in changed}
    convention, hints = step("schema/serialize.py", "naming_convention + renames_in",
                             lambda: (naming_convention(metadata), renames_in(metadata)))
    result = step("schema/diff", f"diff_with_renames, {len(changed)} changed table(s)",
                  lambda: diff_with_renames(old, new, hints))
    return metadata, dicts, SchemaDiff(manifest, models, convention, result.changes,
                                       result.old, new, result.renames)


def run_check(root: Path) -> None:
    """``schema/check.py:check_project`` step by step, then what-ifs on serialisation."""
    from schema import expressions
    from schema.project import Project
    from schema.serialize import metadata_to_dicts

    project = step("schema/project.py", "Project.open", lambda: Project.open(root))
    store = project.store
    manifest = step("schema/store.py", "read_manifest", store.read_manifest)
    step("schema/store.py", "integrity_problems (sha256 every table file)",
         lambda: store.integrity_problems(manifest))
    step("schema/project.py", "heads (Alembic loads every revision module)", project.heads)
    step("schema/project.py", "revision_files", project.revision_files)
    metadata, dicts, _ = compare_models_steps(project)
    print("  what if (in process):")
    plain = expressions._parameters
    expressions._parameters = functools.cache(plain)
    try:
        step("what-if", "metadata_to_dicts with expressions._parameters cached per class",
             lambda: metadata_to_dicts(metadata, ignore=project.config.ignores))
    finally:
        expressions._parameters = plain
    step("what-if", "sha256 of json.dumps(dict, sort_keys=True) per table (no YAML)",
         lambda: {key: hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()
                  for key, data in dicts.items()})


def run_snapshot(root: Path, first: bool) -> None:
    """``schema/snapshot.py:take_snapshot`` step by step; writes are rolled back."""
    from schema.files import FileSet
    from schema.plan import plan_operations
    from schema.project import Project
    from schema.revision import write_revision
    from schema.snapshot import (
        changes_docstring,
        require_consistent_head,
        risks_of,
        stage_snapshot,
    )

    project = step("schema/project.py", "Project.open", lambda: Project.open(root))
    _, _, diff = compare_models_steps(project)
    step("schema/snapshot.py", "require_consistent_head (Alembic revision map)",
         lambda: require_consistent_head(project, diff.manifest))
    risks = step("schema/lint.py", "risks_of", lambda: risks_of(project, diff.changes))
    upgrade = step("schema/plan.py", "plan_operations", lambda: plan_operations(
        diff.changes, diff.old, diff.new, diff.unchanged, diff.naming_convention,
        project.config.databases, project.config.postgresql_safe_forms))
    files = FileSet()
    try:
        docstring = step("schema/snapshot.py", "changes_docstring",
                         lambda: changes_docstring(diff.changes, risks))
        revision, path = step(
            "schema/revision.py", "write_revision (own ScriptDirectory, render the template)",
            lambda: write_revision(project.alembic, upgrade, message="x", docstring=docstring,
                                   dialect_name=project.dialect_name()))
        files.adopt(path)
        step("schema/snapshot.py", "stage_snapshot (reload_scripts, revision_files, "
             "revision_ids, Manifest.to_text)",
             lambda: stage_snapshot(project, diff, revision, files))
        if first:
            step("schema/files.py", "FileSet.commit (write every table file)", files.commit)
    finally:
        files.rollback()


def median_run(argv: list[str], cwd: Path, repeat: int) -> float:
    times = []
    for _ in range(repeat + 1):  # the first run warms up (and writes __pycache__)
        start = time.perf_counter()
        subprocess.run(argv, cwd=cwd, env=child_env(cwd), check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times[1:])


def child_env(root: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPATH", "DATABASE_URL")}
    env["DATABASE_URL"] = f"sqlite:///{root / 'bench.db'}"
    return env


def one(command: str, root: Path, out: Path) -> int:
    """Child process: one command's steps, rows written as JSON to ``out``."""
    os.chdir(root)
    os.environ["DATABASE_URL"] = f"sqlite:///{root / 'bench.db'}"
    startup()
    if command == "check":
        run_check(root)
    elif command == "snapshot":
        marked = next(path for path in (root / "benchmodels").glob("m*.py")
                      if MARKER in path.read_text())
        original = marked.read_text()
        marked.write_text(original.replace(MARKER, NEW_COLUMN))
        try:
            run_snapshot(root, first=False)
        finally:
            marked.write_text(original)
    else:
        run_snapshot(root, first=True)
    out.write_text(json.dumps(ROWS))
    return 0


def first_snapshot_copy(root: Path, into: Path) -> Path:
    """A copy of the project with no snapshot and no revision."""
    copy = into / root.name
    shutil.copytree(root, copy, ignore=shutil.ignore_patterns("*.db", "__pycache__"))
    for path in [*(copy / "snapshots" / "tables").glob("*.yaml"),
                 *(copy / "alembic" / "versions").glob("*.py")]:
        path.unlink()
    (copy / "snapshots" / "manifest.yaml").unlink(missing_ok=True)
    return copy


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("project", type=Path, help="a project made by schema_scale.py --keep")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each what-if subprocess")
    parser.add_argument("--json", type=Path, help="write every step's numbers here")
    parser.add_argument("--only", choices=["check", "snapshot", "first"], help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    root = args.project.resolve()
    if args.only:
        return one(args.only, root, args.out)

    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="profile_stages_") as scratch:
        titles = {"check": "tool check, nothing changed (schema/check.py:check_project)",
                  "snapshot": "tool snapshot, one column added (schema/snapshot.py:take_snapshot)",
                  "first": "tool snapshot, first snapshot of every table (in a copy)"}
        for command, title in titles.items():
            print(title, flush=True)
            where = first_snapshot_copy(root, Path(scratch)) if command == "first" else root
            out = Path(scratch) / f"{command}.json"
            subprocess.run([sys.executable, __file__, str(where), "--only", command, "--out",
                            str(out)], env=child_env(where), check=True)
            results[command] = json.loads(out.read_text())

    print("what if (subprocesses, median of --repeat runs after a warm-up):", flush=True)
    python = sys.executable
    subprocesses = {
        "python -c pass": [python, "-c", "pass"],
        "import schema.check, schema.snapshot": [python, "-c",
                                                 "import schema.check, schema.snapshot"],
        "import benchmodels": [python, "-c", "import benchmodels"],
        "gc.disable(); import benchmodels": [python, "-c",
                                             "import gc; gc.disable(); import benchmodels"],
        "gc.freeze() after SQLAlchemy; import benchmodels": [
            python, "-c", "import gc, sqlalchemy.orm; gc.freeze(); "
            "gc.set_threshold(100_000, 50, 100); import benchmodels"],
    }
    results["subprocesses"] = {}
    for label, argv in subprocesses.items():
        value = median_run(argv, root, args.repeat)
        results["subprocesses"][label] = round(value, 4)
        print(f"  {value:8.3f} s  {label}", flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
