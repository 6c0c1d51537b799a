"""`score` into a folder scored before, where only what comes after the pose stage differs (a new --config, views a
rescore left out of date): each video is judged again from its saved landmarks (poses.npz), not posed again (a
`score` after a `rescore` had run the pose model over every video, minutes to hours each). Only the pose stage's own
settings, another model, a changed file or someone followed whose landmarks are not kept run it again.

The folders are made from synthetic tracks and the jobs run through the real `jobs.run_job` in this process (the
engine's dispatch is all that is stood in); the pose stage is replaced by one that fails its video saying so, so a
test sees whether it ran."""

from __future__ import annotations

import csv
import dataclasses
import json
import shutil
from pathlib import Path

import pytest
from synthetic_tracks import lift_track
from typer.testing import CliRunner

from liftform import pipeline
from liftform.analysis import ModelInfo, SourceInfo
from liftform.batch import local, rescore, score
from liftform.batch import runner as batch_runner
from liftform.batch.jobs import JobSpec, run_job
from liftform.batch.summary import result_fingerprint
from liftform.cli import app
from liftform.errors import InputError
from liftform.hashing import sha256_file
from liftform.lifters import median_box
from liftform.outputs import write_outputs
from liftform.outputs.read import read_analysis
from liftform.personal import from_profile
from liftform.pipeline import analyze_track
from liftform.settings import Settings, apply_overrides, settings_to_toml

MODEL_SHA = "0" * 64
POSE_STAGE_RAN = "the pose stage ran (test)"
STRICTER = {"verdict": {"rounded_back_spine_deg": 60.0}}    # the rounded backs read safe under it
cli = CliRunner()


def _scored(out: Path, video: Path, kind: str = "rounded_back", settings: Settings | None = None, *,
            others: bool = False, personal_from: dict | None = None) -> None:
    """OUT/<video stem>: what `score` leaves of ``video`` (its SHA-256), a lift of ``kind`` under ``settings``;
    ``others``: another person was followed beside the lifter (their heads kept in poses.npz); ``personal_from``:
    where the lifter's own values came from (`Analysis.personal_from`)."""
    track, _ = lift_track(kind, n_reps=2)
    if others:
        track = track.with_heads_of([lift_track("squat", n_reps=2)[0]])
    source = SourceInfo(str(video.absolute()), sha256_file(video), 30.0, len(track), *track.frame_size_wh,
                        float(track.timestamps_s[-1]))
    analysis = analyze_track(track, source, ModelInfo("full", MODEL_SHA), settings or Settings())
    mine = {"personal_from": personal_from} if personal_from else {}
    write_outputs(dataclasses.replace(analysis, box_px=median_box(track), **mine), track, out / video.stem,
                  write_video=False)


@pytest.fixture
def engine(monkeypatch):
    """`score` through the real run_job, in this process; the pose stage replaced by a failure naming itself."""
    def in_process(jobs, spec, out_root, on_row, **kwargs):
        for job in jobs:
            on_row(job, run_job(job, spec, Path(out_root) / job.output))

    def no_pose_stage(*args, **kwargs):
        raise InputError(POSE_STAGE_RAN)

    monkeypatch.setattr(batch_runner, "make_spec",
                        lambda settings, **kw: JobSpec(settings, "model.task", MODEL_SHA, kw.get("write_video", True),
                                                       kw.get("report", True), kw.get("blur_faces", False)))
    monkeypatch.setattr(local, "run_local", in_process)
    monkeypatch.setattr(pipeline, "estimate_video_people", no_pose_stage)


def _videos(tmp_path: Path, *names: str) -> list[Path]:
    (tmp_path / "in").mkdir(exist_ok=True)
    for name in names:
        (tmp_path / "in" / f"{name}.mp4").write_bytes(f"the video of {name}".encode())
    return [tmp_path / "in" / f"{name}.mp4" for name in names]


def _csv(out: Path) -> dict[str, dict[str, str]]:
    with open(out / "summary.csv", newline="") as fh:
        return {row["output"]: row for row in csv.DictReader(fh)}


def test_score_after_a_rescore_and_with_a_new_config_judges_again_from_the_saved_poses(tmp_path, engine):
    """The audit's steps: a folder scored, rescored with new thresholds, then the same `score` again (one video
    added), and `score` with the rescore's config: each earlier video is judged from its poses.npz, as the pose stage
    and that config would judge it, its row naming the run's settings and saying it came from the saved poses."""
    lift, other = _videos(tmp_path, "lift", "other")
    out = tmp_path / "out"
    _scored(out, lift)
    _scored(out, other, "hip_hinge")
    assert score([lift, other], out, write_video=False, report=False).n_cached == 2     # as scored: taken
    stricter = apply_overrides(Settings(), STRICTER)
    box = read_analysis(out / "lift").box_px
    rescore(out, stricter)
    assert read_analysis(out / "lift").verdict == "safe"
    assert read_analysis(out / "lift").box_px == box is not None       # where the lifter was: the pose stage's

    added, = _videos(tmp_path, "added")
    result = score([lift, other, added], out, write_video=False, report=False)      # the defaults, as first scored
    rows = {row.output: row for row in result.rows}
    assert rows["added"].error.endswith(POSE_STAGE_RAN)             # a new video: the pose stage, as ever
    assert sorted(result.from_poses) == ["lift", "other"] and result.posed_again == []
    assert result.redone_why == {"lift": "other settings", "other": "other settings"}    # the rescore's, not these
    assert rows["lift"].verdict == "rounded_back" and rows["lift"].from_poses and not rows["lift"].cached
    fingerprint = JobSpec(Settings(), "model.task", MODEL_SHA).fingerprint
    assert rows["lift"].settings_fingerprint == rows["other"].settings_fingerprint == fingerprint
    assert result_fingerprint(read_analysis(out / "lift")) == fingerprint
    assert _csv(out)["lift"]["from_poses"] == "1"

    config = tmp_path / "stricter.toml"
    config.write_text("[verdict]\nrounded_back_spine_deg = 60.0\n")
    said = cli.invoke(app, ["score", str(lift), str(other), "-o", str(out), "--no-video", "--no-report", "-q",
                            "--config", str(config)])
    assert said.exit_code == 0, said.output
    words = " ".join(said.output.split())
    assert "2 video(s) scored before were judged again from their saved poses" in words, words
    assert "their earlier results replaced, as other settings (2);" in words, words    # the cause that applied
    assert "with the pose model" not in words and POSE_STAGE_RAN not in words
    doc = json.loads((out / "summary.json").read_text())
    assert doc["settings_fingerprint"] == JobSpec(stricter, "model.task", MODEL_SHA).fingerprint     # every row's
    judged = read_analysis(out / "lift")
    assert judged.verdict == "safe" and judged.settings.verdict.rounded_back_spine_deg == 60.0
    # What the pose stage would have given: the same analysis of the same landmarks, where the lifter was kept.
    again = analyze_track(*_landmarks(out / "lift"), ModelInfo("full", MODEL_SHA), stricter)
    assert [v.verdict for v in judged.verdicts] == [v.verdict for v in again.verdicts]
    assert judged.box_px == box and judged.people_in_view == 1
    once_more = cli.invoke(app, ["score", str(lift), str(other), "-o", str(out), "--no-video", "--no-report", "-q",
                                 "--config", str(config)])
    assert "2 video(s) were already scored" in once_more.output and "judged again" not in once_more.output


