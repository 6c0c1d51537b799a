"""The whole chain with the real pose model on the project's rendered samples, the CLI, and hostile inputs."""

from __future__ import annotations

import json
from pathlib import Path

import av
import numpy as np
import pytest
from typer.testing import CliRunner
from video_files import first_seconds, write_h264

from liftform.cli import app
from liftform.personal import told_apart
from liftform.pipeline import MIN_FRAMES, analyze_video, estimate_video_track
from liftform.settings import Settings
from liftform.synth import read_truth_csv
from liftform.toml_files import tomllib  # tomli on Python 3.10

EXPECTED = {"hip_hinge": ("safe", "hip_hinge"), "rounded_back": ("rounded_back", "rounded_back"),
            "squat": ("safe", "squat"), "lunge": ("safe", "lunge"),
            # a baggy shirt, facing image-left; a stoop filmed 30 deg off side-on
            "hip_hinge_loose_left": ("safe", "hip_hinge"), "rounded_back_yaw30": ("rounded_back", "rounded_back")}
SIDE_ON = ["hip_hinge", "rounded_back", "squat", "hip_hinge_loose_left"]
runner = CliRunner()


@pytest.fixture(scope="module")
def analyses(sample_videos, tmp_path_factory):
    """Each sample analysed once (no annotated video, except hip_hinge's to check it) with its truth."""
    out = tmp_path_factory.mktemp("out")
    results = {}
    for name in EXPECTED:
        video = sample_videos[name]
        results[name] = (analyze_video(video, out, Settings(), write_video=(name == "hip_hinge"), report=False),
                         read_truth_csv(video.with_name(name + ".truth.csv")), out / name)
    return results


@pytest.mark.slow
@pytest.mark.parametrize("name", list(EXPECTED))
@pytest.mark.model
def test_each_sample_gets_the_verdict_it_was_made_to_show(analyses, name):
    analysis, _, _ = analyses[name]
    video_verdict, rep_verdict = EXPECTED[name]
    assert analysis.verdict == video_verdict
    assert len(analysis.verdicts) == 3
    assert [v.verdict for v in analysis.verdicts] == [rep_verdict] * 3
    # a lunge's back is not judged (its trunk stays upright): cleared at half the confidence, as not seen
    assert all(v.confidence >= 0.5 if name != "lunge" else 0.2 <= v.confidence <= 0.5 for v in analysis.verdicts)


@pytest.mark.slow
@pytest.mark.parametrize("name", SIDE_ON)
@pytest.mark.model
def test_pose_on_rendered_frames_matches_truth(analyses, name):
    analysis, truth, _ = analyses[name]
    k = analysis.kinematics
    assert analysis.quality.frames_with_pose >= 0.95 * analysis.quality.frames_total
    idx = k.frame_index
    # The knee: 11 deg. MediaPipe's one-pose tracking (how liftform follows a person) reads the rendered knee about
    # 2 deg further off than running its detector on every frame did (8.3 -> 10.3 deg on the loose-shirt sample),
    # while the spine measure's error drops (3.7 -> 2.9 deg).
    for angle, tolerance in (("trunk_inclination_deg", 5.0), ("knee_flexion_deg", 11.0)):
        error = np.nanmedian(np.abs(getattr(k, angle) - np.asarray(truth[angle])[idx]))
        assert error < tolerance, f"{angle}: median error {error:.1f} deg"
    assert analysis.quality.view == "side"


@pytest.mark.slow
@pytest.mark.model
def test_rounded_sample_flags_the_frames_where_the_spine_is_flexed(analyses):
    analysis, truth, _ = analyses["rounded_back"]
    true_spine = np.asarray(truth["spine_flexion_deg"])[analysis.kinematics.frame_index]
    flagged = analysis.flagged
    assert flagged.any()
    # Flagged frames are frames where the figure's spine really is well flexed; the most flexed are flagged.
    assert np.min(true_spine[flagged]) > 10
    assert flagged[true_spine > 0.9 * true_spine.max()].mean() > 0.8


