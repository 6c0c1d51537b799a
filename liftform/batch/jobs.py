"""One video of a batch: score it into its output folder and return its summary row. Never raises for a bad
video.

Also the resume rule: a video is already scored when its folder holds a complete result (result.json, poses.npz and,
if videos are wanted, annotated.mp4) made from a source with the same SHA-256 under the same settings fingerprint,
and none of its views (annotated.mp4, report.html) still shows an earlier result (a rescore changed it since they
were drawn: `outputs.stale_views`). A result not taken so, but made by this run's pose stage (the same pose settings
and model, everyone followed a lifter whose track it kept) from the same source, is judged again from its poses.npz
(`poses_reusable`, `run_job`): a new --config, views a rescore left out of date, views not drawn then or faces to
blur cost the analysis and the drawing, seconds, not the pose stage again (minutes to hours a video).
"""

from __future__ import annotations

import resource
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from liftform.analysis import Analysis
from liftform.batch.rescore import judged_again
from liftform.batch.summary import (
    SummaryRow,
    failed_row,
    pose_fingerprint,
    result_fingerprint,
    row_from_analysis,
    settings_fingerprint,
)
from liftform.errors import LiftformError
from liftform.hashing import sha256_file
from liftform.outputs import faces_blurred, stale_views
from liftform.outputs.layout import ANNOTATED_NAME, FRAMES_NAME, POSES_NAME, REPORT_NAME, RESULT_NAME
from liftform.outputs.read import read_analysis, read_poses_npz
from liftform.outputs.result_json import read_result_json
from liftform.personal import FOLDER_ORIGIN, from_profile
from liftform.settings import Settings
from liftform.track import PoseTrack

UNREADABLE_EARLIER = "an unreadable earlier result"   # why a video is scored again: its poses unused too
# Why a video is scored again where its saved poses cannot serve, whatever made them: said without the pose causes.
FILE_CHANGED, NO_POSES = "the video file changed", "no saved poses"


@dataclass(frozen=True)
class Job:
    """One input: ``index`` in the batch's input order, ``path`` as listed (what messages name), ``output`` the
    folder name under the output root, ``absolute`` the path made absolute on the driver (result.json
    ``source.path``, so a report rendered elsewhere finds the video, and the summary's path; default: from
    ``path``).
    ``settings``: this video's own (its folder's profile over the batch's, `runner.plan_jobs`), None: the batch's;
    ``problem``: why it cannot be scored, known before it starts (its folder's profile cannot be read);
    ``from_poses``: its output folder holds a result of this run's pose stage (`poses_reusable`), judged again from
    its landmarks where its source is still the same file (the worker checks: else the pose stage runs)."""

    index: int
    path: str
    output: str
    absolute: str = ""
    settings: Settings | None = None
    problem: str = ""
    from_poses: bool = False

    @property
    def summary_path(self) -> str:
        """The video's path in the summary: absolute, so rows of runs started from different folders read alike
        (as an `analyze` result's row, from its result.json)."""
        return self.absolute or str(Path(self.path).absolute())


