"""Rendered cases with known truth, class by class: the spine-flexion error and the verdicts (issue 10 and 14).

    python benchmarks/rendered_cases.py [--yaw 0 30] [--pitch DEG] [--only CLASS ...] [--cache DIR] [-j N] [--live]

(also run by `benchmarks/accuracy.py --rendered`). Each class is one kind of lift, body or clothing that real lifters
show: a neutral hinge and a rounded stoop on the default figure, a flat hinge looking down at the feet (the head's
flexion must not be taken for a rounded back), a dumbbell RDL done both ways and a good morning with the dumbbells at
the chest (issue 10 saw side-on dumbbell hinges left undecided), thoracic rounding with the head dropped and with the
neck extended to look ahead (the head's cue then cannot help), lumbar flexion (the pelvis tucking under) at the bottom
of a dumbbell squat (the trunk leaning 45 deg, and a goblet squat's 30), a dark loose hoodie (over a flat hinge and a
thoracic hunch, head hanging or looking ahead), bodies with more or less lordosis, kyphosis and buttock, the set-up
fault (a rounded reach-down, then a flat back for the pull), a full flexion with the trunk folded past 150 deg
from up, and objects lifted from the floor (a box, a bag; one lifted flat and set down rounded). Each is rendered
side-on and at 30 deg of yaw, 2 bends (an object lift is one pick-up and one set-down), analysed as `liftform
analyze` would, and scored:

- MAE: spine-flexion error (deg) against the truth over the judged frames (confidence >= [verdict] min_confidence
  and a posture where rounding is judged: `core.flags.spine_judged`), with the default zero. Goal <= 5 deg
  side-on.
- reps: how many reps were found (truth: the number of bends) and how many were called right (rounded or not, as
  the class was made; insufficient_data is wrong); the verdicts seen; the clip verdict against the class's.
- the set-up fault: how many pick-up bends (every other rep, from the first) carry the "rounded_reach_down" finding.

--own-zero also judges every class from a zero of the lifter's own, as `liftform screen --neutral` reads it from a
rep someone checked neutral (`checked_rep`: the same body, clothes, camera, load and head, the same lift with no
spinal flexion; rendered too): the MAE and the clip's verdict then, beside the default zero's. What a body or
garment moves is the person's zero, which a checked rep takes out; what stays is the measure's own error.

--pitch DEG films every class from a camera looking down from above by DEG (negative: from below, a phone on the
floor tilted up) instead of a level one at hip height: what a camera on a shelf or a workplace's ceiling camera does
to the readings.

Rendering and the pose model are the slow part (about 15 s a clip): the pose tracks and truth are cached in
--cache, keyed by the case's spec, the renderer's source, the pose settings and the pose stage's own digest
(`pose_stamp`), so after a change to the core (the spine measure, reps, verdicts) a rerun takes seconds, and after
a change to the pose stage the classes are rendered again.
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pose_stamp import pose_stage_stamp  # noqa: E402  (a sibling script)

from liftform.core.flags import spine_judged  # noqa: E402
from liftform.settings import Settings  # noqa: E402
from liftform.synth import Build, LiftSpec  # noqa: E402
from liftform.track import PoseTrack  # noqa: E402

ROUNDED, SAFE = "rounded_back", "safe"


@dataclass(frozen=True)
class Case:
    """One class: its spec (side-on; the yaw is set per run) and the verdict its clip was made to get (every rep's
    too, unless ``rounded_bends`` names the bends made rounded)."""

    name: str
    spec: LiftSpec
    expected: str  # ROUNDED or SAFE
    group: str = "lift"
    faults: tuple[str, ...] = field(default=())  # findings the reps should carry (the set-up fault)
    rounded_bends: tuple[int, ...] | None = None  # the bends made rounded, where not all (or none) of them are

    def bend_rounded(self, index: int) -> bool:
        """Whether bend ``index`` (0-based) was made rounded."""
        return index in self.rounded_bends if self.rounded_bends is not None else self.expected == ROUNDED


def bend_spec(motion: str, **kw) -> LiftSpec:
    return LiftSpec(motion=motion, reps=2, stand_s=0.5, supersample=1, **kw)


def _object(motion: str, prop: str = "box", **kw) -> LiftSpec:
    return LiftSpec(motion=motion, prop=prop, reps=1, stand_s=0.5, supersample=1, **kw)


CASES = (
    Case("hinge", bend_spec("hip_hinge"), SAFE),
    Case("rounded even", bend_spec("rounded_back"), ROUNDED),
    Case("rounded thoracic, head down", bend_spec("rounded_back", build=Build(spine_pattern="thoracic")), ROUNDED),
    Case("rounded thoracic, looking ahead",
         bend_spec("rounded_back", build=Build(spine_pattern="thoracic"), head="ahead"), ROUNDED),
    Case("squat, dumbbells", bend_spec("squat", prop="dumbbell"), SAFE),
    Case("dumbbell RDL", bend_spec("hip_hinge", prop="dumbbell"), SAFE),
    Case("dumbbell good morning", bend_spec("good_morning", prop="dumbbell"), SAFE),
    Case("hinge looking at the feet", bend_spec("hip_hinge", head="feet"), SAFE),
    Case("rounded dumbbell RDL", bend_spec("rounded_back", prop="dumbbell"), ROUNDED),
    # A deliberate full flexion (a toe touch, a stiff-legged reach to the floor): the trunk on past 150 deg from up,
    # where the model's own folded skeletons lie (`core.plausibility.folded_by_bending` tells them apart).
    Case("full flexion past the fold", bend_spec("rounded_back", spine_flexion_peak_deg=60.0, trunk_peak_deg=145.0),
         ROUNDED),
    Case("squat lumbar flexion", bend_spec("squat", prop="dumbbell", spine_flexion_peak_deg=30.0, trunk_peak_deg=45.0,
                                       build=Build(spine_pattern="lumbar")), ROUNDED),
    # The same at a goblet squat's upright trunk (30 deg): judged only because the hips flex deeply.
    Case("goblet squat lumbar flexion", bend_spec("squat", prop="dumbbell", spine_flexion_peak_deg=30.0,
                                              trunk_peak_deg=30.0, build=Build(spine_pattern="lumbar")), ROUNDED),
    Case("hoodie hinge", bend_spec("hip_hinge", hoodie=True), SAFE, "clothes"),
    Case("hoodie rounded thoracic", bend_spec("rounded_back", hoodie=True, build=Build(spine_pattern="thoracic")),
         ROUNDED, "clothes"),
    # The same hunch with the neck extended to look ahead: neither the contour (the hoodie fills the upper back's
    # turn) nor the head's cue can see it.
    Case("hoodie rounded thoracic, looking ahead",
         bend_spec("rounded_back", hoodie=True, build=Build(spine_pattern="thoracic"), head="ahead"), ROUNDED,
         "clothes"),
    Case("kyphotic hinge", bend_spec("hip_hinge", build=Build(kyphosis_deg=15.0)), SAFE, "body"),
    Case("flat lumbar hinge", bend_spec("hip_hinge", build=Build(lordosis_deg=-10.0)), SAFE, "body"),
    Case("lordotic stoop", bend_spec("rounded_back", build=Build(lordosis_deg=15.0)), ROUNDED, "body"),
    Case("big buttocks stoop", bend_spec("rounded_back", build=Build(buttock_m=0.05)), ROUNDED, "body"),
    Case("small buttocks hinge", bend_spec("hip_hinge", build=Build(buttock_m=-0.03)), SAFE, "body"),
    Case("broad hinge", bend_spec("hip_hinge", build=Build(girth=1.25)), SAFE, "body"),
    Case("set-up fault (box)", _object("reach_rounded_then_flat"), SAFE, "object", ("rounded_reach_down",)),
    Case("box stoop", _object("stoop_lift"), ROUNDED, "object"),
    # picked up with a flat back, set down stooped and rounded: the set-down lowers the load (judged to touch-down)
    Case("box set down rounded", _object("rounded_set_down"), ROUNDED, "object", rounded_bends=(1,)),
    Case("box hinge", _object("hinge_lift"), SAFE, "object"),
    Case("box squat", _object("squat_lift"), SAFE, "object"),
    Case("box half-kneel", _object("half_kneel_lift"), SAFE, "object"),
    Case("bag stoop", _object("stoop_lift", "bag"), ROUNDED, "object"),
    Case("bag hinge", _object("hinge_lift", "bag"), SAFE, "object"),
)


def _renderer_digest() -> str:
    """Hash of the renderer's source: a change to it invalidates the cache."""
    h = hashlib.sha256()
    for path in sorted((REPO / "liftform" / "synth").glob("*.py")):
        # The list of samples and the scenes of several people (synth.group) do not change how one spec renders.
        if path.name not in ("__main__.py", "group.py"):
            h.update(path.read_bytes())
    return h.hexdigest()[:16]


