"""Output sinks: the files liftform writes for one analysed video (all views of one `Analysis`).

``write_outputs`` writes, into one directory::

    frames.csv      one row per analysed frame: time, valid, flagged, every angle
    reps.csv        one row per rep: times, verdict, metrics, faults, reason
    poses.npz       the pose track (``PoseTrack.to_npz_dict()``: the main lifter's, the other lifters' stacked under
                    ``track.OTHER_LIFTERS_KEYS``, the heads of anyone else followed), compressed; reload with
                    ``PoseTrack.from_npz``
    annotated.mp4   the video with skeleton, back state and angles drawn (optional)
    result.json     the output contract (docs/DESIGN.md); written after the data, so its presence marks a complete
                    result

report.html is drawn from these files by ``liftform.report`` (which depends on this package, never the reverse);
``pipeline.save_result`` writes both. Every file is written atomically (temporary file + rename), and a result
folder whole: written beside the earlier one and swapped in when complete (``staging``). Modules:
``layout`` (every file name), ``atomic`` (safe writes), ``staging`` (a folder replaced whole), ``result_json``,
``tables`` (CSVs), ``read``
(``read_analysis``: a folder back into an Analysis), ``overlay`` (drawing, shared with the live view),
``video_writer`` (H.264 via PyAV), ``annotated`` (the annotated video).
"""

from __future__ import annotations

import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from liftform.analysis import Analysis
from liftform.outputs.atomic import atomic_path, atomic_write_bytes, atomic_write_text
from liftform.outputs.layout import (
    ANNOTATED_NAME,
    BLURRED_MARK,
    CLIPS_DIR,
    FRAMES_NAME,
    POSES_NAME,
    REPORT_NAME,
    REPS_NAME,
    RESULT_NAME,
    STALE_MARK,
)
from liftform.outputs.result_json import analysis_to_dict, read_result_json, write_result_json
from liftform.outputs.staging import moved_paths, replacing_folder
from liftform.outputs.tables import write_frames_csv, write_reps_csv
from liftform.track import PoseTrack

__all__ = [
    "analysis_to_dict",
    "atomic_path",
    "atomic_write_bytes",
    "atomic_write_text",
    "read_result_json",
    "keep_analysis",
    "write_frames_csv",
    "write_outputs",
    "write_poses_npz",
    "write_reps_csv",
    "write_result_files",
    "write_result_json",
]


