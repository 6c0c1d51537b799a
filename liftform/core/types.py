"""Result types of the core: per-frame kinematics, reps and their verdicts. NumPy arrays, time first."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass
from typing import NamedTuple

import numpy as np

# Decimals result.json keeps per kind of number (`outputs.result_json`): words made of a number (the advice) round it
# so first, and read the same from a fresh analysis and from one read back (a rescore had called a rep's advice
# changed, "here 94°" against "here 93°", from a lean of 93.4996 stored as 93.5).
ANGLE_DECIMALS = 2
TIME_DECIMALS = 3

def same_values(a: object, b: object) -> bool:
    """Whether ``a`` and ``b`` hold the same values: dataclasses of one type field by field, arrays by shape and value,
    NaN the same as NaN (a value not measured twice). The `==` of a result holding arrays (`Kinematics`, `Analysis`,
    `PoseTrack`): the dataclasses' own had raised "the truth value of an array ... is ambiguous"."""
    if is_dataclass(a) and not isinstance(a, type):
        return type(a) is type(b) and all(same_values(getattr(a, f.name), getattr(b, f.name)) for f in fields(a))
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        return a.shape == b.shape and bool(np.array_equal(a, b, equal_nan=a.dtype.kind == b.dtype.kind == "f"))
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return type(a) is type(b) and len(a) == len(b) and all(map(same_values, a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_values(a[k], b[k]) for k in a)
    if isinstance(a, float) and isinstance(b, float) and a != a and b != b:
        return True                                   # both NaN
    return bool(a == b)


@dataclass(frozen=True)
class Kinematics:
    """Per-frame angles of one person, all (T,) float arrays in degrees, NaN where unknown.

    Sign conventions (sagittal plane, the person's own forward = the way the toes point):
        trunk_inclination_deg: hip-mid -> shoulder-mid line from vertical; 0 upright, +90 horizontal forward,
            negative leaning back.
        hip_flexion_deg: 180 - angle(shoulder, hip, knee) on the side nearer the camera; 0 standing straight.
        knee_flexion_deg: 180 - angle(hip, knee, ankle), near side; 0 straight. ``knee_flexion_left_deg`` /
            ``knee_flexion_right_deg`` per leg (a lunge shows as a large difference).
        spine_flexion_deg: bend of the back's contour between the shoulders and the sacrum, relative to the bend a
            neutral back shows in a forward bend (``spine_baseline_deg``: a population value or the person's own from
            a flexibility screen); positive = flexed (rounded), negative = extended (arched).
        spine_flexion_confidence: (T,) in [0, 1]; low when the view is not side-on or the back's edge is hidden or
            ragged.
        lean_from_hips_deg / lean_from_spine_deg: trunk inclination split into the part made by the pelvis tipping
            about the hips and the part made by the spine bending (the chord of a bent back leans by half the bend
            more than its base: lean_from_spine = spine_flexion / 2).
        depth: (T,) how far the shoulders have come down towards the feet, as a fraction of standing height
            (0 standing, ~0.4-0.6 at the bottom of a lift from the floor).
        view_yaw_deg: (T,) estimated camera yaw; 0 side-on, 90 facing the camera.
        stance_split: (T,) how far apart the ankles are fore and aft (horizontal, along the way the body faces), as a
            fraction of leg length (~0 standing, ~0.1 in a wide squat stance, 0.7-0.9 in a rendered lunge).
        hands_height: (T,) height of the wrists' midpoint above the lower ankle, as a fraction of standing shoulder
            height (~0.45 standing with hanging arms, ~0 with the hands at the floor): when the object leaves the
            floor.
        neck_flexion_deg: (T,) how far the head hangs toward the chest from the line of the trunk: the angle at the
            shoulders between the hip -> shoulder line and the shoulder -> ear line, in the image; 0 the ears in line
            with the trunk, positive the head dropped (toward the floor when bent over), negative looking up. NaN
            where the ears are not seen or the facing is unknown.
        camera_behind: (T,) 1 where the camera is behind the lifter's frontal plane (it sees the back turned toward it
            at an angle), 0 in front of it, NaN unknown; near side-on and near frontal it is the model's noise
            (`viewpoint.filmed_from_behind` reads it with the yaw).
        facing: (T,) which way the person faces around the frame: +1 image-right, -1 image-left, 0 unknown (a
            person may turn round during a clip; ``facing_sign`` is the clip's own). NaN in files written before it.
        far_shoulder_rise: (T,) how far the far shoulder appears above the near one where the trunk is bent over and
            the view side-on, in trunk lengths (`core.camera_pitch`): ~0 from a level camera, 0.32-0.46 from 35°
            above, where a back is not cleared. NaN elsewhere, and in files written before it.
        knee_in_picture: (T,) 1 where the near knee and ankle are inside the picture and the knee is not hidden, 0
            where MediaPipe guessed either (`framing.knee_in_picture`: a webcam cutting off the feet, a table in
            front of the knees); NaN in files written before it.
        mass_behind_feet: (T,) how far the body's centre of mass lies behind the rearmost point of the feet, in trunk
            lengths (`core.balance`): under 0 standing free, past 0.25 at a bend's bottom seated (not a rep). NaN
            where unknown, and in files written before it.
        valid: (T,) bool, the frame has the landmarks the angles need.
    """

    timestamps_s: np.ndarray
    frame_index: np.ndarray
    trunk_inclination_deg: np.ndarray
    hip_flexion_deg: np.ndarray
    knee_flexion_deg: np.ndarray
    knee_flexion_left_deg: np.ndarray
    knee_flexion_right_deg: np.ndarray
    spine_flexion_deg: np.ndarray
    spine_flexion_confidence: np.ndarray
    lean_from_hips_deg: np.ndarray
    lean_from_spine_deg: np.ndarray
    depth: np.ndarray
    view_yaw_deg: np.ndarray
    stance_split: np.ndarray
    hands_height: np.ndarray
    neck_flexion_deg: np.ndarray
    camera_behind: np.ndarray
    facing: np.ndarray
    far_shoulder_rise: np.ndarray
    knee_in_picture: np.ndarray
    mass_behind_feet: np.ndarray
    valid: np.ndarray
    side: str = "unknown"           # body side nearer the camera: left | right | unknown
    facing_sign: int = 0            # +1 the person faces image-right, -1 image-left, 0 unknown
    spine_baseline_deg: float = float("nan")  # raw back-contour bend taken as neutral (subtracted)
    warnings: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.timestamps_s)

    def __eq__(self, other: object) -> bool:
        return same_values(self, other) if isinstance(other, Kinematics) else NotImplemented

    # Per-frame columns, in the order frames.csv writes them.
    COLUMNS = ("trunk_inclination_deg", "hip_flexion_deg", "knee_flexion_deg", "knee_flexion_left_deg",
               "knee_flexion_right_deg", "spine_flexion_deg", "spine_flexion_confidence", "lean_from_hips_deg",
               "lean_from_spine_deg", "depth", "view_yaw_deg", "stance_split", "hands_height", "neck_flexion_deg",
               "camera_behind", "facing", "far_shoulder_rise", "knee_in_picture", "mass_behind_feet")

    def facing_signs(self) -> np.ndarray:
        """(T,) int +1/-1/0 per frame: ``facing`` where known (files written before it hold NaN), else the clip's."""
        known = np.isfinite(self.facing)
        return np.where(known, np.sign(np.where(known, self.facing, 0.0)), self.facing_sign).astype(int)


