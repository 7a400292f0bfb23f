"""A fleet's rollout: stage after stage, each target through the same `tool apply` as one
database (its lock, integrity check, transaction per revision or partial detection, verify).

Alembic's ``context`` and ``op`` are module-level proxies, so two targets never share a
process while they run: parallel targets run in worker processes forked from this one once it
has checked the project and read the head snapshot and the revisions (:func:`~..run.prepare`),
so no worker imports or reads them again.  A worker that dies (killed) fails its target; the
others go on.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from enum import StrEnum

from sqlalchemy.engine import Connection

from ... import progress
from ...database import forget_engine, in_schema, run_on_connection
from ...errors import ExitCode, SchemaToolError
from ...project import Project
from ..run import ApplyOptions, Prepared, apply, current_revision
from ..status import status_on
from .config import OnError
from .targets import Stage, Target


class Work(StrEnum):
    """What a fleet command does to each target."""

    APPLY = "apply"
    STATUS = "status"
    DRIFT = "drift"


class Outcome(StrEnum):
    """How one target ended."""

    UPGRADED = "upgraded"  # revisions ran, verified
    AT_HEAD = "at head"  # nothing to run (apply), or at head with nothing pending (status)
    BEHIND = "behind"  # status: revisions pending
    DRIFT = "drift"  # the live schema differs from its revision's snapshot (or none found)
    NO_DRIFT = "no drift"  # drift: the live schema is its revision's snapshot
    PARTIAL = "partial"  # status: a revision was partially applied; `tool resolve` it
    FAILED = "failed"  # an error: the target stays at its last good revision
    NOT_RUN = "not run"  # a stage stopped the rollout before this target


@dataclass
class TargetResult:
    """One target's line of the summary."""

    target: str
    stage: str
    outcome: Outcome
    before: str | None = None
    after: str | None = None
    seconds: float = 0.0
    error: str | None = None
    exit_code: int = 0
    drift: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # False when a failed target's revision could not be read afterwards (unreachable)
    after_known: bool = True


@dataclass
class FleetRun:
    """A whole fleet command: every target's result in stage order."""

    fleet: str
    work: Work
    results: list[TargetResult] = field(default_factory=list)
    stopped_at: str | None = None  # the stage whose failure stopped the rollout

    def count(self, outcome: Outcome) -> int:
        return sum(result.outcome is outcome for result in self.results)

    @property
    def exit_code(self) -> ExitCode:
        """Stopped, else some failed, else found (drift, pending), else all at head."""
        if self.stopped_at is not None:
            return ExitCode.FLEET_STOPPED
        if self.count(Outcome.FAILED):
            return ExitCode.FLEET_FAILED
        if any(self.count(found) for found in (Outcome.DRIFT, Outcome.BEHIND, Outcome.PARTIAL)):
            return ExitCode.FOUND
        return ExitCode.OK


@dataclass(frozen=True)
class _Job:
    project: Project
    work: Work
    options: ApplyOptions
    prepared: Prepared | None


# Set before the workers fork: they inherit the opened project, its read revisions and the
# head snapshot's metadata, so nothing of it is pickled or read again.
_job: _Job | None = None


def run_fleet(project: Project, name: str, found: list[Stage], work: Work,
              on_error: OnError, options: ApplyOptions,
              prepared: Prepared | None = None) -> FleetRun:
    """Run ``work`` on every target, stage by stage (see module doc); ``progress`` hears
    ``<stage>`` with its count of targets."""
    global _job
    _job = _Job(project, work, options, prepared)
    run = FleetRun(name, work)
    for stage in found:
        if run.stopped_at is not None:
            run.results += [TargetResult(t.name, stage.name, Outcome.NOT_RUN)
                            for t in stage.targets]
            continue
        progress.stage(stage.name, len(stage.targets))
        stop = on_error is OnError.STOP and work is Work.APPLY
        finished = []
        for result in _run_stage(stage, stop):
            finished.append(result)
            progress.advance(1)
            if stop and result.outcome is Outcome.FAILED:
                run.stopped_at = stage.name
        order = {target.name: number for number, target in enumerate(stage.targets)}
        run.results += sorted(finished, key=lambda result: order[result.target])
    return run


def _run_stage(stage: Stage, stop: bool) -> Iterator[TargetResult]:
    """The stage's results as its targets finish; after a failure under ``stop``, the
    targets not started yet are not run."""
    if stage.parallel == 1 or len(stage.targets) < 2:
        failed = False
        for target in stage.targets:
            result = (TargetResult(target.name, stage.name, Outcome.NOT_RUN) if failed
                      else _one(target, stage.name))
            failed = failed or (stop and result.outcome is Outcome.FAILED)
            yield result
        return
    # at most `workers` targets in flight, so after a failure under stop only those finish
    context = multiprocessing.get_context("fork")
    workers = min(stage.parallel, len(stage.targets))
    waiting = iter(stage.targets)
    running: dict[Future[TargetResult], Target] = {}
    stopped = False
    with ProcessPoolExecutor(workers, mp_context=context) as pool:

        def start_next() -> None:
            target = next(waiting, None)
            if target is None:
                return
            try:
                future = pool.submit(_one, target, stage.name)
            except BrokenProcessPool as exc:  # a worker died: the pool takes no more work
                future = Future()
                future.set_exception(exc)
            running[future] = target

        for _ in range(workers):
            start_next()
        while running:
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                result = _result(future, running.pop(future), stage.name)
                stopped = stopped or (stop and result.outcome is Outcome.FAILED)
                if not stopped:
                    start_next()
                yield result
    yield from (TargetResult(target.name, stage.name, Outcome.NOT_RUN) for target in waiting)


