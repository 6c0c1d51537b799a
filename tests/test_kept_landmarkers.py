"""IMAGE-mode landmarkers are kept for the next video of a process, and loaded ahead of the first: the same
results, without loading the model again or waiting for it. Bookkeeping with stand-in landmarkers; the real model on
two rendered lifts in a row."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from liftform import landmarkers
from liftform.errors import ModelError
from liftform.settings import PoseSettings


class _Stub:
    def __init__(self, number: int) -> None:
        self.number, self.closed, self.runs = number, False, []

    def detect(self, image) -> None:
        self.runs.append(image.numpy_view().max())

    def detect_for_video(self, image, timestamp_ms: int) -> None:
        self.runs.append(timestamp_ms)


@pytest.fixture
def stubs(monkeypatch):
    made: list[tuple[_Stub, bool, int, bool]] = []

    def create(model_path, settings, *, video, num_poses, masks):
        stub = _Stub(len(made))
        made.append((stub, video, num_poses, masks))
        return stub

    monkeypatch.setattr(landmarkers, "create_landmarker", create)
    monkeypatch.setattr(landmarkers, "close_landmarker", lambda landmarker: setattr(landmarker, "closed", True))
    return made


def test_a_landmarker_given_back_is_taken_again_by_the_same_kind_only(stubs, tmp_path):
    kept = landmarkers.KeptLandmarkers()
    model, settings = tmp_path / "m.task", PoseSettings()
    first = kept.take(model, settings, num_poses=2, masks=True)
    kept.give_back(first)
    assert kept.take(model, settings, num_poses=2, masks=True) is first          # no second load
    other = [kept.take(model, settings, num_poses=2, masks=False),               # masks differ
             kept.take(model, settings, num_poses=1, masks=True),                # poses differ
             kept.take(model, PoseSettings(min_detection_confidence=0.7), num_poses=2, masks=True),
             kept.take(tmp_path / "other.task", settings, num_poses=2, masks=True)]
    assert len(stubs) == 5 and first not in other
    assert all(video is False for _, video, _, _ in stubs)                       # IMAGE mode only
    kept.close_all()
    assert not first.closed                      # in use (taken again): not the keeper's to close


def test_a_new_image_mode_landmarker_runs_once_on_a_blank_frame_and_a_video_mode_one_is_kept_with_its_clock(
        stubs, tmp_path):
    kept = landmarkers.KeptLandmarkers()
    model, settings = tmp_path / "m.task", PoseSettings()
    image = kept.take(model, settings, num_poses=2, masks=True)
    assert image.runs == [0]                          # its slow first run, on a blank frame, before any real one
    kept.give_back(image)
    assert kept.take(model, settings, num_poses=2, masks=True) is image and image.runs == [0]   # once
    tracker = kept.take(model, settings, num_poses=2, masks=True, video=True)
    assert tracker is not image and tracker.runs == [] and kept.last_ms(tracker) == -1   # its user's clock
    kept.give_back(tracker, last_ms=4321)
    assert kept.take(model, settings, num_poses=2, masks=True) is not tracker          # IMAGE asked: not it
    again = kept.take(model, settings, num_poses=2, masks=True, video=True)
    assert again is tracker and kept.last_ms(again) == 4321                           # its clock goes on
    kept.give_back(again, last_ms=4400)
    fresh = kept.take(model, settings, num_poses=2, masks=True, video=True, new=True)   # one kept, yet a new one
    assert fresh is not tracker and kept.last_ms(fresh) == -1
    assert kept.take(model, settings, num_poses=2, masks=True, video=True) is tracker   # still kept
    kept.discard(tracker)
    assert tracker.closed and kept.last_ms(tracker) == -1
    kept.give_back(fresh, last_ms=5000)                                                # kept like the others
    assert kept.take(model, settings, num_poses=2, masks=True, video=True) is fresh and not fresh.closed
    kept.close_all()


def test_a_new_landmarker_whose_first_run_fails_is_closed_and_the_error_raised(stubs, tmp_path, monkeypatch):
    def fails(self, image):
        raise RuntimeError("first run failed")

    monkeypatch.setattr(_Stub, "detect", fails)
    with pytest.raises(RuntimeError, match="first run failed"):
        landmarkers.KeptLandmarkers().take(tmp_path / "m.task", PoseSettings(), num_poses=2, masks=True)
    assert [stub.closed for stub, *_ in stubs] == [True]


def test_no_more_than_a_few_are_kept_and_all_are_closed_at_the_end(stubs, tmp_path):
    kept = landmarkers.KeptLandmarkers()
    model, settings = tmp_path / "m.task", PoseSettings()
    taken = [kept.take(model, settings, num_poses=2, masks=True) for _ in range(kept.MAX_PER_KIND + 2)]
    for landmarker in taken:
        kept.give_back(landmarker)
    assert [s.closed for s in taken] == [False] * kept.MAX_PER_KIND + [True, True]
    kept.close_all()
    assert all(s.closed for s in taken)
    stranger = _Stub(99)
    kept.give_back(stranger)                     # not made here: closed, never handed out
    assert stranger.closed
    assert kept.take(model, settings, num_poses=2, masks=True) not in taken


@pytest.fixture
def slow_stubs(monkeypatch):
    """Stand-ins that load only when ``release`` is set (a model load under way), or fail where ``fail`` is."""
    made: list[_Stub] = []
    release, fail = threading.Event(), threading.Event()

    def create(model_path, settings, *, video, num_poses, masks):
        release.wait(timeout=10)
        if fail.is_set():
            raise ModelError("cannot load pose model")
        made.append(_Stub(len(made)))
        return made[-1]

    monkeypatch.setattr(landmarkers, "create_landmarker", create)
    monkeypatch.setattr(landmarkers, "close_landmarker", lambda landmarker: setattr(landmarker, "closed", True))
    return made, release, fail


def test_take_waits_for_the_landmarker_being_preloaded_instead_of_loading_another(slow_stubs, tmp_path):
    made, release, _ = slow_stubs
    kept = landmarkers.KeptLandmarkers()
    model, settings = tmp_path / "m.task", PoseSettings()
    kept.preload(model, settings, num_poses=2, masks=True, count=2)
    kept.preload(model, settings, num_poses=2, masks=True, count=2)     # two loading already: nothing more
    taken: list = []
    takers = [threading.Thread(target=lambda: taken.append(kept.take(model, settings, num_poses=2, masks=True)))
              for _ in range(2)]
    for taker in takers:
        taker.start()
    release.set()
    for taker in takers:
        taker.join(timeout=10)
    assert len(made) == 2 and sorted(s.number for s in taken) == [0, 1]
    kept.give_back(taken[0])
    kept.preload(model, settings, num_poses=2, masks=True, count=1)     # one kept: nothing to load
    assert kept.take(model, settings, num_poses=2, masks=True) is taken[0] and len(made) == 2


def test_a_model_that_fails_to_preload_fails_where_it_is_taken(slow_stubs, tmp_path):
    made, release, fail = slow_stubs
    kept = landmarkers.KeptLandmarkers()
    fail.set()
    release.set()
    kept.preload(tmp_path / "m.task", PoseSettings(), num_poses=2, masks=False)
    with pytest.raises(ModelError):
        kept.take(tmp_path / "m.task", PoseSettings(), num_poses=2, masks=False)
    assert made == []


def test_close_all_waits_for_the_landmarkers_still_loading_and_closes_them(slow_stubs, tmp_path):
    made, release, _ = slow_stubs
    kept = landmarkers.KeptLandmarkers()
    kept.preload(tmp_path / "m.task", PoseSettings(), num_poses=2, masks=True, count=2)
    threading.Timer(0.2, release.set).start()
    kept.close_all()                             # at exit, a run that failed while its models were loading
    assert len(made) == 2 and all(s.closed for s in made)


@pytest.mark.slow
@pytest.mark.model
def test_the_next_video_reuses_the_models_and_gets_the_same_tracks(sample_videos, tmp_path, monkeypatch):
    from video_files import first_seconds

    from liftform.pipeline import estimate_video_people
    from liftform.settings import Settings

    # The hinge's first rep (IMAGE mode keeps no state from frame to frame: a rep shows what the whole sample did)
    video = first_seconds(sample_videos["hip_hinge"], tmp_path / "first_rep.mp4", 3.2)
    landmarkers.kept_landmarkers.close_all()
    created = []
    real_create = landmarkers.create_landmarker
    monkeypatch.setattr(landmarkers, "create_landmarker",
                        lambda *a, **k: created.append(k["video"]) or real_create(*a, **k))
    runs = []
    for _ in range(2):
        found = estimate_video_people(video, Settings(), threads=2)[0]
        runs.append((found.tracks[0], list(created)))
        created.clear()
    (first, made_first), (second, made_second) = runs
    assert made_first.count(False) == 3          # the people finder and the two read-ahead workers
    assert made_second.count(False) == 0         # all three kept
    for name in ("image_xy", "world_xyz", "visibility", "back_profile_px", "timestamps_s"):
        assert np.array_equal(getattr(first, name), getattr(second, name), equal_nan=True), name


_EXIT_SCRIPT = """
import sys
if sys.argv[1] == "mediapipe-first":
    from mediapipe.tasks.python import vision  # noqa: F401  (a user's script that uses MediaPipe too)
