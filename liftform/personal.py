"""The person's own values among the settings, as against the method's thresholds.

A personal profile (`liftform screen --save-profile`, the `profile.toml` of a live session whose zero was taken
with key n) sets them: the back's zero read from a bend someone checked neutral, the person's range of spine
flexion, their screened hinge depth. They belong to the person a result was made of, so `liftform rescore` keeps
each result's own (`batch.rescore`): new thresholds for a folder of lifters, each judged from their own zero, must
not put them all back on most people's zero without a word.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Sequence
from dataclasses import fields
from pathlib import Path
from typing import Any

from liftform.core.types import RepVerdict
from liftform.core.verdict import range_of_rounding_deg, straight_back_note
from liftform.errors import CONFIG, NEUTRAL, ConfigError
from liftform.outputs.layout import PROFILE_NAME
from liftform.outputs.paths import one_line
from liftform.settings import (
    Settings,
    SpineSettings,
    VerdictSettings,
    apply_overrides,
    load_settings,
    settings_to_toml,
)
from liftform.toml_files import read_toml

# (section, key) of every value a personal profile sets (`screening.personal_profile_toml` writes no other), with
# what it is in words.
PERSONAL_WORDS: dict[tuple[str, str], str] = {("spine", "neutral_bend_deg"): "zero",
                                              ("spine", "personal_max_flexion_deg"): "range of spine flexion",
                                              ("advice", "screen_hinge_depth_deg"): "screened hinge depth"}
PERSONAL_KEYS: tuple[tuple[str, str], ...] = tuple(PERSONAL_WORDS)

# The [profile] key by which `liftform screen --neutral` marks a profile's zero as read from a bend checked neutral.
PROFILE_NEUTRAL_CHECKED = "neutral_checked"
# The [profile] key of a profile whose zero came from another profile (`liftform screen --profile A --save-profile B`):
# where that zero was read, as `profile_said` words it.
PROFILE_ZERO_FROM = "zero_from"

# Where a result's own values came from, in words (`Analysis.personal_from`, result.json ``personal_from``). A value a
# config file sets is a setting, not the person's: a plain rescore puts it back.
PROFILE_ORIGIN = "--profile"
FOLDER_ORIGIN = "the profile.toml of its folder"
LIVE_ZERO_ORIGIN = "live's key n"
UNRECORDED_ORIGIN = "a profile or live's key n"    # a result written before the origin was recorded


def from_profile(origin: str) -> dict[tuple[str, str], str]:
    """Every personal key as set by a profile (``origin``): what a profile leaves out is the person's too (most
    people's), as `decided_by` holds."""
    return dict.fromkeys(PERSONAL_KEYS, origin)


def from_profile_option(profile: Path | None) -> dict[tuple[str, str], str]:
    """Where a command's own values came from: all from ``--profile`` where one was given, named by its path (a
    clinic's results had said "--profile", not whose), else none."""
    return from_profile(f"{PROFILE_ORIGIN} {Path(profile).absolute()}") if profile is not None else {}


def recorded_personal(personal_from: dict[tuple[str, str], str] | None,
                      keys: Iterable[tuple[str, str]] = PERSONAL_KEYS) -> dict[tuple[str, str], str]:
    """Those of ``keys`` a result holds as its person's own, with where from (``personal_from`` as the result
    recorded it; None, an older result's: all of them, as liftform took them then)."""
    if personal_from is None:
        return dict.fromkeys(keys, UNRECORDED_ORIGIN)
    return {key: personal_from[key] for key in keys if key in personal_from}


def profile_values(path: Path) -> dict[str, Any]:
    """The settings a personal profile sets: the person's own values only (`PERSONAL_KEYS`, what `liftform
    screen` and live write; a threshold there would judge every lift of the person silently), a zero only where the
    profile says it was read from a bend checked neutral. ConfigError (one line, naming the key) otherwise."""
    profile = read_toml(path, "profile")
    about = profile.pop("profile", {})        # what the profile says of itself, not settings
    if not isinstance(about, dict):           # `profile = "Anna"` above every section had been passed over
        raise ConfigError(f"profile {path}: 'profile' must be the [profile] section (whose the profile is), "
                          f"not {about!r}")
    mark = about.get(PROFILE_NEUTRAL_CHECKED)
    if mark is not None and not isinstance(mark, bool):     # edited by hand ("yes"): said so, not "an older screen"
        raise ConfigError(f"profile {path}: [profile] {PROFILE_NEUTRAL_CHECKED} must be true or false, not {mark!r}")
    sections = {f.name for f in fields(Settings)}
    for section, values in profile.items():   # before the zero's mark: a misspelt [profile] is said as such
        if isinstance(values, dict) and section not in sections:
            raise ConfigError(f"profile {path} has a section [{section}], which no profile holds (only [profile], "
                              "whose it is, and [spine] and [advice], the person's values)")
        for key in values if isinstance(values, dict) else [None]:
            if (section, key) not in PERSONAL_KEYS:
                where = f"[{section}] {key}" if key is not None else f"'{section}'"
                held = ", ".join(f"[{s}] {k}" for s, k in PERSONAL_KEYS)
                raise ConfigError(f"profile {path} sets {where}, which a personal profile does not hold (only {held}): "
                                  f"pass other settings with {CONFIG}")
    if "neutral_bend_deg" in profile.get("spine", {}) and mark is not True:
        raise ConfigError(f"profile {path} sets [spine] neutral_bend_deg, {_unchecked_zero(about)}: record the "
                          f"screen again (with {NEUTRAL}, from a rep someone checked flat, for a zero of your own; "
                          f"or, if the value is meant, move the line to a file given with {CONFIG})")
    return profile


