"""Two people close together (`liftform.people`): the crop around one holds the other too, and while the model
cannot find the first (bent over the bar, behind the load) it gives the other. That pose is not the first person's:
their track gets a gap, not the neighbour's frames, and the neighbour's own follower goes on. A stand-in finder and
follower (no model) play the scene."""

from __future__ import annotations

import numpy as np
import pytest

from liftform import people
from liftform.follow import box_iou, crop_for, person_box
from liftform.pose import FramePose
from liftform.settings import PoseSettings
from liftform.video import VideoFrame

FPS = 30.0
BOUNDS = (0, 0, 640, 480)
HIDDEN_S = (1.0, 2.0)          # the first person cannot be found, by the finder or in their crop


def _person(x0: float) -> np.ndarray:
    """33 landmarks of a 60 x 300 px person standing at x0."""
    t = np.linspace(0, 1, 33)
    return np.stack([x0 + 60 * t, 100 + 300 * t[::-1]], axis=1)


FIRST, SECOND = _person(100), _person(200)


def _in_view(t: float) -> list[np.ndarray]:
    return [SECOND] if HIDDEN_S[0] <= t < HIDDEN_S[1] else [FIRST, SECOND]


@pytest.fixture
def stand_ins(monkeypatch):
    class Finder:
        def __init__(self, *args) -> None:
            pass

        def __call__(self, rgb, bounds):
            return _in_view(rgb[0, 0, 0] / FPS)

        def close(self) -> None:
            pass

    class Follower:
        """The model on a crop: of the people it can find, the one overlapping the last box, else the nearest."""

        def __init__(self, model_path, settings, crop, bounds, ahead=None) -> None:
            self.crop, self.bounds, self.last_box, self.lost_since_s = crop, bounds, None, None

        def expect(self, rgb, t) -> None:
            pass

        def __call__(self, rgb, t):
            centre = (self.crop[0] + self.crop[2]) / 2
            xy = min(_in_view(t), key=lambda p: (box_iou(self.last_box, person_box(p)) == 0,
                                                 abs(p[:, 0].mean() - centre)))
            self.lost_since_s = None
            self.last_box = person_box(xy)
            self.crop = crop_for(xy, self.bounds)
            return FramePose(xy, np.zeros((33, 3)), np.ones(33), np.zeros((21, 2)))

        def close(self) -> None:
            pass

    monkeypatch.setattr(people, "PeopleFinder", Finder)
    monkeypatch.setattr(people, "CropFollower", Follower)


def test_a_pose_that_jumps_onto_the_neighbour_is_not_taken_for_the_hidden_person(stand_ins):
    frames = [VideoFrame(k, k / FPS, np.full((4, 4, 3), k, dtype=np.uint8)) for k in range(int(3 * FPS))]
    segment = people.follow_people(frames, "model.task", PoseSettings(upright_lean_deg=0), BOUNDS)
    assert len(segment.people) == 2
    first, second = sorted(segment.people, key=lambda p: p.rows[0][0][0, 0])
    for person, xy in ((first, FIRST), (second, SECOND)):
        assert all(np.array_equal(row[0], xy) for row in person.rows.values())      # nobody else's pose
    hidden = {k for k in range(len(frames)) if HIDDEN_S[0] <= k / FPS < HIDDEN_S[1]}
    assert not hidden & set(first.rows)                                           # a gap while hidden
    assert set(second.rows) == set(range(len(frames)))                            # followed throughout
    back = min(k for k in first.rows if k / FPS >= HIDDEN_S[1]) / FPS
    assert back <= HIDDEN_S[1] + people.LOST_LOOK_S + 1 / FPS                     # found again
