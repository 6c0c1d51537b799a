"""The verdict vocabulary: what each verdict and each frame's back state is called, its colour, whether it is safe.

One place for the words and colours the CLI, the annotated video, the report, the index and the live view show.
The string values are those written to result.json, frames.csv and reps.csv (unchanged since schema 1); the rest
of liftform keeps verdicts as those strings and looks them up here (``Verdict(value)``).

    Verdict("squat").is_safe        # True
    Verdict("rounded_back").shown   # "ROUNDED BACK"  (a rounded back is always shouted)
    Verdict("lunge").tone.rgb       # the green of the overlay
    back_state(flagged, confidence, min_confidence, past_limit_unjudged=False)  # "rounded" | "neutral" | "unknown"
"""

from __future__ import annotations

from enum import Enum

import numpy as np


class Tone(Enum):
    """How good a verdict or back state is; decides every colour it is shown in."""

    BAD = "bad"          # rounded back
    GOOD = "good"        # safe
    UNSURE = "unsure"    # not judged

    # The lookups below are plain dicts (an enum's own call costs microseconds): the live view uses them per frame.
    @property
    def rgb(self) -> tuple[int, int, int]:
        """Thick strokes on video (the back, a rep's banner)."""
        return _TONE_RGB[self.value]

    @property
    def text_rgb(self) -> tuple[int, int, int]:
        """Small type on video: lighter tints survive video chroma subsampling better, and read at 4.5:1 on the
        overlay's panel over any picture."""
        return _TONE_TEXT_RGB[self.value]

    @property
    def hex(self) -> str:
        """On white paper (the report's plots, and its page's words, banner and pills)."""
        return _TONE_HEX[self.value]

    @property
    def tint(self) -> str:
        """A pale background on the page (the verdict's banner, a rep's pill) behind :attr:`hex`."""
        return {"bad": "#ffebee", "good": "#e8f5e9", "unsure": "#f5f5f5"}[self.value]

    @property
    def mark(self) -> str:
        """A sign beside the colour where words have no room (the report plot's rep labels): not by colour alone."""
        return {"bad": "✗", "good": "✓", "unsure": "?"}[self.value]

    @property
    def css_class(self) -> str:
        """The class the report and index style (report.css: ``.bad``, ``.good``, ``.unsure``)."""
        return self.value

    @property
    def rich_style(self) -> str:
        """In the terminal (rich markup). Not judged in the plots' grey (4.1:1 on a black terminal, 5.1:1 on a white
        one): it had been yellow, the colour of the terminal's notes."""
        return {"bad": "bold red", "good": "green", "unsure": _TONE_HEX["unsure"]}[self.value]


# Apart in lightness too, not in hue alone: seen as a deuteranope sees them (Machado 2009), the red and green had
# been 13 apart (CIEDE2000) and 1.7:1 in luminance as (240, 30, 30) and (0, 215, 60); now 21 and 2.3:1
# (tests/test_vocabulary.py).
_TONE_HEX = {"bad": "#c62828", "good": "#2e7d32", "unsure": "#6e6e6e"}
_TONE_RGB = {"bad": (220, 20, 30), "good": (40, 230, 90), "unsure": (160, 160, 160)}
_TONE_TEXT_RGB = {"bad": (255, 140, 140), "good": (110, 240, 140), "unsure": (190, 190, 190)}


class Verdict(Enum):
    """A rep's verdict (the first five) or a whole video's (``rounded_back`` | ``safe`` | ``insufficient_data``)."""

    ROUNDED_BACK = "rounded_back"
    HIP_HINGE = "hip_hinge"
    SQUAT = "squat"
    LUNGE = "lunge"
    INSUFFICIENT_DATA = "insufficient_data"
    SAFE = "safe"

    @classmethod
    def of(cls, value: object) -> Verdict | None:
        """The verdict named ``value``, or None for anything else (a damaged or newer result file)."""
        return _VERDICT_OF.get(value) if isinstance(value, str) else None

    @property
    def words(self) -> str:
        """For people, lower case: "rounded back", "safe hip hinge", "not enough data"."""
        return _WORDS[self]

    @property
    def shown(self) -> str:
        """:attr:`words`, in capitals for a rounded back (the one verdict that must not be missed)."""
        return self.words.upper() if self is Verdict.ROUNDED_BACK else self.words

    @property
    def is_safe(self) -> bool:
        """Judged and not rounded: a safe hinge, squat or lunge (or a safe video)."""
        return self in (Verdict.HIP_HINGE, Verdict.SQUAT, Verdict.LUNGE, Verdict.SAFE)

    @property
    def is_judged(self) -> bool:
        return self is not Verdict.INSUFFICIENT_DATA

    @property
    def tone(self) -> Tone:
        if self is Verdict.ROUNDED_BACK:
            return Tone.BAD
        return Tone.GOOD if self.is_safe else Tone.UNSURE


_VERDICT_OF = {v.value: v for v in Verdict}
_WORDS = {Verdict.ROUNDED_BACK: "rounded back", Verdict.HIP_HINGE: "safe hip hinge", Verdict.SQUAT: "safe squat",
          Verdict.LUNGE: "safe lunge", Verdict.INSUFFICIENT_DATA: "not enough data", Verdict.SAFE: "safe"}