def _landmarks(folder: Path):
    from liftform.outputs.read import read_poses_npz

    return read_poses_npz(folder / "poses.npz"), read_analysis(folder).source


def test_a_report_a_rescore_left_out_of_date_is_drawn_afresh_from_the_saved_poses(tmp_path, engine):
    """`score` of a folder whose report a rescore left showing the old verdicts draws it again (the folder is marked
    stale-views), from the saved landmarks: it had run the pose model to redraw a page."""
    from liftform.report import write_report

    lift, = _videos(tmp_path, "lift")
    out = tmp_path / "out"
    _scored(out, lift)
    write_report(out / "lift")
    assert "<b>60°</b>" not in (out / "lift" / "report.html").read_text()
    rescore(out, apply_overrides(Settings(), STRICTER))
    assert (out / "lift" / "stale-views").is_file()
    result = score([lift], out, apply_overrides(Settings(), STRICTER), write_video=False)
    assert result.from_poses == ["lift"] and result.rows[0].ok, result.rows[0].error
    assert not (out / "lift" / "stale-views").exists() and "<b>60°</b>" in (out / "lift" / "report.html").read_text()


def test_score_says_how_many_videos_its_summary_lists_from_earlier_runs(tmp_path, engine):
    """A folder scored with two videos, then `score` of one: the terminal said "1 video(s) scored: 1 ok" while
    summary.csv and the overview listed both, without a word of why."""
    lift, other = _videos(tmp_path, "lift", "other")
    out = tmp_path / "out"
    _scored(out, lift)
    _scored(out, other, "hip_hinge")
    score([lift, other], out, write_video=False, report=False)
    run = cli.invoke(app, ["score", str(lift), "-o", str(out), "--no-video", "--no-report", "-q"])
    printed = " ".join(run.stdout.split())
    assert run.exit_code == 0 and "1 video(s) scored: 1 ok" in printed, run.output
    assert f"{out / 'summary.csv'} also lists 1 video(s) an earlier run scored" in printed, printed   # no overview
    again = cli.invoke(app, ["score", str(lift), str(other), "-o", str(out), "--no-video", "--no-report", "-q"])
    assert again.exit_code == 0 and "an earlier run scored" not in again.stdout, again.output


def test_a_video_analyzed_into_a_batch_folder_takes_its_row_in_the_summary(tmp_path, engine, monkeypatch):
    """`analyze -o OUT` into a folder `score` made (both default to liftform-out): the overview called the video
    rounded, summary.csv and summary_reps.csv still said safe. Its row is replaced, the batch's other rows and its
    judged_with kept."""
    lift, other = _videos(tmp_path, "lift", "other")
    out = tmp_path / "out"
    _scored(out, lift, "hip_hinge")
    _scored(out, other, "hip_hinge")
    score([lift, other], out, write_video=False, report=False)
    judged_with = json.loads((out / "summary.json").read_text())["judged_with"]
    assert _csv(out)["lift"]["verdict"] == "safe"

    def analyze_video(video, out_root, settings, *, output_name, **kwargs):
        _scored(Path(out_root), Path(video), "rounded_back")
        return read_analysis(Path(out_root) / output_name)

    monkeypatch.setattr(pipeline, "analyze_video", analyze_video)
    run = cli.invoke(app, ["analyze", str(lift), "-o", str(out), "--no-video", "--no-report", "-q"])
    assert run.exit_code == 0 and f"listed in {out / 'summary.csv'}" in " ".join(run.stdout.split()), run.output
    rows = _csv(out)
    assert rows["lift"]["verdict"] == "rounded_back" and rows["other"]["verdict"] == "safe" and len(rows) == 2
    reps = (out / "summary_reps.csv").read_text()
    assert reps.count("rounded_back") == 2, reps                     # the two reps of the rounded lift
    assert json.loads((out / "summary.json").read_text())["judged_with"] == judged_with


