"""How `tool` scales with the length of a project's history (GitHub issue 22): a benchmark.

    python bench/history_scale.py [--tables 50,2000] [--revisions 1,100,1000]
                                  [--style core,orm] [--cache on,off] [--runs 3]
                                  [--json bench/results-history.json]

It shares bench/schema_scale.py's synthetic models (Core tables or ORM classes: ``--style``),
runner and measuring.  For each style and schema size it builds one project (``tool init``,
the models, the first snapshot), then grows its history to each length in ``--revisions``: the
revisions after the first are generated directly as files (an empty ``upgrade``, as ``tool
revision`` writes them, chained by ``down_revision``) and the manifest re-signed for them, which
is what `tool revision` would record 999 times over, in a fraction of a second.  At each length
it times, as subprocesses:

* ``tool check``, ``tool diff`` and ``tool snapshot`` of one added column, the snapshot
  alternating with ``alembic revision --autogenerate`` against a database at head;
* ``tool status`` and ``tool apply`` on a database already at head;
* at the longest history, a fresh database upgraded through every revision by ``tool apply``
  and by ``alembic upgrade head``, then the same after ``tool squash`` to the head;

once with the bytecode cache (``__pycache__`` written by the warm-up, as on any second run) and
once without (every ``__pycache__`` of the models and revisions removed before each run and
``PYTHONDONTWRITEBYTECODE=1``: a fresh CI checkout).  It prints one table per style and schema
size, and the issue's targets with PASS/FAIL per style.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from schema_scale import (
    ALEMBIC,
    NEW_COLUMN,
    PACKAGE,
    TOOL,
    Measure,
    Runner,
    add_column,
    git_commit,
    measure_together,
    table_name,
    versions,
    write_models,
)

FIRST = "bench0001"
# The targets.
HISTORY_MAX_RATIO = 1.1  # check/diff/snapshot at 1,000 revisions <= 1.1x at 1 revision
SPEEDUP_SMALL = 2.5  # snapshot vs alembic autogenerate, 50 tables, 1,000 revisions
SPEEDUP_LARGE = 4.0  # the same at 2,000 tables, with and without a bytecode cache
PEAK_MB_MAX = 300.0

REVISION_TEXT = '''\
"""history {number}

Revision ID: {rev}
Revises: {down}
Create Date: 2026-01-01 00:00:00

Hand-written revision (tool revision): the schema does not change.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = {rev!r}
down_revision: Union[str, Sequence[str], None] = {down!r}
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    # ### written by `tool snapshot`; after a reviewed edit, run `tool rehash` ###
    pass


def downgrade() -> None:
    """Downgrade schema."""
    pass
