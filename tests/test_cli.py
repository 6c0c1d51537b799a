"""The command line's own rules: settings layering for live, the package's public API, module sizes."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from liftform.cli.common import settings_from
from liftform.live import live_defaults

PACKAGE = Path(__file__).resolve().parents[1] / "liftform"


def test_live_model_is_full_unless_a_config_file_or_the_flag_says_otherwise(tmp_path):
    config = tmp_path / "heavy.toml"
    config.write_text('[pose]\nmodel = "heavy"\n')
    assert settings_from(None, None, base=live_defaults()).pose.model == "full"
    assert settings_from(config, None, base=live_defaults()).pose.model == "heavy"     # the file is not overridden
    assert settings_from(config, "lite", base=live_defaults()).pose.model == "lite"    # the flag wins
    assert settings_from(None, None).pose.model == "full"                              # analyze's default


def test_public_api_imports_without_mediapipe():
    code = ("import sys\nfrom liftform import analyze_video, read_analysis, Settings, Analysis, __version__\n"
            "assert callable(analyze_video) and callable(read_analysis) and Settings().pose.model\n"
            "assert 'mediapipe' not in sys.modules, sorted(sys.modules)\n"
            "print(__version__)")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=PACKAGE.parent)
    assert run.returncode == 0, run.stderr
    from importlib.metadata import version
    assert run.stdout.strip() == version("liftform")                  # one version, in pyproject.toml


@pytest.mark.parametrize("argv", [["--version"], ["--help"]], ids=" ".join)
def test_version_and_help_answer_without_the_heavy_libraries(argv):
    """`liftform --version` (what a new user types first, and what a bug report asks for) was "No such option";
    neither it nor `--help` may import the pose model's library, Ray, matplotlib or the video decoders."""
    code = ("import atexit, sys\n"
            "heavy = ('mediapipe', 'ray', 'matplotlib', 'cv2', 'av')\n"
            "atexit.register(lambda: print('imported:', [m for m in heavy if m in sys.modules]))\n"
            f"sys.argv = ['liftform', *{argv!r}]\n"
            "from liftform.__main__ import main\nmain()\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=PACKAGE.parent,
                         env={**os.environ, "COLUMNS": "100"})
    from liftform.build import liftform_build

    assert run.returncode == 0 and run.stdout.endswith("imported: []\n"), (run.stdout, run.stderr)
    said = f"liftform {liftform_build()}\n" if argv == ["--version"] else "--version"
    assert run.stdout.startswith(said) if argv == ["--version"] else said in run.stdout, run.stdout


