"""`run_live`: a webcam (or a file played as one) -> `LiveSession` -> window / recording -> the saved session.

    result = run_live(LiveConfig(camera=0, output_dir=Path("out")), on_event=print)
    result.analysis, result.out_dir, result.stats.processed_fps

One call does everything the `liftform live` command does. On quit (q, Esc, closing the window), Ctrl-C, the end of
a file, or a camera that stops sending frames, the session is analysed like `liftform analyze` output (the core on
the session's whole `PoseTrack`) and saved to ``output_dir/live-<timestamp>/``. Nothing here prints.
"""

from __future__ import annotations

import contextlib
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from liftform.analysis import Analysis, ModelInfo, SourceInfo
from liftform.core.types import RepVerdict
from liftform.cpus import usable_cpu_count
from liftform.errors import InputError, LiftformError
from liftform.exposure import dark_picture_note
from liftform.hashing import sha256_file
from liftform.interrupts import interrupts_noted, signals_deferred
from liftform.live.recorder import Recorder, check_record_path
from liftform.live.session import LiveSession
from liftform.live.sources import CameraError, CameraSource, CapturedFrame, FileCameraSource, FrameSource
from liftform.live.types import LiveEvent, LiveFrame, LiveOptions, LiveStats
from liftform.live.warm import warm_first_calls
from liftform.live.window import LiveWindow, starting_frame
from liftform.models import resolve_model
from liftform.outputs import write_outputs  # at start-up, not once the session is over: a package upgraded
from liftform.outputs.atomic import atomic_write_text, made_for
from liftform.outputs.layout import PROFILE_NAME
from liftform.outputs.privacy import RecentHeads, hide_people
from liftform.personal import LIVE_ZERO_ORIGIN
from liftform.pipeline import analyze_track  # or edited during a shift had lost the whole session
from liftform.settings import Settings
from liftform.track import PoseTrack

SLOW_FPS = 20.0          # below this processed rate the overlay says so
WAIT_S = 0.03            # the longest wait for the camera (the model wakes the loop sooner as a frame is ready)


@dataclass(frozen=True)
class LiveConfig:
    """What to watch and where to put it.

    camera: webcam number; source: a video file played as a camera instead (``paced=False``: every frame in order,
    not in real time, for tests); repeat: play the file that many times. settings: as for `liftform analyze`
    (``model`` and ``options.num_poses`` override its pose settings). window: show the OpenCV window.
    record_path: write the annotated session there (H.264 MP4). output_dir: the session is saved under it
    (None: not saved). max_s: stop after this many seconds of wall time (None: run until stopped). personal_from:
    where the settings' own values came from (`Analysis.personal_from`: a --profile's), saved with the session.
    blur_faces: hide who is in every frame shown and recorded, as `analyze --blur-faces` does (`privacy.hide_people`).
    """

    camera: int = 0
    source: Path | None = None
    paced: bool = True
    repeat: int = 1
    model: str = "full"
    model_dir: Path | None = None
    settings: Settings | None = None
    window: bool = True
    record_path: Path | None = None
    output_dir: Path | None = Path("liftform-out")
    options: LiveOptions = field(default_factory=LiveOptions)
    max_s: float | None = None
    personal_from: dict[tuple[str, str], str] = field(default_factory=dict)
    blur_faces: bool = False


@dataclass(frozen=True)
class LiveResult:
    """The end of a live session. ``stopped_by``: quit | interrupt | end_of_source | camera_lost | source_error |
    time_limit; ``error``: the one-line message when the camera was lost or the file broke off; ``live_verdicts``:
    the reps as judged during the session (``analysis.verdicts`` are the saved ones, judged on the whole session)."""

    analysis: Analysis | None
    out_dir: Path | None
    recording: Path | None
    live_verdicts: tuple[RepVerdict, ...]
    stopped_by: str
    error: str | None
    stats: LiveStats
    track: PoseTrack | None = None      # the session's raw landmarks (what poses.npz holds)


def live_defaults() -> Settings:
    """The defaults a live session starts from: the live pose model (``LiveConfig.model``: full, as `analyze`: the
    limits were set on its landmarks and masks, and it keeps 30 fps on 2 cores). A config file's model, or
    ``--model``, replaces it."""
    return replace(Settings(), pose=replace(Settings().pose, model=LiveConfig.model))


