"""How often the whole frame is searched for people (`liftform.people`): on the first frame, then at growing
intervals while a search finds just the people followed, at `[pose] recheck_s` again after it finds anything else,
and every LOST_LOOK_S while someone is lost, also after they were let go; and that a follower does not take a
neighbour's pose for its hidden person's. A stand-in finder and follower (no model) count the searches and the
crop's runs."""

from __future__ import annotations

import numpy as np
import pytest

from liftform import people
from liftform.pose import FramePose
from liftform.settings import PoseSettings
from liftform.video import VideoFrame

FPS = 30.0
BOUNDS = (0, 0, 640, 480)


def _person(x0: float) -> np.ndarray:
    """33 landmarks of a 60 x 300 px person standing at x0."""
    t = np.linspace(0, 1, 33)
    return np.stack([x0 + 60 * t, 100 + 300 * t[::-1]], axis=1)


class _World:
    """Who is in view when: ``people_at(t)`` -> landmarks per person; ``lost(t)``: the follower misses its person;
    ``hidden_s``: the first person cannot be found (by the search or on a crop) while the second still can."""

    def __init__(self, second_from_s: float = np.inf, lost_s: tuple[float, float] = (np.inf, np.inf),
                 first_from_s: float = 0.0) -> None:
        self.second_from_s, self.lost_s, self.first_from_s = second_from_s, lost_s, first_from_s
        self.second_x, self.hidden_s = 400.0, (np.inf, np.inf)
        # From moved_s the first person stands at moved_x; the first follower's model misses everyone in
        # crop_misses_s and gives a mistaken pose (a plate at x 500) in mistaken_s, while searches find the person.
        self.moved_s, self.moved_x = np.inf, 100.0
        self.crop_misses_s, self.mistaken_s = (np.inf, np.inf), (np.inf, np.inf)
        self.looks: list[float] = []
        self.followers: list = []
        self.crop_runs: list[float] = []

    def people_at(self, t: float) -> list[np.ndarray]:
        if self.lost_s[0] <= t < self.lost_s[1] or t < self.first_from_s:
            return []
        first = [] if self.hidden_s[0] <= t < self.hidden_s[1] else [_person(100 if t < self.moved_s else
                                                                              self.moved_x)]
        return first + ([_person(self.second_x)] if t >= self.second_from_s else [])


@pytest.fixture
def world(monkeypatch):
    scene = _World()

    class Finder:
        def __init__(self, *args) -> None:
            self.t = 0.0

        def __call__(self, rgb, bounds, nobody_yet_at_s=None):
            scene.looks.append(float(rgb[0, 0, 0]) / FPS + 0.0)
            return scene.people_at(rgb[0, 0, 0] / FPS)

        def close(self) -> None:
            pass

    class Follower:
        def __init__(self, model_path, settings, crop, bounds, ahead=None) -> None:
            self.crop, self.bounds, self.last_box, self.lost_since_s = crop, bounds, None, None
            self.other_boxes: list = []          # the poses beside the person in the crop (none here)
            self.first, self.frames = not scene.followers, 0
            scene.followers.append(self)

        def expect(self, rgb, t) -> None:
            pass

        def __call__(self, rgb, t):
            scene.crop_runs.append(t)
            misses = self.first and scene.crop_misses_s[0] <= t < scene.crop_misses_s[1]
            if scene.lost_s[0] <= t < scene.lost_s[1] or misses:
                self.lost_since_s = t if self.lost_since_s is None else self.lost_since_s
                return None
            self.lost_since_s = None
            xy = min(scene.people_at(t), key=lambda p: abs(p[0, 0] - (self.crop[0] + self.crop[2]) / 2))
            if self.first and scene.mistaken_s[0] <= t < scene.mistaken_s[1] and self.frames > 0:
                xy = _person(500.0)
            self.frames += 1
            self.last_box = people.person_box(xy)
            return FramePose(xy, np.zeros((33, 3)), np.ones(33), np.zeros((21, 2)))

        def close(self) -> None:
            pass

    monkeypatch.setattr(people, "PeopleFinder", Finder)
    monkeypatch.setattr(people, "CropFollower", Follower)
    return scene


def _run(seconds: float):
    # Frame k carries its index in its first pixel (mod 256 is enough for the stand-ins' clock at 30 fps over 8 s).
    frames = [VideoFrame(k, k / FPS, np.full((4, 4, 3), k, dtype=np.uint8)) for k in range(int(seconds * FPS))]
    return people.follow_people(frames, "model.task", PoseSettings(upright_lean_deg=0), BOUNDS)


def test_a_search_that_finds_just_the_lifter_waits_longer_for_the_next(world):
    _run(8.0)
    assert world.looks == pytest.approx([0, 1, 3, 7])           # 1 s, then 2, then 4 (at most 4 x recheck_s)


def test_someone_new_is_found_by_the_next_search_and_the_interval_starts_again(world):
    world.second_from_s = 2.0
    segment = _run(8.0)
    assert world.looks == pytest.approx([0, 1, 3, 4, 6])        # found at 3 s: 1 s to the next, then 2
    assert len(segment.people) == 2 and min(segment.people[1].rows) == 3 * FPS


def test_while_the_lifter_is_lost_the_frame_is_searched_every_quarter_second(world):
    world.lost_s = (3.5, 4.6)
    _run(8.0)
    lost_looks = [t for t in world.looks if 3.5 <= t < 4.8]
    assert np.diff(lost_looks) == pytest.approx([people.LOST_LOOK_S] * (len(lost_looks) - 1), abs=0.04)
    assert len(lost_looks) >= 4


