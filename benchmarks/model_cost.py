"""What one run of the crop's pose model costs, and what leaving out its parts would save.

    python benchmarks/model_cost.py [VIDEO] [--frames 60] [--sides 256 512] [--cache DIR]

MediaPipe's PoseLandmarker in IMAGE mode (as the read-ahead workers run it), on square crops of the video's first
frames resized to each --sides (the crop the follower gives the model is resized to `[pose] crop_side_px`), with
and without the segmentation mask, with one and two poses: CPU ms and wall ms per run, one thread, nothing else
timed. Then the back profile read from a mask (`core.silhouette.back_profile_from_mask`), per run.

--cache DIR (a footage pose cache of `benchmarks/accuracy.py --footage`, e.g. ../dev/cache/NAME): the share of the
analysed frames where the spine is judged (`flags.spine_judged`), far from it (trunk under 25 deg and hips under
50 deg: where a run without the mask could be decided beforehand), and already left out upright (`pose_filled`).
The mask cannot simply be left out there: the core fills and smooths the profile across frames, and the annotated
video draws the back on every frame.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import cv2  # noqa: E402

from liftform import landmarkers  # noqa: E402
from liftform.core.flags import spine_judged  # noqa: E402
from liftform.core.kinematics import compute_kinematics  # noqa: E402
from liftform.core.silhouette import back_profile_from_mask  # noqa: E402
from liftform.models import resolve_model  # noqa: E402
from liftform.settings import Settings  # noqa: E402
from liftform.track import LEFT_HIP, LEFT_SHOULDER, RIGHT_HIP, RIGHT_SHOULDER, PoseTrack  # noqa: E402
from liftform.video import open_video  # noqa: E402


def square_crops(video: Path, n: int) -> list[np.ndarray]:
    """The centre squares of the video's first ``n`` frames (RGB)."""
    crops = []
    with open_video(video) as source:
        for frame in source.frames():
            h, w = frame.rgb.shape[:2]
            side = min(h, w)
            x0, y0 = (w - side) // 2, (h - side) // 2
            crops.append(np.ascontiguousarray(frame.rgb[y0:y0 + side, x0:x0 + side]))
            if len(crops) == n:
                break
    return crops


def time_runs(landmarker, images: list[np.ndarray]) -> tuple[float, float, list]:
    """CPU ms and wall ms per run over ``images`` (after 5 warm-up runs), and the results."""
    for image in images[:5]:
        landmarker.detect(landmarkers.mp_image(image))
    cpu0, wall0 = time.process_time(), time.perf_counter()
    results = [landmarker.detect(landmarkers.mp_image(image)) for image in images]
    n = len(images)
    return (time.process_time() - cpu0) / n * 1000, (time.perf_counter() - wall0) / n * 1000, results


def model_costs(video: Path, n: int, sides: list[int], settings: Settings) -> None:
    crops = square_crops(video, n)
    model = resolve_model(settings.pose.model).path
    print(f"{video.name}: {len(crops)} crops, model {settings.pose.model}, IMAGE mode, one thread")
    for side in sides:
        images = [cv2.resize(c, (side, side), interpolation=cv2.INTER_AREA) for c in crops]
        for poses, masks in ((2, True), (2, False), (1, True), (1, False)):
            landmarker = landmarkers.create_landmarker(model, settings.pose, video=False, num_poses=poses, masks=masks)
            try:
                cpu_ms, wall_ms, results = time_runs(landmarker, images)
            finally:
                landmarkers.close_landmarker(landmarker)
            print(f"  {side:4d} px  poses {poses}  mask {'on ' if masks else 'off'}  {cpu_ms:5.1f} CPU ms  "
                  f"{wall_ms:5.1f} wall ms a run")
            if masks and poses == 2:
                profile_ms = profile_cost(results, side)
    print(f"  back profile from the mask: {profile_ms:.2f} CPU ms a run")


def profile_cost(results: list, side: int) -> float:
    """CPU ms per run of reading the back profile from the first pose's mask."""
    cpu0, n = time.process_time(), 0
    for result in results:
        if not result.pose_landmarks or not result.segmentation_masks:
            continue
        xy = np.array([(p.x * side, p.y * side) for p in result.pose_landmarks[0]])
        mask = result.segmentation_masks[0].numpy_view()
        mask = mask[..., 0] if mask.ndim == 3 else mask
        back_profile_from_mask(mask, xy[[LEFT_SHOULDER, RIGHT_SHOULDER]].mean(axis=0),
                               xy[[LEFT_HIP, RIGHT_HIP]].mean(axis=0))
        n += 1
    return (time.process_time() - cpu0) / max(n, 1) * 1000


def footage_shares(cache: Path, settings: Settings) -> None:
    frames = judged = far = filled = 0
    for path in sorted(cache.glob("*.npz")):
        with np.load(path) as data:
            track = PoseTrack.from_npz(data)
        k = compute_kinematics(track, settings.filter, settings.spine)
        seen = np.isfinite(k.trunk_inclination_deg)
        with np.errstate(invalid="ignore"):
            far_from_judged = (k.trunk_inclination_deg < 25) & (k.hip_flexion_deg < 50)
        frames += int(seen.sum())
        judged += int(spine_judged(k.trunk_inclination_deg, k.hip_flexion_deg, settings.verdict)[seen].sum())
        far += int(far_from_judged[seen].sum())
        filled += int(np.asarray(track.pose_filled)[seen].sum()) if track.pose_filled is not None else 0
    if frames == 0:
        raise SystemExit(f"no pose tracks (*.npz) in {cache}")
    print(f"{cache}: {frames} analysed frames with a pose: spine judged {judged / frames:.1%}, far from it (trunk "
          f"< 25 deg, hips < 50 deg) {far / frames:.1%}, left out upright (pose_filled) {filled / frames:.1%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("video", nargs="?", type=Path, default=REPO / "sample_videos" / "rounded_back.mp4")
    parser.add_argument("--frames", type=int, default=60)
    parser.add_argument("--sides", type=int, nargs="+", default=[256, 512])
    parser.add_argument("--cache", type=Path, help="a footage pose cache: shares of frames judged / far from it")
    args = parser.parse_args()
    settings = Settings()
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    model_costs(args.video, args.frames, args.sides, settings)
    if args.cache is not None:
        footage_shares(args.cache, settings)


if __name__ == "__main__":
    main()
