"""Batch scoring: many videos, broken ones mixed in, resume, --force, crash survival, rescoring, the Ray
engine.

Real pose model on short clips: the rendered samples trimmed to their first rep (3.2 s at 15 fps, 48 frames),
so a batch takes seconds. One batch is scored once per module and copied for the tests that change it.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import multiprocessing
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import ExitStack
from fractions import Fraction
from pathlib import Path

import pytest
from conftest import REPO
from synthetic_tracks import NEUTRAL_BEND_DEG, lift_track
from typer.testing import CliRunner

from liftform.analysis import ModelInfo, SourceInfo
from liftform.batch import assign_stems, expand_inputs, local, ray_engine, rescore, score
from liftform.batch.jobs import Job, JobSpec, already_scored
from liftform.batch.local import run_local
from liftform.batch.runner import make_spec, plan_jobs
from liftform.batch.summary import (
    SummaryRow,
    failed_row,
    merged_rows,
    read_summary,
    settings_fingerprint,
    write_summary,
)
from liftform.cli import app
from liftform.errors import LiftformError
from liftform.outputs import write_outputs
from liftform.outputs.atomic import folder_lock
from liftform.outputs.layout import PROFILE_NAME
from liftform.personal import PERSONAL_KEYS, PROFILE_ORIGIN, from_profile
from liftform.pipeline import analyze_track
from liftform.pyav import av  # OpenCV first: this module is collected before test_live.py
from liftform.screening import personal_profile_toml
from liftform.settings import Settings, apply_overrides

CLIP_S = 3.2           # the first rep of each sample ends by 2.6 s
FRAME_STEP = 2         # 30 -> 15 fps
SAMPLE_WAIT_S = 180    # sample_videos/ may be being re-rendered by another job: wait for a decodable file
runner = CliRunner()


# --- clips --------------------------------------------------------------------------------------------------

def _trim(src: Path, dst: Path) -> None:
    """The first CLIP_S seconds of ``src``, every FRAME_STEP-th frame, as H.264 MP4."""
    with av.open(str(src)) as inp:
        stream = inp.streams.video[0]
        rate = Fraction(stream.average_rate) / FRAME_STEP
        with av.open(str(dst), "w") as out:
            enc = out.add_stream("libx264", rate=rate)
            enc.width, enc.height, enc.pix_fmt = stream.width, stream.height, "yuv420p"
            n = 0
            for i, frame in enumerate(inp.decode(stream)):
                if frame.time is not None and frame.time >= CLIP_S:
                    break
                if i % FRAME_STEP:
                    continue
                new = av.VideoFrame.from_ndarray(frame.to_ndarray(format="rgb24"), format="rgb24")
                new.pts, new.time_base = n, 1 / rate
                n += 1
                out.mux(enc.encode(new))
            out.mux(enc.encode())
    if n < 40:
        raise ValueError(f"{src} gave only {n} frames")


@pytest.fixture(scope="session")
def clips(sample_videos, tmp_path_factory) -> dict[str, Path]:
    """rounded_back.mp4 and hip_hinge.mp4, trimmed to their first rep."""
    folder = tmp_path_factory.mktemp("clips")
    found = {}
    deadline = time.monotonic() + SAMPLE_WAIT_S
    for name in ("rounded_back", "hip_hinge"):
        while name not in found:
            try:
                _trim(sample_videos[name], folder / f"{name}.mp4")
                found[name] = folder / f"{name}.mp4"
            except (KeyError, ValueError, OSError, av.FFmpegError):
                if time.monotonic() > deadline:
                    pytest.skip(f"sample_videos/{name}.mp4 is missing or not decodable")
                time.sleep(5)
    return found


def _broken_files(folder: Path, good: Path) -> None:
    (folder / "notes.mp4").write_text("this is a text file, not a video\n")
    (folder / "empty.mp4").write_bytes(b"")
    data = good.read_bytes()
    (folder / "truncated.mp4").write_bytes(data[: len(data) // 2])   # moov atom at the end: cut off


@pytest.fixture(scope="module")
def batch(clips, tmp_path_factory):
    """Two clips and three broken files in one folder, scored through the CLI with 2 workers, no videos."""
    root = tmp_path_factory.mktemp("batch")
    inputs = root / "in"
    inputs.mkdir()
    for path in clips.values():
        shutil.copy(path, inputs / path.name)
    _broken_files(inputs, clips["hip_hinge"])
    out = root / "out"
    result = runner.invoke(app, ["score", str(inputs), "-o", str(out), "--workers", "2", "--no-video"])
    return inputs, out, result


def _copy(batch, tmp_path) -> tuple[Path, Path]:
    inputs, out, _ = batch
    shutil.copytree(out, tmp_path / "out")
    return inputs, tmp_path / "out"


def _summary(out: Path) -> dict[str, dict[str, str]]:
    with open(out / "summary.csv", newline="") as fh:
        return {row["output"]: row for row in csv.DictReader(fh)}


def _mtime(out: Path, name: str) -> int:
    return (out / name / "result.json").stat().st_mtime_ns


# --- inputs -------------------------------------------------------------------------------------------------

def test_inputs_expand_folders_globs_and_files(tmp_path):
    (tmp_path / "a" / "deep").mkdir(parents=True)
    (tmp_path / "b").mkdir()
    for rel in ("a/one.MP4", "a/deep/two.mov", "a/readme.txt", "a/.hidden.mp4", "b/three.gif", "b/notes.txt"):
        (tmp_path / rel).write_bytes(b"x")
    (tmp_path / "out" / "one").mkdir(parents=True)
    (tmp_path / "out" / "one" / "annotated.mp4").write_bytes(b"x")
    found = expand_inputs([tmp_path / "a", str(tmp_path / "b" / "*"), tmp_path / "b" / "notes.txt",
                           tmp_path / "a" / "one.MP4", tmp_path / "missing.mp4", str(tmp_path / "none*.mp4"),
                           tmp_path], exclude=tmp_path / "out")
    names = [p.relative_to(tmp_path).as_posix() for p in found]
    assert names == ["a/deep/two.mov", "a/one.MP4", "b/three.gif", "b/notes.txt", "missing.mp4", "none*.mp4"]


def test_a_folder_gives_a_camcorder_s_videos_and_a_download_saved_without_an_extension(tmp_path):
    """A browser's download saved as "videoplayback" and a camcorder's .MOD had been passed over without a word."""
    heads = {"videoplayback": b"\x00\x00\x00\x18ftypmp42", "clip": b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81",
             "old": b"RIFF\x00\x10\x00\x00AVI LIST", "MOV001.MOD": b"\x00\x00\x01\xba", "lift.vob": b"",
             "README": b"# my lifts\n", "LICENSE": b"", "notes.txt": b"\x00\x00\x00\x18ftypmp42"}
    for name, head in heads.items():
        (tmp_path / name).write_bytes(head + b"\x00" * 64)
    os.mkfifo(tmp_path / "pipe")                  # never opened: reading it would wait for a writer
    assert [p.name for p in expand_inputs([tmp_path])] == ["MOV001.MOD", "clip", "lift.vob", "old", "videoplayback"]
    assert [p.name for p in expand_inputs([str(tmp_path / "*")])] == ["MOV001.MOD", "clip", "lift.vob", "old",
                                                                      "videoplayback"]


def test_stems_are_unique_and_deterministic(tmp_path):
    paths = [tmp_path / "good" / "squat.mp4", tmp_path / "bad" / "squat.mp4", tmp_path / "x" / "lift.mp4",
             tmp_path / "x" / "lift.mov", tmp_path / "summary.json.mp4", tmp_path / "Solo.mp4",
             tmp_path / "Summary_Reps.csv.mp4"]         # its folder had stood in the way of the batch's table
    stems = assign_stems(paths)
    assert stems == ["good__squat", "bad__squat", "lift_mp4", "lift_mov", "summary.json_", "Solo",
                     "Summary_Reps.csv_"]
    assert assign_stems(paths[::-1]) == stems[::-1]
    assert len({s.casefold() for s in assign_stems(paths + [tmp_path / "solo.mp4"])}) == len(paths) + 1


def test_fingerprint_survives_json_and_sees_any_setting():
    settings = Settings()
    fp = settings_fingerprint(settings.to_dict(), "abc")
    assert fp == settings_fingerprint(json.loads(json.dumps(settings.to_dict())), "abc")
    stricter = apply_overrides(settings, {"verdict": {"rounded_back_spine_deg": 30.0}})
    assert settings_fingerprint(stricter.to_dict(), "abc") != fp
    assert settings_fingerprint(settings.to_dict(), "abd") != fp


@pytest.mark.parametrize("quiet", [False, True])
def test_a_batch_logged_to_a_file_says_each_video_as_it_is_done(capsys, quiet):
    """With stderr a file (cron, nohup, a scheduler) the bar is not drawn, and the log had held only the failed
    videos until the batch ended. Each video done gets a line there (unless --quiet); a failed one its own."""
    from test_outputs import synthetic_analysis

    from liftform.batch.summary import failed_row, row_from_analysis
    from liftform.cli.common import BatchBar

    rows = [row_from_analysis(synthetic_analysis(), "in/a.mp4", "a"), failed_row("in/b.mp4", "b", "b.mp4 is empty")]
    with BatchBar(quiet, "scoring") as bar:
        bar(0, 2, None)
        for done, row in enumerate(rows, start=1):
            bar(done, 2, row)
    lines = capsys.readouterr().err.strip().splitlines()
    said = [] if quiet else ["[1/2] in/a.mp4: rounded back, 1 of 2 rep(s) rounded, 1 not judged"]   # the other
    assert lines == [*said, "[2/2] failed: b.mp4 is empty"], lines


def test_a_summary_row_peaks_at_the_judged_reps_and_the_counts_count_each_verdict(tmp_path, capsys):
    """A video's row takes its peak spine flexion from the judged reps (an undecided rep's reading, a descent the
    view cut, had stood for the video's), and summary.json counts the videos with a rounded back. Known by
    construction: one rounded rep at 30°, one undecided at 50°; one such video, a safe one and a failed one."""
    from test_outputs import synthetic_analysis

    from liftform.batch.summary import row_from_analysis, summary_csv_text, summary_doc

    analysis = synthetic_analysis()
    rounded, undecided = analysis.verdicts
    rounded_video = dataclasses.replace(
        analysis, verdicts=(rounded, dataclasses.replace(undecided, peak_spine_flexion_deg=50.0)))
    safe_video = dataclasses.replace(analysis, verdicts=(dataclasses.replace(rounded, verdict="hip_hinge"),))
    undecided_video = dataclasses.replace(analysis, verdicts=(undecided,))
    rows = [row_from_analysis(rounded_video, "a.mp4", "a", elapsed_s=1.23456),
            row_from_analysis(safe_video, "b.mp4", "b"), failed_row("c.mp4", "c", "c.mp4 is truncated")]
    assert [(r.verdict, r.reps, r.flagged_reps, r.peak_spine_flexion_deg) for r in rows[:2]] == [
        ("rounded_back", 2, 1, 30.0), ("safe", 1, 0, 30.0)]
    assert summary_doc(rows)["counts"] == {"videos": 3, "ok": 2, "failed": 1, "rounded_back": 1, "safe": 1,
                                           "insufficient_data": 0, "cached": 0}
    # How sure each verdict is: a rounded video's surest rounded rep, a safe video's least sure rep, none undecided.
    assert [r.confidence for r in rows] == [rounded.confidence, rounded.confidence, None]
    two_safe = dataclasses.replace(analysis, verdicts=(dataclasses.replace(rounded, verdict="hip_hinge"),
                                                       dataclasses.replace(rounded, verdict="squat", confidence=0.4),
                                                       undecided))
    assert two_safe.verdict == "safe" and row_from_analysis(two_safe, "e.mp4", "e").confidence == 0.4
    assert next(csv.DictReader(summary_csv_text(rows).splitlines()))["confidence"] == f"{rounded.confidence:g}"
    # An undecided video counts apart, never among the safe ones (a script counting "ok - rounded" had).
    undecided_row = row_from_analysis(undecided_video, "d.mp4", "d")
    assert undecided_row.verdict == "insufficient_data"
    assert summary_doc([*rows, undecided_row])["counts"]["insufficient_data"] == 1
    from liftform.cli.show import print_batch
    print_batch([*rows, undecided_row], tmp_path, "scored")
    said = " ".join(capsys.readouterr().out.split())
    assert "4 video(s) scored: 3 ok (1 with a rounded back, 1 with not enough data), 1 failed" in said, said
    first = next(csv.DictReader(summary_csv_text(rows).splitlines()))
    assert (first["peak_spine_flexion_deg"], first["elapsed_s"]) == ("30", "1.235")     # seconds to the ms


def test_a_summary_row_counts_its_undecided_reps_apart_from_the_safe_ones():
    """A video with a rounded rep and an undecided one read "reps 2, flagged_reps 1": a researcher taking the rest as
    safe counted the undecided rep (a view that cut the lift) as a safe lift. The undecided are counted apart."""
    from test_outputs import synthetic_analysis

    from liftform.batch.summary import row_from_analysis, summary_csv_text

    analysis = synthetic_analysis()
    assert [v.verdict for v in analysis.verdicts] == ["rounded_back", "insufficient_data"]
    safe = dataclasses.replace(analysis, verdicts=(dataclasses.replace(analysis.verdicts[0], verdict="hip_hinge"),))
    rows = [row_from_analysis(analysis, "a.mp4", "a"), row_from_analysis(safe, "b.mp4", "b")]
    assert [(r.reps, r.flagged_reps, r.undecided_reps) for r in rows] == [(2, 1, 1), (1, 0, 0)]
    table = list(csv.DictReader(summary_csv_text(rows).splitlines()))
    assert [(r["reps"], r["flagged_reps"], r["undecided_reps"]) for r in table] == [("2", "1", "1"), ("1", "0", "0")]


def test_a_name_a_spreadsheet_would_run_is_written_as_text_in_the_csv_tables(tmp_path):
    """Patients name their videos: "=HYPERLINK(...).mp4" was a live link in summary.csv and summary_reps.csv (and a
    failed video's error said its name). Such cells start with "'"; numbers stay numbers; summary.json and
    result.json keep the names as they are."""
    from test_outputs import synthetic_analysis

    from liftform.batch.summary import failed_row, reps_csv_text, row_from_analysis, summary_csv_text
    from liftform.outputs.result_json import write_result_json
    from liftform.outputs.tables import spreadsheet_text

    assert [spreadsheet_text(t) for t in ("=1+1", "+cmd|calc!A0", "-2+3", "@SUM(1)", "-2.5", "+3", "lift", "")] == \
        ["'=1+1", "'+cmd|calc!A0", "'-2+3", "'@SUM(1)", "-2.5", "+3", "lift", ""]
    analysis = synthetic_analysis()
    (tmp_path / "=1+1").mkdir()
    write_result_json(analysis, tmp_path / "=1+1")
    rows = [row_from_analysis(analysis, str(tmp_path / "=1+1.mp4"), "=1+1"),
            failed_row("@x.mp4", "@x", "@x.mp4 is not a readable video")]
    summary = list(csv.DictReader(summary_csv_text(rows).splitlines()))
    assert [(r["output"], r["error"]) for r in summary] == [("'=1+1", ""), ("'@x", "'@x.mp4 is not a readable video")]
    reps = list(csv.DictReader(reps_csv_text(tmp_path, rows).splitlines()))
    assert reps and {r["output"] for r in reps} == {"'=1+1"} and all(not r["path"].startswith("'") for r in reps)
    assert [row.output for row in rows] == ["=1+1", "@x"]          # what summary.json writes


def test_the_summary_names_the_settings_of_each_video_and_none_for_a_folder_judged_under_two(tmp_path, monkeypatch):
    """A second `score` with a new --config into a folder scored before kept the earlier videos' rows, and
    summary.json named the new run's settings for all of them: a researcher could not tell which verdicts came from
    which threshold. Each row names its own result's fingerprint; the folder's is "" once two differ."""
    from test_outputs import synthetic_analysis

    from liftform.batch import local, runner
    from liftform.batch.summary import result_fingerprint, row_from_analysis

    analysis = synthetic_analysis()
    row = row_from_analysis(analysis, "a.mp4", "a")
    assert row.settings_fingerprint == result_fingerprint(analysis) != ""

    def engine(jobs, spec, out_root, on_row, **kwargs):     # a stand-in: no pose model
        for job in jobs:
            (Path(out_root) / job.output).mkdir()
            (Path(out_root) / job.output / "result.json").write_text("{}")
            on_row(job, SummaryRow(job.summary_path, job.output, verdict="safe", reps=1, flagged_reps=0,
                                   settings_fingerprint=spec.fingerprint))

    monkeypatch.setattr(runner, "make_spec", lambda settings, **kw: JobSpec(settings, "model.task", "0" * 64))
    monkeypatch.setattr(local, "run_local", engine)
    for name in ("a.mp4", "b.mp4"):
        (tmp_path / name).write_bytes(b"video")
    out, stricter = tmp_path / "out", apply_overrides(Settings(), {"verdict": {"rounded_back_spine_deg": 15.0}})
    score([tmp_path / "a.mp4"], out, report=False)
    first = json.loads((out / "summary.json").read_text())["settings_fingerprint"]
    assert first == JobSpec(Settings(), "model.task", "0" * 64).fingerprint
    score([tmp_path / "b.mp4"], out, stricter, report=False)
    doc = json.loads((out / "summary.json").read_text())
    assert doc["settings_fingerprint"] == ""
    by_video = {r["output"]: r["settings_fingerprint"] for r in csv.DictReader((out / "summary.csv").open())}
    assert by_video == {"a": first, "b": JobSpec(stricter, "model.task", "0" * 64).fingerprint}


# --- the batch ----------------------------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.model
def test_broken_files_are_recorded_and_the_batch_goes_on(batch):
    _, out, result = batch
    assert result.exit_code == 1, result.output
    rows = _summary(out)
    assert set(rows) == {"rounded_back", "hip_hinge", "notes", "empty", "truncated"}
    assert {n for n, r in rows.items() if r["status"] == "failed"} == {"notes", "empty", "truncated"}
    assert "empty (0 bytes)" in rows["empty"]["error"]
    assert "not a readable video" in rows["notes"]["error"]
    assert rows["truncated"]["error"] and "\n" not in rows["truncated"]["error"]
    assert rows["rounded_back"]["verdict"] == "rounded_back" and rows["rounded_back"]["flagged_reps"] == "1"
    assert rows["hip_hinge"]["verdict"] == "safe" and rows["hip_hinge"]["flagged_reps"] == "0"
    assert float(rows["rounded_back"]["peak_spine_flexion_deg"]) > 20
    assert rows["hip_hinge"]["view"] == "side" and rows["hip_hinge"]["reps"] == "1"
    for name in ("rounded_back", "hip_hinge"):
        written = {p.name for p in (out / name).iterdir()}
        assert {"result.json", "frames.csv", "reps.csv", "poses.npz"} <= written
        assert not (out / name / "annotated.mp4").exists()
    doc = json.loads((out / "summary.json").read_text())
    assert doc["complete"] and doc["counts"] == {"videos": 5, "ok": 2, "failed": 3, "rounded_back": 1, "safe": 1,
                                                 "insufficient_data": 0, "cached": 0}
    # The batch's own time and rate (a cluster's throughput was nowhere: only each video's time on its worker).
    assert 0 < doc["wall_s"] < 600 and f"5 video(s) run in {doc['wall_s']:.1f} s (" in " ".join(result.output.split())
    assert "videos/s" in result.output and "frames/s; 3 failed)" in " ".join(result.output.split())
    assert not list(out.rglob("*.tmp*"))                       # atomic writes leave no temporary files


@pytest.mark.slow
@pytest.mark.model
def test_rerun_skips_what_is_done_and_redoes_a_deleted_result(batch, tmp_path):
    inputs, out = _copy(batch, tmp_path)
    shutil.rmtree(out / "hip_hinge")
    before = _mtime(out, "rounded_back")
    result = score([inputs], out, write_video=False, workers=2)
    by_name = {r.output: r for r in result.rows}
    assert by_name["rounded_back"].cached and _mtime(out, "rounded_back") == before
    assert not by_name["hip_hinge"].cached and by_name["hip_hinge"].verdict == "safe"
    assert result.n_failed == 3 and result.exit_code == 1
    assert _summary(out)["rounded_back"]["cached"] == "1"


@pytest.mark.slow
@pytest.mark.model
def test_score_writes_the_overview_and_reexports_unblurred_results_when_faces_must_be_blurred(batch, tmp_path):
    inputs, out = _copy(batch, tmp_path)
    index = (out / "index.html").read_text()
    assert "rounded_back" in index and "hip_hinge" in index and (out / "rounded_back" / "report.html").is_file()
    assert "<span class=\"bad\">3 failed</span>" in index and "notes.mp4 is not a readable video" in index
    before = _mtime(out, "rounded_back")
    result = score([inputs / "rounded_back.mp4"], out, write_video=False, workers=1, blur_faces=True)
    assert not result.rows[0].cached and _mtime(out, "rounded_back") != before   # redone, now blurred
    assert (out / "rounded_back" / "faces-blurred").is_file()
    again = score([inputs / "rounded_back.mp4"], out, write_video=False, workers=1, blur_faces=True)
    assert again.rows[0].cached
    # Marks written by older blurs are not taken: only the lifter's face blurred; the lifter's whole box kept sharp;
    # the lifter's head blurred from the frame's own landmarks only; the report naming the video's file and folder.
    for older_mark in ("the face blurred\n", "every face blurred: all but the lifter's body, and the lifter's head\n",
                       "every face blurred: all but the lifter's shape, and the lifter's head; a frame without the "
                       "lifter's pose whole\n",
                       "every face blurred: all but the lifter's shape, and the lifter's head, also where it was in "
                       "the frames near; a frame without the lifter's pose whole\n"):
        (out / "rounded_back" / "faces-blurred").write_text("every exported frame, clip and video in this folder has "
                                                            + older_mark)
        older = score([inputs / "rounded_back.mp4"], out, write_video=False, workers=1, blur_faces=True)
        assert not older.rows[0].cached and (out / "rounded_back" / "faces-blurred").read_text().endswith(
            "all but the lifter's shape, and the lifter's head, also where it was in the frames near; a frame "
            "without the lifter's pose whole; report.html names no file or folder, the video by its SHA-256\n")
    unblurred = score([inputs / "rounded_back.mp4"], out, write_video=False, workers=1, force=True)
    assert not unblurred.rows[0].cached and not (out / "rounded_back" / "faces-blurred").exists()


@pytest.mark.slow
@pytest.mark.model
def test_a_changed_source_or_setting_is_not_taken_as_done(batch, tmp_path):
    inputs, out = _copy(batch, tmp_path)
    spec = make_spec(Settings(), write_video=False)
    job = Job(0, str(inputs / "hip_hinge.mp4"), "hip_hinge")
    assert already_scored(job, out / "hip_hinge", spec).cached
    other = tmp_path / "hip_hinge.mp4"
    shutil.copy(inputs / "rounded_back.mp4", other)                      # same name, other content
    assert already_scored(Job(0, str(other), "hip_hinge"), out / "hip_hinge", spec) is None
    stricter = apply_overrides(Settings(), {"verdict": {"rounded_back_spine_deg": 60.0}})
    assert already_scored(job, out / "hip_hinge", make_spec(stricter, write_video=False)) is None
    assert already_scored(job, out / "hip_hinge", make_spec(Settings(), write_video=True)) is None  # no video
    assert already_scored(job, out / "notes", spec) is None


@pytest.mark.slow
@pytest.mark.model
def test_score_again_with_another_config_says_it_scored_the_videos_again(batch, tmp_path):
    """`score` again with a new --config ran the pose model over every video anew and printed only "scored", as
    if the folder had been new: hours on a cluster where a threshold alone was changed, which `rescore` does in
    seconds. A threshold alone judges them again from their saved landmarks, and the terminal says how many."""
    inputs, out = _copy(batch, tmp_path)
    config = tmp_path / "stricter.toml"
    config.write_text("[verdict]\nrounded_back_spine_deg = 15\n")
    result = runner.invoke(app, ["score", str(inputs), "-o", str(out), "--workers", "2", "--no-video", "-q",
                                 "--config", str(config)])
    assert result.exit_code == 1, result.output                    # the 3 broken files
    said = " ".join(result.stdout.split())
    assert "2 video(s) scored before were judged again from their saved poses" in said, said
    assert "with the pose model" not in said and _summary(out)["rounded_back"]["from_poses"] == "1"
    again = runner.invoke(app, ["score", str(inputs), "-o", str(out), "--workers", "2", "--no-video", "-q",
                                "--config", str(config)])
    assert "scored again" not in again.stdout and "2 video(s) were already scored" in again.stdout


@pytest.mark.slow
@pytest.mark.model
def test_force_scores_again(batch, tmp_path):
    inputs, out = _copy(batch, tmp_path)
    before = _mtime(out, "hip_hinge")
    result = score([inputs / "hip_hinge.mp4"], out, force=True, write_video=False, workers=1)
    assert not result.rows[0].cached and _mtime(out, "hip_hinge") > before
    rows = _summary(out)              # the folder's other videos keep their rows (the 3 broken files: failed)
    assert result.exit_code == 0 and len(rows) == 5 and rows["hip_hinge"]["cached"] == "0"


@pytest.mark.slow
@pytest.mark.model
def test_interrupted_batch_keeps_finished_videos_and_resumes(clips, tmp_path):
    out = tmp_path / "out"
    seen = []

    def stop_after_first(done, total, row):
        if row is None:           # the batch planned
            return
        seen.append(row.output)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        score(list(clips.values()), out, write_video=True, workers=1, progress=stop_after_first)
    first = seen[0]
    other = ({"rounded_back", "hip_hinge"} - {first}).pop()
    assert (out / first / "result.json").is_file() and (out / first / "annotated.mp4").is_file()
    assert not (out / other / "result.json").exists()
    assert not list(out.rglob("*.tmp*"))
    summary = json.loads((out / "summary.json").read_text())
    assert not summary["complete"] and [v["output"] for v in summary["videos"]] == [first]
    before = _mtime(out, first)
    result = score(list(clips.values()), out, write_video=True, workers=2)
    cached = {r.output: r.cached for r in result.rows}
    assert cached == {first: True, other: False} and _mtime(out, first) == before
    assert result.complete and result.exit_code == 0


# --- crashes ------------------------------------------------------------------------------------------------

def crashing_job(job: Job, spec: JobSpec, out_dir: Path) -> SummaryRow:
    """Runs in a worker: dies of SIGSEGV on the job named "crash", else answers at once."""
    if job.output == "crash":
        os.kill(os.getpid(), signal.SIGSEGV)
    if job.output == "exit":
        os._exit(3)
    return failed_row(job.path, job.output, "not scored (test)") if job.output == "bad" else \
        SummaryRow(job.path, job.output, verdict="safe", reps=1, flagged_reps=0)


@pytest.mark.slow
def test_a_worker_crash_fails_only_its_video(tmp_path):
    names = ["a", "crash", "b", "exit", "bad", "c"]
    jobs = [Job(i, f"{n}.mp4", n) for i, n in enumerate(names)]
    spec = JobSpec(Settings(), "model.task", "0" * 64)
    rows = {}
    run_local(jobs, spec, tmp_path, lambda job, row: rows.__setitem__(job.output, row), workers=2,
              job_fn=crashing_job)
    assert set(rows) == set(names)
    assert {n for n, r in rows.items() if r.ok} == {"a", "b", "c"}
    assert "SIGSEGV" in rows["crash"].error and "status 3" in rows["exit"].error
    assert rows["bad"].error == "not scored (test)"


@pytest.mark.slow
def test_a_ctrl_c_while_a_worker_starts_leaves_it_to_the_driver(tmp_path):
    """Ctrl-C reaches the whole process group. A spawned worker imports liftform for a second or more before it can
    ignore SIGINT, and one reached then died with a traceback under the driver's one line (`score -j 2` stopped in
    its first seconds). Workers are born ignoring it: the driver alone decides what a Ctrl-C stops."""
    worker = local._Worker(multiprocessing.get_context("spawn"), JobSpec(Settings(), "model.task", "0" * 64),
                           tmp_path, crashing_job, 1, None)
    try:
        os.kill(worker.process.pid, signal.SIGINT)       # still starting up: importing liftform
        worker.give(Job(0, "a.mp4", "a"))
        assert worker.conn.poll(60) and worker.conn.recv() == local.STARTED
        assert worker.conn.recv().ok
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler    # the driver's own is back
    finally:
        worker.stop()
        worker.process.join(10)


def affinity_job(job: Job, spec: JobSpec, out_dir: Path) -> SummaryRow:
    """Runs in a worker: answers with the CPUs the worker may run on (in ``warnings``); "crash" dies."""
    if job.output == "crash":
        os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(0.5)    # both workers hold a job at once
    return SummaryRow(job.path, job.output, warnings=[str(cpu) for cpu in sorted(os.sched_getaffinity(0))])


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(os, "sched_getaffinity") or len(os.sched_getaffinity(0)) < 2,
                    reason="needs a Linux machine with 2 or more CPUs")
def test_one_worker_per_cpu_each_runs_on_its_own_cpu_and_a_replacement_takes_the_freed_one(tmp_path):
    cpus = sorted(os.sched_getaffinity(0))
    names = ["a", "b", "crash", "c", "d", "e"]
    jobs = [Job(i, f"{n}.mp4", n) for i, n in enumerate(names)]
    rows = {}
    run_local(jobs, JobSpec(Settings(), "model.task", "0" * 64), tmp_path,
              lambda job, row: rows.__setitem__(job.output, row), workers=len(cpus), job_fn=affinity_job)
    assert not rows["crash"].ok
    held = [tuple(rows[n].warnings) for n in names if n != "crash"]
    assert all(len(h) == 1 and int(h[0]) in cpus for h in held)   # each pinned to a single CPU of ours
    assert len(set(held)) == min(len(cpus), len(held))              # one worker on each, the crashed one replaced

    rows.clear()
    run_local(jobs[:2], JobSpec(Settings(), "model.task", "0" * 64), tmp_path,
              lambda job, row: rows.__setitem__(job.output, row), workers=1, job_fn=affinity_job)
    assert [r.warnings for r in rows.values()] == [[str(c) for c in cpus]] * 2   # fewer workers than CPUs: free


def slow_job(job: Job, spec: JobSpec, out_dir: Path) -> SummaryRow:
    """Runs in a worker: "slow" takes a minute (unless terminated), the others answer at once."""
    if job.output == "slow":
        time.sleep(60)
    return SummaryRow(job.path, job.output)


@pytest.mark.slow
def test_a_video_past_the_time_limit_fails_alone_and_the_batch_goes_on(tmp_path):
    """A hung video (here: a job that sleeps a minute) is failed after the limit, its worker replaced; the other
    videos, before and after it, are scored."""
    jobs = [Job(0, "slow.mp4", "slow"), Job(1, "fast.mp4", "fast"), Job(2, "next.mp4", "next"),
            Job(3, "last.mp4", "last")]
    rows = {}
    start = time.monotonic()
    run_local(jobs, JobSpec(Settings(), "model.task", "0" * 64), tmp_path,
              lambda job, row: rows.__setitem__(job.output, row), workers=2, job_fn=slow_job, timeout_s=2.0)
    assert time.monotonic() - start < 30
    assert {n for n, r in rows.items() if r.ok} == {"fast", "next", "last"}
    assert "time limit of 2 s" in rows["slow"].error


@pytest.mark.slow
@pytest.mark.parametrize("timeout_s", [1e9, float("inf")])
def test_a_time_limit_longer_than_the_system_waits_is_kept_without_an_overflow(tmp_path, timeout_s):
    """`score --timeout 1e9` (or inf, or 1e400) ended the batch in an OverflowError: the operating system's wait
    takes at most ~24.8 days."""
    rows = {}
    run_local([Job(0, "fast.mp4", "fast")], JobSpec(Settings(), "model.task", "0" * 64), tmp_path,
              lambda job, row: rows.__setitem__(job.output, row), workers=1, job_fn=slow_job, timeout_s=timeout_s)
    assert rows["fast"].ok, rows


@pytest.mark.slow
def test_interrupt_stops_busy_workers_promptly(tmp_path):
    jobs = [Job(0, "slow.mp4", "slow"), Job(1, "fast.mp4", "fast"), Job(2, "next.mp4", "next")]

    def interrupt(job, row):
        raise KeyboardInterrupt

    start = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        run_local(jobs, JobSpec(Settings(), "model.task", "0" * 64), tmp_path, interrupt, workers=2,
                  job_fn=slow_job)
    assert time.monotonic() - start < 30


HELD_JOB = """
import os, time
from liftform.outputs.atomic import atomic_path