def test_a_score_that_needs_no_pose_stage_runs_where_the_model_cannot_be_had(tmp_path, engine, monkeypatch):
    """Offline, with no model downloaded: a `score` after a `rescore` (the rescore's note says it draws again from
    the saved landmarks, no pose model) had stopped on "cannot download pose model"; `rescore` and `report` serve
    the folder without it. Where every video is already scored or judged from its poses, it runs under the model
    the results name; a video that needs the pose stage still stops it on the model's error."""
    from liftform.errors import ModelError

    def offline(settings, **kw):
        raise ModelError("cannot download pose model 'full' (test)")

    monkeypatch.setattr(batch_runner, "make_spec", offline)
    lift, other = _videos(tmp_path, "lift", "other")
    out = tmp_path / "out"
    _scored(out, lift)
    _scored(out, other, "hip_hinge")
    assert score([lift, other], out, write_video=False, report=False).n_cached == 2
    rescore(out, apply_overrides(Settings(), STRICTER))
    result = score([lift, other], out, write_video=False, report=False)
    assert sorted(result.from_poses) == ["lift", "other"] and all(row.ok for row in result.rows)
    assert result.rows[0].settings_fingerprint == JobSpec(Settings(), "full", MODEL_SHA).fingerprint
    added, = _videos(tmp_path, "added")
    with pytest.raises(ModelError, match="cannot download pose model 'full' \\(test\\)"):
        score([lift, other, added], out, write_video=False, report=False)
    with pytest.raises(ModelError):
        score([lift, other], out, write_video=False, report=False, force=True)


def test_a_folder_shared_blurred_stays_blurred_when_a_plain_score_draws_it_again(tmp_path, engine):
    """A folder scored with --blur-faces, rescored, then `score` as the rescore's note says, without the flag: its
    report was drawn again with the faces showing, the mark gone, without a word. Given neither flag, `score` blurs
    where the folder's results were drawn blurred, and says so; --no-blur-faces takes the blur off."""
    from liftform.outputs import mark_blurred
    from liftform.report import write_report

    lift, = _videos(tmp_path, "lift")
    out = tmp_path / "out"
    _scored(out, lift)
    write_report(out / "lift", blur_faces=True)
    mark_blurred(out / "lift", True)
    rescore(out, apply_overrides(Settings(), STRICTER))
    config = tmp_path / "stricter.toml"
    config.write_text(settings_to_toml(apply_overrides(Settings(), STRICTER)))
    run = cli.invoke(app, ["score", str(lift), "-o", str(out), "--no-video", "-q", "--config", str(config)])
    assert run.exit_code == 0, run.output
    assert f"note: faces blurred, as results in {out} were drawn (--no-blur-faces: not)" in " ".join(
        run.stderr.split())
    assert (out / "lift" / "faces-blurred").is_file() and not (out / "lift" / "stale-views").exists()
    assert "faces blurred" in (out / "lift" / "report.html").read_text()
    rescore(out, Settings())                                # its views out of date again: drawn by the next score
    plain = cli.invoke(app, ["score", str(lift), "-o", str(out), "--no-video", "-q", "--no-blur-faces"])
    assert plain.exit_code == 0 and "faces blurred" not in plain.stderr, plain.output
    assert not (out / "lift" / "faces-blurred").exists()


@pytest.mark.parametrize("change", ["pose setting", "pose model", "file", "another person followed", "no poses"])
def test_what_changes_the_landmarks_runs_the_pose_stage_again(change, tmp_path, engine, monkeypatch):
    """A pose setting, another model file, a video file replaced under its name (its SHA-256), or a result that
    followed someone else too whose landmarks are not kept (only lifters' are: the new settings may judge them) are
    posed again; so is a result without its poses.npz."""
    lift, = _videos(tmp_path, "lift")
    out = tmp_path / "out"
    _scored(out, lift, others=change == "another person followed")
    settings = Settings()
    if change == "pose setting":
        settings = apply_overrides(settings, {"pose": {"min_detection_confidence": 0.6}})
    elif change == "pose model":
        monkeypatch.setattr(batch_runner, "make_spec", lambda settings, **kw: JobSpec(settings, "model.task", "1" * 64))
    elif change == "file":
        lift.write_bytes(b"another take, saved under the same name")
    elif change == "no poses":
        (out / "lift" / "poses.npz").unlink()
    if change == "another person followed":
        settings = apply_overrides(settings, STRICTER)             # else it is already scored
    result = score([lift], out, settings, write_video=False, report=False)
    assert result.rows[0].error.endswith(POSE_STAGE_RAN) and result.posed_again == ["lift"]
    assert not result.from_poses and read_analysis(out / "lift").verdict == "rounded_back"   # the earlier result kept
    # and so not said to be replaced (a tester's truncated video had been "scored again ..., earlier results replaced")
    assert result.replaced_by_posing == []


def _scored_together(out: Path, video: Path, *kinds: str) -> None:
    """OUT/<video stem>: what `score` leaves of ``video`` where people lifted ``kinds`` side by side (the first
    the main person), each judged (`analyze_people`), their tracks kept in poses.npz."""
    from liftform.people import PeopleFound

    people = [lift_track(kind, n_reps=2)[0] for kind in kinds]
    people = [dataclasses.replace(p, image_xy=p.image_xy + (300.0 * k, 0.0), frame_size_wh=(640 + 300 * len(kinds),
                                                                                              640))
              for k, p in enumerate(people)]
    source = SourceInfo(str(video.absolute()), sha256_file(video), 30.0, len(people[0]), *people[0].frame_size_wh,
                        float(people[0].timestamps_s[-1]))
    analysis, track = pipeline.analyze_people(PeopleFound(tuple(people), len(people)), source,
                                              ModelInfo("full", MODEL_SHA), Settings(), [])
    write_outputs(analysis, track, out / video.stem, write_video=False)


