"""Clip verdicts on real footage (../shared/footage, never part of the repository), scored honestly.

Every labelled clip's verdict (rounded_back if any rep is) is compared with the manifest's label: rounded_back clips
must be called rounded_back; neutral_hinge and squat_lift clips must be called safe; other_fault clips must not be
called rounded. ``insufficient_data`` is no answer: it counts as wrong, and is also reported apart (undecided).
Side-on and oblique clips are scored; frontal and rear views may say insufficient_data and are listed apart.

Two figures:
- in-sample: the settings as shipped. They were chosen on these same clips, so this measures memory.
- leave-one-source-out: every value the method takes from data (the ``FITTED`` settings below) is chosen, for each
  source in turn, on the clips of the other sources only (the candidate with the best accuracy there; ties go to
  the shipped value), and the source is scored with it. The scores of all sources are pooled. This is the figure
  to quote: it estimates how the method does on lifters it was not tuned on.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from footage_tracks import (  # noqa: E402, F401  (a sibling script; the variants are part of this one's interface)
    Estimate,
    analyze_pose_track,
    boxed_track,
    dim_track,
    distant_track,
    half_rate_track,
    live_track,
    low_quality_track,
    mirrored_track,
    tilted_track,
)
from pose_stamp import drop_stale_tracks  # noqa: E402  (a sibling script)
from scoring_stats import confidence_bands, wilson_interval  # noqa: E402  (a sibling script)

from liftform.analysis import Analysis, ModelInfo, SourceInfo
from liftform.core.filters import hysteresis, run_lengths_s
from liftform.core.silhouette import trunk_axes
from liftform.errors import LiftformError
from liftform.outputs.atomic import atomic_path
from liftform.pipeline import analyze_track
from liftform.settings import Settings, apply_overrides
from liftform.track import LEFT_HIP, LEFT_SHOULDER, RIGHT_HIP, RIGHT_SHOULDER, PoseTrack

JUDGED = ("rounded_back", "neutral_hinge", "squat_lift", "other_fault")
SCORED_VIEWS = ("side", "oblique", "mixed")
VIDEO_EXTENSIONS = (".mp4", ".mov", ".avi", ".webm", ".gif", ".m4v", ".mkv")

# The values the method takes from data, and how leave-one-source-out chooses them without the scored source:
# - the onset of rounding (neutral_bend_deg + rounded_back_spine_deg, in degrees of contour bend: only their sum
#   decides a verdict) sits above ONSET_QUANTILE of the safe lifts of the other sources: the highest bend each safe
#   clip sustains is measured, and the onset put at that quantile. It needs no rounded examples, which matters here:
#   every rounded-back clip of the development set comes from one source;
# - the view ramp's end (max_view_yaw_deg): the candidate with the best accuracy on the other sources.
ONSET_QUANTILE = 0.9
VIEW_CANDIDATES = (75.0, 90.0)
ONSET_SEARCH_DEG = (-35.0, 80.0)   # contour bends searched for a clip's flip point


@dataclass(frozen=True)
class Clip:
    file: str
    source: str
    label: str
    view: str
    track: PoseTrack | None   # None: the pose stage could not analyse it (counts as insufficient_data)




def footage_arguments(description: str) -> argparse.Namespace:
    """``--footage-dir`` (default ../shared/footage) and ``--cache`` (the pose tracks of `accuracy.py --footage`)
    parsed for a script described by ``description``; exits with one line where the footage's MANIFEST.csv is
    missing."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--footage-dir", type=Path, default=Path(__file__).parents[1].parent / "shared" / "footage")
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "liftform-bench")
    args = parser.parse_args()
    if not (args.footage_dir / "MANIFEST.csv").is_file():
        sys.exit(f"no footage at {args.footage_dir} (MANIFEST.csv): pass --footage-dir")
    return args


def load_clips(footage: Path, cache: Path, settings: Settings, log: Callable[[str], None] = print,
               estimate: Estimate = analyze_pose_track) -> list[Clip]:
    """Every labelled video of the manifest with its PoseTrack (from ``cache``, else ``estimate``; tracks another
    pose stage made are made again, `pose_stamp`)."""
    rows = [row for row in _labelled(footage) if (footage / row["file"]).is_file()]
    drop_stale_tracks(cache, [cache_path(cache, row["file"]) for row in rows], settings, log)
    return [Clip(row["file"], row["source_repo"], row["label"], row["camera_view"],
                 cached_track(footage, row["file"], cache, settings, log, estimate)) for row in rows]


