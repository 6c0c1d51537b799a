"""Throughput of `liftform analyze` against the simplest peer, as whole processes on the same clips, in one run.

    python benchmarks/throughput.py [VIDEO...] [--runs 3] [--model full] [--config FILE] [--ceiling]

The peer is `../shared/bench/peer_loop.py` (legacy MediaPipe Pose `full`, one person with tracking, OpenCV decode,
skeleton drawing, an mp4v video written): what a typical open-source form checker does. It needs its own Python
with mediapipe 0.10.21 (see its docstring): LIFTFORM_PEER_PYTHON, default ../peer-venv/bin/python beside the
repository; LIFTFORM_PEER_LOOP overrides the script's path. Without them the peer is skipped, with a message.

Default clips: a large real one (1920x1080, ../shared/footage) and a small one (404x720), else the rounded-back
sample. For each clip, --runs rounds of: the peer loop, `liftform analyze` (default outputs: result files,
annotated video, report), `liftform analyze --no-video --no-report`, one after the other (alternating, so a busy
machine slows all of them alike). Prints each wall time (s, the whole process: start-up, imports, model load
included) and the speed ratio peer wall / liftform wall (median over the rounds of each round's ratio; goal >= 1.0
with default outputs, >= 1.5 without video and report). The load average is printed: on a shared machine every
figure is noisy, the ratios much less so.

--config passes a settings file to `liftform analyze` (e.g. `[pose] analysis_fps = 0` to time every frame analysed).
--ceiling adds, in this process, the pose model's own rate (MediaPipe alone, one pose with tracking, masks on, on
frames decoded beforehand) beside analyze's frames/s without video and report.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FOOTAGE = REPO.parent / "shared" / "footage"
DEFAULT_CLIPS = (FOOTAGE / "TheSebitzu__gym-app-ai" / "deadlift.mp4",
                 FOOTAGE / "Ulisses-coach__kbtrainer" / "kbDeadlift.mp4")


def peer_command() -> list[str] | None:
    """The peer loop's command (without the video), or None when its Python or script is missing."""
    python = Path(os.environ.get("LIFTFORM_PEER_PYTHON", REPO.parent / "peer-venv" / "bin" / "python"))
    script = Path(os.environ.get("LIFTFORM_PEER_LOOP", REPO.parent / "shared" / "bench" / "peer_loop.py"))
    if not python.is_file() or not script.is_file():
        print(f"peer loop skipped: {python if not python.is_file() else script} not found (set LIFTFORM_PEER_PYTHON "
              "to a Python with mediapipe==0.10.21, see ../shared/bench/peer_loop.py)")
        return None
    return [str(python), str(script)]


def wall_s(command: list[str]) -> float:
    """Wall time of ``command`` as a whole process; SystemExit with its stderr if it fails."""
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    return elapsed


def compare(video: Path, runs: int, model: str, peer: list[str] | None, tmp: Path, config: Path | None = None
            ) -> None:
    options = ["--config", str(config)] if config is not None else []
    liftform = [sys.executable, "-m", "liftform.cli", "analyze", str(video), "--model", model, *options, "--quiet",
                "-o"]
    variants = {"analyze (default outputs)": [], "analyze --no-video --no-report": []}
    peer_walls = []
    for k in range(runs):
        if peer is not None:
            peer_walls.append(wall_s([*peer, str(video), str(tmp / f"peer{k}.mp4")]))
        variants["analyze (default outputs)"].append(wall_s([*liftform, str(tmp / f"all{k}")]))
        variants["analyze --no-video --no-report"].append(
            wall_s([*liftform, str(tmp / f"bare{k}"), "--no-video", "--no-report"]))
    print(f"\n{video.name}: {runs} alternating round(s), load average now {os.getloadavg()[0]:.1f}")
    if peer_walls:
        print(f"  {'peer loop':<32} wall s {' '.join(f'{w:6.1f}' for w in peer_walls)}   median "
              f"{statistics.median(peer_walls):6.1f}")
    goals = {"analyze (default outputs)": 1.0, "analyze --no-video --no-report": 1.5}
    for label, walls in variants.items():
        line = (f"  {label:<32} wall s {' '.join(f'{w:6.1f}' for w in walls)}   median "
                f"{statistics.median(walls):6.1f}")
        if peer_walls:
            ratio = statistics.median(p / w for p, w in zip(peer_walls, walls, strict=True))
            line += f"   peer / liftform {ratio:5.2f}  (goal >= {goals[label]})"
        print(line)


def ceiling(video: Path, model: str) -> None:
    """The pose model alone (one pose, tracking, masks) against analyze without video and report, in-process."""
    import numpy as np

    from liftform.models import resolve_model
    from liftform.pipeline import analyze_video
    from liftform.pose import _create_landmarker, _mp_image
    from liftform.settings import load_settings
    from liftform.video import open_video

    settings = load_settings(overrides={"pose": {"model": model}})
    with open_video(video) as source:
        frames = [(np.ascontiguousarray(f.rgb), f.timestamp_s) for f in source]
    landmarker = _create_landmarker(resolve_model(model).path, settings.pose, video=True, num_poses=1, masks=True)
    images = [_mp_image(rgb) for rgb, _ in frames]
    start = time.perf_counter()
    for i, (image, (_, t)) in enumerate(zip(images, frames, strict=True)):
        landmarker.detect_for_video(image, int(t * 1000) + i)
    model_fps = len(frames) / (time.perf_counter() - start)
    landmarker.close()
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        analysis = analyze_video(video, out, settings, write_video=False, report=False)
        analyze_fps = analysis.source.frames / (time.perf_counter() - start)
    print(f"  in-process: pose model alone {model_fps:.1f} frames/s (one thread); analyze --no-video --no-report "
          f"{analyze_fps:.1f} frames/s = {analyze_fps / model_fps:.2f} x the model")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("videos", nargs="*", type=Path)
    parser.add_argument("--runs", type=int, default=3, help="alternating rounds per clip (median taken)")
    parser.add_argument("--model", default="full")
    parser.add_argument("--config", type=Path, help="settings file passed to liftform analyze")
    parser.add_argument("--ceiling", action="store_true", help="also the pose model's own rate, in this process")
    args = parser.parse_args()
    videos = args.videos or [v for v in DEFAULT_CLIPS if v.is_file()] or [REPO / "sample_videos" /
                                                                           "rounded_back.mp4"]
    peer = peer_command()
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; model {args.model}")
    with tempfile.TemporaryDirectory(prefix="liftform-throughput-") as tmp:
        for video in videos:
            compare(video, args.runs, args.model, peer, Path(tmp), args.config)
            if args.ceiling:
                ceiling(video, args.model)


if __name__ == "__main__":
    main()
