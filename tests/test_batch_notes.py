"""What a batch tells a researcher: one video file under two names or in two folders (a participant's clip copied
twice) is scored and listed on its own, and the summary, the terminal and the overview say they are one file; a failed
video's line and row name it once; a -j more than the machine runs well says so."""

from __future__ import annotations

import csv
import dataclasses
import json
import re
import shutil
from pathlib import Path

import pytest
from synthetic_tracks import lift_track
from test_batch import clips  # noqa: F401  (the session's trimmed sample clips, for the slow test)
from test_outputs import synthetic_analysis
from typer.testing import CliRunner

from liftform.analysis import ModelInfo, SourceInfo
from liftform.batch import local
from liftform.batch import runner as batch_runner
from liftform.batch.jobs import JobSpec
from liftform.batch.summary import failed_row, row_from_analysis
from liftform.cli import app
from liftform.hashing import sha256_file
from liftform.outputs import write_outputs
from liftform.pipeline import analyze_track
from liftform.settings import Settings

runner = CliRunner()


def _result(out: Path, name: str, video: Path) -> None:
    """OUT/name: a result of two flat hinges (no pose model) recording ``video`` and its file's SHA-256."""
    track, _ = lift_track("hip_hinge", n_reps=2)
    source = SourceInfo(str(video), sha256_file(video), 30.0, len(track), *track.frame_size_wh,
                        float(track.timestamps_s[-1]))
    write_outputs(analyze_track(track, source, ModelInfo("full", "cd" * 32), Settings()), track, out / name,
                  write_video=False)


def _folder_of_copies(tmp_path: Path) -> Path:
    """Results of in/A/lift.mp4, its copies in/A/lift_copy.mp4 and in/B/lift.mp4, and another video in/A/other.mp4."""
    for video in ("A/lift.mp4", "A/lift_copy.mp4", "B/lift.mp4"):
        (tmp_path / "in" / video).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "in" / video).write_bytes(b"the same bytes")
    (tmp_path / "in" / "A" / "other.mp4").write_bytes(b"other bytes")
    out = tmp_path / "out"
    for name, video in (("A__lift", "A/lift.mp4"), ("lift_copy", "A/lift_copy.mp4"), ("B__lift", "B/lift.mp4"),
                        ("other", "A/other.mp4")):
        _result(out, name, tmp_path / "in" / video)
    return out


def test_a_video_scored_under_two_names_is_named_a_copy_in_the_summary_the_terminal_and_the_overview(tmp_path):
    """The same file in two folders and under a second name was three rows with nothing to tell them one video: a study
    counted one participant's lift three times. Each row keeps its own result and names the others; the terminal and
    index.html say so, a video of other content is not named."""
    out = _folder_of_copies(tmp_path)
    result = runner.invoke(app, ["rescore", str(out), "-q"])
    assert result.exit_code == 0, result.output
    with open(out / "summary.csv", newline="") as fh:
        rows = {row["output"]: row for row in csv.DictReader(fh)}
    assert {name: row["same_video_as"] for name, row in rows.items()} == {
        "A__lift": "B__lift | lift_copy", "B__lift": "A__lift | lift_copy", "lift_copy": "A__lift | B__lift",
        "other": ""}
    assert {v["output"]: v["same_video_as"] for v in json.loads((out / "summary.json").read_text())["videos"]} == {
        "A__lift": ["B__lift", "lift_copy"], "B__lift": ["A__lift", "lift_copy"], "lift_copy": ["A__lift", "B__lift"],
        "other": []}
    assert rows["A__lift"]["source_sha256"] == sha256_file(tmp_path / "in" / "A" / "lift.mp4")
    assert all(row["verdict"] == "safe" for row in rows.values())        # each copy keeps its own verdict
    said = " ".join(result.output.split())
    assert ("note: 3 video(s) are one file with another video of the folder, under another name or in another "
            "folder (the same SHA-256), each scored and listed on its own: A__lift = B__lift = lift_copy; in a study "
            "count each lift once") in said
    assert "same video as" in said and "other = " not in said
    assert runner.invoke(app, ["report", str(out), "--index"]).exit_code == 0
    html = (out / "index.html").read_text()
    header = " ".join(re.sub(r"<[^>]+>", "", html.split('<p class="sub">')[1].split("</p>")[0]).split())
    assert "· 3 share their video file with another (each row names the others) ·" in header
    body = {re.search(r'<span class="small">([^<]+)</span>', row)[1]: row
            for row in html.split("<tbody>")[1].split("</tbody>")[0].split("<tr>")[1:]}
    assert "The same video file as A__lift/, lift_copy/ (the same SHA-256): count its lifts once." in body["B__lift/"]
    assert "The same video file" not in body["other/"]