def _labelled(footage: Path) -> list[dict[str, str]]:
    return [row for row in csv.DictReader((footage / "MANIFEST.csv").open())
            if row["label"] in JUDGED and row["file"].lower().endswith(VIDEO_EXTENSIONS)]


def missing_clips(footage: Path) -> list[str]:
    """The labelled videos the manifest names that are not in ``footage``: a folder missing one source had printed a
    left-out figure of 70 % (its largest source's fold refitted on fewer clips) without a word."""
    return [row["file"] for row in _labelled(footage) if not (footage / row["file"]).is_file()]


def cached_track(footage: Path, relative: str, cache: Path, settings: Settings,
                 log: Callable[[str], None], estimate: Estimate = analyze_pose_track) -> PoseTrack | None:
    """The clip's PoseTrack, from the cache (keyed by its manifest path) or ``estimate``."""
    key = cache_path(cache, relative)
    if key.is_file():
        return PoseTrack.from_npz(np.load(key))
    try:
        track = estimate(footage / relative, settings)
    except LiftformError as exc:
        log(f"  skipped {relative}: {exc}")
        return None
    with atomic_path(key) as partial, open(partial, "wb") as fh:    # a run stopped while writing leaves no half
        np.savez_compressed(fh, **track.to_npz_dict())              # a track to be read next time
    return track


def cache_path(cache: Path, relative: str) -> Path:
    """Where the pose track of the manifest's file ``relative`` is cached."""
    return cache / (relative.replace("/", "__") + ".npz")


def clip_verdict(clip: Clip, settings: Settings, spine_baseline_deg: float | None = None) -> str:
    """rounded_back | safe | insufficient_data for the whole clip (``spine_baseline_deg``: another zero of the
    spine measure than ``settings``', as `analyze_track` takes it)."""
    if clip.track is None:
        return "insufficient_data"
    return _analyze(clip, settings, spine_baseline_deg).verdict


def _analyze(clip: Clip, settings: Settings, spine_baseline_deg: float | None = None):
    source = SourceInfo(clip.file, "", 30.0, len(clip.track), 0, 0, 0.0)
    return analyze_track(clip.track, source, ModelInfo(settings.pose.model, ""), settings,
                         spine_baseline_deg=spine_baseline_deg)


def peer_verdicts(clip: Clip, settings: Settings) -> dict[str, str]:
    """Clip-level rounded/safe by the trunk-line rules of other tools, on the same landmarks and the same smoothing.
    A rule fires when its condition holds for at least ``min_rounded_s``. They never say undecided."""
    if clip.track is None:
        return {}
    kin, track = _analyze(clip, settings).kinematics, clip.track
    knee_angle = 180.0 - kin.knee_flexion_deg
    hip_angle = 180.0 - kin.hip_flexion_deg
    _, _, torso_px = trunk_axes(track.image_xy[:, [LEFT_SHOULDER, RIGHT_SHOULDER]].mean(axis=1),
                                track.image_xy[:, [LEFT_HIP, RIGHT_HIP]].mean(axis=1))
    standing = np.nanpercentile(torso_px, 90) if np.isfinite(torso_px).any() else np.nan
    with np.errstate(invalid="ignore"):
        conditions = {
            "stoop: trunk>45 & knee>150": (kin.trunk_inclination_deg > 45) & (knee_angle > 150),
            "shoulder-hip-knee < 90": hip_angle < 90,
            "2D torso shortening > 10%": torso_px < 0.9 * standing,
        }
    fired = {name: run_lengths_s(hysteresis(cond.astype(float), 0.5, 0.5), kin.timestamps_s)
             >= settings.verdict.min_rounded_s for name, cond in conditions.items()}
    return {name: "rounded_back" if f else "safe" for name, f in fired.items()}


def is_right(label: str, verdict: str) -> bool:
    """The verdict answers the label: rounded for rounded_back, safe for the safe lifts, not rounded (and not
    undecided) for other faults."""
    if label == "rounded_back":
        return verdict == "rounded_back"
    return verdict == "safe"


def with_onset(settings: Settings, onset_deg: float, max_view_yaw_deg: float | None = None) -> Settings:
    """``settings`` with rounding starting at ``onset_deg`` of contour bend (the limit kept, the zero moved)."""
    spine = {"neutral_bend_deg": onset_deg - settings.verdict.rounded_back_spine_deg}
    if max_view_yaw_deg is not None:
        spine["max_view_yaw_deg"] = max_view_yaw_deg
    return apply_overrides(settings, {"spine": spine})