def test_mediapipe_is_imported_without_what_it_imports_for_nothing_which_still_works_if_used():
    code = ("import sys\nfrom liftform.landmarkers import UNUSED_BY_MEDIAPIPE, mediapipe_module\nmediapipe_module()\n"
            "assert 'mediapipe' in sys.modules\n"
            "assert not [n for n in UNUSED_BY_MEDIAPIPE if n in sys.modules], sorted(sys.modules)\n"
            "from mediapipe.tasks.python.vision import drawing_utils\n"
            "assert callable(drawing_utils.plt.figure)\n"             # the stand-in imports the real module on use
            "assert 'matplotlib.pyplot' in sys.modules and sys.modules['matplotlib.pyplot'].figure\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=PACKAGE.parent)
    assert run.returncode == 0, run.stderr


def test_results_written_without_a_report_do_not_import_the_report(tmp_path):
    code = (f"import sys\nsys.path.insert(0, {str(Path(__file__).parent)!r})\n"
            "from synthetic_tracks import lift_track\n"
            "from liftform.analysis import ModelInfo, SourceInfo\n"
            "from liftform.pipeline import analyze_track, save_result\n"
            "from liftform.settings import Settings\n"
            "track, _ = lift_track('hip_hinge')\n"
            "source = SourceInfo('lift.mp4', '0' * 64, 30.0, len(track), *track.frame_size_wh, 3.0)\n"
            "analysis = analyze_track(track, source, ModelInfo('full', '0' * 64), Settings())\n"
            f"paths = save_result(analysis, track, {str(tmp_path / 'out')!r}, write_video=False, report=False)\n"
            "assert paths['result_json'].exists() and 'report_html' not in paths\n"
            "assert not [m for m in ('liftform.report', 'jinja2') if m in sys.modules], sorted(sys.modules)\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=PACKAGE.parent)
    assert run.returncode == 0, run.stderr


def test_no_module_of_the_package_is_over_400_lines():
    long = {str(p.relative_to(PACKAGE)): n for p in PACKAGE.rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 400}
    assert not long, long


def test_no_report_help_says_it_also_skips_the_overview():
    """`--no-report` skips index.html too (`analyze` writes it only with reports): its help says so."""
    import typer

    from liftform.cli import app

    commands = typer.main.get_command(app).commands
    for name in ("analyze", "score"):
        option = next(p for p in commands[name].params if "--no-report" in p.opts)
        assert "report.html" in option.help and "index.html" in option.help, (name, option.help)


def test_a_camera_number_opencv_cannot_open_is_a_usage_error():
    """`--camera -1` crashed OpenCV (a segmentation fault where no camera is), a number past a C int gave a
    traceback: both are refused before anything starts, as bad usage."""
    from typer.testing import CliRunner

    from liftform.cli import app

    for camera in ("-1", "100", "99999999999"):
        result = CliRunner().invoke(app, ["live", f"--camera={camera}", "--no-window"])
        assert result.exit_code == 2 and "--camera" in result.output, (camera, result.output)


def test_an_unreadable_input_is_an_input_that_could_not_be_used_not_bad_usage(tmp_path, monkeypatch):
    """One unreadable video among several (or an unreadable --config) had stopped the whole command with click's
    "is not readable" and exit 2, nothing analysed: liftform's own line and exit 1 say it of that input alone."""
    import os

    from typer.testing import CliRunner

    from liftform.cli import app

    unreadable = tmp_path / "locked.mp4"
    unreadable.write_bytes(b"not a video")
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda path, mode, *a, **k: False if os.fspath(path) == str(unreadable)
                        else real_access(path, mode, *a, **k))
    for command in (["analyze", str(unreadable), "-o", str(tmp_path / "out")], ["screen", str(unreadable)],
                    ["config", str(unreadable)], ["config", "--profile", str(unreadable)]):
        result = CliRunner().invoke(app, command)
        assert result.exit_code == 1 and "is not readable" not in result.output, (command, result.output)
        assert "Traceback" not in result.output


def test_screen_checks_where_the_profile_goes_before_the_analysis(tmp_path, monkeypatch, read_only):
    """`screen --save-profile /missing/dir/p.toml` ran the whole analysis, then said "choose another output directory
    (-o)", an option screen does not have. The path is checked first and the error names --save-profile; a
    read-only file system is said as such (it was "permission denied")."""
    from typer.testing import CliRunner

    import liftform.screening
    from liftform.cli import app

    def analysed(*args, **kwargs):
        raise AssertionError("the video was analysed before the profile's path was checked")

    monkeypatch.setattr(liftform.screening, "screen_video", analysed)
    video = tmp_path / "bend.mp4"
    video.write_bytes(b"not decoded here")
    (tmp_path / "ro").mkdir()
    read_only(tmp_path / "ro")
    for where, says in ((tmp_path / "ro" / "p.toml", f"cannot write {tmp_path / 'ro' / 'p.toml'}: the file system "
                                                     "is read-only; choose another --save-profile path"),
                        (tmp_path / "missing" / "p.toml", f"directory {tmp_path / 'missing'} does not exist"),
                        (tmp_path, "is a folder; name the profile's file"),
                        # the video screened, given as the profile's path, had been replaced by the profile
                        (video, f"--save-profile {video} is a file that holds no liftform profile, and saving would "
                                "replace it; name a new file")):
        result = CliRunner().invoke(app, ["screen", str(video), "--save-profile", str(where)])
        assert result.exit_code == 1 and "Traceback" not in result.output, result.output
        message = " ".join(result.stderr.split())
        assert says in message and "--save-profile" in message and "(-o)" not in message, message
    assert video.read_bytes() == b"not decoded here"


def test_python_dash_m_liftform_is_the_liftform_command():
    run = subprocess.run([sys.executable, "-m", "liftform", "--help"], capture_output=True, text=True,
                         cwd=PACKAGE.parent)
    assert run.returncode == 0, run.stderr
    assert "analyze" in run.stdout and "score" in run.stdout
    bad = subprocess.run([sys.executable, "-m", "liftform", "analyze", "no-such-video.mp4"], capture_output=True,
                         text=True, cwd=PACKAGE.parent)
    assert bad.returncode == 1 and "Traceback" not in bad.stderr and len(bad.stderr.strip().splitlines()) == 1


def test_every_command_with_model_says_its_default_in_help():
    """`liftform analyze --help` said "Pose model: lite, full, heavy, or a path" and not which one runs without the
    flag (live's said it); a new user could not tell what `liftform models` must show present."""
    from typer.testing import CliRunner

    from liftform.cli import app

    for command in ("analyze", "screen", "score", "live"):
        result = CliRunner().invoke(app, [command, "--help"], env={"COLUMNS": "300"})
        line = next(line for line in result.stdout.splitlines() if "--model " in line)
        assert "default: the config file's, else full" in line, (command, line)


def test_ctrl_c_before_any_video_is_finished_does_not_say_results_are_kept(tmp_path, monkeypatch):
    """Ctrl-C in the first video (during the model's download, say) said "results already written are kept" of
    nothing."""
    from typer.testing import CliRunner

    from liftform import pipeline
    from liftform.cli import app

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(pipeline, "analyze_video", interrupted)
    video = tmp_path / "lift.mp4"
    video.write_bytes(b"not decoded: interrupted first")
    result = CliRunner().invoke(app, ["analyze", "--quiet", str(video), "-o", str(tmp_path / "out")])
    assert result.exit_code == 130
    assert "nothing was written" in result.output and "kept" not in result.output, result.output


def test_an_interrupted_score_says_so_in_one_line_whatever_the_width(tmp_path, monkeypatch):
    """A batch stopped by `timeout` or a scheduler (SIGTERM, taken as Ctrl-C) logs to a file: the line was wrapped at
    80 columns there, in two, and a folder named with brackets lost them to rich's markup."""
    from typer.testing import CliRunner

    import liftform.batch
    from liftform.cli import app

    done_before = []

    def interrupted(*args, progress, **kwargs):
        for n in done_before:
            progress(n, 3, SimpleNamespace(ok=True))
        raise KeyboardInterrupt

    monkeypatch.setattr(liftform.batch, "score", interrupted)
    out = tmp_path / "a rather long folder name for the results of [the night's] batch"
    result = CliRunner().invoke(app, ["score", "--quiet", str(tmp_path), "-o", str(out)])
    assert result.exit_code == 130
    # Nothing done: nothing is said to be kept ("0 video(s) done, their results ... are kept" had been said).
    assert result.output.strip().splitlines() == [
        "interrupted before any video was finished; run the same command again to score them"]
    done_before.append(1)
    result = CliRunner().invoke(app, ["score", "--quiet", str(tmp_path), "-o", str(out)])
    assert result.output.strip().splitlines() == [
        f"interrupted: 1 video(s) done, their results and {out / 'summary.csv'} are kept; run the same command again "
        "to finish the rest"]


@pytest.mark.parametrize("command", ["score", "rescore"])
def test_a_ctrl_c_as_a_finished_batch_prints_its_table_says_the_batch_finished(tmp_path, monkeypatch, command):
    """A Ctrl-C while the table of a batch that had finished printed said only "interrupted by Ctrl-C", which left a
    user thinking part of the night's work was lost."""
    from typer.testing import CliRunner

    import liftform.batch
    import liftform.cli.batch as cli_batch
    from liftform.batch.runner import BatchResult
    from liftform.cli import app

    monkeypatch.setattr(liftform.batch, command, lambda *args, **kwargs: BatchResult(out_root=tmp_path, total=0))

    def ctrl_c(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli_batch, "_print_scored", ctrl_c)
    monkeypatch.setattr(cli_batch, "print_batch", ctrl_c)
    out = tmp_path / "out"
    places = [str(tmp_path), "-o", str(out)] if command == "score" else [str(out)]
    result = CliRunner().invoke(app, [command, "--quiet", *places])
    assert result.exit_code == 130, result.output
    words = "scoring" if command == "score" else "rescore"
    assert result.output.strip().splitlines() == [
        f"interrupted while printing the table: the {words} had finished, and {out / 'summary.csv'} says how each "
        "video went"]


def test_score_options_that_do_not_go_together_are_bad_usage(tmp_path):
    """`score --engine foo`, `--timeout` with Ray and `--address` without it exited 1, the code of a video that could
    not be analysed; bad usage is 2 (README "Exit status"), as `screen --rep` without `--neutral` is. One line each."""
    from typer.testing import CliRunner

    from liftform.cli import app

    misuses = {("--engine", "foo"): "unknown engine", ("--engine", "ray", "--timeout", "5"): "--timeout",
               ("--address", "auto"): "--address"}
    for options, words in misuses.items():
        result = CliRunner().invoke(app, ["score", str(tmp_path / "clips"), "-o", str(tmp_path / "out"), *options])
        assert result.exit_code == 2 and words in result.output, (options, result.exit_code, result.output)
        assert len(result.output.strip().splitlines()) == 1, result.output
        assert not (tmp_path / "out").exists()


def test_help_shows_no_type_after_a_flag():
    """typer 0.29 showed `<bool>` after every flag (`--no-video <bool>`), as if it took a value; options that take
    one keep their type."""
    from typer.testing import CliRunner

    from liftform.cli import app

    for command in ("analyze", "score", "rescore", "live", "screen", "report"):
        shown = CliRunner().invoke(app, [command, "--help"], env={"COLUMNS": "120"}).output
        assert "--help" in shown and "<bool>" not in shown, (command, shown)
    assert "<path>" in CliRunner().invoke(app, ["analyze", "--help"], env={"COLUMNS": "120"}).output


def test_the_command_list_gives_each_command_one_line():
    """`liftform --help` listed each command's whole docstring with its hard line breaks (rescore's ran to eight
    ragged lines): each command has a one-line summary there, and its own --help keeps the whole text."""
    from typer.testing import CliRunner

    from liftform.cli import app

    listing = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "120"}).output
    rows = [line for line in listing.splitlines() if line.startswith("│ ") and not line.startswith("│ --")]
    named = [line.split()[1] for line in rows]
    assert sorted(named) == sorted(["analyze", "report", "screen", "models", "config", "score", "rescore", "live"])
    assert "unless --profile" in CliRunner().invoke(app, ["rescore", "--help"], env={"COLUMNS": "120"}).output