def test_a_result_of_several_lifters_is_judged_again_from_every_lifters_saved_poses(tmp_path, engine):
    """Every person followed lifted and poses.npz keeps each one's track: a new config judges them all from it, the
    pose model not run, as the pose stage and `analyze_people` would; where the main lifter has no reps any more
    while another has, analyze_people makes that one the main lifter: the pose stage runs."""
    together, shallow = _videos(tmp_path, "together", "shallow")
    out = tmp_path / "out"
    _scored_together(out, together, "hip_hinge", "rounded_back")
    assert read_analysis(out / "together").others[0].lifter_verdict == "rounded_back"
    result = score([together], out, apply_overrides(Settings(), STRICTER), write_video=False, report=False)
    assert result.from_poses == ["together"] and result.rows[0].ok, result.rows[0].error
    judged = read_analysis(out / "together")
    assert [o.lifter_verdict for o in judged.others] == ["safe"] and judged.verdict == "safe"
    assert "2 people lifted in view" in " ".join(judged.quality.warnings)
    _scored_together(out, shallow, "hip_hinge", "rounded_back")
    deeper = apply_overrides(Settings(), {"reps": {"min_depth": 0.3}})      # the hinge's reps are too shallow
    result = score([shallow], out, deeper, write_video=False, report=False)
    assert result.rows[0].error.endswith(POSE_STAGE_RAN) and not result.from_poses


def test_ctrl_c_in_a_batch_judged_from_saved_poses_keeps_what_is_done(tmp_path, engine):
    """Interrupted after its first video, a `score` under a new config keeps that video's new result and the other's
    earlier one, whole, the summary naming each one's settings; run again, it judges only the other."""
    videos = _videos(tmp_path, "a", "b")
    out = tmp_path / "out"
    for video in videos:
        _scored(out, video)
    stricter = apply_overrides(Settings(), STRICTER)
    seen = []

    def stop_after_first(done, total, row):
        if row is not None:
            seen.append(row.output)
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        score(videos, out, stricter, write_video=False, report=False, progress=stop_after_first)
    first, = seen
    other = ({"a", "b"} - {first}).pop()
    assert read_analysis(out / first).verdict == "safe" and read_analysis(out / other).verdict == "rounded_back"
    rows = _csv(out)
    assert rows[first]["settings_fingerprint"] != rows[other]["settings_fingerprint"]
    assert rows[first]["from_poses"] == "1" and not list(out.rglob("*.tmp*"))
    result = score(videos, out, stricter, write_video=False, report=False)
    assert {r.output: r.cached for r in result.rows} == {first: True, other: False} and result.from_poses == [other]
    assert json.loads((out / "summary.json").read_text())["settings_fingerprint"] == result.rows[0].settings_fingerprint


def test_on_ray_the_earlier_result_goes_with_the_task_and_is_judged_from_its_poses(tmp_path, engine, monkeypatch):
    """A Ray task scores in a folder of its own on its node, where no earlier result is: the driver sends the three
    files it is judged from (result.json, frames.csv, poses.npz), so a cluster does not pose every video again for
    a new threshold."""
    import tempfile

    from test_ray_engine import DriverRay

    from liftform.batch import ray_engine

    fake = DriverRay(run=ray_engine.score_remote)      # the real task body, run in this process
    fake.put = lambda value: value
    monkeypatch.setattr(ray_engine, "import_ray", lambda: fake)
    monkeypatch.setattr(ray_engine, "preflight", lambda address: None)
    monkeypatch.setattr(ray_engine, "_reload_ray_config", lambda: None)
    monkeypatch.setattr(ray_engine, "_limit_threads", lambda n: None)
    monkeypatch.setattr(ray_engine, "limit_malloc_arenas", lambda: None)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    model = tmp_path / "pose_landmarker_full.task"
    model.write_bytes(b"model")
    monkeypatch.setattr(batch_runner, "make_spec", lambda settings, **kw: JobSpec(settings, str(model), MODEL_SHA,
                                                                                  False, False))
    lift, = _videos(tmp_path, "lift")
    out = tmp_path / "out"
    _scored(out, lift)
    result = score([lift], out, apply_overrides(Settings(), STRICTER), engine="ray", address="127.0.0.1:6379")
    assert result.rows[0].ok and result.from_poses == ["lift"], result.rows[0].error
    assert read_analysis(out / "lift").verdict == "safe"


def _written_by(result_dir: Path, **versions: str) -> None:
    """``result_dir``'s result.json as another liftform or mediapipe wrote it (those of its ``versions`` replaced)."""
    path = result_dir / "result.json"
    doc = json.loads(path.read_text())
    doc["versions"].update(versions)
    path.write_text(json.dumps(doc))


def test_a_result_an_earlier_liftform_judged_is_judged_again_by_this_ones_rules(tmp_path, engine):
    """liftform upgraded between two runs of the same `score`, its version 0.1.0 all along (as every liftform
    wrote it): each earlier result is judged again from its saved landmarks under this liftform's rules (the pose
    model not run), the summary naming the build of each row. The fingerprint held the version alone, which no
    change of the rules raised: a folder scored at 6ac0e7a (forty-eighth session) was taken as already scored by
    the fifty-seventh session's liftform, its earlier reasons and advice kept without a word."""
    from liftform import __version__
    from liftform.build import liftform_build

    lift, other = _videos(tmp_path, "lift", "other")
    out = tmp_path / "out"
    _scored(out, lift)
    _scored(out, other, "hip_hinge")
    for name in ("lift", "other"):
        _written_by(out / name, liftform=__version__)       # the same version, written by earlier rules
    result = score([lift], out, write_video=False, report=False)
    assert result.n_cached == 0 and result.from_poses == ["lift"] and result.posed_again == []
    assert read_analysis(out / "lift").versions["liftform"] == liftform_build() != __version__
    assert result.judged_otherwise == ["other"]       # not among this run's inputs: kept, and said to differ
    rows = _csv(out)
    assert rows["lift"]["liftform_version"] == liftform_build() and rows["other"]["liftform_version"] == __version__
    assert rows["lift"]["settings_fingerprint"] != rows["other"]["settings_fingerprint"]
    assert score([lift], out, write_video=False, report=False).n_cached == 1   # judged by this one now: kept