def _unchecked_zero(about: dict[str, Any]) -> str:
    """Why a profile's zero, not marked checked neutral, is refused, in words (`profile_values`)."""
    if about.get(PROFILE_NEUTRAL_CHECKED) is False:
        return "a zero it says was not read from a bend checked neutral, which misreads real backs"
    misspelt = difflib.get_close_matches(PROFILE_NEUTRAL_CHECKED, [str(key) for key in about], n=1)
    if misspelt:      # `neutral_checkd = true` had been told "a zero from an older `liftform screen`"
        return f"but not [profile] {PROFILE_NEUTRAL_CHECKED} = true ('{misspelt[0]}' there: misspelt?)"
    # Written by `liftform screen` before the nineteenth session: a zero from the early bend, which judged real
    # lifters' backs worse than the shipped zero (benchmarks/own_zero.py). Never applied silently.
    return "a zero from an older `liftform screen` that misreads real backs"


def check_own_range(settings: Settings, origin: str | Path) -> None:
    """ConfigError (one line, beginning with ``origin``, the file that set it) where ``settings`` hold a range of
    spine flexion inside their limit of rounding: no screen's spine reached past its limit there
    (`core.verdict.range_of_rounding_deg`), and every rounded rep would be many times "your range"."""
    own, limit = settings.spine.personal_max_flexion_deg, settings.verdict.rounded_back_spine_deg
    if own > 0 and not math.isfinite(range_of_rounding_deg(settings.spine, settings.verdict)):
        raise ConfigError(f"{origin}: [spine] personal_max_flexion_deg {own:g} is inside the limit of rounding "
                          f"([verdict] rounded_back_spine_deg {limit:g}), so no range of a spine that rounded (an "
                          "older `liftform screen` wrote one where the head stopped the bend): remove the line (the "
                          "zero and hinge depth stand) or record the screen again")


def is_personal_zero(zero_deg: float) -> bool:
    """Whether the back was judged from a zero (``[spine] neutral_bend_deg``) other than the shipped one, most
    people's: the lifter's own, from a profile, a settings file or live's key n."""
    return zero_deg != SpineSettings().neutral_bend_deg


def told_apart(value_deg: float, usual_deg: float) -> tuple[str, str]:
    """Two angles (deg) as text, to the fewest decimals (0-2) that tell them apart: a person's zero of 6.47 deg beside
    most people's 6 deg is "6.5" and "6.0", not "6" and "6" (which read as "not most people's 6, but 6")."""
    for digits in (0, 1):
        value, usual = f"{value_deg:.{digits}f}", f"{usual_deg:.{digits}f}"
        if value != usual:
            return value, usual
    return f"{value_deg:.2f}", f"{usual_deg:.2f}"


def personal_zero_note(zero_deg: float, verdict: VerdictSettings | None = None) -> str | None:
    """What a result judged from a spine zero other than the shipped one (a profile from `liftform screen --neutral`,
    a config file, live's key n) says about it, with the ``verdict`` settings' warning where the zero reads as most
    people's rounded backs do (`zero_reads_rounded`: the screen said so when it read it, the results judged from it
    had not); None for the shipped zero."""
    if not is_personal_zero(zero_deg):
        return None
    zero, usual = told_apart(zero_deg, SpineSettings().neutral_bend_deg)
    note = (f"the back is judged from a neutral bend of {zero}° (a personal zero: --profile, --config or "
            f"live's key n), not most people's {usual}°")
    if zero_reads_rounded(zero_deg, verdict):
        note += (f"; most people's backs read as rounded from {rounded_from_deg(verdict):.0f}°: unless someone who "
                 "knows this back saw it stay flat in the bend this zero was read from, it may hide rounding")
    return note


