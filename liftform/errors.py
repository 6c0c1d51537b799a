"""One error family. The library raises these; the CLI turns them into one line on stderr and exit code 1 (2 for a
`UsageError`).

Every message says what went wrong *and* what to do about it; what to set, in a Python caller's words and the
command's (`Setter`).
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple


class LiftformError(Exception):
    """Base of every error liftform raises on purpose."""


class InputError(LiftformError):
    """A video (or other input) cannot be read or analysed."""


class ModelError(LiftformError):
    """The pose model cannot be found, downloaded or loaded."""


class ConfigError(LiftformError):
    """A settings file or value is invalid."""


class UsageError(ConfigError):
    """Options that do not go together, or an option's value outside its choices: bad usage (exit code 2)."""


class OutputError(LiftformError):
    """An output cannot be written."""


class DrawingFailed(OutputError):
    """The analysis is kept in ``folder`` (result.json, the CSVs, poses.npz), but its annotated video or report
    could not be drawn (a full disk): the caller can still tell its verdict."""

    def __init__(self, message: str, folder: Path) -> None:
        super().__init__(message)
        self.folder = folder


class Setter(NamedTuple):
    """What a reader sets to act on a message, in two vocabularies: the `liftform` command's (an option) and a Python
    caller's (an argument or a setting). A message names both (``f"{MODEL}"``: "--model, or Settings.pose.model in
    Python"), right for a script and in a file a command writes; the CLI shows the command's words alone
    (`on_the_command_line`)."""

    command_line: str    # e.g. "--model"
    python: str          # e.g. "Settings.pose.model"

    def __str__(self) -> str:
        return f"{self.command_line}, or {self.python} in Python"


MODEL = Setter("--model", "Settings.pose.model")
MODEL_PATH = Setter("--model PATH", "the path as Settings.pose.model")
MODEL_DIR = Setter("--model-dir", "the model_dir argument")
CONFIG = Setter("--config", "load_settings' config_path")
PROFILE = Setter("--profile", "load_settings' profile_path")
OUTPUT = Setter("-o", "the out_root argument")
NEUTRAL = Setter("--neutral", "screen_video's neutral=True")
REP = Setter("--rep N", "screen_video's rep")
TIMEOUT = Setter("--timeout", "timeout_s")
ADDRESS = Setter("--address", "address")
RAY_ENGINE = Setter("--engine ray", "engine='ray'")
LOCAL_ENGINE = Setter("--engine local", "engine='local'")
SETTERS = (MODEL, MODEL_PATH, MODEL_DIR, CONFIG, PROFILE, OUTPUT, NEUTRAL, REP, TIMEOUT, ADDRESS, RAY_ENGINE,
           LOCAL_ENGINE)


def on_the_command_line(text: str) -> str:
    """``text`` (a message, a note) with each `Setter` it names in the command's words alone: what the CLI shows."""
    for setter in SETTERS:
        text = text.replace(str(setter), setter.command_line)
    return text