def test_results_of_a_summary_older_than_fingerprints_are_said_to_be_judged_otherwise(tmp_path, engine):
    """A folder an earlier liftform scored, its summary.json rows without a settings_fingerprint (a 48th-session
    liftform's): a `score` of one new video into it left the earlier results in the summary beside the new one,
    judged by other rules, without the note a `score --config` gets ("not known" had been taken as "the same")."""
    lift, added = _videos(tmp_path, "lift", "added")
    out = tmp_path / "out"
    _scored(out, lift)
    assert score([lift], out, write_video=False, report=False).n_cached == 1
    doc = json.loads((out / "summary.json").read_text())
    for row in doc["videos"]:
        del row["settings_fingerprint"], row["liftform_version"]     # as summaries before the fingerprint have it
    (out / "summary.json").write_text(json.dumps(doc))
    result = score([added], out, write_video=False, report=False)     # a video new to the folder
    assert result.judged_otherwise == ["lift"]


def test_rescore_counts_as_rescored_only_the_videos_it_rescored(tmp_path):
    """A folder of two results, one written by an earlier liftform whose settings this one does not take: the
    rescore said "failed: ...", then "2 rescored, 0 verdict(s) changed"."""
    lift, old = _videos(tmp_path, "lift", "old")
    out = tmp_path / "out"
    _scored(out, lift)
    _scored(out, old)
    doc = json.loads((out / "old" / "result.json").read_text())
    doc["settings"]["pose"]["crop_max_side_px"], doc["versions"]["liftform"] = 640, "0.1.0"
    (out / "old" / "result.json").write_text(json.dumps(doc))
    run = cli.invoke(app, ["rescore", str(out), "-q"])
    assert run.exit_code == 1
    assert "1 rescored (1 could not be: above), 0 verdict(s) changed" in " ".join(run.stdout.split()), run.stdout


def test_landmarks_another_mediapipe_made_are_posed_again_by_score_and_said_so_by_rescore(tmp_path, engine):
    """A folder moved to a machine with another mediapipe: `score` runs the pose stage again on its videos (the
    library's graph around the model makes the landmarks; a batch is measured with one, as a Ray node with another
    is not kept), where it had judged them from the other's landmarks, or taken them as already scored; `rescore`
    judges the saved landmarks, and its result.json names the mediapipe that made them, not this one."""
    lift, = _videos(tmp_path, "lift")
    out = tmp_path / "out"
    _scored(out, lift)
    _written_by(out / "lift", mediapipe="0.9.0")
    run = cli.invoke(app, ["rescore", str(out), "-q"])
    assert run.exit_code == 0 and read_analysis(out / "lift").versions["mediapipe"] == "0.9.0"
    assert ("note: 1 video(s) were judged from landmarks another mediapipe version made (result.json's versions "
            "name it): `liftform score` poses them again with this one") in " ".join(run.stdout.split())
    result = score([lift], out, write_video=False, report=False)
    assert result.n_cached == 0 and result.from_poses == [] and result.rows[0].error == POSE_STAGE_RAN


def test_a_rescore_that_left_a_report_stale_does_not_say_score_redraws_it_without_the_pose_model_where_it_poses(
        tmp_path, engine):
    """The same folder, its rescore changing the verdict shown in report.html: the note that `score` draws the views
    again "from the saved landmarks (no pose model)" held for none of them, the note above it saying `score` poses
    them again."""
    lift, = _videos(tmp_path, "lift")
    out = tmp_path / "out"
    _scored(out, lift)
    (out / "lift" / "report.html").write_text("<html><body><main>\n<p>rounded back</p></main></body></html>\n")
    _written_by(out / "lift", mediapipe="0.9.0")
    config = tmp_path / "stricter.toml"
    config.write_text(settings_to_toml(apply_overrides(Settings(), STRICTER)))
    run = cli.invoke(app, ["rescore", str(out), "--config", str(config), "-q"])
    said = " ".join(run.stdout.split())
    assert run.exit_code == 0 and "1 verdict(s) changed" in said and "still show the results before" in said, said
    assert "from the saved landmarks (no pose model; those another mediapipe posed are posed again: above)" in said
    assert score([lift], out, write_video=False).rows[0].error == POSE_STAGE_RAN     # as said: posed again


def test_a_folder_an_earlier_liftform_scored_with_a_config_resumes_under_the_settings_its_results_share(
        tmp_path, engine):
    """A batch scored with `--config` (a rounded back read safe under it) by a liftform before summary.json kept
    judged_with, then the same `score` without --config after the upgrade: its videos are judged again by this
    liftform's rules under the thresholds they all share, said in one line, not under the defaults unsaid (7be8809's
    folder, for real: "rounded_back_short" went from SAFE to ROUNDED BACK). Results judged under two settings are
    not known as one batch's: the defaults, as before."""
    from liftform import __version__

    lift, other = _videos(tmp_path, "lift", "other")
    out = tmp_path / "out"
    stricter = apply_overrides(Settings(), STRICTER)
    _scored(out, lift, settings=stricter)
    _scored(out, other, settings=stricter)
    assert score([lift, other], out, stricter, write_video=False, report=False).n_cached == 2
    doc = json.loads((out / "summary.json").read_text())
    del doc["judged_with"]                              # as a summary before the fifty-fifth session
    (out / "summary.json").write_text(json.dumps(doc))
    for name in ("lift", "other"):
        _written_by(out / name, liftform=__version__)   # and the results by the earlier rules
    said = cli.invoke(app, ["score", str(lift), str(other), "-o", str(out), "--no-video", "--no-report", "-q"])
    words = " ".join(said.output.split())
    assert said.exit_code == 0 and (f"note: judged under the settings of the last run into {out} (by `liftform "
                                    "score`: verdict.rounded_back_spine_deg = 60.0), not the defaults") in words, words
    assert read_analysis(out / "lift").verdict == "safe" and read_analysis(out / "lift").versions["liftform"] != \
        __version__

    _scored(out, other)                                 # the defaults: the two results judged otherwise
    doc = json.loads((out / "summary.json").read_text())
    del doc["judged_with"]
    (out / "summary.json").write_text(json.dumps(doc))
    said = cli.invoke(app, ["score", str(lift), str(other), "-o", str(out), "--no-video", "--no-report", "-q"])
    assert "last judged with" not in " ".join(said.output.split()) and read_analysis(out / "lift").verdict == \
        "rounded_back"


