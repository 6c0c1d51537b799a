"""Random rendered lifters with known truth: do the verdicts hold on bodies, clothes, heads and views that no setting
was chosen on? (issue 10: "design for people and clothes you have not seen").

    python benchmarks/rendered_random.py [--n 60] [--seed 1234] [--cache DIR] [-j N]

(also run by `benchmarks/accuracy.py --random N`). The named classes of `rendered_cases.py` vary one thing
at a time from the default figure; here every lift draws all of them at once: the motion (a hip hinge, a good
morning, a squat with or without lumbar flexion, a stoop rounded 15-60 deg), the body (lordosis -12..15 deg,
kyphosis -8..20 deg, buttocks -3..+6 cm, girth 0.85-1.3, where the spine bends: evenly, thoracic or lumbar), a dark
loose hoodie (1 in 5) or a loose shirt, the head (the motion's own, looking at the feet, looking ahead), the camera's
yaw (0-40 deg, filmed from either side) and the colours. Each lift is two bends, analysed as `liftform analyze`
would; the clip's verdict is scored against its truth: **rounded** where the true spine flexion in the loaded part
of a bend reaches 30 deg, **safe** where it stays under 12 deg, and not scored in between (the limit is 21 deg past
neutral, and the contour's neutral moves with the body by about that much: either verdict is defensible there).
insufficient_data counts as wrong. Prints one line per lift and the sensitivity, specificity and undecided share,
overall and by view, body and clothes; and whether a rep's confidence can be believed: each decided rep against the
truth of its own loaded frames (scored as a clip is), right / reps in bands of its confidence.

--own-zero also judges each lift from a zero of the lifter's own, as `liftform screen --neutral` reads it
(`core.screen.own_neutral_bend_deg`) from a rep someone checked neutral (`rendered_cases.checked_rep`: the same
body, clothes, colours, camera, load and head, the same lift with no spinal flexion; a stoop's is a hip hinge;
rendered too: twice the work the first time). It prints both verdicts per lift and both summaries: what a lifter
whose build reads rounded gains by having one rep checked.

Rendering and the pose model are the slow part (~8 min for 60 lifts with -j 2 the first time); the tracks and truth
are cached in --cache like the named classes' (`rendered_cases.tracked`).
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from rendered_cases import analyzed, bend_spec, own_zero_deg  # noqa: E402
from scoring_stats import confidence_bands  # noqa: E402

from liftform.settings import Settings  # noqa: E402
from liftform.synth import Build, LiftSpec  # noqa: E402

ROUNDED_FROM_DEG, SAFE_UNDER_DEG = 30.0, 12.0
DEFAULT_CACHE = Path.home() / ".cache" / "liftform-bench" / "random"


def random_specs(n: int, seed: int) -> list[LiftSpec]:
    """``n`` random lifts (two bends each), the same for the same ``seed``."""
    rng = np.random.default_rng(seed)
    specs = []
    for _ in range(n):
        motion = str(rng.choice(["hip_hinge", "rounded_back", "rounded_back", "squat", "good_morning"]))
        build = Build(lordosis_deg=float(rng.uniform(-12, 15)), kyphosis_deg=float(rng.uniform(-8, 20)),
                      buttock_m=float(rng.uniform(-0.03, 0.06)), girth=float(rng.uniform(0.85, 1.3)),
                      spine_pattern=str(rng.choice(["even", "thoracic", "lumbar"])))
        kw = dict(yaw_deg=float(rng.uniform(0, 40)), faces=str(rng.choice(["left", "right"])), build=build,
                  seed=int(rng.integers(1, 10_000)), hoodie=bool(rng.random() < 0.2),
                  loose_shirt=bool(rng.random() < 0.15), head=str(rng.choice(["auto", "auto", "feet", "ahead"])))
        if motion == "rounded_back":
            kw["spine_flexion_peak_deg"] = float(rng.uniform(15, 60))
        elif motion == "squat":
            kw["prop"] = str(rng.choice(["auto", "dumbbell"]))
            if rng.random() < 0.6:      # lumbar flexion at the bottom, the trunk leaning 25-50 deg
                kw["spine_flexion_peak_deg"] = float(rng.uniform(0, 35))
                kw["trunk_peak_deg"] = float(rng.uniform(25, 50))
        else:
            kw["prop"] = str(rng.choice(["auto", "dumbbell"]))
            if rng.random() < 0.5:
                kw["spine_flexion_peak_deg"] = float(rng.uniform(0, 12))
        specs.append(bend_spec(motion, **kw))
    return specs


@dataclass(frozen=True)
class Lift:
    spec: LiftSpec
    true_peak_deg: float        # the most true spine flexion in the loaded part of either bend
    verdict: str                # the clip's: rounded_back | safe | insufficient_data
    rep_verdicts: tuple[str, ...]  # each rep's, "(head)" where the head hanging alone made it rounded
    own_zero_deg: float = float("nan")   # --own-zero: the zero read from the lifter's checked-neutral lift
    own: Lift | None = None              # --own-zero: the same lift judged from that zero
    # Each decided rep whose own truth is clear (its loaded part's true peak over ROUNDED_FROM_DEG or under
    # SAFE_UNDER_DEG): (its confidence, whether its verdict is right).
    rep_checks: tuple[tuple[float, bool], ...] = ()

    @property
    def expected(self) -> str | None:
        if self.true_peak_deg >= ROUNDED_FROM_DEG:
            return "rounded_back"
        return "safe" if self.true_peak_deg < SAFE_UNDER_DEG else None

    def describe(self) -> str:
        s, b = self.spec, self.spec.build
        clothes = "hoodie" if s.hoodie else ("shirt" if s.loose_shirt else "-")
        return (f"{s.motion:12s} {s.prop:8s} yaw {s.yaw_deg:2.0f} {s.faces:5s} lordosis {b.lordosis_deg:3.0f} "
                f"kyphosis {b.kyphosis_deg:3.0f} buttocks {100 * b.buttock_m:2.0f} cm girth {b.girth:.2f} "
                f"{b.spine_pattern:8s} {clothes:6s} head {s.head:5s}")

    def mark(self) -> str:
        """'ok' or 'WRONG' against the truth; '' where not scored."""
        return "" if self.expected is None else ("ok" if self.verdict == self.expected else "WRONG")


def judge(spec: LiftSpec, cache: Path, own_zero: bool = False) -> Lift:
    settings = Settings()
    analysis, truth = analyzed(spec, settings, cache)
    loaded = truth["loaded"].astype(bool)
    flexion = truth["spine_flexion_deg"]
    peak = float(np.max(flexion[loaded])) if loaded.any() else float(np.max(flexion))
    lift = Lift(spec, peak, analysis.verdict, _rep_words(analysis), rep_checks=_rep_checks(analysis, truth))
    if not own_zero:
        return lift
    zero = own_zero_deg(spec, settings, cache)
    if np.isnan(zero):      # `liftform screen --neutral` refuses: no zero, so no answer from one
        return replace(lift, own_zero_deg=zero, own=replace(lift, verdict="insufficient_data", rep_verdicts=()))
    own = analyzed(spec, settings, cache, spine_baseline_deg=zero)[0]
    return replace(lift, own_zero_deg=zero, own=replace(lift, verdict=own.verdict, rep_verdicts=_rep_words(own)))


def _rep_checks(analysis, truth: dict[str, np.ndarray]) -> tuple[tuple[float, bool], ...]:
    """(confidence, right) of each decided rep against the true flexion of its own loaded frames."""
    frames = analysis.kinematics.frame_index
    checks = []
    for v in analysis.verdicts:
        rows = frames[v.rep.start:v.rep.end + 1]
        loaded = truth["loaded"][rows].astype(bool)
        if v.verdict == "insufficient_data" or not loaded.any():
            continue
        peak = float(np.max(truth["spine_flexion_deg"][rows][loaded]))
        if SAFE_UNDER_DEG <= peak < ROUNDED_FROM_DEG:
            continue
        checks.append((float(v.confidence), v.is_rounded == (peak >= ROUNDED_FROM_DEG)))
    return tuple(checks)


def _rep_words(analysis) -> tuple[str, ...]:
    """Each rep's verdict, "(head)" where the head hanging alone made it rounded."""
    return tuple(v.verdict + (" (head)" if v.head_led else "") for v in analysis.verdicts)


