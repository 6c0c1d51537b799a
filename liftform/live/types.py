"""The live path's types: its options, the events it reports, and what one processed frame produced."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from liftform.core.silhouette import trunk_outline_xy
from liftform.core.types import RepVerdict
from liftform.track import trunk_midpoints


@dataclass(frozen=True)
class LiveOptions:
    """How the live path filters, calibrates and prompts (the verdict thresholds stay in `Settings`)."""

    num_poses: int = 1                  # the lifter is the one in front of the webcam; 2 doubles the model's time
    # Landmark filter. At rest: lower = steadier, laggier when motion starts. Beta, in Hz per (frame height / s):
    # how fast the cutoff opens with speed. Tuned on rendered and real clips: the flag flickers no more than the
    # offline (zero-phase) one and follows it within a frame.
    one_euro_min_cutoff_hz: float = 3.0
    one_euro_beta: float = 30.0
    one_euro_d_cutoff_hz: float = 1.0
    calibration_s: float = 1.0          # upright, framed frames needed to calibrate (within calibration_span_s)
    calibration_span_s: float = 3.0
    upright_max_trunk_deg: float = 20.0  # a frame leaning less than this counts as standing upright
    side_on_max_yaw_deg: float = 45.0   # beyond this camera yaw the prompt asks to turn side-on
    prompt_hold_s: float = 0.3          # a prompt appears (and goes) only after this long
    refresh_s: float = 1.0              # how often near side, the view and standing height are re-measured ...
    facing_window_s: float = 3.0        # ... over this long (the facing too before calibration)
    turn_window_s: float = 0.25         # the lifter turned round once most frames of this long read so
    standing_window_s: float = 10.0
    judge_window_s: float = 30.0        # the longest stretch of frames the core judges at the end of a rep
    rejudge_s: float = 1.5              # if the core does not see the rep complete yet, retry for this long
    banner_s: float = 3.0               # how long a rep's verdict stays on screen (less if the next rep starts)


@dataclass(frozen=True)
class Calibrated:
    """The upright posture was measured: standing shoulder height (px), facing (+1 image-right), near side."""

    timestamp_s: float
    standing_height_px: float
    facing_sign: int
    side: str


@dataclass(frozen=True)
class BackRounded:
    """The back has stayed rounded for ``VerdictSettings.min_rounded_s`` (once per rep): the moment to warn."""

    timestamp_s: float
    spine_flexion_deg: float


@dataclass(frozen=True)
class RepJudged:
    """A rep ended and the core judged it. ``count``: reps on screen (reset by `LiveSession.reset_count`);
    ``verdict.rep`` indexes the session's frames (the saved `PoseTrack`); ``advice``: `core.advice.rep_advice` under
    the session's settings at that time (a zero taken with key n sets a screen's numbers aside)."""

    timestamp_s: float
    verdict: RepVerdict
    count: int
    advice: str = ""


@dataclass(frozen=True)
class ZeroTaken:
    """Key ``n``: someone who knows the lifter's back checked the last rep flat, and the lifter's own zero was read
    from it (`LiveSession.take_zero`): ``neutral_bend_deg``, the raw contour bend taken as neutral from now on, or
    ``refused``, why none was taken (the zero stays as it was)."""

    timestamp_s: float
    neutral_bend_deg: float
    refused: str | None = None
    # The session's profile held a screened hinge depth or range of flexion: read from another zero, they no longer
    # hold and are set aside (the advice stops quoting them, the saved profile leaves them out)
    screen_set_aside: bool = False
    reads_rounded: bool = False     # the zero reads as most people's rounded backs do (`personal.zero_reads_rounded`)

    @property
    def words(self) -> str:
        """The event in a few words, for the screen: a refusal's reason is the terminal's (said in full there, it
        had been shrunk to fit the headline, ~9 px high in a 640x480 window)."""
        if self.refused:
            refusal, _, reason = self.refused.partition(": ")
            return f"{refusal}: why in the terminal" if reason else refusal
        if self.reads_rounded:      # a rounded rep taken as flat hides rounding from then on: said where it is seen
            return f"Your zero: {self.neutral_bend_deg:.0f}°, a rounded back for most people: sure it was flat?"
        return f"Your zero: {self.neutral_bend_deg:.0f}° from the last rep (checked flat)"


LiveEvent = Calibrated | BackRounded | RepJudged | ZeroTaken


@dataclass(frozen=True)
class LiveFrame:
    """What one processed frame produced. Arrays in source pixels; timings in milliseconds.

    landmarks_xy: (33, 2) filtered landmarks or None; visibility (33,) or None; back_edge_xy (K, 2) or None.
    state: "neutral" | "rounded" | "unknown"; angles_deg: trunk, hip, knee, spine (NaN when unknown), and
    head (neck flexion) only in frames the head hanging flagged as rounded.
    pose_ms: the pose model's call; process_ms: the whole of `process` (pose included), wall clock;
    overhead_cpu_ms: CPU time of this thread in `process` outside the pose call (what the per-frame path costs,
    whatever else the machine is doing). pose_xy: (33, 2) the model's landmarks of this frame, unfiltered, or None:
    where `--blur-faces` puts the blur (the filtered ones lag a moving head: its top was recorded sharp);
    pose_profile_px: (K, 2) the back profile of the same model run (`PoseTrack.back_profile_px`), or None.
    prompt: a prompt (step into view, calibrating, ...), a rep's verdict just judged ("Rep 2: ROUNDED BACK") or a
    zero taken, for a few seconds; None.
    """

    index: int
    timestamp_s: float
    landmarks_xy: np.ndarray | None
    visibility: np.ndarray | None
    back_edge_xy: np.ndarray | None
    state: str
    angles_deg: dict[str, float]
    prompt: str | None
    rep_count: int
    last_verdict: str | None
    calibrated: bool
    events: tuple[LiveEvent, ...] = field(default=())
    pose_ms: float = 0.0
    process_ms: float = 0.0
    overhead_cpu_ms: float = 0.0
    last_advice: str | None = None      # the last rep's advice in a few words (``core.advice.ADVICE_CUES``)
    pose_xy: np.ndarray | None = None
    pose_profile_px: np.ndarray | None = None
    prompt_verdict: str | None = None   # the verdict of the rep ``prompt`` announces (drawn in its colour), else None

    @property
    def pose_outline_xy(self) -> np.ndarray | None:
        """(2K, 2) px: the trunk's outline in this frame's model run (`core.silhouette.trunk_outline_xy`), or None:
        what `--blur-faces` keeps sharp of the trunk, with the back's edge."""
        if self.pose_xy is None or self.pose_profile_px is None:
            return None
        return trunk_outline_xy(*trunk_midpoints(self.pose_xy), self.pose_profile_px)


