"""Where results go and what keeps them: one folder per video, never a different video's, never one of liftform's
own outputs taken as an input, and an earlier complete result kept until the new one is complete. No pose model:
the analyses are made from synthetic tracks."""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from synthetic_tracks import lift_track
from typer.testing import CliRunner

from liftform.analysis import ModelInfo, SourceInfo
from liftform.batch import local, score
from liftform.batch import runner as batch_runner
from liftform.batch.inputs import expand_inputs, output_names, unique_inputs
from liftform.batch.jobs import JobSpec
from liftform.batch.summary import failed_row, read_summary, row_from_analysis
from liftform.cli import app
from liftform.cli.common import BatchBar
from liftform.outputs import write_result_files
from liftform.outputs.layout import result_folders
from liftform.outputs.staging import recover_folder, replacing_folder
from liftform.people import PeopleFound
from liftform.pipeline import analyze_track, save_result
from liftform.settings import Settings

runner = CliRunner()
MODEL_SHA256 = "0" * 64     # the pose model these analyses were "made" with


def _analysis(video: Path, kind: str = "rounded_back"):
    """The analysis of a rendered-by-numbers lift (no model), as if made from ``video``: (analysis, track)."""
    track, _ = lift_track(kind, n_reps=1)
    digest = hashlib.sha256(video.read_bytes()).hexdigest() if video.is_file() else "ab" * 32
    source = SourceInfo(str(video.absolute()), digest, 30.0, len(track), *track.frame_size_wh,
                        float(track.timestamps_s[-1]))
    return analyze_track(track, source, ModelInfo("full", MODEL_SHA256), Settings()), track


def _contents(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# --- inputs -------------------------------------------------------------------------------------------------

def test_analyze_takes_a_file_named_twice_once(tmp_path, monkeypatch):
    """`analyze X X` (or X by two spellings of its path) analyses X once, as `score` does, not twice into one oddly
    named folder. A file that is not a video fails at once, before any model is looked for: one error line."""
    (tmp_path / "sub").mkdir()
    notes = tmp_path / "notes.mp4"
    notes.write_text("not a video\n")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["analyze", "notes.mp4", str(notes), "sub/../notes.mp4", "-o", "out", "-q"])
    assert result.exit_code == 1
    assert result.output.count("is not a readable video") == 1, result.output
    assert unique_inputs(["notes.mp4", notes, Path("sub/../notes.mp4"), "other.mp4", "./other.mp4"]) == \
        [Path("notes.mp4"), Path("other.mp4")]


@pytest.mark.parametrize("command", ["analyze", "score"])
def test_a_video_where_its_result_folder_writes_its_own_files_is_refused_not_written_over(tmp_path, monkeypatch,
                                                                                         command):
    """A patient's video at OUT/annotated/annotated.mp4, analysed into OUT, had been replaced by its own drawing
    (exit 0, the original lost). It is refused before the pose stage, the file as it was; a video elsewhere in its
    folder is kept as any other file there is."""
    from video_files import write_h264

    video = tmp_path / "out" / "annotated" / "annotated.mp4"
    video.parent.mkdir(parents=True)
    write_h264(video, [np.zeros((64, 64, 3), np.uint8)] * 3)
    before = video.read_bytes()
    monkeypatch.chdir(tmp_path)
    # `score` without the pose model: the driver's model stands in, the worker's check comes before its pose stage
    monkeypatch.setattr(batch_runner, "make_spec", lambda settings, **kw: JobSpec(settings, "model.task", MODEL_SHA256))
    result = runner.invoke(app, [command, "out/annotated/annotated.mp4", "-o", "out", "-q", "-j", "1"][
        :None if command == "score" else -2])
    assert result.exit_code == 1, result.output
    assert "would be written over: move the video, or give another output folder" in " ".join(result.output.split())
    assert video.read_bytes() == before


def test_a_folder_search_skips_liftform_s_own_outputs(tmp_path, monkeypatch):
    """`liftform score . -o results` after `liftform analyze clip.mp4` (into ./liftform-out) and an earlier batch
    into ./old-batch: their annotated videos and clips are not lifts (in a result folder, or drawn in a batch's
    output folder by a run that crashed before its result.json). A file named as such is still taken, and so is a
    user's video that lies in a batch's output folder."""
    def touch(rel: str) -> Path:
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"")
        return path

    touch("lifts/a.mp4")
    touch("lifts/deep/b.mov")
    for rel in ("liftform-out/clip/result.json", "liftform-out/clip/annotated.mp4", "liftform-out/clip/clips/rep-1.mp4",
                "liftform-out/live-20240101-120000/result.json", "liftform-out/live-20240101-120000/extra.mp4",
                "old-batch/summary.csv", "old-batch/summary.json", "old-batch/loose.mp4", "old-batch/v/annotated.mp4"):
        touch(rel)
    monkeypatch.chdir(tmp_path)
    want = [Path("lifts/a.mp4"), Path("lifts/deep/b.mov"), Path("old-batch/loose.mp4")]   # a user's, in old-batch
    assert expand_inputs(["."], exclude="results") == want
    assert expand_inputs(["**/*.mp4", "**/*.mov"], exclude="results") == [want[0], want[2], want[1]]
    assert expand_inputs(["liftform-out"]) == []
    named = Path("liftform-out/clip/annotated.mp4")
    assert expand_inputs([named, "lifts"]) == [named, *want[:2]]