def held_job(job, spec, out_dir):
    out_dir.mkdir(parents=True, exist_ok=True)
    with atomic_path(out_dir / "result.json"):       # a result half written when the driver is killed
        (out_dir.parent / f"worker-{os.getpid()}").touch()
        time.sleep(60)
"""
DRIVER = """
import sys
sys.path.insert(0, sys.argv[1])
from held import held_job
from liftform.batch.jobs import Job, JobSpec
from liftform.batch.local import run_local
from liftform.settings import Settings
run_local([Job(0, "a.mp4", "a")], JobSpec(Settings(), "model.task", "0" * 64), sys.argv[2], lambda job, row: None,
          workers=1, job_fn=held_job)
"""


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the kernel's parent-death signal is Linux's")
def test_workers_of_a_killed_driver_stop_and_remove_their_half_written_files(tmp_path):
    """`kill -9` of `score` (or the OOM killer taking it) had left its workers scoring on, unseen, for as long as
    their videos took (then a BrokenPipeError traceback each): a run started again raced them for the same folders."""
    (tmp_path / "held.py").write_text(HELD_JOB)
    out = tmp_path / "out"
    driver = subprocess.Popen([sys.executable, "-c", DRIVER, str(tmp_path), str(out)], stderr=subprocess.PIPE)
    worker = None
    try:
        deadline = time.monotonic() + 60
        while worker is None and time.monotonic() < deadline and driver.poll() is None:
            worker = next((int(p.name.split("-")[1]) for p in out.glob("worker-*")), None) if out.is_dir() else None
            time.sleep(0.1)
        assert worker is not None, driver.stderr.read().decode()
        driver.kill()
        driver.wait()
        deadline = time.monotonic() + 10
        while _running(worker) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _running(worker), "the worker of a killed driver went on"
        assert os.listdir(out / "a") == []               # its temporary result.json removed as it stopped
        assert b"Traceback" not in driver.stderr.read()
    finally:
        driver.kill()
        if worker is not None and _running(worker):
            os.kill(worker, signal.SIGKILL)


def _running(pid: int) -> bool:
    """``pid`` is a live process (not a zombie waiting to be reaped)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_ctrl_c_again_while_an_interrupted_batch_saves_keeps_its_overview(tmp_path, monkeypatch):
    """Ctrl-C twice (the second while the interrupted batch writes its summary) had left no index.html: the
    second interrupt escaped the summary's write and skipped the overview."""
    from liftform.batch import local, runner

    out = tmp_path / "out"
    out.mkdir()
    jobs = [Job(0, str(tmp_path / "a.mp4"), "a"), Job(1, str(tmp_path / "b.mp4"), "b")]
    stopping = []

    def interrupted(pending, spec, out_root, on_row, **_kwargs):
        job = next(iter(pending))
        on_row(job, failed_row(job.path, job.output, "a.mp4 is broken"))
        stopping.append(True)
        raise KeyboardInterrupt

    def write_then_ctrl_c(*args, **kwargs):
        write_summary(*args, **kwargs)
        if stopping:
            os.kill(os.getpid(), signal.SIGINT)     # the second Ctrl-C, as the summary is written

    monkeypatch.setattr(local, "run_local", interrupted)
    monkeypatch.setattr(runner, "write_summary", write_then_ctrl_c)
    with pytest.raises(KeyboardInterrupt):
        with folder_lock(out) as lock:
            runner._score_locked(jobs, JobSpec(Settings(), "model.task", "0" * 64), out, lock, workers=1,
                                 engine="local", address=None, force=False, report=True, progress=None,
                                 timeout_s=None)
    assert (out / "index.html").is_file() and "a.mp4 is broken" in (out / "index.html").read_text()
    assert [r.output for r in read_summary(out)] == ["a"]


