"""`Analysis`: everything liftform concluded about one video. result.json, the CSVs, the annotated video and the
report are views of it."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from liftform.core.types import Kinematics, RepVerdict
from liftform.core.vocabulary import Verdict
from liftform.settings import Settings

SCHEMA_VERSION = 2  # 2: every rep has "advice" (one sentence: what to do next time) and "liftoff_s"


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
class Analysis:
    source: SourceInfo
    model: ModelInfo
    settings: Settings
    kinematics: Kinematics
    verdicts: tuple[RepVerdict, ...]
    flagged: np.ndarray      # (T,) bool per analysed frame: the back is judged rounded
    quality: Quality
    versions: dict[str, str] = field(default_factory=dict)
    schema_version: int = SCHEMA_VERSION

    @property
    def verdict(self) -> str:
        """Whole-video verdict: rounded_back if any rep is; safe if there are judged reps and none is."""
        judged = [v for v in self.verdicts if v.verdict != Verdict.INSUFFICIENT_DATA.value]
        if any(v.is_rounded for v in judged):
            return Verdict.ROUNDED_BACK.value
        return Verdict.SAFE.value if judged else Verdict.INSUFFICIENT_DATA.value

    @property
    def flagged_frames(self) -> list[int]:
        """Source frame indices where the back is judged rounded."""
        return [int(i) for i in self.kinematics.frame_index[self.flagged]]
