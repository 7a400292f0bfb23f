"""One package on one database: the corpus's steps, each through the real CLI (``python -m
tool`` and plain ``python -m alembic`` with the package's venv), in throwaway project folders.

Steps and what "ok" means:

* ``snapshot``: ``tool snapshot`` records the models (or refuses, naming each problem);
* ``apply``: ``tool apply`` builds them and verifies; ``drift``: ``tool drift`` is clean;
* ``autogen``: plain ``alembic revision --autogenerate`` finds nothing to do;
* ``edit``: rows seeded, the models edited (``corpus.edit``), snapshot, apply: rows kept,
  drift clean; ``downgrade`` (``alembic downgrade -1``) and ``upgrade`` (``upgrade head``)
  again, rows kept, drift clean after each;
* ``adopt``: the package's own history to head on an empty database, ``tool init`` and
  ``tool snapshot --baseline --url``: recorded, or every listed difference true
  (``corpus.classify``);
* ``from-db``: ``tool snapshot --from-db URL --out DIR`` on the adopted database (else the
  edited one) and ``tool diff`` between that and the models, without error.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import textwrap
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from .databases import fresh
from .packages import Database, Package
from .venvs import REPO, import_root

TIMEOUT = 900


class Status(Enum):
    OK = "ok"
    REFUSED = "refused"
    FAIL = "FAIL"
    UPSTREAM = "upstream"  # the package's own code failed (its history on this database)
    SKIPPED = "-"


STEPS = ("snapshot", "apply", "drift", "autogen", "edit", "downgrade", "upgrade", "adopt",
         "from-db")


@dataclass
class Step:
    name: str
    status: Status
    detail: str = ""


@dataclass
class Outcome:
    """Every step of one package on one database, in order."""

    package: str
    database: Database
    steps: list[Step] = field(default_factory=list)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"package": self.package, "database": self.database.label,
                "seconds": round(self.seconds, 1),
                "steps": [{"name": s.name, "status": s.status.value, "detail": s.detail}
                          for s in self.steps]}

    def step(self, name: str) -> Step:
        """The step called ``name`` (SKIPPED when it did not run)."""
        for step in self.steps:
            if step.name == name:
                return step
        return Step(name, Status.SKIPPED)


class StepFailed(Exception):
    """A step did not end as it should: the rest of that flow is skipped."""

    def __init__(self, status: Status, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


@dataclass
class Run:
    """A finished command."""

    code: int
    out: str
    err: str

    def tail(self, lines: int = 6) -> str:
        text = (self.err.strip() or self.out.strip()).splitlines()
        return " | ".join(text[-lines:])


class Sandbox:
    """A throwaway project folder whose commands run with the package's venv."""

    def __init__(self, root: Path, python: Path, package: Package, database: Database,
                 url: str) -> None:
        self.root, self.python, self.package, self.url = root, python, package, url
        self.database = database
        root.mkdir(parents=True)
        self.imports = import_root(root.with_name(f"{root.name}-imports"))

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "PYTHONPATH")}
        env.update(DATABASE_URL=self.url, PYTHONDONTWRITEBYTECODE="1", NO_COLOR="1",
                   PYTHONPATH=os.pathsep.join([str(REPO), str(self.imports), str(self.root)]))
        return env

    def python_m(self, *argv: str) -> Run:
        done = subprocess.run([str(self.python), "-m", *argv], cwd=self.root, env=self.env(),
                              capture_output=True, text=True, timeout=TIMEOUT)
        return Run(done.returncode, done.stdout, done.stderr)

    def tool(self, *argv: str) -> Run:
        return self.python_m("cultivar_schema.cli", *argv)

    def must(self, *argv: str, status: Status = Status.FAIL) -> Run:
        """``tool ARGV`` that must exit 0."""
        run = self.tool(*argv)
        if run.code != 0:
            raise StepFailed(status, f"tool {argv[0]} exited {run.code}: {run.tail()}")
        return run

    def inside(self, command: str, status: Status = Status.FAIL, **args: Any) -> Any:
        args.update(spec=self.package.metadata, models=self.package.models)
        run = self.python_m("corpus.inside", command, json.dumps(args))
        if run.code != 0:
            raise StepFailed(status, f"corpus {command} failed: {run.tail(3)}")
        return json.loads(run.out.strip().splitlines()[-1])

    def write_models(self, edited: bool) -> None:
        (self.root / "corpus_models.py").write_text(textwrap.dedent(f'''\
            """{self.package.name}'s models for a corpus run (written by corpus.steps)."""

            from corpus.edit import corpus_metadata

            metadata = corpus_metadata({self.package.metadata!r}, {self.package.models!r},
                                       edit={edited!r})
            '''), encoding="utf-8")

    def init(self) -> None:
        """``tool init`` for the shim module, limited to the databases the package supports."""
        models = [arg for module in self.package.models for arg in ("--models", module)]
        self.must("init", "--models", "corpus_models", *models, "--metadata",
                  "corpus_models:metadata")
        pyproject = self.root / "pyproject.toml"
        targets = ", ".join(f'"{database.value}"' for database in self.package.databases)
        pyproject.write_text(pyproject.read_text(encoding="utf-8")
                             + f"databases = [{targets}]\n", encoding="utf-8")

    def git_commit(self, message: str) -> None:
        env = {**self.env(), "GIT_AUTHOR_NAME": "corpus", "GIT_AUTHOR_EMAIL": "corpus@localhost",
               "GIT_COMMITTER_NAME": "corpus", "GIT_COMMITTER_EMAIL": "corpus@localhost"}
        for argv in (["git", "init", "-q"], ["git", "add", "-A"],
                     ["git", "commit", "-q", "-m", message]):
            subprocess.run(argv, cwd=self.root, env=env, check=True, capture_output=True)

    def drift_clean(self, after: str) -> None:
        run = self.tool("drift")
        if run.code != 0:
            raise StepFailed(Status.FAIL, f"drift after {after}: {run.tail(8)}")

    def rows_kept(self, seeded: dict[str, Any], edited: bool, after: str) -> None:
        problems = self.inside("rows", url=self.url, seeded=seeded,
                               edited=edited)
        if problems:
            raise StepFailed(Status.FAIL, f"rows after {after}: {'; '.join(problems)}")


