"""Typed settings: defaults, overridden by a TOML file, overridden by CLI flags.

Every threshold that decides a verdict lives here, with the reason for its default. Unknown keys are errors, so a
typo in a config file never silently falls back to a default.
"""

from __future__ import annotations

import dataclasses
import sys
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from liftform.errors import MODEL, PROFILE, ConfigError
from liftform.model_names import MODEL_CHOICES, names_a_file, shipped_name
from liftform.setting_ranges import Range, as_typed, check_ranges, setting
from liftform.toml_files import read_toml, toml_value


@dataclass(frozen=True)
class PoseSettings:
    """How the pose model is run."""

    model: str = "full"                 # lite | full | heavy | path to a .task bundle
    # The most people followed at once (each with its own one-person tracker on a crop around them, so a second
    # person costs a second model run per frame; a clip with only the lifter costs one). 1: only the largest person.
    num_poses: int = setting(2, 1, 10)
    min_detection_confidence: float = setting(0.5, 0, 1)
    min_presence_confidence: float = setting(0.5, 0, 1)
    min_tracking_confidence: float = setting(0.5, 0, 1)
    # Larger frames (4K) are downscaled for the model (and everything kept per frame); coordinates stay source px.
    max_side_px: int = setting(1280, 128, 4096)
    # A followed person's crop is resized to this side: the model looks at 256 px of the person and makes its mask at
    # the input's size, so more pixels only cost time (the back's edge is read to a fraction of a pixel); a small
    # lifter's crop is enlarged to it, so every back is read off masks of one size (the edge moves with resampling).
    crop_side_px: int = setting(512, 128, 4096)
    detect_max_side_px: int = setting(640, 128, 4096)   # the whole frame, shrunk to this, to find the people in view
    # How often the whole frame is searched for someone new; twice, then 4 times as long while the searches find just
    # the people followed (`liftform.people.MAX_RECHECK_FACTOR`).
    recheck_s: float = setting(1.0, 0.1, 60)
    min_person_fraction: float = setting(0.4, 0, 1)     # people smaller than this share of the largest are not followed
    # Follow a person with MediaPipe's tracking (its landmarks of one frame place the next frame's crop): about a
    # quarter less CPU than running its person detector on every frame (on the crop; live, ~55 against ~36
    # frames/s with full), but the limits were set on detector-placed landmarks and masks: on the real clips
    # analyze falls from 52/55 to 47/55 left out source by source (9/11 rounded backs; twelfth session), live
    # from 48/55 to 47/55 (eleventh). Off for `live` too (it keeps 30 fps on 2 cores); true (`liftform live
    # --track`) trades accuracy for speed on a slow or busy machine.
    track_between_frames: bool = setting(False, 0, 1)
    # Cut a video at a keyframe near its middle and follow both halves at once (two threads): ~1.7x the pose stage's
    # speed on 2 cores, but the second half starts afresh (after 0.5 s of warm-up) and on the real development clips
    # that moved a few verdicts (a clear rounded back read safe): off until the measure is checked against it.
    parallel_halves: bool = setting(False, 0, 1)
    # Offline analysis runs the model on every k-th frame, k = the whole number of source frames per analysed frame
    # that keeps the rate near this (`liftform.video_tools.analysis_step`: with 30, a 60 or 59.94 fps clip is analysed
    # every 2nd frame, 30 fps and slower every frame; with 15, 30 fps every 2nd, 60 every 4th); the others are
    # decoded (the next frame needs them) but not converted or analysed. 0: every frame; under 10 a rep (1-2 s) has
    # too few frames to follow (at 1-2, reps cut wrong). 30 is the rate the limits were set at (most development
    # clips are 30 fps). 15 halves the pose stage's cost on 30 fps clips (whole processes 1.3-1.7x faster); on the
    # real clips (tenth session) it catches the same 11/11 rounded backs with the same flip points, but
    # leave-one-source-out 48/55 against 49/55 and 145 reps found against 148: the crop, placed half as often, loses
    # a lifter a little more easily (after a jump cut, behind a plate). Live coaching analyses every frame it gets.
    analysis_fps: float = setting(30.0, 10, 1000, or_zero=True)
    # While a followed person stands upright (trunk leaning less than this, hips flexed under 40 deg) and barely
    # moves (shoulders and hips slower than upright_speed_per_s trunk lengths a second), the model runs on one
    # analysed frame in upright_run_every_s seconds (`upright.upright_run_every`: every 6th at 30 frames/s, every 3rd
    # at 15); a frame left out gets the linear interpolation in time of the poses run either side and is marked
    # (`pose_filled` in poses.npz and frames.csv). The spine is judged only past 40 deg of lean or 80 of hip flexion.
    # 0.2 s: 19.9 % of the real clips' frames left out (every 3rd: 15.6 %). upright_lean_deg or this 0: all run.
    upright_lean_deg: float = setting(20.0, 0, 40)
    upright_speed_per_s: float = setting(1.0, 0, 10)
    upright_run_every_s: float = setting(0.2, 0, 1)


