"""File names as the terminal prints and reads them: as they are, whatever they hold (markup, control characters,
bytes that are not UTF-8, a leading dash)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

from rich.console import Console

from liftform.batch.summary import SummaryRow
from liftform.cli import show
from liftform.core.screen import ScreenResult
from liftform.screening import profile_toml
from liftform.toml_files import tomllib  # tomli on Python 3.10

REPO = Path(__file__).resolve().parents[1]


def test_the_batch_table_prints_each_video_s_name_as_it_is_on_one_line(monkeypatch):
    """`score` printed "squat [final].mp4" as "squat " (its brackets taken for rich's markup), a name holding a
    newline as two rows, and one holding an escape sequence coloured the terminal red."""
    screen = io.StringIO()
    names = ["squat [final]", "two\nlines", "esc\x1b[31mred"]
    rows = [SummaryRow(f"/clips/{name}.mp4", name, verdict="safe", reps=3, flagged_reps=0, peak_spine_flexion_deg=2.0,
                       view="side") for name in names]
    monkeypatch.setattr(show, "out", Console(file=screen, width=100, highlight=False, force_terminal=False))
    show.print_batch(rows, Path("out [1]"), "scored")
    printed = screen.getvalue()
    assert "\x1b" not in printed and "│ squat [final] " in printed, printed
    assert "│ two\\nlines " in printed and "│ esc\\x1b[31mred " in printed, printed
    assert "table in out [1]/summary.csv" in printed


def test_config_shows_a_profile_of_any_name_as_toml_on_a_strict_terminal(tmp_path):
    """`liftform config --profile` of a profile named in latin-1 bytes failed with a traceback where the terminal's
    encoding is strict (en_US.UTF-8: "surrogates not allowed"), and one whose name holds a newline broke its comment
    line in two: the printout, TOML to edit, was none."""
    profile = Path(os.fsdecode(bytes(tmp_path) + b"/caf\xe9\nS01.toml"))
    profile.write_text(profile_toml(ScreenResult(
        62.0, 70.0, 48.0, 95.0, "lunge", "", 0.9, rounded=True, spine_rounded=True, own_neutral_bend_deg=31.25,
        read_from="/clinic/S01/new\nline.mp4", source_sha256="ab" * 32)))
    run = subprocess.run([sys.executable, "-m", "liftform", "config", "--profile", profile], capture_output=True,
                         cwd=REPO, env={**os.environ, "PYTHONIOENCODING": "utf-8:strict"})
    assert run.returncode == 0 and b"Traceback" not in run.stderr, run.stderr.decode(errors="replace")
    printed = run.stdout.decode("utf-8")
    tomllib.loads(printed)
    assert "caf\ufffd\\nS01.toml: read from /clinic/S01/new\\nline.mp4" in printed.splitlines()[0]


def test_a_file_whose_name_starts_with_a_dash_is_said_how_to_name(tmp_path):
    """`liftform analyze -clip.mp4` failed as "config file not found: lip.mp4" (read as -c lip.mp4): it now says
    to write ./-clip.mp4 or put -- before it, and with -- the file is taken (here: found not to be a video). An
    option's value that starts with a dash (-o -out) is still the option's."""
    (tmp_path / "-clip.mp4").write_text("not a video\n")
    (tmp_path / "-out").mkdir()

    def liftform(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "liftform", *args], capture_output=True, text=True, cwd=tmp_path,
                              env={**os.environ, "PYTHONPATH": str(REPO)})

    dashed = liftform("analyze", "-clip.mp4", "-o", "out")
    assert dashed.returncode == 2 and "Traceback" not in dashed.stderr, dashed.stderr
    assert "write ./-clip.mp4, or put -- before it, after every option (what follows -- is all files)" in " ".join(
        dashed.stderr.split())
    taken = liftform("analyze", "-o", "-out", "--", "-clip.mp4")
    assert taken.returncode == 1 and "-clip.mp4 is not a readable video" in " ".join(taken.stderr.split())


def test_a_rep_s_finding_follows_its_reason_without_brackets_in_brackets(monkeypatch):
    """A cleared rep's reason ends with its limit in brackets; its finding was printed after it in brackets of its
    own, around words ending in brackets: "(limit 21°) (also: reached down with a rounded back (before lift-off))"."""
    from liftform.core.types import Rep, RepVerdict
    from liftform.core.vocabulary import ROUNDED_REACH_DOWN
    from liftform.settings import AdviceSettings

    reason = "hip hinge: trunk leaned 91°, 99% of it from the hips; the spine peaked at +2° from neutral (limit 21°)"
    rep = RepVerdict(rep=Rep(0, 0, 30, 60, 0.0, 1.0, 2.0), verdict="hip_hinge", confidence=0.9, reason=reason,
                     peak_spine_flexion_deg=2.0, peak_trunk_inclination_deg=91.0, peak_hip_flexion_deg=95.0,
                     min_knee_angle_deg=150.0, stoop_squat_index=80.0, lean_from_spine_pct=1.0, rounded_s=0.0,
                     descent_s=1.0, ascent_s=1.0, faults=(ROUNDED_REACH_DOWN,))
    screen = io.StringIO()
    monkeypatch.setattr(show, "out", Console(file=screen, width=300, highlight=False, force_terminal=False))
    show.print_reps((rep,), AdviceSettings(), None)
    line = screen.getvalue().splitlines()[0]
    assert line.endswith("(limit 21°); also: reached down with a rounded back (before lift-off)"), line


def test_a_rep_said_with_little_confidence_is_printed_as_a_hint(monkeypatch):
    """A big-buttocked 46° stoop cleared at 46 % had been printed as surely as one at 100 %: "you bent at the hips
    with a flat back". Under `HINT_CONFIDENCE` the line says the confidence; an undecided rep's own words say why."""
    from dataclasses import replace

    from liftform.core.types import Rep, RepVerdict
    from liftform.core.vocabulary import HINT_CONFIDENCE
    from liftform.settings import AdviceSettings

    sure = RepVerdict(rep=Rep(0, 0, 30, 60, 0.0, 1.0, 2.0), verdict="hip_hinge", confidence=HINT_CONFIDENCE,
                      reason="hip hinge: the spine peaked at +13° from neutral (limit 21°)",
                      peak_spine_flexion_deg=13.0, peak_trunk_inclination_deg=91.0, peak_hip_flexion_deg=95.0,
                      min_knee_angle_deg=150.0, stoop_squat_index=80.0, lean_from_spine_pct=1.0, rounded_s=0.0,
                      descent_s=1.0, ascent_s=1.0)
    unsure = replace(sure, rep=replace(sure.rep, index=1), confidence=0.46)
    undecided = replace(unsure, rep=replace(sure.rep, index=2), verdict="insufficient_data", reason="not seen")
    screen = io.StringIO()
    monkeypatch.setattr(show, "out", Console(file=screen, width=300, highlight=False, force_terminal=False))
    show.print_reps((sure, unsure, undecided), AdviceSettings(), None)
    lines = [line for line in screen.getvalue().splitlines() if line.lstrip().startswith("rep ")]
    assert lines[0].endswith("(limit 21°)"), lines[0]
    assert lines[1].endswith("(limit 21°); confidence 46%: read it as a hint"), lines[1]
    assert lines[2].endswith("not seen"), lines[2]