def test_the_screen_says_not_enough_data_in_the_grey_of_not_judged(tmp_path, monkeypatch):
    """A flexibility screen that could not judge the bend printed its verdict in bold red, the colour of a
    rounded back; it is in not judged's colour (`Tone.UNSURE`), as a rep not judged is everywhere."""
    from rich.console import Console
    from typer.testing import CliRunner

    import liftform.cli.single
    import liftform.screening
    from liftform.cli import app
    from liftform.core.screen import ScreenResult
    from liftform.core.vocabulary import Tone

    nan = float("nan")
    monkeypatch.setattr(liftform.screening, "screen_video", lambda *args, **kwargs: ScreenResult(
        nan, nan, nan, nan, "insufficient_data", "the back was not seen bent", 0.0))
    console = Console(force_terminal=True, color_system="truecolor", width=200, highlight=False)
    monkeypatch.setattr(liftform.cli.single, "out", console)
    video = tmp_path / "bend.mp4"
    video.write_bytes(b"not decoded here")
    with console.capture() as captured:
        result = CliRunner().invoke(app, ["screen", str(video)])
    assert result.exit_code == 0, result.output
    grey = ";".join(str(int(Tone.UNSURE.hex[i:i + 2], 16)) for i in (1, 3, 5))
    before = captured.get().split("NOT ENOUGH DATA")[0]
    assert f"38;2;{grey}m" in before[before.rindex("\x1b["):], repr(captured.get())      # the style it is printed in


