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
--against DIR times another checkout of liftform (e.g. a worktree of the code before a change) in the same rounds:
its `liftform analyze` runs with this Python from DIR (its source first on the path), the two in alternating order,
each with its own ratio to the same peer runs: a before/after comparison that a busy machine slows alike.
--ceiling adds, in this process, the pose model's own rate (MediaPipe alone, one pose with tracking, masks on, on
frames decoded beforehand) beside analyze's frames/s without video and report.
"""

from __future__ import annotations

import argparse
import os
import re
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


def wall_s(command: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> float:
    """Wall time of ``command`` as a whole process; SystemExit with its stderr if it fails, or if it says it read no
    frames (the peer loop exits 0 on a file it cannot open, "0 frames in 0.14 s", and was timed)."""
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=cwd, env=env)
    elapsed = time.perf_counter() - start
    if done.returncode != 0 or re.search(r"\b0 frames\b", done.stdout):
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}): "
                         f"{(done.stderr.strip() or done.stdout.strip())[-500:]}")
    return elapsed


VARIANTS = {   # label: (options, goal of peer / liftform)
    "analyze (default outputs)": ([], 1.0),
    "analyze --no-video --no-report": (["--no-video", "--no-report"], 1.5),
}


def compare(video: Path, runs: int, model: str, peer: list[str] | None, tmp: Path, config: Path | None = None,
            against: Path | None = None) -> None:
    options = ["--config", str(config.resolve())] if config is not None else []
    liftform = [sys.executable, "-m", "liftform.cli", "analyze", str(video.resolve()), "--model", model, *options,
                "--quiet", "-o"]
    # (name, working directory, environment): `-m` imports liftform from the working directory first
    checkouts = [("", REPO, None)]
    if against is not None:
        checkouts.append((f" [{against.name}]", against, {**os.environ, "PYTHONPATH": str(against)}))
    walls: dict[str, list[float]] = {}
    peer_walls = []
    for k in range(runs):
        if peer is not None:
            peer_walls.append(wall_s([*peer, str(video), str(tmp / f"peer{k}.mp4")]))
        for v, (label, (extra, _)) in enumerate(VARIANTS.items()):
            for name, cwd, env in (checkouts if k % 2 == 0 else checkouts[::-1]):
                out = tmp / f"{v}{name.strip(' []')}{k}"
                walls.setdefault(label + name, []).append(wall_s([*liftform, str(out), *extra], cwd, env))
    print(f"\n{video.name}: {runs} alternating round(s), load average now {os.getloadavg()[0]:.1f}")
    if peer_walls:
        print(f"  {'peer loop':<42} wall s {' '.join(f'{w:6.1f}' for w in peer_walls)}   median "
              f"{statistics.median(peer_walls):6.1f}")
    for label, (_, goal) in VARIANTS.items():
        for name, _, _ in checkouts:
            times = walls[label + name]
            line = (f"  {label + name:<42} wall s {' '.join(f'{w:6.1f}' for w in times)}   median "
                    f"{statistics.median(times):6.1f}")
            if peer_walls:
                ratio = statistics.median(p / w for p, w in zip(peer_walls, times, strict=True))
                line += f"   peer / liftform {ratio:5.2f}  (goal >= {goal})"
            print(line)


def ceiling(video: Path, model: str) -> None:
    """The pose model alone (one pose, tracking, masks) against analyze without video and report, in-process."""
    import numpy as np

    from liftform.landmarkers import create_landmarker, mp_image
    from liftform.models import resolve_model
    from liftform.pipeline import analyze_video
    from liftform.settings import load_settings
    from liftform.video import open_video

    settings = load_settings(overrides={"pose": {"model": model}})
    with open_video(video) as source:
        frames = [(np.ascontiguousarray(f.rgb), f.timestamp_s) for f in source]
    landmarker = create_landmarker(resolve_model(model).path, settings.pose, video=True, num_poses=1, masks=True)
    images = [mp_image(rgb) for rgb, _ in frames]
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
    parser.add_argument("--against", type=Path, help="another liftform checkout timed in the same rounds")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs takes 1 or more rounds")
    videos = args.videos or [v for v in DEFAULT_CLIPS if v.is_file()] or [REPO / "sample_videos" /
                                                                           "rounded_back.mp4"]
    peer = peer_command()
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; model {args.model}")
    if os.getloadavg()[0] > 1.0:    # liftform uses the second core, the peer does not: a busy machine costs it more
        print("  note: the machine is busy; the ratios come out lower than on an idle one (README's were measured "
              "at a load average under 1.6)")
    with tempfile.TemporaryDirectory(prefix="liftform-throughput-") as tmp:
        for video in videos:
            compare(video, args.runs, args.model, peer, Path(tmp), args.config,
                    args.against.resolve() if args.against is not None else None)
            if args.ceiling:
                ceiling(video, args.model)


if __name__ == "__main__":
    main()
