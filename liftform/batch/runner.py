"""``score``: many videos into one output folder, every core, resumable; the summary table as it goes.

    result = liftform.batch.score(["clips/"], "out/", workers=4)
    result.rows          # one SummaryRow per video reached, in input order
    result.exit_code     # 0 when every input was scored, else 1

Per video, ``OUT/<stem>/`` gets what ``liftform analyze`` writes; ``OUT/summary.csv`` and ``OUT/summary.json``
are rewritten as videos finish (every few seconds at most, and at the end), one row per video of the folder (this
run's and those scored before). A video whose folder already holds a complete result of the same source (SHA-256)
under the same settings fingerprint is not scored again (``force=True`` redoes it); one whose result was made by the
same pose stage (`jobs.poses_reusable`) is judged again from its poses.npz, without the pose model.

``folder_profiles=True``: a video whose folder holds a ``profile.toml`` is judged from it
(`personal.folder_profile`): a researcher's folder per subject, each with the subject's checked rep, scored in one
batch.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from liftform.arguments import checked_settings
from liftform.batch.inputs import expand_inputs, output_names
from liftform.batch.jobs import Job, JobSpec, poses_reusable, scored_or_why_not
from liftform.batch.judged_with import judged_with
from liftform.batch.summary import (
    SUMMARY_CSV,
    SUMMARY_JSON,
    SummaryRow,
    earlier_rows,
    has_result,
    merged_rows,
    rows_as_they_stand,
    write_summary,
)
from liftform.errors import ADDRESS, RAY_ENGINE, TIMEOUT, InputError, LiftformError, ModelError, OutputError, UsageError
from liftform.interrupts import signals_deferred
from liftform.outputs.atomic import LOCK_NAME, FolderLock, folder_lock, made_for
from liftform.outputs.layout import RESULT_NAME, refuse_result_folder
from liftform.outputs.result_json import read_result_json
from liftform.personal import folder_profile
from liftform.settings import Settings

ENGINES = ("local", "ray")
# Where the Ray engine looks for the pose model: a LIFTFORM_MODEL_DIR set on the cluster's nodes only was thought read.
RAY_MODEL_WHERE = "on this machine: the Ray engine sends the pose model from here to its workers, which need none"
# The summary (every row of the folder, fsynced) is rewritten at most this often as videos finish, and always at the
# end: written after every video, a batch of 10,000 had written 42 GB of summaries, the driver 1.3 s a video on the
# last ones (workers waiting on it for their next video). Nor oftener than keeps its writing to SUMMARY_SHARE of the
# batch's time, so a large summary is written less often. What a kill of the driver leaves behind it is found again:
# the next run gives a row to each complete result folder its summary does not name (`summary.earlier_rows`).
SUMMARY_EVERY_S = 2.0
SUMMARY_SHARE = 0.1

# progress(done, total, row): called in the caller's process once the batch is planned (0, total, None: a bar had
# shown "0/?" through the first video, and through Ray's start), then after each video (scored, cached or failed).
BatchProgress = Callable[[int, int, SummaryRow | None], None]


@dataclass
class BatchResult:
    """What a batch did. ``rows``: the videos reached, in input order (all of them unless interrupted); the
    summary written also keeps the rows of the folder's other videos (`summary.earlier_rows`)."""

    out_root: Path
    total: int
    rows: list[SummaryRow] = field(default_factory=list)
    index_html: Path | None = None   # OUT/index.html, when reports were written
    folder_profiles: list[str] = field(default_factory=list)   # outputs judged from their folder's profile
    # Outputs that held a result of an earlier run and were scored again without --force: other settings, another
    # model, outputs not drawn then, or a changed file; those of them judged from their saved poses are ``from_poses``.
    redone: list[str] = field(default_factory=list)
    redone_why: dict[str, str] = field(default_factory=dict)     # output -> why (`jobs.scored_or_why_not`)
    # The folder's videos this run left as they were (scored before, not among its inputs) whose results were judged
    # under settings none of this run's videos was (another --config, pose model or version): the summary mixes them.
    judged_otherwise: list[str] = field(default_factory=list)
    wall_s: float = 0.0          # the run's own time, start to the summary written (summary.json ``wall_s``)

    @property
    def complete(self) -> bool:
        return len(self.rows) == self.total

    @property
    def n_ok(self) -> int:
        return sum(r.ok for r in self.rows)

    @property
    def n_failed(self) -> int:
        return sum(not r.ok for r in self.rows)

    @property
    def n_cached(self) -> int:
        return sum(r.cached for r in self.rows)

    @property
    def from_poses(self) -> list[str]:
        """The outputs judged again from the landmarks of their earlier result, the pose model not run
        (`jobs.poses_reusable`)."""
        return [row.output for row in self.rows if row.from_poses]

    @property
    def posed_again(self) -> list[str]:
        """The outputs of ``redone`` whose pose stage was run again: other pose settings or model, a changed file,
        someone followed whose landmarks are not kept, no usable poses.npz."""
        judged = set(self.from_poses)
        return [output for output in self.redone if output not in judged]

    @property
    def replaced_by_posing(self) -> list[str]:
        """The outputs of ``posed_again`` scored: their earlier results replaced (one that failed keeps its own)."""
        scored = {row.output for row in self.rows if row.ok}
        return [output for output in self.posed_again if output in scored]

    @property
    def exit_code(self) -> int:
        """0 when every input was scored; 1 when any failed (or was not reached)."""
        return 0 if self.complete and self.n_failed == 0 else 1

    @property
    def summary_csv(self) -> Path:
        return self.out_root / SUMMARY_CSV

    @property
    def summary_json(self) -> Path:
        return self.out_root / SUMMARY_JSON


