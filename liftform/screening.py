"""The flexibility screen of a video and the personal profile it writes (`liftform screen`). Never prints.

    result = screen_video("bend.mp4")                  # how far the person hinges before the back rounds
    result = screen_video("hinge.mp4", neutral=True)   # a bend checked neutral: also the person's own zero
    result = screen_video("set.mp4", neutral=True, rep=2)   # ... from the one rep of a set that was checked
    Path("me.toml").write_text(profile_toml(result))   # a settings layer for --profile
"""

from __future__ import annotations

import json
import math
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

from liftform.core.screen import (
    ScreenResult,
    checked_rep_zero_deg,
    own_neutral_bend_deg,
    screen_bend,
    unusable_zero,
)
from liftform.core.vocabulary import counted
from liftform.errors import REP, InputError
from liftform.personal import PROFILE_NEUTRAL_CHECKED, PROFILE_ZERO_FROM, rounded_from_deg, zero_reads_rounded
from liftform.pipeline import Progress, analyze_track, estimate_video_track
from liftform.settings import Settings


def screen_video(video_path: str | Path, settings: Settings | None = None, *, neutral: bool = False,
                 rep: int | None = None, own_zero: bool = False, model_dir: str | Path | None = None,
                 progress: Progress | None = None) -> ScreenResult:
    """Flexibility screen of a video of one slow bend towards the floor (see `liftform.core.screen`).

    ``neutral``: someone who knows the person's back checked that it stayed neutral in this bend; the person's own
    zero is read from it (`core.screen.own_neutral_bend_deg`, ``ScreenResult.own_neutral_bend_deg``) and the screen
    judged from that zero; with ``rep`` (from 1, as `liftform analyze` numbers them), from that rep of a video of
    several only (`core.screen.checked_rep_zero_deg`), and the screen is that rep's bend. ``own_zero``:
    ``settings``' zero is the person's own, from a profile (checked flat before): the screen is judged from it and
    the result carries it (``own_neutral_bend_deg``), so the profile it makes keeps it beside the depth read from
    it. Raises InputError where the back was not seen bent long enough to read it, or the video has no such rep."""
    settings = settings or Settings()
    track, source, model, warnings = estimate_video_track(video_path, settings, model_dir=model_dir,
                                                          progress=progress)
    analysis = analyze_track(track, source, model, settings, warnings)
    # Every note of the analysis (a dark picture, a video on its side, an oblique camera, a second person): a
    # screen of a video on its side had said only "bend slowly all the way down".
    notes = analysis.quality.warnings
    zero, span, within = settings.spine.neutral_bend_deg if own_zero else float("nan"), None, None
    if neutral:
        name = Path(video_path).name
        if rep is None:
            zero = own_neutral_bend_deg(analysis.kinematics, settings.verdict)
            if len(analysis.verdicts) > 1:    # "the checked bend" had been said of a whole set, one rep checked
                notes = (*notes, f"your zero is read from all {len(analysis.verdicts)} reps of this video, each taken "
                                 f"as checked flat: where someone checked one of them, name it with {REP}")
        else:
            reps = [v.rep for v in analysis.verdicts]
            if not 1 <= rep <= len(reps):
                raise InputError(f"{name} has {counted(len(reps), 'rep')} (numbered from 1, as `liftform analyze` "
                                 f"prints them): there is no rep {rep}")
            checked = reps[rep - 1]
            zero = checked_rep_zero_deg(track[checked.start:checked.end + 1], settings)
            span, name = (checked.start_s, checked.end_s), f"rep {rep} of {name}"
            within = (checked.start, checked.end)   # the screen too: the rep checked, not the set's deepest bend
        if (problem := unusable_zero(zero)) is not None:
            raise InputError(f"{name}: {problem}: film the checked rep side-on, the whole body in view, all the way "
                             "down and up")
        analysis = analyze_track(track, source, model, settings, warnings, spine_baseline_deg=zero)
    result = screen_bend(analysis.kinematics, settings, within, track)
    return replace(result, notes=notes, own_neutral_bend_deg=zero, neutral_rep_span_s=span, read_from=source.path,
                   source_sha256=source.sha256, rep=rep)


