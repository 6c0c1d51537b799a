"""liftform used from Python (a script, a notebook) rather than the CLI: what a user gets wrong in the call is one
liftform error with a message that says what to pass, raised before any work; nothing fails deep inside."""

from __future__ import annotations

import dataclasses
import json
import warnings
from pathlib import Path

import numpy as np
import pytest
from synthetic_tracks import lift_track

import liftform
from liftform import Settings, analyze_video, read_analysis
from liftform.analysis import ModelInfo, SourceInfo
from liftform.core.run import run_core
from liftform.errors import ConfigError, InputError
from liftform.outputs import write_outputs
from liftform.outputs.read import read_poses_npz
from liftform.pipeline import analyze_track
from liftform.settings import PoseSettings, SpineSettings
from liftform.track import PoseTrack
from liftform.unseen import NO_OUTLINE_NOTE

DEFAULTS = Settings()


def _verdict_with(**values) -> Settings:
    return Settings(verdict=dataclasses.replace(DEFAULTS.verdict, **values))


@pytest.mark.parametrize("make, says", [
    # A number as text or None had raised TypeError from inside the range check ("'>=' not supported").
    (lambda: _verdict_with(rounded_back_spine_deg="25"), "settings [verdict] rounded_back_spine_deg must be at least 5 "
                                                        "and at most 90, got '25'"),
    (lambda: _verdict_with(rounded_back_spine_deg=None), "rounded_back_spine_deg must be at least 5 and at most 90, "
                                                        "got None"),
    # A list where a pair is a tuple had raised TypeError; one number where a pair belongs had passed.
    (lambda: _verdict_with(reba_trunk_bands_deg=[20, 60]), "reba_trunk_bands_deg must be a tuple of 2 numbers"),
    (lambda: _verdict_with(reba_trunk_bands_deg=20), "reba_trunk_bands_deg must be a tuple of 2 numbers"),
    # A dict had raised TypeError from dataclasses; another section's dataclass had passed, to fail in the core.
    (lambda: Settings(verdict={"rounded_back_spine_deg": 20}), "settings [verdict] must be a VerdictSettings"),
    (lambda: Settings(verdict=SpineSettings()), "settings [verdict] must be a VerdictSettings .*got SpineSettings"),
    (lambda: Settings(pose=PoseSettings(model=3)), "settings [pose] model must be lite, full, heavy"),
    (lambda: _verdict_with(rounded_back_spine_deg=500), "settings [verdict] rounded_back_spine_deg must be at least 5"),
    # A pair where one number goes had passed (each in range), to raise from NumPy in the core ("could not be
    # broadcast"); text for the setting another must be below had raised TypeError from the comparison.
    (lambda: _verdict_with(rounded_back_spine_deg=(30.0, 40.0)), "rounded_back_spine_deg must be at least 5 and at "
                                                                 "most 90, got [30.0, 40.0]"),
    (lambda: Settings(spine=dataclasses.replace(DEFAULTS.spine, max_view_yaw_deg="60")),
     "settings [spine] max_view_yaw_deg must be at least 0 and at most 90, got '60'"),
    # 1 for true, True for a number: taken, they wrote a result.json whose settings no liftform read back ("config
    # [pose] track_between_frames must be true or false, got 1"), the folder neither read nor rescored.
    (lambda: Settings(pose=PoseSettings(track_between_frames=1)), "settings [pose] track_between_frames must be True "
                                                                   "or False, got 1"),
    (lambda: _verdict_with(min_confidence=True), "settings [verdict] min_confidence must be at least 0 and at most 1, "
                                                 "got True"),
    # A pathlib.Path is a path, but the settings take its str (result.json and the fingerprint are JSON).
    (lambda: Settings(pose=PoseSettings(model=Path("my.task"))), "model must be lite, full, heavy or the path to a "
                                                                  ".task file, as a str, got"),
])
def test_settings_made_in_python_with_a_wrong_value_are_one_config_error_naming_the_key(make, says):
    with pytest.raises(ConfigError, match=says.replace("[", r"\[").replace("]", r"\]").replace("(", r"\(")):
        make()


def test_settings_made_in_python_take_numpy_numbers():
    settings = _verdict_with(rounded_back_spine_deg=np.float64(30), reba_trunk_bands_deg=(np.int64(20), 60))
    assert settings.verdict.rounded_back_spine_deg == 30