def plan_jobs(inputs: Iterable[str | Path], out_root: str | Path, settings: Settings | None = None,
              folder_profiles: bool = False) -> list[Job]:
    """The batch's jobs: inputs expanded (files, folders, globs; OUT itself excluded), output names (a video
    scored into OUT before keeps its folder, `inputs.output_names`); with ``folder_profiles``, each video's own
    settings from its folder's profile (see the module docstring)."""
    paths = expand_inputs(inputs, exclude=out_root)
    if not paths:
        raise InputError("no video to score: pass video files, folders holding videos, or glob patterns")
    settings = settings or Settings()
    jobs = []
    for i, (path, stem) in enumerate(zip(paths, output_names(paths, out_root), strict=True)):
        own, problem = folder_profile(path, settings) if folder_profiles else (None, "")
        jobs.append(Job(i, str(path), stem, str(path.absolute()), own, problem))
    return jobs


def make_spec(settings: Settings, *, model_dir: str | Path | None = None, write_video: bool = True,
              report: bool = True, blur_faces: bool = False,
              personal_from: dict[tuple[str, str], str] | None = None) -> JobSpec:
    """Resolve (or download, once) the pose model in the driver, so every worker uses the very same file."""
    from liftform.models import resolve_model

    resolved = resolve_model(settings.pose.model, model_dir=model_dir)
    return JobSpec(settings, str(Path(resolved.path).resolve()), resolved.sha256, write_video, report, blur_faces,
                   dict(personal_from or {}))


def spec_without_model(jobs: list[Job], out_root: Path, spec: JobSpec) -> JobSpec | None:
    """Where the pose model cannot be had (offline, none downloaded): ``spec`` with the model the folder's results
    name (its SHA-256, no file), when every job has landmarks that pose stage made (`jobs.poses_reusable`: already
    scored, or judged again from them: a resume, a `score` after a `rescore`); else None, and the model's error
    stands. A job that turns out to need it after all (its file changed since) resolves ``spec.model_path`` (the
    model's name) again and fails on the same error, in its row. No video is hashed here: the batch does that once.
    The model had been required to resume a folder that `rescore` and `report` serve without it."""
    shas = set()
    for job in jobs:
        try:
            doc = read_result_json(out_root / job.output / RESULT_NAME)
            if doc["settings"]["pose"]["model"] == spec.model_path:
                shas.add(doc["model"]["sha256"])
        except (LiftformError, OSError, ValueError, KeyError, TypeError):
            continue
    if len(shas) != 1:
        return None
    spec = replace(spec, model_sha256=shas.pop())
    needless = all(job.problem or poses_reusable(job, out_root / job.output, spec) for job in jobs)
    return spec if needless else None