def live_settings(config: LiveConfig) -> Settings:
    """The settings a live session runs with: ``config.settings`` with the live model and number of people.

    The lifter is followed as `analyze` follows them, MediaPipe's person detector run on the crop on every frame:
    the landmarks the limits were set on. Measured when the switch was made (eleventh session), live called 48 of
    the 55 real clips right against 47 tracking between frames (47 against 43 left out source by source), and the
    full model keeps 30 fps on 2 cores (~36 frames/s alone, against ~55 tracking; `benchmarks/live.py`).
    `[pose] track_between_frames` (`liftform live --track`) trades that accuracy for speed on a slow or busy
    machine."""
    settings = config.settings or Settings()
    return replace(settings, pose=replace(settings.pose, model=config.model, num_poses=config.options.num_poses))


def live_landmarkers() -> int:
    """How many landmarkers the live loop runs frames on: two where this process may use two CPUs or more (a frame
    then starts as it arrives, beside the one before: `liftform.live.follower`), else one."""
    return 2 if usable_cpu_count() >= 2 else 1


def open_source(config: LiveConfig) -> FrameSource:
    """The started source of ``config``. Raises CameraError / InputError (one line)."""
    if config.source is not None:
        source = FileCameraSource(config.source, paced=config.paced, repeat=config.repeat)
    else:
        source = CameraSource(config.camera)
    source.start()
    return source


def run_live(config: LiveConfig, on_event: Callable[[LiveEvent], None] | None = None,
             on_frame: Callable[[LiveFrame, np.ndarray], None] | None = None) -> LiveResult:
    """Run a live session until it is stopped; returns what happened and where it was saved.

    ``on_event(event)`` is called for each `Calibrated`, `BackRounded`, `RepJudged` and `ZeroTaken` as it happens,
    ``on_frame(live_frame, rgb)`` after each frame is drawn (``rgb`` carries the overlay). Raises CameraError when
    the camera is missing or busy, DisplayError without a display for the window, ModelError, InputError for an
    unreadable file, OutputError when the session cannot be saved.
    """
    settings = live_settings(config)
    recording = () if config.record_path is None else (config.record_path.parent,)
    with made_for(config.output_dir, also=recording):      # and not left behind where the session never starts
        if config.record_path is not None:              # fail now, not after the workout
            check_record_path(config.record_path)
        window = LiveWindow() if config.window else None
        try:
            source = open_source(config)
        except BaseException:
            if window is not None:
                window.close()
            raise
        # Once the loop stops, a second Ctrl-C (pressed again while the session is closed and saved) is dropped: it
        # had cut the saving short, and the session was lost or half written.
        saving = contextlib.ExitStack()
        with saving:
            return _run_session(config, settings, source, window, saving, on_event, on_frame)


def _run_session(config: LiveConfig, settings: Settings, source: FrameSource, window: LiveWindow | None,
                 saving: contextlib.ExitStack, on_event, on_frame) -> LiveResult:
    """`run_live` once its source is open: the model, the loop, the session saved (``saving``: Ctrl-C held back)."""
    from liftform.live.follower import LifterFollower  # mediapipe is imported only when a session starts

    estimator = session = recorder = None
    warnings, recording = [], None
    try:
        if window is not None and min(source.frame_size_wh) > 0:    # not an unpainted window while the model loads
            window.show(starting_frame(source.frame_size_wh))
        # After the source: a missing camera or bad file is reported as such even where no model is in reach.
        resolved = resolve_model(settings.pose.model, model_dir=config.model_dir)
        estimator = LifterFollower(resolved.path, settings.pose, source.frame_size_wh,  # as `analyze` follows
                                   landmarkers=live_landmarkers())
        warm_first_calls()          # beside the models loading, not on the first frame
        estimator.wait_loaded()     # a camera's frames meanwhile are lost all the same; a file's start is not
        session = LiveSession(estimator, settings, source.frame_size_wh, config.options)
        recorder = Recorder(config.record_path, source.fps) if config.record_path else None
        stopped_by, error, stats = _loop(config, source, session, window, recorder, on_event, on_frame,
                                         on_stop=lambda: saving.enter_context(signals_deferred(deliver=False)))
    finally:
        source.close()
        if window is not None:
            window.close()
        if estimator is not None:
            estimator.close()
        if recorder is not None:
            try:
                recording = recorder.close()
            except LiftformError as exc:        # the session itself is still saved
                warnings.append(f"the recording could not be written: {exc}")
    warnings = [*source.warnings, *warnings]             # a file's damage, as `analyze` notes it
    for event in session.finish():
        if on_event is not None:
            on_event(event)
    if stats.frames_dropped:
        warnings.append(f"live session: {stats.frames_dropped} frame(s) dropped while the pose model was busy")
    dark = dark_picture_note(session.lifter_brightness)
    if dark:
        warnings.append(dark)
    # With the session's settings: a zero taken during it (key n) judges every rep of the saved session.
    analysis, out_dir = save_session(session, source, ModelInfo(resolved.name, resolved.sha256), session.settings,
                                     config.output_dir, warnings, config.personal_from)
    return LiveResult(analysis, out_dir, recording, tuple(session.verdicts), stopped_by, error, stats,
                      session.track())


def _loop(config: LiveConfig, source: FrameSource, session: LiveSession, window: LiveWindow | None,
          recorder: Recorder | None, on_event, on_frame,
          on_stop: Callable[[], object] = lambda: None) -> tuple[str, str | None, LiveStats]:
    """The frame loop; returns (stopped_by, error, stats). ``on_stop()`` is called as it stops, whatever stops it.

    Each frame is given to the session as it arrives (`LiveSession.expect`: with two landmarkers its model run
    starts at once, beside the frame before's if that one is still in the model), then processed and drawn, in
    order, when its pose is ready, or at once when as many frames as the model runs at a time are waiting. A source
    that is not paced (a file played as fast as it is read) is given one frame at a time: a machine that keeps up."""
    stats = _Stats()
    stopped_by, error = "end_of_source", None
    in_model: deque[CapturedFrame] = deque()
    depth = session.frames_in_model if source.paced else 1
    heads = RecentHeads() if config.blur_faces else None     # with --blur-faces: the lifter's recent faces
    session.call_when_ready(source.wake)      # a frame ready in the model ends the wait for the camera
    t_start = time.perf_counter()
    noting = contextlib.ExitStack()
    interrupted = noting.enter_context(interrupts_noted())    # a Ctrl-C whose raise was lost stops it too
    try:
        while True:
            if interrupted():
                stopped_by = "interrupt"
                break
            if config.max_s is not None and time.perf_counter() - t_start >= config.max_s:
                stopped_by = "time_limit"
                break
            action = None
            if in_model and (len(in_model) >= depth or session.ready(in_model[0])):
                action = _show(in_model.popleft(), session, window, recorder, on_event, on_frame, stats, heads)
            else:
                frame = source.read(timeout_s=WAIT_S)
                if frame is not None:
                    session.expect(frame)
                    in_model.append(frame)
                elif source.ended:
                    if not in_model:
                        break
                    action = _show(in_model.popleft(), session, window, recorder, on_event, on_frame, stats, heads)
                elif window is not None and not in_model:     # (each frame shown handles the keys too)
                    action = window.poll()
            if action == "quit":
                stopped_by = "quit"
                break
            if action is not None:
                _act(action, session, on_event)
    except KeyboardInterrupt:
        stopped_by = "interrupt"
    except InputError as exc:                  # the camera unplugged, or a file that breaks off mid-way
        stopped_by, error = ("camera_lost" if isinstance(exc, CameraError) else "source_error"), str(exc)
    finally:
        noting.close()      # the handlers back before ``on_stop`` holds the signals back
        on_stop()
    return stopped_by, error, stats.done(source.frames_dropped, time.perf_counter() - t_start)


def _act(action: str | None, session: LiveSession, on_event) -> None:
    """Do what a key pressed in the window asks (but quit): c, r, n."""
    if action == "calibrate":
        session.recalibrate()
    elif action == "reset":
        session.reset_count()
    elif action == "neutral":
        for event in session.take_zero():
            if on_event is not None:
                on_event(event)


@dataclass
class _Stats:
    """The loop's figures as they are gathered (see `LiveStats`)."""

    latency: list[float] = field(default_factory=list)
    pose: list[float] = field(default_factory=list)
    overhead: list[float] = field(default_factory=list)
    overhead_cpu: list[float] = field(default_factory=list)
    fps: float = 0.0
    last_done: float | None = None

    def add(self, frame: CapturedFrame, live: LiveFrame, t_draw: float, cpu_draw: float) -> None:
        t_done, cpu_done = time.perf_counter(), time.thread_time()
        self.latency.append(1e3 * (t_done - frame.captured_at_s))
        self.pose.append(live.pose_ms)
        self.overhead.append(live.process_ms - live.pose_ms + 1e3 * (t_done - t_draw))
        self.overhead_cpu.append(live.overhead_cpu_ms + 1e3 * (cpu_done - cpu_draw))
        if self.last_done is not None and t_done > self.last_done:
            rate = 1.0 / (t_done - self.last_done)
            self.fps = 0.9 * self.fps + 0.1 * rate if self.fps else rate
        self.last_done = t_done

    def done(self, dropped: int, wall_s: float) -> LiveStats:
        return LiveStats(len(self.pose), dropped, wall_s, np.array(self.latency), np.array(self.pose),
                         np.array(self.overhead), np.array(self.overhead_cpu))