@dataclass(frozen=True)
class JobSpec:
    """What every job of a batch shares. ``model_path`` is the pose model bundle the driver resolved (its file
    name keeps the model's name), ``model_sha256`` its checksum; ``fingerprint`` see
    :func:`settings_fingerprint`."""

    settings: Settings
    model_path: str
    model_sha256: str
    write_video: bool = True
    report: bool = True
    blur_faces: bool = False
    personal_from: dict[tuple[str, str], str] = field(default_factory=dict)   # `Analysis.personal_from`

    @property
    def fingerprint(self) -> str:
        return settings_fingerprint(self.settings.to_dict(), self.model_sha256)


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB.

    Linux: ``VmHWM`` of /proc/self/status, which starts afresh at exec. Not ``ru_maxrss``: Linux keeps it
    across fork and exec, so a worker would report its parent's size at the time it was started. Elsewhere
    ru_maxrss (KiB; bytes on macOS).
    """
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except (OSError, ValueError, IndexError):
        pass
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(rss / (1 << 20 if sys.platform == "darwin" else 1 << 10), 1)




def spec_for(job: Job, spec: JobSpec) -> JobSpec:
    """The batch's ``spec`` with ``job``'s own settings (its folder's profile), where it has them."""
    if job.settings is None:
        return spec
    return replace(spec, settings=job.settings, personal_from=from_profile(FOLDER_ORIGIN))


def already_scored(job: Job, out_dir: Path, spec: JobSpec,
                   source_sha256: str | None = None) -> SummaryRow | None:
    """The cached row when ``out_dir`` holds a complete result of this very source under ``spec`` (with the
    job's own settings); else None (:func:`scored_or_why_not`)."""
    return scored_or_why_not(job, out_dir, spec, source_sha256)[0]


def scored_or_why_not(job: Job, out_dir: Path, spec: JobSpec,
                      source_sha256: str | None = None) -> tuple[SummaryRow | None, str]:
    """The cached row of :func:`already_scored`, or None and why the video is scored again, in a few words for the
    terminal (a resumed batch had said four causes that might have applied).

    The source is hashed only when the rest matches (``source_sha256`` skips even that, e.g. when the caller
    has already read the file). Never raises: anything unreadable means "not scored".
    """
    spec = spec_for(job, spec)
    try:
        if job.problem:
            return None, "it failed"
        if not (out_dir / POSES_NAME).is_file():
            return None, NO_POSES
        if spec.write_video and not (out_dir / ANNOTATED_NAME).is_file():
            return None, "no annotated video drawn"
        if spec.report and not (out_dir / REPORT_NAME).is_file():
            return None, "no report drawn"
        if spec.blur_faces and not faces_blurred(out_dir):
            return None, "faces to blur"     # never reuse exported frames that still show a face
        if stale_views(out_dir):
            return None, "out of date after a rescore"   # scored again, its views drawn afresh
        analysis = read_analysis(out_dir)
        if result_fingerprint(analysis) != spec.fingerprint:
            same = analysis.settings.to_dict() == spec.settings.to_dict()
            return None, "another liftform build or model" if same else "other settings"
        digest = source_sha256 or sha256_file(job.path)
        if analysis.source.sha256 != digest:
            return None, FILE_CHANGED
        return row_from_analysis(analysis, job.summary_path, job.output, cached=True), ""
    except (LiftformError, OSError, ValueError):
        return None, UNREADABLE_EARLIER


def poses_reusable(job: Job, out_dir: Path, spec: JobSpec) -> bool:
    """Whether ``out_dir``'s result was made by the pose stage this job would run (the same pose settings, model
    file, result schema and mediapipe version), with its landmarks (poses.npz) kept, so that judging them again
    under the job's settings gives what the pose stage and that analysis would. The source's SHA-256 and whether
    poses.npz holds everyone followed are the worker's to check (`_judged_from_poses`). Never raises: anything
    unreadable means "not reusable"."""
    spec = spec_for(job, spec)
    try:
        if job.problem or not (out_dir / POSES_NAME).is_file():
            return False
        doc = read_result_json(out_dir / RESULT_NAME)     # not frames.csv: the driver asks this of every video redone
        made_by = pose_fingerprint(doc["settings"], doc["model"]["sha256"], doc["schema_version"],
                                   doc.get("versions") or {})
        return made_by == pose_fingerprint(spec.settings.to_dict(), spec.model_sha256)
    except (LiftformError, OSError, ValueError, KeyError, TypeError, AttributeError):
        return False


def earlier_files(out_dir: Path) -> dict[str, bytes]:
    """What `_judged_from_poses` reads of the earlier result in ``out_dir`` (name -> bytes), for an engine whose
    workers cannot see the output folder (Ray) to ship with the job; {} where one cannot be read: the pose stage
    runs."""
    try:
        return {name: (out_dir / name).read_bytes() for name in (RESULT_NAME, FRAMES_NAME, POSES_NAME)}
    except OSError:
        return {}


def put_earlier_files(out_dir: Path, files: dict[str, bytes]) -> None:
    """``files`` (`earlier_files`) written into ``out_dir``, a Ray task's own, for its job to be judged from."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():       # the driver's own three names (`earlier_files`)
        (out_dir / name).write_bytes(data)


def _judged_from_poses(job: Job, spec: JobSpec, out_dir: Path, source: Path) -> tuple[Analysis, PoseTrack] | None:
    """``job`` judged again under ``spec`` from the landmarks of its earlier result in ``out_dir`` (see
    `poses_reusable`), or None where the pose stage must run: the source is another file now (its SHA-256), the
    earlier result cannot be read, or judging the saved landmarks may not give what `analyze_people` would give
    the pose stage's people: someone else was followed whose track is not kept (only the other lifters' are: one
    who did not lift, or a reflection set aside, may be judged a lifter under the new settings; an older poses.npz
    keeps no one's), or the main lifter has no reps any more while another lifter has (analyze_people makes that
    one the main lifter)."""
    try:
        old = read_analysis(out_dir)
        track = read_poses_npz(out_dir / POSES_NAME)
        followed = 0 if track.others_head_xy is None else len(track.others_head_xy)
        if followed != len(track.other_lifters) or old.source.sha256 != sha256_file(source):
            return None
    except (LiftformError, OSError, ValueError):
        return None
    old = replace(old, source=replace(old.source, path=job.summary_path))
    analysis = judged_again(old, track, spec.settings)
    return None if analysis.others and not analysis.verdicts else (analysis, track)


def run_job(job: Job, spec: JobSpec, out_dir: str | Path, *,
            read_from: str | Path | None = None) -> SummaryRow:
    """Score ``job`` into ``out_dir`` (result.json, CSVs, poses.npz, annotated.mp4) and return its summary
    row.

    ``read_from`` is where the video bytes really are when they are not at ``job.path`` (a Ray worker's local
    copy); messages and result.json still name ``job.path``. A video that cannot be scored gives a "failed"
    row with a one-line reason; only KeyboardInterrupt and SystemExit propagate.
    """
    from liftform.outputs.atomic import ensure_writable_dir
    from liftform.outputs.staging import check_result_place
    from liftform.pipeline import analyze_people, estimate_video_people, save_result

    start = time.perf_counter()
    source = Path(read_from) if read_from is not None else Path(job.path)
    spec = spec_for(job, spec)
    try:
        if job.problem:                   # known before it starts: failed here, as any video that cannot be
            raise LiftformError(job.problem)  # scored, by the engine that runs it
        # A full disk is found before the pose stage, not at the first write after it (then for every video).
        ensure_writable_dir(Path(out_dir).parent)
        check_result_place(out_dir, job.path)
        judged = _judged_from_poses(job, spec, Path(out_dir), source) if job.from_poses else None
        from_poses = judged is not None          # the pose model not run: said in the row and the terminal
        if judged is None:
            pose_settings = replace(spec.settings, pose=replace(spec.settings.pose, model=spec.model_path))
            # One thread per video: the batch runs one video per CPU (the result does not depend on it).
            found, info, model, warnings = estimate_video_people(source, pose_settings, threads=1)
            info = replace(info, path=job.summary_path)
            judged = analyze_people(found, info, model, spec.settings, warnings)
        analysis = replace(judged[0], personal_from=dict(spec.personal_from))
        save_result(analysis, judged[1], out_dir, video_path=source, write_video=spec.write_video,
                    report=spec.report, blur_faces=spec.blur_faces)
        row = row_from_analysis(analysis, job.summary_path, job.output, from_poses=from_poses)
    except LiftformError as exc:
        row = failed_row(job.summary_path, job.output, str(exc).replace(str(source), job.path))
    except MemoryError:
        row = failed_row(job.summary_path, job.output,
                         "out of memory while scoring this video; run with fewer --workers")
    except Exception as exc:  # a bug or a native library's error: record it, keep the batch going
        detail = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else ""
        row = failed_row(job.summary_path, job.output, f"internal error ({type(exc).__name__}: {detail}); "
                                               "please report it with the video if you can")
    row.elapsed_s = round(time.perf_counter() - start, 3)
    row.peak_rss_mb = peak_rss_mb()
    return row
