"""Issue 12: faults a careful user hit that were silent (exit 0, or a wrong answer without a word).

One table: each row sets up one fault, runs the command the user ran, and checks the user is told (one line,
non-zero exit) or that nothing is wrong any more. Rows that need the pose model skip (once, with the reason) where
no model is in reach.
"""

from __future__ import annotations

import contextlib
import csv
import inspect
import json
import os
import shutil
import subprocess
import sys
import urllib.error
from collections.abc import Callable
from pathlib import Path

import av
import numpy as np
import pytest
from conftest import REPO
from typer.testing import CliRunner
from video_files import first_seconds

from liftform import models, pipeline
from liftform.batch import ray_engine
from liftform.batch.ray_results import commit_files
from liftform.batch.runner import plan_jobs
from liftform.cli import app
from liftform.errors import ModelError, OutputError
from liftform.report.data import load_result
from liftform.settings import Settings

runner = CliRunner()
CASES: dict[str, Callable[..., None]] = {}


def case(name: str):
    """Add the decorated check to the table under ``name`` (``<issue item>-<what>``)."""
    def add(check: Callable[..., None]) -> Callable[..., None]:
        CASES[name] = check
        return check
    return add


def one_line_error(result, *words: str) -> str:
    """The CLI failed with exit 1 and one line on stderr holding every one of ``words``."""
    assert result.exit_code == 1, (result.exit_code, result.output)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), result.stderr
    for word in words:
        assert word in lines[0], (word, lines[0])
    assert "Traceback" not in result.output
    return lines[0]


# --- 5: every setting has a valid range, checked when loaded ------------------------------------------------

BAD_SETTINGS = {   # (section, key, value): each was accepted and gave a silently wrong (or misleading) run
    "negative-rounding-limit": ("verdict", "rounded_back_spine_deg", "-5.0"),
    "depth-beyond-body": ("reps", "min_depth", "5"),
    "no-person": ("pose", "num_poses", "0"),
    "fractional-people": ("pose", "num_poses", "1.5"),
    "side-on-wider-than-cutoff": ("spine", "full_view_yaw_deg", "90.0"),
    "two-frames-a-second": ("pose", "analysis_fps", "2.0"),        # too few frames to follow a rep: reps cut wrong
    "half-a-frame-a-second": ("pose", "analysis_fps", "0.5"),
}


def _bad_setting(section: str, key: str, value: str):
    def check(tmp_path: Path) -> None:
        config = tmp_path / "bad.toml"
        config.write_text(f"[{section}]\n{key} = {value}\n")
        line = one_line_error(runner.invoke(app, ["config", str(config)]), f"[{section}] {key}", value)
        assert "at least" in line or "less than" in line or "greater than" in line   # the range is named
        # analyze refuses it too, before any video is looked at
        one_line_error(runner.invoke(app, ["analyze", str(tmp_path / "none.mp4"), "-o", str(tmp_path / "o"),
                                           "--config", str(config)]), key)
        assert not (tmp_path / "o").exists()
    return check


for _name, (_section, _key, _value) in BAD_SETTINGS.items():
    case(f"5-{_name}")(_bad_setting(_section, _key, _value))


@case("5-config-shows-ranges")
def _config_shows_ranges(tmp_path: Path) -> None:
    shown = runner.invoke(app, ["config"])
    assert shown.exit_code == 0
    limit = Settings().verdict.rounded_back_spine_deg
    assert f"rounded_back_spine_deg = {limit:.1f}  # at least 5 and at most 90" in shown.output
    assert "track_between_frames = false  # true or false" in shown.output     # a switch shows no number range
    assert "analysis_fps = 30.0  # 0, or at least 10 and at most 1000" in shown.output   # 0: every frame
    config = tmp_path / "ok.toml"
    config.write_text(shown.output)        # what `liftform config` prints is valid input
    assert runner.invoke(app, ["config", str(config)]).exit_code == 0
    config.write_text("[pose]\nanalysis_fps = 0\n")
    assert runner.invoke(app, ["config", str(config)]).exit_code == 0


# --- a short clip for the rows that run the model -------------------------------------------------------------

