"""Bad usage as a user types it: one line on stderr naming what is wrong, a non-zero exit, never a traceback or a
box (README "Exit status")."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from liftform.cli import app

# argv: words the one line must hold (the value typed, what is valid, where the usage is)
MISTYPED = {
    ("screen", "bend.mp4", "--neutral", "--rep", "0"): ("'0'", "--rep", "greater than or equal to 1", "screen --help"),
    ("screen", "bend.mp4", "--neutral", "--rep", "x"): ("'x'", "--rep", "valid integer"),
    ("score", "clips", "-j", "0"): ("'0'", "--workers/-j", "greater than or equal to 1", "score --help"),
    ("score", "clips", "-j", "-1"): ("'-1'", "--workers/-j", "greater than or equal to 1"),
    ("score", "clips", "-j", "1.5"): ("'1.5'", "--workers/-j", "valid integer"),
    ("score", "clips", "--timeout", "-5"): ("'-5'", "--timeout", "0.001"),
    ("score", "clips", "--timeout", "nan"): ("'nan'", "--timeout", "0.001"),
    ("live", "--no-window", "--camera", "100"): ("'100'", "--camera", "less than or equal to 99", "live --help"),
    ("anlyze", "lift.mp4"): ("No such command 'anlyze'", "Did you mean 'analyze'", "--help"),
    ("--verbose",): ("No such option: --verbose", "--help"),
    ("analyze", "--bogus", "lift.mp4"): ("No such option: --bogus", "analyze --help"),
    ("analyze",): ("Missing argument", "analyze --help"),
    ("analyze", "lift.mp4", "-o"): ("'-o' requires an argument", "analyze --help"),
    ("live", "--source"): ("'--source' requires an argument", "live --help"),     # no context of its own
    ("models", "extra"): ("unexpected extra argument", "(extra)", "models --help"),
    ("report", "a", "b", "--video", "v.mp4"): ("--video goes with one result folder",),
}


@pytest.mark.parametrize("argv", list(MISTYPED), ids=" ".join)
def test_a_mistyped_command_says_so_in_one_line_with_exit_2(argv, tmp_path):
    """typer drew these as the usage, a hint and the message in a box: five lines or more, the message wrapped in a
    frame at the terminal's width, and `--rep 0` said "Input should be greater than or equal to 1" without the 0."""
    result = CliRunner().invoke(app, list(argv), env={"COLUMNS": "60"})      # narrow: the line is not wrapped
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == 2 and len(lines) == 1 and lines[0].startswith("error: "), (result.exit_code,
                                                                                         result.output)
    assert all(word in lines[0] for word in MISTYPED[argv]), lines[0]
    assert not result.stdout and "╭" not in result.output and "Usage:" not in result.output, result.output


def test_help_is_still_drawn_in_full():
    """`liftform` alone shows the help (as typer does), and so does `--help`: neither is taken for an error."""
    for argv in ([], ["--help"], ["score", "--help"]):
        result = CliRunner().invoke(app, argv, env={"COLUMNS": "120"})
        assert result.exit_code == (2 if not argv else 0), (argv, result.exit_code)
        assert "Usage:" in result.output and "╭─ " in result.output and "error:" not in result.output, result.output


@pytest.mark.parametrize("argv", [("analyze", "{long}.mp4", "-o", "out"), ("analyze", "lift.mp4", "-o", "{long}"),
                                  ("score", "{long}.mp4", "-o", "out"), ("report", "{long}"), ("rescore", "{long}"),
                                  ("config", "{long}.toml"), ("live", "--no-window", "--source", "{long}.mp4")],
                         ids=" ".join)
def test_a_name_too_long_for_the_file_system_is_one_line(argv, tmp_path, monkeypatch):
    """A path with a name over 255 bytes (a pasted string, a generated name) made every command print a traceback:
    Python's Path.exists() raises ENAMETOOLONG."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "lift.mp4").write_bytes(b"not decoded: the output folder is refused first")
    long = "a" * 300
    result = CliRunner().invoke(app, [arg.format(long=long) for arg in argv])
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == 1 and len(lines) == 1 and lines[0].startswith("error: "), (result.exception,
                                                                                         result.output)
    assert long in lines[0] and "too long" in lines[0].lower(), lines[0]


EMPTY = {("analyze", "", "-o", "out"): "an empty argument", ("analyze", "lift.mp4", "-o", ""): "an empty value for -o",
         ("analyze", "lift.mp4", "--output="): "an empty value for --output",
         ("analyze", "lift.mp4", "--model", ""): "an empty value for --model",
         ("config", ""): "an empty argument", ("score", "clips", "-c", ""): "an empty value for -c",
         ("live", "--no-window", "--source", ""): "an empty value for --source"}


@pytest.mark.parametrize("argv", list(EMPTY), ids=repr)
def test_an_empty_value_is_bad_usage_not_the_current_folder(argv, tmp_path, monkeypatch):
    """`-o "$OUT"` with OUT unset: a path of "" was the current folder, so `analyze lift.mp4 -o ""` wrote its results
    there without a word, and `analyze ""` said ". is a directory, not a video"; `--model ""` said "command-line [pose]
    model must be ...", not the option."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "lift.mp4").write_bytes(b"not decoded: refused before")
    result = CliRunner().invoke(app, list(argv))
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == 2 and len(lines) == 1 and EMPTY[argv] in lines[0], (result.exit_code, result.output)
    assert "unset shell variable" in lines[0] and sorted(p.name for p in tmp_path.iterdir()) == ["lift.mp4"]
