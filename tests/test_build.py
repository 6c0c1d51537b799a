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


def test_an_editors_files_beside_the_source_are_not_read(package):
    """An editable install being edited: Emacs keeps a lock file ``.#run.py`` (a link to nowhere) beside the file, and
    Jupyter its checkpoints. Reading the lock had raised FileNotFoundError from every command, `liftform --version`
    too, and the analysis at its end; the checkpoint had made another build of the same source."""
    first = _digest()
    os.symlink("someone@host.4242:1733472000", package / "core" / ".#run.py")
    (package / "core" / ".ipynb_checkpoints").mkdir()
    (package / "core" / ".ipynb_checkpoints" / "run-checkpoint.py").write_text("limit = 30\n")
    assert _digest() == first