@pytest.mark.slow
@pytest.mark.model
def test_result_files_follow_the_contract(analyses):
    analysis, _, out_dir = analyses["hip_hinge"]
    result = json.loads((out_dir / "result.json").read_text())
    assert result["schema_version"] >= 1
    assert result["verdict"] == "safe"
    assert set(result["source"]) >= {"path", "sha256", "fps", "frames", "width", "height", "duration_s"}
    assert len(result["source"]["sha256"]) == 64 and len(result["model"]["sha256"]) == 64
    rep_keys = {"index", "start_s", "bottom_s", "end_s", "verdict", "confidence", "peak_spine_flexion_deg",
                "peak_trunk_inclination_deg", "peak_hip_flexion_deg", "min_knee_angle_deg", "stoop_squat_index"}
    assert all(rep_keys <= set(rep) for rep in result["reps"]) and len(result["reps"]) == 3
    assert set(result["quality"]) >= {"frames_with_pose", "view", "warnings"}
    frames_csv = (out_dir / "frames.csv").read_text().splitlines()
    assert len(frames_csv) == len(analysis.kinematics) + 1           # one row per analysed frame
    with av.open(str(out_dir / "annotated.mp4")) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert sum(1 for _ in container.decode(stream)) == analysis.source.frames


@pytest.mark.slow
@pytest.mark.model
def test_cli_analyze_prints_verdict_per_rep(sample_videos, tmp_path):
    result = runner.invoke(app, ["analyze", str(sample_videos["rounded_back"]), "-o", str(tmp_path), "--no-video",
                                 "--quiet"])
    assert result.exit_code == 0, result.output
    assert "ROUNDED BACK" in result.output and result.output.count("rep ") >= 3
    assert (tmp_path / "rounded_back" / "result.json").is_file()


@pytest.mark.slow
@pytest.mark.model
def test_a_dark_picture_is_said(sample_videos, tmp_path):
    """The rendered lift as it is and two stops under (levels x 0.53): only the dark one carries the note, in
    result.json's quality notes and in what the terminal prints (a screen of it says so too)."""
    notes, printed = {}, {}
    for name, gain in (("as_filmed", 1.0), ("dark", 0.53)):
        video = first_seconds(sample_videos["hip_hinge"], tmp_path / f"{name}.mp4", 2.0, level_gain=gain)
        result = runner.invoke(app, ["analyze", str(video), "-o", str(tmp_path / "out"), "--no-video", "--no-report"])
        assert result.exit_code == 0, result.output
        notes[name] = json.loads((tmp_path / "out" / name / "result.json").read_text())["quality"]["warnings"]
        printed[name] = result.output
    assert not any("dark" in note for note in notes["as_filmed"])
    assert "the picture is dark" not in printed["as_filmed"]
    assert any(note.startswith("the picture is dark") for note in notes["dark"])
    assert "the picture is dark" in printed["dark"]
    screened = runner.invoke(app, ["screen", str(tmp_path / "dark.mp4")])
    assert screened.exit_code == 0 and "the picture is dark" in screened.output, screened.output


@pytest.mark.slow
@pytest.mark.model
def test_the_screen_reads_the_bend_as_analyze_does_and_its_profile_keeps_the_zero(sample_videos, tmp_path):
    """The rendered stoop's first bend (truth: rounding to 40 deg past neutral on the way down) is told to lunge,
    at the lean where `analyze` flags its back; the profile carries the hinge depth into the advice and leaves the
    spine's zero alone (a zero from the early bend read real neutral lifters as rounded)."""
    from liftform.settings import Settings, load_settings

    clip = first_seconds(sample_videos["rounded_back"], tmp_path / "bend.mp4", 2.2)
    profile = tmp_path / "me.toml"
    screened = runner.invoke(app, ["screen", str(clip), "--save-profile", str(profile)])
    assert screened.exit_code == 0 and "LUNGE" in screened.output and "before the back rounded" in screened.output
    settings = load_settings(None, None, profile)
    assert 45.0 <= settings.advice.screen_hinge_depth_deg < 70.0
    assert settings.spine.neutral_bend_deg == Settings().spine.neutral_bend_deg
    assert settings.spine.personal_max_flexion_deg > Settings().verdict.rounded_back_spine_deg
    about = tomllib.loads(profile.read_text())["profile"]        # whose it is: the video it was read from
    assert about["read_from"] == str(clip.absolute()) and len(about["source_sha256"]) == 64 and "rep" not in about
    analysis = analyze_video(clip, tmp_path / "out", write_video=False, report=False)
    k = analysis.kinematics
    first_flagged = int(np.argmax(analysis.flagged))
    assert analysis.flagged.any()
    assert abs(k.trunk_inclination_deg[first_flagged] - settings.advice.screen_hinge_depth_deg) < 1.0
    flat = runner.invoke(app, ["screen", str(first_seconds(sample_videos["hip_hinge"], tmp_path / "flat.mp4", 2.2))])
    assert flat.exit_code == 0 and "HIP HINGE" in flat.output and "with the back flat" in flat.output
    # The same bend on its side (no rotation metadata): the screen says what analyze says, not "bend further".
    with av.open(str(clip)) as video:
        turned = [np.rot90(frame.to_ndarray(format="rgb24")).copy() for frame in video.decode(video=0)]
    write_h264(tmp_path / "turned.mp4", turned)
    sideways = runner.invoke(app, ["screen", str(tmp_path / "turned.mp4")])
    assert sideways.exit_code == 0 and "NOT ENOUGH DATA" in sideways.output
    assert "the video may be rotated" in sideways.output, sideways.output