def test_every_command_with_a_progress_bar_takes_quiet(tmp_path, monkeypatch):
    """`analyze`, `score` and `rescore` took -q (no progress bar); `screen`, the one other command with a bar, refused
    it as "No such option: -q", so a clinic's script screening its clients could not quiet it."""
    from typer.testing import CliRunner

    import liftform.screening
    from liftform.cli import app
    from liftform.core.screen import ScreenResult

    for command in ("analyze", "screen", "score", "rescore"):
        shown = CliRunner().invoke(app, [command, "--help"], env={"COLUMNS": "200"}).output
        assert "--quiet" in shown and "-q " in shown, (command, shown)
    bars = []

    def screened(video, settings, **kwargs):
        bars.append(kwargs["progress"])
        return ScreenResult(80.0, 100.0, 3.0, 80.0, "hip_hinge", "you hinge to 80°", 0.9)

    monkeypatch.setattr(liftform.screening, "screen_video", screened)
    (tmp_path / "bend.mp4").write_bytes(b"not decoded here")
    result = CliRunner().invoke(app, ["screen", str(tmp_path / "bend.mp4"), "-q"])
    assert result.exit_code == 0 and "HIP HINGE" in result.stdout, result.output
    assert bars and bars[0].quiet


def test_a_resumed_batch_reckons_its_time_left_from_the_videos_it_scores_not_those_already_scored(monkeypatch):
    """A batch of 150 resumed after 23: rich's estimate (the rate of the last 30 s of updates) took the 23 found
    already scored in a few ms for the batch's pace and said "0:00:01", then "0:00:31" for what took 3 minutes;
    with videos slower than 30 s apart it showed "-:--:--" every other video. Known by construction: 20 found
    already scored at once, then 2 videos scored in 10 s each: 78 left, 10 s each, 780 s."""
    from liftform.cli import common

    clock = [100.0]
    monkeypatch.setattr(common, "time", SimpleNamespace(monotonic=lambda: clock[0]))
    bar = common.BatchBar(quiet=True, label="scoring")

    def left() -> str:
        task = bar.bar.tasks[0]
        return str(bar.bar.columns[-1].render(task))

    bar(0, 100, None)
    for done in range(1, 21):
        bar(done, 100, SimpleNamespace(ok=True, cached=True))
    assert left() == "-:--:--"          # nothing scored yet: no pace to tell
    clock[0] += 10.0
    bar(21, 100, SimpleNamespace(ok=True, cached=False))
    clock[0] += 10.0
    bar(22, 100, SimpleNamespace(ok=True, cached=False))
    assert left() == "0:13:00"
    clock[0] += 60.0                    # counted down between videos
    assert left() == "0:12:00"