'''


def rev_id(number: int) -> str:
    return FIRST if number == 1 else f"bench{number:04d}"


def grow_history(root: Path, have: int, want: int) -> None:
    """Chain revisions ``have + 1 .. want`` after the last one and re-sign the manifest, as
    ``tool revision`` would (the snapshot is unchanged)."""
    from cultivar_schema.snapshot.store import SnapshotStore, sha256_bytes

    versions_dir = root / "alembic" / "versions"
    for number in range(have + 1, want + 1):
        text = REVISION_TEXT.format(number=number, rev=rev_id(number), down=rev_id(number - 1))
        (versions_dir / f"{number:04d}-{rev_id(number)}_history.py").write_text(text)
    store = SnapshotStore(root / "snapshots")
    manifest = store.read_manifest()
    assert manifest is not None
    manifest.head = rev_id(want)
    manifest.revisions = {path.name: sha256_bytes(path.read_bytes())
                          for path in versions_dir.glob("*.py")}
    store.manifest_path.write_text(manifest.to_text())


def drop_bytecode(root: Path) -> None:
    for cache in root.rglob("__pycache__"):
        shutil.rmtree(cache, ignore_errors=True)


def bench_history(root: Path, runner: Runner, tables: int, revisions: int, runs: int,
                  cache: bool, marked: Path, style: str) -> dict[str, Measure]:
    """check, diff, snapshot vs alembic, status and apply at head, at one history length."""
    versions_dir = root / "alembic" / "versions"
    snapshots = root / "snapshots"
    saved = root.parent / f"saved_{root.name}"
    shutil.rmtree(saved, ignore_errors=True)
    shutil.copytree(snapshots, saved)
    baseline = {path.name for path in versions_dir.glob("*.py")}
    expected = f"+ column {table_name(tables // 2)}.{NEW_COLUMN}"

    def reset(label: str) -> None:
        for path in versions_dir.glob("*.py"):
            if path.name not in baseline:
                path.unlink()
        if label.startswith("snapshot"):
            shutil.rmtree(snapshots)
            shutil.copytree(saved, snapshots)
        if not cache:
            drop_bytecode(root)

    def check_output(label: str, output: str) -> None:
        new = [path for path in versions_dir.glob("*.py") if path.name not in baseline]
        if label.startswith(("snapshot", "diff")) and expected not in output:
            raise SystemExit(f"{label} did not show {expected}:\n{output}")
        if label.startswith(("snapshot", "alembic")) and len(new) != 1:
            raise SystemExit(f"{label} wrote {len(new)} revisions:\n{output}")

    if not cache:
        drop_bytecode(root)
    measures = measure_together(runner, runs, [
        ("check", [*TOOL, "check"]),
        ("status (at head)", [*TOOL, "status"]),
        ("apply (at head)", [*TOOL, "apply"]),
    ], reset=reset)
    original = add_column(marked, style)
    try:
        measures.update(measure_together(runner, runs, [
            ("diff (one change)", [*TOOL, "diff"]),
            ("snapshot (one change)", [*TOOL, "snapshot", "-m", "x"]),
            ("alembic autogenerate", [*ALEMBIC, "revision", "--autogenerate", "-m", "x"]),
        ], reset=reset, check_output=check_output))
    finally:
        marked.write_text(original)
    return measures



def bench_upgrade(root: Path, runner: Runner, revisions: int, runs: int,
                  cache: bool) -> dict[str, Measure]:
    """A fresh database upgraded through every revision: tool apply, alembic upgrade head."""
    database = root / "bench.db"
    kept = root.parent / f"{root.name}_at_head.db"
    shutil.copy(database, kept)

    def reset(label: str) -> None:
        database.unlink(missing_ok=True)
        if not cache:
            drop_bytecode(root)

    reset("")
    try:
        return measure_together(runner, runs, [
            (f"apply, fresh db, {revisions} revisions", [*TOOL, "apply"]),
            (f"alembic upgrade head, {revisions} revisions", [*ALEMBIC, "upgrade", "head"]),
        ], reset=reset)
    finally:
        shutil.copy(kept, database)


def bench_tables(tables: int, style: str, histories: list[int], caches: list[bool], runs: int,
                 workdir: Path, verbose: bool, upgrade: bool) -> dict[str, Any]:
    root = workdir / f"project_{style}_{tables}"
    root.mkdir()
    Runner(root, verbose).run([*TOOL, "init", ".", "--models", PACKAGE, "--metadata",
                               f"{PACKAGE}.base:Base.metadata"])
    marked = write_models(root, tables, style)
    runner = Runner(root, verbose)
    runner.run([*TOOL, "snapshot", "-m", "initial", "--rev-id", FIRST])
    runner.run([*TOOL, "apply"])
    results: dict[str, Any] = {}
    have = 1
    for revisions in histories:
        started = time.perf_counter()
        grow_history(root, have, revisions)
        have = revisions
        # the database follows the history: the revisions after the first change nothing
        runner.run([*ALEMBIC, "stamp", rev_id(revisions)])
        print(f"  {tables} tables, {revisions} revisions (generated in "
              f"{time.perf_counter() - started:.2f} s)", flush=True)
        for cache in caches:
            label = f"{revisions}/{'cache' if cache else 'no cache'}"
            cache_runner = Runner(root, verbose, pycache=cache)
            results[label] = bench_history(root, cache_runner, tables, revisions, runs, cache,
                                           marked, style)
    longest = max(histories)
    if upgrade and longest > 1:
        for cache in caches:
            label = f"{longest}/{'cache' if cache else 'no cache'}"
            results[label].update(bench_upgrade(root, Runner(root, verbose, pycache=cache),
                                                longest, runs, cache))
        runner.run([*TOOL, "squash", "--to", rev_id(longest)])
        for cache in caches:
            label = f"{longest}/{'cache' if cache else 'no cache'}"
            squashed = bench_upgrade(root, Runner(root, verbose, pycache=cache), 1, runs, cache)
            results[label].update({name.replace("1 revisions", "after squash"): measure
                                   for name, measure in squashed.items()})
    return results


ROWS = ["check", "diff (one change)", "snapshot (one change)", "alembic autogenerate",
        "status (at head)", "apply (at head)"]


def print_table(tables: int, style: str, results: dict[str, Any]) -> None:
    columns = list(results)
    width = 24
    print()
    print(f"{style} models, {tables} tables, columns revisions/bytecode cache: median wall s / "
          "CPU s (user+sys) / peak RSS MB")
    print(f"{'command':<38}" + "".join(f"{column:>{width}}" for column in columns))
    labels = ROWS + sorted({label for measures in results.values() for label in measures
                            if label not in ROWS})
    for label in labels:
        cells = [f"{m.median:>11.2f} {m.cpu_median:>5.2f} {m.peak_mb:>4.0f} MB"
                 if (m := results[c].get(label))
                 else f"{'':>{width}}" for c in columns]
        print(f"{label:<38}" + "".join(cells))
    pairs = [(results[c]["alembic autogenerate"], results[c]["snapshot (one change)"])
             for c in columns]
    print(f"{'autogenerate / snapshot (wall, cpu)':<38}" + "".join(
        f"{ratio(a, b):>{width - 8}.2f}x {ratio(a, b, cpu=True):>5.2f}x" for a, b in pairs))


def ratio(a: Measure, b: Measure, cpu: bool = False) -> float:
    top, bottom = (a.cpu_median, b.cpu_median) if cpu else (a.median, b.median)
    return top / bottom if bottom else float("inf")


def targets(all_results: dict[int, dict[str, Any]], histories: list[int]) -> list[dict[str, Any]]:
    """The issue's targets, judged on the medians' wall time."""
    found = []
    low, high = min(histories), max(histories)
    for tables, results in sorted(all_results.items()):
        for column in results:
            revisions, cache = column.split("/")
            if int(revisions) != high:
                continue
            base = results.get(f"{low}/{cache}")
            measures = results[column]
            if base is not None and low != high:
                for label in ("check", "diff (one change)", "snapshot (one change)"):
                    value = ratio(measures[label], base[label])
                    cpu = ratio(measures[label], base[label], cpu=True)
                    found.append({"target": f"{tables} tables, {cache}: {label} at {high} "
                                            f"revisions <= {HISTORY_MAX_RATIO}x at {low}",
                                  "value": f"{value:.2f}x ({measures[label].median:.2f} s vs "
                                           f"{base[label].median:.2f} s; cpu {cpu:.2f}x)",
                                  "passed": value <= HISTORY_MAX_RATIO,
                                  "passed_cpu": cpu <= HISTORY_MAX_RATIO})
            wanted = SPEEDUP_SMALL if tables < 2000 else SPEEDUP_LARGE
            speedup = ratio(measures["alembic autogenerate"], measures["snapshot (one change)"])
            cpu = ratio(measures["alembic autogenerate"], measures["snapshot (one change)"],
                        cpu=True)
            found.append({"target": f"{tables} tables, {cache}: snapshot >= {wanted:g}x faster "
                                    f"than alembic autogenerate at {high} revisions",
                          "value": f"{speedup:.2f}x (cpu {cpu:.2f}x)", "passed": speedup >= wanted,
                          "passed_cpu": cpu >= wanted})
            if tables >= 2000:
                tool = {label: m.peak_mb for label, m in measures.items()
                        if not label.startswith("alembic")}
                worst = max(tool, key=lambda label: tool[label])
                found.append({"target": f"{tables} tables, {cache}: every command < "
                                        f"{PEAK_MB_MAX:g} MB at {high} revisions",
                              "value": f"{tool[worst]:.0f} MB ({worst})",
                              "passed": tool[worst] < PEAK_MB_MAX})
    return found


def load() -> str:
    """The 1, 5 and 15 minute load averages."""
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tables", default="50,2000", help="schema sizes (default: 50,2000)")
    parser.add_argument("--revisions", default="1,100,1000",
                        help="history lengths (default: 1,100,1000)")
    parser.add_argument("--style", default="core,orm",
                        help="models: core, orm, or both (default: core,orm, as the issue asks)")
    parser.add_argument("--cache", default="on,off",
                        help="with the bytecode cache (on), without (off), or both (default)")
    parser.add_argument("--runs", type=int, default=3, help="timed runs per command (default 3)")
    parser.add_argument("--json", type=Path, help="write the results here as JSON")
    parser.add_argument("--workdir", type=Path, help="generate the projects here")
    parser.add_argument("--keep", action="store_true", help="keep the generated projects")
    parser.add_argument("--no-upgrade", dest="upgrade", action="store_false",
                        help="skip the fresh database upgraded through the whole history")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every run")
    args = parser.parse_args(argv)
    sizes = sorted({int(size) for size in args.tables.split(",")})
    histories = sorted({int(count) for count in args.revisions.split(",")})
    caches = [value.strip() == "on" for value in args.cache.split(",")]
    styles = list(dict.fromkeys(style.strip() for style in args.style.split(",")))
    if min(sizes) < 2 or min(histories) < 1 or args.runs < 1:
        parser.error("at least 2 tables, 1 revision and 1 run")
    if not set(styles) <= {"core", "orm"}:
        parser.error(f"--style {args.style}: core, orm or core,orm")
    parent = args.workdir
    if parent:
        parent.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="history_scale_", dir=parent))
    print(f"projects in {workdir}; tool: {' '.join(TOOL)}; load average {load()}", flush=True)
    started = time.time()
    results: dict[str, dict[int, dict[str, Any]]] = {}
    try:
        for style in styles:
            results[style] = {tables: bench_tables(tables, style, histories, caches, args.runs,
                                                   workdir, args.verbose, args.upgrade)
                              for tables in sizes}
    finally:
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    print(f"load average at the end: {load()} (the machine's other work slows wall time)")
    verdicts = {style: targets(by_size, histories) for style, by_size in results.items()}
    for style, by_size in results.items():
        for tables, result in by_size.items():
            print_table(tables, style, result)
    for style, found in verdicts.items():
        print()
        print(f"targets ({style} models, median of {args.runs} run(s), judged on wall time):")
        for target in found:
            cpu = ""
            if target.get("passed_cpu", target["passed"]) != target["passed"]:
                cpu = f"  (on CPU time: {'PASS' if target['passed_cpu'] else 'FAIL'})"
            print(f"  {'PASS' if target['passed'] else 'FAIL'}  {target['target']}: "
                  f"{target['value']}{cpu}")
    if args.json:
        data = {"benchmark": "bench/history_scale.py", "commit": git_commit(),
                "date": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
                "duration_s": round(time.time() - started, 1), "versions": versions(),
                "runs": args.runs,
                "styles": {style: {"targets": verdicts[style], "tables": {
                    str(tables): {column: {label: m.to_json() for label, m in measures.items()}
                                  for column, measures in result.items()}
                    for tables, result in by_size.items()}} for style, by_size in results.items()}}
        args.json.write_text(json.dumps(data, indent=2) + "\n")
        print(f"\nwrote {args.json}")
    return 0 if all(target["passed"] for found in verdicts.values() for target in found) else 1


if __name__ == "__main__":
    sys.exit(main())