@pytest.mark.slow
@pytest.mark.model
def test_a_bend_checked_neutral_gives_the_person_their_own_zero(sample_videos, tmp_path):
    """`liftform screen --neutral`: the rendered hinge's first bend gives a zero near the shipped one (the figure's
    neutral back is what that zero was set for), saved in the profile marked as checked; `analyze --profile` judges
    from it and says so, and the stoop is still rounded. The stoop's own bend taken as neutral reads where most
    people's backs are rounded: said, since a rounded bend taken as neutral hides rounding."""
    from liftform.outputs.layout import PROFILE_NAME
    from liftform.settings import load_settings

    profile = tmp_path / "lifter" / PROFILE_NAME          # beside the lifter's videos: said how to score them all
    profile.parent.mkdir()
    hinge = first_seconds(sample_videos["hip_hinge"], tmp_path / "hinge.mp4", 2.2)
    screened = runner.invoke(app, ["screen", str(hinge), "--neutral", "--save-profile", str(profile)])
    assert screened.exit_code == 0 and "your own neutral" in screened.output, screened.output
    assert f"{profile.parent} --folder-profiles" in " ".join(screened.output.split())
    assert "read as rounded from" not in screened.output
    own = load_settings(None, None, profile).spine.neutral_bend_deg
    assert abs(own - Settings().spine.neutral_bend_deg) < 8.0 and own != Settings().spine.neutral_bend_deg
    stoop_rep = first_seconds(sample_videos["rounded_back"], tmp_path / "stoop_rep.mp4", 3.2)   # its first rep
    judged = runner.invoke(app, ["analyze", str(stoop_rep), "-o", str(tmp_path / "out"), "--no-video", "--no-report",
                                 "--profile", str(profile)])
    assert judged.exit_code == 0 and "ROUNDED BACK" in judged.output, judged.output
    zero, usual = told_apart(own, Settings().spine.neutral_bend_deg)
    assert f"judged with the lifter's own values: zero {zero}° (most people's {usual}°)" in " ".join(
        judged.output.split()), judged.output
    stoop = first_seconds(sample_videos["rounded_back"], tmp_path / "stoop.mp4", 2.2)
    wrongly = runner.invoke(app, ["screen", str(stoop), "--neutral"])
    assert wrongly.exit_code == 0 and "read as rounded from 27°" in wrongly.output, wrongly.output


@pytest.mark.slow
@pytest.mark.model
def test_a_recording_cut_at_the_bottom_is_judged_on_its_way_down(sample_videos, tmp_path):
    """The rendered samples cut at 2.0 s, at the bottom of their first bend (the truth: down from 0.8 s, at the
    bottom from 1.7 to 2.1 s): the flat back of the hinge is cleared from the way down and says so; the stoop's
    rounded way down is no rounded lift (it may be an empty-handed reach-down), so it stays undecided, and the
    rounded reach-down is still told."""
    docs = {}
    for name in ("hip_hinge", "rounded_back"):
        video = first_seconds(sample_videos[name], tmp_path / f"{name}.mp4", 2.0)
        result = runner.invoke(app, ["analyze", str(video), "-o", str(tmp_path / "out"), "--no-video",
                                     "--no-report", "--quiet"])
        assert result.exit_code == 0, result.output
        docs[name] = json.loads((tmp_path / "out" / name / "result.json").read_text())
    (flat,) = docs["hip_hinge"]["reps"]
    assert docs["hip_hinge"]["verdict"] == "safe" and flat["verdict"] == "hip_hinge"
    assert flat["judged_on_descent"] and not flat["lift_unseen"] and "on the way down" in flat["reason"]
    assert flat["peak_spine_flexion_deg"] < 15.0 and "keep the camera running and on you" in flat["advice"]
    (rounded,) = docs["rounded_back"]["reps"]
    assert docs["rounded_back"]["verdict"] == "insufficient_data" and rounded["verdict"] == "insufficient_data"
    assert rounded["lift_unseen"] and not rounded["judged_on_descent"]
    assert "rounded on the way down" in rounded["reason"] and "rounded_reach_down" in rounded["faults"]