def test_an_interrupted_batchs_overview_says_it_lists_only_the_videos_done(tmp_path, monkeypatch):
    """A coach's Ctrl-C after 3 of 15 videos left an index.html reading "3 videos analysed by liftform", as if that
    were the batch. It says the batch was stopped and how to finish it; the run that finishes it takes that back."""
    from liftform.batch import local, runner

    out = tmp_path / "out"
    out.mkdir()
    jobs = [Job(0, str(tmp_path / "a.mp4"), "a"), Job(1, str(tmp_path / "b.mp4"), "b")]

    def run(stop: bool):
        def engine(pending, spec, out_root, on_row, **_kwargs):
            for job in pending:
                on_row(job, failed_row(job.path, job.output, f"{job.output}.mp4 is broken"))
                if stop:
                    raise KeyboardInterrupt
        monkeypatch.setattr(local, "run_local", engine)
        with folder_lock(out) as lock:
            runner._score_locked(jobs, JobSpec(Settings(), "model.task", "0" * 64), out, lock, workers=1,
                                 engine="local", address=None, force=False, report=True, progress=None,
                                 timeout_s=None)

    with pytest.raises(KeyboardInterrupt):
        run(stop=True)
    page = (out / "index.html").read_text()
    assert "a.mp4 is broken" in page and 'id="stopped"' in page
    assert "stopped before it reached every video (Ctrl-C or SIGTERM)" in " ".join(page.split())
    run(stop=False)
    page = (out / "index.html").read_text()
    assert "b.mp4 is broken" in page and 'id="stopped"' not in page