def profile_toml(result: ScreenResult, zero_from: str = "") -> str:
    """A personal profile (a settings layer for ``--profile``) from a screen: how deep the person hinges with a flat
    back (the advice per rep uses it), where the spine itself passed its limit in the screen their range of spine
    flexion (not where the head alone stopped the bend), and from a bend checked neutral
    (``screen_video(neutral=True)``) their own zero, marked as checked. The zero of an unchecked bend is never
    written (`core.screen` says why). A checked rep of a lift that is no bend at the hips (a floor deadlift, a squat:
    the lift the person will be judged on, as README asks) tells no hinge depth: its profile holds the zero alone
    (it had been refused, "this screen tells no hinge depth", after the zero was said to be used)."""
    # (a zero taken from another profile, `screen --profile`, was read from no rep of this video)
    zero_only = result.advice == "insufficient_data" and not math.isnan(result.own_neutral_bend_deg) and not zero_from
    if result.advice == "insufficient_data" and not zero_only:
        raise InputError(f"no profile from this screen: {result.reason}")
    if zero_only:
        return personal_profile_toml("# Personal profile from `liftform screen --neutral`: pass it to `liftform "
                                     "analyze --profile`.\n# your own zero alone: the checked rep tells no hinge "
                                     "depth\n", profile_about(result.read_from, result.source_sha256, result.rep,
                                                               zero_from), neutral_bend_deg=result.own_neutral_bend_deg)
    return personal_profile_toml(
        "# Personal profile from `liftform screen`: pass it to `liftform analyze --profile`.\n"
        f"# advice: {result.advice}; hinge depth {result.hinge_depth_deg:.0f} deg\n",
        profile_about(result.read_from, result.source_sha256, result.rep, zero_from),
        neutral_bend_deg=result.own_neutral_bend_deg,
        max_flexion_deg=result.max_spine_flexion_deg if result.spine_rounded else 0.0,
        hinge_depth_deg=min(max(result.hinge_depth_deg, 0.0), 120.0))


def profile_about(read_from: str, source_sha256: str = "", rep: int | None = None,
                  zero_from: str = "") -> dict[str, str | int]:
    """What a profile says of itself (its ``[profile]`` table, which loading does not read): what it was read from
    (a video's path and SHA-256, the rep checked; a live session), when, by which liftform. A clinic with many
    clients' profiles had no way to tell them apart; `liftform config --profile` shows it. ``zero_from``: where
    its zero was read, where that was another profile (`personal.zero_origin`)."""
    from liftform.build import liftform_build  # here, as `analysis.py` does: the package imports its callers

    about: dict[str, str | int] = {"read_from": read_from}
    if source_sha256:
        about["source_sha256"] = source_sha256
    if rep is not None:
        about["rep"] = rep
    about["written"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    about["liftform_version"] = liftform_build()
    # A zero taken from another profile (`screen --profile`) was not read from this video: the profile had said
    # "read_from" the screened bend, "checked neutral", of a bend that rounded, and lost where the zero came from.
    return {**about, PROFILE_ZERO_FROM: zero_from} if zero_from else about


def personal_profile_toml(header: str, about: dict[str, str | int] | None = None, *,
                          neutral_bend_deg: float = math.nan, max_flexion_deg: float = 0.0,
                          hinge_depth_deg: float | None = None) -> str:
    """A personal profile's TOML after ``header`` (comment lines): what it says of itself (``about``,
    `profile_about`); the person's own zero (deg; NaN: none) read from a bend someone who knows their back checked
    neutral, marked so (`settings.load_settings` takes no other zero from a profile); their range of spine flexion
    (deg; 0: unknown); their screened hinge depth (deg; None: unknown)."""
    own_zero = not math.isnan(neutral_bend_deg)
    spine = f"neutral_bend_deg = {neutral_bend_deg:.2f}\n" if own_zero else ""
    if max_flexion_deg > 0:
        spine += f"personal_max_flexion_deg = {max_flexion_deg:.2f}\n"
    table = "".join(f"{key} = {json.dumps(value, ensure_ascii=False)}\n" for key, value in (about or {}).items())
    checked = ("its zero (zero_from) was read from a bend" if PROFILE_ZERO_FROM in (about or {}) else "the bend was")
    table += (f"{PROFILE_NEUTRAL_CHECKED} = true   # {checked} checked neutral by someone who knows the back\n"
              if own_zero else "")
    table = f"[profile]\n{table}" if table else ""
    if own_zero and zero_reads_rounded(neutral_bend_deg):     # said on screen too (`cli.show.print_own_zero`)
        table += (f"# note: this zero reads as most people's rounded backs do (from {rounded_from_deg():.0f} deg): "
                  "a rounded bend taken as neutral hides rounding; keep it only if the bend was seen flat\n")
    advice = f"[advice]\nscreen_hinge_depth_deg = {hinge_depth_deg:.1f}\n" if hinge_depth_deg is not None else ""
    return header + table + (f"[spine]\n{spine}" if spine else "") + advice
