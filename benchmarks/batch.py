"""Batch throughput: `liftform score` with 1 worker, 2 workers and the Ray engine, against the pose model's
ceiling.

    python benchmarks/batch.py [VIDEO...] [--repeat 2] [--workers 2] [--rounds 1] [--no-single] [--no-ray]
                               [--no-memory] [--against DIR] [--json FILE]

Default input: sample_videos/*.mp4, copied --repeat times into a temporary folder (a batch of 2 x 4 videos).
Prints, all measured in this run:
- the pose model's bare rate (MediaPipe on frames decoded beforehand, one process, no liftform code): the
  ceiling of one process, and how many cores that one process keeps busy (CPU s / wall s);
- per engine (local 1 worker, local N workers, Ray on a local instance of N CPUs): wall s, videos/s, frames/s,
  speed-up over 1 worker (goal >= 1.8 on 2 cores), the workers' CPU ms per frame and the cores they obtained
  (CPU s / wall s; local engine only: children's rusage), the peak RSS of a worker (MB). On a shared machine
  "cores used" says how much CPU the batch got: a speed-up below 1.8 with ~1 core used is other load, not
  the engine;
- peak memory of one worker scoring a short clip and the same clip repeated to 9x its length, each in a fresh
  process (goal: flat in video length: frames are streamed, only the landmarks are kept);
- rescore throughput (videos/s) over the scored folder;
- the peer loop (../shared/bench/peer_loop.py, see benchmarks/throughput.py) on the same videos, one whole process
  per video: its frames/s against `score -j N`'s (goal: score -j 2 at least twice the peer's); with --rounds K,
  K rounds of score -j N then the peer, and the median of the rounds' ratios;
- with --against DIR, another checkout of liftform (e.g. a worktree of the code before a change) scores the same
  videos with -j N in the same rounds, the two in alternating order, each run a whole `score` in a process of its
  own (its source first on the path) so both pay the same start: a before/after comparison of frames/s, CPU ms per
  frame and ratio to the peer that a busy machine slows alike (use an even --rounds: the run second in a round
  has read 2-6 % faster, the same code timed against itself);
- the load average before and after (other jobs on a shared machine make every figure noisy: compare the CPU s
  per frame, and rerun when the machine is quiet).
Annotated videos are off (--no-video): the pose stage is what the engines parallelise.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from liftform.batch import rescore, score  # noqa: E402
from liftform.settings import Settings  # noqa: E402


def bare_model(video: Path, settings: Settings, max_frames: int = 150) -> dict:
    """MediaPipe alone (VIDEO mode, masks on, as liftform runs it) on up to ``max_frames`` decoded frames."""
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions, vision

    from liftform import landmarkers
    from liftform.models import resolve_model
    from liftform.video import open_video

    with open_video(video) as source:
        frames = [(f.rgb, f.timestamp_s) for _, f in zip(range(max_frames), source, strict=False)]
    options = vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(resolve_model(settings.pose.model).path)),
        running_mode=vision.RunningMode.VIDEO, num_poses=settings.pose.num_poses,
        output_segmentation_masks=True)
    with landmarkers.native_stderr_silenced():       # MediaPipe's native start-up log, as liftform silences it
        landmarker = vision.PoseLandmarker.create_from_options(options)
    try:
        images = [mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))
                  for rgb, _ in frames]
        with landmarkers.native_stderr_silenced():
            landmarker.detect_for_video(images[0], 0)
        wall, cpu = time.perf_counter(), time.process_time()
        for i, (image, (_, t)) in enumerate(zip(images, frames, strict=True)):
            landmarker.detect_for_video(image, int(t * 1000) + 1 + i)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    finally:
        landmarkers.close_landmarker(landmarker)
    return {"frames_per_s": len(frames) / wall, "cores_busy": cpu / wall, "frames": len(frames)}


def peer_rate(videos: list[Path]) -> dict | None:
    """The peer loop (`benchmarks/throughput.py`: ../shared/bench/peer_loop.py, its own Python) over ``videos``
    one after the other, each a whole process: frames/s = frames / wall s. None where the peer is missing."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    from throughput import peer_command

    command = peer_command()
    if command is None:
        return None
    frames, wall = 0, 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for video in videos:
            start = time.perf_counter()
            done = subprocess.run([*command, str(video), str(Path(tmp) / "peer.mp4")], capture_output=True,
                                  text=True, check=True)
            wall += time.perf_counter() - start
            frames += int(done.stdout.split("peer loop:")[1].split("frames")[0])
    return {"frames": frames, "wall_s": wall, "frames_per_s": frames / wall}