@pytest.mark.parametrize("settings", [{}, {"pose": {"model": "lite"}}, "lite"])
def test_analyze_video_refuses_settings_that_are_no_settings_before_any_work(tmp_path, settings):
    """A dict had failed deep in the pose stage ("'dict' object has no attribute 'pose'"), and ``{}`` had been
    taken for the defaults without a word."""
    with pytest.raises(ConfigError, match=f"settings must be a liftform.Settings .*got {type(settings).__name__}"):
        analyze_video(tmp_path / "lift.mp4", tmp_path / "out", settings)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("video", [None, 3, b"lift.mp4"])
def test_analyze_video_refuses_a_video_that_is_no_path(video):
    """pathlib's TypeError ("expected str, bytes or os.PathLike object") had come from deep inside."""
    with pytest.raises(InputError, match=f"the video must be a path .*got {type(video).__name__}"):
        analyze_video(video)


def test_analyze_video_refuses_an_empty_out_root_as_the_cli_refuses_an_empty_o(tmp_path, monkeypatch):
    """``out_root=os.environ.get("OUT", "")`` with OUT unset had written into the working folder, where the CLI's
    `-o ""` says "an unset shell variable in the command?"."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError, match="out_root is empty"):
        analyze_video(tmp_path / "lift.mp4", "")
    assert not any(tmp_path.iterdir())


def test_read_analysis_of_a_file_says_it_is_no_result_folder(tmp_path):
    """The video itself passed to `read_analysis` had been told "cannot read result file lift.mp4/result.json: Not a
    directory; delete it and run the analysis again": the advice was to delete the video."""
    video = tmp_path / "lift.mp4"
    video.write_bytes(b"\0" * 64)
    with pytest.raises(InputError) as error:
        read_analysis(video)
    assert str(error.value) == (f"{video} is a file, not a result folder: pass the folder liftform wrote for a video "
                                "(OUT/<video>) or its result.json")


def _fields(track: PoseTrack) -> dict:
    return {f.name: getattr(track, f.name) for f in dataclasses.fields(PoseTrack) if f.name != "other_lifters"}


def test_a_pose_track_of_ones_own_landmarks_as_lists_is_read_as_arrays():
    """Lists (another pose model's output as JSON) had raised "list indices must be integers or slices, not tuple"
    from inside the core."""
    track, _ = lift_track("rounded_back", n_reps=2)
    as_lists = PoseTrack(**{name: value.tolist() if isinstance(value, np.ndarray) else list(value)
                            for name, value in _fields(track).items() if value is not None})
    assert as_lists.frame_size_wh == track.frame_size_wh and isinstance(as_lists.image_xy, np.ndarray)
    got, want = run_core(as_lists, DEFAULTS), run_core(track, DEFAULTS)
    assert [v.verdict for v in got.verdicts] == [v.verdict for v in want.verdicts] == ["rounded_back"] * 2


@pytest.mark.parametrize("change, says", [
    ({"frame_size_wh": None}, r"PoseTrack.frame_size_wh must be \(width, height\) in pixels, got None"),
    ({"frame_size_wh": (640, 480, 3)}, r"PoseTrack.frame_size_wh must be \(width, height\) in pixels"),
    ({"timestamps_s": "text"}, "PoseTrack.timestamps_s must hold numbers, got <U4 values"),
    ({"timestamps_s": 1.0}, r"PoseTrack.timestamps_s has shape \(\), expected \(frames,\)"),
])
def test_a_pose_track_with_a_wrong_field_is_one_input_error_naming_it(change, says):
    track, _ = lift_track("hip_hinge", n_reps=1)
    with pytest.raises(InputError, match=says):
        PoseTrack(**{**_fields(track), **change})


def test_a_pose_track_of_normalised_landmarks_is_told_to_take_pixels():
    """MediaPipe's landmarks as it gives them (0-1 of the frame) made a person a dot of 1 px: every rep "not judged",
    the clothes blamed."""
    track, _ = lift_track("rounded_back", n_reps=1)
    normalised = track.image_xy / np.asarray(track.frame_size_wh, dtype=float)
    with pytest.raises(InputError, match=r"PoseTrack.image_xy is within 0-1 \(normalised coordinates\?\): it takes "
                                         "source pixels; multiply x by the frame's width and y by its height"):
        PoseTrack(**{**_fields(track), "image_xy": normalised})