def _judge_job(args: tuple[LiftSpec, Path, bool]) -> Lift:
    return judge(*args)


def run(n: int, seed: int, cache: Path, jobs: int = 1, own_zero: bool = False) -> list[Lift]:
    work = [(spec, cache, own_zero) for spec in random_specs(n, seed)]
    if jobs > 1:
        # spawn, not fork: see rendered_cases.run
        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
            return list(pool.map(_judge_job, work))
    return [_judge_job(w) for w in work]


def summary(lifts: list[Lift]) -> str:
    scored = [x for x in lifts if x.expected is not None]
    rounded = [x for x in scored if x.expected == "rounded_back"]
    safe = [x for x in scored if x.expected == "safe"]
    right = sum(x.verdict == x.expected for x in scored)
    undecided = sum(x.verdict == "insufficient_data" for x in scored)
    # A safe lift called rounded by its hanging head alone: by design (the head hanging under load counts), though
    # the truth here is the back's.
    by_head = sum(x.verdict == "rounded_back" and all(v.endswith("(head)") for v in x.rep_verdicts
                                                       if v.startswith("rounded_back")) for x in safe)
    return (f"{len(scored):2d} scored: right {right}/{len(scored)}   sensitivity "
            f"{sum(x.verdict == 'rounded_back' for x in rounded)}/{len(rounded)}   specificity "
            f"{sum(x.verdict == 'safe' for x in safe)}/{len(safe)} ({by_head} called rounded by the head alone)   "
            f"undecided {undecided}")


