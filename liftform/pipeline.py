"""Wiring: video -> pose -> core -> outputs. Reports progress through a callback; never prints.

    analysis = liftform.analyze_video("lift.mp4", "out/")      # writes out/lift/result.json and friends
"""

from __future__ import annotations

import contextlib
import itertools
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from liftform import appearance
from liftform.analysis import Analysis, ModelInfo, Quality, SourceInfo, library_versions
from liftform.arguments import check_track_inputs, checked_settings
from liftform.core.run import run_core
from liftform.core.spine import view_label
from liftform.cpus import pose_threads
from liftform.errors import InputError
from liftform.exposure import ThumbnailKeeper, dark_picture_note, lifter_brightness
from liftform.follow import left_out_note
from liftform.hashing import sha256_file
from liftform.lifters import judged_person, lifters_notes, other_lifters
from liftform.models import resolve_model
from liftform.personal import zero_notes
from liftform.settings import PoseSettings, Settings
from liftform.track import PoseTrack
from liftform.unseen import NO_OUTLINE_NOTE, few_frames_note, hidden_note, lost_note, no_lift_note, own_shots, view_note
from liftform.video import detect_content_box, open_video, shrink_interpolation
from liftform.video_tools import opencv_threads

if TYPE_CHECKING:
    from liftform.people import PeopleFound

# progress(stage, done, total): stage "download" (the model's bytes, where it is fetched), "pose" (frames analysed)
# or "video" (the annotated video's frames drawn); total may be None when unknown.
Progress = Callable[[str, int, "int | None"], None]

MIN_FRAMES = 10                 # fewer frames cannot hold a rep
CONTENT_BOX_FRAMES = 8          # frames read ahead to find black padding bars
# Said wherever the lifter was followed with MediaPipe's tracking (`[pose] track_between_frames`, `live --track`):
# the limits were set on the detector's landmarks, and tracked ones read the real clips' backs worse.
TRACKED_NOTE = ("followed with MediaPipe's tracking between frames (faster, [pose] track_between_frames): backs are "
                "read less well than with its person detector on every frame")


def analyze_track(track: PoseTrack, source: SourceInfo, model: ModelInfo, settings: Settings,
                  warnings: list[str] | tuple[str, ...] = (), spine_baseline_deg: float | None = None) -> Analysis:
    """The core on a PoseTrack: angles, reps, verdicts, data quality. No video, no model (rescoring uses this).

    ``warnings`` are about the source (the decoder's, a dark picture's): they join ``source.warnings`` (result.json
    keeps them apart from the analysis's own notes) and lead ``quality.warnings``.
    """
    check_track_inputs(track, source, model)
    settings = checked_settings(settings)
    source = replace(source, warnings=tuple(dict.fromkeys([*source.warnings, *warnings])))
    core = run_core(track, settings, spine_baseline_deg=spine_baseline_deg)
    kinematics, reps, flagged, verdicts = core.kinematics, core.reps, core.flagged, core.verdicts
    view = view_label(kinematics.view_yaw_deg, settings.spine)
    notes = list(source.warnings) + list(kinematics.warnings)
    notes += [NO_OUTLINE_NOTE] if track.back_profile_px is None else []
    frames_with_pose = int(track.has_pose.sum())
    own = own_shots(track, source.cuts_s)
    if track.has_pose[own].sum() < 0.8 * own.sum():
        notes.append(lost_note(track.has_pose[own], track.timestamps_s[own]))
    notes += [note for note in (view_note(kinematics, view), few_frames_note(track.timestamps_s)) if note]
    if not reps:
        notes.append(no_lift_note(kinematics, settings))
    if settings.pose.track_between_frames:
        notes.append(TRACKED_NOTE)
    notes += zero_notes(kinematics.spine_baseline_deg, verdicts, settings.verdict)
    notes += core.notes                       # what the reps found leave unsaid
    insufficient = sum(v.verdict == "insufficient_data" for v in verdicts)
    if insufficient and insufficient < len(verdicts):
        notes.append(f"{insufficient} of {len(verdicts)} reps could not be judged")
    quality = Quality(frames_with_pose=frames_with_pose, frames_total=len(track), view=view, warnings=tuple(notes))
    return Analysis(source=source, model=model, settings=settings, kinematics=kinematics, verdicts=verdicts,
                    flagged=flagged, quality=quality, versions=library_versions(), pose_filled=track.pose_filled,
                    judged=core.judged)


