"""Real-time figures of `liftform live`: a sample video played as a 30 fps camera, headless, measured in one run.

    python benchmarks/live.py [VIDEO] [--model lite full] [--seconds 20] [--config FILE]

Prints:
- processed frames/s and frames dropped (the source publishes at the video's own rate against the wall clock and
  keeps only the newest frame, as a webcam does: a busy loop drops, it never queues);
- latency, capture (the frame's due time) -> overlay drawn, p50 / p95 (goal p95 <= 50 ms); and the first frame's,
  which finds the lifter before following them (the look runs ahead, from the frame's arrival: the model's wait
  printed is what is left of it when the frame is taken; the loop reads the next frame meanwhile);
- per-frame overhead beyond pose inference: filters, the core's angles on the frame, state, overlay drawing, p50 /
  p95 (goal <= 1 ms), and its maximum (the frames where a finished rep is judged by the core); as wall-clock time
  and as the loop thread's CPU time (the latter does not grow when other processes take the CPU), and replayed
  (CPU time): the session's recorded poses fed back through the same per-frame path without the model, back to
  back, then with the thread idle before each frame for as long as it was idle per frame in the loop. The same
  code costs about three times as much CPU right after an idle wait of 10 ms or more (on this 2-core VM: 0.45-0.7
  ms back to back, 1.6-1.8 ms after a 25 ms sleep; the caches are cold when the thread wakes): the idle replay shows
  how much of the in-loop figure that explains;
- the wait for the pose model in the loop, p50 / p95 per frame (with two landmarkers a frame is started as it
  arrives, beside the one before, and waited for only when it is taken), and the pose stage's own rate back to back
  on the same frames just before, with one landmarker and with as many as the loop runs (the lifter followed on a
  crop, `LifterFollower`, as the loop calls it; nothing else between calls).
Goals on a 2-core laptop: >= 30 processed frames/s with the lite model at 640x480 (and with full, live's default).
Each --model is played in turn, lite and full by default. --config FILE plays with that settings file, as
`liftform live --config FILE` would (e.g. `[pose] track_between_frames = true`, the trade for a slow machine).
The load average is printed: on a shared machine the figures are only as good as the CPU time the run got.
"""

from __future__ import annotations

import argparse
import math
import os
import time
from pathlib import Path

import numpy as np

from liftform.live import CapturedFrame, LiveConfig, LiveSession, RepJudged, run_live
from liftform.live.runner import live_defaults, live_landmarkers, live_settings
from liftform.models import resolve_model
from liftform.pose import FramePose
from liftform.settings import Settings, load_settings
from liftform.track import PoseTrack
from liftform.video import open_video

REPO = Path(__file__).resolve().parents[1]


def pose_alone_fps(video: Path, config: LiveConfig, landmarkers: int, n_frames: int = 150) -> float:
    """Frames/s of the `LifterFollower` called back to back on decoded frames (what the live loop calls: the
    lifter followed on a crop); with two ``landmarkers`` each frame is started (`expect`) before the one before is
    taken, as the loop does."""
    from liftform.live.follower import LifterFollower

    settings = live_settings(config)
    with open_video(video) as source:
        frames = [(f.rgb, f.timestamp_s) for _, f in zip(range(n_frames), source, strict=False)]
        size_wh = (source.width, source.height)
    estimator = LifterFollower(resolve_model(settings.pose.model).path, settings.pose, size_wh, landmarkers)
    try:
        estimator(*frames[0])           # aimed at the lifter (a whole-frame search) before the clock starts
        start = time.perf_counter()
        for k, (rgb, t) in enumerate(frames[1:], start=1):
            if k + 1 < len(frames):
                estimator.expect(*frames[k + 1])
            estimator(rgb, t)
        return (len(frames) - 1) / (time.perf_counter() - start)
    finally:
        estimator.close()


