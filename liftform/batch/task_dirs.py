"""The temporary folder of a Ray task on its node (the video's copy, the outputs before they are sent back), and the
removal of those a killed worker left: a task cancelled by Ctrl-C (Ray kills its worker), a crash or the kernel's
out-of-memory killer never reaches its own clean-up, and each left folder holds a copy of its video.

A folder is named after its node and its worker's process, ``liftform-task-<host>-<pid>-<random>``: a task removes
only the folders of its own node whose process is gone, never another node's (a temp folder several nodes share).
"""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path

PREFIX = "liftform-task-"


def _host_prefix() -> str:
    return f"{PREFIX}{socket.gethostname()}-"


def task_prefix() -> str:
    """The prefix of this process's task folders (``tempfile.TemporaryDirectory(prefix=...)``)."""
    return f"{_host_prefix()}{os.getpid()}-"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:   # another user's process
        return True
    return True


def remove_orphans(root: str | Path) -> list[Path]:
    """Remove this node's task folders under ``root`` whose worker process is gone; returns those removed."""
    host = _host_prefix()
    removed = []
    for folder in Path(root).glob(f"{host}*"):
        parts = folder.name[len(host):].split("-")   # pid, tempfile's random part (no "-" in it)
        if len(parts) == 2 and parts[0].isdigit() and not _alive(int(parts[0])):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed
