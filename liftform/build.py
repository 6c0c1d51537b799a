"""Which liftform judged a result: its version and the source that decides results.

``__version__`` has stayed 0.1.0 through every change of the rules, so the version alone named no rules: a `score`
after an upgrade took the earlier liftform's results as already scored (the settings fingerprint holds the version,
`batch.summary.settings_fingerprint`), kept as if judged by the new rules, without a word. The build is the version
with a digest of the package's source as its PEP 440 local label (``0.1.0+1a2b3c4d5e6f``): it changes with any change
that can decide a result, whether or not anyone remembered to raise the version. What only prints (cli/), draws the
report (report/) or renders test footage (synth/) is left out: a change there judges nothing again.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

# Sub-packages whose source decides no result (see the module's docstring).
NOT_JUDGING = ("cli", "report", "synth")


@lru_cache(maxsize=1)
def source_digest() -> str:
    """12 hex digits of the package's judging source (each file's path in the package and bytes, CRLF read as LF,
    in path order); "" where the package has no source files (installed as bytecode only)."""
    return digest_of(Path(__file__).resolve().parent)


def digest_of(package: Path) -> str:
    """`source_digest` of the package in the folder ``package``: its modules, those Python can import (a name that
    is an identifier, a file). An editor's files beside them are not the source: Emacs's lock file ``.#run.py``, a
    dangling link, had stopped every command of an editable install with a traceback, its read failing."""
    files = sorted(path for path in package.rglob("*.py")
                   if _importable(path.relative_to(package)) and path.relative_to(package).parts[0] not in NOT_JUDGING
                   and path.is_file())
    if not files:
        return ""
    digest = hashlib.sha256()
    for path in files:
        # Line endings as Linux has them: a Windows checkout (git's autocrlf) is the same source, the same rules.
        source = path.read_bytes().replace(b"\r\n", b"\n")
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + source + b"\0")
    return digest.hexdigest()[:12]


def _importable(relative: Path) -> bool:
    """Whether the file at ``relative`` (inside the package) can be a module of it: each folder and its stem a name."""
    return all(part.isidentifier() for part in (*relative.parts[:-1], relative.stem))


def liftform_build() -> str:
    """This liftform's version with its source's digest (``0.1.0+1a2b3c4d5e6f``): result.json's
    ``versions.liftform``, the rules that judged it."""
    from liftform import __version__

    digest = source_digest()
    return f"{__version__}+{digest}" if digest else __version__