def judged_otherwise(earlier: list[SummaryRow], rows: list[SummaryRow], spec: JobSpec,
                     folder_profiles: bool = False) -> list[str]:
    """The outputs of ``earlier`` rows (the folder's, before this run) that this run's ``rows`` did not replace and
    whose settings fingerprint is none of this run's (its ``spec``'s, or a video's own from its folder's profile:
    with ``folder_profiles`` an earlier video's too, from the profile beside it now; a clinic's weekly run had said
    every other patient's weeks were "judged under other settings", their own profiles the only difference).
    A row without a fingerprint is counted: its summary was written before rows kept one, by an earlier liftform
    (it had been left out as "not known", and a folder of a 48th-session liftform mixed into a new run unsaid)."""
    ours = {spec.fingerprint} | {row.settings_fingerprint for row in rows if row.ok}
    replaced = {row.output for row in rows}
    left = [row for row in earlier if row.ok and row.output not in replaced and row.settings_fingerprint not in ours]
    own = [folder_profile(Path(row.path), spec.settings)[0] if folder_profiles else None for row in left]
    return [row.output for row, settings in zip(left, own, strict=True)
            if settings is None or row.settings_fingerprint != replace(spec, settings=settings).fingerprint]


def _size_first(job: Job) -> tuple[int, int]:
    """Dispatch order: largest files first (longest videos, roughly), so no worker is left with a long one at
    the end while the others idle. The summary keeps the input order."""
    try:
        size = Path(job.path).stat().st_size
    except OSError:
        size = 0
    return -size, job.index


def _started_by_a_worker() -> bool:
    """Whether this call comes from a worker process running the user's script again as it starts (Python's "spawn"
    imports the main script in every worker, `multiprocessing.spawn._fixup_main_from_path` or `_name`): a script calling
    `score` without ``if __name__ == "__main__":`` had every video failed, "the worker process exited with status 1
    ... the file may be damaged", each worker's own batch refused by the first's lock."""
    frame = sys._getframe()
    while frame is not None:
        if frame.f_code.co_name.startswith("_fixup_main_from") and "multiprocessing" in frame.f_code.co_filename:
            return True
        frame = frame.f_back
    return False


def _unguarded_in_main_script() -> bool:
    """Whether this call comes from the main script's top level outside ``if __name__ == "__main__":``, where each
    worker the local engine starts would run it again (`_started_by_a_worker`): refused before any worker starts."""
    import ast

    main = sys.modules.get("__main__")
    run_as = getattr(getattr(main, "__spec__", None), "name", None) or ""
    if run_as == "__main__" or run_as.endswith(".__main__"):
        return False            # a package's __main__ (`python -m liftform.cli`): the workers leave it alone
    frame = sys._getframe()
    while frame is not None and not (frame.f_code.co_name == "<module>" and frame.f_globals is vars(main)):
        frame = frame.f_back
    try:
        tree = ast.parse(Path(main.__file__).read_text(encoding="utf-8"))
    except (AttributeError, TypeError, OSError, SyntaxError, ValueError):
        return False                    # no script (an interactive session, a notebook, -c): nothing run again
    if frame is None:
        return False
    guarded = [node for node in ast.walk(tree) if isinstance(node, ast.If) and "__main__" in ast.unparse(node.test)]
    return not any(node.lineno <= frame.f_lineno <= (node.end_lineno or node.lineno) for node in guarded)


