"""``python -m corpus run [--package NAME ...] [--db sqlite,postgresql,mariadb]``: the
real-world corpus (see docs/realworld.md)."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .databases import unavailable
from .packages import PACKAGES, Database, Package, by_name
from .report import details, table, write
from .steps import Outcome, Status, run_one
from .venvs import REPO, python_of

DOCS = REPO / "docs" / "realworld.md"


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m corpus", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run the corpus and print the table")
    run.add_argument("--package", action="append", default=[],
                     help="only this package (repeatable; default: all)")
    run.add_argument("--db", default="sqlite,postgresql,mariadb",
                     help="comma-separated databases (default: all three)")
    run.add_argument("--write-docs", action="store_true",
                     help=f"write the results to {DOCS.relative_to(REPO)}")
    run.add_argument("--json", type=Path, help="also write the results to this JSON file")
    run.add_argument("--jobs", type=int, default=3,
                     help="package/database runs at once (default: 3)")
    run.add_argument("--keep", type=Path, help="keep the throwaway projects under this folder")
    commands.add_parser("list", help="list the corpus packages")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse(argv)
    if args.command == "list":
        for package in PACKAGES:
            history = package.history.script_location if package.history else "no history"
            print(f"{package.name}: {package.requirement} ({history})")
        return 0
    try:
        packages = by_name(args.package)
        databases = [Database.parse(name.strip()) for name in args.db.split(",") if name.strip()]
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    missing = {d: why for d in databases if (why := unavailable(d))}
    if missing:
        for database, why in missing.items():
            print(f"error: {database.label}: {why}", file=sys.stderr)
        return 2
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        print(f"installing {', '.join(p.requirement for p in packages)} (cached) ...",
              flush=True)
        try:
            pythons = dict(zip([p.name for p in packages], pool.map(python_of, packages),
                               strict=True))
        except RuntimeError as exc:  # pip could not install a package
            print(f"error: {exc}", file=sys.stderr)
            return 2
        runs = [(package, database) for package in packages for database in databases
                if database in package.databases]
        outcomes = list(pool.map(lambda run: _run(args, pythons[run[0].name], *run), runs))
    print()
    print(table(outcomes))
    print()
    for line in details(outcomes):
        print(line)
    if args.json:
        args.json.write_text(json.dumps([o.to_dict() for o in outcomes], indent=2) + "\n",
                             encoding="utf-8")
    if args.write_docs:
        write(DOCS, outcomes)
        print(f"wrote {DOCS.relative_to(REPO)}")
    return 1 if any(s.status is Status.FAIL for o in outcomes for s in o.steps) else 0


def _run(args: argparse.Namespace, python: Path, package: Package,
         database: Database) -> Outcome:
    """One package on one database, in a scratch folder (or under --keep)."""
    with tempfile.TemporaryDirectory(prefix="corpus-") as scratch:
        work = args.keep / f"{package.name}-{database.label}" if args.keep else Path(scratch)
        work.mkdir(parents=True, exist_ok=True)
        outcome = run_one(package, database, python, work)
    failed = [step.name for step in outcome.steps if step.status is Status.FAIL]
    print(f"{package.name} on {database.label}: "
          f"{'FAIL in ' + ', '.join(failed) if failed else 'done'} ({outcome.seconds:.0f} s)",
          flush=True)
    return outcome


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
