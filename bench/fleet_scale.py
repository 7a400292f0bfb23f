"""How `tool apply --fleet` scales with the number of tenants (GitHub issue 21): a benchmark,
not a test.

    python bench/fleet_scale.py [--sqlite 500] [--postgresql 100] [--mysql 50]
        [--parallel 1,2,4,8] [--loop-sample 25] [--json bench/fleet_results.json]

It builds a throwaway project (``tool init``; a ``fleetmodels`` module of eight tables; three
revisions: the tables, then a column and an index on each, then one more table), then for each
backend (PostgreSQL and MariaDB only when ``TEST_POSTGRES_URL`` / ``TEST_MYSQL_URL`` name a
server) makes empty tenants: SQLite files, schemas of one PostgreSQL database, MariaDB
databases.  For each parallelism it empties them again and times ``tool apply --fleet``
upgrading every tenant from empty to head (three revisions each, verified), as a subprocess;
beside it, a shell loop of ``alembic upgrade head`` (``DATABASE_URL=... alembic upgrade
head`` per tenant, the PostgreSQL schema chosen with ``?options=-csearch_path=...``) over the
first ``--loop-sample`` tenants, scaled to the fleet (a loop's tenants all cost the same: one
interpreter start, one import, one run each), unless ``--full-loop``.

Peak memory is the ``ru_maxrss`` that ``os.wait4`` returns for the fleet command: the largest
of the process and its forked workers (which share the parent's pages until they write them),
not their sum.  A second SQLite run at a tenth of the tenants shows whether memory grows with
the fleet.  pytest never collects this file (``testpaths = ["tests"]``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

TOOL = (sys.executable, "-m", "cultivar_schema.cli")
TABLES = 8
SQLITE_RATIO_TARGET = 10.0  # the fleet at least 10x faster than the loop on SQLite
MEMORY_TARGET_MB = 300.0


@dataclass
class Run:
    """One timed command."""

    backend: str
    what: str  # "fleet" or "loop"
    tenants: int
    parallel: int
    seconds: float
    peak_mb: float
    extrapolated_from: int | None = None


def models(stage: int) -> str:
    """The models after revision ``stage`` (1: the tables, 2: a column and an index each, 3: one
    table more)."""
    lines = ["from sqlalchemy import Column, ForeignKey, Index, Integer, MetaData, String, Table",
             "metadata = MetaData(naming_convention={'ix': 'ix_%(column_0_label)s'})"]
    for number in range(TABLES):
        parent = f", Column('parent_id', Integer, ForeignKey('t{number - 1}.id'))" if number \
            else ""
        extra = ", Column('note', String(200), index=True)" if stage >= 2 else ""
        lines.append(f"Table('t{number}', metadata, Column('id', Integer, primary_key=True), "
                     f"Column('name', String(50), nullable=False){parent}{extra})")
    if stage >= 3:
        lines.append("Table('audit', metadata, Column('id', Integer, primary_key=True), "
                     "Column('what', String(100)))")
    return "\n".join(lines) + "\n"


def run(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float, str]:
    """Wall seconds, peak RSS (MB) and output of ``argv``; exits on a failure."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        process = subprocess.Popen(argv, cwd=cwd, env=env, stdout=out,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        out.seek(0)
        text = out.read().decode("utf-8", "replace")
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{text[-3000:]}")
    return seconds, usage.ru_maxrss / 1024, text


def make_project(root: Path, env: dict[str, str]) -> None:
    """The project: three snapshots, three revisions."""
    root.mkdir(parents=True)
    subprocess.run([*TOOL, "init", "--models", "fleetmodels", "--metadata",
                    "fleetmodels:metadata"], cwd=root, env=env, check=True,
                   capture_output=True)
    for stage in (1, 2, 3):
        (root / "fleetmodels.py").write_text(models(stage))
        subprocess.run([*TOOL, "snapshot", "-m", f"step {stage}"], cwd=root, env=env,
                       check=True, capture_output=True)