def zero_notes(zero_deg: float, verdicts: Sequence[RepVerdict], verdict: VerdictSettings) -> list[str]:
    """The notes a result carries about the spine's zero ``zero_deg``: a personal zero's (`personal_zero_note`),
    said wherever the result is read since it moves every verdict; else, judged from most people's, where this
    lifter's hinges read far under it (`core.verdict.straight_back_note`)."""
    note = personal_zero_note(zero_deg, verdict)
    return [note] if note is not None else [n for n in (straight_back_note(verdicts, verdict),) if n]


CONFIG_ORIGIN = "--config"     # a person's value set in a settings file: a setting, said as such


def value_origin(personal_from: dict[tuple[str, str], str] | None, key: tuple[str, str]) -> str:
    """Where the value of ``key`` came from, in words (`Analysis.personal_from`): a profile's or live's key n as
    recorded, `CONFIG_ORIGIN` where none is (a settings file's), `UNRECORDED_ORIGIN` for a result written before
    origins were recorded (None)."""
    return UNRECORDED_ORIGIN if personal_from is None else personal_from.get(key, CONFIG_ORIGIN)


def own_values_words(settings: Settings, personal_from: dict[tuple[str, str], str] | None) -> str:
    """The person's own values ``settings`` hold (a zero other than most people's, a range, a screened hinge depth),
    each with where it came from (``personal_from``, `Analysis.personal_from`; None: an older result's, origin not
    recorded), e.g. "screened hinge depth 56°, range of spine flexion 43° (from --profile)"; "" where none is set.
    The advice a rep gets rests on them: a reader must see which profile it was."""
    usual = SpineSettings().neutral_bend_deg
    parts: list[tuple[str, str]] = []
    for (section, key), value in personal_values(settings).items():
        if (section, key) == ("spine", "neutral_bend_deg"):
            if not is_personal_zero(value):
                continue
            zero, most = told_apart(value, usual)
            words = f"zero {zero}° (most people's {most}°)"
        elif (section, key) == ("spine", "personal_max_flexion_deg"):
            if not math.isfinite(range_of_rounding_deg(settings.spine, settings.verdict)):
                continue                        # none, or inside the limit: no rep is measured against it
            words = f"{PERSONAL_WORDS[section, key]} {value:.0f}°"
        elif value > 0:
            words = f"{PERSONAL_WORDS[section, key]} {value:.0f}°"
        else:
            continue
        parts.append((words, value_origin(personal_from, (section, key))))
    said = []
    for i, (words, origin) in enumerate(parts):       # each origin said once, after the last value it gave
        last = i + 1 == len(parts) or parts[i + 1][1] != origin
        said.append(f"{words} (from {origin})" if last else words)
    return ", ".join(said)


def rounded_from_deg(verdict: VerdictSettings | None = None) -> float:
    """The contour bend (deg) from which most people's backs read as rounded: most people's zero plus the limit."""
    return SpineSettings().neutral_bend_deg + (verdict or VerdictSettings()).rounded_back_spine_deg


def zero_reads_rounded(zero_deg: float, verdict: VerdictSettings | None = None) -> bool:
    """Whether a zero read from a bend taken as neutral reads as most people's rounded backs do: a rounded bend taken
    as neutral would hide rounding, so it is said wherever the zero is shown or written."""
    return zero_deg > rounded_from_deg(verdict)


def personal_values(settings: Settings, keys: Iterable[tuple[str, str]] = PERSONAL_KEYS) -> dict[tuple[str, str], Any]:
    """``{(section, key): value}`` of ``settings`` for ``keys``."""
    return {(section, key): getattr(getattr(settings, section), key) for section, key in keys}


def with_personal(settings: Settings, own: Settings, keys: Iterable[tuple[str, str]] = PERSONAL_KEYS) -> Settings:
    """``settings`` with the values of ``keys`` taken from ``own`` (the settings a result was made with)."""
    overrides: dict[str, dict[str, Any]] = {}
    for (section, key), value in personal_values(own, keys).items():
        overrides.setdefault(section, {})[key] = value
    return apply_overrides(settings, overrides)


def decided_by(config_path: str | Path | None, profile_path: str | Path | None) -> tuple[tuple[str, str], ...]:
    """The personal keys a command's files decide: every one with a profile (it describes the person: what it
    leaves out is most people's), those a config file sets otherwise. Raises ConfigError for a file that is not
    TOML."""
    if profile_path is not None:
        return PERSONAL_KEYS
    return () if config_path is None else _keys_set(Path(config_path), "config")


