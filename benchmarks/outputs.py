"""Cost of the output pass alone: everything `liftform analyze` does after the pose stage and the core.

    python benchmarks/outputs.py [VIDEO...] [--runs 3]

For each video the pose stage runs once; then, --runs times in turn, `pipeline.save_result` writes the result
folder with the default outputs (data files, annotated video, report with its stills, clips and plot) and with
`--no-video` (report only). Prints wall s and CPU s (this process, all its threads) per variant, the median, and
CPU ms per source frame (the first round also pays the report's imports, as a one-video `analyze` does). The CPU
figures are the ones to compare on a shared machine: wall times move with other load, and the plot is drawn in a
thread beside the annotated video, which helps only when a core is free.

Default clips: the large real one of benchmarks/throughput.py (../shared/footage) when present, and the rounded-back
sample. To compare two versions, run this script in each checkout, alternating.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from liftform.pipeline import analyze_people, estimate_video_people, save_result  # noqa: E402
from liftform.settings import Settings  # noqa: E402

DEFAULT_CLIPS = (REPO.parent / "shared" / "footage" / "TheSebitzu__gym-app-ai" / "deadlift.mp4",
                 REPO / "sample_videos" / "rounded_back.mp4")
VARIANTS = {"default outputs": {"write_video": True, "report": True},
            "--no-video (report only)": {"write_video": False, "report": True}}


def measure(video: Path, runs: int, tmp: Path) -> None:
    settings = Settings()
    found, source, model, warnings = estimate_video_people(video, settings)
    analysis, track = analyze_people(found, source, model, settings, warnings)
    figures: dict[str, list[tuple[float, float]]] = {label: [] for label in VARIANTS}
    for k in range(runs):
        for label, options in VARIANTS.items():
            out = tmp / f"{video.stem}-{k}-{options['write_video']}"
            wall, cpu = time.perf_counter(), time.process_time()
            save_result(analysis, track, out, video_path=video, **options)
            figures[label].append((time.perf_counter() - wall, time.process_time() - cpu))
            shutil.rmtree(out, ignore_errors=True)
    print(f"\n{video.name}: {source.width}x{source.height}, {source.frames} frames; {runs} round(s), load average "
          f"now {os.getloadavg()[0]:.1f}")
    for label, runs_s in figures.items():
        wall = statistics.median(w for w, _ in runs_s)
        cpu = statistics.median(c for _, c in runs_s)
        print(f"  {label:<26} wall s {' '.join(f'{w:5.2f}' for w, _ in runs_s)}  median {wall:5.2f}   CPU s "
              f"{' '.join(f'{c:5.2f}' for _, c in runs_s)}  median {cpu:5.2f} = {1000 * cpu / source.frames:5.1f} "
              "ms/frame")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("videos", nargs="*", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    videos = args.videos or [v for v in DEFAULT_CLIPS if v.is_file()]
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory(prefix="liftform-outputs-") as tmp:
        for video in videos:
            measure(video, args.runs, Path(tmp))


if __name__ == "__main__":
    main()
