"""The per-frame loop of the live view: pose -> one-euro filters -> the core's angles -> state -> overlay.

Per frame, only cheap work on one frame's arrays: `core.kinematics.frame_angles` and `depth_signal` on T = 1, the
rounded-back flag through `core.flags.flag_rounded_frames`. Once per finished rep, the core's whole path
(`compute_kinematics`, `segment_reps`, `judge_reps`) runs on the buffered raw frames since the previous rep, exactly
as `liftform analyze` would. Nothing here prints; what happened is returned as events.

Upright calibration (the first ~1 s of upright, well-framed frames, and again on ``c``) measures from the standing
posture (`live.posture`) which way the lifter faces (which side of the silhouette is the back; then followed frame
by frame), the body side nearer the camera, and the standing shoulder height (the zero of the depth signal that
tells a rep has ended); until then they are estimated from the recent frames. Spine flexion is measured against
``settings.spine.neutral_bend_deg``, as `liftform analyze` measures it, not against the upright contour (it varies
by tens of degrees between people). About once a second the lifter's light is measured (`liftform.exposure`): in a
dark picture the lifter is asked for more light where no other prompt is due, and the saved session says so.

    session = LiveSession(estimator, settings, frame_size_wh)
    live_frame = session.process(frame)          # a `LiveFrame`: state, angles, prompt, events, timings
    session.draw(frame.rgb, live_frame)          # the overlay, in place
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

import numpy as np

from liftform.core.advice import rep_advice, rep_cue
from liftform.core.bend_parts import merged_bend
from liftform.core.flags import head_flagged, past_limit_unjudged, shown_spine_flexion_deg
from liftform.core.kinematics import depth_signal, frame_angles
from liftform.core.oneeuro import OneEuroFilter
from liftform.core.plausibility import bent_into_fold, trunk_from_up_deg, upside_down_parts
from liftform.core.rep_metrics import SWING_AFTER_S
from liftform.core.reps import SAME_BEND_GAP_S, bend_may_go_on, bend_numbers
from liftform.core.run import run_core
from liftform.core.silhouette import dorsal_edge_xy
from liftform.core.types import FrameAngles, Rep, RepVerdict
from liftform.core.vocabulary import JERKY_LIFT, BackState, back_state, tone_of, words_of
from liftform.exposure import brightness_in_box, is_dark, luma_thumbnail, median_brightness, picture_brightness
from liftform.live.buffer import TrackBuffer
from liftform.live.own_zero import zero_from_last_rep
from liftform.live.posture import Posture
from liftform.live.sources import CapturedFrame
from liftform.live.state import (
    MAX_LEAN_BACK_DEG,
    PROMPT_DARK,
    PROMPT_FROM_ABOVE,
    PROMPT_FROM_BEHIND,
    PROMPT_NOBODY,
    PROMPT_STEP_BACK,
    Debounced,
    RepWatcher,
    RoundedFlag,
    framing_problem,
)
from liftform.live.types import BackRounded, LiveEvent, LiveFrame, LiveOptions, RepJudged
from liftform.outputs.overlay import PROMPT_RGB, TEXT_RGB, draw_overlay
from liftform.pose import FramePose
from liftform.settings import Settings
from liftform.track import BACK_PROFILE_STATIONS, N_LANDMARKS, trunk_midpoints

PROMPT_CALIBRATING = "Stand upright, side-on: calibrating"
WORLD_M_PER_FRAME_HEIGHT = 2.0      # scale of world metres against image frame heights, for one filter setting
MIN_JUDGE_FRAMES = 10
# The last rep's verdict and cue leave the panel once nobody has been in view this long (s): at a training station a
# trainee's "ROUNDED BACK" stayed over minutes of an empty room and greeted the next one (the count stays: key r).
LAST_REP_SHOWN_GONE_S = 10.0


class LiveSession:
    """The live analysis of one stream of frames.

    Args:
        estimator: ``estimator(rgb, timestamp_s) -> FramePose | None`` (a `liftform.live.follower.LifterFollower`;
            with ``expect(rgb, timestamp_s)``, ``ready(timestamp_s)`` and ``landmarkers`` it may run frames given
            ahead).
        settings: the same settings `liftform analyze` takes (thresholds, neutral bend, profile).
        frame_size_wh: size of the frames, pixels.
        options: live-only behaviour (filters, calibration, prompts).
    """

    def __init__(self, estimator: Callable[[np.ndarray, float], FramePose | None], settings: Settings,
                 frame_size_wh: tuple[int, int], options: LiveOptions = LiveOptions()) -> None:
        self.estimator, self.settings, self.options = estimator, settings, options
        self.frame_size_wh = (int(frame_size_wh[0]), int(frame_size_wh[1]))
        self.buffer = TrackBuffer(self.frame_size_wh)
        height_px, o = float(self.frame_size_wh[1]) or 1.0, options
        # One filter for all channels of a frame (one call per frame): landmark and back-profile pixels, world
        # metres, each channel's beta in its own unit.
        k = len(BACK_PROFILE_STATIONS)
        self._xy_end, self._world_end = N_LANDMARKS * 2, N_LANDMARKS * 5      # channel layout: xy | world | profile
        beta = np.concatenate([np.full(N_LANDMARKS * 2, o.one_euro_beta / height_px),
                               np.full(N_LANDMARKS * 3, o.one_euro_beta * WORLD_M_PER_FRAME_HEIGHT),
                               np.full(k * 2, o.one_euro_beta / height_px)])
        self._filter = OneEuroFilter(o.one_euro_min_cutoff_hz, beta, o.one_euro_d_cutoff_hz)
        self._flag = RoundedFlag(settings.verdict)
        self._watcher = RepWatcher(settings.reps)
        self._prompt = Debounced(o.prompt_hold_s, initial=None)
        self.verdicts: list[RepVerdict] = []
        self.rep_count = 0
        self._judged_until, self._bends = 0, 0    # buffer position of the last judged rep's end; bends judged
        self._rejudge_until_s, self._next_rejudge_s = None, 0.0     # judge again until, and next at (s)
        self._banner: tuple[str, float, str | None] | None = None   # words, until when, the rep's verdict
        self._last_cue: str | None = None
        self._rounded_since_s, self._cued = None, False   # since when the back reads rounded; told so this rep
        self._last_kept: tuple[np.ndarray, float] | None = None   # the last pose taken for the lifter, and its time
        self._brightness: list[float] = []   # the lifter's light, measured now and then (`liftform.exposure`)
        self.zero_taken = False             # `take_zero` replaced ``settings.spine.neutral_bend_deg``
        self.posture = Posture(self.buffer, options)   # facing, near side, standing height, the camera's view
        self.recalibrate()

    # -- controls -------------------------------------------------------------------------------------------------
    def recalibrate(self) -> None:
        """Measure the upright posture again (key ``c``): facing, near side and standing height. Until then they
        are estimated from the recent frames."""
        self.posture.reset()
        self._rounded_since_s = None
        self._flag.reset()
        self._watcher.reset()

    def reset_count(self) -> None:
        """Start the on-screen rep count again (key ``r``); every rep stays in ``verdicts`` and the saved session."""
        self.rep_count = 0
        self._banner = None

    def take_zero(self) -> list[LiveEvent]:
        """Key ``n``: someone who knows the lifter's back (a coach beside them) checked the last rep flat; the next
        reps, and the saved session, are judged from the zero read from it (`own_zero.zero_from_last_rep`). Returns
        one `ZeroTaken`."""
        ts = float(self.buffer.timestamps_s[len(self.buffer) - 1]) if len(self.buffer) else 0.0
        settings, event = zero_from_last_rep(self.verdicts, self.buffer, self.settings, ts)
        if settings is not None:
            self.settings, self.zero_taken = settings, True
        self._banner = (event.words, ts + self.options.banner_s, None)
        return [event]

    def finish(self) -> list[LiveEvent]:
        """At the end of the stream: judge a rep that ended too close to the end for the watcher to fire."""
        if not len(self.buffer):
            return []
        pos, ts = len(self.buffer) - 1, float(self.buffer.timestamps_s[len(self.buffer) - 1])
        self._rejudge_until_s = ts
        return self._judge(pos, ts, final=True)

    @property
    def lifter_brightness(self) -> float:
        """The median of the lifter's brightness measured so far (`liftform.exposure`, 0-255), NaN before any."""
        return median_brightness(self._brightness)

    def track(self):
        """The session so far as a `PoseTrack` (raw model output; None before the first frame)."""
        return self.buffer.track() if len(self.buffer) else None

    # -- the per-frame path ---------------------------------------------------------------------------------------
    @property
    def frames_in_model(self) -> int:
        """Frames the estimator runs at once (its ``landmarkers``, else 1): the loop gives as many ahead (`expect`)."""
        return int(getattr(self.estimator, "landmarkers", 1))

    def expect(self, frame: CapturedFrame) -> None:
        """``frame`` will be processed after those expected before it: the estimator may start it now."""
        start = getattr(self.estimator, "expect", None)
        if start is not None:
            start(frame.rgb, frame.timestamp_s)

    def ready(self, frame: CapturedFrame) -> bool:
        """Whether `process` of an expected ``frame`` would not wait for the model."""
        is_ready = getattr(self.estimator, "ready", None)
        return True if is_ready is None else bool(is_ready(frame.timestamp_s))

    def call_when_ready(self, callback: Callable[[], None]) -> None:
        """Have ``callback`` called, from another thread, whenever an expected frame becomes `ready` (offered by an
        estimator that runs frames given ahead; else the loop takes a frame as the camera's next one arrives)."""
        register = getattr(self.estimator, "call_when_ready", None)
        if register is not None:
            register(callback)

    def process(self, frame: CapturedFrame) -> LiveFrame:
        """Run the pose model on ``frame`` and update the state; returns what to draw and what happened."""
        t_start = time.perf_counter()
        pose = self.estimator(frame.rgb, frame.timestamp_s)
        t_pose, cpu_pose = time.perf_counter(), time.thread_time()
        if pose is not None and self._not_the_lifter(pose.image_xy, frame.timestamp_s):    # no pose, as in analyze
            pose = None
        ts = frame.timestamp_s
        if len(self.buffer) and ts <= self.buffer.timestamps_s[len(self.buffer) - 1]:
            ts = float(np.nextafter(self.buffer.timestamps_s[len(self.buffer) - 1], np.inf))
        pos = self.buffer.append(frame.index, ts, pose)
        posture, events = self.posture, []
        nan = float("nan")
        angles = {"trunk": nan, "hip": nan, "knee": nan, "spine": nan}
        state, landmarks, visibility, edge = "unknown", None, None, None
        if pose is None:
            self._filter.reset()
            problem = framing_problem(None, nan, self.frame_size_wh, self.options.side_on_max_yaw_deg)
            self._rounded_since_s = None
        else:
            filtered = self._filter(np.concatenate([pose.image_xy.ravel(), pose.world_xyz.ravel(),
                                                    pose.back_profile_px.ravel()]), ts)
            landmarks = filtered[:self._xy_end].reshape(N_LANDMARKS, 2)
            world = filtered[self._xy_end:self._world_end].reshape(N_LANDMARKS, 3)
            profile, visibility = filtered[self._world_end:].reshape(-1, 2), pose.visibility
            posture.follow(pose.image_xy, pos, ts)      # a lifter who turned round: followed within a few frames
            if ts >= posture.next_refresh_s:       # about once a second: the lifter's light too (~0.1 ms)
                self._brightness.append(brightness_in_box(luma_thumbnail(frame.rgb), landmarks))
                posture.refresh(pos, ts, self.settings.spine)
            a = frame_angles(landmarks[None], world[None], visibility[None], profile[None], posture.facing,
                             posture.side, self.settings.spine, stance=False)
            trunk = float(a.trunk_inclination_deg[0])
            problem = framing_problem(landmarks, float(a.view_yaw_deg[0]), self.frame_size_wh,
                                      self.options.side_on_max_yaw_deg)
            if not posture.calibrated:
                events += posture.calibrate(pos, ts, trunk, problem)
            if problem is None and posture.from_behind:
                problem = PROMPT_FROM_BEHIND
            if problem is None and posture.from_above:
                problem = PROMPT_FROM_ABOVE
            angles.update(trunk=trunk, hip=float(a.hip_flexion_deg[0]), knee=float(a.knee_flexion_deg[0]))
            if posture.facing and not trunk < -MAX_LEAN_BACK_DEG:     # leaning back so far: read on the chest side
                state, spine = self._back_state(a, ts, events)
                angles["spine"] = float(shown_spine_flexion_deg(spine, trunk, angles["hip"], self.settings.verdict))
                neck = float(a.neck_flexion_deg[0])
                if head_flagged(state == "rounded", neck, self.settings.verdict.head_hanging_neck_deg):
                    angles["head"] = neck      # the head flagged the back: named, as in the annotated video
                edge = self._edge(landmarks, profile)
            depth = float(depth_signal(landmarks[None], posture.standing_px)[0])
            if self._watcher.update(depth, ts):
                self._rejudge_until_s, self._next_rejudge_s = ts + self.options.rejudge_s, ts
        if self._rejudge_until_s is not None and ts >= self._next_rejudge_s:
            events += self._judge(pos, ts)
        prompt, prompt_verdict = self._prompt_text(self._in_the_dark(problem, frame.rgb), ts)
        t_end, cpu_end = time.perf_counter(), time.thread_time()
        last = self.verdicts and self.rep_count and ts - self._last_kept[1] < LAST_REP_SHOWN_GONE_S
        return LiveFrame(frame.index, ts, landmarks, visibility, edge, state, angles, prompt, self.rep_count,
                         self.verdicts[-1].verdict if last else None, posture.calibrated,
                         tuple(events), 1e3 * (t_pose - t_start), 1e3 * (t_end - t_start),
                         1e3 * (cpu_end - cpu_pose), self._last_cue if last else None,
                         None if pose is None else pose.image_xy, None if pose is None else pose.back_profile_px,
                         prompt_verdict)

    def draw(self, image: np.ndarray, live: LiveFrame, lines: tuple[str, ...] = ()) -> np.ndarray:
        """Draw ``live`` on ``image`` (H, W, 3) uint8 RGB in place: skeleton, back by state, the headline
        (`headline`), and the panel: spine flexion, rep count, last verdict and its cue, extra ``lines``. Cheaper
        than the annotated video's: fewer panel lines (each ~10 us; the lifter only glances at it mid-lift), lines
        without anti-aliasing (~90 us less a frame at 640x480)."""
        angles = {key: live.angles_deg[key] for key in ("spine", "head") if key in live.angles_deg}
        # While the headline announces the rep just judged, its verdict and cue are not repeated in the panel.
        announced = _announces_rep(live)
        lines = (*lines, live.last_advice) if live.last_advice and not announced else lines
        return draw_overlay(image, live.landmarks_xy, live.visibility, live.back_edge_xy, live.state, angles_deg=angles,
                            lines=lines, rep_count=live.rep_count, antialias=False, headline=headline(live),
                            last_rep_verdict=None if announced else live.last_verdict)

    # -- pieces ---------------------------------------------------------------------------------------------------
    def _back_state(self, a: FrameAngles, ts: float, events: list) -> tuple[str, float]:
        """(state, spine flexion in degrees) of this frame; adds a BackRounded event when the rounding lasts."""
        baseline = self.settings.spine.neutral_bend_deg
        spine = float(a.contour_bend_deg[0]) - baseline
        confidence = float(a.spine_flexion_confidence[0])
        rounded = self._flag.update(spine, confidence, float(a.trunk_inclination_deg[0]), float(a.hip_flexion_deg[0]),
                                    float(a.neck_flexion_deg[0]))
        if rounded:
            self._rounded_since_s = ts if self._rounded_since_s is None else self._rounded_since_s
            if not self._cued and ts - self._rounded_since_s >= self.settings.verdict.min_rounded_s:
                self._cued = True
                events.append(BackRounded(ts, spine))
        else:
            self._rounded_since_s = None
            if not self._watcher.in_rep:
                self._cued = False
        verdict = self.settings.verdict
        # Asked only where it could turn a "neutral" (~20 us).
        unjudged = (not rounded and confidence >= verdict.min_confidence
                    and bool(past_limit_unjudged(spine, float(a.neck_flexion_deg[0]), float(a.trunk_inclination_deg[0]),
                                                 float(a.hip_flexion_deg[0]), verdict)))
        return back_state(rounded, confidence, verdict.min_confidence, past_limit_unjudged=unjudged), spine

    def _not_the_lifter(self, image_xy: np.ndarray, ts: float) -> bool:
        """Whether the pose (33, 2) px is the model's mistake (`plausibility.upside_down_parts`), but for a trunk folded
        past the fold line that the last pose kept shows bending into it (`plausibility.bent_into_fold`; `analyze`
        also sees it come back out, `folded_by_bending`, which live cannot wait for)."""
        head_or_hips_down, folded = upside_down_parts(image_xy[None])
        if head_or_hips_down[0] or (folded[0] and not (
                self._last_kept is not None and bent_into_fold(float(trunk_from_up_deg(self._last_kept[0][None])[0]),
                                                               ts - self._last_kept[1]))):
            return True
        self._last_kept = (image_xy, ts)
        return False

    def _edge(self, landmarks: np.ndarray, profile: np.ndarray) -> np.ndarray:
        shoulder_mid, hip_mid = trunk_midpoints(landmarks)
        return dorsal_edge_xy(shoulder_mid[None], hip_mid[None], profile[None], self.posture.facing)[0]

    def _judge(self, pos: int, ts: float, final: bool = False) -> list[LiveEvent]:
        """The core on the frames since the last judged rep: every new complete rep (``final``: also one cut by the
        end of the stream), judged."""
        s = self.settings
        self._next_rejudge_s = ts + 0.25
        start = max(self._judged_until, self.buffer.since(self.options.judge_window_s))
        window = self.buffer.track(start, pos + 1)
        last = len(window) - 1

        def new_reps(found: list[Rep]) -> list[Rep]:
            # A rep cut by the window's start is an artefact, unless the window starts the session (then it is cut
            # by the stream, and `analyze` keeps it too); one cut by the end is still going on, unless ``final``.
            # One whose bottom is the window's first frame is the way up of the rep before, also at the end (a dim
            # session's last window had told a rep's tail as one rep more; one begun as the one before ended, its
            # bottom later, is kept there). One ending where the pose was lost waits, judged again, while it may go on.
            posed, times = window.has_pose, window.timestamps_s
            waits = set() if final else {k for k in range(len(found)) if bend_may_go_on(found, k, posed, times)}
            if waits:
                self._rejudge_until_s = max(self._rejudge_until_s or ts, ts + SAME_BEND_GAP_S)
            return [r for k, r in enumerate(found) if start + r.end > self._judged_until and k not in waits
                    and not (start > 0 and r.bottom == 0) and (r.complete or final or (start == 0 and r.end < last))]

        # Which descents lower a load counts bends from the session's first, as `analyze` from the clip's.
        judged = lambda bends: run_core(window, s, keep_reps=new_reps, reps_before=bends).verdicts  # noqa: E731
        verdicts = judged(self._bends) if len(window) >= MIN_JUDGE_FRAMES else ()
        bends = bend_numbers([replace(v.rep, start=start + v.rep.start, end=start + v.rep.end) for v in verdicts],
                             self.buffer.posed(pos + 1), self.buffer.timestamps_s[:pos + 1], self._bends,
                             self.verdicts[-1].rep if self.verdicts else None)
        goes_on = bool(bends) and bends[0] < self._bends   # the bend judged last goes on, a gap in the pose between
        if goes_on:
            verdicts = judged(self._bends - 1)
        if not verdicts:
            if ts >= self._rejudge_until_s:
                self._rejudge_until_s = None
            return []
        # A quick rise may be a kettlebell swing, whose bell floats up past the shoulders after the hips lock: a rep
        # that would be called jerky waits until that is seen (`rep_metrics.SWING_AFTER_S`); every other is told now.
        swing_seen_s = max(v.rep.end_s for v in verdicts) + SWING_AFTER_S
        if not final and ts < swing_seen_s and any(JERKY_LIFT in v.faults for v in verdicts):
            self._next_rejudge_s = swing_seen_s
            self._rejudge_until_s = max(self._rejudge_until_s, swing_seen_s)
            return []
        self._rejudge_until_s = None
        events: list[LiveEvent] = []
        shift = lambda i: start + i if i >= 0 else i  # noqa: E731  (window -> session frames; -1, none, stays)
        for k, v in enumerate(verdicts):      # a bend judged last that goes on is told again, as one rep with this
            parts = [self.verdicts.pop()] if k == 0 and goes_on else []
            rep = replace(v.rep, index=len(self.verdicts), start=start + v.rep.start, bottom=start + v.rep.bottom,
                          end=start + v.rep.end, liftoff=shift(v.rep.liftoff), touchdown=shift(v.rep.touchdown))
            self.verdicts.append(verdict := merged_bend([*parts, replace(v, rep=rep)]))
            self.rep_count += 0 if parts else 1
            events.append(RepJudged(ts, verdict, self.rep_count, rep_advice(verdict, s.advice)))
        self._judged_until, self._bends = self.verdicts[-1].rep.end, bends[-1] + 1
        self._last_cue = rep_cue(self.verdicts[-1], s.advice)
        verdict = self.verdicts[-1].verdict
        self._banner = (f"Rep {self.rep_count}: {words_of(verdict)}", ts + self.options.banner_s, verdict)
        return events

    def _in_the_dark(self, problem: str | None, rgb: np.ndarray) -> str | None:
        """``problem``, or the dark picture that caused it: in the dark the model misses the lifter's parts, or the
        whole lifter, and "step into view" or "step back" would send a lifter who stands in full view away. Nobody
        found, the whole picture's light is measured (~1 ms, only then); a body cut, the lifter's last measured."""
        if problem == PROMPT_NOBODY:
            dark = is_dark(picture_brightness(luma_thumbnail(rgb)))
        else:
            dark = problem == PROMPT_STEP_BACK and bool(self._brightness) and is_dark(self._brightness[-1])
        return PROMPT_DARK if dark else problem

    def _prompt_text(self, problem: str | None, ts: float) -> tuple[str | None, str | None]:
        """(the prompt, the verdict of the rep it announces or None)."""
        problem = self._prompt.update(problem, ts)
        if self._banner is not None and (ts >= self._banner[1] or self._watcher.in_rep and self._banner[2]):
            self._banner = None                   # shown for banner_s, a rep's until the next rep starts
        # The rep just judged first, for its banner's time: a lasting "Step back" had hidden every rep's verdict
        if self._banner is not None:
            return self._banner[0], self._banner[2]
        if problem:
            return problem, None
        if self._brightness and is_dark(self._brightness[-1]):     # light first: in the dark calibration may not come
            return PROMPT_DARK, None
        return None if self.posture.calibrated else PROMPT_CALIBRATING, None


def headline(live: LiveFrame) -> list[tuple[str, tuple[int, int, int]]]:
    """The (text, RGB colour) lines of the one thing the lifter reads from where they lift, in the headline's large
    type (`overlay.draw_headline`): a back rounding now; else a prompt, a rep just judged (its verdict in its colour,
    then its cue); else the back's state."""
    back = BackState.of(live.state)
    if _announces_rep(live):
        cue = [(live.last_advice, TEXT_RGB)] if live.last_advice else []
        return [(live.prompt, tone_of(live.prompt_verdict).text_rgb), *cue]
    if live.prompt and back is not BackState.ROUNDED:
        return [(live.prompt, PROMPT_RGB)]
    return [(back.words, back.tone.text_rgb)]


def _announces_rep(live: LiveFrame) -> bool:
    """The headline says the rep just judged (its banner, unless the back rounds now)."""
    return bool(live.prompt) and live.prompt_verdict is not None and BackState.of(live.state) is not BackState.ROUNDED