def _stand_in_engine(monkeypatch) -> None:
    """`score` without the pose model: each video's row as a worker's would be, from a made-up analysis of it (its
    file's SHA-256, the run's settings fingerprint)."""
    def engine(jobs, spec, out_root, on_row, **kwargs):
        for job in jobs:
            analysis = synthetic_analysis(source_path=job.summary_path)
            analysis = dataclasses.replace(analysis, source=dataclasses.replace(analysis.source,
                                                                                sha256=sha256_file(job.path)))
            (Path(out_root) / job.output).mkdir(exist_ok=True)     # what finds a video's folder again: its source
            (Path(out_root) / job.output / "result.json").write_text(json.dumps(
                {"source": {"path": job.summary_path, "sha256": analysis.source.sha256}}))
            row = row_from_analysis(analysis, job.summary_path, job.output)
            on_row(job, dataclasses.replace(row, settings_fingerprint=spec.fingerprint))

    monkeypatch.setattr(batch_runner, "make_spec", lambda settings, **kw: JobSpec(settings, "model.task", "0" * 64))
    monkeypatch.setattr(local, "run_local", engine)


def test_a_copy_scored_in_a_later_run_is_named_beside_the_earlier_video_in_the_summary_and_the_terminal(
        tmp_path, monkeypatch):
    """The terminal's table is of this run's videos: a copy of a video scored into the folder before is named too."""
    _stand_in_engine(monkeypatch)
    for name in ("a.mp4", "b.mp4"):
        (tmp_path / name).write_bytes(b"one video")
    out = tmp_path / "out"
    assert runner.invoke(app, ["score", str(tmp_path / "a.mp4"), "-o", str(out), "--no-report"]).exit_code == 0
    result = runner.invoke(app, ["score", str(tmp_path / "b.mp4"), "-o", str(out), "--no-report"])
    doc = json.loads((out / "summary.json").read_text())
    assert {v["output"]: v["same_video_as"] for v in doc["videos"]} == {"a": ["b"], "b": ["a"]}
    assert "each scored and listed on its own: a = b;" in " ".join(result.stdout.split())


def test_a_run_under_new_settings_says_how_many_videos_of_the_folder_it_left_judged_under_others(tmp_path,
                                                                                                   monkeypatch):
    """`score in/b -o out --config strict.toml` into a folder scored before with the defaults: the summary mixed the
    two thresholds, said only by a per-row fingerprint. One line says how many it left judged otherwise; none once
    every video of the folder is judged under this run's settings."""
    _stand_in_engine(monkeypatch)
    (tmp_path / "a.mp4").write_bytes(b"video a")
    (tmp_path / "b.mp4").write_bytes(b"video b")
    (tmp_path / "strict.toml").write_text("[verdict]\nrounded_back_spine_deg = 5\n")
    out = tmp_path / "out"

    def run(*videos: str, config: bool = True) -> str:
        given = ["--config", str(tmp_path / "strict.toml")] if config else []
        result = runner.invoke(app, ["score", *(str(tmp_path / v) for v in videos), "-o", str(out), "--no-report",
                                     *given])
        assert result.exit_code == 0, result.output
        return " ".join(result.stdout.split())

    assert "judged under other settings" not in run("a.mp4", config=False)
    assert (f"note: 1 video(s) scored into {out} before, not in this run, were judged under other settings "
            "(another --config, pose model or liftform or mediapipe version): its summary mixes the two"
            ) in run("b.mp4")
    assert "judged under other settings" not in run("a.mp4", "b.mp4")


