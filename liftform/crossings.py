"""People crossing a followed person: a passerby in front of the lifter or behind them, whom the lifter's crop
takes for the lifter (NumPy only, no model; `people._Followers` asks it on each frame run).

    if swapped(last_box, beside, box):          # the pose jumped onto the person beside, in the crop, last frame
        rows = crossings.swap(id(follower), rows, last_box, box, t, people)
    else:
        crossings.seen(id(follower), position, t, beside, box, beside_now)

A follower runs the model on a crop around its person and picks, of the poses found there, the one overlapping
their last box most (`pose.CropFollower`): where someone else comes into the crop and hides the person, or stands
where the person was, the crop's one pose is theirs. Telling them apart by clothes is unreliable (a real lifter's
colours vary up to 47 Delta E over a clip); where they were is not. The others' boxes in the crop on each frame
(`CropFollower.other_boxes`) say when a pose became the person's who stood beside: from then the track is theirs,
and the person followed has a gap that the notes name (`unseen.hidden_note`), not another person's poses.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from liftform.follow import SAME_PERSON_IOU, PersonRows, box_iou, jumped


def stolen(follower, before: dict[int, tuple], followers: list) -> bool:
    """Whether ``follower``'s pose just now is another followed person's: two people were seen at once (``before``,
    each follower's `follow.follower_state` before the frame, is given only then), and it jumped away from its last
    box onto the box of someone another of ``followers`` holds without a jump. Where two people stand close, a crop
    around one holds the other too; while the model cannot find the first (bent over the bar, behind the load) it
    gives the other, and kept, that person's pose would continue the first one's track (and their own follower be
    closed as a duplicate): two lifters' reps mixed in one, the other lost."""
    def continues(f) -> bool:
        return not jumped(before[id(f)][0], f.last_box)

    if not before or continues(follower):
        return False    # its own person; or nobody was ever seen beside them: two trackers on one person
    return any(other is not follower and continues(other)
               and box_iou(other.last_box, follower.last_box) >= SAME_PERSON_IOU for other in followers)


def swapped(last_box: tuple[float, ...] | None, beside: list[tuple[float, ...]], box: tuple[float, ...] | None) -> bool:
    """Whether a follower's pose ``box`` is someone else's: it `jumped` from the person's ``last_box`` onto the box
    of another person its crop held apart from them (their boxes not touching) on the last frame run (``beside``:
    `CropFollower.other_boxes`). A passerby crossing the lifter: the crop took them where they overlapped, and
    followed them out of the picture. A second pose on the person's own body (a plate, an arm, half the lifter:
    seen on real clips) touches their box, and a jump onto it is a mistaken pose, not someone else."""
    return bool(beside) and jumped(last_box, box) and any(
        box_iou(other, last_box) == 0 and box_iou(other, box) >= SAME_PERSON_IOU for other in beside)


def met(beside: list[tuple[float, ...]], box: tuple[float, ...] | None, beside_now: list[tuple[float, ...]]) -> bool:
    """Whether the person beside a followed one in its crop on the last frame run (``beside``) met them: nobody is
    beside them now (``beside_now``), and their pose ``box`` overlaps where that person was (one hides the other,
    or the model made one pose of the two)."""
    return bool(beside) and not beside_now and any(box_iou(other, box) > 0 for other in beside)


def came_apart(last_box: tuple[float, ...] | None, box: tuple[float, ...] | None,
               beside_now: list[tuple[float, ...]]) -> bool:
    """Whether a followed person and someone else came apart where they had been one pose: the follower's pose
    ``box`` `jumped` off the person's ``last_box`` and another person is in its crop now (``beside_now``), apart from
    it (their boxes not touching). A passerby walking behind the lifter, hidden by them and never seen beside them,
    came out on the other side, and the crop took them (rendered: a person 0.8x the lifter's size)."""
    return jumped(last_box, box) and any(box_iou(other, box) == 0 for other in beside_now)


@dataclass
class Crossings:
    """Followed people crossed by someone else (a passerby, in front of them or behind): ``times_s`` when a follower
    left its person for the other (`swapped`); the people left, each with where they were last seen, until someone
    is found there again (`found_at`: by a whole-frame search, or the follower jumping back), whose track then
    continues, with a gap while they were hidden; and per follower (by id) where and when it last `met` someone,
    until nobody was beside it for ``forget_s``: a follower that later jumps onto the person beside it had taken
    the other one when they met (a passerby in front of the lifter: the pose slid onto them without a jump)."""

    forget_s: float
    times_s: list[float] = field(default_factory=list)
    left: list[tuple[tuple[float, ...], PersonRows]] = field(default_factory=list)
    met_at: dict[int, tuple[int, float]] = field(default_factory=dict)
    beside_s: dict[int, float] = field(default_factory=dict)     # when someone was last beside each follower

    def seen(self, follower: int, position: int, t: float, beside: list[tuple[float, ...]],
             box: tuple[float, ...] | None, beside_now: list[tuple[float, ...]],
             last_box: tuple[float, ...] | None = None) -> None:
        """A follower's own pose ``box`` at ``t`` (``last_box``: its person's before; ``beside``, ``beside_now``: the
        other people in its crop on the last frame run and now)."""
        if met(beside, box, beside_now) or came_apart(last_box, box, beside_now):
            self.met_at.setdefault(follower, (position, t))
        if beside or beside_now:
            self.beside_s[follower] = t
        elif t - self.beside_s.get(follower, -math.inf) > self.forget_s:
            self.met_at.pop(follower, None)           # the person met has long left its crop: nobody was taken

    def forget(self, follower: int) -> None:
        self.met_at.pop(follower, None)
        self.beside_s.pop(follower, None)

    def swap(self, follower: int, left: PersonRows, last_box: tuple[float, ...] | None, box: tuple[float, ...] | None,
             t: float, people: list[PersonRows]) -> PersonRows:
        """A follower (by id) left its person (``left``, last seen at ``last_box``) at ``t`` for the pose at ``box``
        (`swapped`): the track that pose continues, someone left behind there, or else, where the follower `met` the
        person beside it, ``left`` itself (what it took since they met goes to a new person's track), else a new one.
        New tracks join ``people``; the person left is searched for where they were last seen."""
        rows, meeting = self.found_at(box), self.met_at.pop(follower, None)
        if rows is None and meeting is not None:       # it took the other one when they met: those frames are theirs
            rows, left, t = left, left.split_from(meeting[0]), meeting[1]
            people.append(left)
            last_box = left.box_at(left.last) if left.rows else None
        elif rows is None:
            rows = self.track_at(None, people)
        self.times_s.append(t)
        if last_box is not None:
            self.left.append((last_box, left))
        return rows

    def track_at(self, box: tuple[float, ...] | None, people: list[PersonRows]) -> PersonRows:
        """The track of a person found at ``box``: of someone left there (`found_at`), else a new one in ``people``."""
        rows = self.found_at(box)
        if rows is None:
            rows = PersonRows()
            people.append(rows)
        return rows

    def found_at(self, box: tuple[float, ...] | None) -> PersonRows | None:
        """The person left whose last box ``box`` overlaps most (at least `SAME_PERSON_IOU`), taken off the list;
        None if nobody was left there."""
        overlaps = [box_iou(last_box, box) for last_box, _ in self.left]
        if not overlaps or max(overlaps) < SAME_PERSON_IOU:
            return None
        return self.left.pop(int(np.argmax(overlaps)))[1]