def _step(outcome: Outcome, name: str, action: Any) -> bool:
    """Run one step, recording it; False when the flow must stop."""
    try:
        detail = action() or ""
    except StepFailed as failed:
        outcome.steps.append(Step(name, failed.status, failed.detail))
        return False
    except subprocess.TimeoutExpired as exc:
        outcome.steps.append(Step(name, Status.FAIL, f"timed out after {exc.timeout} s"))
        return False
    outcome.steps.append(Step(name, Status.OK, detail))
    return True


def models_flow(outcome: Outcome, box: Sandbox) -> None:
    """snapshot .. upgrade on one database."""
    def snapshot() -> str:
        box.write_models(edited=False)
        box.init()
        run = box.tool("snapshot", "-m", "corpus: the package's models")
        if run.code == 2:
            errors = [line for line in run.err.splitlines() if line.startswith("error")]
            raise StepFailed(Status.REFUSED, " | ".join(errors) or run.tail())
        if run.code != 0:
            raise StepFailed(Status.FAIL, f"exited {run.code}: {run.tail()}")
        box.git_commit("initial")
        return ""

    def apply() -> str:
        run = box.must("apply", "--no-backup")
        if "verified" not in run.out:
            raise StepFailed(Status.FAIL, f"apply did not verify: {run.tail()}")
        return " | ".join(line for line in run.out.splitlines() if line.startswith("note:"))

    def autogen() -> str:
        run = box.python_m("alembic", "revision", "--autogenerate", "-m", "corpus probe",
                           "--rev-id", "corpusprobe")
        if run.code != 0:
            raise StepFailed(Status.FAIL, f"alembic revision --autogenerate: {run.tail()}")
        written = list((box.root / "alembic" / "versions").glob("*corpusprobe*.py"))
        text = written[0].read_text(encoding="utf-8") if written else ""
        for path in written:
            path.unlink()
        upgrade = text.split("def upgrade()", 1)[-1].split("def downgrade()", 1)[0]
        ops = [line.strip() for line in upgrade.splitlines() if "op." in line]
        if ops:
            raise StepFailed(Status.FAIL, f"{len(ops)} operation(s): {' | '.join(ops[:4])}")
        return ""

    seeded: dict[str, Any] = {}

    def edit() -> str:
        seeded.update(box.inside("seed", url=box.url))
        box.write_models(edited=True)
        run = box.must("snapshot", "-m", "corpus: edit")
        box.git_commit("edit")
        applied = box.must("apply", "--no-backup")
        if "verified" not in applied.out:
            raise StepFailed(Status.FAIL, f"apply did not verify: {applied.tail()}")
        box.rows_kept(seeded, edited=True, after="apply")
        box.drift_clean("apply")
        return " | ".join(line for line in run.out.splitlines() if line[:2] in ("+ ", "~ "))

    def alembic(direction: str, target: str, edited: bool) -> Any:
        def action() -> str:
            run = box.python_m("alembic", direction, target)
            if run.code != 0:
                raise StepFailed(Status.FAIL, f"alembic {direction} {target}: {run.tail()}")
            box.rows_kept(seeded, edited=edited, after=direction)
            box.drift_clean(direction)
            return ""
        return action

    flow = [("snapshot", snapshot), ("apply", apply), ("drift", lambda: box.drift_clean("apply")),
            ("autogen", autogen), ("edit", edit),
            ("downgrade", alembic("downgrade", "-1", edited=False)),
            ("upgrade", alembic("upgrade", "head", edited=True))]
    for name, action in flow:
        # a drift or autogenerate finding says nothing about whether the edit migrates
        if not _step(outcome, name, action) and name not in ("drift", "autogen"):
            break