import numpy as np
from liftform import landmarkers
from liftform.models import resolve_model
from liftform.settings import PoseSettings
landmarker = landmarkers.kept_landmarkers.take(resolve_model("full").path, PoseSettings(), num_poses=2, masks=True)
landmarker.detect(landmarkers.mp_image(np.zeros((256, 256, 3), np.uint8)))
landmarkers.kept_landmarkers.give_back(landmarker)      # kept, to be closed at exit
print("done")
"""


@pytest.mark.slow
@pytest.mark.model
@pytest.mark.parametrize("order", ["liftform-first", "mediapipe-first"])
def test_a_process_that_kept_landmarkers_exits_without_a_traceback(order):
    """At exit the kept landmarkers are closed before the interpreter stops MediaPipe's call threads: closed from
    `atexit`, a script that imported mediapipe first printed a traceback per landmarker."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", _EXIT_SCRIPT, order], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "done", done.stderr[-2000:]
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr, done.stderr[-2000:]


def test_the_interpreter_exit_waits_for_background_work(tmp_path):
    """A run that fails at once (a bad file) exits while mediapipe is still being imported or a model loaded in the
    background; the exit waits for that work instead of tearing the interpreter down under it (a segmentation fault
    was seen once after the one-line error for an audio-only file)."""
    import subprocess
    import sys

    done = tmp_path / "done"
    script = (
        "import time\n"
        "from liftform import landmarkers\n"
        f"landmarkers.start_in_background(lambda: (time.sleep(0.5), open({str(done)!r}, 'w').close()), 'work')\n"
        "raise SystemExit(1)\n")                      # as the CLI exits after a one-line error
    finished = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert finished.returncode == 1 and finished.stderr == ""
    assert done.exists()                               # the background work ran to its end before the exit