def _cuts_note(cuts_s: tuple[float, ...]) -> str:
    """What the cuts between shots (`shots.mark_cuts`) mean for the result."""
    # A cut in the first tenth of a second would read "0.0 s", as if it were the video's start.
    times = [f"{t:.1f}" if t >= 0.1 else f"{t:.2f}" for t in cuts_s[:3]]
    if (more := len(cuts_s) - 3) > 0:
        at = f"{', '.join(times)} s and {more} more time{'s' if more > 1 else ''}"
    else:
        at = (times[0] if len(times) == 1 else ", ".join(times[:-1]) + " and " + times[-1]) + " s"
    return (f"the video cuts to another shot at {at}: each shot's people are followed on their own (a lifter seen "
            "in two shots is counted twice, a lift the cut divides is judged on its part in each)")


def estimate_video_people(video_path: str | Path, settings: Settings, *, model_dir: str | Path | None = None,
                          progress: Progress | None = None, threads: int | None = None,
                          ) -> tuple[PeopleFound, SourceInfo, ModelInfo, list[str]]:
    """Decode ``video_path`` and follow every person in it (`liftform.people`): the tracks (main person first) plus
    provenance and warnings. The file's SHA-256 is computed beside the decoding."""
    from liftform.landmarkers import import_in_background
    from liftform.people import estimate_people  # mediapipe is imported only when poses are needed

    import_in_background()
    threads = pose_threads() if threads is None else threads
    _load_models_ahead(settings.pose, model_dir, threads)
    download = (lambda done, total: progress("download", done, total)) if progress else None
    with open_video(video_path) as video, ThreadPoolExecutor(max_workers=1) as hasher:
        # The input is checked (opened, its first frame decoded) before the model is looked for: a bad file is
        # reported as such even where no model is in reach.
        resolved = resolve_model(settings.pose.model, model_dir=model_dir, progress=download)
        hasher.submit(appearance.warm_up)        # beside the model loading, not on the first frame's path
        digest = hasher.submit(sha256_file, video_path)
        # Frames are shrunk to the model's size as they are decoded (in the read-ahead threads), so no 4K frame is
        # ever buffered; the tracks are scaled back to source pixels below.
        shrink = min(1.0, settings.pose.max_side_px / max(video.width, video.height))
        small_wh = (max(1, round(video.width * shrink)), max(1, round(video.height * shrink)))
        frames = iter(video)
        head = [f.rgb for f in _shrunk(itertools.islice(frames, CONTENT_BOX_FRAMES), small_wh)]
        frames.close()
        box = detect_content_box(head)
        del head
        thumbnails = ThumbnailKeeper()          # how bright the lifter is, in the first frames they are found in
        total = video.n_frames or None
        report = (lambda done: progress("pose", done, total)) if progress else None
        with opencv_threads(1):
            found = estimate_people(video, resolved.path, settings.pose, box, threads=threads, progress=report,
                                    shrink=lambda decoded: thumbnails.keep(_shrunk(decoded, small_wh)))
        dark = dark_picture_note(lifter_brightness(thumbnails.by_time_s, found.tracks[0]))
        found = replace(found, tracks=tuple(_in_source_pixels(t, small_wh) for t in found.tracks))
        try:
            source_sha256 = digest.result()
        except OSError as exc:
            raise InputError(f"cannot read {video_path}: {exc.strerror or exc}") from None
        track = found.tracks[0]
        warnings = list(video.warnings) + ([dark] if dark else [])
        warnings += [_cuts_note(found.cuts_s)] if found.cuts_s else []
        duration = float(found.last_timestamp_s + 1.0 / max(video.fps, 1e-6))
        # The absolute path: a report rendered again from another working directory still finds the video.
        # ``frames`` counts the source's frames; the track holds the analysed ones (`[pose] analysis_fps`).
        source = SourceInfo(path=str(Path(video_path).absolute()), sha256=source_sha256, fps=float(video.fps),
                            frames=found.frames_decoded, width=video.width, height=video.height,
                            duration_s=duration, rotation_deg=video.rotation_deg, cuts_s=found.cuts_s)
    if source.frames < MIN_FRAMES:
        still = " (a photo, not a video?)" if source.frames == 1 else ""     # a JPEG named .mp4 had said only this
        raise InputError(f"{video_path} has only {source.frames} frame(s){still}: a lift needs at least {MIN_FRAMES} "
                         "frames")
    # However short a stretch the person is in (a worker walking into a fixed camera's view), it is judged: fewer
    # frames than a rep needs is nobody (a fifth of the frames, asked until the fifty-ninth session, was not).
    if track.has_pose.sum() < MIN_FRAMES:
        raise InputError(f"no person found in {video_path} (a lifter in {int(track.has_pose.sum())} of "
                         f"{len(track)} frames): {_how_to_be_found(settings.pose)}")
    return found, source, ModelInfo(name=resolved.name, sha256=resolved.sha256), warnings