def score(inputs: Iterable[str | Path] | str | Path, out: str | Path, settings: Settings | None = None, *,
          workers: int | None = None, engine: str = "local", address: str | None = None, force: bool = False,
          write_video: bool = True, report: bool = True, blur_faces: bool = False,
          model_dir: str | Path | None = None, progress: BatchProgress | None = None,
          timeout_s: float | None = None, folder_profiles: bool = False,
          personal_from: dict[tuple[str, str], str] | None = None) -> BatchResult:
    """Score every video of ``inputs`` (paths, or one path: files, folders, glob patterns) into ``out`` and return
    the :class:`BatchResult`. Called from a script, it belongs under ``if __name__ == "__main__":`` (the local
    engine's workers run the script again as they start).

    ``workers``: processes (local engine, default one per CPU) or concurrent tasks (Ray, default the cluster's
    CPUs). ``engine``: "local" or "ray" (``address`` as for ``ray.init``; None starts a local instance).
    ``force`` rescores videos already scored. ``report`` writes each video's report.html and ``out/index.html``
    (over the videos done, also after an interrupt); ``blur_faces`` blurs the face in every exported frame.
    ``progress(done, total, row)`` once planned (row None), then after each video. ``timeout_s`` (local engine): a
    video still being scored after that many seconds gets a failed row and its worker is replaced (None: no limit).
    ``folder_profiles``: each video whose folder holds a profile.toml is judged from it (see the module docstring).
    ``personal_from``: where ``settings``' own values came from (`Analysis.personal_from`, e.g.
    `personal.from_profile`; default: none). A video that cannot be scored is a "failed" row, never an exception.
    Raises LiftformError only for what stops the whole batch (no input, unusable output folder, pose model not
    found, Ray missing). On KeyboardInterrupt (also from ``progress``) the summary of the videos done so far is
    written, then the interrupt propagates.
    """
    if _started_by_a_worker() or engine == "local" and _unguarded_in_main_script():
        raise UsageError("liftform.batch.score starts worker processes that run the main script again as they "
                         "start: in a script, call it under `if __name__ == \"__main__\":`")
    if engine not in ENGINES:
        raise UsageError(f"unknown engine {engine!r}; use one of: {', '.join(ENGINES)}")
    if workers is not None and workers < 1:
        raise UsageError(f"workers must be at least 1, got {workers}")
    if timeout_s is not None and not timeout_s > 0:
        raise UsageError(f"the time limit per video must be more than 0 s, got {timeout_s}")
    if timeout_s is not None and engine == "ray":
        raise UsageError(f"a time limit per video ({TIMEOUT}) works with the local engine only; Ray tasks have no "
                         "time limit")
    if address is not None and engine != "ray":
        raise UsageError(f"a Ray address ({ADDRESS}) works with the Ray engine only ({RAY_ENGINE}); the local "
                         "engine runs on this machine")
    settings = checked_settings(settings)
    out_root = Path(out)
    refuse_result_folder(out_root)
    jobs = plan_jobs(inputs, out_root, settings, folder_profiles)
    if engine == "ray":
        from liftform.batch.ray_engine import preflight

        preflight(address)   # fail before any work when Ray is missing or the cluster cannot be reached
    try:
        spec = make_spec(settings, model_dir=model_dir, write_video=write_video, report=report,
                         blur_faces=blur_faces, personal_from=personal_from)
    except ModelError as exc:
        if engine == "ray":
            raise ModelError(f"{exc} ({RAY_MODEL_WHERE})") from None
        spec = None if force else spec_without_model(jobs, out_root, JobSpec(
            settings, settings.pose.model, "", write_video, report, blur_faces, dict(personal_from or {})))
        if spec is None:
            raise
    # said of the folder, not of the lock file made next; a folder made for an engine that never starts (Ray's
    # cluster not found) is removed again, where it had held a lock and a summary of nothing
    fresh = not out_root.exists()
    with made_for(out_root):
        try:
            with folder_lock(out_root, "`liftform score`") as lock:
                return _score_locked(jobs, spec, out_root, lock, workers=workers, engine=engine, address=address,
                                     force=force, report=report, progress=progress, timeout_s=timeout_s,
                                     folder_profiles=folder_profiles)
        except LiftformError:
            if fresh and [p.name for p in out_root.iterdir()] == [LOCK_NAME]:
                (out_root / LOCK_NAME).unlink(missing_ok=True)
            raise