def adopt_flow(outcome: Outcome, box: Sandbox) -> None:
    """The package's own history to head, then a baseline against that database."""
    history = box.package.history
    assert history is not None

    def adopt() -> str:
        folder = box.inside("resource", location=history.script_location)
        ini = f"[alembic]\nscript_location = {folder}\n"
        versions = dict(history.version_locations).get(box.database)
        locations = [box.inside("resource", location=versions)] if versions else []
        if locations:
            ini += f"version_locations = {locations[0]}\n"
        (box.root / "alembic.ini").write_text(ini, encoding="utf-8")
        box.write_models(edited=False)
        box.init()
        box.inside("upgrade", Status.UPSTREAM, url=box.url,
                   script_location=history.script_location, ini=history.ini,
                   function=history.upgrade)
        run = box.tool("snapshot", "--baseline", "--url", box.url)
        if run.code == 0:
            return "baseline recorded: the database equals the models"
        errors = [line for line in run.err.splitlines() if line.startswith("error")]
        # exit 2 with only the models' problems: they are listed with the differences
        refused = run.code == 2 and errors and all(
            line.startswith("error: models: ") for line in errors)
        if run.code != 1 and not refused:
            raise StepFailed(Status.FAIL, f"exited {run.code}: {run.tail()}")
        lines = listed_differences(run.out)
        # a name given twice may be the history's doing: checked with the history imported
        twice = [line for line in errors if " is given twice; " in line]
        verdicts = box.inside("classify", url=box.url, differences=lines + twice,
                              history=[folder, locations])
        wrong = [v for v in verdicts if v["verdict"] != "true"]
        detail = f"{len(lines)} difference(s) listed" + (
            f", {len(twice)} name(s) given twice" if twice else "") + ": " + "; ".join(
            f"[{v['verdict']}] {v['line']} ({v['evidence']})" for v in verdicts)
        if wrong:
            raise StepFailed(Status.FAIL, detail)
        if refused:
            raise StepFailed(Status.REFUSED, f"{len(errors)} model problem(s) listed: "
                             + " | ".join(errors) + f"; {detail}")
        return detail

    _step(outcome, "adopt", adopt)
    from_db(outcome, box, "models")


# How each difference verification lists begins; a line of the listing that does not is the
# rest of the one before it (a default or expression that spans lines: Prefect's on SQLite).
_DIFFERENCE = re.compile(r"  (?:table|column|index|primary key|enum type|check constraint|"
                         r"unique constraint|foreign key|constraint|sequence) ")


def listed_differences(out: str) -> list[str]:
    """The differences ``tool snapshot --baseline --url`` lists, each whole (its lines
    joined)."""
    lines = out.splitlines()
    start = next((n + 1 for n, line in enumerate(lines)
                  if line.startswith("the database differs from the models")), len(lines))
    found: list[str] = []
    for line in lines[start:]:
        if _DIFFERENCE.match(line) or not found:
            found.append(line.strip())
        else:
            found[-1] += "\n" + line
    return found


def from_db(outcome: Outcome, box: Sandbox, head: str) -> None:
    def action() -> str:
        out = box.root / "reflected"
        box.must("snapshot", "--from-db", box.url, "--out", str(out))
        run = box.tool("diff", "--base", str(out), "--head", head)
        if run.code == 2 and run.err.startswith("error: models: "):
            raise StepFailed(Status.REFUSED, f"the models are refused: {run.tail(2)}")
        if run.code not in (0, 1):
            raise StepFailed(Status.FAIL, f"tool diff exited {run.code}: {run.tail()}")
        changes = [line for line in run.out.splitlines() if line[:2] in ("+ ", "- ", "~ ")]
        return f"{len(changes)} change line(s) between the reflection and the {head}"
    _step(outcome, "from-db", action)


def run_one(package: Package, database: Database, python: Path, work: Path) -> Outcome:
    """Every step of ``package`` on ``database``."""
    import time

    started = time.monotonic()
    outcome = Outcome(package.name, database)
    label = package.name.replace("-", "_")
    with fresh(database, work, f"{label}_models") as url:
        box = Sandbox(work / "models", python, package, database, url)
        models_flow(outcome, box)
        if package.history is None and outcome.step("upgrade").status is Status.OK:
            from_db(outcome, box, "snapshot")
    if package.history is not None:
        with fresh(database, work, f"{label}_adopt") as url:
            adopt_flow(outcome, Sandbox(work / "adopt", python, package, database, url))
    outcome.seconds = time.monotonic() - started
    return outcome