def test_videos_inside_the_output_folder_are_scored_unless_liftform_drew_them(tmp_path, monkeypatch):
    """`cd proj && liftform score videos -o .` said "no video to score", and so did a file named explicitly inside
    the output folder: everything in it was left out. Now only what liftform wrote there is (its result folders,
    the videos it draws), also once the folder holds a batch's summary."""
    from liftform.batch.runner import plan_jobs

    def touch(rel: str) -> Path:
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"")
        return path

    video = touch("videos/rb3.mp4")
    for rel in ("rb3/result.json", "rb3/annotated.mp4", "rb3/clips/rep-1.mp4", "half/annotated.mp4",
                "half/clips/rep-1.mp4", "summary.json", "summary.csv"):
        touch(rel)
    monkeypatch.chdir(tmp_path)
    want = [Path("videos/rb3.mp4")]
    assert expand_inputs(["videos"], exclude=".") == want
    assert expand_inputs(["."], exclude=".") == want
    assert expand_inputs(["**/*.mp4"], exclude=".") == want
    assert expand_inputs([video], exclude=tmp_path) == [video]                    # named: always taken
    assert [job.path for job in plan_jobs(["videos"], ".")] == ["videos/rb3.mp4"]
    # searched for another run (`score . -o elsewhere`): the batch's drawings are left out, the user's video not
    # (the whole folder was skipped once it held a batch's summary or lock, and "no video to score" said)
    assert expand_inputs(["."], exclude="elsewhere") == want
    assert expand_inputs(["**/*.mp4"], exclude="elsewhere") == want


def test_a_folder_search_follows_symlinked_folders_once(tmp_path):
    """A symlinked subfolder was skipped when a folder was searched (a glob followed it). Now it is searched, a link
    back up the tree is no endless loop, and a file reached two ways is taken once."""
    lifts = tmp_path / "lifts"
    (tmp_path / "elsewhere" / "day2").mkdir(parents=True)
    (tmp_path / "elsewhere" / "day2" / "b.mp4").write_bytes(b"")
    lifts.mkdir()
    (lifts / "a.mp4").write_bytes(b"")
    (lifts / "day2").symlink_to(tmp_path / "elsewhere" / "day2", target_is_directory=True)
    (lifts / "again").symlink_to(tmp_path / "elsewhere" / "day2", target_is_directory=True)
    (lifts / "loop").symlink_to(lifts, target_is_directory=True)
    found = expand_inputs([lifts])
    assert [p.relative_to(lifts).as_posix() for p in found] == ["a.mp4", "again/b.mp4"]    # the first way, by name


def test_a_video_in_the_searched_folder_is_named_by_where_it_lies_not_by_a_link_to_its_folder(tmp_path):
    """A study's folder with a link to a subject's folder that sorts before it (``by_day/monday`` to ``s01``): the
    subject's videos had been listed through the link, the summary's path and the output folder naming ``monday`` as
    their folder (``monday__lift``)."""
    study = tmp_path / "study"
    for subject in ("s01", "s02"):
        (study / subject).mkdir(parents=True)
        (study / subject / "lift.mp4").write_bytes(b"")
    (study / "by_day").mkdir()
    (study / "by_day" / "monday").symlink_to(study / "s01", target_is_directory=True)
    found = expand_inputs([study])
    assert [p.relative_to(study).as_posix() for p in found] == ["s01/lift.mp4", "s02/lift.mp4"]
    assert output_names(found, tmp_path / "out") == ["s01__lift", "s02__lift"]


# --- an earlier result is kept until the new one is complete --------------------------------------------------

@pytest.mark.parametrize("stop_in", ["liftform.outputs.write_result_json", "liftform.report.write_report",
                                     "liftform.outputs.mark_blurred"])
def test_an_interrupted_rewrite_keeps_the_earlier_complete_result(tmp_path, monkeypatch, stop_in):
    """Ctrl-C (or a batch worker's SIGTERM) while a re-run writes its outputs: the data written, result.json being
    written, the report, the faces mark. The earlier result stays whole (it lost result.json, report.html, the
    annotated video and the clips), with the user's own file in it, and nothing of the run is left."""
    out = tmp_path / "out"
    video = tmp_path / "lift.mp4"
    save_result(*_analysis(video), out / "lift", write_video=False)
    (out / "lift" / "my notes.txt").write_text("coach: check rep 1\n")
    before = _contents(out / "lift")
    assert {"result.json", "report.html", "frames.csv", "poses.npz"} <= set(before)

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(stop_in, interrupt)
        with pytest.raises(KeyboardInterrupt):
            save_result(*_analysis(video, "hip_hinge"), out / "lift", write_video=False)
    assert _contents(out / "lift") == before
    assert [p.name for p in out.iterdir()] == ["lift"]

    save_result(*_analysis(video, "hip_hinge"), out / "lift", write_video=False)     # not interrupted: replaced
    assert json.loads((out / "lift" / "result.json").read_text())["verdict"] == "safe"
    assert (out / "lift" / "my notes.txt").read_text() == "coach: check rep 1\n"
    assert [p.name for p in out.iterdir()] == ["lift"]