@pytest.fixture(scope="module")
def clip(tmp_path_factory, sample_videos) -> Path:
    """The first 1.5 s of a rendered sample at 320x240: enough for the pipeline to run end to end, fast."""
    return first_seconds(sample_videos["rounded_back"], tmp_path_factory.mktemp("clip") / "lift.mp4", 1.5,
                         size_wh=(320, 240))


def analyze(*args: str):
    return runner.invoke(app, ["analyze", "--quiet", "--no-video", "--no-report", *args])


# --- 2: same file name in two folders ---------------------------------------------------------------------------

@case("2-same-name-two-folders")
def _same_name(tmp_path: Path, clip: Path) -> None:
    for folder, tail in (("a", b""), ("b", b"\0")):      # two different files (SHA-256), one name
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "IMG_0001.mp4").write_bytes(clip.read_bytes() + tail)
    result = analyze(str(tmp_path / "a" / "IMG_0001.mp4"), str(tmp_path / "b" / "IMG_0001.mp4"),
                     "-o", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    docs = [json.loads(p.read_text()) for p in sorted((tmp_path / "out").glob("*/result.json"))]
    assert len(docs) == 2                                 # neither result overwrote the other
    assert {Path(d["source"]["path"]).parent.name for d in docs} == {"a", "b"}


# --- 3: rescore on a damaged landmark cache ----------------------------------------------------------------------

DAMAGE = {"truncated": lambda data: data[: len(data) // 2],
          "bad-crc": lambda data: data[:200] + bytes(b ^ 0xFF for b in data[200:260]) + data[260:],
          "not-a-zip": lambda data: b"garbage" * 50}


@pytest.fixture(scope="module")
def three_analysed(tmp_path_factory, clip: Path) -> Path:
    """The output folder of the clip analysed as a.mp4, b.mp4 and c.mp4: made once for each kind of damage."""
    folder = tmp_path_factory.mktemp("three")
    for name in ("a", "b", "c"):
        shutil.copy(clip, folder / f"{name}.mp4")
    assert analyze(*(str(folder / f"{n}.mp4") for n in "abc"), "-o", str(folder / "out")).exit_code == 0
    return folder / "out"


def _damaged_cache(kind: str):
    def check(tmp_path: Path, three_analysed: Path) -> None:
        out = shutil.copytree(three_analysed, tmp_path / "out")     # this kind's own copy, damaged below
        cache = out / "a" / "poses.npz"
        cache.write_bytes(DAMAGE[kind](cache.read_bytes()))
        before = {n: (out / n / "result.json").stat().st_mtime_ns for n in "bc"}
        result = runner.invoke(app, ["rescore", str(out), "--quiet"])
        assert result.exit_code == 1, result.output
        assert "Traceback" not in result.output and result.exception is None or isinstance(result.exception,
                                                                                             SystemExit)
        rows = {r["output"]: r for r in csv.DictReader((out / "summary.csv").open())}
        assert rows["a"]["status"] == "failed" and "poses.npz" in rows["a"]["error"]
        assert "\n" not in rows["a"]["error"]
        assert rows["b"]["status"] == rows["c"]["status"] == "ok"   # the folders after it were rescored
        assert all((out / n / "result.json").stat().st_mtime_ns > before[n] for n in "bc")
    return check


for _kind in DAMAGE:
    case(f"3-damaged-poses-npz-{_kind}")(_damaged_cache(_kind))


# --- 4: a report rendered again from another working directory, or after the video moved ---------------------

@case("4-report-from-another-directory")
def _report_elsewhere(tmp_path: Path, clip: Path, monkeypatch) -> None:
    (tmp_path / "videos").mkdir()
    shutil.copy(clip, tmp_path / "videos" / "lift.mp4")
    monkeypatch.chdir(tmp_path)
    assert analyze("videos/lift.mp4", "-o", "out").exit_code == 0       # typed relative
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    data = load_result(tmp_path / "out" / "lift")
    assert data.video_path is not None and data.video_path.samefile(tmp_path / "videos" / "lift.mp4"), data.notes


@case("4-report-finds-a-moved-video-by-its-sha256")
def _report_moved(tmp_path: Path, clip: Path, monkeypatch) -> None:
    (tmp_path / "videos").mkdir()
    shutil.copy(clip, tmp_path / "videos" / "lift.mp4")
    assert analyze(str(tmp_path / "videos" / "lift.mp4"), "-o", str(tmp_path / "out")).exit_code == 0
    (tmp_path / "archive" / "2024").mkdir(parents=True)
    (tmp_path / "videos" / "lift.mp4").rename(tmp_path / "archive" / "2024" / "lift.mp4")
    monkeypatch.chdir(tmp_path / "archive")
    data = load_result(tmp_path / "out" / "lift")
    assert data.video_path is not None and data.video_path.samefile(tmp_path / "archive" / "2024" / "lift.mp4")
    assert any("found the same file" in note for note in data.notes)
    (tmp_path / "archive" / "2024" / "lift.mp4").write_bytes(b"another video")   # gone: said so
    data = load_result(tmp_path / "out" / "lift")
    assert data.video_path is None and any("not" in note and "found" in note for note in data.notes)


@case("4-report-takes-a-renamed-video-given-by-hand")
def _report_video_given(tmp_path: Path, sample_videos) -> None:
    # A whole rounded rep (the shared 1.5 s clip stops on its way down: undecided, no frames to show).
    first_seconds(sample_videos["rounded_back"], tmp_path / "lift.mp4", 2.8, size_wh=(320, 240))
    assert analyze(str(tmp_path / "lift.mp4"), "-o", str(tmp_path / "out")).exit_code == 0
    (tmp_path / "lift.mp4").rename(tmp_path / "renamed.mp4")       # not found by name: said so, and how to fix it
    folder = str(tmp_path / "out" / "lift")
    alone = runner.invoke(app, ["report", folder])
    assert alone.exit_code == 0 and "--video" in alone.output
    given = runner.invoke(app, ["report", folder, "--video", str(tmp_path / "renamed.mp4")])
    assert given.exit_code == 0 and "note" not in given.output, given.output
    assert "data:image/jpeg" in (tmp_path / "out" / "lift" / "report.html").read_text()   # its frames are shown
    (tmp_path / "other.mp4").write_bytes((tmp_path / "renamed.mp4").read_bytes() + b"\0")   # another file: refused
    other = runner.invoke(app, ["report", folder, "--video", str(tmp_path / "other.mp4")])
    assert other.exit_code == 1 and "not the video analysed" in other.output
    assert runner.invoke(app, ["report", folder, folder, "--video", str(tmp_path / "renamed.mp4")]).exit_code == 2


# --- 6: no file name places output outside OUT -------------------------------------------------------------------

@case("6-dots-name-analyze")
def _dots_analyze(tmp_path: Path, clip: Path) -> None:
    (tmp_path / "in").mkdir()
    shutil.copy(clip, tmp_path / "in" / "...mp4")
    out = tmp_path / "work" / "out"
    assert analyze(str(tmp_path / "in" / "...mp4"), "-o", str(out)).exit_code == 0
    written = [p for p in tmp_path.rglob("result.json")]
    assert len(written) == 1 and out.resolve() in written[0].resolve().parents
    assert written[0].parent.parent.resolve() == out.resolve()


@case("6-dots-name-score-plan")
def _dots_score(tmp_path: Path) -> None:
    names = ["...mp4", "..mp4", ".mp4", "a..b.mp4", ".hidden.mp4"]
    for name in names:
        (tmp_path / name).write_bytes(b"x")
    out = tmp_path / "out"
    jobs = plan_jobs([str(tmp_path / n) for n in names], out)
    for job in jobs:
        folder = (out / job.output).resolve()
        assert folder.parent == out.resolve() and not job.output.startswith("."), job.output
    assert len({job.output for job in jobs}) == len(jobs)


# --- 7: Ray: local instance authenticated, worker file names stay inside OUT --------------------------------------

@case("7-worker-file-names-stay-inside-out")
def _worker_names(tmp_path: Path) -> None:
    out = tmp_path / "out"
    for name in ("../evil.txt", "/tmp/evil.txt", "clips/../../evil.txt", "..\\evil.txt"):
        with pytest.raises(OutputError):
            commit_files(out / "lift", {"result.json": b"{}", name: b"x"})
    assert not (tmp_path / "evil.txt").exists() and not (out / "evil.txt").exists()
    assert not (out / "lift" / "result.json").exists()                   # nothing written at all
    commit_files(out / "lift", {"clips/rep-1.mp4": b"clip", "result.json": b"{}"})
    assert (out / "lift" / "clips" / "rep-1.mp4").read_bytes() == b"clip"


@case("7-local-ray-needs-a-token")
def _ray_token(tmp_path: Path, monkeypatch) -> None:
    seen = {}

    class FakeRay:
        def is_initialized(self):
            return False

        def init(self, address=None, **kwargs):
            seen.update(address=address, mode=os.environ.get("RAY_AUTH_MODE"),
                        token=os.environ.get("RAY_AUTH_TOKEN"))

        def shutdown(self):
            seen.update(shut_down=os.environ.get("RAY_AUTH_TOKEN"))

    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    monkeypatch.delenv("RAY_AUTH_TOKEN", raising=False)
    with contextlib.ExitStack() as leave:
        ray_engine._start(FakeRay(), None, leave)
        assert seen["mode"] == "token" and len(seen["token"] or "") >= 32
    assert seen["shut_down"] == seen["token"]        # Ray left under its token, then the environment restored
    assert "RAY_AUTH_TOKEN" not in os.environ


# --- 8: leftovers --------------------------------------------------------------------------------------------------

@case("8-failed-input-leaves-no-empty-folder")
def _no_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "notes.mp4").write_text("not a video\n")
    one_line_error(analyze(str(tmp_path / "notes.mp4"), "-o", str(tmp_path / "out")), "notes.mp4")
    assert not (tmp_path / "out" / "notes").exists()


@case("8-killed-rerun-shows-no-mix-of-two-runs")
def _no_mix(tmp_path: Path, clip: Path, monkeypatch) -> None:
    out = tmp_path / "out"
    assert runner.invoke(app, ["analyze", "--quiet", str(clip), "-o", str(out)]).exit_code == 0
    folder = out / "lift"
    assert (folder / "report.html").is_file() and (folder / "annotated.mp4").is_file()
    before = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
    (folder / ".frames.0badc0de.tmp.csv").write_text("left by a SIGKILLed run")

    def killed(*args, **kwargs):
        raise KeyboardInterrupt   # the run dies after the new CSVs, while drawing the video

    with monkeypatch.context() as patched:
        patched.setattr("liftform.outputs.annotated.write_annotated_video", killed)
        assert runner.invoke(app, ["analyze", "--quiet", str(clip), "-o", str(out)]).exit_code == 130
    # The earlier complete result stands as it was (the new one was written beside it, and removed).
    assert {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file() and ".tmp" not in p.name} == before
    assert sorted(p.name for p in out.iterdir()) == ["index.html", "lift"]
    # The next run that completes replaces it whole, leaving nothing of either run's temporary files.
    assert runner.invoke(app, ["analyze", "--quiet", str(clip), "-o", str(out)]).exit_code == 0
    left = sorted(p.name for p in folder.iterdir())
    assert {"result.json", "report.html", "annotated.mp4"} <= set(left) and not [n for n in left if ".tmp" in n]


@case("8-ctrl-c-between-videos-keeps-the-overview")
def _interrupted_overview(tmp_path: Path, clip: Path, monkeypatch) -> None:
    from liftform import pipeline

    second = tmp_path / "second.mp4"
    second.write_bytes(clip.read_bytes())
    real = pipeline.analyze_video

    def stopped_at_the_second(video, *args, **kwargs):
        if Path(video).name == "second.mp4":
            raise KeyboardInterrupt          # Ctrl-C while the second video is analysed
        return real(video, *args, **kwargs)

    monkeypatch.setattr(pipeline, "analyze_video", stopped_at_the_second)
    out = tmp_path / "out"
    result = runner.invoke(app, ["analyze", "--quiet", "--no-video", str(clip), str(second), "-o", str(out)])
    assert result.exit_code == 130 and "the results of the 1 video(s) finished are kept" in result.output, \
        result.output
    assert sorted(p.name for p in out.iterdir()) == ["index.html", "lift"], result.output
    assert (out / "lift" / "result.json").is_file()
    assert "lift" in (out / "index.html").read_text()     # the overview lists what was done


@case("8-ray-results-replace-the-earlier-run")
def _ray_no_mix(tmp_path: Path) -> None:
    folder = tmp_path / "out" / "lift"
    (folder / "clips").mkdir(parents=True)
    for name in ("annotated.mp4", "report.html", "clips/rep-1.mp4", "result.json", ".reps.0badc0de.tmp.csv"):
        (folder / name).write_text("earlier run")
    commit_files(folder, {"frames.csv": b"new", "result.json": b"{}"})      # a --no-video --no-report re-run
    assert sorted(p.name for p in folder.iterdir()) == ["frames.csv", "result.json"]


# --- 9: an offline test run skips what needs the model, once, and checks inputs first --------------------------

@case("9-offline-test-run")
def _offline(tmp_path: Path) -> None:
    (tmp_path / "models").mkdir()
    env = {**os.environ, "LIFTFORM_MODEL_DIR": str(tmp_path / "models"), "LIFTFORM_CACHE_DIR": str(tmp_path)}
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-k",
                          "bad_input or shared_models", "tests/test_pipeline.py", "tests/test_models.py"],
                         cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert " failed" not in run.stdout and " error" not in run.stdout, run.stdout[-3000:]
    assert "passed" in run.stdout                                # the bad-input rows ran without a model
    skips = [line for line in run.stdout.splitlines() if line.startswith("SKIPPED")]
    if skips:                                                   # offline: one reason, naming the folder
        assert len(skips) == 1 and "pose model" in skips[0] and str(tmp_path / "models") in skips[0], skips