def cache_key(spec: LiftSpec, settings: Settings) -> str:
    """The name of ``spec``'s cached track: what renders it and what reads it (`pose_stamp`: the pose stage's own
    digest, so tracks an earlier pose stage made are not found)."""
    text = repr(spec) + repr(settings.pose) + _renderer_digest() + pose_stage_stamp(settings)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def tracked(spec: LiftSpec, settings: Settings, cache: Path) -> tuple[PoseTrack, dict[str, np.ndarray]]:
    """The pose track of the rendered ``spec`` and its truth (spine flexion, loaded, lift phase, rep index), from the
    cache or rendered and estimated now."""
    from liftform.pipeline import estimate_video_track
    from liftform.synth import write_sample

    path = cache / f"{cache_key(spec, settings)}.npz"
    if path.is_file():
        data = dict(np.load(path, allow_pickle=False))
        truth = {k[6:]: v for k, v in data.items() if k.startswith("truth_")}
        return PoseTrack.from_npz({k: v for k, v in data.items() if not k.startswith("truth_")}), truth
    with tempfile.TemporaryDirectory() as tmp:
        video = Path(tmp) / "case.mp4"
        truth_all = write_sample(spec, video)
        track, *_ = estimate_video_track(video, settings)
    truth = {"spine_flexion_deg": np.asarray(truth_all.spine_flexion_deg), "loaded": np.asarray(truth_all.loaded),
             "lift_phase": np.asarray(truth_all.lift_phase).astype("U12"), "rep_index": truth_all.rep_index}
    cache.mkdir(parents=True, exist_ok=True)
    tmp_path = path.with_suffix(".tmp.npz")
    np.savez_compressed(tmp_path, **track.to_npz_dict(), **{f"truth_{k}": v for k, v in truth.items()})
    tmp_path.replace(path)  # atomic: a half-written cache entry is never read
    return track, truth