@dataclass(frozen=True)
class Flip:
    """A clip's verdict as a function of the onset of rounding: rounded_back below ``onset_deg``, then
    insufficient_data below ``cleared_deg`` (a back rounded only on the way down of a lift the video cut: see
    `core.verdict.classify`), ``otherwise`` (safe or insufficient_data) from there on. ``onset_deg`` is -inf for a
    clip never called rounded, ``cleared_deg`` is -inf where nothing is undecided in between."""

    onset_deg: float
    otherwise: str
    cleared_deg: float = -np.inf

    def verdict(self, onset_deg: float) -> str:
        if onset_deg < self.onset_deg:
            return "rounded_back"
        return "insufficient_data" if onset_deg < self.cleared_deg else self.otherwise


def _first_onset(clip: Clip, settings: Settings, max_view_yaw_deg: float, low: float, high: float,
                 reached: Callable[[str], bool]) -> float:
    """The lowest onset in (``low``, ``high``], to 1 degree, whose verdict is ``reached`` (false at ``low``, true at
    ``high``; the verdict is monotone in the onset), by bisection."""
    while high - low > 1.0:
        mid = 0.5 * (low + high)
        if reached(clip_verdict(clip, with_onset(settings, mid, max_view_yaw_deg))):
            high = mid
        else:
            low = mid
    return high


def flip_point(clip: Clip, settings: Settings, max_view_yaw_deg: float) -> Flip:
    """Where the clip's verdict changes as the onset rises (see `Flip`)."""
    low, high = ONSET_SEARCH_DEG
    otherwise = clip_verdict(clip, with_onset(settings, high, max_view_yaw_deg))
    at_low = clip_verdict(clip, with_onset(settings, low, max_view_yaw_deg))
    onset = (-np.inf if at_low != "rounded_back" else
             _first_onset(clip, settings, max_view_yaw_deg, low, high, lambda v: v != "rounded_back"))
    start = low if not np.isfinite(onset) else onset
    if clip_verdict(clip, with_onset(settings, start, max_view_yaw_deg)) == otherwise:
        return Flip(onset, otherwise)
    return Flip(onset, otherwise, _first_onset(clip, settings, max_view_yaw_deg, start, high,
                                               lambda v: v == otherwise))


def fitted_onset(flips: list[Flip]) -> float:
    """The onset above ``ONSET_QUANTILE`` of the safe clips' flip points. Clips never called rounded (a squat whose
    trunk stays upright, a back never seen) say nothing about how a neutral back reads, and are left out."""
    judged = [f.onset_deg for f in flips if np.isfinite(f.onset_deg)]
    return float(np.quantile(judged, ONSET_QUANTILE, method="higher"))


@dataclass(frozen=True)
class Score:
    positives: int
    caught: int
    negatives: int
    cleared: int
    undecided: int
    total: int

    @property
    def accuracy(self) -> float:
        return (self.caught + self.cleared) / max(self.total, 1)

    def line(self) -> str:
        return (f"sensitivity {self.caught}/{self.positives} = {self.caught / max(self.positives, 1):.0%}   "
                f"specificity {self.cleared}/{self.negatives} = {self.cleared / max(self.negatives, 1):.0%}   "
                f"undecided {self.undecided}/{self.total} = {self.undecided / max(self.total, 1):.0%}   "
                f"accuracy {self.caught + self.cleared}/{self.total} = {self.accuracy:.0%}")

    def intervals(self) -> str:
        """95 % Wilson intervals of sensitivity, specificity and accuracy: how far a few dozen clips pin them down."""
        parts = [(name, k, n) for name, k, n in (("sensitivity", self.caught, self.positives),
                                                 ("specificity", self.cleared, self.negatives),
                                                 ("accuracy", self.caught + self.cleared, self.total)) if n]
        return "   ".join(f"{name} {low:.0%}-{high:.0%}" for name, k, n in parts
                          for low, high in [wilson_interval(k, n)])


def _rep_confidence(scored: list[Clip], analyses: list[Analysis | None], log: Callable[[str], None]) -> None:
    """The decided reps' confidence, shipped settings. Every rep of a clip not labelled rounded should be safe, so
    each is right or wrong; a rounded clip's reps have no label of their own (a lifter may round in one rep), so
    only the confidences of those called rounded are listed."""
    safe_reps, rounded_reps = [], []
    for clip, analysis in zip(scored, analyses, strict=True):
        decided = () if analysis is None else [v for v in analysis.verdicts if v.verdict != "insufficient_data"]
        for v in decided:
            if clip.label != "rounded_back":
                safe_reps.append((v.confidence, not v.is_rounded))
            elif v.is_rounded:
                rounded_reps.append(v.confidence)
    log(f"  decided reps of the clips not rounded, right by confidence (shipped): {confidence_bands(safe_reps)}")
    log("  reps called rounded in the rounded clips, their confidence: "
        + " ".join(f"{c:.2f}" for c in sorted(rounded_reps)))