def _keys_set(path: Path, kind: str) -> tuple[tuple[str, str], ...]:
    """The personal keys the TOML file at ``path`` (a ``kind`` of file: "config", "profile") sets itself."""
    doc = read_toml(path, kind)
    return tuple(k for k in PERSONAL_KEYS if isinstance(doc.get(k[0]), dict) and k[1] in doc[k[0]])


def printed_settings(settings: Settings, config_path: str | Path | None = None,
                     profile_path: str | Path | None = None) -> str:
    """`liftform config`'s TOML of ``settings``: ready to edit and pass with --config, with the person's values
    (`PERSONAL_KEYS`) commented out unless ``config_path`` sets them. A file that sets one decides it for every video
    it is given with (`decided_by`): the printout, edited for a threshold and passed to `rescore`, had put every
    lifter judged from their own zero back on most people's. With ``profile_path`` (``config --profile``: a
    clinician checking a profile), those lines show the profile's values, said to be its, under what it says of
    itself (`profile_said`)."""
    # a comment is one line, whatever the profile's path or the video it was read from is called
    mine = one_line(f"from the profile {profile_path} (pass it with --profile)") if profile_path is not None else \
        "a lifter's own (their --profile)"
    # a value the profile leaves out is the default, not the profile's: a clinician checking "the profile's zero"
    # had been shown most people's 6.0 as read from it
    not_mine = one_line(f"the default: the profile {profile_path} does not set it") if profile_path is not None \
        else mine
    in_profile = _keys_set(Path(profile_path), "profile") if profile_path is not None else PERSONAL_KEYS
    decided = decided_by(config_path, None)     # read once: it reads the config file
    shown, section = [f"# {one_line(profile_said(Path(profile_path)))}"] if profile_path is not None else [], ""
    for line in settings_to_toml(settings).splitlines():
        section = line[1:-1] if line.startswith("[") else section
        key = (section, line.split(" = ")[0])
        if key in PERSONAL_KEYS and key not in decided:
            line = f"# {line}; {mine if key in in_profile else not_mine}: set here, it replaces every lifter's"
        shown.append(line)
    return "\n".join(shown) + "\n"


def profile_said(path: Path) -> str:
    """What the profile at ``path`` says of itself (`screening.profile_about`), in words: e.g. "the profile me.toml:
    read from /clinic/S01/checked.mp4, rep 2, written 2026-12-05T18:22:23+00:00 by liftform 0.1.0"."""
    about = read_toml(path, "profile").get("profile")
    about = about if isinstance(about, dict) else {}
    facts = [f"read from {about['read_from']}"] if "read_from" in about else []
    facts += [f"rep {about['rep']}"] if "rep" in about else []
    facts += [f"written {about['written']}"] if "written" in about else []
    facts += [f"by liftform {about['liftform_version']}"] if "liftform_version" in about else []
    facts += [f"its zero from {about[PROFILE_ZERO_FROM]}"] if PROFILE_ZERO_FROM in about else []
    return f"the profile {path}: " + (", ".join(facts) if facts else "it does not say whose it is (written before "
                                                                  "liftform recorded that)")


def zero_origin(path: Path) -> str:
    """Where the zero of the profile at ``path`` was read, for a profile made from it (`PROFILE_ZERO_FROM`): what
    that profile says of its own zero where it took it from another, else what it says of itself."""
    about = read_toml(path, "profile").get("profile")
    if isinstance(about, dict) and isinstance(about.get(PROFILE_ZERO_FROM), str):
        return about[PROFILE_ZERO_FROM]
    return profile_said(path.resolve())


def differing(settings: Settings, other: Settings,
              keys: Iterable[tuple[str, str]] = PERSONAL_KEYS) -> tuple[tuple[str, str], ...]:
    """The ``keys`` whose values differ between ``settings`` and ``other``."""
    mine, theirs = personal_values(settings, keys), personal_values(other, keys)
    return tuple(k for k in mine if mine[k] != theirs[k])


def folder_profile(video: Path, settings: Settings) -> tuple[Settings | None, str]:
    """The settings of ``video`` from the profile beside it (`outputs.layout.PROFILE_NAME`: what `liftform screen
    --neutral --save-profile FOLDER/profile.toml` or a live session writes), as ``--profile`` would give them for it
    alone: (``settings`` with that profile, ""); (None, "") where its folder has none; (None, why) where it cannot
    be used. The profile is the person: a value it leaves out is most people's, not another profile's. It sets the
    person's values only (`profile_values`)."""
    profile = video.parent / PROFILE_NAME
    if not profile.is_file():
        return None, ""
    try:
        own = load_settings(profile_path=profile, base=with_personal(settings, Settings()))
    except ConfigError as exc:
        return None, f"the profile of its folder cannot be used: {exc}"
    return own, ""