def _result(future: Future[TargetResult], target: Target, stage: str) -> TargetResult:
    """A worker's result; a worker that died (killed) fails its target."""
    try:
        return future.result()
    except Exception as exc:  # noqa: BLE001 - BrokenProcessPool and the like
        return TargetResult(target.name, stage, Outcome.FAILED,
                            error=f"a worker process died ({type(exc).__name__}): this target "
                                  "was stopped or not started; run the fleet again to retry it",
                            exit_code=int(ExitCode.FAILED))


def _one(target: Target, stage: str) -> TargetResult:
    """``_job.work`` on one target, its failure a result (never raised)."""
    assert _job is not None
    started = time.monotonic()
    try:
        with progress.listening(None):  # a worker never draws the parent's terminal line
            result = _WORK[_job.work](_job, target, stage)
    except SchemaToolError as exc:
        result = TargetResult(target.name, stage, Outcome.FAILED, error=str(exc),
                              exit_code=int(exc.exit_code))
        result.after_known, result.after = _revision_after_failure(target)
    except Exception as exc:  # noqa: BLE001 - one target's internal error fails only it
        result = TargetResult(target.name, stage, Outcome.FAILED,
                              error=f"{type(exc).__name__}: {exc}",
                              exit_code=int(ExitCode.USAGE))
    finally:
        if target.schema is None:
            forget_engine(target.url)
    result.seconds = time.monotonic() - started
    return result


def on_target(target: Target, work: Callable[[Connection], object]) -> object:
    """``work`` on a connection to ``target`` (inside its schema, for a schema tenant)."""

    def inside(connection: Connection) -> object:
        in_schema(connection, target.schema)
        return work(connection)

    return run_on_connection(target.url, inside)


def _revision_after_failure(target: Target) -> tuple[bool, str | None]:
    """Whether the target's revision after a failure (its last good one) could be read, and
    that revision."""
    try:
        return True, on_target(target, current_revision)  # type: ignore[return-value]
    except Exception:  # noqa: BLE001 - unreachable: the error already says why
        return False, None


def _apply(job: _Job, target: Target, stage: str) -> TargetResult:
    options = replace(job.options, url=target.url, schema=target.schema)
    done = apply(job.project, options, None, job.prepared)
    outcome = Outcome.DRIFT if done.drift else (
        Outcome.UPGRADED if done.upgraded else Outcome.AT_HEAD)
    return TargetResult(target.name, stage, outcome, done.before, done.after, drift=done.drift,
                        notes=done.notes)


def _inspect(job: _Job, target: Target, stage: str, drift_only: bool) -> TargetResult:
    """`tool status` (or `tool drift`) of one target: partial, drifted, behind or at head."""
    def read(connection: Connection) -> TargetResult:
        found = status_on(job.project, connection, target.url, target.schema)
        differs = bool(found.drift.differences) or not found.drift.checked
        if drift_only:
            outcome = Outcome.DRIFT if differs else Outcome.NO_DRIFT
        else:  # what to do first: resolve, then look at the drift, then apply
            outcome = (Outcome.PARTIAL if found.partial
                       else Outcome.DRIFT if found.drift.differences
                       else Outcome.BEHIND if found.pending
                       else Outcome.DRIFT if differs else Outcome.AT_HEAD)
        notes = [f"revision {revision} was partially applied; run `tool resolve`"
                 for revision in found.partial]
        if not found.drift.checked:
            notes.append(f"no snapshot of revision {found.current or 'base'} was found (not "
                         "the head, not in git history): drift not checked")
        return TargetResult(target.name, stage, outcome, found.current, found.head,
                            drift=found.drift.differences,
                            pending=[] if drift_only else [p.revision for p in found.pending],
                            notes=notes)

    return on_target(target, read)  # type: ignore[return-value]


def _status(job: _Job, target: Target, stage: str) -> TargetResult:
    return _inspect(job, target, stage, drift_only=False)


def _drift(job: _Job, target: Target, stage: str) -> TargetResult:
    return _inspect(job, target, stage, drift_only=True)


_WORK: dict[Work, Callable[[_Job, Target, str], TargetResult]] = {
    Work.APPLY: _apply, Work.STATUS: _status, Work.DRIFT: _drift}