def children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_batch(inputs: Path, out: Path, label: str, **kwargs) -> dict:
    """One batch into a fresh ``out``; figures of the run."""
    shutil.rmtree(out, ignore_errors=True)
    cpu = children_cpu_s()
    start = time.perf_counter()
    result = score([inputs], out, write_video=False, **kwargs)
    wall = time.perf_counter() - start
    cpu = children_cpu_s() - cpu
    return batch_figures(label, len(result.rows), sum(r.frames or 0 for r in result.rows), wall, cpu,
                         [r.error for r in result.rows if not r.ok], max(r.peak_rss_mb or 0 for r in result.rows))


def batch_figures(label: str, videos: int, frames: int, wall: float, cpu: float, failed: list,
                  peak_rss_mb: float) -> dict:
    """A batch run's figures (``cpu``: its workers' CPU s); a batch with a failed video stops the benchmark."""
    if failed:
        raise SystemExit(f"{label}: {len(failed)} video(s) failed: {failed}")
    return {"label": label, "videos": videos, "frames": frames, "wall_s": wall,
            "videos_per_s": videos / wall, "frames_per_s": frames / wall,
            "cpu_ms_per_frame": 1000 * cpu / frames if cpu > 0 else None,
            "cores_used": cpu / wall if cpu > 0 else None, "worker_peak_rss_mb": peak_rss_mb}


def with_path_first(checkout: Path) -> dict:
    """This process's environment with ``checkout``'s liftform first on the path of a child process."""
    return dict(os.environ, PYTHONPATH=os.pathsep.join([str(checkout), os.environ.get("PYTHONPATH", "")]))


SCORE_SCRIPT = """
import json, sys
from liftform.batch import score
result = score([sys.argv[1]], sys.argv[2], workers=int(sys.argv[3]), write_video=False)
print(json.dumps({"videos": len(result.rows), "frames": sum(r.frames or 0 for r in result.rows),
                  "failed": [r.error for r in result.rows if not r.ok],
                  "worker_peak_rss_mb": max(r.peak_rss_mb or 0 for r in result.rows)}))
"""


def run_batch_process(checkout: Path, inputs: Path, out: Path, label: str, workers: int) -> dict:
    """`run_batch`'s figures for ``checkout``'s `score` (``workers`` processes), run in a process of its own with
    ``checkout`` first on the path: wall and CPU include its start-up, as a user's `liftform score` pays it."""
    shutil.rmtree(out, ignore_errors=True)
    cpu = children_cpu_s()
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", SCORE_SCRIPT, str(inputs), str(out), str(workers)],
                          capture_output=True, text=True, env=with_path_first(checkout), check=True)
    wall = time.perf_counter() - start
    cpu = children_cpu_s() - cpu
    row = json.loads(done.stdout.strip().splitlines()[-1])
    return batch_figures(label, row["videos"], row["frames"], wall, cpu, row["failed"], row["worker_peak_rss_mb"])


def repeat_clip(src: Path, dst: Path, times: int) -> int:
    """``src`` played ``times`` times in a row, as one H.264 file; returns its frame count."""
    # isort: off
    import cv2  # noqa: F401  (before av, as everywhere in liftform: load order)
    import av
    # isort: on

    with av.open(str(src)) as inp:
        stream = inp.streams.video[0]
        rate = Fraction(stream.average_rate)
        frames = [f.to_ndarray(format="rgb24") for f in inp.decode(stream)]
    with av.open(str(dst), "w") as out:
        enc = out.add_stream("libx264", rate=rate)
        enc.width, enc.height, enc.pix_fmt = frames[0].shape[1], frames[0].shape[0], "yuv420p"
        n = 0
        for _ in range(times):
            for rgb in frames:
                frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
                frame.pts, frame.time_base = n, 1 / rate
                n += 1
                out.mux(enc.encode(frame))
        out.mux(enc.encode())
    return n


MEMORY_SCRIPT = """
import json, sys
from pathlib import Path
from liftform.batch.jobs import Job, run_job
from liftform.batch.local import limit_malloc_arenas
from liftform.batch.runner import make_spec
from liftform.settings import Settings
limit_malloc_arenas()                      # as a worker of the local engine does
row = run_job(Job(0, sys.argv[1], "clip"), make_spec(Settings(), write_video=True), Path(sys.argv[2]))
print(json.dumps({"status": row.status, "frames": row.frames, "peak_rss_mb": row.peak_rss_mb,
                  "elapsed_s": row.elapsed_s}))
"""


