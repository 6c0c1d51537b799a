"""Where results go and what keeps them: one folder per video, never a different video's, never one of liftform's
own outputs taken as an input, and an earlier complete result kept until the new one is complete. No pose model:
the analyses are made from synthetic tracks."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from liftform.batch.inputs import expand_inputs, unique_inputs
from liftform.cli import app

runner = CliRunner()


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


def test_a_folder_search_skips_liftform_s_own_outputs(tmp_path, monkeypatch):
    """`liftform score . -o results` after `liftform analyze clip.mp4` (into ./liftform-out) and an earlier batch
    into ./old-batch: their annotated videos and clips are not lifts. A file named as such is still taken."""
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
    want = [Path("lifts/a.mp4"), Path("lifts/deep/b.mov")]
    assert expand_inputs(["."], exclude="results") == want
    assert expand_inputs(["**/*.mp4", "**/*.mov"], exclude="results") == want
    assert expand_inputs(["liftform-out"]) == []
    named = Path("liftform-out/clip/annotated.mp4")
    assert expand_inputs([named, "lifts"]) == [named, *want]