@pytest.mark.slow
@pytest.mark.model
def test_a_lifter_in_view_for_a_moment_of_a_long_video_is_judged(sample_videos, tmp_path):
    """A fixed camera's long recording where the person is in view only for one lift (a worker walks in, lifts and
    leaves; here a rendered rounded rep, then 14 s of an empty grey room): in 18 % of the frames, under the fifth
    once asked, it was refused as "no person found"; the lift is judged, and the note says how long the lifter was
    not seen."""
    with av.open(str(sample_videos["rounded_back"])) as inp:
        lift = [f.to_ndarray(format="rgb24") for f in inp.decode(video=0) if f.time < 3.0]
    video = tmp_path / "one_lift.mp4"
    write_h264(video, [*lift, *[np.full_like(lift[0], 128)] * 14 * 30])
    result = runner.invoke(app, ["analyze", str(video), "-o", str(tmp_path / "out"), "--no-video", "--no-report",
                                 "--quiet"])
    assert result.exit_code == 0, result.output
    doc = json.loads((tmp_path / "out" / "one_lift" / "result.json").read_text())
    assert doc["verdict"] == "rounded_back" and [r["verdict"] for r in doc["reps"]] == ["rounded_back"]
    assert any("the lifter was not found for 14." in w for w in doc["quality"]["warnings"]), doc["quality"]


@pytest.mark.slow
@pytest.mark.model
def test_4k_frames_are_downscaled_for_pose_and_reported_in_source_pixels(sample_videos, tmp_path):
    """A 4K copy of the first second of a sample: landmarks must be 6x those of the 640x480 original (its first
    second: not the whole sample, of which only these frames were compared)."""
    src = sample_videos["hip_hinge"]
    big, small = tmp_path / "big.mp4", tmp_path / "small.mp4"
    with av.open(str(src)) as inp, av.open(str(big), "w") as out, av.open(str(small), "w") as out_small:
        # The frames' size is what counts here, not their encoding: the fastest preset.
        streams = []
        for container, (width, height) in ((out, (3840, 2880)), (out_small, (640, 480))):
            stream = container.add_stream("libx264", rate=30, options={"preset": "ultrafast"})
            stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
            streams.append((container, stream))
        for i, frame in enumerate(inp.decode(video=0)):
            if i >= 30:
                break
            rgb = frame.to_ndarray(format="rgb24")
            for (container, stream), scale in zip(streams, (6, 1), strict=True):
                scaled = rgb.repeat(scale, axis=0).repeat(scale, axis=1)
                container.mux(stream.encode(av.VideoFrame.from_ndarray(scaled, format="rgb24")))
        for container, stream in streams:
            container.mux(stream.encode())
    settings = Settings()
    big_track, source, *_ = estimate_video_track(big, settings)
    small_track, *_ = estimate_video_track(small, settings)
    assert (source.width, source.height) == (3840, 2880)
    assert len(big_track) == len(small_track) == 30
    ratio = np.nanmedian(big_track.image_xy[:, 23:25] / small_track.image_xy[:, 23:25])
    assert ratio == pytest.approx(6.0, rel=0.03)