def test_a_failed_video_is_named_once_in_its_line_and_in_the_table(tmp_path, monkeypatch):
    """"failed: /abs/in/x.mp4: in/x.mp4 is not a readable video ..." said the path twice, and the table's note spent
    its width on it; a reason that does not name the video still gets its path."""
    def engine(jobs, spec, out_root, on_row, **kwargs):
        for job in jobs:
            why = (f"{job.path} is not a readable video (Invalid data)" if "broken" in job.path else
                   "out of memory while scoring this video; run with fewer --workers")
            on_row(job, failed_row(job.summary_path, job.output, why))

    monkeypatch.setattr(batch_runner, "make_spec", lambda settings, **kw: JobSpec(settings, "model.task", "0" * 64))
    monkeypatch.setattr(local, "run_local", engine)
    monkeypatch.chdir(tmp_path)
    Path("in").mkdir()
    Path("in/broken.mp4").write_bytes(b"x")
    Path("in/big.mp4").write_bytes(b"y")
    result = runner.invoke(app, ["score", "in", "-o", "out", "--no-report"])
    assert result.exit_code == 1
    lines = sorted(line.split("] ", 1)[1] for line in result.stderr.splitlines() if "] failed:" in line)
    assert lines == [f"failed: {tmp_path / 'in' / 'big.mp4'}: out of memory while scoring this video; run with "
                     "fewer --workers",
                     "failed: in/broken.mp4 is not a readable video (Invalid data)"]
    broken = next(line for line in result.stdout.splitlines() if line.startswith("│ broken "))
    assert broken.split("│")[-2].strip().startswith("is not a readable"), result.stdout
    assert "in/broken.mp4" not in result.stdout


def test_a_failed_rows_reason_is_its_error_without_the_video_s_path_in_front(tmp_path, monkeypatch):
    """The video's path as the user gave it (from the folder the command runs in), in front of the error, is left
    out; a path that is not the video's, or the name elsewhere in the error, is kept."""
    video = tmp_path / "in" / "a b.mp4"
    video.parent.mkdir()
    (tmp_path / "out").mkdir()
    monkeypatch.chdir(tmp_path)
    for error, reason in ((f"{video} is empty (0 bytes); copy it again", "is empty (0 bytes); copy it again"),
                          ("in/a b.mp4 is not a readable video (x)", "is not a readable video (x)"),
                          (f"{video}: the video has no frames", "the video has no frames"),
                          ("internal error (ValueError: a b.mp4)", "internal error (ValueError: a b.mp4)"),
                          (f"{video}x is odd", f"{video}x is odd"), ("out/a b.mp4 is odd", "out/a b.mp4 is odd")):
        assert failed_row(str(video), "a", error).reason == reason
    monkeypatch.chdir(tmp_path / "out")
    for error, reason in (("../in/a b.mp4 is odd", "is odd"), ("a b.mp4 is odd", "a b.mp4 is odd")):
        assert failed_row(str(video), "a", error).reason == reason