def test_the_core_on_a_track_without_frames_is_one_input_error():
    """NumPy's "window shape cannot be larger than input array shape" had come from the smoothing."""
    track, _ = lift_track("hip_hinge", n_reps=1)
    with pytest.raises(InputError, match="the PoseTrack has no frames"):
        run_core(track[:0], DEFAULTS)


def test_a_track_without_the_backs_outline_says_why_no_back_was_judged():
    """Another pose model's landmarks come without MediaPipe's mask: every rep was "not judged", with the clothes or
    an arm against the back for the reason, and no note of the outline missing."""
    track, _ = lift_track("rounded_back", n_reps=2)
    source = SourceInfo("lift.mp4", "ab" * 32, 30.0, len(track), *track.frame_size_wh, float(track.timestamps_s[-1]))
    model = ModelInfo("my own model", "")
    without = analyze_track(dataclasses.replace(track, back_profile_px=None), source, model, DEFAULTS)
    assert [v.verdict for v in without.verdicts] == ["insufficient_data"] * 2
    assert NO_OUTLINE_NOTE in without.quality.warnings
    assert NO_OUTLINE_NOTE not in analyze_track(track, source, model, DEFAULTS).quality.warnings


def test_read_analysis_of_a_written_folder_then_the_core_with_other_settings(tmp_path):
    """What the README's Python section does after `analyze`: read the folder back, judge its landmarks again."""
    track, _ = lift_track("rounded_back", n_reps=2)
    source = SourceInfo("lift.mp4", "ab" * 32, 30.0, len(track), *track.frame_size_wh, float(track.timestamps_s[-1]))
    written = analyze_track(track, source, ModelInfo("full", "cd" * 32), DEFAULTS)
    write_outputs(written, track, tmp_path / "lift", write_video=False)
    again = read_analysis(tmp_path / "lift")
    assert again.verdict == written.verdict == "rounded_back"
    lax = _verdict_with(rounded_back_spine_deg=60)
    landmarks = read_poses_npz(tmp_path / "lift" / "poses.npz")
    assert analyze_track(landmarks, again.source, again.model, lax).verdict == "safe"


def test_the_public_names_are_listed_for_completion():
    """A notebook completes `liftform.<Tab>` from dir(): the names loaded on first use had not been in it."""
    assert set(liftform.__all__) <= set(dir(liftform))


def test_an_analysis_s_reps_and_verdicts_are_plain_python_values():
    """`json.dumps(dataclasses.asdict(verdict))` of a fresh analysis had failed ("Object of type int64 is not JSON
    serializable": a rep's bottom was NumPy's), where the same verdict read back from its folder passed."""
    track, _ = lift_track("rounded_back", n_reps=2)
    source = SourceInfo("lift.mp4", "ab" * 32, 30.0, len(track), *track.frame_size_wh, float(track.timestamps_s[-1]))
    verdicts = analyze_track(track, source, ModelInfo("full", "cd" * 32), DEFAULTS).verdicts
    assert len(verdicts) == 2
    for verdict in verdicts:
        json.dumps(dataclasses.asdict(verdict))
        frames = ("index", "start", "bottom", "end", "liftoff", "touchdown")
        assert {name: type(getattr(verdict.rep, name)) for name in frames} == dict.fromkeys(frames, int)


def test_an_analysis_shows_itself_in_one_line():
    """A notebook showing an analysis had printed every per-frame array of its kinematics (49 KB for a 9 s clip)."""
    track, _ = lift_track("rounded_back", n_reps=2)
    source = SourceInfo("lift.mp4", "ab" * 32, 30.0, len(track), *track.frame_size_wh, float(track.timestamps_s[-1]))
    analysis = analyze_track(track, source, ModelInfo("full", "cd" * 32), DEFAULTS)
    assert repr(analysis) == (f"Analysis(source='lift.mp4', verdict='rounded_back', reps=2, lifters=1, "
                              f"frames={len(track)}, view='side', notes={len(analysis.quality.warnings)})")


