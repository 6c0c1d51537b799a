"""A dark picture is said: the lifter's brightness in the first frames, on synthetic frames and tracks."""

from __future__ import annotations

import dataclasses

import numpy as np
from synthetic_tracks import lift_track
from video_files import lit_lifter_frame

from liftform.exposure import DARK_LUMA, dark_picture_note, lifter_brightness, luma_thumbnail


def test_a_lit_lifter_in_a_dark_room_is_not_dark_but_the_same_lifter_two_stops_under_is():
    track, _ = lift_track("hip_hinge")
    lit = lifter_brightness([luma_thumbnail(lit_lifter_frame(track, row, 220)) for row in range(8)], track)
    assert lit == 220 and dark_picture_note(lit) is None            # the black room around them does not count
    dim = lifter_brightness([luma_thumbnail(lit_lifter_frame(track, row, 117)) for row in range(8)], track)
    assert dim == 117 < DARK_LUMA
    note = dark_picture_note(dim)
    assert note.startswith("the picture is dark") and "117 of 255" in note and "light the lifter" in note


def test_no_note_when_the_lifter_is_not_in_the_first_frames():
    track, _ = lift_track("hip_hinge")
    frames = [luma_thumbnail(lit_lifter_frame(track, row, 40)) for row in range(8)]
    found = np.zeros(len(track), bool)
    found[8:] = True                                                   # found only after a title card
    later = dataclasses.replace(track, image_xy=np.where(found[:, None, None], track.image_xy, np.nan))
    assert np.isnan(lifter_brightness(frames, later)) and dark_picture_note(float("nan")) is None
    # Found in some of the first frames: those decide.
    found[4:8] = True
    some = dataclasses.replace(track, image_xy=np.where(found[:, None, None], track.image_xy, np.nan))
    assert lifter_brightness(frames, some) == 40