@dataclass(frozen=True)
class Score:
    case: str
    yaw_deg: float
    mae_deg: float
    judged_frames: int
    reps_found: int
    reps_true: int
    reps_right: int
    verdicts: str
    clip_verdict: str
    clip_right: bool
    fault_reps: int  # pick-up bends carrying the class's finding
    own_mae_deg: float = float("nan")   # --own-zero: the MAE judged from the zero of the lifter's checked rep
    own_clip_right: bool | None = None  # --own-zero: the clip's verdict from that zero right (None: no zero)


def analyzed(spec: LiftSpec, settings: Settings, cache: Path, spine_baseline_deg: float | None = None):
    """The `Analysis` `liftform analyze` makes of the rendered ``spec`` (its pose track from the cache, `tracked`)
    and the truth; ``spine_baseline_deg`` a zero of the lifter's own (default: the settings')."""
    from liftform.analysis import ModelInfo, SourceInfo
    from liftform.pipeline import analyze_track

    track, truth = tracked(spec, settings, cache)
    source = SourceInfo(spec.name, "", spec.fps, len(track), spec.width_px, spec.height_px, len(track) / spec.fps)
    return analyze_track(track, source, ModelInfo(settings.pose.model, ""), settings,
                         spine_baseline_deg=spine_baseline_deg), truth


def checked_rep(spec: LiftSpec) -> LiftSpec:
    """The rep the lifter of ``spec`` would have someone check neutral (`liftform screen --neutral`): their body,
    clothes, colours, camera, load and head, the same lift with no spinal flexion (a stoop's: a hip hinge)."""
    motion = "hip_hinge" if spec.motion == "rounded_back" else spec.motion
    return replace(spec, motion=motion, spine_flexion_peak_deg=0.0)


def own_zero_deg(spec: LiftSpec, settings: Settings, cache: Path) -> float:
    """The zero `liftform screen --neutral` reads from the checked rep of ``spec``'s lifter (NaN: none)."""
    from liftform.core.screen import own_neutral_bend_deg

    return own_neutral_bend_deg(analyzed(checked_rep(spec), settings, cache)[0].kinematics, settings.verdict)