def _batch_table_lines(rows, width: int) -> list[str]:
    """What `print_batch` prints of ``rows`` (SummaryRow) in a terminal ``width`` columns wide, line by line."""
    import io

    from rich.console import Console

    from liftform.cli import show

    screen = io.StringIO()
    original = show.out
    show.out = Console(file=screen, width=width, highlight=False)
    try:
        show.print_batch(rows, Path("out"), "scored")
    finally:
        show.out = original
    return screen.getvalue().splitlines()


def test_the_batch_table_cuts_a_long_file_name_short_not_the_columns_after_it():
    """A video named with 200 characters took the whole width of an 80-column terminal: the rounded-rep count,
    the spine, the view and the note were left off every row of the table."""
    from liftform.batch.summary import SummaryRow

    rows = [SummaryRow("/clips/" + "x" * 200 + ".mp4", "x" * 200, verdict="safe", reps=3, flagged_reps=0,
                       peak_spine_flexion_deg=2.0, view="side"),
            SummaryRow("/clips/b.mp4", "b", verdict="rounded_back", reps=3, flagged_reps=3,
                       peak_spine_flexion_deg=40.0, view="side")]
    lines = [line for line in _batch_table_lines(rows, 80) if line[:1] in "┏┃┡│└"]     # the table's
    assert all(len(line) <= 80 for line in lines)
    assert any("ROUNDED BACK" in line and "3/3" in line and "40°" in line and "side" in line for line in lines)
    assert any(line.startswith("│ xxx") and "0/3" in line for line in lines)


def test_a_terminal_narrower_than_the_batch_table_gets_a_line_per_video_with_every_column():
    """At 40 columns the table was cut after "rounded": the spine, the view and the note, "(cached)" and a failed
    video's reason among them, left off without a mark. Narrower than the table (80), a line per video says all."""
    from liftform.batch.summary import SummaryRow, failed_row

    rows = [SummaryRow("/clips/b.mp4", "b", verdict="rounded_back", reps=3, flagged_reps=3,
                       peak_spine_flexion_deg=40.0, view="side", cached=True),
            failed_row("/clips/notes.mp4", "notes", "/clips/notes.mp4 is not a readable video")]
    said = " ".join(" ".join(_batch_table_lines(rows, 40)).split())
    assert "b: ROUNDED BACK, 3/3 rounded, spine 40°, side; (cached)" in said, said
    assert "notes: FAILED; is not a readable video" in said, said
    assert not any(line[:1] in "┏┃┡│└" for line in _batch_table_lines(rows, 40))
    assert any(line[:1] == "┃" for line in _batch_table_lines(rows, 80))          # wide enough: the table


def test_the_batch_table_says_how_many_reps_of_a_safe_video_were_not_judged():
    """A real squat called SAFE, 0/5, had 3 of its 5 reps undecided, said only in index.html: its note gave the
    first warning, another one."""
    from liftform.batch.summary import SummaryRow

    rows = [SummaryRow("/clips/squat.mp4", "squat", verdict="safe", reps=5, flagged_reps=0, undecided_reps=3,
                       peak_spine_flexion_deg=29.0, view="side", warnings=["the lifter was lost for 1.6 s"])]
    assert any("0/5" in line and "3 not judged; the lifter was lost" in line for line in _batch_table_lines(rows, 120))