def score(pairs: Iterable[tuple[str, str]]) -> Score:
    """Pairs of (label, verdict) -> counts; undecided counts as wrong."""
    pairs = list(pairs)
    pos = [v for lab, v in pairs if lab == "rounded_back"]
    neg = [v for lab, v in pairs if lab != "rounded_back"]
    return Score(len(pos), sum(v == "rounded_back" for v in pos), len(neg), sum(v == "safe" for v in neg),
                 sum(v == "insufficient_data" for _, v in pairs), len(pairs))


def leave_one_source_out(clips: list[Clip], flips: dict[float, list[Flip]], shipped_view: float,
                         scored_flips: dict[float, list[Flip]] | None = None) -> tuple[list[str], dict[str, str]]:
    """Per clip, its verdict with the values fitted without its source (``flips[view][i]``: clip i's flip point
    with the view ramp ending at ``view``); and what was chosen, per source. Where two view ramps are as good on
    the other sources, ``shipped_view`` (the shipped ramp's end) is kept. ``scored_flips`` (default ``flips``):
    the flip points the source is scored by, of the same clips filmed otherwise (the values are fitted on
    ``flips``)."""
    scored_flips = flips if scored_flips is None else scored_flips
    verdicts = [""] * len(clips)
    choice = {}
    for source in sorted({c.source for c in clips}):
        train = [i for i, c in enumerate(clips) if c.source != source]
        best = None
        for view in sorted(VIEW_CANDIDATES, key=lambda v: v != shipped_view):   # the shipped ramp wins ties
            onset = fitted_onset([flips[view][i] for i in train if clips[i].label != "rounded_back"])
            right = sum(is_right(clips[i].label, flips[view][i].verdict(onset)) for i in train)
            if best is None or right > best[0]:
                best = (right, view, onset)
        _, view, onset = best
        choice[source] = f"onset {onset:.0f} deg of contour bend, view ramp to {view:.0f} deg"
        for i, clip in enumerate(clips):
            if clip.source == source:
                verdicts[i] = scored_flips[view][i].verdict(onset)
    return verdicts, choice