def test_what_a_kill_mid_swap_leaves_is_put_right_by_the_next_write(tmp_path):
    """SIGKILL can fall between the swap's two renames: the old result moved aside, the new one not yet in place
    (the old one goes back), or in place with the old one not yet removed (the user's file in it is moved over).
    Neither hidden folder is taken for a result meanwhile."""
    out = tmp_path / "out"
    video = tmp_path / "lift.mp4"
    save_result(*_analysis(video), out / "lift", write_video=False, report=False)
    (out / "lift" / "notes.txt").write_text("mine\n")
    old = _contents(out / "lift")
    (out / "lift").rename(out / ".lift.0123abcd.old")
    save_result(*_analysis(video, "hip_hinge"), out / ".lift.89abcdef.new", write_video=False, report=False)
    save_result(*_analysis(video), out / "lifted", write_video=False, report=False)
    assert [f.name for f in result_folders(out)] == ["lifted"]
    recover_folder(out / "lift")
    assert _contents(out / "lift") == old
    assert sorted(p.name for p in out.iterdir()) == ["lift", "lifted"]

    (out / "lift").rename(out / ".lift.0123abcd.old")
    save_result(*_analysis(video, "hip_hinge"), out / "lift", write_video=False, report=False)
    assert (out / "lift" / "notes.txt").read_text() == "mine\n"
    assert json.loads((out / "lift" / "result.json").read_text())["verdict"] == "safe"
    assert sorted(p.name for p in out.iterdir()) == ["lift", "lifted"]


def test_a_second_run_into_the_same_folder_leaves_the_first_one_s_folders_alone(tmp_path):
    """Two `analyze` runs of one video into one folder: the second, starting, removed the first one's staging folder
    as it was being written (the first then failed: "directory ... does not exist"). A temporary folder is taken
    only from a run that no longer holds it: one killed, whose lock went with it (the mid-swap test above)."""
    fcntl = pytest.importorskip("fcntl")
    out = tmp_path / "out"
    video = tmp_path / "lift.mp4"
    save_result(*_analysis(video, "hip_hinge"), out / "lift", write_video=False, report=False)
    with replacing_folder(out / "lift") as first:                   # the first run, still writing
        save_result(*_analysis(video, "hip_hinge"), out / "lift", write_video=False, report=False)   # the second
        assert first.is_dir()
        write_result_files(*_analysis(video), first, write_video=False)
    assert json.loads((out / "lift" / "result.json").read_text())["verdict"] == "rounded_back"   # the last swapped
    assert [p.name for p in out.iterdir()] == ["lift"]

    aside = out / ".lift.0123abcd.old"      # an earlier result a run moved aside, the new one not yet in place
    (out / "lift").rename(aside)
    fd = os.open(aside, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)          # as the run moving it holds it
        recover_folder(out / "lift")
        assert sorted(p.name for p in out.iterdir()) == [aside.name]
    finally:
        os.close(fd)
    recover_folder(out / "lift")                # that run gone: its folder is put back
    assert [p.name for p in out.iterdir()] == ["lift"]


def _fake_engine(monkeypatch, stop_after: int | None = None, after_first=None) -> list[str]:
    """`score` without the pose model: each video is "scored" by writing a synthetic analysis of it, as a worker
    would; with ``stop_after``, Ctrl-C comes after that many videos; ``after_first(out_root)`` is called once the
    first video's row is in. Returns the outputs written."""
    written = []
    monkeypatch.setattr(batch_runner, "make_spec", lambda settings, **kw: JobSpec(settings, "model.task", MODEL_SHA256,
                                                                                   write_video=False))

    def run_local(jobs, spec, out_root, on_row, **kwargs):
        for job in jobs:
            if stop_after is not None and len(written) == stop_after:
                raise KeyboardInterrupt
            analysis, track = _analysis(Path(job.path), "hip_hinge" if written else "rounded_back")
            save_result(analysis, track, Path(out_root) / job.output, write_video=False)
            written.append(job.output)
            on_row(job, row_from_analysis(analysis, job.path, job.output))
            if after_first is not None and len(written) == 1:
                after_first(Path(out_root))

    monkeypatch.setattr(local, "run_local", run_local)
    return written


def test_an_interrupted_batch_keeps_every_earlier_row_of_its_summary(tmp_path, monkeypatch):
    """`score V W -o SC`, then `score V W -o SC --force` stopped by Ctrl-C after V: summary.csv kept W's row (it was
    rewritten with this run's rows only: the header alone when stopped in the first video) and index.html both."""
    for name in ("v", "w"):
        (tmp_path / f"{name}.mp4").write_bytes(name.encode() * 100)
    videos = [tmp_path / "v.mp4", tmp_path / "w.mp4"]
    out = tmp_path / "sc"
    _fake_engine(monkeypatch)
    score(videos, out, workers=1)
    assert [r.output for r in read_summary(out)] == ["v", "w"]

    written = _fake_engine(monkeypatch, stop_after=1)
    with pytest.raises(KeyboardInterrupt):
        score(videos, out, workers=1, force=True)
    assert written == ["v"]
    rows = read_summary(out)
    assert [(r.output, r.verdict) for r in rows] == [("v", "rounded_back"), ("w", "safe")]
    assert (out / "summary.csv").read_text().count("\n") == 3
    index = (out / "index.html").read_text()
    assert "v/report.html" in index and "w/report.html" in index