# --- 10: messages about the model ----------------------------------------------------------------------------------

@case("10-model-dir-without-the-model")
def _model_dir_empty(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "models").mkdir()
    monkeypatch.setenv("LIFTFORM_MODEL_DIR", str(tmp_path / "models"))
    monkeypatch.setenv("LIFTFORM_CACHE_DIR", str(tmp_path / "cache"))

    def offline(*args, **kwargs):
        raise urllib.error.URLError("network is unreachable")

    monkeypatch.setattr(models, "_stream", offline)
    with pytest.raises(ModelError) as info:
        models.resolve_model("full")
    message = str(info.value)
    assert str(tmp_path / "models") in message and "pose_landmarker_full.task" in message
    assert "set LIFTFORM_MODEL_DIR" not in message                       # it is set: say what it lacks
    assert message.count(models.OFFICIAL_MODELS["full"].url) == 1       # the URL once


@case("10-missing-model-folder-names-the-variable")
def _model_dir_missing(tmp_path: Path, clip: Path, monkeypatch) -> None:
    monkeypatch.setenv("LIFTFORM_MODEL_DIR", str(tmp_path / "nowhere"))
    line = one_line_error(analyze(str(clip), "-o", str(tmp_path / "out")), "LIFTFORM_MODEL_DIR")
    assert "from model_dir" not in line
    one_line_error(analyze(str(clip), "-o", str(tmp_path / "out"), "--model-dir", str(tmp_path / "x")),
                   "--model-dir")