def replay_overhead_ms(track: PoseTrack, config: LiveConfig, idle_s: float = 0.0) -> np.ndarray:
    """Per-frame overhead of the same session replayed without the model (its recorded poses handed back in turn):
    the code's own cost, as CPU time of this thread, ms per frame (process beyond pose + overlay drawing). With
    ``idle_s`` the thread sleeps that long before each frame, as the loop waits for the model and the camera."""
    frames = iter(range(len(track)))

    def replay(rgb, timestamp_s):
        i = next(frames)
        return FramePose(track.image_xy[i], track.world_xyz[i], track.visibility[i], track.back_profile_px[i]) \
            if track.has_pose[i] else None

    session = LiveSession(replay, live_settings(config), track.frame_size_wh, config.options)
    image = np.zeros((track.frame_size_wh[1], track.frame_size_wh[0], 3), np.uint8)
    costs = []
    for i, t in enumerate(track.timestamps_s):
        if idle_s:
            time.sleep(idle_s)
        live = session.process(CapturedFrame(i, float(t), image, 0.0))
        start = time.thread_time()
        session.draw(image, live)
        costs.append(live.overhead_cpu_ms + 1e3 * (time.thread_time() - start))
    return np.array(costs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("video", nargs="?", type=Path, default=REPO / "sample_videos" / "rounded_back.mp4")
    parser.add_argument("--model", nargs="+", default=["lite", "full"], help="pose models, played in turn")
    parser.add_argument("--seconds", type=float, default=20.0, help="how long to play (the video loops)")
    parser.add_argument("--config", type=Path, help="a settings file, as for `liftform live --config`")
    args = parser.parse_args()
    settings = load_settings(args.config, base=live_defaults())
    for model in args.model:
        play(args.video, model, args.seconds, settings)


def play(path: Path, model: str, seconds: float, settings: Settings) -> None:
    """Play ``path`` as a camera for ``seconds`` with ``model`` and ``settings`` and print the figures."""
    with open_video(path) as video:
        fps, size, duration_s = video.fps, (video.width, video.height), video.n_frames / video.fps
    config = LiveConfig(source=path, paced=True, repeat=max(1, math.ceil(seconds / duration_s)),
                        model=model, settings=settings, window=False, output_dir=None, max_s=seconds)
    load_before = os.getloadavg()[0]
    alone = {n: pose_alone_fps(path, config, n) for n in (1, live_landmarkers())}
    reps = []
    result = run_live(config, on_event=lambda e: reps.append(e) if isinstance(e, RepJudged) else None)
    s = result.stats
    offered = s.frames_processed + s.frames_dropped

    def pct(values: np.ndarray, q: float) -> float:
        return float(np.percentile(values, q)) if len(values) else float("nan")

    tracking = ", tracking between frames" if settings.pose.track_between_frames else ""
    print(f"video: {path.name} {size[0]}x{size[1]} played as a {fps:.0f} fps camera for {s.wall_s:.1f} s, "
          f"model {model}{tracking}, headless; load average {load_before:.1f} -> {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} CPUs")
    print(f"processed          {s.processed_fps:6.1f} frames/s  ({s.frames_processed} of {offered} frames, "
          f"{s.frames_dropped} dropped)   goal >= 30")
    print(f"latency            p50 {pct(s.latency_ms, 50):5.1f} ms   p95 {pct(s.latency_ms, 95):5.1f} ms"
          "   (capture -> overlay drawn; goal p95 <= 50)")
    print(f"overhead           p50 {pct(s.overhead_ms, 50):5.2f} ms   p95 {pct(s.overhead_ms, 95):5.2f} ms   "
          f"max {np.max(s.overhead_ms):5.1f} ms (per frame beyond pose inference; goal <= 1; max = a rep judged)")
    print(f"first frame        latency {s.latency_ms[0]:5.1f} ms: waited for the model {s.pose_ms[0]:.1f} ms "
          f"(the lifter found, then followed, started as it arrived), own work {s.overhead_ms[0]:.1f} ms")
    print(f"overhead, CPU time p50 {pct(s.overhead_cpu_ms, 50):5.2f} ms   p95 {pct(s.overhead_cpu_ms, 95):5.2f} ms"
          "   (the same, as this thread's CPU time: what the code costs, not the wait for a busy CPU)")
    replay = replay_overhead_ms(result.track, config)
    print(f"overhead, replayed p50 {pct(replay, 50):5.2f} ms   p95 {pct(replay, 95):5.2f} ms"
          "   (the same poses replayed without the model, back to back: the code's cost with warm caches)")
    idle_s = max(0.0, s.wall_s / max(s.frames_processed, 1) - 1e-3 * (np.mean(s.overhead_ms) + np.mean(s.pose_ms)))
    idle = replay_overhead_ms(result.track, config, idle_s=idle_s)
    print(f"overhead, idle     p50 {pct(idle, 50):5.2f} ms   p95 {pct(idle, 95):5.2f} ms"
          f"   (replayed again, the thread idle {1e3 * idle_s:.0f} ms before each frame, as long as in the loop)")
    print(f"pose model         waited for p50 {pct(s.pose_ms, 50):.1f} ms, p95 {pct(s.pose_ms, 95):.1f} ms a frame in "
          f"the loop ({live_landmarkers()} landmarker(s): a frame is started as it arrives); back to back "
          + ", ".join(f"{fps:5.1f} frames/s with {n}" for n, fps in alone.items()))
    print(f"reps judged live   {len(reps)}: {', '.join(e.verdict.verdict for e in reps)}\n")


if __name__ == "__main__":
    main()