def add_fleet(root: Path, name: str, body: str) -> None:
    with (root / "pyproject.toml").open("a") as handle:
        handle.write(f"\n[tool.schema.fleets.{name}]\n{body}\n")


class Backend:
    """Tenants of one backend: made empty, listed as URLs for the loop."""

    name = ""

    def reset(self) -> None: ...

    def urls(self) -> list[str]: ...


class SQLiteTenants(Backend):
    name = "sqlite"

    def __init__(self, root: Path, count: int) -> None:
        self.folder, self.count = root / "tenants", count

    def reset(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir()
        for number in range(self.count):
            (self.folder / f"t{number:04}.db").touch()

    def urls(self) -> list[str]:
        return [f"sqlite:///{self.folder / f't{number:04}.db'}" for number in range(self.count)]


class PostgreSQLSchemas(Backend):
    name = "postgresql"

    def __init__(self, server: str, count: int) -> None:
        self.count = count
        self.url = make_url(server).set(database="fleet_bench").render_as_string(False)
        admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.exec_driver_sql("DROP DATABASE IF EXISTS fleet_bench WITH (FORCE)")
            connection.exec_driver_sql("CREATE DATABASE fleet_bench")
        admin.dispose()

    def reset(self) -> None:
        engine = sa.create_engine(self.url, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            for number in range(self.count):
                connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS tenant_{number:04} CASCADE")
                connection.exec_driver_sql(f"CREATE SCHEMA tenant_{number:04}")
        engine.dispose()

    def urls(self) -> list[str]:
        return [f"{self.url}?options=-csearch_path%3Dtenant_{number:04}"
                for number in range(self.count)]


class MariaDBDatabases(Backend):
    name = "mysql"

    def __init__(self, server: str, count: int) -> None:
        self.server, self.count = server, count

    def reset(self) -> None:
        admin = sa.create_engine(self.server, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            for number in range(self.count):
                connection.exec_driver_sql(f"DROP DATABASE IF EXISTS fleet_bench_{number:03}")
                connection.exec_driver_sql(f"CREATE DATABASE fleet_bench_{number:03}")
        admin.dispose()

    def urls(self) -> list[str]:
        return [make_url(self.server).set(database=f"fleet_bench_{number:03}")
                .render_as_string(False) for number in range(self.count)]

    def drop(self) -> None:
        admin = sa.create_engine(self.server, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            for number in range(self.count):
                connection.exec_driver_sql(f"DROP DATABASE IF EXISTS fleet_bench_{number:03}")
        admin.dispose()


def time_fleet(backend: Backend, root: Path, env: dict[str, str], parallel: int) -> Run:
    backend.reset()
    seconds, peak, text = run([*TOOL, "apply", "--fleet", backend.name, "--no-backup",
                               "--parallel", str(parallel)], root, env)
    count = len(backend.urls())
    assert f"{count} target(s): {count} upgraded" in text, text[-2000:]
    return Run(backend.name, "fleet", count, parallel, seconds, peak)


def time_loop(backend: Backend, root: Path, env: dict[str, str], sample: int | None) -> Run:
    backend.reset()
    urls = backend.urls()[:sample] if sample else backend.urls()
    script = "while read -r url; do DATABASE_URL=\"$url\" alembic upgrade head || exit 1; done"
    listing = root / "loop_urls.txt"
    listing.write_text("".join(f"{url}\n" for url in urls))
    bin_dir = str(Path(sys.executable).parent)
    seconds, peak, _ = run(["bash", "-c", f"{script} < {listing}"], root,
                           {**env, "PATH": f"{bin_dir}:{env.get('PATH', '')}"})
    total = len(backend.urls())
    scaled = seconds * total / len(urls)
    return Run(backend.name, "loop", total, 1, scaled, peak,
               len(urls) if len(urls) < total else None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sqlite", type=int, default=500)
    parser.add_argument("--postgresql", type=int, default=100)
    parser.add_argument("--mysql", type=int, default=50)
    parser.add_argument("--parallel", default="1,2,4,8")
    parser.add_argument("--loop-sample", type=int, default=25)
    parser.add_argument("--full-loop", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    parallels = [int(value) for value in args.parallel.split(",")]
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    sample = None if args.full_loop else args.loop_sample
    runs: list[Run] = []
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "proj"
        make_project(root, env)
        backends: list[Backend] = [SQLiteTenants(root, args.sqlite)]
        add_fleet(root, "sqlite", 'sqlite_glob = "tenants/*.db"')
        if os.environ.get("TEST_POSTGRES_URL") and args.postgresql:
            schemas = PostgreSQLSchemas(os.environ["TEST_POSTGRES_URL"], args.postgresql)
            backends.append(schemas)
            add_fleet(root, "postgresql", "query = \"SELECT nspname FROM pg_namespace WHERE "
                      "nspname LIKE 'tenant\\\\_%' ORDER BY 1\"\n"
                      f'control_url = "{schemas.url}"\nschema_per_tenant = true')
        if os.environ.get("TEST_MYSQL_URL") and args.mysql:
            databases = MariaDBDatabases(os.environ["TEST_MYSQL_URL"], args.mysql)
            backends.append(databases)
            add_fleet(root, "mysql", "urls = [" + ", ".join(
                json.dumps(url) for url in databases.urls()) + "]")
        for backend in backends:
            runs.append(time_loop(backend, root, env, sample))
            print(_line(runs[-1]), flush=True)
            for parallel in parallels:
                runs.append(time_fleet(backend, root, env, parallel))
                print(_line(runs[-1]), flush=True)
        small = SQLiteTenants(root, max(args.sqlite // 10, 1))
        runs.append(time_fleet(small, root, env, 1))
        print(_line(runs[-1]) + "  (memory against the fleet's size)", flush=True)
        for backend in backends:
            if isinstance(backend, MariaDBDatabases):
                backend.drop()
    verdicts = _verdicts(runs, args.sqlite)
    for verdict in verdicts:
        print(verdict)
    if args.json:
        args.json.write_text(json.dumps({
            "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                        "load": os.getloadavg()},
            "runs": [asdict(item) for item in runs], "verdicts": verdicts}, indent=2) + "\n")


def _line(item: Run) -> str:
    scaled = (f" (scaled from {item.extrapolated_from})" if item.extrapolated_from else "")
    return (f"{item.backend:10} {item.what:5} {item.tenants:4} tenants  parallel "
            f"{item.parallel}  {item.seconds:8.1f} s  {item.seconds / item.tenants * 1000:6.0f} "
            f"ms/tenant  peak {item.peak_mb:5.0f} MB{scaled}")


def _verdicts(runs: list[Run], sqlite_count: int) -> list[str]:
    loop = next(item for item in runs if item.backend == "sqlite" and item.what == "loop")
    fleets = [item for item in runs if item.backend == "sqlite" and item.what == "fleet"
              and item.tenants == sqlite_count]
    best = min(fleets, key=lambda item: item.seconds)
    ratio = loop.seconds / best.seconds
    peak = max(item.peak_mb for item in runs if item.what == "fleet")
    small = runs[-1]
    whole = min(fleets, key=lambda item: item.parallel)
    return [f"{'PASS' if ratio >= SQLITE_RATIO_TARGET else 'FAIL'} SQLite fleet {ratio:.1f}x "
            f"faster than the loop (best: parallel {best.parallel}; target "
            f">= {SQLITE_RATIO_TARGET:g}x)",
            f"{'PASS' if peak < MEMORY_TARGET_MB else 'FAIL'} peak memory {peak:.0f} MB "
            f"(target < {MEMORY_TARGET_MB:g} MB); {small.tenants} SQLite tenants: "
            f"{small.peak_mb:.0f} MB, {sqlite_count}: {whole.peak_mb:.0f} MB (parallel "
            f"{whole.parallel})"]


if __name__ == "__main__":
    main()