def write_poses_npz(track: PoseTrack, out_dir: str | Path) -> Path:
    """Write ``out_dir/poses.npz`` atomically: ``track.to_npz_dict()`` as `np.savez_compressed` writes it, but
    deflated at level 1 (it uses 6): 4 % larger for a third of the CPU (~20 against ~70 ms for 500 frames)."""
    path = Path(out_dir) / POSES_NAME
    with atomic_path(path) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, array in track.to_npz_dict().items():
            with archive.open(f"{name}.npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, np.asanyarray(array), allow_pickle=False)
    return path


def write_outputs(analysis: Analysis, track: PoseTrack, out_dir: str | Path, *, video_path: str | Path | None = None,
                  write_video: bool = True, progress: Callable[[int, int], None] | None = None,
                  blur_faces: bool = False) -> dict[str, Path]:
    """Write the data outputs of one analysis as the folder ``out_dir``; returns their paths.

    The folder is written whole beside ``out_dir`` and replaces it when complete (`staging.replacing_folder`):
    an earlier result there stays until then, whatever stops the run. See :func:`write_result_files` for what
    is written; the report is drawn from these files afterwards (``pipeline.save_result``, which analyze and score
    use, writes data and report in one swap).
    """
    out_dir = Path(out_dir)
    with replacing_folder(out_dir) as staging:
        paths = write_result_files(analysis, track, staging, video_path=video_path, write_video=write_video,
                                   progress=progress, blur_faces=blur_faces)
    return moved_paths(paths, staging, out_dir)


def write_result_files(analysis: Analysis, track: PoseTrack, folder: Path, *, video_path: str | Path | None = None,
                       write_video: bool = True, progress: Callable[[int, int], None] | None = None,
                       blur_faces: bool = False, on_frame: Callable | None = None) -> dict[str, Path]:
    """Write the data outputs of one analysis into ``folder``, a new one (`staging.replacing_folder`'s); returns
    their paths.

    Keys of the result: "frames_csv", "reps_csv", "poses_npz", "annotated_mp4" (only when written), "result_json".
    The annotated video is written when ``write_video`` is true, from ``video_path`` (default: the analysed
    source, ``analysis.source.path``); ``progress(frames_done, frames_total)`` follows its encoding. result.json is
    written after the data files. ``blur_faces`` blurs the face in annotated.mp4. ``on_frame(frame)`` is given
    every frame the annotated video decodes, before anything is drawn on it (the report's stills and clips: one
    decode for both).

    Raises OutputError (one line) when a file cannot be written, InputError if the source video cannot be
    decoded again for the annotated video.
    """
    from liftform.outputs.annotated import write_annotated_video

    paths = {
        "frames_csv": write_frames_csv(analysis, folder),
        "reps_csv": write_reps_csv(analysis, folder),
        "poses_npz": write_poses_npz(track, folder),
    }
    if write_video:
        source = video_path if video_path is not None else analysis.source.path
        paths["annotated_mp4"] = write_annotated_video(source, analysis, track, folder / ANNOTATED_NAME,
                                                       progress, blur_faces=blur_faces, on_frame=on_frame)
    paths["result_json"] = write_result_json(analysis, folder)
    return paths


def keep_analysis(analysis: Analysis, track: PoseTrack, folder: Path, *, blur_faces: bool = False) -> None:
    """Make ``folder``, a result being written when an interrupt came, the analysis's result as far as it was drawn:
    the data files and result.json as `--no-video --no-report` writes them, and the annotated video where it was
    finished (`--no-report`'s folder); the clips cut for a report not written go with it. Partial files are gone
    already (`atomic_path` removes them)."""
    if not (folder / REPORT_NAME).is_file():
        shutil.rmtree(folder / CLIPS_DIR, ignore_errors=True)
    writers = {FRAMES_NAME: lambda: write_frames_csv(analysis, folder),
               REPS_NAME: lambda: write_reps_csv(analysis, folder),
               POSES_NAME: lambda: write_poses_npz(track, folder),
               RESULT_NAME: lambda: write_result_json(analysis, folder)}
    for name, write in writers.items():     # result.json last: its presence marks a complete result
        if not (folder / name).is_file():
            write()
    mark_blurred(folder, blur_faces)


# The faces-blurred mark's text, changed whenever what the blur hides changes, so `score` does not reuse a folder
# blurred the older way. Before the nineteenth session only the lifter's face was blurred (a second person in view
# stayed sharp); before the fifty-first, the lifter's box (+15 %) was kept sharp, a bystander inside it too, and a
# frame without the lifter's pose borrowed a box up to 1 s away (`privacy.hide_people`); before the fifty-third, the
# lifter's head was blurred from the frame's own landmarks only (`privacy.FACE_NEAR_S`); before the fifty-fifth,
# report.html named the video's file and folder, often the patient's (`report.naming`).
BLURRED_MARK_TEXT = ("every exported frame, clip and video in this folder has every face blurred: all but the lifter's "
                     "shape, and the lifter's head, also where it was in the frames near; a frame without the "
                     "lifter's pose whole; report.html names no file or folder, the video by its SHA-256\n")


def mark_blurred(out_dir: str | Path, blurred: bool) -> None:
    """Record whether every exported frame of the folder (video, report, clips) has every face blurred
    (`privacy.hide_people`): the ``faces-blurred`` mark, which lets a later `score` reuse the folder for a
    ``--blur-faces`` run."""
    marker = Path(out_dir) / BLURRED_MARK
    if blurred:
        atomic_write_text(marker, BLURRED_MARK_TEXT)
    else:
        marker.unlink(missing_ok=True)


def faces_blurred(out_dir: str | Path) -> bool:
    """Whether ``out_dir``'s exported frames hide every face, by its mark (an older mark does not count)."""
    try:
        return (Path(out_dir) / BLURRED_MARK).read_text(encoding="utf-8") == BLURRED_MARK_TEXT
    except (OSError, UnicodeDecodeError):
        return False


def drawn_blurred(out_dir: str | Path) -> bool:
    """Whether ``out_dir`` was drawn with every face blurred, by this liftform or an earlier one (its mark, whatever
    its text): what a command given neither ``--blur-faces`` nor ``--no-blur-faces`` keeps, so that drawing a shared
    folder again does not show the faces it hid."""
    return (Path(out_dir) / BLURRED_MARK).is_file()


def stale_views(out_dir: str | Path) -> set[str]:
    """The views of ``out_dir`` (annotated.mp4, report.html) still drawn from an earlier result than its result.json:
    a rescore changed what they show (the ``stale-views`` mark). A result folder written whole has none."""
    try:
        return set((Path(out_dir) / STALE_MARK).read_text(encoding="utf-8").split())
    except (OSError, UnicodeDecodeError):
        return set()


def mark_stale(out_dir: str | Path, stale: set[str]) -> None:
    """Record ``stale`` as the views of ``out_dir`` drawn from an earlier result (no mark where none is)."""
    marker = Path(out_dir) / STALE_MARK
    if stale:
        atomic_write_text(marker, "".join(f"{name}\n" for name in sorted(stale)))
    else:
        marker.unlink(missing_ok=True)
