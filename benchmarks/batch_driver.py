"""What `liftform score` costs in its driver per video, at a large batch: everything but the workers' pose stage.

    python benchmarks/batch_driver.py [--videos 3000] [--moved] [--json FILE]

The pose stage is replaced by a stand-in engine: each "video" (a small distinct placeholder file) gets at once a
copy of one real result folder (`score` of a sample clip, made once at the start), its result.json naming the
placeholder as its source. So the figures are the driver's own, in one process: planning the batch (the inputs,
their output folders), the resume check of each video, the summary (summary.json and .csv, rewritten as videos
finish), the overview (index.html). Prints, for a first run, then the same command again (every video already
scored), and with --moved the inputs' folder renamed first (each video found again by its content): wall s and CPU
s (this process), how many summary writes and their s, CPU ms per video; and the load average (wall time moves
with other load on a shared machine; the CPU s is the figure to compare).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import liftform.batch.local as local  # noqa: E402
import liftform.batch.runner as runner  # noqa: E402
from liftform.batch import score  # noqa: E402
from liftform.batch.summary import row_from_analysis  # noqa: E402
from liftform.outputs.layout import RESULT_NAME  # noqa: E402
from liftform.outputs.read import read_analysis  # noqa: E402

SAMPLE = REPO / "sample_videos" / "squat.mp4"


def template_result(tmp: Path) -> Path:
    """A real result folder (report, no annotated video) of the sample clip."""
    out = tmp / "template"
    result = score([SAMPLE], out, workers=1, write_video=False)
    if result.n_failed:
        sys.exit(f"could not score {SAMPLE}: {result.rows[0].error}")
    return out / result.rows[0].output


def stand_in_engine(template: Path):
    """run_local's stand-in: each job's folder made from ``template`` at once, its row delivered as a worker's."""
    analysis = read_analysis(template)
    doc = json.loads((template / RESULT_NAME).read_text(encoding="utf-8"))

    def run(jobs, spec, out_root, on_row, **_):
        for job in jobs:
            folder = Path(out_root) / job.output
            folder.mkdir(parents=True, exist_ok=True)
            for item in template.iterdir():
                if item.is_file() and item.name != RESULT_NAME:
                    os.link(item, folder / item.name)
            doc["source"].update(path=job.summary_path,
                                 sha256=hashlib.sha256(Path(job.path).read_bytes()).hexdigest())
            (folder / RESULT_NAME).write_text(json.dumps(doc), encoding="utf-8")
            on_row(job, row_from_analysis(analysis, job.summary_path, job.output))
    return run


def timed_run(label: str, inputs: Path, out: Path, n: int) -> dict:
    writes = {"n": 0, "s": 0.0}
    write_summary = runner.write_summary

    def counted(*args, **kwargs):
        start = time.perf_counter()
        try:
            return write_summary(*args, **kwargs)
        finally:
            writes["n"] += 1
            writes["s"] += time.perf_counter() - start

    runner.write_summary = counted
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        result = score([inputs], out, write_video=False)
    finally:
        runner.write_summary = write_summary
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    figures = {"run": label, "videos": n, "ok": result.n_ok, "cached": result.n_cached, "wall_s": round(wall, 2),
               "cpu_s": round(cpu, 2), "cpu_ms_per_video": round(1000 * cpu / n, 2),
               "summary_writes": writes["n"], "summary_write_s": round(writes["s"], 2),
               "load_average": round(os.getloadavg()[0], 2)}
    print(f"{label:<28} {n} videos ({result.n_ok} ok, {result.n_cached} cached): wall {wall:6.1f} s, CPU {cpu:6.1f} s "
          f"= {1000 * cpu / n:5.1f} ms/video; {writes['n']} summary writes, {writes['s']:5.1f} s; load "
          f"{figures['load_average']:.1f}")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--videos", type=int, default=3000)
    parser.add_argument("--moved", action="store_true", help="also resume with the inputs' folder renamed")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="liftform-driver-"))
    try:
        template = template_result(tmp)
        inputs, out = tmp / "clips", tmp / "out"
        for i in range(args.videos):
            folder = inputs / f"day{i % 7}"
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"IMG_{i:05d}.mp4").write_bytes(f"placeholder {i}".encode())
        local.run_local = stand_in_engine(template)
        figures = [timed_run("first run", inputs, out, args.videos),
                   timed_run("again (all scored)", inputs, out, args.videos)]
        if args.moved:
            inputs = inputs.rename(tmp / "clips-moved")
            figures.append(timed_run("inputs moved (by content)", inputs, out, args.videos))
        index = out / "index.html"
        print(f"index.html: {index.stat().st_size / 1e6:.1f} MB")
        if args.json:
            args.json.write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