def footage_report(footage: Path, cache: Path, settings: Settings, log: Callable[[str], None] = print,
                   estimate: Estimate = analyze_pose_track, filmed_cache: Path | None = None) -> None:
    """Print the in-sample and the leave-one-source-out figures, and each clip's verdicts (the tracks made by
    ``estimate``). With ``filmed_cache`` (the pose tracks of the clips as filmed: a variant's report), also the
    left-out figure with every value fitted on the other sources' clips as filmed, as the shipped ones were."""
    clips = load_clips(footage, cache, settings, log, estimate)
    scored = [c for c in clips if c.view in SCORED_VIEWS]
    apart = [c for c in clips if c.view not in SCORED_VIEWS]
    flips = {view: [flip_point(c, settings, view) for c in scored] for view in VIEW_CANDIDATES}
    as_filmed = None if filmed_cache is None else _fitted_as_filmed(footage, filmed_cache, settings, scored, flips, log)
    analyses = [None if c.track is None else _analyze(c, settings) for c in scored]
    shipped_verdicts = ["insufficient_data" if a is None else a.verdict for a in analyses]   # as `clip_verdict`
    loso, choice = leave_one_source_out(scored, flips, settings.spine.max_view_yaw_deg)
    all_data = {view: fitted_onset([f for c, f in zip(scored, flips[view], strict=True) if c.label != "rounded_back"])
                for view in VIEW_CANDIDATES}
    n_sources = len({c.source for c in scored})
    log(f"(b) real footage: {len(scored)} side-on and oblique labelled clips from "
        f"{n_sources} sources (+{len(apart)} frontal/rear, listed apart)")
    if missing := missing_clips(footage):
        log(f"  WARNING: {len(missing)} clip(s) of the manifest are not in {footage} ({', '.join(missing[:3])}"
            f"{', ...' if len(missing) > 3 else ''}): these figures are not comparable with the quoted ones")
    shipped = score((c.label, v) for c, v in zip(scored, shipped_verdicts, strict=True))
    held_out = score((c.label, v) for c, v in zip(scored, loso, strict=True))
    faults_rounded = sum(v == "rounded_back" for c, v in zip(scored, loso, strict=True) if c.label == "other_fault")
    log(f"  in-sample (shipped settings, chosen on these clips):  {shipped.line()}")
    log(f"  leave-one-source-out (quote this one):               {held_out.line()}")
    if as_filmed is not None:
        log(f"  left out, fitted on the other sources as filmed:     {as_filmed.line()}")
    log(f"    95 % intervals (Wilson; the clips are few, and {n_sources} sources are not every camera and body): "
        f"{held_out.intervals()}")
    log(f"  other_fault called rounded: {faults_rounded}/{sum(c.label == 'other_fault' for c in scored)} "
        "(leave-one-source-out)")
    _rep_confidence(scored, analyses, log)
    peers: dict[str, list[tuple[str, str]]] = {}
    for clip in scored:
        for name, verdict in peer_verdicts(clip, settings).items():
            peers.setdefault(name, []).append((clip.label, verdict))
    for name, pairs in peers.items():
        log(f"  peer rule {name:34s} {score(pairs).line()}")
    for view in VIEW_CANDIDATES:
        for label in ("rounded_back", "neutral_hinge", "squat_lift", "other_fault"):
            values = sorted(f.onset_deg for c, f in zip(scored, flips[view], strict=True) if c.label == label)
            log(f"  flip points, view ramp to {view:.0f}, {label:14s} " + " ".join(f"{v:.0f}" for v in values))
    log("  chosen without each source:")
    for source, chosen in choice.items():
        log(f"    {source[:60]:60s} {sum(c.source == source for c in scored):3d} clips  {chosen}")
    shipped_onset = settings.spine.neutral_bend_deg + settings.verdict.rounded_back_spine_deg
    log("  the same rule on all sources: onset " + ", ".join(f"{o:.0f} deg (view ramp to {v:.0f})"
                                                           for v, o in all_data.items())
        + f"; shipped: {shipped_onset:.0f} deg, view ramp to {settings.spine.max_view_yaw_deg:.0f}")
    # How close each call is: the onset (deg of contour bend) at which the clip's verdict flips, with the shipped ramp,
    # and up to which it is undecided after that (a way down read rounded, `Flip.cleared_deg`).
    shipped_flips = flips.get(settings.spine.max_view_yaw_deg, [None] * len(scored))
    log(f"\n  {'clip':70s} {'label':14s} {'view':8s} {'shipped':18s} {'held out':18s} {'flips at':>8s} undecided to")
    for clip, shipped, held, flip in zip(scored, shipped_verdicts, loso, shipped_flips, strict=True):
        mark = "" if is_right(clip.label, held) else "  <- wrong"
        at = f"{flip.onset_deg:.0f}" if flip is not None and np.isfinite(flip.onset_deg) else "never"
        band = f"{flip.cleared_deg:12.0f}" if flip is not None and np.isfinite(flip.cleared_deg) else " " * 12
        log(f"  {clip.file[:70]:70s} {clip.label:14s} {clip.view:8s} {shipped:18s} {held:18s} {at:>8s} {band}{mark}")
    for clip in apart:
        log(f"  {clip.file[:70]:70s} {clip.label:14s} {clip.view:8s} {clip_verdict(clip, settings):18s} (not scored)")


def _fitted_as_filmed(footage: Path, filmed_cache: Path, settings: Settings, scored: list[Clip],
                      flips: dict[float, list[Flip]], log: Callable[[str], None]) -> Score:
    """The variant's clips (``scored``, their ``flips``) judged with the onset and view ramp fitted, source by source,
    on the other sources' clips as filmed (the tracks in ``filmed_cache``, made where missing): what a lifter
    filmed this way gets from values chosen on clips filmed as the development ones were. The variant's own
    left-out figure fits them on the variant's clips, which no user's values are."""
    filmed = {c.file: c for c in load_clips(footage, filmed_cache, settings, log)}
    as_filmed = [filmed[c.file] for c in scored]
    filmed_flips = {view: [flip_point(c, settings, view) for c in as_filmed] for view in VIEW_CANDIDATES}
    verdicts, _ = leave_one_source_out(scored, filmed_flips, settings.spine.max_view_yaw_deg, flips)
    return score((c.label, v) for c, v in zip(scored, verdicts, strict=True))