def test_the_batch_table_keeps_room_for_the_note_in_an_80_column_terminal():
    """A coach's 80-column terminal gave the note 6 characters: "(cached)" read "(cach…" and a failed video's
    reason stood a word to a line over nine lines. The file name gives way, down to 16 characters."""
    import io

    from rich.console import Console

    from liftform.batch.summary import SummaryRow
    from liftform.cli import show

    reason = "clips/notes.mp4 is not a readable video (Invalid data found when processing input); it may be damaged"
    rows = [SummaryRow("/clips/box_reach_rounded_then_flat.mp4", "box_reach_rounded_then_flat", verdict="safe",
                       reps=4, flagged_reps=0, peak_spine_flexion_deg=4.0, view="side", cached=True),
            SummaryRow("/clips/notes.mp4", "notes", status="failed", error=reason)]
    screen, original = io.StringIO(), show.out
    show.out = Console(file=screen, width=80, highlight=False)
    try:
        show.print_batch(rows, Path("out"), "scored")
    finally:
        show.out = original
    lines = [line for line in screen.getvalue().splitlines() if line[:1] in "┏┃┡│└"]
    assert all(len(line) <= 80 for line in lines)
    assert any(line.startswith("│ box_reac…en_flat") and "(cached)" in line for line in lines), lines
    failed = [i for i, line in enumerate(lines) if line.startswith("│ notes ")]
    reason_lines = [lines[failed[0]]] + [line for line in lines[failed[0] + 1:] if line.startswith("│   ")]
    assert len(reason_lines) <= 5, lines


@pytest.mark.parametrize("width", [80, 200])
def test_the_batch_table_tells_apart_videos_whose_names_differ_at_their_end(width):
    """A coach's two sets, "client_anna_deadlift_set1" (rounded) and "..._set2" (safe), were both listed as
    "client_anna_dea…", at any width: the name was cut at its end, at 24 characters at most."""
    import io

    from rich.console import Console

    from liftform.batch.summary import SummaryRow
    from liftform.cli import show

    rows = [SummaryRow(f"/clips/client_anna_deadlift_set{n}.mp4", f"client_anna_deadlift_set{n}", verdict=verdict,
                       reps=3, flagged_reps=flagged, peak_spine_flexion_deg=peak, view="side")
            for n, verdict, flagged, peak in ((1, "rounded_back", 3, 41.0), (2, "safe", 0, 2.0))]
    screen, original = io.StringIO(), show.out
    show.out = Console(file=screen, width=width, highlight=False)
    try:
        show.print_batch(rows, Path("out"), "scored")
    finally:
        show.out = original
    names = [line.split("│")[1].strip() for line in screen.getvalue().splitlines() if "/3" in line]
    assert len(names) == 2 and names[0] != names[1], names
    assert names[0].endswith("set1") and names[1].endswith("set2")
    if width == 200:
        assert names == ["client_anna_deadlift_set1", "client_anna_deadlift_set2"]


def test_the_screen_names_the_head_where_the_head_stopped_the_bend(tmp_path, monkeypatch):
    """A rendered stoop whose head hung (the back's outline 2 deg) was told "hinge depth 70° ... before the back
    rounded; spine flexion at most 2°": the head, not the back, stopped it, and the line says so."""
    from typer.testing import CliRunner

    import liftform.screening
    from liftform.cli import app
    from liftform.core.screen import ScreenResult

    monkeypatch.setattr(liftform.screening, "screen_video", lambda *args, **kwargs: ScreenResult(
        70.4, 92.0, 1.96, 99.0, "hip_hinge", "you hinge to 70°", 0.9, rounded=True, head_led=True,
        max_neck_flexion_deg=57.0))
    video = tmp_path / "bend.mp4"
    video.write_bytes(b"not decoded here")
    result = CliRunner().invoke(app, ["screen", str(video), "--save-profile", str(tmp_path / "me.toml")])
    printed = " ".join(result.output.split())
    assert result.exit_code == 0, result.output
    assert "before the head hung past its limit (neck flexed up to 57°, limit 40°)" in printed
    assert "before the back rounded" not in printed
    assert "personal_max_flexion_deg" not in (tmp_path / "me.toml").read_text()