def test_two_analyses_of_the_same_lift_are_equal_and_one_judged_otherwise_is_not():
    """`analysis == again` had raised "The truth value of an array with more than one element is ambiguous"."""
    track, _ = lift_track("rounded_back", n_reps=2)
    source = SourceInfo("lift.mp4", "ab" * 32, 30.0, len(track), *track.frame_size_wh, float(track.timestamps_s[-1]))
    model = ModelInfo("full", "cd" * 32)
    first, second = (analyze_track(track, source, model, DEFAULTS) for _ in range(2))
    assert np.isnan(first.kinematics.far_shoulder_rise).any()        # NaN (not measured) is the same as NaN
    assert first == second and first.kinematics == second.kinematics
    assert first != analyze_track(track, source, model, _verdict_with(rounded_back_spine_deg=60))
    assert first != dataclasses.replace(first, flagged=~first.flagged)
    assert track == track[:] and track != track[1:]


def _landmarks_moved(track: PoseTrack, onto: int, points: list[int]) -> PoseTrack:
    """``track`` with the landmarks ``points`` at landmark ``onto`` in every frame (a body part of no size)."""
    image_xy, world_xyz = track.image_xy.copy(), track.world_xyz.copy()
    image_xy[:, points], world_xyz[:, points] = image_xy[:, [onto]], world_xyz[:, [onto]]
    return dataclasses.replace(track, image_xy=image_xy, world_xyz=world_xyz)


def _nobody(track: PoseTrack) -> PoseTrack:
    return dataclasses.replace(track, image_xy=np.full_like(track.image_xy, np.nan),
                               world_xyz=np.full_like(track.world_xyz, np.nan),
                               visibility=np.zeros_like(track.visibility),
                               back_profile_px=np.full_like(track.back_profile_px, np.nan))


def _standing_still(track: PoseTrack, frames: int = 60) -> PoseTrack:
    """The first frame's landmarks in every frame: a photo of the lifter, as a track."""
    first = lambda values: np.repeat(values[:1], frames, axis=0)      # noqa: E731
    return PoseTrack(first(track.image_xy), first(track.world_xyz), first(track.visibility),
                     np.arange(frames) / 30.0, np.arange(frames), track.frame_size_wh,
                     back_profile_px=first(track.back_profile_px))


NO_LIFT = "no lift was found"
# Home-made tracks with nothing to judge: what the analysis says of each (NaN is "not seen", by design).
UNSEEN = {
    "nobody in any frame": (_nobody, "no pose of the lifter could be measured"),
    "one frame": (lambda track: track[:1], "the shoulders never came down"),
    "standing still": (_standing_still, "the shoulders never came down"),
    "a trunk of no length": (lambda track: _landmarks_moved(track, 23, [11, 12]), "never seen standing upright"),
}