def test_ctrl_c_again_while_an_interrupted_rescore_saves_still_writes_its_summary(tmp_path, monkeypatch):
    """A second Ctrl-C as an interrupted rescore wrote its summary had left the summary of the verdicts before the
    rescore beside the rescored result.json files."""
    import importlib

    rescore_module = importlib.import_module("liftform.batch.rescore")   # the package names its function so
    out = tmp_path / "out"
    out.mkdir()
    write_summary(out, [failed_row(str(tmp_path / "a.mp4"), "a", "a.mp4 is broken")])

    def merged_then_ctrl_c(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGINT)         # the second Ctrl-C, before the summary is written
        return merged_rows(*args, **kwargs)

    monkeypatch.setattr(rescore_module, "merged_rows", merged_then_ctrl_c)
    with pytest.raises(KeyboardInterrupt), folder_lock(out) as lock:
        rescore_module._rescore_locked(out, [], Settings(), (), False, {}, None, lock)
    assert json.loads((out / "summary.json").read_text()).get("rescored") is True


# --- rescore ------------------------------------------------------------------------------------------------

RESCORE_SCRIPT = """
import json, sys
from liftform.batch import rescore
from liftform.settings import apply_overrides, Settings
settings = apply_overrides(Settings(), {"verdict": {"rounded_back_spine_deg": float(sys.argv[2])}})
result = rescore(sys.argv[1], settings)
print(json.dumps({"changed": result.changed, "mediapipe": "mediapipe" in sys.modules}))
"""


