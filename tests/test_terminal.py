"""Where the command line's words go cannot stop a run (`liftform.terminal`): a closed pipe, a full disk, a closed
stderr, COLUMNS=0, a deleted current folder."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest

from liftform.terminal import Unstoppable

COMMAND = [sys.executable, "-m", "liftform"]


class _ReaderGone(io.StringIO):
    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")


def test_a_stream_whose_reader_went_away_drops_what_follows_and_the_run_goes_on():
    """`analyze a.mp4 b.mp4 | grep -m1 ROUNDED` had ended at the first line after grep left: b never analysed, exit
    1, nothing said. The stream's writes are dropped from then on, without raising, and said nowhere (the reader
    asked for no more)."""
    stream = Unstoppable(_ReaderGone(), "stdout")
    assert stream.write("a.mp4: ROUNDED BACK\n") == len("a.mp4: ROUNDED BACK\n")
    assert isinstance(stream.lost, BrokenPipeError)
    assert stream.write("b.mp4: SAFE\n") == len("b.mp4: SAFE\n")
    stream.flush()


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_stdout_on_a_full_disk_is_said_in_one_line_and_the_command_still_succeeds():
    """`liftform config > settings.toml` on a full disk ended in a 54-line traceback (so did analyze, score, models,
    its later videos never analysed). One note on stderr; the command's own work done."""
    with open("/dev/full", "w") as full:
        run = subprocess.run([*COMMAND, "config"], stdout=full, stderr=subprocess.PIPE, text=True, timeout=120)
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr
    assert run.stderr.strip().splitlines() == ["note: cannot write to stdout (no space left on device): the rest of "
                                               "what liftform prints is dropped, its results are still written"]


def test_a_closed_stderr_or_columns_0_do_not_silence_or_stop_a_command():
    """`2>&-` had stopped analyze, score and rescore at their first progress bar, with no word anywhere; COLUMNS=0
    had silenced every command, errors included (`config > file` wrote an empty file)."""
    closed = subprocess.run([*COMMAND, "config"], capture_output=True, text=True, timeout=120,
                            preexec_fn=lambda: os.close(2))
    assert closed.returncode == 0 and closed.stdout.startswith("[pose]"), closed
    env = {**os.environ, "COLUMNS": "0"}
    zero = subprocess.run([*COMMAND, "analyze", "nowhere.mp4"], capture_output=True, text=True, env=env, timeout=120)
    assert zero.returncode == 1 and "video not found: nowhere.mp4" in zero.stderr, zero
    assert subprocess.run([*COMMAND, "config"], capture_output=True, text=True, env=env,
                          timeout=120).stdout.startswith("[pose]")


def test_a_current_folder_deleted_under_the_shell_is_said_in_one_line(tmp_path):
    """A relative (or the default) -o from a folder deleted under the shell ended in a 52-line traceback."""
    script = (f"mkdir gone && cd gone && rmdir ../gone && exec {sys.executable} -m liftform analyze "
              f"{tmp_path / 'lift.mp4'} -o out")
    run = subprocess.run(["sh", "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert run.stderr.strip() == ("error: the current folder no longer exists (it was deleted or moved): cd to "
                                  "another folder and run the command again"), run.stderr