# --- 10: memory of a 4K clip --------------------------------------------------------------------------------------

@case("10-4k-frames-never-buffered-or-encoded-full-size")
def _4k_memory(tmp_path: Path, sample_videos, monkeypatch) -> None:
    big = first_seconds(sample_videos["rounded_back"], tmp_path / "big.mp4", 0.4, size_wh=(3840, 2160))
    buffered = []                       # the size of every frame that goes through the read-ahead
    from liftform import people  # the pose stage's read-ahead

    real_prefetched = people.prefetched

    @contextlib.contextmanager
    def watched(items, *args, **kwargs):
        def seen(frames):
            for item in frames:
                buffered.append(item.rgb.shape)
                yield item
        with real_prefetched(items, *args, **kwargs) as frames:
            yield seen(frames)

    monkeypatch.setattr(people, "prefetched", watched)
    analysis = pipeline.analyze_video(big, tmp_path / "out", report=False)
    assert buffered and max(max(shape[:2]) for shape in buffered) <= Settings().pose.max_side_px
    with av.open(str(tmp_path / "out" / "big" / "annotated.mp4")) as video:
        assert max(video.streams.video[0].width, video.streams.video[0].height) <= 1920
    assert analysis.source.width == 3840                  # results stay in source pixels
    assert np.nanmax(analysis.kinematics.frame_index) == 11 and analysis.quality.frames_with_pose >= 10