def test_config_checks_a_profile_and_shows_it_merged(tmp_path):
    """`liftform config me.toml` refused a profile ("pass it with --profile") and `config` had no --profile: a
    clinician had no way to check one. `liftform config --profile me.toml` checks it (a bad one fails in one line)
    and prints the settings with its values, commented out as a lifter's own, and says whose it is."""
    from typer.testing import CliRunner

    from liftform.cli import app
    from liftform.core.screen import ScreenResult
    from liftform.screening import profile_toml
    from liftform.toml_files import tomllib  # tomli on Python 3.10

    profile = tmp_path / "S01.toml"
    profile.write_text(profile_toml(ScreenResult(
        62.0, 70.0, 48.0, 95.0, "lunge", "", 0.9, rounded=True, spine_rounded=True, own_neutral_bend_deg=31.25,
        read_from="/clinic/S01/checked.mp4", source_sha256="ab" * 32, rep=2)))
    refused = CliRunner().invoke(app, ["config", str(profile)])
    assert refused.exit_code != 0 and "liftform config --profile" in " ".join(refused.output.split())
    shown = CliRunner().invoke(app, ["config", "--profile", str(profile)])
    assert shown.exit_code == 0, shown.output
    lines = shown.output.splitlines()
    for value in ("neutral_bend_deg = 31.25", "personal_max_flexion_deg = 48.0", "screen_hinge_depth_deg = 62.0"):
        [line] = [line for line in lines if line.startswith(f"# {value}  # ")]
        assert f"from the profile {profile}" in line
    written = tomllib.loads(profile.read_text())["profile"]["written"]
    assert f"read from /clinic/S01/checked.mp4, rep 2, written {written}" in shown.output
    doc = tomllib.loads(shown.output)          # still TOML to edit, the lifter's values not set for every lifter
    assert "neutral_bend_deg" not in doc["spine"] and "screen_hinge_depth_deg" not in doc["advice"]
    profile.write_text("[advice]\nscreen_hinge_depth_deg = 62.0\n")                 # written before: says so
    assert "does not say whose it is" in CliRunner().invoke(app, ["config", "--profile", str(profile)]).output
    profile.write_text("[spine]\npersonal_max_flexion_deg = 1.96\n")
    bad = CliRunner().invoke(app, ["config", "--profile", str(profile)])
    assert bad.exit_code != 0 and "inside the limit" in bad.output and "Traceback" not in bad.output


def test_config_profile_names_as_the_profiles_only_the_values_it_sets(tmp_path):
    """`liftform config --profile me.toml` of a screen that set a hinge depth and no zero showed most people's zero
    (6.0) and a range of 0.0 each "from the profile me.toml": a clinician checking the profile read it as holding
    them. The values the profile leaves out are said to be the defaults."""
    from typer.testing import CliRunner

    from liftform.cli import app

    profile = tmp_path / "me.toml"
    profile.write_text("[advice]\nscreen_hinge_depth_deg = 62.0\n")
    shown = CliRunner().invoke(app, ["config", "--profile", str(profile)])
    assert shown.exit_code == 0, shown.output
    lines = {line.split(" = ")[0]: line for line in shown.output.splitlines()
             if line.startswith("# ") and " = " in line}
    assert f"from the profile {profile}" in lines["# screen_hinge_depth_deg"]
    for key in ("# neutral_bend_deg", "# personal_max_flexion_deg"):
        assert f"the default: the profile {profile} does not set it" in lines[key], lines[key]
        assert f"from the profile {profile}" not in lines[key]


PRINTED_IN_ASCII = """
import sys
sys.path.insert(0, sys.argv[1])
from synthetic_tracks import lift_track
from liftform import pipeline
from liftform.analysis import ModelInfo, SourceInfo
from liftform.settings import Settings

def analysed(video, *args, **kwargs):
    track, _ = lift_track("rounded_back", n_reps=1)
    source = SourceInfo(str(video), "0" * 64, 30.0, len(track), *track.frame_size_wh, 3.0)
    return pipeline.analyze_track(track, source, ModelInfo("full", "0" * 64), Settings())

pipeline.analyze_video = analysed
sys.argv = ["liftform", "analyze", "a.mp4", "b.mp4", "-o", "out", "--no-report", "--quiet"]
from liftform.__main__ import main
main()
"""


def test_results_print_where_the_output_cannot_encode_a_degree_sign(tmp_path):
    """Where stdout's encoding lacks a character of the results (°: ASCII, Latin-1 for "−", a Windows console
    redirected to a file), the first video's lines ended in a UnicodeEncodeError traceback and the next video was
    never analysed. The character is printed as "?"."""
    run = subprocess.run([sys.executable, "-c", PRINTED_IN_ASCII, str(Path(__file__).parent)], capture_output=True,
                         text=True, encoding="ascii", errors="strict", cwd=tmp_path,
                         env={**os.environ, "PYTHONIOENCODING": "ascii"})
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr
    assert run.stdout.startswith("a.mp4: ROUNDED BACK") and "\nb.mp4: ROUNDED BACK" in run.stdout, run.stdout
    assert re.search(r"the spine rounded \d+\? past neutral", run.stdout), run.stdout


