"""A video of few frames a second says so: what the back does between frames is not seen."""

from __future__ import annotations

from synthetic_tracks import lift_track

from liftform.analysis import ModelInfo, SourceInfo
from liftform.pipeline import analyze_track
from liftform.settings import Settings

RATE_WORDS = "frame(s) a second were analysed"


def _notes(track) -> tuple[str, ...]:
    source = SourceInfo("lift.mp4", "", 30.0, len(track), *track.frame_size_wh, float(track.timestamps_s[-1]))
    return analyze_track(track, source, ModelInfo("full", "cd" * 32), Settings()).quality.warnings


def test_a_timelapse_of_a_lift_is_told_its_frames_are_too_few_and_a_video_is_not():
    """A tester's 2 fps copy of a sample was judged without a word on its rate; its reasons said a rep's
    recording "stops 2% of the way back up" and that the view cut a rep it did not. 30 fps: no such note; 15 fps
    (a dim webcam's) neither; 2 fps and 6 fps: the note, with the rate."""
    track, _ = lift_track("rounded_back", n_reps=2)
    assert not any(RATE_WORDS in note for note in _notes(track))
    assert not any(RATE_WORDS in note for note in _notes(track[::2]))
    for step, rate in ((15, "only 2 frame(s)"), (5, "only 6 frame(s)")):
        said = [note for note in _notes(track[::step]) if RATE_WORDS in note]
        assert len(said) == 1 and said[0].startswith(rate), said


def test_a_hole_in_the_frames_is_told_where_and_a_steady_video_has_none():
    """A phone clip missing 1.5 s of frames (a rep there) was judged without a word: the rep vanished, and the next
    one, a lift, was told as a set-down. The frames' times jump: the note says from when to when."""
    import numpy as np

    track, _ = lift_track("rounded_back", n_reps=3)
    t = track.timestamps_s
    kept = np.flatnonzero((t < 4.0) | (t > 5.5))
    said = [note for note in _notes(track[kept]) if "has no frames" in note]
    assert len(said) == 1 and f"from {t[kept][t[kept] < 4.0][-1]:.1f} to {t[kept][t[kept] > 5.5][0]:.1f} s" in said[0]
    assert not any("has no frames" in note for note in _notes(track))
    assert not any("has no frames" in note for note in _notes(track[::2]))     # 15 fps: no hole