# The verdicts a rep can get, and the safe ones, as result.json strings.
REP_VERDICTS = tuple(v.value for v in Verdict if v is not Verdict.SAFE)
# A whole video's verdicts: an undecided video counts apart, never as safe.
VIDEO_VERDICTS = (Verdict.ROUNDED_BACK.value, Verdict.SAFE.value, Verdict.INSUFFICIENT_DATA.value)
SAFE_REP_VERDICTS = tuple(v for v in REP_VERDICTS if Verdict(v).is_safe)


def tone_of(verdict: object) -> Tone:
    """The tone of a verdict string; UNSURE for anything that is not a verdict."""
    known = Verdict.of(verdict)
    return known.tone if known is not None else Tone.UNSURE


def words_of(verdict: object) -> str:
    """:attr:`Verdict.shown` of a verdict string; an unknown value in words as it is."""
    known = Verdict.of(verdict)
    return known.shown if known is not None else str(verdict).replace("_", " ")


# A rep's findings beside its verdict (`core.verdict.rep_faults`), as the terminal and the report say them.
ROUNDED_REACH_DOWN = "rounded_reach_down"     # the back rounded reaching down, before lift-off (not judged)
JERKY_LIFT = "jerky_lift"                     # the ascent too fast
FAULT_WORDS = {ROUNDED_REACH_DOWN: "reached down with a rounded back (before lift-off)",
               JERKY_LIFT: "jerky lift (fast ascent)"}
# Safe reps whose back was too upright for rounding to show (`RepVerdict.cleared_unread`), counted in a headline.
UNREAD_WORDS = "with the back too upright to judge"


def counted(n: int, word: str) -> str:
    """"1 rep", "3 reps": how many of ``word``, in the same words wherever a count is shown (the terminal, the
    summary of result.json, the report and the index)."""
    return f"{n} {word}" + ("" if n == 1 else "s")


def setting_number(value: float) -> str:
    """A setting's value as it is set, for words beside a measured number: whole where it is whole ("21"), else to
    its hundredths ("22.5"): "limit 22°" for a limit set at 22.5 had put a rep read 22.4 "+22° (limit 22°)" and
    called it under."""
    return f"{round(float(value), 2):g}"


def fault_words(fault: object) -> str:
    """A fault in words; an unknown one as it is, underscores as spaces."""
    return FAULT_WORDS.get(str(fault), str(fault).replace("_", " "))


class BackState(Enum):
    """The back in one frame, as the annotated video, the report's frames and the live view draw it."""

    ROUNDED = "rounded"      # the frame is flagged: spine flexion past the limit while the trunk leans
    NEUTRAL = "neutral"      # measured with confidence and not flagged
    UNKNOWN = "unknown"      # not judged: the back was not seen well enough

    @classmethod
    def of(cls, value: object) -> BackState:
        """The back state named ``value``; UNKNOWN for anything else."""
        return _BACK_STATE_OF.get(value, BackState.UNKNOWN) if isinstance(value, str) else BackState.UNKNOWN

    @property
    def words(self) -> str:
        return _BACK_WORDS[self.value]

    @property
    def tag(self) -> str:
        """The word drawn on the video beside a rounded back (its second cue beside the colour); "" for the others,
        told apart by the line itself (a back not judged is dashed)."""
        return _BACK_TAGS[self.value]

    @property
    def tone(self) -> Tone:
        return _BACK_TONES[self.value]


_BACK_STATE_OF = {s.value: s for s in BackState}
_BACK_WORDS = {"rounded": "Back: ROUNDED", "neutral": "Back: neutral", "unknown": "Back: not judged"}
_BACK_TAGS = {"rounded": "ROUNDED", "neutral": "", "unknown": ""}
_BACK_TONES = {"rounded": Tone.BAD, "neutral": Tone.GOOD, "unknown": Tone.UNSURE}


def back_state(flagged: bool, confidence: float, min_confidence: float, *, past_limit_unjudged: bool) -> str:
    """The one rule for a frame's back state, offline and live: "rounded" where the frame is ``flagged``, else
    "neutral" where the spine measure's ``confidence`` (0..1, NaN: none) reaches ``min_confidence`` and the back does
    not read past its limit in a posture it is not judged in (``past_limit_unjudged``,
    `core.flags.past_limit_unjudged`), else "unknown" (a :class:`BackState` value)."""
    if flagged:
        return BackState.ROUNDED.value
    if past_limit_unjudged:
        return BackState.UNKNOWN.value
    return BackState.NEUTRAL.value if confidence >= min_confidence else BackState.UNKNOWN.value   # NaN: unknown


def back_states(flagged: np.ndarray, confidence: np.ndarray, min_confidence: float,
                past_limit_unjudged: np.ndarray) -> np.ndarray:
    """:func:`back_state` of every frame: flagged (T,) bool, confidence (T,), past_limit_unjudged (T,) bool -> (T,)
    object array of strings."""
    rows = zip(np.asarray(flagged, dtype=bool).tolist(), np.asarray(confidence, dtype=float).tolist(),
               np.asarray(past_limit_unjudged, dtype=bool).tolist(), strict=True)
    return np.array([back_state(f, c, min_confidence, past_limit_unjudged=p) for f, c, p in rows], dtype=object)


# A decided rep's confidence under this is said beside its verdict in the terminal: on random rendered lifters such
# verdicts were wrong more than one time in three, over it about one in twenty (README, "Whether a rep's confidence
# can be believed"); a rep of 46 % had read as surely as one of 100 % ("you bent at the hips with a flat back").
HINT_CONFIDENCE = 0.8
