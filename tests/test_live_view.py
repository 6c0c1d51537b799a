"""What the live window shows, read from where the lifter bends (2-3 m from a laptop): drawn on arrays."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from synthetic_tracks import lift_track, replayed_poses

from liftform.core.screen import unusable_zero
from liftform.core.vocabulary import Tone
from liftform.live import CapturedFrame, LiveSession
from liftform.live.state import PROMPT_FROM_ABOVE
from liftform.live.types import LiveFrame, ZeroTaken
from liftform.outputs.overlay import PROMPT_RGB, TEXT_RGB
from liftform.settings import Settings

SIZES = [(640, 480), (1280, 720), (1920, 1080)]


def _drawn(size_wh: tuple[int, int], **shown) -> np.ndarray:
    """Live's view of a frame showing ``shown`` (LiveFrame fields), drawn on black at ``size_wh``."""
    fields = dict(index=0, timestamp_s=0.0, landmarks_xy=None, visibility=None, back_edge_xy=None, state="neutral",
                  angles_deg={"spine": 12.0}, prompt=None, rep_count=2, last_verdict="hip_hinge", calibrated=True)
    image = np.zeros((size_wh[1], size_wh[0], 3), np.uint8)
    LiveSession(lambda rgb, t: None, Settings(), size_wh).draw(image, LiveFrame(**(fields | shown)))
    return image


def _rows_of(image: np.ndarray, colour: tuple[int, int, int]) -> np.ndarray:
    """The rows holding pixels of ``colour`` (within the anti-aliasing's few levels)."""
    return np.flatnonzero((np.abs(image.astype(int) - colour) <= 8).all(axis=2).any(axis=1))


def _bands(rows: np.ndarray) -> int:
    """How many runs of consecutive rows ``rows`` holds: the lines of text they belong to."""
    return int(len(rows) and 1 + np.count_nonzero(np.diff(rows) > 1))


def _height(rows: np.ndarray) -> int:
    return int(rows[-1] - rows[0] + 1) if len(rows) else 0


@pytest.mark.parametrize("size_wh", SIZES)
def test_the_back_rounding_is_written_large_enough_to_read_from_where_the_lifter_bends(size_wh):
    """The back's state, the one thing to read mid-lift, is written a twelfth of the frame high (the window scales
    the frame: ~16 mm on a maximised 1080p laptop screen), at every camera size. It had been a panel line of 10 px
    in 480 (~4 mm maximised: not read from 3 m)."""
    height = _height(_rows_of(_drawn(size_wh, state="rounded"), Tone.BAD.text_rgb))
    assert size_wh[1] / 14 <= height <= size_wh[1] / 9


def test_a_judged_rep_is_told_in_its_verdicts_colour_with_its_cue_under_it():
    """Once a rep is judged the headline says its verdict in the verdict's colour (as the back, the panel, the
    report and the terminal colour it), not the prompts' yellow, and its cue under it, smaller."""
    track, _ = lift_track("rounded_back", n_reps=1)
    session = LiveSession(replayed_poses(track), Settings(), track.frame_size_wh)
    frames = [session.process(CapturedFrame(i, float(t), np.zeros((480, 640, 3), np.uint8), 0.0))
              for i, t in enumerate(track.timestamps_s)]
    told = next(f for f in frames if f.prompt and f.prompt.startswith("Rep 1"))
    assert told.prompt_verdict == "rounded_back" and told.last_advice
    image = np.zeros((480, 640, 3), np.uint8)
    assert told.state != "rounded"                  # a back rounding now would take the headline (its own test)
    session.draw(image, told)
    verdict_rows, cue_rows = _rows_of(image[240:], Tone.BAD.text_rgb), _rows_of(image[240:], TEXT_RGB)
    assert _height(verdict_rows) >= 480 / 14 and not len(_rows_of(image, PROMPT_RGB))
    assert cue_rows[0] > verdict_rows[-1] and 480 / 20 <= _height(cue_rows) < _height(verdict_rows)
    # Said once: the panel (top half) does not repeat the verdict or the cue while the headline says them, and
    # lists them, one line each, once the headline has moved on.
    panel_white = _bands(_rows_of(image[:240], TEXT_RGB))
    assert not len(_rows_of(image[:240], Tone.BAD.text_rgb))
    later = dataclasses.replace(told, prompt=None, prompt_verdict=None)        # the banner's time is up
    image = np.zeros((480, 640, 3), np.uint8)
    session.draw(image, later)
    assert _bands(_rows_of(image[:240], Tone.BAD.text_rgb)) == 1
    assert _bands(_rows_of(image[:240], TEXT_RGB)) == panel_white + 1


@pytest.mark.parametrize("size_wh", SIZES)
def test_a_long_prompt_is_split_and_fits_the_frame(size_wh):
    """The longest prompt, too wide for one line in the headline's type, is split in two lines that fit the frame,
    their type no less than 4/5 of the headline's."""
    image = _drawn(size_wh, state="unknown", prompt=PROMPT_FROM_ABOVE)
    prompt = (np.abs(image.astype(int) - PROMPT_RGB) <= 8).all(axis=2)
    rows, cols = np.flatnonzero(prompt.any(axis=1)), np.flatnonzero(prompt.any(axis=0))
    assert cols[0] > 0 and cols[-1] < size_wh[0] - 1
    lines = np.split(rows, np.flatnonzero(np.diff(rows) > 1) + 1)
    assert len(lines) == 2 and min(_height(line) for line in lines) >= 0.8 * size_wh[1] / 12 * 0.9


@pytest.mark.parametrize("size_wh", SIZES)
def test_key_n_refused_is_said_large_its_reason_in_the_terminal(size_wh):
    """A zero refused for its reason (the back not seen bent over long enough) is said on screen in the headline's
    type, the reason left to the terminal: the whole sentence had been shrunk to fit, 9 px capitals at 640x480."""
    refused = ZeroTaken(0.0, math.nan, "No zero from the last rep: " + unusable_zero(math.nan))
    image = _drawn(size_wh, state="unknown", prompt=refused.words)
    prompt = (np.abs(image.astype(int) - PROMPT_RGB) <= 8).all(axis=2)
    lines = np.split(rows := np.flatnonzero(prompt.any(axis=1)), np.flatnonzero(np.diff(rows) > 1) + 1)
    assert min(_height(line) for line in lines) >= 0.8 * size_wh[1] / 12 * 0.9