@pytest.mark.slow
@pytest.mark.model
def test_rescore_changes_verdicts_without_mediapipe(batch, tmp_path):
    _, out = _copy(batch, tmp_path)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(Path(__file__).resolve().parents[1]),
                                                       os.environ.get("PYTHONPATH", "")]))
    done = subprocess.run([sys.executable, "-c", RESCORE_SCRIPT, str(out), "90"], capture_output=True,
                          text=True, env=env, timeout=120, check=True)
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report == {"changed": ["rounded_back"], "mediapipe": False}
    rows = _summary(out)
    assert rows["rounded_back"]["verdict"] == "safe" and rows["rounded_back"]["flagged_reps"] == "0"
    assert {n for n, r in rows.items() if r["status"] == "failed"} == {"notes", "empty", "truncated"}
    doc = json.loads((out / "rounded_back" / "result.json").read_text())
    assert doc["settings"]["verdict"]["rounded_back_spine_deg"] == 90.0
    with open(out / "rounded_back" / "reps.csv", newline="") as fh:
        assert [rep["verdict"] for rep in csv.DictReader(fh)] == ["hip_hinge"]
    # Back to the defaults through the CLI: the rounded back is found again, from the cache only.
    config = tmp_path / "defaults.toml"
    config.write_text("[verdict]\nrounded_back_spine_deg = 22.0\n")
    result = runner.invoke(app, ["rescore", str(out), "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert "1 verdict(s) changed: rounded_back" in result.output
    assert _summary(out)["rounded_back"]["verdict"] == "rounded_back"


def _scored_from_own_zero(out: Path, own_zero_deg: float, judged_from_deg: float | None = None,
                          video: str = "lift.mp4") -> Path:
    """OUT/lifter: two flat hinges of a lifter whose back's outline reads ``own_zero_deg``, scored from that zero
    (as `score --profile` or live's key n leaves it) or from ``judged_from_deg``; no summary, as `analyze` writes
    none. ``video``: the source's path the result records."""
    track, _ = lift_track("hip_hinge", n_reps=2, natural_bend_deg=own_zero_deg)
    source = SourceInfo(video, "ab" * 32, 30.0, len(track), *track.frame_size_wh, float(track.timestamps_s[-1]))
    zero = own_zero_deg if judged_from_deg is None else judged_from_deg
    own = apply_overrides(Settings(), {"spine": {"neutral_bend_deg": zero}})
    analysis = analyze_track(track, source, ModelInfo("full", "cd" * 32), own)
    assert analysis.verdict == ("safe" if judged_from_deg is None else "rounded_back")
    if judged_from_deg is None:
        analysis = dataclasses.replace(analysis, personal_from=from_profile(PROFILE_ORIGIN))
    write_outputs(analysis, track, out / "lifter", write_video=False)
    return out / "lifter" / "result.json"


def test_the_overview_says_a_video_whose_last_run_failed_shows_its_earlier_result(tmp_path):
    """A video scored, then broken and scored again: the batch keeps its earlier result and summary.csv says the run
    failed, but index.html showed the earlier result as if it were this run's, without a word."""
    from liftform.batch.summary import row_from_analysis
    from liftform.outputs.read import read_analysis
    from liftform.report import write_index

    out = tmp_path / "out"
    _scored_from_own_zero(out, NEUTRAL_BEND_DEG, video=str(tmp_path / "in" / "lift.mp4"))
    ok = row_from_analysis(read_analysis(out / "lifter"), str(tmp_path / "in" / "lift.mp4"), "lifter")
    write_summary(out, [ok])
    assert "The last run failed" not in write_index(out).read_text()
    earlier = (out / "lifter" / "result.json").stat().st_mtime - 5
    os.utime(out / "lifter" / "result.json", (earlier, earlier))
    write_summary(out, [failed_row(str(tmp_path / "in" / "lift.mp4"), "lifter", "lift.mp4 is truncated")])
    rows = write_index(out).read_text().split("<tbody>")[1].split("</tbody>")[0].split("<tr>")[1:]
    assert len(rows) == 1 and "The last run failed (lift.mp4 is truncated); this is the earlier result." in rows[0]


def test_the_overview_says_the_limits_its_videos_were_judged_with():
    """Two copies of a batch rescored under other limits read alike: the limits were nowhere on the overview."""
    from liftform.report.index import _judged_with

    row = {"limits": (21.0, 40.0), "own_zero": False}
    said = "judged with the spine's limit of 21° and the head's of 40°"
    assert _judged_with([row, dict(row), {"failed": True}]) == said
    assert _judged_with([{"limits": (22.5, 40.0), "own_zero": True}]).endswith("22.5° and the head's of 40°, 1 from "
                                                                               "the lifter's own zero")
    assert _judged_with([row, {"limits": (25.0, 40.0)}]) == "judged with different limits: each report gives its own"
    assert _judged_with([{"failed": True}]) == ""


def test_the_overview_lists_the_videos_that_failed_and_counts_them(tmp_path):
    """index.html listed only the result folders: after a batch with 2 broken files it said "1 video analysed ...
    1 safe · 0 not judged" and nothing of the failures, which only summary.csv recorded. Now each failed video
    without a result is a row with its reason, and the header counts them; after a rescore and `report --index`
    too, and a failed row whose video has a result (done since) is not listed twice."""
    from liftform.batch.summary import row_from_analysis
    from liftform.outputs.read import read_analysis
    from liftform.report import write_index

    out = tmp_path / "out"
    _scored_from_own_zero(out, NEUTRAL_BEND_DEG, video=str(tmp_path / "in" / "lift.mp4"))
    ok = row_from_analysis(read_analysis(out / "lifter"), str(tmp_path / "in" / "lift.mp4"), "lifter")
    for broken in ("notes.mp4", "<b>cut</b>.mp4"):      # still in the study (a failed row of a video gone is not)
        (tmp_path / "in" / broken).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "in" / broken).write_bytes(b"not a video")
    write_summary(out, [ok, failed_row(str(tmp_path / "in" / "notes.mp4"), "notes", "notes.mp4 is not a readable "
                                       "video (Invalid data); re-export it as MP4"),
                        failed_row(str(tmp_path / "in" / "<b>cut</b>.mp4"), "cut", "cut.mp4 is truncated"),
                        failed_row(str(tmp_path / "in" / "again.mp4"), "lifter", "stale: it has a result")])
    later = (out / "summary.json").stat().st_mtime + 5                # the result was made since (`analyze`)
    os.utime(out / "lifter" / "result.json", (later, later))

    def header(html: str) -> str:
        return " ".join(re.sub(r"<[^>]+>", "", html.split('<p class="sub">')[1].split("</p>")[0]).split())

    for make in (lambda: write_index(out),
                 lambda: runner.invoke(app, ["rescore", str(out), "-q"]),
                 lambda: runner.invoke(app, ["report", str(out), "--index"])):
        make()
        html = (out / "index.html").read_text()
        assert header(html).startswith("1 video analysed by liftform · 0 with a rounded back · 1 safe · "
                                       "0 not judged · 2 failed"), header(html)
        # the limits judged with, said (rescored copies under other limits had read alike)
        assert "judged with the spine&#39;s limit of 21° and the head&#39;s of 40° · generated" in header(html)
        rows = html.split("<tbody>")[1].split("</tbody>")[0].split("<tr>")[1:]
        assert len(rows) == 3
        failed = [row for row in rows if ">failed</span>" in row]
        assert len(failed) == 2 and "notes.mp4 is not a readable video (Invalid data)" in failed[1]
        assert "&lt;b&gt;cut&lt;/b&gt;.mp4" in failed[0] and "cut.mp4 is truncated" in failed[0]
        # the verdict's confidence beside it, sortable (a 36 % "safe" had looked like a 99 % one); none for the failed
        (judged,) = [row for row in rows if ">failed</span>" not in row]
        sure = read_analysis(out / "lifter").verdict_confidence
        assert sure is not None and f'data-sort="{sure}">{100 * sure:.0f}%</td>' in judged, judged
        assert all('data-sort="">—</td>' in row for row in failed)
        assert "stale" not in html and "http://" not in html and "https://" not in html
        os.utime(out / "lifter" / "result.json", (later, later))    # rescore rewrote it: newer again
    (out / "summary.json").unlink()                           # `analyze`'s folder: no summary, no failed count
    html = write_index(out).read_text()
    assert header(html).startswith("1 video analysed by liftform · 0 with a rounded back · 1 safe · 0 not judged · "
                                   "judged with"), header(html)


def test_a_name_that_turns_the_text_s_direction_is_shown_with_the_override_not_obeying_it(tmp_path, monkeypatch):
    """A patient's "rlo\u202egnp.mp4" showed in index.html as "rlo4pm.png", in the terminal as well: the override
    is shown as an escape, as a newline or an escape sequence in a name is."""
    import io

    from rich.console import Console

    from liftform.cli import show
    from liftform.report import write_index

    out, name = tmp_path / "out", "rlo\u202egnp"
    _scored_from_own_zero(out, NEUTRAL_BEND_DEG, video=str(tmp_path / "in" / "lift.mp4"))
    (tmp_path / "in").mkdir(exist_ok=True)
    (tmp_path / "in" / f"{name}.mp4").write_bytes(b"not a video")
    write_summary(out, [failed_row(str(tmp_path / "in" / f"{name}.mp4"), name, f"{name}.mp4 is not a readable video")])
    html = write_index(out).read_text()
    assert "\u202e" not in html and "rlo\\u202egnp.mp4" in html
    screen = io.StringIO()
    monkeypatch.setattr(show, "out", Console(file=screen, width=100, highlight=False, force_terminal=False))
    show.print_batch([failed_row(f"/in/{name}.mp4", name, "not a video")], out, "scored")
    assert "\u202e" not in screen.getvalue() and "rlo\\u202egnp" in screen.getvalue()


def test_rescore_takes_a_profile_made_later_beside_the_video(tmp_path):
    """A lifter scored from most people's zero (their flat hinges called rounded), whose checked rep's profile is
    put beside the video afterwards: rescore --folder-profiles judges them from it without the pose model; a
    video no longer where the result says is left as it was."""
    own_zero = NEUTRAL_BEND_DEG + 25.0
    (tmp_path / "lifter").mkdir()
    video = tmp_path / "lifter" / "set.mp4"
    video.write_bytes(b"the source video")
    out = tmp_path / "out"
    result_json = _scored_from_own_zero(out, own_zero, judged_from_deg=NEUTRAL_BEND_DEG, video=str(video))
    (video.parent / PROFILE_NAME).write_text(personal_profile_toml("# checked\n", neutral_bend_deg=own_zero))
    result = runner.invoke(app, ["rescore", str(out), "--folder-profiles", "-q"])
    assert result.exit_code == 0, result.output
    assert "1 video(s) judged from the profile.toml beside their source video" in " ".join(result.output.split())
    doc = json.loads(result_json.read_text())
    assert doc["verdict"] == "safe" and doc["settings"]["spine"]["neutral_bend_deg"] == own_zero
    assert read_summary(out)[0].neutral_bend_deg == own_zero                  # the summary names the zero used
    video.unlink()                                       # moved away: its folder's profile is not its own
    assert rescore(out, Settings(), folder_profiles=True, keep_personal=()).folder_profiles == []
    assert json.loads(result_json.read_text())["verdict"] == "rounded_back"


def test_rescore_keeps_each_lifters_own_zero(tmp_path):
    """New thresholds for a folder of lifters judged each from their own zero keep each one's zero, and say so;
    a --config that sets the zero, or a --profile (the person), replaces it."""
    own_zero = NEUTRAL_BEND_DEG + 25.0
    result_json = _scored_from_own_zero(tmp_path / "out", own_zero)
    out = tmp_path / "out"

    def rescored(*args: str) -> dict:
        result = runner.invoke(app, ["rescore", str(out), "-q", *args])
        assert result.exit_code == 0 and "Traceback" not in result.output, result.output
        return {"output": " ".join(result.output.split()), **json.loads(result_json.read_text())}

    slower = tmp_path / "slower.toml"
    slower.write_text("[verdict]\nmin_rounded_s = 0.3\n")
    doc = rescored("--config", str(slower))
    assert doc["verdict"] == "safe" and doc["settings"]["verdict"]["min_rounded_s"] == 0.3
    assert doc["settings"]["spine"]["neutral_bend_deg"] == own_zero
    assert "1 video(s) are judged, as when scored, from their lifter's own zero (from --profile)" in doc["output"]
    zero = tmp_path / "zero.toml"
    zero.write_text(f"[spine]\nneutral_bend_deg = {NEUTRAL_BEND_DEG}\n")
    doc = rescored("--config", str(zero))                  # the config decides the zero: most people's
    assert doc["verdict"] == "rounded_back" and "own zero" not in doc["output"]
    profile = tmp_path / "profile.toml"
    profile.write_text(personal_profile_toml("# checked\n", neutral_bend_deg=own_zero))
    doc = rescored("--profile", str(profile))
    assert doc["verdict"] == "safe" and "own zero" not in doc["output"]
    # result.json names the profile file, not only "--profile": a clinic's results tell their clients' apart
    assert doc["personal_from"]["spine.neutral_bend_deg"] == f"--profile {profile.absolute()}"
    assert rescore(out, Settings(), keep_personal=()).changed == ["lifter"]     # the API: () applies the settings'
    assert json.loads(result_json.read_text())["verdict"] == "rounded_back"


def test_a_plain_rescore_puts_back_a_zero_a_config_file_set(tmp_path):
    """`score -c z40.toml` (a trial zero: safe), then a plain `rescore`: the trial zero was kept (still safe) and the
    terminal said it was the lifter's own, "from their profile", though no profile was used. A zero only a config set
    is a setting: a plain rescore judges from most people's (rounded back, as a plain `score` does). A zero from
    live's key n is kept and said so; a result written before liftform recorded where its zero came from keeps it,
    as before."""
    out = tmp_path / "out"
    result_json = _scored_from_own_zero(out, NEUTRAL_BEND_DEG + 25.0)
    doc = json.loads(result_json.read_text())
    assert doc["personal_from"]["spine.neutral_bend_deg"] == PROFILE_ORIGIN
    doc["personal_from"] = {}                              # as `score -c z40.toml` writes it: the config's zero
    result_json.write_text(json.dumps(doc))

    def rescored() -> tuple[str, dict]:
        result = runner.invoke(app, ["rescore", str(out), "-q"])
        assert result.exit_code == 0 and "Traceback" not in result.output, result.output
        return " ".join(result.output.split()), json.loads(result_json.read_text())

    output, doc = rescored()
    assert doc["verdict"] == "rounded_back" and doc["settings"]["spine"]["neutral_bend_deg"] == NEUTRAL_BEND_DEG
    assert "own zero" not in output and doc["personal_from"] == {}
    for recorded, origin in (({"spine.neutral_bend_deg": "live's key n"}, "live's key n"),
                             (None, "a profile or live's key n")):          # None: an older result, no record
        doc["verdict"], doc["settings"]["spine"]["neutral_bend_deg"] = "safe", NEUTRAL_BEND_DEG + 25.0
        doc.pop("personal_from")
        result_json.write_text(json.dumps(doc if recorded is None else {**doc, "personal_from": recorded}))
        output, doc = rescored()
        assert doc["verdict"] == "safe" and doc["settings"]["spine"]["neutral_bend_deg"] == NEUTRAL_BEND_DEG + 25.0
        assert f"from their lifter's own zero (from {origin})" in output


def test_rescore_rebuilds_the_overview_and_says_which_reports_are_out_of_date(tmp_path):
    """The overview (index.html) shows the verdicts a rescore wrote, as `score` leaves it (it showed the old ones).
    report.html is not redrawn, and the terminal says so wherever what it shows changed: also a rep's reason (a
    new limit) under the same verdict, which went unsaid; a rescore that changes nothing says nothing."""
    from liftform.report import write_index, write_report

    out = tmp_path / "out"
    _scored_from_own_zero(out, NEUTRAL_BEND_DEG + 25.0, judged_from_deg=NEUTRAL_BEND_DEG)   # rounded, as scored
    write_report(out / "lifter")          # no source video here: a report without frames
    write_index(out)
    report = (out / "lifter" / "report.html").read_text()

    def rescored(limit_deg: float | None) -> tuple[str, str]:
        config = tmp_path / "limit.toml"
        limit = "# the defaults\n" if limit_deg is None else f"[verdict]\nrounded_back_spine_deg = {limit_deg}\n"
        config.write_text(limit)
        result = runner.invoke(app, ["rescore", str(out), "-c", str(config), "-q"])
        assert result.exit_code == 0 and "Traceback" not in result.output, result.output
        return " ".join(result.output.split()), (out / "index.html").read_text()

    output, index = rescored(None)                                          # the same settings: nothing drawn moved
    assert "still show" not in output and f"overview: {out / 'index.html'}" in output
    output, index = rescored(22.0)                                          # rounded still, against a new limit
    assert "0 verdict(s) changed" in output and "Rounded back" in index
    assert "report.html of 1 video(s) still show the results before this rescore" in output
    output, index = rescored(60.0)
    assert "1 verdict(s) changed: lifter" in output and "still show the results before" in output
    assert json.loads((out / "lifter" / "result.json").read_text())["verdict"] == "safe"
    assert "Rounded back" not in index and ">Safe<" in index
    drawn = (out / "lifter" / "report.html").read_text()
    notice = re.search(r'<section class="warn" id="outdated".*?</section>\n', drawn, re.DOTALL)
    assert notice and drawn.replace(notice.group(0), "") == report      # not redrawn (said so above): marked so


def test_folder_profiles_give_each_video_its_own_settings(tmp_path):
    """plan_jobs with folder profiles (`personal.folder_profile`): a folder's profile.toml is its videos' person
    (what it leaves out is most people's, not the batch's --profile); a folder without one keeps the batch's
    settings; one that cannot be read is the reason its videos fail."""
    for name in ("a", "b", "c"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "set.mp4").write_bytes(b"not decoded here")
    (tmp_path / "a" / PROFILE_NAME).write_text(personal_profile_toml("# a\n", neutral_bend_deg=25.0))
    (tmp_path / "c" / PROFILE_NAME).write_text(personal_profile_toml("# c\n", hinge_depth_deg=60.0))
    given = apply_overrides(Settings(), {"spine": {"neutral_bend_deg": 40.0}})       # the batch's --profile

    def planned(**kwargs) -> dict[str, Job]:
        return {Path(j.path).parent.name: j for j in plan_jobs([tmp_path], tmp_path / "out", given, **kwargs)}

    jobs = planned(folder_profiles=True)
    assert jobs["a"].settings.spine.neutral_bend_deg == 25.0 and not jobs["a"].problem
    assert jobs["b"].settings is None and not jobs["b"].problem
    assert jobs["c"].settings.spine.neutral_bend_deg == NEUTRAL_BEND_DEG
    assert jobs["c"].settings.advice.screen_hinge_depth_deg == 60.0
    assert all(j.settings is None for j in planned().values())
    (tmp_path / "b" / PROFILE_NAME).write_text("[spine\n")
    jobs = planned(folder_profiles=True)
    assert jobs["b"].settings is None and "profile of its folder cannot be used" in jobs["b"].problem
    assert "not valid TOML" in jobs["b"].problem
    (tmp_path / "b" / PROFILE_NAME).write_text('[pose]\nmodel = "lite"\n')   # the batch has one model
    assert "sets [pose] model, which a personal profile does not hold" in planned(folder_profiles=True)["b"].problem


@pytest.mark.slow
@pytest.mark.model
def test_score_judges_each_folder_from_its_profile(clips, tmp_path):
    """A folder per lifter, each with the profile of the lifter's checked rep: one batch judges each from their
    own zero, a folder without one from most people's; a profile that cannot be used fails its folder's videos
    alone, in one line."""
    inputs, out = tmp_path / "in", tmp_path / "out"
    profiles = {"own": personal_profile_toml("# checked\n", neutral_bend_deg=NEUTRAL_BEND_DEG + 30), "usual": None,
                "broken": "[spine\n"}
    for lifter, profile in profiles.items():
        (inputs / lifter).mkdir(parents=True)
        shutil.copy(clips["rounded_back"], inputs / lifter / "set.mp4")
        if profile is not None:
            (inputs / lifter / PROFILE_NAME).write_text(profile)
    result = runner.invoke(app, ["score", str(inputs), "-o", str(out), "--folder-profiles", "--no-video",
                                 "--no-report", "-j", "1", "-q"])
    assert result.exit_code == 1, result.output
    rows = _summary(out)
    assert rows["own__set"]["verdict"] == "safe"
    assert f"neutral bend of {NEUTRAL_BEND_DEG + 30:.0f}" in rows["own__set"]["warnings"]
    assert float(rows["own__set"]["neutral_bend_deg"]) == NEUTRAL_BEND_DEG + 30      # the zero each was judged from
    assert float(rows["usual__set"]["neutral_bend_deg"]) == NEUTRAL_BEND_DEG
    assert rows["usual__set"]["verdict"] == "rounded_back"
    assert rows["broken__set"]["status"] == "failed"
    assert "profile of its folder cannot be used" in rows["broken__set"]["error"]
    assert "1 video(s) judged from the profile.toml of their folder" in " ".join(result.output.split())


def test_a_profile_sets_only_the_persons_values():
    """What rescore keeps per result is what a profile sets: the two lists cannot drift apart."""
    from liftform.toml_files import tomllib  # tomli on Python 3.10

    doc = tomllib.loads(personal_profile_toml("", neutral_bend_deg=20.0, max_flexion_deg=50.0, hinge_depth_deg=70.0))
    doc.pop("profile")
    assert {(section, key) for section, table in doc.items() for key in table} == set(PERSONAL_KEYS)


@pytest.mark.slow
@pytest.mark.model
def test_rescore_keeps_pose_settings_and_reports_bad_caches(batch, tmp_path):
    _, out = _copy(batch, tmp_path)
    (out / "hip_hinge" / "poses.npz").write_bytes(b"not a zip")
    lite = apply_overrides(Settings(), {"pose": {"model": "lite"}})
    result = rescore(out, lite)
    assert result.pose_ignored == ["rounded_back"] and result.exit_code == 1
    by_name = {r.output: r for r in result.rows}
    assert "landmark cache" in by_name["hip_hinge"].error and "--force" in by_name["hip_hinge"].error
    doc = json.loads((out / "rounded_back" / "result.json").read_text())
    assert doc["settings"]["pose"]["model"] == "full"          # the landmarks were made with it
    assert len(read_summary(out)) == 5


# --- Ray ----------------------------------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.model
def test_ray_engine_writes_the_same_outputs(batch, clips, tmp_path):
    """Run as a user runs it, in a process of its own: in this test process, Ray's forked children (a `preexec_fn`:
    Python before exec) could deadlock freeing what earlier tests' threads held (a PyAV frame converter), and a CI
    run hung in `ray.init` (DESIGN, Ray)."""
    pytest.importorskip("ray")
    inputs, local_out, _ = batch
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "liftform.cli", "score", str(clips["rounded_back"]),
                           str(inputs / "notes.mp4"), "-o", str(out), "--engine", "ray", "-q"],
                          capture_output=True, text=True, timeout=600, cwd=REPO)
    rows = _summary(out)
    assert done.returncode == 1 and rows["notes"]["status"] == "failed", done.stderr
    assert "not a readable video" in rows["notes"]["error"]
    assert str(inputs / "notes.mp4") in rows["notes"]["error"]          # the driver's path, not the task's copy
    ray_doc = json.loads((out / "rounded_back" / "result.json").read_text())
    local_doc = json.loads((local_out / "rounded_back" / "result.json").read_text())
    assert ray_doc["source"]["path"] == str(clips["rounded_back"])
    assert ray_doc["source"]["sha256"] == local_doc["source"]["sha256"]
    assert ray_doc["verdict"] == local_doc["verdict"] == "rounded_back"
    assert ray_doc["reps"] == local_doc["reps"]
    assert (out / "rounded_back" / "annotated.mp4").stat().st_size > 1000
    assert {"frames.csv", "reps.csv", "poses.npz"} <= {p.name for p in (out / "rounded_back").iterdir()}
    assert _summary(out)["rounded_back"]["verdict"] == "rounded_back"


