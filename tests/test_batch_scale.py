"""A batch of many videos: what the driver does per video stays the same however many the folder holds."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from liftform.batch import local, runner
from liftform.batch.jobs import JobSpec
from liftform.batch.summary import SummaryRow, read_summary, write_summary
from liftform.outputs.layout import RESULT_NAME


def _batch_with_a_clock(tmp_path: Path, monkeypatch, n_videos: int, video_s: float, write_s: float) -> list[int]:
    """`score` of ``n_videos`` stand-in videos that each take ``video_s`` on the batch's clock (no pose model), each
    summary write taking ``write_s``; returns the rows of each summary written, in turn."""
    clock = [1000.0]
    monkeypatch.setattr(runner, "time", SimpleNamespace(monotonic=lambda: clock[0]))
    monkeypatch.setattr(runner, "make_spec", lambda settings, **kw: JobSpec(settings, "model.task", "0" * 64,
                                                                            write_video=False, report=False))
    writes: list[int] = []

    def timed_write(out_root, rows, **kwargs):
        writes.append(len(rows))
        clock[0] += write_s
        return write_summary(out_root, rows, **kwargs)

    def engine(jobs, spec, out_root, on_row, **kwargs):
        for job in jobs:
            clock[0] += video_s
            (Path(out_root) / job.output).mkdir()
            (Path(out_root) / job.output / RESULT_NAME).write_text("{}")
            on_row(job, SummaryRow(job.summary_path, job.output, verdict="safe", reps=1, flagged_reps=0))

    monkeypatch.setattr(runner, "write_summary", timed_write)
    monkeypatch.setattr(local, "run_local", engine)
    videos = tmp_path / "clips"
    videos.mkdir()
    for i in range(n_videos):
        (videos / f"IMG_{i:04d}.mp4").write_bytes(b"video %d" % i)
    result = runner.score([videos], tmp_path / "out", report=False)
    assert result.n_ok == n_videos and len(read_summary(tmp_path / "out")) == n_videos
    return writes


def test_the_summary_is_rewritten_every_few_seconds_not_after_every_video(tmp_path, monkeypatch):
    """summary.json and .csv (every row of the folder, each fsynced) were rewritten after every scored video:
    quadratic in the batch, 42 GB written over 10,000 videos, 1.3 s of the driver per video at the end (workers
    waiting on it). Now at most every SUMMARY_EVERY_S, and at the end; the first video's row at once."""
    writes = _batch_with_a_clock(tmp_path, monkeypatch, n_videos=40, video_s=0.5, write_s=0.0)
    assert writes[0] == 1 and writes[-1] == 40
    assert len(writes) <= 40 * 0.5 / runner.SUMMARY_EVERY_S + 2


def test_a_summary_slow_to_write_is_written_less_often(tmp_path, monkeypatch):
    """A summary that takes a second to write (thousands of rows, a slow disk) takes at most SUMMARY_SHARE of the
    batch's time: written every 2 s, it would hold the driver half the time."""
    writes = _batch_with_a_clock(tmp_path, monkeypatch, n_videos=40, video_s=0.5, write_s=1.0)
    assert writes[0] == 1 and writes[-1] == 40
    assert len(writes) <= 40 * 0.5 * runner.SUMMARY_SHARE / 1.0 + 2


def test_videos_moved_to_another_folder_are_found_again_without_a_look_at_every_result_each(tmp_path, monkeypatch):
    """A folder of videos moved (or renamed) since it was scored: each video is found again by its file name and
    content, and each had looked through every earlier result for its name (a path made of each): quadratic, 10 s
    for 3,000 videos, 110 s for 10,000, before any video was scored. Now one look-up per video."""
    import hashlib
    import json

    from liftform.batch import inputs

    n = 60
    out, moved = tmp_path / "out", tmp_path / "moved"
    moved.mkdir()
    videos = []
    for i in range(n):
        video = moved / f"IMG_{i:04d}.mp4"
        video.write_bytes(b"video %d" % i)
        videos.append(video)
        (out / video.stem).mkdir(parents=True)
        source = {"path": str(tmp_path / "clips" / video.name),        # where it was when scored
                  "sha256": hashlib.sha256(video.read_bytes()).hexdigest()}
        (out / video.stem / RESULT_NAME).write_text(json.dumps({"source": source}))
    made = [0]

    class CountedPath(type(Path())):
        def __new__(cls, *args, **kwargs):
            made[0] += 1
            return super().__new__(cls, *args, **kwargs)

    monkeypatch.setattr(inputs, "Path", CountedPath)
    assert inputs.output_names(videos, out) == [video.stem for video in videos]
    assert made[0] <= 10 * n


def test_the_batch_table_of_a_long_batch_lists_its_failures_and_at_most_a_screen_of_rounded_backs(capsys):
    """A long batch's table listed every video with a rounded back, in input order, a failure after them: 54 rows for
    300 phone clips, 500 for 3,000, the failure scrolled out of sight. Now the failed first, then the rounded
    backs, at most BATCH_TABLE_MAX_ROWS rows, and a line says how many more there are."""
    from liftform.batch.summary import failed_row
    from liftform.cli.show import BATCH_TABLE_MAX_ROWS, print_batch

    rows = [SummaryRow(f"/clips/v{i:04d}.mp4", f"v{i:04d}", verdict="rounded_back" if i % 3 == 0 else "safe",
                       reps=1, flagged_reps=int(i % 3 == 0)) for i in range(299)]
    rows.append(failed_row("/clips/v0299.mp4", "v0299", "v0299.mp4 is not a video"))
    print_batch(rows, Path("out"), "scored")
    printed = capsys.readouterr().out
    listed = [line for line in printed.splitlines() if "│ v0" in line]
    assert len(listed) == BATCH_TABLE_MAX_ROWS
    assert "v0299" in listed[0] and "FAILED" in listed[0]
    assert "(not listed: 61 more failed or with a rounded back, 199 safe or unjudged video(s))" in printed


def test_each_rows_peak_memory_is_the_workers_own_in_megabytes(monkeypatch):
    """summary.json's peak_rss_mb is what a user sizes --workers by: read from Linux's /proc/self/status, which
    counts in kB, a worker that held 300 MB says 300."""
    import io

    from liftform.batch import jobs

    status = "Name:\tpython\nVmPeak:\t  999999 kB\nVmHWM:\t  307200 kB\nVmRSS:\t  1024 kB\n"
    monkeypatch.setattr(jobs, "open", lambda *args, **kwargs: io.StringIO(status), raising=False)
    assert jobs.peak_rss_mb() == 300.0


def test_peak_memory_without_proc_is_read_in_the_platforms_own_unit(monkeypatch):
    """Without /proc (macOS), the process's ru_maxrss: kilobytes on Linux, bytes on macOS; 2 GB reads 2048 MB on
    both."""
    from liftform.batch import jobs

    def no_proc(*args, **kwargs):
        raise OSError("no /proc here")

    monkeypatch.setattr(jobs, "open", no_proc, raising=False)
    for platform, maxrss in (("linux", 2 * 2**20), ("darwin", 2 * 2**30)):
        monkeypatch.setattr(jobs, "sys", SimpleNamespace(platform=platform))
        monkeypatch.setattr(jobs.resource, "getrusage", lambda who, units=maxrss: SimpleNamespace(ru_maxrss=units))
        assert jobs.peak_rss_mb() == 2048.0, platform