def test_an_output_folder_removed_while_a_batch_runs_stops_it_and_says_so(tmp_path, monkeypatch):
    """The output folder deleted under `score`: the next video's worker made it again and the run ended "3 ok", its
    summary listing a result that was gone, the folder no longer locked. Now the batch stops at the next video with
    one line and exit 1, and writes no summary into the folder it no longer holds."""
    videos = _videos(tmp_path, "v.mp4", "w.mp4", "x.mp4")
    out = tmp_path / "sc"
    written = _fake_engine(monkeypatch, after_first=shutil.rmtree)
    result = runner.invoke(app, ["score", *map(str, videos), "-o", str(out), "-q", "-j", "1"])
    assert result.exit_code == 1, result.output
    said = " ".join(result.output.split())
    assert f"the output folder {out} (or its lock file .liftform.lock) was removed or replaced during the run" in \
        said and "Traceback" not in said
    assert written == ["v", "w"]                  # stopped at the first row after it: x was not started
    assert not (out / "summary.json").exists() and not (out / "index.html").exists()


def test_a_batch_says_how_many_videos_it_has_before_the_first_is_done(tmp_path, monkeypatch):
    """The bar showed "0/?" until the first video was scored (a whole video's time; on Ray, the cluster's start
    too): the total is now given as soon as the batch is planned, and failures are counted from the rows only."""
    videos = _videos(tmp_path, "v.mp4", "w.mp4", "x.mp4")
    calls = []
    _fake_engine(monkeypatch)
    score(videos, tmp_path / "sc", workers=1,
          progress=lambda done, total, row: calls.append((done, total, row and row.output)))
    assert calls == [(0, 3, None), (1, 3, "v"), (2, 3, "w"), (3, 3, "x")]
    bar = BatchBar(quiet=True, label="scoring")
    for done, total, row in [(0, 3, None), (1, 3, failed_row("v.mp4", "v", "broken"))]:
        bar(done, total, row)
    assert (bar.done, bar.failed) == (1, 1)


def test_an_output_folder_removed_while_rescore_runs_stops_it_and_says_so(tmp_path, monkeypatch):
    """The same for `rescore`: it went on through the folders that were gone and ended in the summary's write
    failing. Now it stops after the folder it was on, one line, exit 1, and writes no summary."""
    rescore_module = importlib.import_module("liftform.batch.rescore")   # the package exports a function so named

    videos = _videos(tmp_path, "v.mp4", "w.mp4", "x.mp4")
    out = tmp_path / "sc"
    _fake_engine(monkeypatch)
    score(videos, out, workers=1)
    rescored = []
    rescore_one = rescore_module._rescore_one

    def rescore_then_remove(folder, *args):
        rescored.append(folder.name)
        row = rescore_one(folder, *args)
        if len(rescored) == 1:
            shutil.rmtree(out)
        return row

    monkeypatch.setattr(rescore_module, "_rescore_one", rescore_then_remove)
    result = runner.invoke(app, ["rescore", str(out)])
    assert result.exit_code == 1, result.output
    said = " ".join(result.output.split())
    assert f"the output folder {out} (or its lock file .liftform.lock) was removed or replaced during the run" in \
        said and "Traceback" not in said
    assert rescored == ["v"] and not out.exists()


def test_a_result_folder_removed_while_a_batch_runs_is_not_listed_as_ok(tmp_path, monkeypatch):
    """One video's result folder deleted while the batch goes on: the summary and the terminal no longer call it
    ok; its row says why, so the next run scores it again."""
    videos = _videos(tmp_path, "v.mp4", "w.mp4")
    out = tmp_path / "sc"
    _fake_engine(monkeypatch, after_first=lambda out_root: shutil.rmtree(out_root / "v"))
    result = runner.invoke(app, ["score", *map(str, videos), "-o", str(out), "-q", "-j", "1"])
    assert result.exit_code == 1, result.output
    assert "1 ok" in result.output and "1 failed" in result.output
    rows = {row.output: row for row in read_summary(out)}
    assert rows["w"].ok and not rows["v"].ok
    assert rows["v"].error == f"its result folder {out / 'v'} was removed after it was scored; run the same " \
                              "command again to score it"
    assert "was removed after it was scored" in (out / "index.html").read_text()


def test_score_into_a_read_only_folder_says_so_of_the_folder(tmp_path, monkeypatch, read_only):
    """The error named the lock file liftform makes there (`.liftform.lock`), not the folder the user gave."""
    videos = _videos(tmp_path, "v.mp4")
    out = tmp_path / "sc"
    out.mkdir()
    _fake_engine(monkeypatch)
    read_only(out)
    result = runner.invoke(app, ["score", *map(str, videos), "-o", str(out), "-q"])
    assert result.exit_code == 1
    assert " ".join(result.output.split()) == f"error: cannot write {out}: the file system is read-only; choose " \
                                              "another output directory (-o)"