class FakeRay:
    """Stands in for the ``ray`` module: records each ``ray.init`` with the connect limits it was called under."""

    def __init__(self, fails: bool = False) -> None:
        self.inits: list[dict] = []
        self.fails = fails

    def is_initialized(self) -> bool:
        return False

    def init(self, address=None, **kwargs) -> None:
        self.inits.append({"address": address, **{k: os.environ.get(k) for k in ray_engine.CONNECT_LIMITS}})
        if self.fails:
            raise ConnectionError(f"Failed to connect to Ray cluster at {address}")

    def shutdown(self) -> None:
        pass


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]      # nothing listens on it once the socket is closed


def test_an_unreachable_ray_address_fails_at_once_in_one_line_before_ray_is_asked(tmp_path, monkeypatch):
    """Ray itself retried an address nobody answers for minutes (C++ warnings, deaf to SIGTERM)."""
    fake = FakeRay()
    monkeypatch.setattr(ray_engine, "import_ray", lambda: fake)
    monkeypatch.setattr(ray_engine, "_has_ray_client", lambda: True)
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    (tmp_path / "lift.mp4").write_bytes(b"not scored: the cluster is never reached")
    closed = f"127.0.0.1:{_closed_port()}"
    for address, env in ((closed, None), (f"ray://{closed}", None), (None, closed), ("auto", closed)):
        if env:
            monkeypatch.setenv("RAY_ADDRESS", env)
        started = time.monotonic()
        result = runner.invoke(app, ["score", str(tmp_path / "lift.mp4"), "-o", str(tmp_path / "out"),
                                     "--engine", "ray", *(["--address", address] if address else [])])
        assert result.exit_code == 1, result.output
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and f"cannot reach the Ray cluster at {address if env is None else env} " \
            "(connection refused)" in lines[0], result.stderr
        assert "ray://HEAD:10001" in lines[0] and time.monotonic() - started < 10
    assert fake.inits == [] and not (tmp_path / "out").exists()
    monkeypatch.delenv("RAY_ADDRESS")
    with socket.create_server(("127.0.0.1", 0)) as server:          # a port that answers passes the check
        ray_engine.check_reachable(f"127.0.0.1:{server.getsockname()[1]}")
    ray_engine.check_reachable("auto")                               # Ray's own lookup is left to Ray


