"""The driver's side of a Ray task that has finished: its output files written into OUT (each name checked to lie
inside the video's folder, written beside an earlier result and swapped in whole), or the row of a task that failed
(a worker that died, an exception outside `run_job`, a node with another liftform or mediapipe, an input the driver
cannot read to send)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from liftform.batch.jobs import Job
from liftform.batch.summary import SummaryRow, failed_row
from liftform.errors import LiftformError
from liftform.outputs.atomic import atomic_write_bytes, output_error
from liftform.outputs.layout import REPORT_NAME, RESULT_NAME
from liftform.outputs.paths import inside


def commit_files(out_dir: Path, files: dict[str, bytes]) -> None:
    """Write a task's output files (relative POSIX paths -> bytes) as the folder ``out_dir``, in the order the
    task wrote them: data, then result.json (its presence marks a complete result), then the report; written
    beside an earlier result and swapped in whole (`outputs.staging`).

    The names come from a worker, possibly on another machine: one that is absolute or climbs out of
    ``out_dir`` fails the video (OutputError) before anything is written."""
    from liftform.outputs.staging import replacing_folder

    targets = {name: inside(out_dir, name).relative_to(out_dir) for name in files}
    late = (RESULT_NAME, REPORT_NAME)
    # Written whole beside an earlier result, which stays until this one is complete: never a mix of two runs.
    with replacing_folder(out_dir) as folder:
        try:
            for target in targets.values():
                (folder / target).parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise output_error(out_dir / RESULT_NAME, exc) from None
        for name in sorted(files, key=lambda n: late.index(n) + 1 if n in late else 0):
            atomic_write_bytes(folder / targets[name], files[name])


_TERMINAL_CODES = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def crash_row(job: Job, exc: Exception) -> SummaryRow:
    """The failed row of a task Ray reports as failed: a worker that died (the file may have crashed it), or an
    exception raised in the task outside `run_job` (Ray's RayTaskError, the exception its ``cause``: told by it,
    not by Ray's text of the task's name in colour, its pid and node)."""
    cause = getattr(exc, "cause", None)
    told = cause if isinstance(cause, BaseException) else exc
    text = _TERMINAL_CODES.sub("", str(told)).strip()
    first = (text.splitlines() or [type(told).__name__])[0][:300]
    advice = ("is the same liftform build (`liftform --version`) installed on every node? `liftform analyze` "
              "on this file alone tells whether the file is at fault") if told is cause else \
        "the worker may have crashed on this file: try it alone with `liftform analyze`"
    return failed_row(job.summary_path, job.output, f"the Ray task failed ({type(told).__name__}: {first}); {advice}")


def finished_row(ray, ref, job: Job, out_root: str | Path, name: str) -> SummaryRow:
    """The row of a finished task, after writing its files into ``out_root/name``."""
    try:
        row, files = ray.get(ref)
    except ray.exceptions.RayError as exc:
        return crash_row(job, exc)
    if files:
        other = other_versions(files.get(RESULT_NAME))
        if other:
            return failed_row(job.summary_path, job.output, other, elapsed_s=row.elapsed_s)
        try:
            commit_files(inside(out_root, name), files)
        except LiftformError as exc:
            return failed_row(job.summary_path, job.output, str(exc), elapsed_s=row.elapsed_s)
    return row


def other_versions(result: bytes | None) -> str:
    """Why a task's result is not kept when its node's liftform or mediapipe (result.json's ``versions``) is not
    this machine's; "" when they are the same (or the result names none)."""
    from liftform.analysis import MADE_BY, library_versions

    try:
        theirs = json.loads(result or b"")["versions"]
    except (ValueError, KeyError, TypeError):
        return ""
    if not isinstance(theirs, dict):
        return ""
    ours = library_versions()
    differ = [name for name in MADE_BY if theirs.get(name) != ours.get(name)]
    if not differ:
        return ""

    def said(versions: dict) -> str:
        return " and ".join(f"{name} {versions.get(name, 'none')}" for name in differ)

    return (f"scored on a Ray worker with {said(theirs)}, this machine has {said(ours)}: install the same on every "
            f"node (pip install 'liftform[ray]=={ours['liftform'].split('+')[0]}' from the same source: the build "
            "after the + is its digest); its result was not kept")


def unreadable(path: str, exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return f"video not found: {path}; check the path"
    if isinstance(exc, IsADirectoryError):
        return f"{path} is a directory, not a video; pass the video files inside it"
    return f"cannot read {path}: {exc.strerror or exc}; check the file's permissions"