@case("10-workers-bounded-by-free-memory")
def _workers_memory(tmp_path: Path, monkeypatch) -> None:
    from liftform import cpus
    from liftform.batch import local

    monkeypatch.setattr(cpus.os, "sched_getaffinity", lambda _pid: set(range(16)), raising=False)
    monkeypatch.setattr(local, "available_memory_mb", lambda: 2500, raising=False)
    assert local.default_workers() == 2          # 16 CPUs, but 2.5 GB free: two 4K clips at once, not sixteen
    monkeypatch.setattr(local, "available_memory_mb", lambda: None, raising=False)
    assert local.default_workers() == 16


# --- the table ------------------------------------------------------------------------------------------------

NEEDS_MODEL = {"2-", "3-", "4-", "6-dots-name-analyze", "8-killed", "8-ctrl-c", "10-missing-model", "10-4k"}


@pytest.mark.parametrize("name", [pytest.param(n, marks=[pytest.mark.slow, pytest.mark.model])
                                  if any(n.startswith(p) for p in NEEDS_MODEL) else n for n in CASES])
def test_fault(name: str, request, tmp_path: Path) -> None:
    check = CASES[name]
    wanted = inspect.signature(check).parameters
    extra = {arg: request.getfixturevalue(arg) for arg in wanted if arg != "tmp_path"}
    check(tmp_path, **extra)