def test_a_ray_client_address_is_served_by_the_install_the_readme_gives(tmp_path, monkeypatch):
    """README: pip install 'liftform[ray]', then --address ray://HEAD:10001; a plain `ray` has no Ray Client."""
    from liftform.toml_files import tomllib  # tomli on Python 3.10

    extra = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"]["ray"]
    assert any(req.replace(" ", "").startswith("ray[client]") for req in extra), extra
    readme = (REPO / "README.md").read_text()
    assert "pip install 'liftform[ray]'" in readme and "--address ray://" in readme
    fake = FakeRay()
    monkeypatch.setattr(ray_engine, "import_ray", lambda: fake)
    monkeypatch.setattr(ray_engine, "_has_ray_client", lambda: False)     # Ray installed without its client
    (tmp_path / "lift.mp4").write_bytes(b"not scored")
    result = runner.invoke(app, ["score", str(tmp_path / "lift.mp4"), "-o", str(tmp_path / "out"),
                                 "--engine", "ray", "--address", "ray://head-node:10001"])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "needs Ray Client" in lines[0] and "pip install 'liftform[ray]'" in lines[0], lines
    assert fake.inits == [] and not (tmp_path / "out").exists()


def test_an_address_without_the_ray_engine_is_refused_not_ignored(tmp_path):
    (tmp_path / "lift.mp4").write_bytes(b"not scored")
    result = runner.invoke(app, ["score", str(tmp_path / "lift.mp4"), "-o", str(tmp_path / "out"),
                                 "--address", "auto"])                      # --engine local, the default
    assert result.exit_code == 2                                         # bad usage
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "(--address) works with the Ray engine only (--engine ray)" in lines[0], result.stderr
    assert not (tmp_path / "out").exists()


def test_ray_init_on_an_existing_cluster_has_bounded_retries_and_the_environment_is_restored(monkeypatch):
    """A port that answers but is no Ray GCS: Ray's 20 tries of up to 40 s each are cut to one of 5 s."""
    for key in ray_engine.CONNECT_LIMITS:
        monkeypatch.delenv(key, raising=False)
    fake = FakeRay(fails=True)
    with pytest.raises(LiftformError, match="cannot start or reach Ray .*127.0.0.1:6379.*ray://HEAD:10001"):
        ray_engine._start(fake, "127.0.0.1:6379", ExitStack())
    assert fake.inits == [{"address": "127.0.0.1:6379", **ray_engine.CONNECT_LIMITS}]
    fake.fails = False
    ray_engine._start(fake, "127.0.0.1:6379", ExitStack())
    assert len(fake.inits) == 2 and fake.inits[1] == fake.inits[0]
    assert not [key for key in ray_engine.CONNECT_LIMITS if key in os.environ]   # only while connecting
    monkeypatch.setenv("RAY_py_gcs_connect_timeout_s", "60")                     # an operator's own value wins
    ray_engine._start(fake, "127.0.0.1:6379", ExitStack())
    assert fake.inits[2]["RAY_py_gcs_connect_timeout_s"] == "60"


@pytest.mark.slow
@pytest.mark.model
def test_two_runs_on_one_output_folder_are_refused_while_one_runs(batch, tmp_path):
    """A second `score` or `rescore` into an OUT another process is writing gets one clear error, no write;
    the lock goes with the process, so once it has ended (even killed) the folder is usable again."""
    from liftform.errors import OutputError

    inputs, out = _copy(batch, tmp_path)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from liftform.outputs.atomic import folder_lock\n"
         "with folder_lock(sys.argv[1]):\n    print('locked', flush=True); time.sleep(60)", str(out)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        summary_before = (out / "summary.csv").read_bytes()
        with pytest.raises(OutputError, match=rf"another .* \(pid {holder.pid}\) is writing to"):
            score([inputs], out)
        with pytest.raises(OutputError, match="another"):
            rescore(out)
        result = runner.invoke(app, ["rescore", str(out)])
        assert result.exit_code == 1 and "another" in result.output and "Traceback" not in result.output
        assert (out / "summary.csv").read_bytes() == summary_before
    finally:
        holder.kill()
        holder.wait()
    after = rescore(out)                          # killed holder: the lock is gone with it
    assert after.rescored and after.exit_code == 0


def test_rescore_of_a_result_folder_or_of_a_folder_being_scored_says_so(tmp_path):
    """`rescore out/lifter` (one video's result folder) said "no result.json found under out/lifter" though it holds
    one; so did a rescore while a `score` wrote its first results into a new folder, where the lock's message
    belongs. A folder of videos is not left with a lock file (a search would take it for liftform's output)."""

    out = tmp_path / "out"
    _scored_from_own_zero(out, NEUTRAL_BEND_DEG)
    result = runner.invoke(app, ["rescore", str(out / "lifter"), "-q"])
    assert result.exit_code == 1
    assert f"{out / 'lifter'} is one video's result folder; pass its output folder {out}" in \
        " ".join(result.stderr.split())
    scoring = tmp_path / "new"
    scoring.mkdir()
    with folder_lock(scoring, "`liftform score`"):
        with pytest.raises(LiftformError, match="is writing to"):
            rescore(scoring)
    with pytest.raises(LiftformError, match="no result.json found"):          # the score is gone: nothing there
        rescore(scoring)
    videos = tmp_path / "videos"
    videos.mkdir()
    with pytest.raises(LiftformError, match="no result.json found"):
        rescore(videos)
    assert not list(videos.iterdir())


def test_summary_rows_name_each_video_by_its_absolute_path(tmp_path, monkeypatch):
    """summary.csv's `path` was the path as typed, so runs started from different folders mixed relative paths of
    different roots in one summary; rows from `analyze` results were absolute. Now every row's is (messages still
    name the file as typed)."""
    from liftform.batch.jobs import run_job

    (tmp_path / "videos").mkdir()
    monkeypatch.chdir(tmp_path / "videos")
    job = dataclasses.replace(plan_jobs(["lift.mp4"], tmp_path / "out")[0], problem="lift.mp4: its profile is bad")
    spec = JobSpec(Settings(), "pose_landmarker_full.task", "cd" * 32)
    row = run_job(job, spec, tmp_path / "out" / job.output)
    assert row.path == str(tmp_path / "videos" / "lift.mp4") and row.error == "lift.mp4: its profile is bad"
    assert run_job(Job(0, "lift.mp4", "lift", problem="bad"), spec, tmp_path / "out").path == row.path


def test_report_index_writes_only_over_liftform_s_own_results(tmp_path):
    """`report site --index` replaced the user's own site/index.html with "0 videos analysed by liftform" (exit 0),
    and `report OUT/lifter --index` wrote an overview into a result folder. Both are refused in one line; an
    index.html liftform did not write is never replaced; liftform's own is."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<html><title>My site</title></html>\n")
    out = tmp_path / "out"
    _scored_from_own_zero(out, NEUTRAL_BEND_DEG)

    def index(folder: Path) -> str:
        result = runner.invoke(app, ["report", str(folder), "--index"])
        assert "Traceback" not in result.output and len(result.stderr.strip().splitlines()) <= 1, result.output
        return f"{result.exit_code}: " + " ".join((result.stderr or result.stdout).split())

    assert index(site) == f"1: error: {site} holds no liftform results; pass the output folder of `liftform " \
                          "analyze -o OUT` or `liftform score -o OUT`"
    assert (site / "index.html").read_text() == "<html><title>My site</title></html>\n"
    assert index(out / "lifter") == f"1: error: {out / 'lifter'} is one video's result folder; pass its output " \
                                    f"folder {out}"
    assert not (out / "lifter" / "index.html").exists()
    (out / "index.html").write_text("<html><title>My notes</title></html>\n")
    assert index(out).startswith(f"1: error: {out / 'index.html'} was not written by liftform and is left as it was")
    (out / "index.html").unlink()
    assert index(out) == f"0: overview: {out / 'index.html'}"
    assert index(out) == f"0: overview: {out / 'index.html'}"                  # its own: written again


def test_a_rescore_that_changes_only_advice_says_so(tmp_path):
    """A new profile changed every rep's advice ("bend your knees" to "too heavy") and the rescore said "0 verdict(s)
    changed", nothing more: the reps whose verdict or advice moved under the same clip verdict are counted too."""
    track, _ = lift_track("rounded_back", n_reps=2)
    source = SourceInfo("lift.mp4", "ab" * 32, 30.0, len(track), *track.frame_size_wh, float(track.timestamps_s[-1]))
    analysis = analyze_track(track, source, ModelInfo("full", "cd" * 32), Settings())
    assert analysis.verdict == "rounded_back"
    write_outputs(analysis, track, tmp_path / "out" / "lifter", write_video=False)
    screened = tmp_path / "deep.toml"                      # flat to 120 deg in a screen: rounded by the load
    screened.write_text("[advice]\nscreen_hinge_depth_deg = 120.0\n")
    result = runner.invoke(app, ["rescore", str(tmp_path / "out"), "-q", "--config", str(screened)])
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert "0 verdict(s) changed" in said and "1 more with a rep's verdict or advice changed: lifter" in said
    again = runner.invoke(app, ["rescore", str(tmp_path / "out"), "-q", "--config", str(screened)])
    assert "more with a rep's verdict or advice changed" not in again.output        # nothing moved this time