def _how_to_be_found(settings: PoseSettings) -> str:
    """What to change where nobody was found: the filming, and first any of the model's confidences set stricter
    than liftform's own (a settings file's ``min_detection_confidence = 1`` had been told to film the body larger)."""
    usual = PoseSettings()
    strict = [f"{name} = {getattr(settings, name):g}" for name in ("min_detection_confidence",
              "min_presence_confidence", "min_tracking_confidence") if getattr(settings, name) > getattr(usual, name)]
    film = "film the whole body large in the picture, side-on, in good light"
    return f"the settings ask the pose model for more confidence than liftform's own ([pose] {', '.join(strict)}): " \
        f"lower them, or {film}" if strict else film


def _load_models_ahead(settings: PoseSettings, model_dir: str | Path | None, threads: int) -> None:
    """Start loading the pose stage's landmarkers (`people.preload_models`) where the model is at hand: beside the
    video's opening and first frames, not after them (~0.1 s of a short clip's start)."""
    from liftform.landmarkers import start_in_background
    from liftform.people import preload_models

    def load() -> None:
        try:
            preload_models(resolve_model(settings.model, model_dir=model_dir, download=False).path, settings, threads)
        except Exception:   # a head start only: the pose stage finds, downloads or loads the model and says what fails
            return

    start_in_background(load, "liftform-preload")


def estimate_video_track(video_path: str | Path, settings: Settings, *, model_dir: str | Path | None = None,
                         progress: Progress | None = None, threads: int | None = None,
                         ) -> tuple[PoseTrack, SourceInfo, ModelInfo, list[str]]:
    """`estimate_video_people` reduced to the main person's PoseTrack (seen longest and largest)."""
    found, source, model, warnings = estimate_video_people(video_path, settings, model_dir=model_dir,
                                                           progress=progress, threads=threads)
    return found.tracks[0], source, model, warnings


def _shrunk(frames, size_wh: tuple[int, int]):
    """``frames`` (VideoFrames) resized to ``size_wh`` (`shrink_interpolation`); as they are when already that
    size or not converted (``rgb`` None)."""
    import cv2

    for frame in frames:
        if frame.rgb is not None and frame.rgb.shape[1::-1] != size_wh:
            interpolation = shrink_interpolation(size_wh[0] / frame.rgb.shape[1])
            frame = replace(frame, rgb=cv2.resize(frame.rgb, size_wh, interpolation=interpolation))
        yield frame


def _in_source_pixels(track: PoseTrack, analysed_wh: tuple[int, int]) -> PoseTrack:
    """``track`` measured on frames of ``analysed_wh`` pixels, with its pixel coordinates scaled to the source
    frame size (``track.frame_size_wh``)."""
    if tuple(analysed_wh) == tuple(track.frame_size_wh):
        return track
    factor = np.asarray(track.frame_size_wh, dtype=float) / analysed_wh   # (x, y) source px per analysed px
    profile = track.back_profile_px   # distances (half-widths): one factor, the aspect ratio being kept
    return replace(track, image_xy=track.image_xy * factor,
                               back_profile_px=None if profile is None else profile * float(factor.mean()))


def output_dir_for(video_path: str | Path, out_root: str | Path, name: str | None = None) -> Path:
    """Where the outputs of one video go: ``out_root/<name>``, by default the video's stem made a safe folder
    name (``liftform.batch.inputs.output_names`` gives each of several videos its own)."""
    from liftform.outputs.paths import inside, safe_name

    if name is not None and not str(name).strip():     # as -o "": an unset variable; it had written OUT/<stem>
        raise InputError("the output name is empty: give a folder name, or none for the video's own")
    return inside(out_root, safe_name(name if name is not None else Path(video_path).stem))


