"""Reading a TOML file a user gives (a ``--config``, a ``--profile``): one line for each way it is no such file."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from liftform.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib


def read_toml(path: Path, what: str) -> dict[str, Any]:
    """The TOML document at ``path``; ConfigError (one line, naming it as ``what``) if missing or not TOML."""
    if not path.is_file():
        raise ConfigError(f"{what} file {path} is a folder, not a file; pass a .toml file" if path.is_dir() else
                          f"{what} file not found: {path}")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{what} file {path} is not valid TOML: {exc}") from None
    except OSError as exc:                  # no permission to read it, an I/O error
        raise ConfigError(f"cannot read {what} file {path} ({exc.strerror or exc})") from None