def test_rescore_and_report_in_a_read_only_folder_say_so_of_the_folder(tmp_path, monkeypatch, read_only):
    """`rescore` named the lock file it makes (`.liftform.lock`), and both it and `report` told the user to "choose
    another output directory (-o)": neither has -o, they write into the folder they read."""
    videos = _videos(tmp_path, "v.mp4")
    out = tmp_path / "sc"
    _fake_engine(monkeypatch)
    score(videos, out, workers=1)
    read_only(out)
    in_place = "choose another disk: copy the results there (rescore and report write into the folder they read)"
    for command, folder in (("rescore", out), ("report", out / "v"), ("report --index", out)):
        result = runner.invoke(app, [*command.split(), str(folder)])
        assert result.exit_code == 1, (command, result.output)
        assert " ".join(result.output.split()) == f"error: cannot write {folder}: the file system is read-only; " \
                                                  + in_place, command


def test_a_kill_between_the_summary_s_two_files_misleads_no_later_run(tmp_path, monkeypatch):
    """summary.csv and summary.json are two renames; a kill between them leaves one a row behind. It was summary.json
    (written second), the one resume, rescore and index.html read: a video whose earlier run failed, scored since,
    stayed "failed" through the next run into the folder (which did not score it), and index.html called its new
    result "the earlier result". Now summary.json is written first, and the stale one is summary.csv."""
    import liftform.batch.summary as summary

    v, w = _videos(tmp_path, "v.mp4", "w.mp4")
    out = tmp_path / "sc"
    out.mkdir()
    summary.write_summary(out, [summary.failed_row(str(v), "v", "v.mp4 is broken")])     # its first run
    analysis, track = _analysis(v)
    save_result(analysis, track, out / "v", write_video=False)                           # scored again
    real_write, writes = summary.atomic_write_text, []

    def killed_after_one(path, text):
        if writes:
            raise SystemExit(137)             # the kill, between the two files
        writes.append(path)
        return real_write(path, text)

    with monkeypatch.context() as patch, pytest.raises(SystemExit):
        patch.setattr(summary, "atomic_write_text", killed_after_one)
        summary.write_summary(out, [row_from_analysis(analysis, str(v), "v")])
    _fake_engine(monkeypatch)
    score([w], out, workers=1)                                                          # another video, later
    assert {row.output: row.status for row in read_summary(out)} == {"v": "ok", "w": "ok"}
    assert "The last run failed" not in (out / "index.html").read_text()


# --- one folder per video, the same one every run ------------------------------------------------------------

def _videos(tmp_path: Path, *names: str) -> list[Path]:
    """Small files standing for videos, each of its own content."""
    paths = []
    for name in names:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(name.encode() * 100)
        paths.append(path)
    return paths


def _without_the_model(monkeypatch) -> None:
    """`analyze` without the pose model: the pose stage gives a rendered-by-numbers lift of the file given."""
    def estimate(video_path, settings, **kwargs):
        analysis, track = _analysis(Path(video_path))
        return PeopleFound((track,), 1, len(track), float(track.timestamps_s[-1])), analysis.source, \
            analysis.model, []

    monkeypatch.setattr("liftform.pipeline.estimate_video_people", estimate)


def _analyze(*args: Path | str) -> str:
    result = runner.invoke(app, ["analyze", *map(str, args), "--no-video", "--no-report", "-q"])
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split())


def _source(folder: Path) -> str:
    return json.loads((folder / "result.json").read_text())["source"]["path"]


def test_analyze_gives_another_video_of_the_same_name_its_own_folder(tmp_path, monkeypatch):
    """`analyze a/IMG_0001.mp4 -o same`, then `analyze b/IMG_0001.mp4 -o same`: b's result replaced a's without a
    word. Now b gets a folder of its own, named as score names them, and the CLI says where; a again (by its path)
    or b moved elsewhere (by its content) go back to their own folders."""
    a, b = _videos(tmp_path, "a/IMG_0001.mp4", "b/IMG_0001.mp4")
    out = tmp_path / "same"
    _without_the_model(monkeypatch)
    assert f"results in {out / 'IMG_0001'}/" in _analyze(a, "-o", out)
    assert f"results in {out / 'b__IMG_0001'}/" in _analyze(b, "-o", out)
    assert _source(out / "IMG_0001") == str(a) and _source(out / "b__IMG_0001") == str(b)
    assert f"results in {out / 'IMG_0001'}/" in _analyze(a, "-o", out)
    moved = tmp_path / "c" / "IMG_0001.mp4"
    moved.parent.mkdir()
    b.rename(moved)
    assert f"results in {out / 'b__IMG_0001'}/" in _analyze(moved, "-o", out)
    assert _source(out / "b__IMG_0001") == str(moved)
    assert sorted(p.name for p in out.iterdir()) == ["IMG_0001", "b__IMG_0001"]


def test_a_video_named_in_250_bytes_gets_a_folder_its_staging_name_fits(tmp_path, monkeypatch):
    """A file name may hold 255 bytes, and a video named in 250 (a title pasted whole) had failed: "cannot write
    .../result.json: File name too long", its folder being written as ".<name>.<8 hex>.new". Now a long name is cut
    (whole characters, also of several bytes) and keeps 8 hex digits of its hash: names alike but for their end
    stay apart."""
    long_names = ["x" * 246 + "1.mp4", "x" * 246 + "2.mp4", "é" * 120 + "举" * 3 + ".mp4"]
    videos = _videos(tmp_path, *long_names)
    out = tmp_path / "out"
    _without_the_model(monkeypatch)
    _analyze(*videos, "-o", out)
    folders = sorted(p.name for p in out.iterdir())
    assert len(folders) == 3 and all(len(name.encode()) <= 200 for name in folders), folders
    assert sorted(_source(out / name) for name in folders) == sorted(map(str, videos))