class FrameAngles(NamedTuple):
    """The angles of each frame on its own (`kinematics.frame_angles`): (T,) arrays under the `Kinematics` names,
    before gap filling and smoothing, plus ``contour_bend_deg``: the raw bend of the back's contour in degrees
    (spine flexion before the neutral bend is subtracted). A NamedTuple: the live view builds one per frame."""

    trunk_inclination_deg: np.ndarray
    hip_flexion_deg: np.ndarray
    knee_flexion_deg: np.ndarray
    knee_flexion_left_deg: np.ndarray
    knee_flexion_right_deg: np.ndarray
    view_yaw_deg: np.ndarray
    stance_split: np.ndarray
    contour_bend_deg: np.ndarray
    spine_flexion_confidence: np.ndarray
    neck_flexion_deg: np.ndarray


@dataclass(frozen=True)
class Rep:
    """One repetition: indices into the analysed frames (not source frame numbers) and times in seconds."""

    index: int
    start: int
    bottom: int
    end: int
    start_s: float
    bottom_s: float
    end_s: float
    complete: bool = True  # False when the video starts or ends inside the rep
    # Lift-off: the frame the hands (and the object) start to rise for good after the bottom. Before it the person
    # reaches down or sets up, unloaded; from it through the ascent the load is on the spine. -1: not found (the
    # bottom stands in for it).
    liftoff: int = -1
    liftoff_s: float = float("nan")
    # The descent lowers the load the rep before lifted (the 2nd, 4th, ... bend: a barbell set's lowering, a box set
    # down; `core.phases.lowers_load`): loaded from the start down to touch-down, where the hands (and the object)
    # reach the floor. Touch-down: -1 when not found or lowering nothing; then no lowering is judged (the bottom cannot
    # stand in, as it does for lift-off: a lifter re-sets there, unloaded).
    lowers_load: bool = False
    touchdown: int = -1
    touchdown_s: float = float("nan")

    @property
    def loaded_start(self) -> int:
        """First frame of the loaded part: lift-off, or the bottom when lift-off was not found."""
        return self.liftoff if self.liftoff >= 0 else self.bottom

    @property
    def lowering_end(self) -> int:
        """Last frame of the loaded lowering (touch-down); -1 when the descent lowers no load or touch-down was not
        found."""
        return self.touchdown if self.lowers_load else -1


