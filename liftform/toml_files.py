"""Reading a TOML file a user gives (a ``--config``, a ``--profile``): one line for each way it is no such file; and
writing a setting's value as TOML (`toml_value`, for `liftform config`)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from liftform.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

# `liftform config` prints ~4 KB: a file past this is something else (a video passed as --config), not read whole.
MAX_SETTINGS_BYTES = 1 << 20


EMPTY_FIX = {"config": "for the defaults write them to it with `liftform config > FILE`",
             "profile": "save it again (`liftform screen VIDEO --neutral --save-profile FILE`)"}


def read_toml(path: Path, what: str) -> dict[str, Any]:
    """The TOML document at ``path``; ConfigError (one line, naming it as ``what``) if missing or not TOML."""
    data = _settings_bytes(path, what)
    try:
        text = data.decode("utf-8-sig")     # the byte-order mark some editors begin a file with is no setting
    except UnicodeDecodeError as exc:
        if b"\0" in data[:4096]:      # a video or picture given as one: "save it as UTF-8" had been said of it
            raise ConfigError(f"{what} file {path} is no text at all (a video or a picture?): pass the {what} file, a "
                              "TOML text") from None
        line = data[:exc.start].count(b"\n") + 1
        raise ConfigError(f"{what} file {path} is not UTF-8 text (byte 0x{data[exc.start]:02x} on line {line}): "
                          "save it as UTF-8") from None
    if not text.strip():    # a redirect whose command failed (`liftform config > my.toml`) was the defaults silently
        # Not "leave it out for the defaults": `score` and `rescore` without one resume under the settings their
        # folder was last judged with (`batch.judged_with`).
        raise ConfigError(f"{what} file {path} is empty (a save or a redirect that failed?); {EMPTY_FIX[what]}")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{what} file {path} is not valid TOML: {exc}") from None
    except ValueError:          # Python reads no whole number of over 4300 digits (a traceback had said so)
        raise ConfigError(f"{what} file {path} holds a number too long to read (over 4300 digits)") from None


def _settings_bytes(path: Path, what: str) -> bytes:
    """The bytes of the file at ``path``, or ConfigError: a folder, not there, no regular file (a pipe is read
    empty by the second of a command's reads), too large to be a settings file, unreadable."""
    if not path.is_file():
        if path.is_dir():
            raise ConfigError(f"{what} file {path} is a folder, not a file; pass a .toml file")
        if path.exists():
            raise ConfigError(f"{what} file {path} is not a regular file (a pipe or a device); save the settings "
                              "to a file and pass that")
        raise ConfigError(f"{what} file not found: {path}")
    try:
        with path.open("rb") as file:
            data = file.read(MAX_SETTINGS_BYTES + 1)
    except OSError as exc:                  # no permission to read it, an I/O error
        raise ConfigError(f"cannot read {what} file {path} ({exc.strerror or exc})") from None
    if len(data) > MAX_SETTINGS_BYTES:
        raise ConfigError(f"{what} file {path} is over {MAX_SETTINGS_BYTES >> 20} MB: no settings file "
                          "(`liftform config` prints one)")
    return data


def toml_value(value: Any) -> str:
    """``value`` (a setting's: bool, number, string, list of them) as TOML text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):    # JSON's escapes are TOML's; a model path's tab or newline printed raw was no TOML
        return "".join(c if c.isprintable() else f"\\u{ord(c):04x}" if ord(c) <= 0xFFFF else f"\\U{ord(c):08x}"
                       for c in json.dumps(value, ensure_ascii=False))     # and DEL, U+2028 (a line's end)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return repr(value)