def _show(frame: CapturedFrame, session: LiveSession, window: LiveWindow | None, recorder: Recorder | None,
          on_event, on_frame, stats: _Stats, heads: RecentHeads | None = None) -> str | None:
    """Process and draw one frame, pass on its events, record and show it (with ``heads``, blurred: `hide_people`,
    also the lifter's faces of the frames just before); returns the window's key action."""
    live = session.process(frame)
    t_draw, cpu_draw = time.perf_counter(), time.thread_time()
    if heads is not None:     # before the overlay: the skeleton and panel stay sharp over the blur
        hide_people(frame.rgb, live.pose_xy, live.pose_outline_xy, heads.add(live.timestamp_s, live.pose_xy))
    fps = stats.fps
    session.draw(frame.rgb, live, lines=(f"slow: {fps:.0f} fps",) if 0 < fps < SLOW_FPS else ())
    stats.add(frame, live, t_draw, cpu_draw)
    for event in live.events:
        if on_event is not None:
            on_event(event)
    if recorder is not None:
        recorder.write(frame.rgb, live.timestamp_s)
    if on_frame is not None:
        on_frame(live, frame.rgb)
    return window.show(frame.rgb) if window is not None else None


def save_session(session: LiveSession, source: FrameSource, model: ModelInfo, settings: Settings,
                 out_root: Path | None, warnings: list[str],
                 personal_from: dict[tuple[str, str], str] | None = None) -> tuple[Analysis | None, Path | None]:
    """Analyse the session's whole track with the core (as `liftform analyze` would) and, with ``out_root``,
    write ``out_root/live-<timestamp>/`` (result.json, CSVs, poses.npz). (None, None) when fewer than two frames
    were processed (no motion to judge). ``personal_from``: where the settings' own values came from (a zero taken
    with key n is said so)."""
    track = session.track()
    if track is None or len(track) < 2:
        return None, None
    t, is_file = track.timestamps_s, isinstance(source, FileCameraSource)
    # ``frames``: the source's frames up to the last one processed, which the reps' frame numbers count (not how
    # many were processed: a report of a session that dropped frames cut no clip of the reps past that number)
    info = SourceInfo(path=source.description, sha256=sha256_file(source.path) if is_file else "",
                      fps=float(source.fps), frames=int(track.frame_index[-1]) + 1, width=track.frame_size_wh[0],
                      height=track.frame_size_wh[1], duration_s=float(t[-1] - t[0] + 1.0 / source.fps))
    analysis = analyze_track(track, info, model, settings, warnings)
    zero = {("spine", "neutral_bend_deg"): LIVE_ZERO_ORIGIN} if session.zero_taken else {}
    analysis = replace(analysis, personal_from={**(personal_from or {}), **zero})
    if out_root is None:
        return analysis, None
    out_dir = _new_session_dir(Path(out_root))
    # No annotated video and no report: both are drawn from the source video, which a camera session does not keep.
    write_outputs(analysis, track, out_dir, write_video=False)
    if session.zero_taken:                  # kept for the lifter's next sessions (``--profile``)
        atomic_write_text(out_dir / PROFILE_NAME, live_profile_toml(settings, out_dir))
    return analysis, out_dir


def live_profile_toml(settings: Settings, session_dir: Path) -> str:
    """The personal profile of a session whose zero was taken from a rep checked flat (key n): that zero, and what
    the session's own profile held (range of flexion, screened hinge depth); it names the session (``session_dir``)
    it was read in."""
    from liftform.screening import personal_profile_toml, profile_about

    depth = settings.advice.screen_hinge_depth_deg
    return personal_profile_toml("# Personal profile from `liftform live`: the zero of a rep checked flat (key n); "
                                 "pass it to analyze, score or live with --profile.\n",
                                 profile_about(f"the live session {session_dir.absolute()}"),
                                 neutral_bend_deg=settings.spine.neutral_bend_deg,
                                 max_flexion_deg=settings.spine.personal_max_flexion_deg,
                                 hinge_depth_deg=depth if depth > 0 else None)


def _new_session_dir(out_root: Path) -> Path:
    """``out_root/live-YYYYmmdd-HHMMSS`` (with -2, -3... if taken)."""
    stem = time.strftime("live-%Y%m%d-%H%M%S")
    out_dir, n = out_root / stem, 1
    while out_dir.exists():
        n += 1
        out_dir = out_root / f"{stem}-{n}"
    return out_dir
