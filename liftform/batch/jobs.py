"""One video of a batch: score it into its output folder and return its summary row. Never raises for a bad
video.

Also the resume rule: a video is already scored when its folder holds a complete result (result.json,
poses.npz and, if videos are wanted, annotated.mp4) made from a source with the same SHA-256 under the same
settings fingerprint, and none of its views (annotated.mp4, report.html) still shows an earlier result (a rescore
changed it since they were drawn: `outputs.stale_views`).
"""

from __future__ import annotations

import resource
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from liftform.batch.summary import SummaryRow, failed_row, result_fingerprint, row_from_analysis, settings_fingerprint
from liftform.errors import LiftformError
from liftform.hashing import sha256_file
from liftform.outputs import faces_blurred, stale_views
from liftform.outputs.layout import ANNOTATED_NAME, POSES_NAME, REPORT_NAME
from liftform.outputs.read import read_analysis
from liftform.personal import FOLDER_ORIGIN, from_profile
from liftform.settings import Settings


@dataclass(frozen=True)
class Job:
    """One input: ``index`` in the batch's input order, ``path`` as listed (what messages name), ``output`` the
    folder name under the output root, ``absolute`` the path made absolute on the driver (result.json
    ``source.path``, so a report rendered elsewhere finds the video, and the summary's path; default: from
    ``path``).
    ``settings``: this video's own (its folder's profile over the batch's, `runner.plan_jobs`), None: the batch's;
    ``problem``: why it cannot be scored, known before it starts (its folder's profile cannot be read)."""

    index: int
    path: str
    output: str
    absolute: str = ""
    settings: Settings | None = None
    problem: str = ""

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
    job's own settings); else None.

    The source is hashed only when the rest matches (``source_sha256`` skips even that, e.g. when the caller
    has already read the file). Never raises: anything unreadable means "not scored".
    """
    spec = spec_for(job, spec)
    try:
        if job.problem:
            return None
        if not (out_dir / POSES_NAME).is_file():
            return None
        if spec.write_video and not (out_dir / ANNOTATED_NAME).is_file():
            return None
        if spec.report and not (out_dir / REPORT_NAME).is_file():
            return None
        if spec.blur_faces and not faces_blurred(out_dir):
            return None   # never reuse exported frames that still show a face
        if stale_views(out_dir):
            return None   # a rescore changed the result since its views were drawn: scored again, drawn afresh
        analysis = read_analysis(out_dir)
        if result_fingerprint(analysis) != spec.fingerprint:
            return None
        digest = source_sha256 or sha256_file(job.path)
        if analysis.source.sha256 != digest:
            return None
        return row_from_analysis(analysis, job.summary_path, job.output, cached=True)
    except (LiftformError, OSError, ValueError):
        return None


def run_job(job: Job, spec: JobSpec, out_dir: str | Path, *,
            read_from: str | Path | None = None) -> SummaryRow:
    """Score ``job`` into ``out_dir`` (result.json, CSVs, poses.npz, annotated.mp4) and return its summary
    row.

    ``read_from`` is where the video bytes really are when they are not at ``job.path`` (a Ray worker's local
    copy); messages and result.json still name ``job.path``. A video that cannot be scored gives a "failed"
    row with a one-line reason; only KeyboardInterrupt and SystemExit propagate.
    """
    from liftform.outputs.atomic import ensure_writable_dir
    from liftform.pipeline import analyze_people, estimate_video_people, save_result

    start = time.perf_counter()
    source = Path(read_from) if read_from is not None else Path(job.path)
    spec = spec_for(job, spec)
    try:
        if job.problem:                   # known before it starts: failed here, as any video that cannot be
            raise LiftformError(job.problem)  # scored, by the engine that runs it
        # A full disk is found before the pose stage, not at the first write after it (then for every video).
        ensure_writable_dir(Path(out_dir).parent)
        pose_settings = replace(spec.settings, pose=replace(spec.settings.pose, model=spec.model_path))
        # One thread per video: the batch runs one video per CPU (the result does not depend on it).
        found, info, model, warnings = estimate_video_people(source, pose_settings, threads=1)
        info = replace(info, path=job.summary_path)
        analysis, track = analyze_people(found, info, model, spec.settings, warnings)
        analysis = replace(analysis, personal_from=dict(spec.personal_from))
        save_result(analysis, track, out_dir, video_path=source, write_video=spec.write_video,
                    report=spec.report, blur_faces=spec.blur_faces)
        row = row_from_analysis(analysis, job.summary_path, job.output)
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