@pytest.mark.parametrize("kind", list(UNSEEN))
def test_a_track_of_ones_own_with_nothing_to_judge_says_so_without_a_numpy_warning(kind):
    """NaN is "missing" in the core: a script's console is not given NumPy's warnings ("Mean of empty slice",
    "invalid value encountered in divide") over frames it has already said it could not see."""
    make, says = UNSEEN[kind]
    track = make(lift_track("rounded_back", n_reps=1)[0])
    source = SourceInfo("own.mp4", "ab" * 32, 30.0, len(track), *track.frame_size_wh, float(track.timestamps_s[-1]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")             # any warning fails the test, with where it came from
        core = run_core(track, DEFAULTS)
        analysis = analyze_track(track, source, ModelInfo("my own model", ""), DEFAULTS)
    assert core.reps == () and analysis.verdict == "insufficient_data" and analysis.verdicts == ()
    assert any(note.startswith(NO_LIFT) and says in note for note in analysis.quality.warnings), \
        analysis.quality.warnings


def test_a_leg_of_no_length_leaves_the_stance_unknown_and_the_back_judged_without_a_numpy_warning():
    """A home-made track with the near knee and ankle on the hip: the stance split (ankles apart, in leg lengths)
    was divided by zero, a RuntimeWarning on the script's console and an infinite split ("feet split inf leg
    lengths", a lunge) where no leg was seen."""
    track = _landmarks_moved(lift_track("rounded_back", n_reps=1)[0], 23, [25, 27, 29, 31])      # the left leg
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        core = run_core(track, DEFAULTS)
    assert np.isnan(core.kinematics.stance_split).all() and np.isnan(core.kinematics.knee_flexion_deg).all()
    assert [v.verdict for v in core.verdicts] == ["rounded_back"]       # the back was seen: it is judged


@pytest.mark.parametrize("guarded", [True, False])
def test_score_in_a_script_without_the_main_guard_is_refused_before_any_worker_starts(tmp_path, guarded):
    """The local engine's workers run the main script again as they start ("spawn"): a script calling `score` at its
    top level had every video failed, "the worker process exited with status 1 ... the file may be damaged" (each
    worker's own batch refused by the first's lock). It is refused at once, saying what to write."""
    import subprocess
    import sys

    call = f"score([], {str(tmp_path / 'out')!r}, workers=1)"
    body = f"if __name__ == '__main__':\n    {call}\n" if guarded else f"{call}\n"
    script = tmp_path / "study.py"
    script.write_text("from liftform.batch import score\n" + body)
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    said = done.stderr.strip().splitlines()[-1]
    if guarded:       # past the check: no video to score
        assert said.startswith("liftform.errors.InputError: no video to score"), done.stderr
    else:
        assert said == ("liftform.errors.UsageError: liftform.batch.score starts worker processes that run the main "
                        "script again as they start: in a script, call it under `if __name__ == \"__main__\":`")
        return
    # A package's __main__ runs unguarded, and the workers leave it alone (as multiprocessing does): `python -m
    # liftform.cli score` had been refused.
    (tmp_path / "empty").mkdir()
    done = subprocess.run([sys.executable, "-m", "liftform.cli", "score", str(tmp_path / "empty"), "-o",
                           str(tmp_path / "out")], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and done.stderr.startswith("error: no video to score"), done.stderr


def test_one_path_given_to_score_as_a_string_is_one_input_not_its_letters(tmp_path):
    """`score("squat.mp4", "out")` had taken each character for an input: "s", "q", ... failed, "." scored the whole
    working folder, and "/" walked the disk from its root."""
    from liftform.batch import expand_inputs

    video = tmp_path / "squat.mp4"
    video.write_bytes(b"")
    (tmp_path / "other.mp4").write_bytes(b"")
    assert expand_inputs(str(video)) == expand_inputs(video) == [video]
    assert expand_inputs(str(tmp_path)) == [tmp_path / "other.mp4", video]


def test_what_analyze_track_score_and_rescore_are_given_is_checked_with_a_liftform_error(tmp_path):
    """A path for the track, None for the source, a dict for the settings had failed deep inside with an
    AttributeError ("'str' object has no attribute 'timestamps_s'", "'dict' object has no attribute 'pose'")."""
    from liftform.batch import rescore, score
    from liftform.errors import LiftformError

    track, _ = lift_track("hip_hinge", n_reps=1)
    source = SourceInfo("lift.mp4", "ab" * 32, 30.0, len(track), *track.frame_size_wh, float(track.timestamps_s[-1]))
    model = ModelInfo("full", "cd" * 32)
    npz = str(tmp_path / "poses.npz")
    for args, said in (((npz, source, model, DEFAULTS), "the track must be a liftform PoseTrack"),
                       ((track, None, model, DEFAULTS), "source must be a liftform SourceInfo"),
                       ((track, source, "full", DEFAULTS), "model must be a liftform ModelInfo"),
                       ((track, source, model, {"verdict": {}}), "settings must be a liftform.Settings")):
        with pytest.raises(LiftformError, match=f"^{said} .*, got "):
            analyze_track(*args)
    for call in (lambda: score([tmp_path], tmp_path / "out", {"pose": {}}), lambda: rescore(tmp_path, {"pose": {}})):
        with pytest.raises(ConfigError, match="^settings must be a liftform.Settings"):
            call()


def test_an_empty_output_name_is_refused_as_an_empty_out_root_is(tmp_path):
    """``output_name=""`` had written OUT/<stem>, as if none were given; an empty -o is bad usage, and so is this."""
    video = tmp_path / "lift.mp4"
    video.write_bytes(b"")
    for name in ("", "  "):
        with pytest.raises(InputError, match="^the output name is empty"):
            analyze_video(video, tmp_path / "out", output_name=name)
    assert not (tmp_path / "out" / "lift").exists()