BEHIND_DROPPED_SHARE = 0.25   # a session that dropped more of its frames than this is told how to go faster ...
KEPT_UP_FPS = 25.0            # ... unless it read this many a second: a 240 fps file drops 7 in 8 at full speed


@dataclass(frozen=True)
class LiveStats:
    """How the loop kept up. Per processed frame, in milliseconds: ``latency_ms`` capture (or due time) -> overlay
    drawn; ``pose_ms`` the pose model; ``overhead_ms`` everything else of the per-frame path (filters, angles, state,
    overlay drawing), without the window's display and the recording; ``overhead_cpu_ms`` the same as CPU time of
    the loop's thread (not inflated by other processes taking the CPU)."""

    frames_processed: int
    frames_dropped: int
    wall_s: float
    latency_ms: np.ndarray
    pose_ms: np.ndarray
    overhead_ms: np.ndarray
    overhead_cpu_ms: np.ndarray

    @property
    def processed_fps(self) -> float:
        return self.frames_processed / self.wall_s if self.wall_s > 0 else 0.0

    @property
    def fell_behind(self) -> bool:
        """Whether the machine could not keep up: more than ``BEHIND_DROPPED_SHARE`` of the frames were dropped, and
        fewer than ``KEPT_UP_FPS`` read a second (a 240 fps slow-motion file read at 30 had been told "this machine
        could not keep up with the camera")."""
        total = self.frames_processed + self.frames_dropped
        return total > 0 and self.frames_dropped > BEHIND_DROPPED_SHARE * total and self.processed_fps < KEPT_UP_FPS