def test_settings_made_in_python_with_whole_numbers_are_already_scored_the_next_time(tmp_path, engine):
    """`score` from Python with a threshold written 25 (not 25.0): the next run with the same settings judged every
    video again from its poses ("their verdict settings ... differ"), and the one after it: result.json read back
    holds 25.0, whose fingerprint (JSON "25.0") was not the run's ("25")."""
    import numpy as np

    lift, = _videos(tmp_path, "lift")
    out = tmp_path / "out"
    mine = Settings(verdict=dataclasses.replace(Settings().verdict, rounded_back_spine_deg=25,
                                                reba_trunk_bands_deg=(np.int64(20), 60)))
    _scored(out, lift, settings=mine)
    assert score([lift], out, mine, write_video=False, report=False).n_cached == 1


def test_a_folder_an_earlier_liftform_rescored_is_said_to_be_last_judged_by_its_rescore(tmp_path):
    """The same, the folder's last run a `rescore --config` (its summary.json ``rescored``, no judged_with): the
    note had said the thresholds came "by `liftform score`", a command never run with them."""
    from liftform.batch.judged_with import last_settings

    lift, = _videos(tmp_path, "lift")
    out = tmp_path / "out"
    _scored(out, lift)
    rescore(out, apply_overrides(Settings(), STRICTER))
    doc = json.loads((out / "summary.json").read_text())
    del doc["judged_with"]
    (out / "summary.json").write_text(json.dumps(doc))
    last = last_settings(out)
    assert doc["rescored"] is True and last.command == "rescore"
    assert last.unlike_defaults() == ["verdict.rounded_back_spine_deg = 60.0"]


def test_score_given_no_settings_resumes_under_those_the_folder_was_last_judged_with(tmp_path, engine):
    """A researcher's steps: a folder scored, rescored with other thresholds, then `score` run again without a
    --config (a video added): the earlier videos keep the rescore's verdicts (judged under its settings), the new
    one is judged under them too, and one line says so; a --config (the defaults' file) is told otherwise. The
    `score` had judged every earlier video again under the defaults, the rescore's verdicts replaced."""
    lift, other = _videos(tmp_path, "lift", "other")
    out = tmp_path / "out"
    _scored(out, lift)
    _scored(out, other, "hip_hinge")
    config = tmp_path / "stricter.toml"
    config.write_text("[verdict]\nrounded_back_spine_deg = 60.0\n")
    assert cli.invoke(app, ["rescore", str(out), "-q", "--config", str(config)]).exit_code == 0
    assert read_analysis(out / "lift").verdict == "safe"

    added, = _videos(tmp_path, "added")
    said = cli.invoke(app, ["score", str(lift), str(other), str(added), "-o", str(out), "--no-video", "--no-report",
                            "-q"])
    words = " ".join(said.output.split())
    assert (f"note: judged under the settings of the last run into {out} (by `liftform rescore`: "
            "verdict.rounded_back_spine_deg = 60.0), not the defaults") in words, words
    assert "2 video(s) were already scored" in words and "judged again" not in words
    assert read_analysis(out / "lift").verdict == "safe"
    stricter = JobSpec(apply_overrides(Settings(), STRICTER), "model.task", MODEL_SHA).fingerprint
    assert {row["settings_fingerprint"] for name, row in _csv(out).items() if name != "added"} == {stricter}

    defaults = tmp_path / "defaults.toml"
    defaults.write_text(settings_to_toml(Settings()))     # `liftform config > defaults.toml`
    said = cli.invoke(app, ["score", str(lift), "-o", str(out), "--no-video", "--no-report", "-q", "-c", str(defaults)])
    assert "of the last run into" not in said.output and read_analysis(out / "lift").verdict == "rounded_back"
    said = cli.invoke(app, ["score", str(lift), "-o", str(out), "--no-video", "--no-report", "-q"])
    assert "of the last run into" not in said.output and "1 video(s) were already scored" in said.output


def test_a_resumed_score_keeps_the_lifters_own_zero_a_rescore_kept(tmp_path, engine):
    """A folder judged from the lifter's own zero (a profile), rescored with a new threshold (the zero kept, as
    rescore does), then `score` without settings: the zero is kept, not most people's put back."""
    from synthetic_tracks import NEUTRAL_BEND_DEG

    lift, = _videos(tmp_path, "lift")
    out = tmp_path / "out"
    own_zero = NEUTRAL_BEND_DEG + 25.0
    _scored(out, lift, settings=apply_overrides(Settings(), {"spine": {"neutral_bend_deg": own_zero}}),
            personal_from=from_profile("--profile S01/profile.toml"))
    assert read_analysis(out / "lift").verdict == "safe"
    slower = tmp_path / "slower.toml"
    slower.write_text("[verdict]\nmin_rounded_s = 0.3\n")
    assert cli.invoke(app, ["rescore", str(out), "-q", "--config", str(slower)]).exit_code == 0
    said = cli.invoke(app, ["score", str(lift), "-o", str(out), "--no-video", "--no-report", "-q"])
    assert "1 video(s) were already scored" in said.output, said.output
    assert f"spine.neutral_bend_deg = {own_zero}" in " ".join(said.output.split())
    judged = read_analysis(out / "lift")
    assert judged.verdict == "safe" and judged.settings.spine.neutral_bend_deg == own_zero
    assert judged.settings.verdict.min_rounded_s == 0.3