def test_a_video_named_in_bytes_that_are_not_utf_8_is_scored_and_found_again(tmp_path, monkeypatch):
    """A clip from an old archive is named in latin-1 ("caf\\xe9.mp4"): its result.json, summary.json and the overview
    had failed to be written, a traceback ("surrogates not allowed"). Now JSON keeps the name's bytes exactly (a
    \\udcXX escape: read back, the path is the file's), the CSV and the page show U+FFFD, and the page's link is
    percent-encoded from the folder's bytes on disk (caf%E9)."""
    import urllib.parse

    latin = Path(os.fsdecode(bytes(tmp_path) + b"/caf\xe9.mp4"))
    latin.write_bytes(b"latin" * 100)
    _fake_engine(monkeypatch)
    result = score([latin], tmp_path / "out")
    assert [row.status for row in result.rows] == ["ok"]
    [row] = read_summary(tmp_path / "out")
    assert row.path == str(latin) and _source(tmp_path / "out" / row.output) == str(latin)
    assert "caf\ufffd.mp4" in (tmp_path / "out" / "summary.csv").read_text(encoding="utf-8")
    index = tmp_path / "out" / "index.html"
    [href] = [h for h in re.findall(r'href="([^"#]+)"', index.read_text(encoding="utf-8")) if "report" in h or
              "result" in h]
    assert (index.parent / os.fsdecode(urllib.parse.unquote_to_bytes(href))).is_file(), href