def test_before_anyone_is_found_the_frame_is_searched_on_every_frame(world):
    world.first_from_s = 3.0                                    # the lifter walks in at 3 s
    segment = _run(4.0)
    before = [t for t in world.looks if t < 3.0]
    assert np.diff(before) == pytest.approx([1 / FPS] * (len(before) - 1)) and len(before) == 3 * FPS
    assert min(segment.people[0].rows) == 3 * FPS              # found on the frame they appear


def test_a_lifter_lost_is_followed_on_every_frame_until_retired_and_then_searched_for_every_quarter_second(world):
    world.lost_s = (2.0, 5.0)
    segment = _run(6.0)
    frame_s = 1 / FPS
    retired_s = 2.0 + people.RETIRE_LOST_S
    runs = [t for t in world.crop_runs if 2.0 <= t <= retired_s]
    assert np.diff(runs) == pytest.approx([frame_s] * (len(runs) - 1))      # the crop may find them first
    late = [t for t in world.looks if retired_s + frame_s < t < 5.0]
    assert late and np.diff(late) == pytest.approx([people.LOST_LOOK_S] * (len(late) - 1), abs=0.04)
    back_s = min(k for person in segment.people for k in person.rows if k / FPS >= 5.0) / FPS
    assert back_s <= 5.0 + people.LOST_LOOK_S + frame_s


def test_a_pose_that_jumps_onto_the_neighbour_is_not_taken_for_the_hidden_person(world):
    """Two people close together: the crop around the first holds the second, and while the first cannot be found
    (bent over the bar, behind the load) the model there gives the second. That pose is not the first person's:
    their track gets a gap, not the neighbour's frames, and the neighbour's own follower goes on."""
    world.second_from_s, world.second_x, world.hidden_s = 0.0, 300.0, (1.0, 2.0)   # in the first one's crop
    segment = _run(3.0)
    assert len(segment.people) == 2
    first, second = segment.people
    for person, x0 in ((first, 100.0), (second, 300.0)):
        assert all(row[0][0, 0] == x0 for row in person.rows.values())              # nobody else's pose
    frames = range(int(3.0 * FPS))
    hidden = {k for k in frames if world.hidden_s[0] <= k / FPS < world.hidden_s[1]}
    assert not hidden & set(first.rows)                                           # a gap while hidden
    assert set(second.rows) == set(frames)                                        # followed throughout
    back_s = min(k for k in first.rows if k / FPS >= world.hidden_s[1]) / FPS
    assert back_s <= world.hidden_s[1] + people.LOST_LOOK_S + 1 / FPS             # found again


def test_a_person_the_crop_lost_and_a_search_found_elsewhere_stays_one_person(world):
    """The crop's model misses the lifter, who has moved meanwhile: a search finds them where the follower's box
    is not and starts a second follower; the first finds them again, the two converge, and what the second saw
    joins the first's track (it was listed as a second lifter, its short piece of a rep undecided)."""
    world.moved_s, world.moved_x, world.crop_misses_s = 1.1, 250.0, (1.1, 1.6)
    segment = _run(3.0)
    assert len(segment.people) == 1
    missed = set(range(int(3.0 * FPS))) - set(segment.people[0].rows)
    assert missed and all(1.1 <= k / FPS <= 1.1 + people.LOST_LOOK_S + 1 / FPS for k in missed)


def test_a_mistaken_pose_on_the_crop_gives_way_to_the_person_a_search_found(world):
    """The crop's model gives a mistaken pose (a plate) while a search finds the lifter: the follower started there
    follows them until the first is back on them; the lifter's track holds the lifter, the plate only before that
    search (dropped later as a pose of the wrong size: `core.plausibility`)."""
    world.mistaken_s = (0.9, 1.3)
    segment = _run(3.0)
    assert len(segment.people) == 1
    xs = {k: row[0][0, 0] for k, row in segment.people[0].rows.items()}
    assert set(xs) == set(range(int(3.0 * FPS)))
    assert {k for k, x in xs.items() if x == 500.0} == {k for k in xs if 0.9 <= k / FPS < 1.0}


def test_at_a_cut_to_another_shot_everyone_is_found_afresh_and_tracks_end(world):
    """A compilation cuts to another lifter standing about where the first stood: the crop around the first would
    find the second and carry on as one person (two lifters' reps in one track). At the cut every tracker is
    closed, the whole frame is searched at once, and whoever is there is a person of their own."""
    world.moved_s, world.moved_x = 2.0, 110.0                  # the next shot's lifter, 10 px from the first
    cut = int(2.0 * FPS)
    frames = [VideoFrame(k, k / FPS, np.full((4, 4, 3), k, dtype=np.uint8), shot_start=k == cut)
              for k in range(int(4.0 * FPS))]
    segment = people.follow_people(frames, "model.task", PoseSettings(upright_lean_deg=0), BOUNDS)
    assert 2.0 in world.looks                                  # searched on the cut's frame, off the schedule
    assert len(segment.people) == 2 and len(world.followers) == 2
    before, after = segment.people
    assert max(before.rows) == cut - 1 and min(after.rows) == cut
    assert all(row[0][0, 0] == 110.0 for row in after.rows.values())
    assert segment.cuts_s == [2.0]