def test_a_plain_rescore_keeps_the_folders_settings(tmp_path, engine):
    """`rescore OUT` given no --config (after an upgrade, to judge again by the new rules; or --folder-profiles, a
    profile made since): the thresholds the folder was judged with stay, said in one line. It had put them back to
    the defaults, the verdicts changed with nothing said why."""
    lift, = _videos(tmp_path, "lift")
    out = tmp_path / "out"
    _scored(out, lift)
    config = tmp_path / "stricter.toml"
    config.write_text("[verdict]\nrounded_back_spine_deg = 60.0\n")
    said = cli.invoke(app, ["score", str(lift), "-o", str(out), "--no-video", "--no-report", "-q", "-c", str(config)])
    assert said.exit_code == 0 and read_analysis(out / "lift").verdict == "safe", said.output
    said = cli.invoke(app, ["rescore", str(out), "-q"])
    words = " ".join(said.output.split())
    assert said.exit_code == 0 and "0 verdict(s) changed" in words, words
    assert "(by `liftform score`: verdict.rounded_back_spine_deg = 60.0), not the defaults" in words
    assert read_analysis(out / "lift").settings.verdict.rounded_back_spine_deg == 60.0


def test_settings_last_judged_with_that_this_liftform_cannot_take_are_not_replaced_by_the_defaults_unsaid(
        tmp_path, engine):
    """A folder last judged by another liftform version, with a setting this one does not have: a `score` given no
    --config stops with one line saying so (resumed under the defaults, the batch's thresholds were gone unsaid)."""
    lift, = _videos(tmp_path, "lift")
    out = tmp_path / "out"
    _scored(out, lift)
    config = tmp_path / "stricter.toml"
    config.write_text("[verdict]\nrounded_back_spine_deg = 60.0\n")
    scoring = ["score", str(lift), "-o", str(out), "-q", "--no-report", "--no-video"]
    assert cli.invoke(app, [*scoring, "-c", str(config)]).exit_code == 0
    doc = json.loads((out / "summary.json").read_text())
    doc["judged_with"]["settings"]["verdict"]["a_rule_retired_since"] = 1.0
    (out / "summary.json").write_text(json.dumps(doc))
    for command in (scoring, ["rescore", str(out), "-q"]):
        said = cli.invoke(app, command)
        words = " ".join(said.output.split())
        assert said.exit_code == 1 and "Traceback" not in words, words
        assert f"error: the settings of the last run into {out} (summary.json judged_with) cannot be taken" in words
        assert "a_rule_retired_since" in words and read_analysis(out / "lift").verdict == "safe"


def test_a_score_without_folder_profiles_resumes_a_batch_judged_from_them(tmp_path, engine):
    """`score --folder-profiles` (each subject from their folder's profile), run again without the flag (resumed
    after a Ctrl-C, a video added): each video stays judged from its folder's profile, said in one line; it had
    been judged again from most people's zero, its verdict changed. --no-folder-profiles says otherwise."""
    from synthetic_tracks import NEUTRAL_BEND_DEG

    from liftform.outputs.layout import PROFILE_NAME
    from liftform.screening import personal_profile_toml

    lift, = _videos(tmp_path, "lift")
    own_zero = NEUTRAL_BEND_DEG + 25
    (lift.parent / PROFILE_NAME).write_text(personal_profile_toml("# checked\n", neutral_bend_deg=own_zero))
    out = tmp_path / "out"
    _scored(out, lift)
    scoring = ["score", str(lift), "-o", str(out), "-q", "--no-report", "--no-video"]
    assert cli.invoke(app, [*scoring, "--folder-profiles"]).exit_code == 0
    assert read_analysis(out / "lift").verdict == "safe"
    said = cli.invoke(app, scoring)
    words = " ".join(said.output.split())
    assert "each video from the profile.toml of its folder, as last judged (--no-folder-profiles: not)" in words, words
    assert "1 video(s) were already scored" in words and read_analysis(out / "lift").verdict == "safe"
    said = cli.invoke(app, [*scoring, "--no-folder-profiles"])
    assert said.exit_code == 0 and "as last judged" not in said.output, said.output
    assert read_analysis(out / "lift").verdict == "rounded_back"


@pytest.mark.parametrize("settings", [["verdict"], "rounded_back_spine_deg = 60", 60.0, None])
def test_a_summary_whose_judged_with_settings_are_not_a_table_says_no_settings(tmp_path, settings):
    """summary.json damaged (edited by hand, another tool's): `judged_with` settings that are not a table say nothing
    of the settings (None: the defaults, as a summary written before they were kept), as an unreadable summary does.
    They had reached `apply_overrides`, whose AttributeError ended `score` and `rescore` in a traceback."""
    from liftform.batch.judged_with import last_settings

    entry = {"command": "score", "settings": settings, "personal_from": {}, "folder_profiles": False}
    (tmp_path / "summary.json").write_text(json.dumps({"judged_with": entry, "videos": []}))
    assert last_settings(tmp_path) is None
    entry["settings"] = {"verdict": {"rounded_back_spine_deg": 60.0}}       # the same summary, undamaged
    (tmp_path / "summary.json").write_text(json.dumps({"judged_with": entry, "videos": []}))
    assert last_settings(tmp_path).settings.verdict.rounded_back_spine_deg == 60.0


def test_a_rescores_rows_name_each_video_also_where_it_cannot_be_rescored(tmp_path, monkeypatch):
    """Each row of a rescore's summary names its video: from result.json where the folder has no summary yet (a folder
    of `analyze` results), from the summary where it has one, also in a failed row (one that cannot be rescored: its
    one-line reason; a bug: its type and first line, and what to do)."""
    import importlib

    rescore_module = importlib.import_module("liftform.batch.rescore")   # the package names its function so
    lift, other = _videos(tmp_path, "lift", "other")
    out = tmp_path / "out"
    _scored(out, lift)
    _scored(out, other, "hip_hinge")
    first = rescore(out)
    assert {row.output: row.path for row in first.rows} == {"lift": str(lift.absolute()),
                                                           "other": str(other.absolute())}

    def failing(old, track, settings):
        if Path(old.source.path).stem == "lift":
            raise InputError("the landmarks cannot be judged (test)")
        raise ValueError("a bug (test)\n  its traceback")

    monkeypatch.setattr(rescore_module, "judged_again", failing)
    result = rescore(out)
    rows = {row.output: row for row in result.rows}
    assert rows["lift"].path == str(lift.absolute()) and rows["other"].path == str(other.absolute())
    assert rows["lift"].error == "the landmarks cannot be judged (test)"
    assert rows["other"].error == ("internal error (ValueError: a bug (test)); score this video again with "
                                   "`liftform score --force`")
    assert result.exit_code == 1 and read_analysis(out / "lift").verdict == "rounded_back"    # its files kept


