"""Live's one follower (`liftform.live.follower.LifterFollower`) beside someone else in its crop: while the model
cannot find the lifter (bent over, behind the load) it gives the other person, who is not taken for the lifter. A
stand-in finder and crop follower (no model) play who is where."""

from __future__ import annotations

import numpy as np
import pytest

from liftform.follow import box_iou, person_box
from liftform.live import follower as live_follower
from liftform.people import RETIRE_LOST_S
from liftform.pose import FramePose
from liftform.settings import PoseSettings

FPS = 30.0
LIFTER_X, COACH_X = 100.0, 200.0          # the coach stands inside the lifter's crop


def _person(x0: float) -> np.ndarray:
    """33 landmarks of a 60 x 300 px person standing at x0."""
    t = np.linspace(0, 1, 33)
    return np.stack([x0 + 60 * t, 100 + 300 * t[::-1]], axis=1)


class _Scene:
    """The lifter is hidden from the model in ``hidden_s``; the coach is in view throughout."""

    def __init__(self, hidden_s: tuple[float, float]) -> None:
        self.hidden_s = hidden_s

    def people_at(self, t: float) -> list[np.ndarray]:
        lifter = [] if self.hidden_s[0] <= t < self.hidden_s[1] else [_person(LIFTER_X)]
        return lifter + [_person(COACH_X)]


@pytest.fixture
def scene(monkeypatch):
    world = _Scene((np.inf, np.inf))

    class Finder:
        def __init__(self, *args) -> None:
            pass

        def __call__(self, rgb, bounds):
            return world.people_at(float(rgb[0, 0, 0]) / FPS)

        def warm_up(self) -> None:
            pass

        def close(self) -> None:
            pass

    class Crop:
        """Every person in view is in the crop: the one overlapping the last box most is picked, as
        `CropFollower._pick` does, else the first (the largest, at the start)."""

        def __init__(self, model_path, settings, crop, bounds, ahead=None) -> None:
            self.crop, self.bounds, self.last_box, self.lost_since_s = crop, bounds, None, None
            self.other_boxes: list = []

        def expect(self, rgb, t) -> None:
            pass

        def warm_up(self) -> None:
            pass

        def __call__(self, rgb, t):
            people = world.people_at(t)
            boxes = [person_box(xy) for xy in people]
            overlap = [0.0 if self.last_box is None else box_iou(self.last_box, b) for b in boxes]
            pick = int(np.argmax(overlap)) if max(overlap) > 0 else 0
            self.other_boxes = [b for k, b in enumerate(boxes) if k != pick]
            self.last_box, self.lost_since_s = boxes[pick], None
            return FramePose(people[pick], np.zeros((33, 3)), np.ones(33), np.zeros((21, 2)))

        def close(self) -> None:
            pass

    monkeypatch.setattr(live_follower, "PeopleFinder", Finder)
    monkeypatch.setattr(live_follower, "CropFollower", Crop)
    return world


def _follow(seconds: float) -> dict[int, float | None]:
    """Frame index -> the x of the pose the live follower gave (None: nobody)."""
    follower = live_follower.LifterFollower("model.task", PoseSettings(), (640, 480))
    seen = {}
    for k in range(int(seconds * FPS)):
        pose = follower(np.full((4, 4, 3), k, dtype=np.uint8), k / FPS)
        seen[k] = None if pose is None else float(pose.image_xy[0, 0])
    return seen


def test_the_person_beside_the_lifter_is_not_followed_while_the_lifter_is_hidden(scene):
    scene.hidden_s = (1.0, 1.6)
    seen = _follow(3.0)
    hidden = {k for k in seen if 1.0 <= k / FPS < 1.6}
    assert all(seen[k] is None for k in hidden)                       # lost, not the coach
    assert all(seen[k] == LIFTER_X for k in seen if k not in hidden)  # the lifter before and after


def test_a_lifter_gone_for_good_hands_the_session_to_whoever_is_in_view(scene):
    scene.hidden_s = (1.0, np.inf)
    seen = _follow(1.0 + RETIRE_LOST_S + 1.0)
    later = [x for k, x in seen.items() if k / FPS > 1.0 + RETIRE_LOST_S + 0.3]
    assert later and all(x == COACH_X for x in later)
    assert all(x is None for k, x in seen.items() if 1.0 <= k / FPS < 1.0 + RETIRE_LOST_S)