def score(case: Case, yaw_deg: float, settings: Settings, cache: Path, own_zero: bool = False) -> Score:
    spec = replace(case.spec, yaw_deg=yaw_deg)
    analysis, truth = analyzed(spec, settings, cache)
    scored = _scored(case, yaw_deg, analysis, truth, settings)
    zero = own_zero_deg(spec, settings, cache) if own_zero else float("nan")
    if np.isnan(zero):
        return scored
    own = _scored(case, yaw_deg, analyzed(spec, settings, cache, spine_baseline_deg=zero)[0], truth, settings)
    return replace(scored, own_mae_deg=own.mae_deg, own_clip_right=own.clip_right)


def live_score(case: Case, yaw_deg: float) -> Score:
    """The class as `liftform live` judges it: rendered, played as a camera without pacing (every frame), the live
    model (`LiveConfig.model`) and the live settings, each rep as judged during the session (not cached: the live
    path needs the video)."""
    from liftform.live import LiveConfig, run_live
    from liftform.synth import write_sample

    spec = replace(case.spec, yaw_deg=yaw_deg)
    with tempfile.TemporaryDirectory() as tmp:
        video = Path(tmp) / "case.mp4"
        truth_all = write_sample(spec, video)
        result = run_live(LiveConfig(source=video, paced=False, window=False, output_dir=Path(tmp) / "out"))
    truth = {"spine_flexion_deg": np.asarray(truth_all.spine_flexion_deg), "rep_index": truth_all.rep_index}
    # The saved session's angles, with the reps as they were judged live.
    judged_live = replace(result.analysis, verdicts=tuple(result.live_verdicts))
    return _scored(case, yaw_deg, judged_live, truth, result.analysis.settings)


def _scored(case: Case, yaw_deg: float, analysis, truth: dict[str, np.ndarray], settings: Settings) -> Score:
    """``analysis``'s reps and clip verdict scored against the class, the spine error from its angles."""
    kin, v, verdicts = analysis.kinematics, settings.verdict, analysis.verdicts
    true_spine = truth["spine_flexion_deg"][kin.frame_index]
    judged = (kin.spine_flexion_confidence >= v.min_confidence) & spine_judged(
        kin.trunk_inclination_deg, kin.hip_flexion_deg, v)
    err = np.abs(kin.spine_flexion_deg - true_spine)[judged]
    right = sum(r.verdict != "insufficient_data" and r.is_rounded == case.bend_rounded(i)
                for i, r in enumerate(verdicts))
    names: dict[str, int] = {}
    for r in verdicts:
        names[r.verdict] = names.get(r.verdict, 0) + 1
    clip = analysis.verdict
    clip_right = clip != "insufficient_data" and (clip == ROUNDED) == (case.expected == ROUNDED)
    # An object lift alternates pick-up and set-down bends: the set-up fault's finding belongs to the pick-ups.
    faults = sum(all(f in r.faults for f in case.faults) for r in verdicts[::2]) if case.faults else 0
    return Score(case.name, yaw_deg, float(np.mean(err)) if len(err) else float("nan"), int(judged.sum()),
                 len(verdicts), int(truth["rep_index"].max()) + 1, right,
                 " ".join(f"{k}x{n}" for k, n in names.items()), clip, clip_right, faults)


def _score_job(args: tuple[Case, float, Path, bool, bool]) -> Score:
    case, yaw, cache, live, own_zero = args
    return live_score(case, yaw) if live else score(case, yaw, Settings(), cache, own_zero)


def run(cases: tuple[Case, ...], yaws: tuple[float, ...], cache: Path, jobs: int = 1,
        live: bool = False, own_zero: bool = False) -> list[Score]:
    """Score every case at every yaw (``jobs`` processes for the clips not yet cached; ``live``: as `liftform live`
    judges them; ``own_zero``: also from the zero of each lifter's checked rep)."""
    work = [(c, y, cache, live, own_zero) for c in cases for y in yaws]
    if jobs > 1:
        # spawn, not fork: a parent that has run the pose model (accuracy.py's part (a)) holds its threads' locks,
        # and a forked worker that then runs the model waits on them forever.
        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
            return list(pool.map(_score_job, work))
    return [_score_job(w) for w in work]