def _hostile(kind: str, tmp: Path, sample: Path) -> tuple[list[str], str]:
    """Arguments for `liftform analyze` and a word the error line must contain."""
    out = ["-o", str(tmp / "out"), "--no-video", "--quiet"]
    if kind == "missing file":
        return [str(tmp / "nope.mp4"), *out], "nope.mp4"
    if kind == "directory":
        return [str(tmp), *out], "director"
    if kind == "empty file":
        (tmp / "empty.mp4").write_bytes(b"")
        return [str(tmp / "empty.mp4"), *out], "empty"
    if kind == "text named .mp4":
        (tmp / "notes.mp4").write_text("not a video\n" * 100)
        return [str(tmp / "notes.mp4"), *out], "notes.mp4"
    if kind == "truncated video":
        data = sample.read_bytes()
        (tmp / "cut.mp4").write_bytes(data[: len(data) // 3])
        return [str(tmp / "cut.mp4"), *out], "cut.mp4"
    if kind == "no person":
        write_h264(tmp / "wall.mp4", [np.full((240, 320, 3), 120, np.uint8)] * 40)
        return [str(tmp / "wall.mp4"), *out], "no person"
    if kind == "one frame":
        write_h264(tmp / "one.mp4", [np.full((240, 320, 3), 120, np.uint8)])
        return [str(tmp / "one.mp4"), *out], \
            f"only 1 frame(s) (a photo, not a video?): a lift needs at least {MIN_FRAMES} frames"
    if kind in ("unwritable output", "output is a file"):      # the file in the way is named, not a folder below it
        (tmp / "a-file").write_text("x")
        below = ("out",) if kind == "unwritable output" else ()
        return [str(sample), "-o", str(tmp.joinpath("a-file", *below)), "--no-video", "--quiet"], \
            f"{tmp / 'a-file'} is a file, not a folder"
    if kind == "unknown config key":
        (tmp / "bad.toml").write_text("[verdict]\nrounded_back_spine_dg = 20\n")
        return [str(sample), "--config", str(tmp / "bad.toml"), *out], "rounded_back_spine_dg"
    if kind == "missing model":
        return [str(sample), "--model", str(tmp / "nope.task"), *out], "nope.task"
    if kind == "model misspelt in a config":                    # the file and line to fix are named
        (tmp / "typo.toml").write_text('[pose]\nmodel = "fulll"\n')
        return [str(sample), "--config", str(tmp / "typo.toml"), *out], f"{tmp / 'typo.toml'}: config [pose] " \
            "model must be lite, full, heavy or the path to a .task file, got 'fulll'"
    if kind == "empty model in a config":     # was taken as the default, full (`--model ""`: test_cli_errors)
        (tmp / "empty.toml").write_text('[pose]\nmodel = ""\n')
        return [str(sample), "--config", str(tmp / "empty.toml"), *out], \
            "[pose] model must be lite, full, heavy or the path to a .task file"
    raise AssertionError(kind)


HOSTILE = ["missing file", "directory", "empty file", "text named .mp4", "truncated video",
           *(pytest.param(kind, marks=[pytest.mark.slow, pytest.mark.model])   # found by the model
             for kind in ("no person", "one frame")),
           "unwritable output", "output is a file", "unknown config key", "missing model", "empty model in a config",
           "model misspelt in a config"]


@pytest.mark.parametrize("kind", HOSTILE)   # the input is checked before the model: quick lane but two
def test_bad_input_gives_one_clear_line_and_exit_1(kind, tmp_path, sample_videos):
    args, word = _hostile(kind, tmp_path, sample_videos["squat"])
    result = runner.invoke(app, ["analyze", *args])
    assert result.exit_code == 1, f"{kind}: exit {result.exit_code}\n{result.output}"
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), result.exception
    lines = [line for line in result.output.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error:")]
    assert len(errors) == 1, result.output
    assert word.lower() in errors[0].lower(), errors[0]
    assert "Traceback" not in result.output
    # Nothing half-written: no result.json without the analysis that makes it.
    assert not list((tmp_path / "out").glob("*/result.json"))


@pytest.mark.slow
@pytest.mark.model
def test_a_smaller_person_in_view_does_not_pull_the_track_away(sample_videos, tmp_path):
    """The rounded-back lifter full size on the left, a smaller person hinging on the right: the track must follow
    the lifter on every frame. (MediaPipe's detector reports one of the two here, so this checks the whole chain;
    the choice between people that MediaPipe does report is tested below.)"""
    lifter, other = sample_videos["rounded_back"], sample_videos["hip_hinge"]
    truth = read_truth_csv(lifter.with_name("rounded_back.truth.csv"))
    frames = []
    with av.open(str(lifter)) as a, av.open(str(other)) as b:
        for i, (fa, fb) in enumerate(zip(a.decode(video=0), b.decode(video=0), strict=False)):
            if i >= 90:
                break
            canvas = np.full((480, 1280, 3), 200, np.uint8)
            canvas[:, :640] = fa.to_ndarray(format="rgb24")
            small = fb.to_ndarray(format="rgb24")[::2, ::2]
            canvas[240:, 800:1120] = small
            frames.append(canvas)
    two = tmp_path / "two_people.mp4"
    write_h264(two, frames)
    track, *_ = estimate_video_track(two, Settings())
    hips = track.image_xy[:, 23:25].mean(axis=1)
    true_hip_x = (truth["left_hip_x_px"] + truth["right_hip_x_px"])[track.frame_index] / 2
    assert track.has_pose.all()
    assert np.nanmax(np.abs(hips[:, 0] - true_hip_x)) < 40      # never on the other person (x > 800)