def test_a_broken_link_or_a_loop_of_links_is_said_so(tmp_path, monkeypatch):
    """A folder of videos holding a link to a clip on a drive not mounted (or a link to itself) failed as "video not
    found: clips/x.mp4", though `ls` shows the file there: it now says it is a link leading nowhere, and where to."""
    clips = tmp_path / "clips"
    clips.mkdir()
    (clips / "gone.mp4").symlink_to("/media/usb/gone.mp4")
    (clips / "loop.mp4").symlink_to("loop.mp4")
    assert sorted(p.name for p in expand_inputs([clips])) == ["gone.mp4", "loop.mp4"]    # listed: each a failed row
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["analyze", "clips/gone.mp4", "clips/loop.mp4", "-o", "out", "-q"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    said = " ".join(result.stderr.split())
    assert "clips/gone.mp4 is a link to /media/usb/gone.mp4, which leads nowhere" in said, said
    assert "clips/loop.mp4 is a link to loop.mp4, which leads nowhere" in said


def test_a_video_that_failed_then_scored_under_another_folder_name_is_one_row(tmp_path, monkeypatch):
    """`score in/a/IMG_0001.mp4 -o out` failed (a truncated copy); mended, `score in -o out` named it a__IMG_0001
    (in/b has an IMG_0001.mp4 too) and scored it, but the summary and the overview still listed it failed as
    IMG_0001 beside its result: a failed row has no folder to be replaced by, and is now replaced by the new row of
    its video."""
    a, b = _videos(tmp_path, "in/a/IMG_0001.mp4", "in/b/IMG_0001.mp4")
    out = tmp_path / "out"

    def failing(jobs, spec, out_root, on_row, **kwargs):
        for job in jobs:
            on_row(job, failed_row(job.path, job.output, "IMG_0001.mp4 is truncated"))

    _fake_engine(monkeypatch)
    monkeypatch.setattr(local, "run_local", failing)
    score([a], out)
    assert [(row.output, row.status) for row in read_summary(out)] == [("IMG_0001", "failed")]
    _fake_engine(monkeypatch)
    score([tmp_path / "in"], out)
    assert sorted((row.output, row.status) for row in read_summary(out)) == [("a__IMG_0001", "ok"),
                                                                            ("b__IMG_0001", "ok")]
    assert "is truncated" not in (out / "index.html").read_text()


def test_the_python_api_gives_another_video_of_the_same_name_its_own_folder(tmp_path, monkeypatch):
    """`analyze_video(b/IMG_0001.mp4, out)` after `analyze_video(a/IMG_0001.mp4, out)` from Python replaced a's
    result (the CLI had stopped doing so): the API now names folders as the CLI does; ``output_name`` still rules."""
    from liftform.pipeline import analyze_video

    a, b = _videos(tmp_path, "a/IMG_0001.mp4", "b/IMG_0001.mp4")
    out = tmp_path / "out"
    _without_the_model(monkeypatch)
    for video in (a, b, a):
        analyze_video(video, out, write_video=False, report=False)
    assert _source(out / "IMG_0001") == str(a.absolute()) and _source(out / "b__IMG_0001") == str(b.absolute())
    analyze_video(b, out, write_video=False, report=False, output_name="mine")
    assert sorted(p.name for p in out.iterdir()) == ["IMG_0001", "b__IMG_0001", "mine"]


def test_analyze_into_a_folder_with_a_page_of_the_user_s_own_says_so_and_exits_1(tmp_path, monkeypatch):
    """`analyze lift.mp4 -o site` where site/index.html is the user's: the page is kept and the error said, but the
    exit was 0 (score's is 1). The result is written either way."""
    (video,) = _videos(tmp_path, "lift.mp4")
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<html><title>My site</title></html>\n")
    _without_the_model(monkeypatch)
    result = runner.invoke(app, ["analyze", str(video), "-o", str(site), "--no-video", "-q"])
    assert result.exit_code == 1 and (site / "lift" / "result.json").is_file()
    assert "was not written by liftform and is left as it was" in " ".join(result.stderr.split())
    assert (site / "index.html").read_text() == "<html><title>My site</title></html>\n"


def test_a_video_scored_before_keeps_its_folder_in_a_run_of_fewer_videos(tmp_path, monkeypatch):
    """`score in/a in/b -o sc7` (both IMG_0001.mp4), then `score in/b -o sc7`: b was named IMG_0001 in the second
    run (no collision in it), scored again into a new folder, and summary.csv and index.html disagreed. Now b is
    found in b__IMG_0001 and resumed; summary and index list the two videos."""
    a, b = _videos(tmp_path, "in/a/IMG_0001.mp4", "in/b/IMG_0001.mp4")
    out = tmp_path / "sc7"
    _fake_engine(monkeypatch)
    assert [r.output for r in score([a, b], out, workers=1).rows] == ["a__IMG_0001", "b__IMG_0001"]
    written = _fake_engine(monkeypatch)
    again = score([b], out, workers=1)
    assert written == [] and [(r.output, r.cached) for r in again.rows] == [("b__IMG_0001", True)]
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == ["a__IMG_0001", "b__IMG_0001"]
    assert [r.output for r in read_summary(out)] == ["a__IMG_0001", "b__IMG_0001"]
    index = (out / "index.html").read_text()
    assert index.count("report.html") == 2 and "a__IMG_0001/report.html" in index

    c = _videos(tmp_path, "in/c/IMG_0001.mp4")[0]           # a third of the name: a folder of its own
    assert output_names([c, a], out) == ["c__IMG_0001", "a__IMG_0001"]
    assert output_names([c], tmp_path / "empty") == ["IMG_0001"]


def test_a_copy_of_a_video_scored_before_gets_a_folder_of_its_own_and_a_moved_one_its_old_folder(tmp_path,
                                                                                                 monkeypatch):
    """`score in/a -o out`, then `score in/b -o out --config strict.toml` where in/b/lift.mp4 is a copy of
    in/a/lift.mp4: the copy was taken for a's video moved since (same file name, same content), and its result
    replaced a's ("1 video(s) scored before were scored again, their earlier results replaced"): a's row left the
    summary, its result under the first settings was lost. A result whose video is still where it records is that
    video's; a video moved away still finds its folder."""
    a = _videos(tmp_path, "in/a/lift.mp4")[0]
    b = tmp_path / "in" / "b" / "lift.mp4"
    b.parent.mkdir(parents=True)
    b.write_bytes(a.read_bytes())
    out = tmp_path / "out"
    _fake_engine(monkeypatch)
    assert [r.output for r in score([a], out, workers=1).rows] == ["lift"]
    written = _fake_engine(monkeypatch)
    again = score([b], out, workers=1)
    assert written == ["b__lift"] and again.redone == []
    assert [(r.output, r.path, r.same_video_as) for r in read_summary(out)] == [
        ("lift", str(a), ["b__lift"]), ("b__lift", str(b), ["lift"])]
    moved = tmp_path / "elsewhere" / "lift.mp4"
    moved.parent.mkdir()
    a.rename(moved)
    assert output_names([moved], out) == ["lift"]


def test_an_analysis_that_writes_nothing_leaves_no_output_folder(tmp_path):
    """`liftform analyze typo.mp4` (or a damaged file) said "video not found" and left an empty liftform-out/ behind:
    the output folder is made before the pose stage, to fail early where it cannot be written. A run that writes
    nothing into a folder it made removes it; a folder that was there stays, as do the ones a good video fills."""
    (tmp_path / "damaged.mp4").write_bytes(b"no video")
    for video in ("typo.mp4", "damaged.mp4"):
        result = runner.invoke(app, ["analyze", str(tmp_path / video), "-o", str(tmp_path / "new" / "out")])
        assert result.exit_code == 1 and len(result.stderr.strip().splitlines()) == 1, result.output
        assert not (tmp_path / "new" / "out").exists(), video
    (tmp_path / "mine").mkdir()
    assert runner.invoke(app, ["analyze", str(tmp_path / "typo.mp4"), "-o", str(tmp_path / "mine")]).exit_code == 1
    assert (tmp_path / "mine").is_dir()


def test_a_file_where_a_videos_folder_goes_is_said_before_its_pose_stage(tmp_path, monkeypatch):
    """A file named as a video's result folder (OUT/lift, a download saved there) was found at the first write,
    after the whole pose stage (14 s for a 9-s sample; hours for a long video, and in `score` for each such video):
    `analyze` and `score` say it before the pose model runs, and the batch goes on."""
    from liftform import pipeline
    from liftform.batch.jobs import Job, run_job
    from liftform.errors import OutputError

    def pose_stage(*args, **kwargs):
        raise AssertionError("the pose stage ran")

    monkeypatch.setattr(pipeline, "estimate_video_people", pose_stage)
    video, out = tmp_path / "lift.mp4", tmp_path / "out"
    video.write_bytes(b"not decoded: refused first")
    out.mkdir()
    (out / "lift").write_text("in the way")
    said = f"cannot write into {out / 'lift'}: {out / 'lift'} is a file, not a folder; remove it or choose another"
    with pytest.raises(OutputError, match=re.escape(said)):
        pipeline.analyze_video(video, out, output_name="lift")
    row = run_job(Job(0, str(video), "lift"), JobSpec(Settings(), "model.task", MODEL_SHA256), out / "lift")
    assert not row.ok and row.error.startswith(said), row.error


@pytest.mark.parametrize("damage", ["cut short", "not an object"])
def test_a_video_whose_result_json_was_damaged_is_scored_into_its_own_folder_again(tmp_path, monkeypatch, damage):
    """A result.json cut short (a disk filled, a copy broken) is no result, and the video named so was scored into a
    folder of its own, ``lift-1a2b3c4d``, beside it: the summary listed the video twice, the damaged folder "ok", and
    every later rescore failed on it. It is scored into the same folder again, as where result.json is missing."""
    a, b = _videos(tmp_path, "in/lift.mp4", "in/other.mp4")
    out = tmp_path / "out"
    _fake_engine(monkeypatch)
    score([a, b], out, workers=1)
    result_json = out / "lift" / "result.json"
    result_json.write_text(result_json.read_text()[:300] if damage == "cut short" else "[]")
    written = _fake_engine(monkeypatch)
    again = score([a, b], out, workers=1)
    assert [(r.output, r.cached) for r in again.rows] == [("lift", False), ("other", True)] and len(written) == 1
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == ["lift", "other"]
    assert [r.output for r in read_summary(out)] == ["lift", "other"]
    json.loads(result_json.read_text())                       # whole again
    # A damaged folder another video's name only resembles is not taken by it.
    result_json.write_text("{")
    assert output_names([tmp_path / "in" / "lift2.mp4"], out) == ["lift2"]


def test_a_video_given_directly_and_reached_through_a_linked_folder_is_named_where_it_lies(tmp_path):
    """A tester's study had `broken/loop -> ..`: scoring `broken S04` walked the link first and recorded
    `broken/loop/S04/lift.mp4` for the video given as `S04`, its subject folder lost from `path`. The spelling
    through no linked folder is kept, in the first spelling's place; two spellings both through a link keep the
    first, as before."""
    study = tmp_path / "study"
    (study / "S04").mkdir(parents=True)
    (study / "broken").mkdir()
    lift = study / "S04" / "lift.mp4"
    lift.write_bytes(b"\x00\x00\x00\x18ftypmp42")
    (study / "broken" / "loop").symlink_to(study)
    found = expand_inputs([study / "broken", study / "S04"])
    assert found == [lift], found
    linked = study / "broken" / "loop" / "S04" / "lift.mp4"
    assert unique_inputs([linked, lift, study / "S04" / ".." / "S04" / "lift.mp4"]) == [lift]
    (study / "other").symlink_to(study)
    assert unique_inputs([linked, study / "other" / "S04" / "lift.mp4"]) == [linked]


def test_an_output_folder_that_is_a_link_to_nothing_is_said_so_not_called_a_file(tmp_path):
    """`-o usb` where usb links to an unmounted disk's folder said "usb is a file, not a folder", and `-o usb/sub`
    that usb/sub, which does not exist, is a file."""
    from liftform.errors import OutputError
    from liftform.outputs.atomic import ensure_writable_dir

    (tmp_path / "usb").symlink_to(tmp_path / "media" / "stick")
    for given in (tmp_path / "usb", tmp_path / "usb" / "sub"):
        with pytest.raises(OutputError) as refused:
            ensure_writable_dir(given)
        assert f"{tmp_path / 'usb'} is a link to {tmp_path / 'media' / 'stick'}, which does not exist" in \
            str(refused.value), str(refused.value)


def test_a_score_into_one_videos_result_folder_is_refused_before_any_video_is_scored(tmp_path):
    """A clinician's `score study/P02/week4 -o results/lift` ran the pose model, then was refused, and left a result
    and a summary nested in P01's week 1: refused now before anything runs, nothing written."""
    from typer.testing import CliRunner

    from liftform.cli import app

    result_folder = tmp_path / "results" / "lift"
    result_folder.mkdir(parents=True)
    (result_folder / "result.json").write_text("{}")
    video = tmp_path / "week4" / "lift.mp4"
    video.parent.mkdir()
    video.write_bytes(b"not decoded: refused before")
    before = sorted(p.name for p in result_folder.iterdir())
    done = CliRunner().invoke(app, ["score", str(video.parent), "-o", str(result_folder), "-j", "1", "-q"])
    assert done.exit_code == 1 and "is one video's result folder; pass its output folder" in " ".join(
        done.output.split()), done.output
    assert sorted(p.name for p in result_folder.iterdir()) == before
