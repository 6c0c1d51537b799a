"""Several rendered people in one picture (`liftform.synth.group`): where each stands, when, and their truth."""

from __future__ import annotations

import numpy as np
import pytest

from liftform.synth import LiftSpec, SynthScene
from liftform.synth.group import GroupScene, Member

STAND = LiftSpec(motion="squat", prop="none", reps=1, supersample=1)


def _body_columns(rgb: np.ndarray, room: np.ndarray) -> np.ndarray:
    return np.flatnonzero((np.abs(rgb.astype(int) - room.astype(int)).sum(axis=2) > 30).any(axis=0))


def test_two_people_stand_where_they_are_placed_and_their_truth_moves_with_them():
    group = GroupScene((Member(STAND, shift_px=(-160.0, 0.0), lift_at_s=None),
                        Member(LiftSpec(motion="hip_hinge", seed=2, supersample=1), shift_px=(160.0, 0.0))),
                       duration_s=0.2)
    columns = _body_columns(group.render(0), group.scenes[0].empty_room())
    assert columns.min() < 200 and columns.max() > 440 and not ((columns > 290) & (columns < 350)).any()
    alone = SynthScene(STAND).truth.image_xy[0]
    assert np.allclose(group.image_xy(0)[0], alone - [160.0, 0.0], atol=1e-6, equal_nan=True)
    assert np.nanmedian(group.image_xy(1)[0, :, 0]) > 400


def test_a_member_comes_in_along_their_path_and_is_out_of_the_picture_outside_their_times():
    walker = Member(STAND, path=((0.0, 400.0), (1.0, 0.0)), lift_at_s=None, shown_s=(0.0, 1.5))
    group = GroupScene((walker,), duration_s=2.0)
    xy = group.image_xy(0)
    centre = np.nanmedian(xy[:31, :, 0], axis=1)      # frames out of the picture are all NaN
    assert centre[0] - centre[30] == pytest.approx(400.0)
    assert np.isnan(xy[50]).all() and np.isfinite(xy[40]).any()
    room = group.scenes[0].empty_room()
    assert len(_body_columns(group.render(50), room)) == 0
    assert not group.lifting(0).any()


def test_a_smaller_member_farther_back_is_scaled_about_their_feet():
    group = GroupScene((Member(STAND, scale=0.5, shift_px=(0.0, -40.0), lift_at_s=None),), duration_s=0.1)
    full = SynthScene(STAND).truth.image_xy[0]
    small = group.image_xy(0)[0]
    tall = np.nanmax(full[:, 1]) - np.nanmin(full[:, 1])
    assert np.nanmax(small[:, 1]) - np.nanmin(small[:, 1]) == pytest.approx(0.5 * tall)
    assert np.nanmax(small[:, 1]) == pytest.approx(np.nanmax(full[:, 1]) - 40.0, abs=5.0)     # feet 40 px farther back
