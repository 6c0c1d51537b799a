"""Ctrl-C (or SIGTERM) once a video's analysis is done, while its annotated video or report is drawn: the analysis
is kept, as `--no-video` / `--no-report` would have written it, where no earlier result is in its folder. Before,
the folder was all-or-nothing: a 5-minute video's 7 minutes of pose stage were lost to a Ctrl-C in its drawing.

The signal is sent from the code's own hooks (the video's progress callback, the report's writer), not timed."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import numpy as np
import pytest
from test_output_folders import _analysis, _contents
from typer.testing import CliRunner
from video_files import write_h264

import liftform.report
from liftform import pipeline
from liftform.cli import app
from liftform.interrupts import AnalysisKept, terminate_as_interrupt
from liftform.pipeline import save_result

DATA_FILES = {"frames.csv", "reps.csv", "poses.npz", "result.json"}


def _clip(path: Path, frames: int) -> Path:
    """A small clip of ``frames`` grey frames: the annotated video's source (only its drawing is tested)."""
    write_h264(path, (np.full((120, 160, 3), 90 + k % 50, np.uint8) for k in range(frames)))
    return path


def _signal_at_frame(signum: int, frame: int):
    def progress(done: int, _total: int) -> None:
        if done == frame:
            signal.raise_signal(signum)
    return progress


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupt_while_the_video_is_drawn_keeps_the_analysis(tmp_path, signum):
    """Stopped at the annotated video's 5th frame: the folder holds what `--no-video --no-report` writes (the same
    files, the same bytes but result.json's, whose settings are the same), no clips, nothing hidden beside it."""
    analysis, track = _analysis(tmp_path / "lift.mp4")
    clip = _clip(tmp_path / "lift.mp4", len(track))
    out = tmp_path / "out"
    if signum == signal.SIGTERM:
        terminate_as_interrupt()
    try:
        with pytest.raises(KeyboardInterrupt) as stopped:      # still an interrupt to whoever does not look
            save_result(analysis, track, out / "lift", video_path=clip, progress=_signal_at_frame(signum, 5))
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    assert isinstance(stopped.value, AnalysisKept) and stopped.value.folder == out / "lift"
    assert [p.name for p in out.iterdir()] == ["lift"]
    kept = _contents(out / "lift")
    save_result(analysis, track, tmp_path / "plain" / "lift", write_video=False, report=False)
    assert kept == _contents(tmp_path / "plain" / "lift")
    assert set(kept) == DATA_FILES
    assert json.loads(kept["result.json"])["verdict"] == "rounded_back"


def test_an_interrupt_while_the_report_is_drawn_keeps_the_finished_video(tmp_path, monkeypatch):
    """Stopped in the report's drawing: the annotated video, finished, is kept (as `--no-report` writes it); the
    clips, cut for the report, go with it."""
    analysis, track = _analysis(tmp_path / "lift.mp4")
    clip = _clip(tmp_path / "lift.mp4", len(track))

    def interrupted(*args, **kwargs):
        signal.raise_signal(signal.SIGINT)

    monkeypatch.setattr(liftform.report, "write_report", interrupted)
    with pytest.raises(KeyboardInterrupt) as stopped:
        save_result(analysis, track, tmp_path / "out" / "lift", video_path=clip)
    assert isinstance(stopped.value, AnalysisKept)
    assert set(_contents(tmp_path / "out" / "lift")) == DATA_FILES | {"annotated.mp4"}


def test_an_earlier_result_is_not_replaced_by_an_interrupted_one(tmp_path):
    """With a complete result already in the folder (its report, its video), an interrupted run leaves it whole:
    the new analysis is not kept in its place."""
    analysis, track = _analysis(tmp_path / "lift.mp4")
    clip = _clip(tmp_path / "lift.mp4", len(track))
    save_result(analysis, track, tmp_path / "out" / "lift", video_path=clip)
    before = _contents(tmp_path / "out" / "lift")
    with pytest.raises(KeyboardInterrupt) as stopped:
        save_result(analysis, track, tmp_path / "out" / "lift", video_path=clip,
                    progress=_signal_at_frame(signal.SIGINT, 5))
    assert not isinstance(stopped.value, AnalysisKept)
    assert _contents(tmp_path / "out" / "lift") == before


def test_analyze_says_in_one_line_what_an_interrupt_in_the_drawing_kept(tmp_path, monkeypatch):
    """The command line names the folder kept, what is in it and how to draw the report from it; exit 130."""
    analysis, track = _analysis(tmp_path / "lift.mp4")
    clip = _clip(tmp_path / "lift.mp4", len(track))

    def analyze_video(video, out_root, settings, *, output_name, progress, **kwargs):
        save_result(analysis, track, Path(out_root) / output_name, video_path=video,
                    progress=lambda done, total: progress("video", done, total) or
                    (done == 5 and signal.raise_signal(signal.SIGINT)))

    monkeypatch.setattr(pipeline, "analyze_video", analyze_video)
    result = CliRunner().invoke(app, ["analyze", "--quiet", str(clip), "-o", str(tmp_path / "out")])
    assert result.exit_code == 130
    folder = tmp_path / "out" / "lift"
    # First the kept analysis's verdict and reps, as a finished one prints them (they had not been said at all)
    lines = result.output.splitlines()
    assert lines[0].startswith(f"lift.mp4: {analysis.verdict.replace('_', ' ').upper()}"), lines
    assert any(line.lstrip().startswith("rep 1 ") for line in lines) and f"  results in {folder}/" in lines, lines
    assert lines[-2:] == [
        f"interrupted while drawing the annotated video and the report: the analysis is kept in {folder} (result.json, "
        f"the CSVs and poses.npz, as --no-video --no-report writes them); `liftform report {folder}` draws its "
        "report without the pose stage, and the annotated video is drawn by analysing the video again",
        f"overview: {tmp_path / 'out' / 'index.html'}"], result.output
    assert set(_contents(folder)) == DATA_FILES