def worker_memory(video: Path, tmp: Path, times: int = 9) -> list[dict]:
    """Peak RSS of a fresh worker on ``video`` and on it repeated ``times`` times (annotated video on)."""
    long_clip = tmp / f"long_{video.stem}.mp4"
    repeat_clip(video, long_clip, times)
    figures = []
    for clip in (video, long_clip):
        done = subprocess.run([sys.executable, "-c", MEMORY_SCRIPT, str(clip), str(tmp / "mem" / clip.stem)],
                              capture_output=True, text=True, env=with_path_first(REPO), check=True)
        figures.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return figures


def rescore_rate(out: Path, rounds: int = 3) -> float:
    """Videos/s of ``rescore`` over ``out`` (best of ``rounds``; the first call pays the imports)."""
    best = 0.0
    for _ in range(rounds):
        start = time.perf_counter()
        result = rescore(out)
        best = max(best, len(result.rescored) / (time.perf_counter() - start))
    return best


def alternated(inputs: Path, tmp: Path, workers: int, against: Path, this_first: bool) -> tuple[dict, dict]:
    """This checkout's and ``against``'s `score -j workers` on ``inputs``, each in its own process, in the order
    ``this_first`` says; (this run's figures, the other's)."""
    label = f"local, {workers} workers"
    order = [(REPO, label), (against, f"{label} [{against.name}]")]
    done = {}
    for checkout, name in order if this_first else order[::-1]:
        done[checkout] = run_batch_process(checkout, inputs, tmp / "outN", name, workers)
    return done[REPO], done[against]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("videos", nargs="*", type=Path)
    parser.add_argument("--repeat", type=int, default=2, help="copies of each video in the batch")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-ray", action="store_true")
    parser.add_argument("--no-memory", action="store_true")
    parser.add_argument("--no-single", action="store_true", help="skip the 1-worker run")
    parser.add_argument("--rounds", type=int, default=1,
                        help="alternating rounds of score -j N and the peer (median of their ratios)")
    parser.add_argument("--against", type=Path, help="another liftform checkout scored in the same rounds")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    videos = args.videos or sorted((REPO / "sample_videos").glob("*.mp4"))
    load_before = os.getloadavg()
    figures: dict = {"cpus": os.cpu_count(), "load_before": load_before}
    with tempfile.TemporaryDirectory(prefix="liftform-bench-") as tmp_name:
        tmp = Path(tmp_name)
        inputs = tmp / "in"
        inputs.mkdir()
        for k in range(args.repeat):
            for video in videos:
                shutil.copy(video, inputs / f"{video.stem}_{k}{video.suffix}")
        figures["ceiling"] = bare_model(videos[0], Settings())
        runs = [] if args.no_single else [run_batch(inputs, tmp / "out1", "local, 1 worker", workers=1)]
        # score -j N and the peer, alternating round by round: a busy machine slows both alike.
        peers, pairs, against = [], [], []
        for k in range(args.rounds):
            if args.against is None:
                runs.append(run_batch(inputs, tmp / "outN", f"local, {args.workers} workers", workers=args.workers))
            else:
                pair = alternated(inputs, tmp, args.workers, args.against.resolve(), this_first=k % 2 == 0)
                runs.append(pair[0])
                against.append(pair[1])
            peer = peer_rate(videos)
            if peer is not None:
                peers.append(peer)
                pairs.append(runs[-1]["frames_per_s"] / peer["frames_per_s"])
                runs[-1]["peer_ratio"] = pairs[-1]
                if against:
                    against[-1]["peer_ratio"] = against[-1]["frames_per_s"] / peer["frames_per_s"]
        if not args.no_ray:
            import ray

            start = time.perf_counter()
            ray.init(num_cpus=args.workers, include_dashboard=False, log_to_driver=False,
                     logging_level="ERROR", runtime_env={"env_vars": {"PYTHONPATH": str(REPO)}})
            figures["ray_init_s"] = time.perf_counter() - start
            try:
                runs.append(run_batch(inputs, tmp / "outR", f"ray, {args.workers} CPUs", engine="ray"))
            finally:
                ray.shutdown()
        figures["runs"] = runs
        figures["against"] = against
        figures["peer"] = peers[-1] if peers else None
        figures["peer_ratios"] = pairs
        figures["rescore_videos_per_s"] = rescore_rate(tmp / "outN")
        if not args.no_memory:
            figures["memory"] = worker_memory(videos[0], tmp)
    figures["load_after"] = os.getloadavg()
    report(figures, videos, args)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")