@dataclass(frozen=True)
class FilterSettings:
    """Cleaning of landmark sequences before angles are taken (offline analysis)."""

    max_gap_s: float = setting(0.3, 0, 5)  # gaps up to this long are interpolated; longer ones stay missing
    smoothing_sigma_s: float = setting(0.04, 0, 1)  # Gaussian (zero-phase) smoothing of angles; 0 disables


@dataclass(frozen=True)
class RepSettings:
    """How a rep is found in the depth signal (how far the shoulders drop, as a fraction of standing trunk+leg)."""

    # a rep must bring the shoulders down by at least this fraction
    min_depth: float = setting(0.15, 0, 0.6, low_open=True)
    # a rep starts/ends where depth crosses this fraction of its own peak
    start_end_fraction: float = setting(0.2, 0, 1, low_open=True, high_open=True)
    min_duration_s: float = setting(0.5, 0, 30)   # a rep seen whole is at least this long (a cut one: any length)
    min_separation_s: float = setting(0.6, 0, 30)  # two bottoms closer than this are one rep
    # Lift-off is the last frame the hands are within this share of their rise above their lowest point (before
    # they are half-way up): 0.05 of a ~0.4 rise is ~2 % of standing height (~3 cm), above the smoothed wrists'
    # jitter; the hands of a smooth pull take ~0.1 s to rise that far.
    liftoff_rise_fraction: float = setting(0.05, 0, 0.5, high_open=True)


@dataclass(frozen=True)
class SpineSettings:
    """The spine-flexion measure from the back's contour."""

    # The back's contour bends a little even when the spine is neutral (shoulder blades, thoracic curve, muscle). This
    # contour bend of a neutral back in a forward bend is the zero of spine_flexion_deg: the median over the
    # neutral-hinge development clips (trunk >= 40 deg, measure trusted) of each clip's median bend, 6 deg; the clips
    # range from -34 to +32 deg (people differ: `liftform screen --neutral` reads a person's own from a bend someone
    # who knows their back checked as neutral; a zero read from an unchecked early bend judged real lifters worse,
    # benchmarks/own_zero.py).
    # Rounded backs read 37 (27..60). The upright posture is *not* used: its contour is dominated by lordosis,
    # buttocks and arms and varied by 100 deg between people on real clips.
    neutral_bend_deg: float = setting(6.0, -60, 60)
    # The person's own maximum spine flexion from `liftform screen` (0 = unknown): reps then also report their peak
    # flexion as a percentage of it.
    personal_max_flexion_deg: float = setting(0.0, 0, 150)
    # share of back-profile stations that must hit the silhouette edge
    min_edge_fraction: float = setting(0.6, 0, 1)
    # up to this camera yaw the view counts as side-on (full confidence; the one definition of side-on)
    full_view_yaw_deg: float = setting(30.0, 0, 90, below="max_view_yaw_deg")
    # The view factor of the confidence falls from full at full_view_yaw_deg to none here: the back's edge mixes with
    # the flank as the view turns, until the camera faces the lifter (90), where no back is seen at all. A frame is
    # trusted up to 66 deg (the factor's 0.4 line). Ending at 75 instead (chosen leave-one-source-out between 60 and
    # 75 in the first sessions, as filmed) left three-quarter views at 51-60 deg undecided once filmed from the
    # lifter's other side: the real clips mirrored 47 -> 50/55 in-sample (undecided 4 -> 1), at low quality 45 -> 45,
    # as filmed 52 -> 52; the rendered classes at 45 deg one more right (sixty-first session).
    max_view_yaw_deg: float = setting(90.0, 0, 90)


