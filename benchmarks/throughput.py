"""Throughput of `liftform analyze` against the pose model's own ceiling, measured in the same run.

    python benchmarks/throughput.py [VIDEO] [--model full] [--repeat 3]

Prints, for one video:
- the pose model's bare rate: MediaPipe PoseLandmarker.detect_for_video on frames decoded beforehand (no liftform
  code in the loop): the ceiling;
- analyze with result.json/CSVs/poses.npz only (decode + pose + mask profile + core + result files): the goal
  figure, ratio >= 0.9 with the full model; then adding report.html (a fixed cost per video, not per frame) and the
  annotated video;
- the core's time per frame (kinematics + reps + verdicts on the whole track; goal < 0.5 ms).
Best of --repeat runs, so a busy machine does not hide the figures.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from liftform.models import resolve_model
from liftform.pipeline import analyze_track, analyze_video, estimate_video_track
from liftform.settings import Settings, load_settings
from liftform.video import open_video

REPO = Path(__file__).resolve().parents[1]


def bare_model_fps(video: Path, model_path: Path, settings: Settings) -> float:
    """Frames/s of MediaPipe alone (VIDEO mode, segmentation masks on, as liftform runs it)."""
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions, vision

    with open_video(video) as source:
        frames = [(f.rgb, f.timestamp_s) for f in source]
    options = vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(model_path)), running_mode=vision.RunningMode.VIDEO,
        num_poses=settings.pose.num_poses, output_segmentation_masks=True)
    with vision.PoseLandmarker.create_from_options(options) as landmarker:
        images = [mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb)) for rgb, _ in frames]
        start = time.perf_counter()
        for image, (_, t) in zip(images, frames, strict=True):
            landmarker.detect_for_video(image, int(t * 1000))
        return len(frames) / (time.perf_counter() - start)


def analyze_fps(video: Path, settings: Settings, write_video: bool, report: bool) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        analysis = analyze_video(video, out, settings, write_video=write_video, report=report)
        elapsed = time.perf_counter() - start
    return analysis.source.frames / elapsed, analysis.source.frames


def core_ms_per_frame(video: Path, settings: Settings, repeat: int = 20) -> float:
    track, source, model, warnings = estimate_video_track(video, settings)
    start = time.perf_counter()
    for _ in range(repeat):
        analyze_track(track, source, model, settings, warnings)
    return (time.perf_counter() - start) / repeat / len(track) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("video", nargs="?", type=Path, default=REPO / "sample_videos" / "rounded_back.mp4")
    parser.add_argument("--model", default="full")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    settings = load_settings(overrides={"pose": {"model": args.model}})
    model = resolve_model(args.model)

    ceiling = max(bare_model_fps(args.video, model.path, settings) for _ in range(args.repeat))
    results_only, frames = max(analyze_fps(args.video, settings, False, False) for _ in range(args.repeat))
    with_report, _ = max(analyze_fps(args.video, settings, False, True) for _ in range(args.repeat))
    everything, _ = max(analyze_fps(args.video, settings, True, True) for _ in range(args.repeat))
    core_ms = core_ms_per_frame(args.video, settings)

    print(f"video: {args.video.name} ({frames} frames), model: {args.model}, best of {args.repeat}")
    print(f"pose model alone (ceiling)     {ceiling:7.1f} frames/s")
    print(f"analyze, result files          {results_only:7.1f} frames/s   ratio {results_only / ceiling:.2f}  "
          "(goal >= 0.9)")
    print(f"  + report.html                {with_report:7.1f} frames/s   ratio {with_report / ceiling:.2f}")
    print(f"  + annotated video            {everything:7.1f} frames/s   ratio {everything / ceiling:.2f}")
    print(f"core (angles, reps, verdicts)  {core_ms:7.3f} ms/frame   (goal < 0.5)")


if __name__ == "__main__":
    main()