GROUPS = {
    "side-on (yaw < 15)": lambda s: s.yaw_deg < 15, "yaw 15-30": lambda s: 15 <= s.yaw_deg < 30,
    "yaw 30-40": lambda s: s.yaw_deg >= 30,
    "kyphosis < 5 deg": lambda s: s.build.kyphosis_deg < 5, "kyphosis 5-15": lambda s: 5 <= s.build.kyphosis_deg < 15,
    "kyphosis >= 15 (a rounded upper back)": lambda s: s.build.kyphosis_deg >= 15,
    "lordosis < 0 (a flat lower back)": lambda s: s.build.lordosis_deg < 0,
    "lordosis >= 0": lambda s: s.build.lordosis_deg >= 0,
    "hoodie or loose shirt": lambda s: s.hoodie or s.loose_shirt,
    "fitted clothes": lambda s: not (s.hoodie or s.loose_shirt),
}


def print_report(lifts: list[Lift]) -> None:
    print(f"(e) random rendered lifters: the clip's verdict against its truth (rounded: >= {ROUNDED_FROM_DEG:.0f} deg "
          f"of true flexion while loaded; safe: under {SAFE_UNDER_DEG:.0f}; in between not scored)")
    for x in lifts:
        print(f"  {x.describe()} true {x.true_peak_deg:3.0f}  {x.expected or 'not scored':12s} {x.verdict:17s} "
              f"{x.mark():5s} reps: {' '.join(x.rep_verdicts)}")
        if x.own is not None:
            print(f"      from the own zero {x.own_zero_deg:5.1f} deg (checked rep): {x.own.verdict:17s} "
                  f"{x.own.mark():5s} reps: {' '.join(x.own.rep_verdicts)}")
    _print_summaries(lifts)
    _print_confidence(lifts)
    own = [x.own for x in lifts if x.own is not None]
    if own:
        zeros = np.array([x.own_zero_deg for x in lifts])
        print(f"  judged from each lifter's own zero (the same lift checked neutral; zeros {np.nanmin(zeros):.0f} to "
              f"{np.nanmax(zeros):.0f} deg, the shipped {Settings().spine.neutral_bend_deg:.0f}):")
        _print_summaries(own)


def _print_confidence(lifts: list[Lift]) -> None:
    """Is a rep's confidence honest? The share of decided reps called right, by their confidence (result.json's)."""
    print("  each decided rep against its own truth, right by its confidence: "
          + confidence_bands(c for x in lifts for c in x.rep_checks))


def _print_summaries(lifts: list[Lift]) -> None:
    print(f"  all lifts  {summary(lifts)}")
    for name, member in GROUPS.items():
        print(f"    {summary([x for x in lifts if member(x.spec)])}   {name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=60, help="how many random lifts")
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("-j", "--jobs", type=int, default=2)
    parser.add_argument("--own-zero", action="store_true",
                        help="also judge each lift from the zero of its lifter's own checked-neutral lift")
    args = parser.parse_args()
    if args.n < 1 or args.jobs < 1:      # `--n -3` had printed an empty report and exited 0
        parser.error("--n takes 1 or more lifters, -j 1 or more processes")
    print_report(run(args.n, args.seed, args.cache, args.jobs, args.own_zero))


if __name__ == "__main__":
    main()
