"""The liftform build (`liftform.build`): the version and a digest of the source that judges, as result.json's
``versions.liftform`` and `liftform --version` name it."""

from __future__ import annotations

import os

import pytest

from liftform import build


@pytest.fixture
def package(tmp_path, monkeypatch):
    """A package folder of two judging modules and one that only prints, taken for liftform's own."""
    root = tmp_path / "liftform"
    (root / "core").mkdir(parents=True)
    (root / "cli").mkdir()
    (root / "build.py").write_text("digest = 1\n")
    (root / "core" / "run.py").write_text("limit = 21\n")
    (root / "cli" / "out.py").write_text("print('hello')\n")
    monkeypatch.setattr(build, "__file__", str(root / "build.py"))
    build.source_digest.cache_clear()
    yield root
    build.source_digest.cache_clear()


def _digest() -> str:
    build.source_digest.cache_clear()
    return build.source_digest()


def test_the_digest_changes_with_the_judging_source_alone(package):
    first = _digest()
    assert len(first) == 12
    (package / "cli" / "out.py").write_text("print('hello again')\n")
    assert _digest() == first                       # only prints: nothing to judge again
    (package / "core" / "run.py").write_text("limit = 25\n")
    assert _digest() != first


def test_a_windows_checkout_of_the_same_source_is_the_same_build(package):
    """git's autocrlf checks the source out with CRLF line endings on Windows: the same rules, so the same build (a
    folder scored there and moved to Linux, or a cluster of both, had been judged again or refused)."""
    first = _digest()
    (package / "core" / "run.py").write_bytes(b"limit = 21\r\n")
    assert _digest() == first
    (package / "core" / "run.py").write_bytes(b"limit = 22\r\n")
    assert _digest() != first


def test_an_editors_files_beside_the_source_are_not_read(package):
    """An editable install being edited: Emacs keeps a lock file ``.#run.py`` (a link to nowhere) beside the file, and
    Jupyter its checkpoints. Reading the lock had raised FileNotFoundError from every command, `liftform --version`
    too, and the analysis at its end; the checkpoint had made another build of the same source."""
    first = _digest()
    os.symlink("someone@host.4242:1733472000", package / "core" / ".#run.py")
    (package / "core" / ".ipynb_checkpoints").mkdir()
    (package / "core" / ".ipynb_checkpoints" / "run-checkpoint.py").write_text("limit = 30\n")
    assert _digest() == first