@dataclass(frozen=True)
class VerdictSettings:
    """Thresholds that turn angles into a verdict per rep."""

    # Spine flexion (past the neutral bend) above which the back counts as rounded. Neutral backs differ between
    # people by tens of degrees in this measure, so the onset of rounding (neutral_bend_deg + this, in degrees of
    # contour bend) is put above what neutral backs show: above 90 % of the safe development clips, each at the
    # highest bend it sustains in a lift (benchmarks/footage.py: the rule needs no rounded examples, and run without
    # each source in turn it picks 23-27 deg). On all of them it gives 27 deg; rounded backs sustain 32-72.
    rounded_back_spine_deg: float = setting(21.0, 5, 90)
    # The head hanging toward the floor this far from the line of the trunk (Kinematics.neck_flexion_deg) counts as
    # rounding too: a hunched upper back with the head dropped reads at about half its size in the back's contour
    # (the contour's turn lies at the shoulders, where the fit weighs least; worse under a loose hoodie, which is how
    # an unseen lifter's rounded pulls were missed), while the ears show it. Set above what neutral backs show, not
    # fitted: the safe development lifts sustain at most 22 deg in a lift (most under 15), the rendered thoracic
    # hunches 57-78.
    head_hanging_neck_deg: float = setting(40.0, 10, 90)
    # a flagged frame clears only below threshold - hysteresis
    flag_hysteresis_deg: float = setting(4.0, 0, 30)
    # the spine must stay past the threshold this long to flag a rep
    min_rounded_s: float = setting(0.15, 0, 10)
    # Rounding counts only while the trunk leans forward at least this much: that is when the load pulls on the
    # spine. Nearer upright the back's contour is dominated by the lumbar curve and buttocks (and, in a deep squat,
    # by the thighs folding into it), not by flexion: 30 deg let a deep bodyweight squat through on real footage.
    min_trunk_for_rounding_deg: float = setting(40.0, 0, 90)
    # ... or while the hips are flexed at least this much, however upright the trunk: the bottom of a squat, where
    # the pelvis tucks under and the lower back rounds (an unseen lifter's goblet squat was missed). With the hips
    # this far flexed the standing lordosis is gone from the contour: the real safe squats read -30...+15 deg there,
    # under a hinge's neutral; 70, 80 and 90 changed no development verdict, 80 catches a rendered 30 deg lumbar
    # flexion at 30-35 deg of trunk lean (hips 85-93 deg).
    min_hip_for_rounding_deg: float = setting(80.0, 0, 180)
    # below this (spine measure confidence) the measure is not trusted in a frame ...
    min_confidence: float = setting(0.4, 0, 1)
    # ... and a rep trusted in less than this share of its loaded frames is insufficient_data, unless the trusted
    # frames saw it rounded (rounding seen is an answer; clearing a back needs most of the lift seen)
    min_trusted_share: float = setting(0.5, 0, 1, low_open=True)
    # A rep the video (or the live session) ends in before the person has come back up this share of the way from
    # the bottom is insufficient_data unless rounding was seen: its lift, where the back is judged, was not (a clip
    # cut at the bottom of a rounded reach-down was called a safe hip hinge).
    min_rise_seen: float = setting(0.5, 0, 1)
    # The loaded part of a rep runs from lift-off through the ascent; above 0, only while the shoulders are at least
    # this share of the rep's depth down. 0: the whole ascent (rounding still counts only while the trunk leans
    # min_trunk_for_rounding_deg). At 0.5 (the lower half) a quick pull's loaded part lasted 1-5 frames on real
    # clips, shorter than min_rounded_s: a rounded back there could never have been called.
    loaded_depth_fraction: float = setting(0.0, 0, 1)
    confidence_margin_deg: float = setting(10.0, 0, 90, low_open=True)  # this far from the limit: full confidence
    # knees bent more than this at the bottom: squat (or lunge) ...
    squat_knee_flexion_deg: float = setting(75.0, 0, 180)
    # ... if the trunk stays this upright (a deadlift leans further)
    squat_max_trunk_deg: float = setting(50.0, 0, 90)
    # feet apart by this share of leg length at the bottom: lunge ...
    lunge_stance_split: float = setting(0.6, 0, 3)
    lunge_max_trunk_deg: float = setting(35.0, 0, 90)  # ... with the trunk this upright ...
    lunge_min_knee_flexion_deg: float = setting(45.0, 0, 180)  # ... and the knees bent at least this much
    # Rising through the middle of the rep's depth (`RepVerdict.ascent_s`) in less than this share of the time it
    # took down through the same stretch, and in less than jerk_max_ascent_s: lifted with a jerk. An even-speed rise
    # crosses that stretch in 0.41 of its time, so 0.4 s is a whole rise of about 1 s: a real squatter's 2.4 s rise
    # after a 12.5 s descent was called a jerk before that cap.
    jerk_ascent_ratio: float = setting(0.45, 0, 1)
    jerk_max_ascent_s: float = setting(0.4, 0, 10)
    # REBA trunk bands (Hignett & McAtamney 2000): 0-20 deg, 20-60 deg, >60 deg flexion.
    reba_trunk_bands_deg: tuple[float, float] = setting((20.0, 60.0), 0, 180, ascending=True)