def print_table(scores: list[Score], cases: tuple[Case, ...]) -> None:
    expected = {c.name: c for c in cases}
    print("(c) rendered classes with known truth: spine-flexion MAE (deg, judged frames, default zero) and verdicts")
    own = any(s.own_clip_right is not None for s in scores)
    own_head = f" {'own-zero MAE':>12s} {'ok':>3s}" if own else ""
    print(f"{'class':30s} {'yaw':>3s} {'expect':>7s} {'MAE':>5s} {'frames':>6s} {'reps':>5s} {'right':>5s} "
          f"{'clip':>17s} {'ok':>3s}{own_head}  verdicts")
    for s in scores:
        case = expected[s.case]
        extra = f"  {case.faults[0]} on pick-ups: {s.fault_reps}/{(s.reps_found + 1) // 2}" if case.faults else ""
        own_cells = (f" {s.own_mae_deg:12.1f} {_yes(s.own_clip_right):>3s}" if own else "")
        print(f"{s.case:30s} {s.yaw_deg:3.0f} {'rounded' if case.expected == ROUNDED else 'safe':>7s} "
              f"{s.mae_deg:5.1f} {s.judged_frames:6d} {s.reps_found:2d}/{s.reps_true:<2d} "
              f"{s.reps_right:2d}/{s.reps_found:<2d} "
              f"{s.clip_verdict:>17s} {_yes(s.clip_right):>3s}{own_cells}  {s.verdicts}{extra}")
    for yaw in sorted({s.yaw_deg for s in scores}):
        at = [s for s in scores if s.yaw_deg == yaw]
        maes = [s.mae_deg for s in at if np.isfinite(s.mae_deg)]
        worst = max(at, key=lambda s: s.mae_deg if np.isfinite(s.mae_deg) else -1)
        print(f"yaw {yaw:.0f}: clips right {sum(s.clip_right for s in at)}/{len(at)}, reps right "
              f"{sum(s.reps_right for s in at)}/{sum(s.reps_true for s in at)} (of the true bends), MAE mean "
              f"{np.mean(maes):.1f} deg, worst {worst.mae_deg:.1f} ({worst.case}); classes with MAE > 5: "
              f"{sum(m > 5 for m in maes)}")
        if own:
            own_maes = [s.own_mae_deg for s in at if np.isfinite(s.own_mae_deg)]
            print(f"  from each lifter's own checked rep: clips right {sum(s.own_clip_right is True for s in at)}/"
                  f"{len(at)} ({sum(s.own_clip_right is None for s in at)} without a zero), MAE mean "
                  f"{np.mean(own_maes):.1f} deg, classes with MAE > 5: {sum(m > 5 for m in own_maes)}")
    groups = sorted({expected[s.case].group for s in scores})
    for g in groups:
        at = [s for s in scores if expected[s.case].group == g]
        print(f"  {g:8s}: clips right {sum(s.clip_right for s in at)}/{len(at)}, reps right "
              f"{sum(s.reps_right for s in at)}/{sum(s.reps_true for s in at)}")
    print()


def _yes(right: bool | None) -> str:
    return "-" if right is None else "yes" if right else "NO"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--yaw", type=float, nargs="+", default=[0.0, 30.0])
    parser.add_argument("--pitch", type=float, default=0.0,
                        help="the camera's pitch, degrees looking down from above (negative: from below)")
    parser.add_argument("--only", nargs="+", help="class names (substring match)")
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "liftform-bench" / "rendered")
    parser.add_argument("-j", "--jobs", type=int, default=1)
    parser.add_argument("--live", action="store_true",
                        help="judge each class as `liftform live` does (live model, live settings; ~15 s a clip)")
    parser.add_argument("--own-zero", action="store_true",
                        help="also judge each class from the zero of its lifter's own checked rep")
    args = parser.parse_args(argv)
    cases = tuple(replace(c, spec=replace(c.spec, pitch_deg=args.pitch)) for c in CASES
                  if not args.only or any(o in c.name for o in args.only))
    if not cases or args.jobs < 1:     # `--only zzz` had printed an empty table and exited 0
        parser.error(f"no class matches --only {' '.join(args.only)}" if not cases else "-j takes 1 or more")
    if args.pitch:
        print(f"filmed from a camera pitched {args.pitch:+.0f} deg (looking {'down' if args.pitch > 0 else 'up'} "
              "at the lifter), not a level one")
    if args.live:
        print("as `liftform live` judges them: rendered, played unpaced, the live model and settings, each rep as "
              "judged live")
    print_table(run(cases, tuple(args.yaw), args.cache, args.jobs, args.live, args.own_zero), cases)


if __name__ == "__main__":
    main()