def test_a_rescores_summary_says_whether_it_reached_every_result(tmp_path):
    """summary.json's ``complete``: true after a rescore of every result folder, false after one stopped (Ctrl-C)
    after the first, whose summary covers what it did."""
    lift, other = _videos(tmp_path, "lift", "other")
    out = tmp_path / "out"
    _scored(out, lift)
    _scored(out, other, "hip_hinge")
    rescore(out)
    assert json.loads((out / "summary.json").read_text())["complete"] is True

    def ctrl_c(done, total, row):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        rescore(out, progress=ctrl_c)
    doc = json.loads((out / "summary.json").read_text())
    assert doc["complete"] is False and doc["rescored"] is True and len(doc["videos"]) == 2


def test_a_result_folder_removed_by_hand_leaves_the_summary_of_a_rescore(tmp_path):
    """Three videos scored, one result folder deleted, then a rescore at a higher limit: the summary had kept the
    deleted video "ok" with its old verdict, counted as rounded under the new settings' header."""
    rounded, lift, other = _videos(tmp_path, "rounded", "lift", "other")
    out = tmp_path / "out"
    for video in (rounded, lift, other):
        _scored(out, video, "rounded_back" if video is rounded else "hip_hinge")
    rescore(out)
    assert sorted(_csv(out)) == ["lift", "other", "rounded"] and _csv(out)["rounded"]["verdict"] == "rounded_back"
    shutil.rmtree(out / "rounded")
    result = rescore(out, apply_overrides(Settings(), {"verdict": {"rounded_back_spine_deg": 45.0}}))
    assert sorted(_csv(out)) == ["lift", "other"] and len(result.rows) == 2
    doc = json.loads((out / "summary.json").read_text())
    assert [v["output"] for v in doc["videos"]] == ["lift", "other"] and doc["complete"] is True
    # ... and it is said, where it had left the study unsaid: a statistician counted one video fewer
    assert result.gone == ["rounded"]
    (out / "lift" / "result.json").unlink()
    said = " ".join(cli.invoke(app, ["rescore", str(out), "-q"]).output.split())
    assert ("note: 1 video(s) the summary listed have no result any more (their folder or its result.json removed), "
            "and are left out of it: lift; `liftform score` with their videos scores them again") in said, said
    # A summary.json that cannot be read: the failed videos it held are no longer known, and that is said.
    (out / "summary.json").write_text('{"videos": [')
    said = " ".join(cli.invoke(app, ["rescore", str(out), "-q"]).output.split())
    assert f"note: the summary before could not be read (cannot read {out / 'summary.json'} (" in said, said
    assert "videos that had failed are no longer listed" in said


def test_a_plain_rescore_of_a_live_session_says_nothing_of_pose_settings_no_one_changed(tmp_path):
    """A saved live session keeps live's pose settings (one person followed: num_poses = 1). A plain `rescore` of
    its folder was told the pose settings "cannot be rescored ... use `liftform score --force` to apply them", and
    the next one that it was "judged under the settings ... last judged with (... pose.num_poses = 1)": no one had
    asked for any pose setting (a new user's audit). A --config asking for another pose model is still told."""
    session, = _videos(tmp_path, "session")
    out = tmp_path / "out"
    _scored(out, session, settings=apply_overrides(Settings(), {"pose": {"num_poses": 1}}))
    for _ in range(2):
        said = cli.invoke(app, ["rescore", str(out), "-q"])
        words = " ".join(said.output.split())
        assert said.exit_code == 0 and "1 rescored" in words, words
        assert "cannot be rescored" not in words and "last judged with" not in words, words
    config = tmp_path / "lite.toml"
    config.write_text('[pose]\nmodel = "lite"\n')
    said = cli.invoke(app, ["rescore", str(out), "-q", "--config", str(config)])
    assert "cannot be rescored; 1 video(s) kept the ones they were scored with" in " ".join(said.output.split())


def test_a_video_whose_pose_stage_fails_again_is_not_said_to_be_replaced(tmp_path, engine):
    """A tester truncated a video scored before, and `score` said "1 video(s) scored before were scored again with
    the pose model, their earlier results replaced": it failed, and its earlier result is kept, as the run says."""
    lift, = _videos(tmp_path, "lift")
    out = tmp_path / "out"
    _scored(out, lift)
    lift.write_bytes(b"the first 50 kB of it")
    run = cli.invoke(app, ["score", str(lift), "-o", str(out), "--no-video", "--no-report"])
    said = " ".join(run.stdout.split())
    assert run.exit_code == 1 and POSE_STAGE_RAN in said, said
    assert "scored again with the pose model" not in said and read_analysis(out / "lift").verdict == "rounded_back"


def test_a_summary_the_full_disk_refuses_says_what_is_kept_and_what_to_do(tmp_path, engine, monkeypatch):
    """A tester's disk filled mid-batch: "error: cannot write .../summary.json: no space left ..." and nothing of the
    videos done or of running it again, as an interrupt says. Now both, in the same line."""
    from liftform.errors import OutputError

    first, second = _videos(tmp_path, "first", "second")

    def full(out_root, *args, **kwargs):
        raise OutputError(f"cannot write {out_root / 'summary.json'}: no space left on device")

    monkeypatch.setattr(batch_runner, "write_summary", full)
    with pytest.raises(OutputError) as refused:
        score([first, second], tmp_path / "out", write_video=False, report=False)
    said = str(refused.value)
    assert said.startswith("cannot write") and "no space left" in said
    assert "video(s) done in this run are kept in their folders: free some space, then run the same command" in said
