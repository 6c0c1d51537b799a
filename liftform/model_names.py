"""What may name a pose model: a shipped model's name or the path of a bundle (`models.resolve_model` finds it).

One answer for the settings (a config's `[pose] model`, checked as the file is read) and for the model's resolution.
"""

from __future__ import annotations

import os
from pathlib import Path

from liftform.errors import ModelError

MODEL_NAMES = ("lite", "full", "heavy")
MODEL_CHOICES = "lite, full, heavy or the path to a .task file"   # what a model's name may be, in words


def shipped_name(model: str) -> str:
    """The shipped model ``model`` names (`MODEL_NAMES`, in any case, spaces around), "" where it names none."""
    name = model.strip().lower()
    return name if name in MODEL_NAMES else ""


def names_a_file(model: str) -> bool:
    """Whether ``model`` (not a shipped model's name) reads as the path of a bundle: a .task file, a path with a
    folder in it, or a file that is there. A config's `model = "huge"` is none (it had passed `liftform config` and
    been put aside by `rescore`, to fail only where a video was analysed)."""
    separators = {os.sep, os.altsep or os.sep}
    return (model.strip().lower().endswith(".task") or any(sep in model for sep in separators)
            or Path(os.path.expanduser(model)).is_file())


def expanded_path(path: str | Path, given_as: str) -> Path:
    """``path`` (a model's, its folder's, the cache's: from ``given_as``) with a leading ~ or ~user expanded;
    ModelError where no home is known for it (pathlib raised RuntimeError: `LIFTFORM_MODEL_DIR=~nobody/models`
    ended in a traceback)."""
    expanded = os.path.expanduser(str(path))
    if expanded.startswith("~"):
        raise ModelError(f"{path} (from {given_as}): no home folder is known for {expanded.split(os.sep)[0]}; "
                         "write the path in full")
    return Path(expanded)
