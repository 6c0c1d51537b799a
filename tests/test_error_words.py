"""What an error asks its reader to set, in the reader's words: a script is told the argument or setting (a script
had been told "pass --model PATH", "pass it with --profile"), the `liftform` command its option alone."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from liftform import Settings, analyze_video, errors, load_settings
from liftform.batch import score
from liftform.cli import app
from liftform.errors import SETTERS, ConfigError, ModelError, UsageError, on_the_command_line
from liftform.models import resolve_model
from liftform.settings import PoseSettings

VIDEO = Path(__file__).parents[1] / "sample_videos" / "box_hinge.mp4"     # never decoded: refused before


def _profile(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _a_profile(folder: Path) -> Path:
    return _profile(folder, "me.toml", "[profile]\nneutral_checked = true\n[spine]\nneutral_bend_deg = 12.0\n")


def _a_profile_with_a_threshold(folder: Path) -> Path:
    return _profile(folder, "odd.toml", "[verdict]\nrounded_back_spine_deg = 20\n")


# A mistake made from Python, the error it raises, and the setter its message names (both vocabularies).
MISTAKES = {
    "a model that is none": (lambda tmp: analyze_video(VIDEO, None, Settings(pose=PoseSettings(model=str(
        tmp / "nosuch.task")))), ModelError, errors.MODEL),
    "a model folder that is none": (lambda tmp: analyze_video(VIDEO, None, model_dir=tmp / "none"), ModelError,
                                    errors.MODEL_DIR),
    "a model neither there nor to download": (lambda tmp: resolve_model("lite", cache_dir=tmp, download=False),
                                              ModelError, errors.MODEL_PATH),
    "a profile passed as a config file": (lambda tmp: load_settings(_a_profile(tmp)), ConfigError, errors.PROFILE),
    "a profile setting a threshold": (lambda tmp: load_settings(profile_path=_a_profile_with_a_threshold(tmp)),
                                      ConfigError, errors.CONFIG),
    "a Ray address for the local engine": (lambda tmp: score([VIDEO], tmp / "out", address="auto"), UsageError,
                                           errors.ADDRESS),
}


@pytest.mark.parametrize("mistake", list(MISTAKES))
def test_an_error_raised_to_a_script_names_what_a_script_sets(mistake, tmp_path, monkeypatch):
    monkeypatch.delenv("LIFTFORM_MODEL_DIR", raising=False)
    call, error, setter = MISTAKES[mistake]
    with pytest.raises(error) as info:
        call(tmp_path)
    message = str(info.value)
    assert f"{setter.command_line}, or {setter.python} in Python" in message, message
    bare = re.sub(r"`[^`]*`", "", message)          # a command to run, in backquotes, is right for either reader
    assert bare.count(setter.command_line) == 1, message        # the option said once: beside the script's words


def test_overrides_given_in_python_are_called_so_not_the_command_line():
    with pytest.raises(ConfigError, match=r"^overrides \[verdict\] rounded_back_spine_deg must be at least 5 and at "
                                          "most 90, got 999"):
        load_settings(overrides={"verdict": {"rounded_back_spine_deg": 999}})


def test_the_command_line_shows_each_setter_as_its_option_alone():
    for setter in SETTERS:
        assert on_the_command_line(f"pass it with {setter}; then run again") == \
            f"pass it with {setter.command_line}; then run again"
    assert on_the_command_line("pass it with Settings.pose.model") == "pass it with Settings.pose.model"


# The same mistakes made on the command line: the one line names the option the user typed, and no Python.
TYPED = {
    "a model that is none": (lambda tmp: ["--model", str(tmp / "nosuch.task")],
                             "check the name or path (--model, or [pose] model in a config)"),
    "a model folder that is none": (lambda tmp: ["--model-dir", str(tmp / "none")],
                                    "{tmp}/none (from --model-dir) does not exist"),
    "a profile setting a threshold": (lambda tmp: ["--profile", str(_a_profile_with_a_threshold(tmp))],
                                      "[advice] screen_hinge_depth_deg): pass other settings with --config"),
    "a model named as none": (lambda tmp: ["--model", "ful"], "error: --model must be lite, full, heavy"),
}


@pytest.mark.parametrize("mistake", list(TYPED))
def test_the_command_line_names_the_option_typed_and_no_python(mistake, tmp_path, monkeypatch):
    monkeypatch.delenv("LIFTFORM_MODEL_DIR", raising=False)
    options, says = TYPED[mistake]
    _said_in_one_line(["analyze", str(VIDEO), *options(tmp_path), "-o", str(tmp_path / "out")],
                      says.replace("{tmp}", str(tmp_path)))


def test_the_command_line_names_its_profile_option_for_a_profile_passed_as_a_config_file(tmp_path):
    _said_in_one_line(["config", str(_a_profile(tmp_path))], "pass it with --profile, not as a config file")


def _said_in_one_line(argv: list[str], says: str) -> None:
    result = CliRunner().invoke(app, argv)
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == 1 and len(lines) == 1, result.output
    assert says in lines[0] and "Python" not in lines[0], lines[0]