@dataclass(frozen=True)
class AdviceSettings:
    """What the advice per rep knows about the person (a profile from `liftform screen --save-profile` sets it)."""

    # Trunk lean the person reached with a neutral spine in `liftform screen` (0 = no screen). Where the screen saw
    # the back round there (a range is set), a rounded rep leaning further is advised a lunge and flexibility work;
    # one within it was rounded by the load: the advice is to keep the chest up, or get help with a heavy load.
    screen_hinge_depth_deg: float = setting(0.0, 0, 120)


@dataclass(frozen=True)
class Settings:
    """All settings. Build with :func:`load_settings` to layer a TOML file over the defaults."""

    pose: PoseSettings = field(default_factory=PoseSettings)
    filter: FilterSettings = field(default_factory=FilterSettings)
    reps: RepSettings = field(default_factory=RepSettings)
    spine: SpineSettings = field(default_factory=SpineSettings)
    verdict: VerdictSettings = field(default_factory=VerdictSettings)
    advice: AdviceSettings = field(default_factory=AdviceSettings)

    def __post_init__(self) -> None:
        for section in fields(self):        # a file's values were checked as it was read: these were set in Python
            values = getattr(self, section.name)
            if not isinstance(values, section.default_factory):     # a dict, another section's dataclass
                raise ConfigError(f"settings [{section.name}] must be a {section.default_factory.__name__} "
                                  f"(dataclasses.replace(Settings().{section.name}, ...)), got {type(values).__name__}")
            check_ranges(section.name, values, "settings")
            object.__setattr__(self, section.name, as_typed(values))
        if not isinstance(self.pose.model, str) or not self.pose.model.strip():   # which file it names: at its use
            raise ConfigError(f"settings [pose] model must be {MODEL_CHOICES}, as a str, got {self.pose.model!r}")

    def to_dict(self) -> dict[str, dict[str, Any]]:
        return dataclasses.asdict(self)


# The sections a rescore applies: all but [pose], which decided the saved landmarks.
JUDGING_SECTIONS = tuple(f.name for f in fields(Settings) if f.name != "pose")


def setting_keys() -> dict[str, tuple[str, ...]]:
    """Each section's keys, in their order: what a config file, a profile or a result.json may set."""
    return {f.name: tuple(k.name for k in fields(f.default_factory)) for f in fields(Settings)}


def value_range(section: str, key: str) -> Range | None:
    """The valid range of setting ``[section] key`` (None for one without, e.g. the model's name)."""
    section_type = {f.name: f.default_factory for f in fields(Settings)}[section]
    return {f.name: f.metadata.get("range") for f in fields(section_type)}[key]  # type: ignore[misc]


def _coerce(section: str, key: str, value: Any, default: Any, origin: str = "config") -> Any:
    """``value`` converted to the type of ``default``, or a ConfigError naming the key (set by ``origin``)."""
    where = f"{origin} [{section}] {key}"
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ConfigError(f"{where} must be true or false, got {value!r}")
        return value
    if isinstance(default, (int, float)):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{where} must be a number, got {value!r}")
        if isinstance(value, int) and abs(value) > sys.float_info.max:   # no float holds it: a traceback had
            raise ConfigError(f"{where} must be {value_range(section, key).describe(default)}, got a number "
                              f"beyond {sys.float_info.max:.1e}")
        if isinstance(default, float):
            return float(value)
        return int(value) if isinstance(value, float) and value.is_integer() else value
    if isinstance(default, tuple):
        if not isinstance(value, (list, tuple)) or len(value) != len(default):
            raise ConfigError(f"{where} must be a list of {len(default)} numbers, got {value!r}")
        return tuple(_coerce(section, key, v, d, origin) for v, d in zip(value, default, strict=True))
    if isinstance(default, str):   # the one string is the model's name: "" passed `config`, then `analyze` refused it
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"{where} must be {MODEL_CHOICES}, got {value!r}")
        return shipped_name(value) or value    # "Full " is full: one name, one settings fingerprint
    raise ConfigError(f"{where}: unsupported value {value!r}")  # pragma: no cover


# Keys of older versions, refused with the reason (a file written by `liftform config` has every key of its day).
RETIRED_KEYS = {("verdict", key): "arching at lockout is no longer judged: the back's contour did not read it on real "
                "lifters (docs/DESIGN.md)" for key in ("hyperextension_deg", "lockout_depth_fraction",
                                                       "standing_max_trunk_deg")}