# The lowest version of a dependency pyproject may allow, and what the one below did (measured in a scratch venv with
# the package installed from a wheel, the rest of its dependencies current).
DEPENDENCY_FLOORS = {
    # typer 0.12-0.15.3 with click 8.2 or later (pip leaves an old typer in place where it satisfies the floor, and
    # another package may want a newer click): `liftform --help` was a TypeError traceback (`make_metavar() missing
    # ... 'ctx'`), with 0.12.5 and 0.15.3 against click 8.5.1. 0.16 is typer's first release made for click 8.2.
    "typer": (0, 16),
    # PyAV 12.3, 13.1 and 14.0.1: every `analyze` ended in an AttributeError traceback (no `Stream.disposition`,
    # `video_header`); 14.1.0 analyses the samples as 18.1 does.
    "av": (14, 1),
}


@pytest.mark.parametrize("package", list(DEPENDENCY_FLOORS))
def test_pyproject_allows_no_version_of_a_dependency_known_to_fail(package):
    from liftform.toml_files import tomllib  # tomli on Python 3.10

    requirements = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text())["project"]["dependencies"]
    floors = [re.fullmatch(rf"{package}>=(\d+)(?:\.(\d+))?(?:\.\d+)?", req.split(";")[0].replace(" ", ""))
              for req in requirements if re.match(rf"{package}\b", req)]
    assert len(floors) == 1 and floors[0] is not None, requirements
    assert (int(floors[0][1]), int(floors[0][2] or 0)) >= DEPENDENCY_FLOORS[package], floors[0][0]


def test_a_profile_screened_from_another_ones_zero_says_where_the_zero_was_read(tmp_path, monkeypatch):
    """`liftform screen bend.mp4 --profile me.toml --save-profile me.toml` (the README's way to screen from your own
    zero): the new profile said it was read from bend.mp4, "neutral_checked = true  # the bend was checked neutral",
    of a bend that rounded, and nothing of the checked rep the zero came from (`config --profile` neither)."""
    from typer.testing import CliRunner

    import liftform.screening
    from liftform.cli import app
    from liftform.core.screen import ScreenResult
    from liftform.screening import personal_profile_toml, profile_about
    from liftform.toml_files import tomllib  # tomli on Python 3.10

    checked = tmp_path / "clinic" / "checked.mp4"
    me = tmp_path / "me.toml"
    me.write_text(personal_profile_toml("", profile_about(str(checked), "ab" * 32, 2), neutral_bend_deg=-12.0))
    bend = tmp_path / "bend.mp4"
    bend.write_bytes(b"not decoded here")
    monkeypatch.setattr(liftform.screening, "screen_video", lambda video, settings, **kwargs: ScreenResult(
        56.0, 75.0, 43.0, 94.0, "lunge", "your back starts to round at 56°", 0.9, rounded=True, spine_rounded=True,
        own_neutral_bend_deg=settings.spine.neutral_bend_deg, read_from=str(bend), source_sha256="cd" * 32))
    for _ in range(2):        # twice: a profile screened again from the profile it wrote keeps the zero's first origin
        result = CliRunner().invoke(app, ["screen", str(bend), "--profile", str(me), "--save-profile", str(me), "-q"])
        assert result.exit_code == 0, result.output
        about = tomllib.loads(me.read_text())["profile"]
        assert about["read_from"] == str(bend) and "rep" not in about, about
        assert f"read from {checked}, rep 2" in about["zero_from"], about
        assert "# the bend was checked neutral" not in me.read_text()
    said = CliRunner().invoke(app, ["config", "--profile", str(me)], env={"COLUMNS": "300"}).output
    assert f"its zero from the profile {me}: read from {checked}, rep 2" in said, said


@pytest.mark.parametrize("why, said", [("the video file changed", False), ("other settings", True)])
def test_a_video_posed_again_is_told_the_pose_causes_only_where_they_may_apply(capsys, why, said):
    """A re-filmed week replacing its file was told its saved poses "could not be used (other pose settings, model or
    mediapipe, someone followed whose landmarks are not kept)": a changed file's poses are another video's."""
    from liftform.batch.runner import BatchResult
    from liftform.batch.summary import SummaryRow
    from liftform.cli.batch import _print_scored

    result = BatchResult(Path("out"), 1, rows=[SummaryRow("/s/P02/week3/lift.mp4", "w3", verdict="safe", reps=4)],
                         redone=["w3"], redone_why={"w3": why})
    _print_scored(result, Path("out"), False)
    printed = " ".join(capsys.readouterr().out.split())
    assert f"their earlier results replaced, as {why} (1)" in printed, printed
    assert ("saved poses could not be used (other pose settings" in printed) == said
