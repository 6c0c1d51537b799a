"""Soak test of `liftform score` (issue 12): 100 videos, 10 broken in different ways, one worker killed with
SIGKILL while it decodes a video. Every video is a row of summary.csv; every good video gets its complete result
(the killed one on the re-run, which leaves the others untouched); no broken input leaves a folder; the inputs
are not touched. About 15-25 s on 2 cores (tiny half-second clips at 320x240, --no-video --no-report: the number of
videos and the kill are what is tested, not their length)."""

from __future__ import annotations

import csv
import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import av
import numpy as np
import pytest
from video_files import write_h264

pytestmark = [pytest.mark.slow, pytest.mark.model]

N_GOOD = 90
CLIP_FRAMES = 15        # above pipeline.MIN_FRAMES


def _good_clip(sample: Path, path: Path) -> None:
    """The first half-second of a rendered lifter at 320x240."""
    with av.open(str(sample)) as inp:
        frames = [f.reformat(320, 240, format="rgb24").to_ndarray()
                  for _, f in zip(range(CLIP_FRAMES), inp.decode(video=0), strict=False)]
    write_h264(path, frames)


def _audio_only(path: Path) -> None:
    with av.open(str(path), "w") as out:
        stream = out.add_stream("aac", rate=44100)
        samples = np.zeros((1, 1024), np.float32)
        for _ in range(20):
            frame = av.AudioFrame.from_ndarray(samples, format="fltp", layout="mono")
            frame.sample_rate = 44100
            out.mux(stream.encode(frame))
        out.mux(stream.encode())


def _broken(folder: Path, good: Path) -> list[Path]:
    """Ten inputs that cannot be scored, each in its own way."""
    grey = np.full((240, 320, 3), 120, np.uint8)
    made = {
        "empty.mp4": lambda p: p.write_bytes(b""),
        "text.mp4": lambda p: p.write_text("not a video\n" * 50),
        "random.mp4": lambda p: p.write_bytes(np.random.default_rng(0).bytes(50_000)),
        "header_only.mp4": lambda p: p.write_bytes(good.read_bytes()[:1000]),
        "one_frame.mp4": lambda p: write_h264(p, [grey]),
        "no_person.mp4": lambda p: write_h264(p, [grey] * CLIP_FRAMES),
        "two_by_two.mp4": lambda p: write_h264(p, [np.zeros((2, 2, 3), np.uint8)] * CLIP_FRAMES),
        "audio_only.mp4": _audio_only,
        "dangling.mp4": lambda p: p.symlink_to(folder / "gone" / "nowhere.mp4"),
        "picture.mp4": lambda p: p.write_bytes(_png(grey)),   # a still image named .mp4
    }
    paths = []
    for name, make in made.items():
        make(folder / name)
        paths.append(folder / name)
    return paths


def _png(rgb: np.ndarray) -> bytes:
    import cv2

    ok, data = cv2.imencode(".png", rgb)
    assert ok
    return data.tobytes()


def _snapshot(folder: Path) -> dict[str, str]:
    """Relative path -> SHA-256 (or the link target) of everything under ``folder``."""
    found = {}
    for path in sorted(folder.rglob("*")):
        key = str(path.relative_to(folder))
        if path.is_symlink():
            found[key] = "-> " + os.readlink(path)
        elif path.is_file():
            found[key] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def _children(pid: int) -> list[int]:
    kids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                kids.append(int(entry.name))
    return kids


def _video_open_in(pid: int, inputs: Path) -> Path | None:
    """The input video worker ``pid`` has open (it is decoding it), if any."""
    try:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            target = os.readlink(fd)
            if target.startswith(str(inputs)) and target.endswith(".mp4"):
                return Path(target)
    except OSError:
        pass
    return None


def _kill_a_busy_worker(driver: subprocess.Popen, inputs: Path, good: set[Path], after_s: float) -> Path:
    """SIGKILL a worker of ``driver`` while it decodes a good video; that video."""
    deadline = time.monotonic() + 240
    time.sleep(after_s)
    while time.monotonic() < deadline and driver.poll() is None:
        for pid in _children(driver.pid):
            video = _video_open_in(pid, inputs)
            if video is not None and video in good:
                os.kill(pid, signal.SIGKILL)
                return video
        time.sleep(0.01)
    raise AssertionError("no worker was seen decoding a video")


def _rows(out: Path) -> dict[str, dict[str, str]]:
    with (out / "summary.csv").open(newline="") as fh:
        return {row["path"]: row for row in csv.DictReader(fh)}


def test_score_100_videos_10_broken_one_worker_killed(sample_videos, tmp_path):
    inputs, out = tmp_path / "inputs", tmp_path / "out"
    (inputs / "phone").mkdir(parents=True)
    first = inputs / "good_000.mp4"
    _good_clip(sample_videos["rounded_back"], first)
    good = [first]
    for i in range(1, N_GOOD):   # a tenth of them in a subfolder under names the top level uses too
        path = inputs / "phone" / f"good_{i - 1:03d}.mp4" if i % 10 == 0 else inputs / f"good_{i:03d}.mp4"
        path.write_bytes(first.read_bytes() + bytes(i))   # each a different file (SHA-256), same frames
        good.append(path)
    broken = _broken(inputs, first)
    before = _snapshot(inputs)
    command = [sys.executable, "-m", "liftform.cli", "score", str(inputs), "-o", str(out), "-j", "2",
               "--no-video", "--no-report", "--quiet"]
    driver = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    killed = _kill_a_busy_worker(driver, inputs, set(good), after_s=2.0)   # then waits for a worker decoding
    _, stderr = driver.communicate(timeout=600)
    assert driver.returncode == 1, stderr                                   # some inputs failed

    rows = _rows(out)
    assert len(rows) == N_GOOD + len(broken)                               # all 100 listed
    failed = {Path(p) for p, r in rows.items() if r["status"] == "failed"}
    assert failed == set(broken) | {killed}, [(str(p), rows[str(p)]["error"] if str(p) in rows else "")
                                            for p in sorted(failed ^ (set(broken) | {killed}))]
    assert "SIGKILL" in rows[str(killed)]["error"]
    assert all(r["error"] and "\n" not in r["error"] for p, r in rows.items() if Path(p) in failed)

    folders = {p.name for p in out.iterdir() if p.is_dir()}
    assert len(folders) == N_GOOD - 1                                      # no folder for a broken input
    for path, row in rows.items():
        if Path(path) in set(good) - {killed}:
            folder = out / row["output"]
            assert {"result.json", "poses.npz", "frames.csv", "reps.csv"} <= {p.name for p in folder.iterdir()}
    assert not [p for p in out.rglob("*") if ".tmp" in p.name]
    assert _snapshot(inputs) == before                                     # inputs untouched

    # The same command again finishes the killed video and leaves every other result as it was.
    stamps = {p: p.stat().st_mtime_ns for p in out.glob("*/result.json")}
    again = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert again.returncode == 1                                           # the broken ones still fail
    rows = _rows(out)
    assert len(rows) == 100 and rows[str(killed)]["status"] == "ok"
    assert {Path(p) for p, r in rows.items() if r["status"] == "failed"} == set(broken)
    assert len(list(out.glob("*/result.json"))) == N_GOOD
    assert all(p.stat().st_mtime_ns == stamp for p, stamp in stamps.items())
    assert _snapshot(inputs) == before