def test_the_printed_settings_edited_for_a_threshold_keep_each_lifters_own_zero(tmp_path):
    """README: `liftform config` prints the settings "ready to edit and pass with --config". A clinic did so to
    change one threshold, then `rescore OUT --config clinic.toml`: the printout set [spine] neutral_bend_deg = 6.0
    (and the range and hinge depth at 0), so every client judged from their own zero was put back on most people's
    without a word. The person's values are printed commented out; a file that does set one still shows it."""
    own_zero = NEUTRAL_BEND_DEG + 25.0
    out = tmp_path / "out"
    result_json = _scored_from_own_zero(out, own_zero)
    printed = runner.invoke(app, ["config"])
    assert printed.exit_code == 0
    clinic = tmp_path / "clinic.toml"
    clinic.write_text(printed.stdout.replace("min_rounded_s = 0.15", "min_rounded_s = 0.3"))
    assert runner.invoke(app, ["config", str(clinic)]).exit_code == 0       # still a valid settings file
    result = runner.invoke(app, ["rescore", str(out), "-q", "--config", str(clinic)])
    assert result.exit_code == 0, result.output
    doc = json.loads(result_json.read_text())
    assert doc["settings"]["verdict"]["min_rounded_s"] == 0.3
    assert doc["settings"]["spine"]["neutral_bend_deg"] == own_zero and doc["verdict"] == "safe"
    zero = tmp_path / "zero.toml"
    zero.write_text("[spine]\nneutral_bend_deg = 10.0\n")
    assert "\nneutral_bend_deg = 10.0" in runner.invoke(app, ["config", str(zero)]).stdout


def test_a_workers_second_sigterm_does_not_cut_short_the_removal_of_its_temporary_file(tmp_path):
    """A worker gets more than one SIGTERM when its driver is killed outright (the parent-death signal, once for each
    of the driver's threads as they die) or stopped by a SIGTERM sent to the whole process group. Each had raised
    SystemExit again inside the unwinding of the first: landing in `atomic_path`'s removal of its temporary file, it
    left a half-written ``.result.*.tmp.json`` in OUT (seen as a flaky kill -9 test on a loaded 2-core machine). A
    worker's own handler, in a process of its own; the second SIGTERM sent as the temporary file is removed."""
    script = tmp_path / "worker.py"
    script.write_text(
        "import os, signal, sys, time\n"
        "from pathlib import Path\n"
        "from liftform.batch.local import _terminate\n"
        "from liftform.outputs.atomic import atomic_path\n"
        "signal.signal(signal.SIGTERM, _terminate)\n"
        "unlink = os.unlink\n"
        "def unlink_as_a_second_sigterm_comes(path, *args, **kwargs):\n"
        "    os.kill(os.getpid(), signal.SIGTERM)\n"
        "    return unlink(path, *args, **kwargs)\n"
        "os.unlink = unlink_as_a_second_sigterm_comes\n"
        "with atomic_path(Path(sys.argv[1]) / 'result.json'):\n"
        "    os.kill(os.getpid(), signal.SIGTERM)\n"   # the first: stopped half way through writing its result
        "    time.sleep(5)\n"
        "print('went on after its SIGTERM')\n")
    out = tmp_path / "out"
    out.mkdir()
    done = subprocess.run([sys.executable, str(script), str(out)], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.returncode == 143 and "went on" not in done.stdout, (done.stdout, done.stderr)
    assert os.listdir(out) == [], done.stderr
    assert "Traceback" not in done.stderr, done.stderr


def test_a_workers_sigterm_inside_a_del_ends_it_at_once_without_a_traceback(tmp_path):
    """A batch worker stopped by its driver (Ctrl-C, a time limit) whose SIGTERM lands inside an object's __del__
    (MediaPipe's landmarker, freed at any point): Python had swallowed the exit and printed "Exception ignored in
    <function PoseLandmarker.__del__> ... Traceback" under the batch's "interrupted" line, the worker going on until
    killed seconds later. A worker's own handler, in a process of its own."""
    script = tmp_path / "worker.py"
    script.write_text(
        "import os, signal, time\n"
        "from liftform.batch.local import _terminate\n"
        "signal.signal(signal.SIGTERM, _terminate)\n"
        "class Landmarker:\n"
        "    def __del__(self):\n"
        "        os.kill(os.getpid(), signal.SIGTERM)\n"
        "        time.sleep(0.5)\n"           # the handler runs here, inside __del__
        "Landmarker()\n"
        "time.sleep(0.5)\n"
        "print('went on after its SIGTERM')\n")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.returncode == 143 and "went on" not in done.stdout, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr, done.stderr


def test_summary_csv_says_what_the_counts_do_not_a_safe_video_reaching_down_rounded():
    """An ergonomist's spreadsheet read a worker who reached down rounded before every flat lift as "safe, 0 flagged"
    with nothing else: that finding was only in index.html and summary_reps.csv. summary.csv carries the clip's
    summary sentence, as result.json and index.html give it."""
    from test_outputs import synthetic_analysis

    from liftform.batch.summary import row_from_analysis, summary_csv_text
    from liftform.outputs.result_json import clip_summary

    analysis = synthetic_analysis()
    flat_after_rounded_reach = dataclasses.replace(analysis.verdicts[0], verdict="hip_hinge",
                                                   faults=("rounded_reach_down",))
    safe = dataclasses.replace(analysis, verdicts=(flat_after_rounded_reach,))
    row = row_from_analysis(safe, "w.mp4", "w")
    assert (row.verdict, row.flagged_reps) == ("safe", 0)
    cell = next(csv.DictReader(summary_csv_text([row]).splitlines()))["summary"]
    assert cell == clip_summary(safe) and "reached down with a rounded back" in cell, cell


def test_summary_csv_lists_split_back_into_their_items_and_its_numbers_are_the_jsons():
    """A dashboard split summary.csv's warnings on "; ": liftform's own "partly out of the picture ...; keep the whole
    body in view" came back as two warnings. A 3.4-hour shift's duration read 12345.7 there, 12345.678 in
    summary.json."""
    from test_outputs import synthetic_analysis

    from liftform.batch.summary import LIST_SEPARATOR, row_from_analysis, summary_csv_text

    warnings = ["the lifter was partly out of the picture (the feet): MediaPipe guessed where; keep the whole body "
                "in view", "low light"]
    row = row_from_analysis(synthetic_analysis(), "w.mp4", "w")
    row.warnings, row.duration_s, row.same_video_as = warnings, 12345.678, ["w; again", "w2"]
    cells = next(csv.DictReader(summary_csv_text([row]).splitlines()))
    assert cells["warnings"].split(LIST_SEPARATOR) == warnings
    assert cells["same_video_as"].split(LIST_SEPARATOR) == ["w; again", "w2"]
    assert cells["duration_s"] == "12345.678" and float(cells["peak_spine_flexion_deg"]) == row.peak_spine_flexion_deg


def test_analyze_into_a_folder_a_score_is_writing_is_refused_and_a_score_is_told_an_analyze_holds_it(tmp_path):
    """A tester added one clip with `analyze -o OUT` while an overnight `score` ran into OUT: the clip was in
    index.html but not in summary.csv, the batch's next summary written over its row, "complete". Into a batch's
    folder (it has a summary) `analyze` holds the lock a batch holds: refused in one line while a batch runs, and a
    batch refused while it runs is told which command holds the folder."""
    from liftform.batch.summary import write_summary

    out = tmp_path / "out"
    out.mkdir()
    write_summary(out, [], complete=True)
    video = tmp_path / "clip.mp4"
    video.write_bytes(b"not decoded: refused before")
    with folder_lock(out, "`liftform score`"):
        result = runner.invoke(app, ["analyze", str(video), "-o", str(out), "--no-video", "--no-report", "-q"])
    said = " ".join(result.stderr.split())
    assert result.exit_code == 1 and "another `liftform score` run (pid" in said and "is writing to" in said, said
    assert "Traceback" not in result.output and not (out / "clip").exists()
    held = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from liftform.outputs.atomic import folder_lock\n"
         "with folder_lock(sys.argv[1], '`liftform analyze`'):\n    print('locked', flush=True); time.sleep(60)",
         str(out)], stdout=subprocess.PIPE, text=True)
    try:
        assert held.stdout.readline().strip() == "locked"
        with pytest.raises(LiftformError, match=rf"another `liftform analyze` run \(pid {held.pid}\)"):
            rescore(out)
    finally:
        held.kill()
        held.wait()


def test_a_failed_row_leaves_the_summary_once_its_video_is_gone_and_stays_while_it_is_there(tmp_path):
    """A tester moved two broken files out of a study after its first batch: every later `score` and `rescore` kept
    their "failed" rows (counts "failed: 4" under "2 failed"), where a deleted video's result folder loses its row.
    A failed row stays while its video is there, if only as a dangling link (still a broken input of the study)."""
    from liftform.batch.summary import earlier_rows, failed_row, write_summary

    out = tmp_path / "out"
    out.mkdir()
    kept, moved = tmp_path / "broken.mp4", tmp_path / "moved.mp4"
    kept.write_bytes(b"")
    dangling = tmp_path / "link.mp4"
    dangling.symlink_to(tmp_path / "nowhere.mp4")
    write_summary(out, [failed_row(str(path), path.stem, f"{path} is not a readable video")
                        for path in (kept, moved, dangling)], complete=True)
    assert [row.output for row in earlier_rows(out)] == ["broken", "link"]


def test_a_weekly_run_with_folder_profiles_does_not_call_earlier_patients_weeks_judged_otherwise(tmp_path):
    """A clinic scoring each week with --folder-profiles was told every week that the other patients' earlier weeks
    "were judged under other settings (another --config, pose model or ... version)": their own profiles were the
    only difference. A video judged from the profile beside it now is judged as this run would judge it."""
    from liftform.batch.runner import judged_otherwise
    from liftform.batch.summary import SummaryRow
    from liftform.personal import folder_profile

    week1 = tmp_path / "P01" / "week1" / "lift.mp4"
    week1.parent.mkdir(parents=True)
    week1.write_bytes(b"a video")
    profile = personal_profile_toml("# checked\n", neutral_bend_deg=NEUTRAL_BEND_DEG + 9)
    (week1.parent / PROFILE_NAME).write_text(profile)
    spec = JobSpec(Settings(), "full.task", "0" * 64)
    own = dataclasses.replace(spec, settings=folder_profile(week1, spec.settings)[0]).fingerprint
    earlier = [SummaryRow(str(week1), "P01__week1__lift", settings_fingerprint=own),
               SummaryRow(str(tmp_path / "P02" / "lift.mp4"), "P02__lift", settings_fingerprint="f" * 16)]
    assert own != spec.fingerprint
    assert judged_otherwise(earlier, [], spec, folder_profiles=True) == ["P02__lift"]
    assert judged_otherwise(earlier, [], spec) == ["P01__week1__lift", "P02__lift"]