def analyze_people(found: PeopleFound, source: SourceInfo, model: ModelInfo, settings: Settings,
                   warnings: list[str]) -> tuple[Analysis, PoseTrack]:
    """Analyse every person followed; those who performed reps are the lifters. The main lifter (seen longest and
    largest; the main person when nobody lifted) is the returned Analysis, with its track, which keeps the heads of
    everyone else followed (`--blur-faces` blurs them) and the other lifters' tracks (the annotated video draws
    them, poses.npz keeps them); the other lifters are its ``others`` (`lifters.other_lifters`: but for the main
    lifter's reflection)."""
    analyses = [judged_person(track, source, model, settings, warnings) for track in found.tracks]
    lifters = [k for k, a in enumerate(analyses) if a.verdicts]
    main = lifters[0] if lifters else 0
    beside = lifters[1:]
    others, judged, reflected = other_lifters(analyses[main], [(analyses[k], found.tracks[k]) for k in beside])
    notes = lifters_notes(len(others), reflected)
    notes += (left_out_note(found.left_out, settings.pose.num_poses),) if found.left_out else ()
    lifter = found.tracks[main]
    notes += tuple(n for n in [hidden_note(lifter.has_pose, lifter.timestamps_s, found.swaps_s)] if n)
    analysis = replace(analyses[main], others=others, people_in_view=max(found.people_in_view, 1))
    analysis = replace(analysis, quality=replace(analysis.quality, warnings=(*notes, *analysis.quality.warnings)))
    track = found.tracks[main].with_heads_of([t for k, t in enumerate(found.tracks) if k != main])
    return analysis, replace(track, other_lifters=tuple(found.tracks[beside[j]] for j in judged))


def analyze_video(video_path: str | Path, out_root: str | Path | None = None, settings: Settings | None = None, *,
                  model_dir: str | Path | None = None, write_video: bool = True, report: bool = True,
                  blur_faces: bool = False, progress: Progress | None = None, output_name: str | None = None,
                  personal_from: dict[tuple[str, str], str] | None = None) -> Analysis:
    """Analyse one video; with ``out_root``, write its folder there (result.json, CSVs, poses.npz, annotated video,
    report.html): ``output_name``, by default the one `liftform analyze` gives it (``out_root/<stem>``, the folder it
    had there before, or ``<parent>__<stem>`` beside another video's of the same file name: not in its place).
    ``blur_faces`` blurs the face in every exported frame, clip and video. ``personal_from``: where the settings' own
    values came from (`Analysis.personal_from`, `personal.from_profile`; default: none, a config's or the method's).

    Raises LiftformError subclasses (one-line messages) for anything the user can fix.
    """
    settings = checked_settings(settings)      # a dict had failed deep inside the pose stage ({}: the defaults)
    if not isinstance(video_path, (str, os.PathLike)):
        raise InputError(f"the video must be a path (str or pathlib.Path), got {type(video_path).__name__}")
    out_dir = None
    if out_root is not None and not str(out_root):     # as the CLI's -o "": an unset variable, not this folder
        raise InputError("out_root is empty: give a folder, or out_root=None to write nothing")
    if out_root is not None:
        from liftform.batch.inputs import output_names
        from liftform.outputs.atomic import ensure_writable_dir
        from liftform.outputs.staging import check_result_place

        ensure_writable_dir(Path(out_root))   # fail before the long part, not after (the result is made beside)
        if output_name is None:
            output_name = output_names([Path(video_path)], out_root)[0]
        out_dir = output_dir_for(video_path, out_root, output_name)
        check_result_place(out_dir, video_path)
    found, source, model, warnings = estimate_video_people(video_path, settings, model_dir=model_dir, progress=progress)
    analysis, track = analyze_people(found, source, model, settings, warnings)
    analysis = replace(analysis, personal_from=dict(personal_from or {}))
    if out_dir is not None:
        video_progress = (lambda done, total: progress("video", done, total)) if progress else None
        save_result(analysis, track, out_dir, video_path=video_path, write_video=write_video, report=report,
                    blur_faces=blur_faces, progress=video_progress)
    return analysis


class _ReportMedia:
    """Feeds the frames of the annotated video's decode to the report's `MediaGrabber`, made at the first frame
    (the data files it reads are written by then): it takes the stills there, and the clips are cut from the
    annotated video once written (`finish`), which is drawn and blurred as they are."""

    def __init__(self, analysis: Analysis, track: PoseTrack, out_dir: Path, video_path: str | Path | None,
                 blur_faces: bool, stack: contextlib.ExitStack) -> None:
        self.analysis, self.track, self.out_dir = analysis, track, out_dir
        self.blur_faces, self.stack = blur_faces, stack
        self.video_path = video_path if video_path is not None else analysis.source.path
        self.grabber, self.started = None, False

    def feed(self, frame) -> bool:
        if not self.started:
            from liftform.outputs.result_json import analysis_to_dict
            from liftform.report.data import result_data
            from liftform.report.gallery import media_grabber

            self.started = True
            data = result_data(self.out_dir, analysis_to_dict(self.analysis), track=self.track,
                               video_path=self.video_path)
            self.grabber = media_grabber(data, blur_faces=self.blur_faces, stack=self.stack, cut_clips=True)
        return self.grabber is not None and self.grabber.feed(frame)

    def finish(self, annotated: Path) -> None:
        """Cut the clips from the finished annotated video."""
        if self.grabber is not None:
            self.grabber.finish(annotated)

    @property
    def images(self) -> dict[int, bytes] | None:
        """The stills taken, or None when no frame came (the report then decodes the source itself)."""
        return self.grabber.images if self.grabber is not None else None


