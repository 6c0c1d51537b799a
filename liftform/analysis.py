"""`Analysis`: everything liftform concluded about one video. result.json, the CSVs, the annotated video and the
report are views of it."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from liftform.core.types import Kinematics, RepVerdict, same_values
from liftform.core.vocabulary import Verdict
from liftform.settings import Settings

# 2: every rep has "advice" (one sentence: what to do next time) and "liftoff_s". 3: several people: ``other_lifters``,
# ``people_in_view``, ``lifter_verdict``, ``box_px``; ``verdict`` is the clip's over every lifter (the main lifter's
# own when alone, as before). 4: a rep is a bend: the parts of one the pose lost at its bottom are one rep, its
# ``pose_lost_s`` the time lost.
SCHEMA_VERSION = 4


def clip_verdict(lifter_verdicts: list[str]) -> str:
    """A clip's verdict from each lifter's: rounded_back if anyone's is; safe only when every lifter's is (never
    while a lifter in view went unjudged); else insufficient_data."""
    if Verdict.ROUNDED_BACK.value in lifter_verdicts:
        return Verdict.ROUNDED_BACK.value
    if lifter_verdicts and all(v == Verdict.SAFE.value for v in lifter_verdicts):
        return Verdict.SAFE.value
    return Verdict.INSUFFICIENT_DATA.value


@dataclass(frozen=True)
class SourceInfo:
    """The analysed input. ``sha256`` identifies the exact file (batch resume keys on it); ``warnings`` are what
    the decoder noticed about it (kept apart from the analysis's notes, so a rescore keeps them)."""

    path: str
    sha256: str
    fps: float
    frames: int              # frames actually decoded (headers can say otherwise)
    width: int
    height: int
    duration_s: float
    rotation_deg: int = 0
    warnings: tuple[str, ...] = ()
    cuts_s: tuple[float, ...] = ()   # where the video cuts to another shot (s since the first frame; `shots.py`)


@dataclass(frozen=True)
class ModelInfo:
    name: str
    sha256: str


@dataclass(frozen=True)
class Quality:
    frames_with_pose: int
    frames_total: int
    view: str                # side | oblique | front | unknown
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class RepStill:
    """One frame kept to picture a rep of another lifter in the report (their per-frame data and landmarks are not
    saved otherwise; `liftform.stills`): the rep (``Rep.index``), the source frame of its worst moment, the box
    around the lifter over the rep (x0, y0, x1, y1 source px; None: unknown) and their pose in that frame:
    ``image_xy`` (33, 2) source px and ``visibility`` (33,) 0..1 (NaN / 0 where unknown), ``back_profile_px``
    (K, 2) px as `PoseTrack.back_profile_px` (None: no segmentation)."""

    rep_index: int
    frame: int
    box_px: tuple[int, int, int, int] | None
    image_xy: np.ndarray
    visibility: np.ndarray
    back_profile_px: np.ndarray | None = None

    def __eq__(self, other: object) -> bool:
        return same_values(self, other) if isinstance(other, RepStill) else NotImplemented


@dataclass(frozen=True)
class Analysis:
    """One video's analysis (`liftform.analyze_video`, `read_analysis`): the main lifter's, the others' in ``others``.

    ``kinematics`` holds (T,) arrays over the T analysed frames (`Kinematics`: degrees, seconds, source frame
    numbers); ``flagged`` (T,) bool; ``verdicts`` one `RepVerdict` per rep (its `Rep`'s frames index the T rows);
    ``verdict`` the clip's (``safe``, ``rounded_back`` or ``insufficient_data``); ``quality.warnings`` the notes, in
    words. ``==`` compares values (arrays too, NaN as NaN)."""

    source: SourceInfo
    model: ModelInfo
    settings: Settings
    kinematics: Kinematics
    verdicts: tuple[RepVerdict, ...]
    flagged: np.ndarray      # (T,) bool per analysed frame: the back is judged rounded
    quality: Quality
    versions: dict[str, str] = field(default_factory=dict)
    schema_version: int = SCHEMA_VERSION
    # The other people in view who performed reps, each analysed like the main lifter (whose data the fields above
    # hold); the most people seen at once; where this lifter was (median landmark box, source px).
    others: tuple[Analysis, ...] = ()
    people_in_view: int = 1
    box_px: tuple[int, int, int, int] | None = None
    # (T,) bool per analysed frame: the model was not run on it, its pose is its neighbours' (`PoseTrack.pose_filled`);
    # None: every frame was run.
    pose_filled: np.ndarray | None = None
    # (T,) bool per analysed frame: some rep's verdict is taken from it (`CoreResult.judged`: a bend the pose cut is
    # judged in its parts, `core.bend_parts`, whose frames its one rep's span does not give); None at construction:
    # from the reps' spans (another lifter read back, whose per-frame data the files do not hold).
    judged: np.ndarray | None = None
    # Where the person's own values among the settings came from (`personal.PERSONAL_KEYS`: {(section, key): a
    # profile's or live's key n, in words}), the others being the method's or a config's; None: not recorded (a
    # result written before liftform recorded it). A plain rescore keeps only these (`batch.rescore`).
    personal_from: dict[tuple[str, str], str] | None = field(default_factory=dict)
    # Another lifter's frames the report pictures (their reps to look at, `core.look_at.reps_shown`), kept with the
    # result (result.json ``other_lifters[].stills``; a poses.npz written before the fifty-ninth session has no
    # track of theirs).
    stills: tuple[RepStill, ...] = ()

    def __post_init__(self) -> None:
        if self.judged is None:     # made without the core's (by hand, another lifter read back): from the reps' spans
            from liftform.core.rep_metrics import judged_and_counted_frames

            judged, _ = judged_and_counted_frames(self.kinematics, [v.rep for v in self.verdicts],
                                                  self.settings.verdict, np.asarray(self.flagged, bool))
            object.__setattr__(self, "judged", judged)

    def __eq__(self, other: object) -> bool:
        return same_values(self, other) if isinstance(other, Analysis) else NotImplemented

    def __repr__(self) -> str:
        """What a notebook shows for an analysis: the dataclass's own had every per-frame array (49 KB, a 9 s clip)."""
        return (f"Analysis(source={self.source.path!r}, verdict={self.verdict!r}, reps={len(self.every_rep)}, "
                f"lifters={len(self.lifters)}, frames={len(self.kinematics)}, view={self.quality.view!r}, "
                f"notes={len(self.quality.warnings)})")

    @property
    def lifter_verdict(self) -> str:
        """This lifter's verdict: rounded_back if any rep is; safe if there are judged reps and none is."""
        judged = [v for v in self.verdicts if v.verdict != Verdict.INSUFFICIENT_DATA.value]
        if any(v.is_rounded for v in judged):
            return Verdict.ROUNDED_BACK.value
        return Verdict.SAFE.value if judged else Verdict.INSUFFICIENT_DATA.value

    @property
    def lifters(self) -> tuple[Analysis, ...]:
        """Every lifter in view, the main one first: what the clip's verdict, its summary and counts cover."""
        return (self, *self.others)

    @property
    def every_rep(self) -> tuple[RepVerdict, ...]:
        """Every lifter's rep verdicts, the main lifter's first: what the clip's counts (reps, rounded reps) cover."""
        return tuple(rv for lifter in self.lifters for rv in lifter.verdicts)

    @property
    def verdict(self) -> str:
        """The clip's verdict over every lifter in view (`clip_verdict`); with one lifter, that lifter's."""
        return clip_verdict([lifter.lifter_verdict for lifter in self.lifters])

    @property
    def verdict_confidence(self) -> float | None:
        """How sure the clip's verdict is, 0..1: a rounded clip's surest rounded rep (one is enough), a safe clip's
        least sure rep (each had to be cleared); None for insufficient_data, which has no verdict to be sure of.
        What a batch's overview sorts a researcher's triage by (a 36 % "safe" had looked like a 99 % one)."""
        verdict, reps = self.verdict, self.every_rep
        if verdict == Verdict.ROUNDED_BACK.value:
            return max((rv.confidence for rv in reps if rv.is_rounded), default=None)
        if verdict == Verdict.SAFE.value:
            return min((rv.confidence for rv in reps if rv.verdict != Verdict.INSUFFICIENT_DATA.value), default=None)
        return None

    @property
    def flagged_frames(self) -> list[int]:
        """Source frame indices where the back is judged rounded."""
        return [int(i) for i in self.kinematics.frame_index[self.flagged]]


# What makes a result besides its settings and model file: the liftform build whose rules judged it (`build.py`)
# and the mediapipe that ran the pose model. Results made by others are not this run's (`batch.summary`'s
# fingerprints, a Ray node's results, `batch.ray_results.other_versions`).
MADE_BY = ("liftform", "mediapipe")


def library_versions() -> dict[str, str]:
    """The versions of liftform (its build, `build.liftform_build`) and the libraries that make its results
    (`Analysis.versions`)."""
    from liftform.build import liftform_build

    return {"liftform": liftform_build(), "numpy": np.__version__, **_installed_versions()}


@lru_cache(maxsize=1)
def _installed_versions() -> dict[str, str]:
    """The installed versions of the libraries that decode and pose (read once: a batch asks for each video)."""
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for package in ("mediapipe", "av", "opencv-contrib-python"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            pass
    return found