def test_every_numeric_setting_has_a_range() -> None:
    """New settings follow the pattern: a number without a range would let a silly value through."""
    from liftform.settings import value_range
    for section, values in Settings().to_dict().items():
        for key, value in values.items():
            if not isinstance(value, str):
                assert value_range(section, key) is not None, f"[{section}] {key} has no valid range"


def test_config_shows_every_rule_a_value_is_checked_against(tmp_path) -> None:
    """`liftform config` showed full_view_yaw_deg as 0..90, yet a value from max_view_yaw_deg (90) up is refused;
    num_poses took no fraction and the REBA bands had to be 2 ascending numbers, neither said. Each comment now
    says what the check refuses, and a value past each unsaid rule is refused naming it."""
    from liftform.settings import settings_to_toml

    shown = settings_to_toml(Settings())
    assert "full_view_yaw_deg = 30.0  # at least 0 and at most 90, less than max_view_yaw_deg" in shown
    assert "num_poses = 2  # a whole number at least 1 and at most 10" in shown
    assert "reba_trunk_bands_deg = [20.0, 60.0]  # 2 numbers, each at least 0 and at most 180, ascending" in shown
    for text, words in (("[spine]\nfull_view_yaw_deg = 90\n", "less than max_view_yaw_deg"),
                        ("[pose]\nnum_poses = 1.5\n", "a whole number"),
                        ("[verdict]\nreba_trunk_bands_deg = [60, 20]\n", "ascending"),
                        # an empty model name passed `config` and was refused only when `analyze` loaded the model
                        ('[pose]\nmodel = " "\n', "[pose] model must be lite, full, heavy or the path to a .task")):
        (tmp_path / "c.toml").write_text(text)
        refused = runner.invoke(app, ["config", str(tmp_path / "c.toml")])
        assert refused.exit_code == 1 and words in refused.stderr, refused.output
    # printed to a pipe, a line past 80 characters was wrapped into invalid TOML (a long model path too)
    (tmp_path / "c.toml").write_text(f'[pose]\nmodel = "{tmp_path / ("models" * 20) / "pose_landmarker_full.task"}"\n')
    printed = runner.invoke(app, ["config", str(tmp_path / "c.toml")])
    (tmp_path / "printed.toml").write_text(printed.stdout)
    assert "less than max_view_yaw_deg" in printed.stdout and "models" * 20 in printed.stdout
    assert runner.invoke(app, ["config", str(tmp_path / "printed.toml")]).exit_code == 0