@pytest.mark.parametrize(("options", "finished", "words"), [
    ((), 0, "while drawing the annotated video and the report: "),
    (("--no-video",), 0, "while drawing the report: "),
    (("--no-report",), 2, "while drawing the annotated video: the analysis is kept in OUT/lift (result.json, the CSVs "
                          "and poses.npz, as --no-video --no-report writes them); the annotated video is drawn by "
                          "analysing the video again; the results of the 2 video(s) finished are kept"),
    (("--no-video", "--no-report"), 0, "while writing its files: the analysis is kept in OUT/lift (result.json, the "
                                       "CSVs and poses.npz, as --no-video --no-report writes them)"),
])
def test_the_line_names_only_what_was_asked_for(tmp_path, options, finished, words):
    """`_interrupted_line` under each option: it names neither a view not asked for nor a command for it."""
    from liftform.cli.single import _interrupted_line

    (tmp_path / "lift").mkdir()
    line = _interrupted_line(finished, tmp_path / "lift", "--no-video" in options, "--no-report" in options)
    assert words.replace("OUT", str(tmp_path)) in line, line
    assert ("liftform report" in line) == ("--no-report" not in options), line


def test_a_disk_filled_while_the_video_is_drawn_keeps_the_analysis(tmp_path, monkeypatch):
    """The disk filled by another process during the annotated video (its 32 MB checked free before the pose
    stage): the whole folder had gone with it. Now the analysis is kept and the one line says so, and why."""
    import liftform.outputs.annotated as annotated
    from liftform.errors import OutputError

    analysis, track = _analysis(tmp_path / "lift.mp4")
    clip = _clip(tmp_path / "lift.mp4", len(track))
    full = "no space left (or quota/file-size limit reached); free some space or choose another disk"

    def disk_full(video, analysis, track, out_path, *args, **kwargs):
        raise OutputError(f"cannot write {out_path}: {full}")

    monkeypatch.setattr(annotated, "write_annotated_video", disk_full)
    folder = tmp_path / "out" / "lift"
    with pytest.raises(OutputError) as failed:
        save_result(analysis, track, folder, video_path=clip)
    assert str(failed.value) == f"the analysis in {folder} is kept, without the annotated video and report: " \
                                f"cannot write {folder / 'annotated.mp4'}: {full}"
    assert set(_contents(folder)) == DATA_FILES


def test_analyze_tells_the_verdict_a_full_disk_kept(tmp_path, monkeypatch):
    """A disk that filled while the video was drawn: the analysis kept, its verdict and reps printed before the
    error line, as an interrupt's are (only the error had been said); exit 1."""
    import liftform.outputs.annotated as annotated
    from liftform.errors import OutputError

    analysis, track = _analysis(tmp_path / "lift.mp4")
    clip = _clip(tmp_path / "lift.mp4", len(track))

    def disk_full(video, analysis, track, out_path, *args, **kwargs):
        raise OutputError(f"cannot write {out_path}: no space left")

    def analyze_video(video, out_root, settings, *, output_name, progress, **kwargs):
        save_result(analysis, track, Path(out_root) / output_name, video_path=video)

    monkeypatch.setattr(annotated, "write_annotated_video", disk_full)
    monkeypatch.setattr(pipeline, "analyze_video", analyze_video)
    result = CliRunner().invoke(app, ["analyze", "--quiet", str(clip), "-o", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert result.stdout.startswith(f"lift.mp4: {analysis.verdict.replace('_', ' ').upper()}"), result.stdout
    assert any(line.lstrip().startswith("rep 1 ") for line in result.stdout.splitlines()), result.stdout
    assert "error: the analysis in" in result.stderr and "is kept, without" in result.stderr


def test_an_interrupted_report_redraw_leaves_the_report_in_place_with_its_clips(tmp_path, monkeypatch):
    """`liftform report DIR` stopped while it takes the new clips: the report in place keeps its clips (they had
    been deleted before the source was decoded: a 5-minute set's 33 clips gone under the old report.html), and
    nothing of the unfinished drawing or set aside is left. The next redraw finishes."""
    import liftform.report.gallery
    from liftform.report import render_again

    clip = _clip(tmp_path / "lift.mp4", len(_analysis(tmp_path / "lift.mp4")[1]))
    analysis, track = _analysis(clip)           # made from this very file: the redraw takes its frames
    folder = tmp_path / "out" / "lift"
    save_result(analysis, track, folder, video_path=clip)
    before = _contents(folder)
    assert any(name.startswith("clips/") for name in before), sorted(before)
    drawn = liftform.report.gallery.grab_media

    def stopped_half_way(data, stills, clips, **kwargs):
        clips[0].path.parent.mkdir(parents=True, exist_ok=True)
        clips[0].path.write_bytes(b"half a clip")
        raise KeyboardInterrupt

    monkeypatch.setattr(liftform.report.gallery, "grab_media", stopped_half_way)
    result = CliRunner().invoke(app, ["report", str(folder)])
    assert result.exit_code == 130, result.output
    assert f"interrupted: {folder} is as it was" in result.output and "Traceback" not in result.output
    assert _contents(folder) == before
    monkeypatch.setattr(liftform.report.gallery, "grab_media", drawn)
    again = render_again(folder)
    assert again.clips and all(path.is_file() for path in again.clips)
    assert sorted(p.name for p in folder.iterdir()) == sorted({name.split("/")[0] for name in before})
