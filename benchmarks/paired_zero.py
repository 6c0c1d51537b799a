"""A lifter's own zero on real people: the development lifters filmed in several clips (the manifest's notes: the
same lifter or demonstrator, flat in some clips and rounded in others), each clip judged from a zero read off
another of the same lifter's flat clips, as `liftform screen --neutral` reads it from a clip a coach checked flat
(`core.screen.own_neutral_bend_deg`), against the shipped zero.

    python benchmarks/paired_zero.py [--footage-dir ../shared/footage] [--cache DIR]

Every flat clip of a lifter is taken in turn as the checked one; each of the lifter's other clips is judged from its
zero (pairs), and the tally counts pairs: a rounded back caught, a flat one cleared (undecided is wrong), apart for
pairs of the same lift (the manifest's exercise, its variant in brackets aside) and of another lift. The clips'
pose tracks are `benchmarks/accuracy.py --footage`'s (same cache). The limit past the zero is the shipped one, set on
these clips (in-sample); frontal clips are not judged, and a checked clip whose back was not seen bent long enough
gives no zero (said).
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import footage  # noqa: E402

from liftform.core.kinematics import compute_kinematics  # noqa: E402
from liftform.core.screen import own_neutral_bend_deg, unusable_zero  # noqa: E402
from liftform.settings import Settings  # noqa: E402

_DEADLIFTS = "BichraiX__AI-Deadlift-Analysis/"
_KETTLEBELL = "Ulisses-coach__kbtrainer/"
# Lifters filmed in several development clips (MANIFEST.csv's notes say which are the same person).
LIFTERS = {
    "a deadlifter filmed three ways in one video": [f"{_DEADLIFTS}good/good004.mp4", f"{_DEADLIFTS}bad/bad005.mp4",
                                                    f"{_DEADLIFTS}bad/bad006.mp4"],
    "a shirtless demonstrator beside a skeleton": [f"{_DEADLIFTS}good/good{n}.mp4" for n in ("014", "015", "020")]
    + [f"{_DEADLIFTS}bad/bad{n}.mp4" for n in ("007", "008", "009", "018")],
    "one creator's deadlifts, good and faulted": [f"{_DEADLIFTS}good/good{n}.mp4" for n in ("017", "018", "019")]
    + [f"{_DEADLIFTS}bad/bad{n}.mp4" for n in ("010", "011", "012", "013")],
    "a kettlebell coach": [f"{_KETTLEBELL}{name}.mp4" for name in ("kbDeadlift", "kbGoodMorning", "kbsAmericano",
                                                                   "kbsRusso", "gobletSquats")],
    "a red-shirted demonstrator": ["jf9ss9__ai-workout/deadlift.mp4", "jrplatin__FormFit/deadlift.mp4"],
}
FLAT = ("neutral_hinge", "squat_lift")     # labels of a clip a coach could have checked flat


def lifter_report(name: str, clips: list[footage.Clip], lifts: dict[str, str], settings: Settings,
                  tally: dict[tuple[str, str], list[int]]) -> None:
    """Print one lifter's pairs and add them to ``tally`` ({(label kind, same or another lift): [pairs, right
    shipped, right own]}); ``lifts``: each clip's lift."""
    print(f"\n{name}:")
    for checked in clips:
        if checked.label not in FLAT or checked.track is None:
            continue
        zero = own_neutral_bend_deg(compute_kinematics(checked.track, settings.filter, settings.spine),
                                    settings.verdict)
        if (problem := unusable_zero(zero)) is not None:
            print(f"  checked {checked.file[-40:]}: no zero ({problem})")
            continue
        print(f"  checked {checked.file[-40:]} ({checked.view}): own zero {zero:+.1f} deg "
              f"(most people's {settings.spine.neutral_bend_deg:+.0f})")
        for clip in clips:
            if clip is checked or clip.view == "front":
                continue
            shipped, own = footage.clip_verdict(clip, settings), footage.clip_verdict(clip, settings, zero)
            kind = "rounded" if clip.label == "rounded_back" else "flat or other fault"
            lift = "the same lift" if lifts[clip.file] == lifts[checked.file] else "another lift"
            counts = tally.setdefault((kind, lift), [0, 0, 0])
            counts[0] += 1
            counts[1] += footage.is_right(clip.label, shipped)
            counts[2] += footage.is_right(clip.label, own)
            mark = "" if footage.is_right(clip.label, own) else "   <- wrong from the own zero"
            print(f"    {clip.file[-40:]:40s} {clip.label:14s} {clip.view:8s} shipped zero: {shipped:18s} "
                  f"own zero: {own}{mark}")


def main() -> None:
    args = footage.footage_arguments(__doc__)
    settings = Settings()
    by_file = {clip.file: clip for clip in footage.load_clips(args.footage_dir, args.cache, settings)}
    with (args.footage_dir / "MANIFEST.csv").open() as manifest:
        lifts = {row["file"]: row["exercise"].split(" (")[0] for row in csv.DictReader(manifest)}
    tally: dict[tuple[str, str], list[int]] = {}
    for name, files in LIFTERS.items():
        lifter_report(name, [by_file[f] for f in files if f in by_file], lifts, settings, tally)
    print()
    for (kind, lift), (pairs, shipped, own) in sorted(tally.items(), key=lambda kv: (kv[0][0] != "rounded", kv[0])):
        print(f"{kind}, zero from {lift}: right in {shipped}/{pairs} pairs from the shipped zero, {own}/{pairs} "
              "from the lifter's own checked flat clip's zero")


if __name__ == "__main__":
    main()