@dataclass(frozen=True)
class RepVerdict:
    """The verdict on one rep, with the numbers that decided it."""

    rep: Rep
    verdict: str                    # a `core.vocabulary.Verdict` value other than "safe"
    confidence: float               # 0..1
    reason: str                     # one sentence a lifter understands, with the deciding numbers
    peak_spine_flexion_deg: float
    peak_trunk_inclination_deg: float
    peak_hip_flexion_deg: float
    min_knee_angle_deg: float       # interior knee angle at its smallest (180 = straight)
    stoop_squat_index: float        # 0 = full squat ... 100 = full stoop
    lean_from_spine_pct: float      # share of the trunk lean made by the spine bending at the deepest frame of
                                    # the part judged, percent (`RepMetrics.lean_from_spine_pct`)
    rounded_s: float                # time the spine spent past the threshold where judged, seconds: the loaded
                                    # part (the way down of a rep judged there alone: judged_on_descent), with the
                                    # frames before lift-off a quick lift's rounding carried from (`RepMetrics`)
    descent_s: float
    ascent_s: float
    faults: tuple[str, ...] = field(default=())  # extra faults: "rounded_reach_down", "jerky_lift"
    spine_flexion_pct_of_max: float = float("nan")  # peak flexion as % of the person's screened maximum
    peak_neck_flexion_deg: float = float("nan")  # the head hanging furthest toward the floor while loaded
    head_led: bool = False          # rounded_back seen in the head hanging, the back's contour inside its limit
    head_briefly: bool = False      # not rounded: the head hung past its limit too briefly to count, the back's
                                    # contour inside its own (what the advice then names)
    squat_bottom: bool = False      # rounded_back seen at the bottom of a squat: the trunk fairly upright, the hips
                                    # deeply flexed (the pelvis tucking under)
    while_lowering: bool = False    # rounded_back only while lowering the load (before touch-down), not lifting it
    through_bottom: bool = False    # while_lowering, the rounding going on through the bottom into the lift
    lowered_rounded: bool = False   # rounded_back while lowering the load (a set-down), whatever the rise did
    lift_unseen: bool = False       # insufficient_data because the video ends before the rep's lift
    view_cut: bool = False          # insufficient_data because the view cuts the rep where its back would be
                                    # judged (`core.reasons.undecided_cause`): film the whole rep
    judged_on_descent: bool = False  # cleared from the way down alone: the video ends before the rep's lift
    from_behind: bool = False       # filmed from behind at an angle: the shoulder blades shape the back's outline
                                    # there, so a rounded call is hedged (reason) and its confidence halved
    at_an_angle: bool = False       # judged further off side-on than `SpineSettings.full_view_yaw_deg` (median yaw
                                    # of its judged frames): a back cleared, or a reach-down called rounded, is less
                                    # sure there, and its advice says so
    near_limit: bool = False        # cleared with its peak within `VerdictSettings.flag_hysteresis_deg` under the
                                    # limit, where a flagged frame would not yet clear: praised, not as "flat"
    from_above: bool = False        # filmed from above (`core.camera_pitch`): a rounded back reads flat there, so
                                    # a back that reads flat is not cleared (insufficient_data)
    pose_lost_s: float = 0.0        # time the pose lost the lifter inside the rep, between the parts of one bend
                                    # judged apart and told as one rep (`core.bend_parts`), seconds; 0: none
    knee_guessed: bool = False      # the knee or ankle out of the picture through the rep's lower part: its knee
                                    # angle is MediaPipe's guess (the advice then does not rest on it)
    seen_whole: bool = True         # the view held the whole rep, from its start to its end (`RepMetrics.seen_whole`):
                                    # praise of one seen in part says so

    @property
    def is_rounded(self) -> bool:
        return self.verdict == "rounded_back"

    @property
    def is_undecided(self) -> bool:
        """Not judged (``insufficient_data``): no answer, counted apart from the safe reps."""
        return self.verdict == "insufficient_data"

    @property
    def cleared_unread(self) -> bool:
        """Safe with its back never read where rounding shows (a lunge's upright trunk: no peak spine flexion): a
        headline's "no rounded back" is said of it with how many such reps there are."""
        return not self.is_rounded and not self.is_undecided and not np.isfinite(self.peak_spine_flexion_deg)