def apply_overrides(settings: Settings, overrides: dict[str, Any], origin: str = "config") -> Settings:
    """``settings`` with ``{section: {key: value}}`` applied; ConfigError for a bad section, key or value."""
    sections = setting_keys()
    owners = {key: name for name, keys in sections.items() for key in keys}                     # key -> its section
    updated = {}
    for section, values in overrides.items():
        if isinstance(values, list):       # [[verdict]]: had been told "key 'verdict' is outside any section"
            raise ConfigError(f"{origin} [[{section}]] is a list of sections; write [{section}], in single brackets")
        if not isinstance(values, dict):   # a key above every [section] header: TOML reads it as top level
            where = f"[{owners[section]}]" if section in owners else "its [section] (`liftform config` lists them)"
            raise ConfigError(f"{origin} key '{section}' is outside any section: put it under {where}")
        if section not in sections:
            raise ConfigError(f"unknown {origin} section [{section}]; known: {', '.join(sections)}")
        current = getattr(settings, section)
        known = sorted(sections[section])
        changes = {}
        for key, value in values.items():
            if (section, key) in RETIRED_KEYS:
                raise ConfigError(f"{origin} key '{key}' in [{section}] is no longer used - "
                                  f"{RETIRED_KEYS[section, key]}; remove the line")
            if key not in known:     # [pose] rounded_back_spine_deg = 25: the section it belongs in is said
                elsewhere = f" (it belongs under [{owners[key]}])" if key in owners else ""
                raise ConfigError(f"unknown {origin} key '{key}' in [{section}]{elsewhere}; known: {', '.join(known)}")
            changes[key] = _coerce(section, key, value, getattr(current, key), origin)
        updated[section] = replace(current, **changes)
        check_ranges(section, updated[section], origin)
    return replace(settings, **updated)


COMMAND_LINE = "command-line"      # ``overrides_from`` of the command's own flags (`cli.common.settings_from`)


def load_settings(config_path: str | Path | None = None, overrides: dict[str, Any] | None = None,
                  profile_path: str | Path | None = None, base: Settings | None = None, *,
                  overrides_from: str = "overrides") -> Settings:
    """Defaults (``base``, default ``Settings()``: a command's own defaults, e.g. live's faster model), then the
    TOML file at ``config_path``, then a personal profile from ``liftform screen`` (``profile_path``: the person's own
    values only, `personal.profile_values`), then ``overrides`` (``{section: {key: value}}``; a bad one's error
    begins with ``overrides_from``, what they are to the reader: the command's "command-line" flags)."""
    from liftform.personal import check_own_range, profile_values  # here: personal builds on this module

    settings = base if base is not None else Settings()
    files = []
    if config_path is not None:
        config = read_toml(Path(config_path), "config")
        if "profile" in config:
            raise ConfigError(f"{config_path} is a personal profile from `liftform screen`: pass it with {PROFILE}, "
                              "not as a config file (`liftform config --profile FILE` checks one)")
        files.append(("config", config_path, config))
    if profile_path is not None:
        files.append(("profile", profile_path, profile_values(Path(profile_path))))
    for what, path, values in files:      # a bad value's error begins with its file: a command may be given two
        try:
            settings = apply_overrides(settings, values, what)
            _check_model_named(settings, values, what)
        except ConfigError as exc:
            raise ConfigError(f"{path}: {exc}") from None
    settings = apply_overrides(settings, overrides, overrides_from) if overrides else settings
    _check_model_named(settings, overrides or {}, overrides_from)
    setter = [path for _, path, values in files if "personal_max_flexion_deg" in values.get("spine", {})]
    check_own_range(settings, setter[-1] if setter else "settings")   # a range of the file that set it
    return settings


def _check_model_named(settings: Settings, values: dict[str, Any], origin: str) -> None:
    """ConfigError where ``values`` (a file's, the flags') set a `[pose] model` that names none (not on results)."""
    model = settings.pose.model
    if "model" in values.get("pose", {}) and not (shipped_name(model) or names_a_file(model)):
        # The command line sets it with --model alone: "command-line [pose] model" named no option the user typed.
        named = MODEL.command_line if origin == COMMAND_LINE else f"{origin} [pose] model"
        raise ConfigError(f"{named} must be {MODEL_CHOICES}, got {model!r}")


def settings_to_toml(settings: Settings) -> str:
    """The settings as a TOML document (what ``liftform config`` prints; valid input for ``--config``)."""
    lines = []
    for section, values in settings.to_dict().items():
        lines.append(f"[{section}]")
        for key, value in values.items():
            limits = value_range(section, key)
            note = "  # true or false" if isinstance(value, bool) else f"  # {limits.describe(value)}" if limits else ""
            lines.append(f"{key} = {toml_value(value)}{note}")
        lines.append("")
    return "\n".join(lines)