def save_result(analysis: Analysis, track: PoseTrack, out_dir: str | Path, *, video_path: str | Path | None = None,
                write_video: bool = True, report: bool = True, blur_faces: bool = False,
                progress: Callable[[int, int], None] | None = None) -> dict[str, Path]:
    """Write one analysis's result folder, as `analyze` and `score` both do: the data outputs and the annotated
    video (`outputs.write_result_files`, result.json last), then report.html drawn from them, then the
    faces-blurred mark (``blur_faces``: every exported frame, clip and video has every face blurred). All of it
    into a new folder that replaces ``out_dir`` once written (`outputs.staging`): an earlier result there stays
    complete until then, whatever stops the run. Returns the paths written (``write_result_files``'s, plus
    "report_html"). Raises OutputError / InputError (one line)."""
    from liftform.errors import DrawingFailed, LiftformError, OutputError
    from liftform.interrupts import AnalysisKept, signals_deferred
    from liftform.outputs import keep_analysis
    from liftform.outputs.layout import ANNOTATED_NAME, RESULT_NAME
    from liftform.outputs.staging import moved_paths, replacing_folder

    out_dir = Path(out_dir)
    stopped = None      # what stopped the drawing (an interrupt, an error), the analysis kept all the same
    with replacing_folder(out_dir) as folder:
        try:
            paths, report_error = _write_folder(analysis, track, folder, video_path=video_path, write_video=write_video,
                                                report=report, blur_faces=blur_faces, progress=progress)
        except (KeyboardInterrupt, LiftformError) as stop:
            # The analysis is done: an interrupt or a failure in its drawing (a full disk) keeps it (a long video's
            # pose stage had been lost), but not over an earlier complete result, which stays whole.
            if (out_dir / RESULT_NAME).is_file():
                raise
            try:
                with signals_deferred(deliver=False):      # already on the way out: a second Ctrl-C cannot lose it
                    keep_analysis(analysis, track, folder, blur_faces=blur_faces)
            except LiftformError:                          # not to be kept either: what stopped it stands
                raise stop from None
            stopped = stop
    if isinstance(stopped, KeyboardInterrupt):
        raise AnalysisKept(out_dir)
    if stopped is not None:
        missing = " and ".join((["the annotated video"] if not (out_dir / ANNOTATED_NAME).is_file() else [])
                               + (["report"] if report else []))
        raise DrawingFailed(f"the analysis in {out_dir} is kept, without {missing}: "
                            + str(stopped).replace(str(folder), str(out_dir)), out_dir)
    if report_error is not None:
        why = str(report_error).replace(str(folder), str(out_dir))
        raise OutputError(f"the analysis in {out_dir} is complete, but its report could not be written "
                          f"({why}); try again with `liftform report {out_dir}`")
    return moved_paths(paths, folder, out_dir)


def _write_folder(analysis: Analysis, track: PoseTrack, folder: Path, *, video_path: str | Path | None,
                  write_video: bool, report: bool, blur_faces: bool, progress: Callable[[int, int], None] | None,
                  ) -> tuple[dict[str, Path], Exception | None]:
    """`save_result`'s writing into the new ``folder``: (the paths written, the error that kept the report from
    being written, or None)."""
    from liftform.errors import LiftformError
    from liftform.outputs import mark_blurred, write_result_files

    report_error = None
    with contextlib.ExitStack() as stack:
        # With the annotated video, the report's stills and clips are taken from its decode of the source.
        media = _ReportMedia(analysis, track, folder, video_path, blur_faces, stack) if report and write_video \
            else None
        paths = write_result_files(analysis, track, folder, video_path=video_path, write_video=write_video,
                                   progress=progress, blur_faces=blur_faces, on_frame=media.feed if media else None)
        if media is not None:
            media.finish(paths["annotated_mp4"])
    if report:
        from liftform.report import write_report  # here: jinja2 and the report's modules, ~35 ms, only then

        try:
            paths["report_html"] = write_report(folder, blur_faces=blur_faces, video_path=video_path,
                                                annotated_blurred=blur_faces if write_video else None,
                                                media=media.images if media else None).path
        except LiftformError as exc:   # the analysis is complete: it replaces the earlier one all the same
            report_error = exc
    if report_error is None:
        mark_blurred(folder, blur_faces)
    return paths, report_error
