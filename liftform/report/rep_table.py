"""A lifter's table of reps in the report: a row per rep, and for a long set its advice said once.

Every rep keeps its row (verdict, numbers, reason). A set of a few reps gives each rep's advice under its row; a
long set (more than `SHOWN_REPS_MAX` reps, as the terminal counts one) had repeated the same sentence under every
row (a 60-rep set printed to 18 A4 pages, most of them the same advice): its advice is listed once above the table,
each distinct advice (`advise` without a rep's own numbers, which its row gives) with the reps it applies to, and each
row links to its own.
"""

from __future__ import annotations

from typing import Any

from liftform.core.advice import rep_advice
from liftform.core.look_at import SHOWN_REPS_MAX, look_at_kind
from liftform.core.types import RepVerdict
from liftform.core.vocabulary import Verdict, fault_words, tone_of, words_of
from liftform.report.data import ResultData, reba_trunk

# The table's number columns: (heading, with a line break where it wraps; what the column says). Said on hover and,
# once, under the tables: said on hover alone, a printed page (or a phone) explained nowhere what Tempo is, where
# the hip's 0 is, or that the spine's peak is the judged part's (4° in a row, 38° in the frame below it); nor what a
# negative peak is (a clinician read -25° as 25° of hyperextension).
NUMBER_COLUMNS: tuple[tuple[str, str], ...] = (
    ("Spine flexion, peak", "the peak bend of the back beyond a neutral back, in the part of the rep that is judged "
                            "(rounding while reaching down, before lift-off, is said in the reason instead); below "
                            "0 the back's outline reads straighter than most people's neutral back does in a "
                            "forward bend, which is not judged (only rounding is; it is not a measured arch); a rep "
                            "rounded by the head hanging also gives the head's angle from the line of the back; — "
                            "for a rep not judged"),
    ("Trunk lean, peak", "the hip-to-shoulder line from vertical, at the rep's deepest (reaching down included: the "
                         "reason gives the lift's own where it differs)"),
    ("REBA trunk", "the REBA trunk score of the peak trunk lean, its band in brackets (before the twist and "
                   "side-bend adjustment: Thresholds, below)"),
    ("Hip flexion, peak", "the angle between the trunk and the thigh, 0 = standing straight"),
    ("Knee flexion, peak", "0 = straight knee"),
    ("Stoop–\nSquat Index", "0 = pure squat, 100 = pure stoop"),
    ("Tempo\ndown / up", "seconds through the middle of the rep (20 to 80 % of its depth) going down / coming up"),
    ("Confidence", "how sure the rep's verdict is, from the spine measure's confidence (Thresholds: Confidence, "
                   "below), halved for a back cleared from part of the rep or never judged (a lunge's upright trunk) "
                   "and for rounding seen from behind at an angle; — for a rep with not enough data, which has no "
                   "verdict to be sure of"),
)


def number_columns() -> list[dict[str, Any]]:
    """`NUMBER_COLUMNS` as the page shows them: each heading's ``lines``, its ``name`` in a sentence and its
    ``meaning``."""
    return [{"lines": heading.split("\n"), "name": heading.replace("–\n", "–").replace("\n", " "),
             "meaning": meaning} for heading, meaning in NUMBER_COLUMNS]


def rep_row(data: ResultData, rep: dict[str, Any], rv: RepVerdict) -> dict[str, Any]:
    """A rep's row: its entry of result.json (``rep_to_dict``) as the table shows it; ``rv``, its verdict, gives the
    advice its set's reps share (``shared_advice``) and whether it is one to look at."""
    number = int(rep.get("index", 0)) + 1
    knee_angle = rep.get("min_knee_angle_deg")
    band, score = reba_trunk(rep.get("peak_trunk_inclination_deg"), data.thresholds.reba_trunk_bands_deg)
    advice = rep.get("advice") or ""
    undecided = rep.get("verdict") == Verdict.INSUFFICIENT_DATA.value
    return {
        "number": number, "verdict": words_of(rep.get("verdict")),
        "cls": tone_of(rep.get("verdict")).css_class, "start_s": rep.get("start_s"), "end_s": rep.get("end_s"),
        "complete": rep.get("complete", True), "spine": None if undecided else rep.get("peak_spine_flexion_deg"),
        # a rounded rep's peak as a share of the lifter's own range (a profile's): its advice says it (None: no range)
        "range_pct": rep.get("spine_flexion_pct_of_max") if rv.is_rounded and not rv.head_led else None,
        "trunk": rep.get("peak_trunk_inclination_deg"), "reba_band": band, "reba_score": score,
        "hip": rep.get("peak_hip_flexion_deg"),
        "knee": 180.0 - knee_angle if isinstance(knee_angle, (int, float)) else None,
        "head": rep.get("peak_neck_flexion_deg") if rep.get("head_led") else None,   # what decided a head-led rep
        "ssi": rep.get("stoop_squat_index"), "descent_s": rep.get("descent_s"), "ascent_s": rep.get("ascent_s"),
        # an undecided rep has no verdict to be sure of: its measure's confidence (100 % where the back was seen
        # well but the lift was not) read as a sure verdict, beside a reach-down's angle (result.json keeps both)
        "confidence": None if undecided else rep.get("confidence"), "reason": rep.get("reason") or "",
        "advice": advice,
        "shared_advice": rep_advice(rv, data.analysis.settings.advice, own_numbers=False) if advice else "",
        "advice_ref": None,         # a long set's: (its advice's number, the anchor of it in the list)
        "look_at": look_at_kind(rv) is not None,
        "faults": [fault_words(f) for f in rep.get("faults") or []],
        "in_gallery": False,        # the rep has frames below (`report_context`), at the page's id ``anchor``
        "anchor": f"rep-{number}",
    }


def rep_spans(numbers: list[int]) -> str:
    """Rep numbers in order as runs: [4, 5, 6, 16, 18] -> "4–6, 16, 18" (a run of two is two numbers)."""
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return ", ".join(f"{run[0]}–{run[-1]}" if len(run) > 2 else ", ".join(map(str, run)) for run in runs)


def rep_table(rows: list[dict[str, Any]], lifter: int) -> dict[str, Any]:
    """A lifter's table (``lifter``: their number on the page, 1 the main one): ``rows``, and ``advice``: for a long
    set, each distinct advice once, those of reps to look at first, then in the order of their first rep, as
    {"number", "anchor", "words", "reps" (spans), "count"}, each of its rows given its ``advice_ref``; for a set of
    a few, none (each row gives its own)."""
    if len(rows) <= SHOWN_REPS_MAX:
        return {"rows": rows, "advice": []}
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        if row["shared_advice"]:
            groups.setdefault(row["shared_advice"], []).append(row)
    ordered = sorted(groups.items(), key=lambda group: (not any(r["look_at"] for r in group[1]), group[1][0]["number"]))
    advice = []
    for number, (words, members) in enumerate(ordered, start=1):
        anchor = f"advice-{lifter}-{number}"
        for row in members:
            row["advice_ref"] = (number, anchor)
        advice.append({"number": number, "anchor": anchor, "words": words, "count": len(members),
                       "reps": rep_spans([row["number"] for row in members])})
    return {"rows": rows, "advice": advice}
