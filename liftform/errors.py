"""One error family. The library raises these; the CLI turns them into one line on stderr and exit code 1 (2 for a
`UsageError`).

Every message says what went wrong *and* what to do about it.
"""

from __future__ import annotations


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