@pytest.mark.slow
@pytest.mark.model
def test_a_clip_copied_into_two_folders_is_scored_alike_twice_and_named_a_copy(clips, tmp_path):  # noqa: F811
    """Scored by the pose model: both copies get the same result (one thread a video: the same landmarks), and each
    names the other in summary.csv and the terminal."""
    for folder in ("S01", "S01_again"):
        (tmp_path / "in" / folder).mkdir(parents=True)
        shutil.copy(clips["hip_hinge"], tmp_path / "in" / folder / "lift.mp4")
    out = tmp_path / "out"
    result = runner.invoke(app, ["score", str(tmp_path / "in"), "-o", str(out), "-j", "1", "--no-video",
                                 "--no-report"])
    assert result.exit_code == 0, result.output
    with open(out / "summary.csv", newline="") as fh:
        rows = {row["output"]: row for row in csv.DictReader(fh)}
    assert {name: row["same_video_as"] for name, row in rows.items()} == {"S01__lift": "S01_again__lift",
                                                                       "S01_again__lift": "S01__lift"}
    assert (out / "S01__lift" / "frames.csv").read_bytes() == (out / "S01_again__lift" / "frames.csv").read_bytes()
    assert "S01__lift = S01_again__lift" in " ".join(result.output.split())


@pytest.mark.parametrize(("workers", "cpus", "free_mb", "said"), [
    (4, 2, 20_000, "note: -j 4: 4 workers on 2 CPU(s) take turns on them, so the batch is no faster than with -j 2"),
    (2, 2, 20_000, ""),
    (2, 2, 1_500, "note: -j 2: 2 workers may need up to 2 GB of memory and 1.5 GB is free"),
])
def test_more_workers_than_the_machine_runs_well_are_run_with_a_note(workers, cpus, free_mb, said, tmp_path,
                                                                   monkeypatch):
    """`score -j 8` on 2 CPUs ran slower than the default without a word (each worker its own pose model, taking
    turns on the CPUs, none pinned): it still runs as asked, and one line says why it is no faster."""
    def engine(jobs, spec, out_root, on_row, **kwargs):
        for job in jobs:
            on_row(job, failed_row(job.summary_path, job.output, "not scored: a stand-in engine"))

    monkeypatch.setattr(batch_runner, "make_spec", lambda settings, **kw: JobSpec(settings, "model.task", "0" * 64))
    monkeypatch.setattr(local, "run_local", engine)
    monkeypatch.setattr(local, "usable_cpu_count", lambda: cpus)
    monkeypatch.setattr(local, "available_memory_mb", lambda: free_mb)
    (tmp_path / "a.mp4").write_bytes(b"x")
    result = runner.invoke(app, ["score", str(tmp_path / "a.mp4"), "-o", str(tmp_path / "out"), "-j", str(workers),
                                 "--no-report"])
    notes = [line for line in result.stderr.splitlines() if line.startswith("note: -j")]
    if said:
        assert len(notes) == 1 and notes[0].startswith(said), result.stderr
    else:
        assert notes == [], result.stderr


def test_an_engine_that_never_starts_leaves_no_output_folder_behind(tmp_path, monkeypatch):
    """`score --engine ray --address auto` with no cluster left OUT holding a lock and a summary of nothing
    ("complete": false, every count 0); with a folder that was there already, nothing of the run is left in it."""
    from liftform.errors import ConfigError

    def engine(jobs, spec, out_root, on_row, **kwargs):
        raise ConfigError("cannot start or reach Ray (auto): Could not find any running Ray instance; check ...")

    monkeypatch.setattr(batch_runner, "make_spec", lambda settings, **kw: JobSpec(settings, "model.task", "0" * 64))
    monkeypatch.setattr(local, "run_local", engine)
    monkeypatch.chdir(tmp_path)
    Path("in").mkdir()
    Path("in/lift.mp4").write_bytes(b"x")
    for out in ("new/out", "there"):
        Path("there").mkdir(exist_ok=True)
        result = runner.invoke(app, ["score", "in", "-o", out, "--no-report"])
        assert result.exit_code == 1 and "cannot start or reach Ray" in result.stderr, result.output
        left = {p.name for p in Path(out).iterdir()} if Path(out).exists() else set()
        assert not Path("new").exists() and left <= {".liftform.lock"}, (out, left)   # a lock stays where it was