def _score_locked(jobs: list[Job], spec: JobSpec, out_root: Path, lock: FolderLock, *, workers: int | None,
                  engine: str, address: str | None, force: bool, report: bool, progress: BatchProgress | None,
                  timeout_s: float | None, folder_profiles: bool = False) -> BatchResult:
    """The batch itself, with ``out_root`` made and locked (see :func:`score`). Each summary is written only while
    the lock is still held (`FolderLock.check`: the folder removed or replaced stops the batch), and lists as ok
    only the results still there (`summary.rows_as_they_stand`)."""
    own = [job.output for job in jobs if job.settings is not None]
    result = BatchResult(out_root, len(jobs), folder_profiles=own)
    done: dict[int, SummaryRow] = {}
    started, next_write = time.monotonic(), [0.0]
    earlier = earlier_rows(out_root)   # the folder's other videos stay in the summary, also after an interrupt

    def flush(complete: bool = False, final: bool = False) -> None:
        lock.check()
        writing = time.monotonic()
        result.rows = rows_as_they_stand(out_root, [done[i] for i in sorted(done)])
        result.wall_s = round(writing - started, 1)      # a batch's throughput is its own, not per video
        still_there = [row for row in earlier if not row.ok or has_result(out_root, row)]
        if final:      # said once the run ends (it reads the earlier videos' profiles): not at every summary
            result.judged_otherwise = judged_otherwise(still_there, result.rows, spec, folder_profiles)
        judged = judged_with("score", spec.settings, spec.personal_from, folder_profiles)
        try:
            write_summary(out_root, merged_rows(still_there, result.rows), complete=complete,
                          extra={"wall_s": result.wall_s, **judged})
        except OutputError as exc:       # a full disk: what is kept and what to do, as an interrupt says them
            raise OutputError(f"{exc}; the results of the {len(done)} video(s) done in this run are kept in their "
                              "folders: free some space, then run the same command again to finish the rest and "
                              "write the summary") from None
        now = time.monotonic()
        next_write[0] = now + max(SUMMARY_EVERY_S, (now - writing) / SUMMARY_SHARE)

    def on_row(job: Job, row: SummaryRow) -> None:
        done[job.index] = row
        if time.monotonic() >= next_write[0]:
            flush()
        else:
            lock.check()     # the output folder removed: stopped at this video, not at the next summary's write
        if progress is not None:
            progress(len(done), len(jobs), row)

    def pending() -> Iterator[Job]:
        for job in sorted(jobs, key=_size_first):
            cached, why = (None, "") if force else scored_or_why_not(job, out_root / job.output, spec)
            if cached is None:
                if not force and (out_root / job.output / RESULT_NAME).is_file():
                    result.redone.append(job.output)
                    result.redone_why[job.output] = why
                    job = replace(job, from_poses=poses_reusable(job, out_root / job.output, spec))
                yield job
            else:
                on_row(job, cached)

    if progress is not None:
        progress(0, len(jobs), None)
    started_none = False       # the engine never started (Ray's cluster not reached): no summary of nothing
    try:
        if engine == "ray":
            from liftform.batch.ray_engine import run_ray

            run_ray(pending(), spec, out_root, on_row, address=address, workers=workers)
        else:
            from liftform.batch.local import run_local

            run_local(pending(), spec, out_root, on_row, workers=workers, timeout_s=timeout_s)
    except LiftformError:
        started_none = not done and not earlier
        raise
    finally:
        # Ctrl-C pressed again while an interrupted batch writes them waits for its end: it had left the summary as
        # last flushed and no overview at all.
        with signals_deferred():
            if not started_none:
                flush(complete=len(done) == len(jobs), final=True)
            if report and done:
                from liftform.report import write_index

                result.index_html = write_index(out_root)
    return result