def report(figures: dict, videos: list[Path], args) -> None:
    ceiling = figures["ceiling"]
    single = [r for r in figures["runs"] if r["label"] == "local, 1 worker"]
    base = single[0]["wall_s"] if single else float("nan")
    print(f"{len(videos)} video(s) x {args.repeat} = {figures['runs'][0]['videos']} videos, "
          f"{figures['runs'][0]['frames']} frames; {figures['cpus']} CPUs; load average before "
          f"{figures['load_before'][0]:.1f}, after {figures['load_after'][0]:.1f}")
    print(f"pose model alone, one process: {ceiling['frames_per_s']:.1f} frames/s, keeping "
          f"{ceiling['cores_busy']:.2f} cores busy")
    print(f"{'engine':<20}{'wall s':>8}{'videos/s':>10}{'frames/s':>10}{'speed-up':>10}{'CPU ms/frame':>14}"
          f"{'cores used':>12}{'worker RSS MB':>15}")
    for run in figures["runs"]:
        cpu = f"{run['cpu_ms_per_frame']:.1f}" if run["cpu_ms_per_frame"] else "-"
        cores = f"{run['cores_used']:.2f}" if run["cores_used"] else "-"
        print(f"{run['label']:<20}{run['wall_s']:8.1f}{run['videos_per_s']:10.3f}{run['frames_per_s']:10.1f}"
              f"{base / run['wall_s']:10.2f}{cpu:>14}{cores:>12}{run['worker_peak_rss_mb']:15.0f}")
    if "ray_init_s" in figures:
        print(f"(Ray: starting the local instance took {figures['ray_init_s']:.1f} s, not counted above)")
    peer = figures.get("peer")
    if peer:
        batch = [r for r in figures["runs"] if r["label"].startswith(f"local, {args.workers} workers")][-1]
        ratios = figures["peer_ratios"]
        print(f"peer loop, one process per video, one after the other: {peer['frames_per_s']:.1f} frames/s "
              f"({peer['frames']} frames in {peer['wall_s']:.1f} s); score -j {args.workers} (no video): "
              f"{batch['frames_per_s']:.1f} frames/s = {batch['frames_per_s'] / peer['frames_per_s']:.2f} x the "
              "peer (goal >= 2)")
        if len(ratios) > 1:
            print(f"score -j {args.workers} / peer, {len(ratios)} alternating rounds: "
                  f"{' '.join(f'{r:.2f}' for r in ratios)}, median {statistics.median(ratios):.2f}")
    if figures.get("against"):
        report_against(figures, args)
    print(f"rescore: {figures['rescore_videos_per_s']:.1f} videos/s")
    for clip in figures.get("memory", []):
        print(f"worker peak RSS, fresh process, {clip['frames']:5d} frames (with annotated video): "
              f"{clip['peak_rss_mb']:.0f} MB")


def report_against(figures: dict, args) -> None:
    """Round by round, this checkout's `score -j N` against --against's: frames/s, CPU ms per frame and, where the
    peer ran, each one's ratio to the same round's peer."""
    this = [r for r in figures["runs"] if r["label"].startswith(f"local, {args.workers} workers")]
    print(f"score -j {args.workers} against {args.against.name}, {len(this)} alternating round(s):")
    for label, rows in (("this checkout", this), (args.against.name, figures["against"])):
        fps = " ".join(f"{r['frames_per_s']:.1f}" for r in rows)
        cpu = " ".join(f"{r['cpu_ms_per_frame']:.1f}" for r in rows)
        ratios = [r["peer_ratio"] for r in rows if "peer_ratio" in r]
        ratio = f", x the peer median {statistics.median(ratios):.2f}" if ratios else ""
        print(f"  {label:<20} frames/s {fps} (median {statistics.median(r['frames_per_s'] for r in rows):.1f}),"
              f" CPU ms/frame {cpu}{ratio}")
    # Each round's own ratio, and their geometric mean: over an even number of rounds each checkout runs first as
    # often as second, and the second run of a round has read 2-6 % faster (the same code against itself).
    ratios = [a["frames_per_s"] / b["frames_per_s"] for a, b in zip(this, figures["against"], strict=True)]
    balance = "" if len(ratios) % 2 == 0 else " (odd rounds: the order is not balanced)"
    print(f"  this / {args.against.name}, round by round: {' '.join(f'{r:.3f}' for r in ratios)}, geometric mean "
          f"{statistics.geometric_mean(ratios):.3f}{balance}")


if __name__ == "__main__":
    main()
