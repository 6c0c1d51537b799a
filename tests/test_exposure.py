"""A dark picture is said: the lifter's brightness in the first frames, on synthetic frames and tracks."""

from __future__ import annotations

import dataclasses

import numpy as np
from synthetic_tracks import lift_track

from liftform.exposure import DARK_LUMA, dark_picture_note, lifter_brightness, luma_thumbnail
from liftform.follow import person_box


def _frames_with_lit_lifter(track, n: int, level: int) -> list[np.ndarray]:
    """``n`` black frames of the track's size, each with the lifter's landmark box filled at ``level`` (grey)."""
    width, height = track.frame_size_wh
    frames = []
    for row in range(n):
        rgb = np.zeros((height, width, 3), np.uint8)
        x0, y0, x1, y1 = (int(v) for v in person_box(track.image_xy[row]))
        rgb[y0:y1, x0:x1] = level
        frames.append(rgb)
    return frames


def test_a_lit_lifter_in_a_dark_room_is_not_dark_but_the_same_lifter_two_stops_under_is():
    track, _ = lift_track("hip_hinge")
    lit = lifter_brightness([luma_thumbnail(f) for f in _frames_with_lit_lifter(track, 8, 220)], track)
    assert lit == 220 and dark_picture_note(lit) is None            # the black room around them does not count
    dim = lifter_brightness([luma_thumbnail(f) for f in _frames_with_lit_lifter(track, 8, 117)], track)
    assert dim == 117 < DARK_LUMA
    note = dark_picture_note(dim)
    assert note.startswith("the picture is dark") and "117 of 255" in note and "light the lifter" in note


def test_no_note_when_the_lifter_is_not_in_the_first_frames():
    track, _ = lift_track("hip_hinge")
    frames = [luma_thumbnail(f) for f in _frames_with_lit_lifter(track, 8, 40)]
    found = np.zeros(len(track), bool)
    found[8:] = True                                                   # found only after a title card
    later = dataclasses.replace(track, image_xy=np.where(found[:, None, None], track.image_xy, np.nan))
    assert np.isnan(lifter_brightness(frames, later)) and dark_picture_note(float("nan")) is None
    # Found in some of the first frames: those decide.
    found[4:8] = True
    some = dataclasses.replace(track, image_xy=np.where(found[:, None, None], track.image_xy, np.nan))
    assert lifter_brightness(frames, some) == 40
