"""Where results go and what keeps them: one folder per video, never a different video's, never one of liftform's
own outputs taken as an input, and an earlier complete result kept until the new one is complete. No pose model:
the analyses are made from synthetic tracks."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from liftform.batch.inputs import unique_inputs
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
