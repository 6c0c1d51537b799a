"""Following people cheaply: crop boxes around a person, matching people between looks, joining video segments.

NumPy only (no model): the pose stage (`liftform.pose`) finds the people in view now and then with a multi-person
pass over the whole frame, and follows each of them with its own one-person tracker on a crop around them. This
module holds the geometry of that: which crop to give a tracker, when to move it, which person found in a frame is
which person already followed, and how the people of two halves of a video that were followed in parallel are
joined into one track each.

Boxes are (x0, y0, x1, y1) in source pixels, end exclusive. Landmark arrays are (33, 2) source pixels, NaN where
unknown.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

import numpy as np

from liftform.track import (
    BACK_PROFILE_STATIONS,
    N_LANDMARKS,
    PoseTrack,
)

Box = tuple[int, int, int, int]

CROP_SCALE = 1.7            # a crop's side is this many times the person's larger extent (room to bend and step)
CROP_REFIT_SCALE = 2.8      # a crop more than this many times the person's extent is refitted (they moved away)
CROP_MARGIN = 0.08          # the person must stay this share of their extent inside the crop, else it is moved
MIN_CROP_PX = 64            # no crop is smaller than this (a tiny box cannot hold a pose)
SAME_PERSON_IOU = 0.3       # two looks at a person overlap at least this much (box intersection over union)
DUPLICATE_IOU = 0.6         # two trackers whose people overlap this much have converged on one person
TILE_ASPECT = 1.5           # the whole frame is searched for people in tiles no longer than this x their width
# Until anyone is found, a search that finds nobody is made again in tiles of this many rows, FINE_SEARCH_EVERY_S at
# most: a lifter a fifth of a 1080p frame's height (a camera at the back of a gym) was never found at all.
FINE_SEARCH_ROWS = 3
FINE_SEARCH_EVERY_S = 0.5


def person_box(xy: np.ndarray) -> tuple[float, float, float, float] | None:
    """Bounding box (x0, y0, x1, y1), float px, of the finite landmarks in ``xy`` (33, 2); None without any."""
    points = xy[np.isfinite(xy).all(axis=1)]
    if len(points) < 2:
        return None
    (x0, y0), (x1, y1) = points.min(axis=0), points.max(axis=0)
    return float(x0), float(y0), float(x1), float(y1)


def _clip(box: tuple[float, float, float, float], bounds: Box) -> Box:
    bx0, by0, bx1, by1 = bounds
    x0, y0 = max(bx0, int(np.floor(box[0]))), max(by0, int(np.floor(box[1])))
    x1, y1 = min(bx1, int(np.ceil(box[2]))), min(by1, int(np.ceil(box[3])))
    return x0, y0, max(x1, x0 + 1), max(y1, y0 + 1)


def crop_for(xy: np.ndarray, bounds: Box) -> Box | None:
    """The crop to follow the person with landmarks ``xy``: a square centred on them, ``CROP_SCALE`` times their
    larger extent (so a standing person can bend over, and a bent one stand up, without leaving it), clipped to
    ``bounds`` (the frame, or the picture inside black bars). None without landmarks."""
    box = person_box(xy)
    if box is None:
        return None
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    half = max(CROP_SCALE * max(box[2] - box[0], box[3] - box[1]), MIN_CROP_PX) / 2
    return _clip((cx - half, cy - half, cx + half, cy + half), bounds)


def keep_or_move_crop(crop: Box, xy: np.ndarray, bounds: Box) -> Box:
    """``crop`` while the person (``xy``) stays well inside it and fills a fair part of it, else a new crop around
    them. Moving the crop rarely keeps the one-person tracker's own frame-to-frame tracking valid (it works in the
    crop's coordinates)."""
    box = person_box(xy)
    if box is None:
        return crop
    extent = max(box[2] - box[0], box[3] - box[1], 1.0)
    margin = CROP_MARGIN * extent
    bx0, by0, bx1, by1 = bounds
    inside = ((box[0] - margin >= crop[0] or crop[0] <= bx0) and (box[1] - margin >= crop[1] or crop[1] <= by0)
              and (box[2] + margin <= crop[2] or crop[2] >= bx1) and (box[3] + margin <= crop[3] or crop[3] >= by1))
    too_big = max(crop[2] - crop[0], crop[3] - crop[1]) > max(CROP_REFIT_SCALE * extent, MIN_CROP_PX)
    if inside and not too_big:
        return crop
    return crop_for(xy, bounds) or crop


def search_tiles(bounds: Box, max_aspect: float = TILE_ASPECT, rows: int = 1) -> list[Box]:
    """Overlapping tiles covering ``bounds``, each at most ``max_aspect`` times as wide as high, overlapping by at
    least half a tile (a person narrower than half a tile lies whole in one of them). Only wide pictures are
    tiled (people stand upright: a tall picture's people are tall in it): 4:3 is one tile, 16:9 two, 8:3 (two 4:3
    clips side by side) three. With ``rows`` > 1 the tiles are that many times lower, overlapping by half up and
    down too (`FINE_SEARCH_ROWS`: a lifter a fifth of a large frame's height is ~45 px in the detector's view)."""
    x0, y0, x1, y1 = bounds
    width, height = x1 - x0, y1 - y0
    tile_h = height if rows <= 1 else round(2 * height / (rows + 1))
    tile = min(width, round(max_aspect * tile_h))
    n = int(np.ceil((width - tile) / (tile / 2))) + 1 if tile < width else 1
    lefts = np.linspace(0, width - tile, n).round().astype(int)
    tops = np.linspace(0, height - tile_h, max(rows, 1)).round().astype(int)
    return [(x0 + int(left), y0 + int(top), x0 + int(left) + tile, y0 + int(top) + tile_h)
            for top in tops for left in lefts]


def box_union(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, int, int, int]:
    """The smallest box (x0, y0, x1, y1) holding both."""
    return min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])


def box_iou(a: tuple[float, ...] | None, b: tuple[float, ...] | None) -> float:
    """Intersection over union of two boxes; 0 when either is None."""
    if a is None or b is None:
        return 0.0
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    if w <= 0 or h <= 0:
        return 0.0
    inter = w * h
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return float(inter / union) if union > 0 else 0.0


def jumped(last_box: tuple[float, ...] | None, box: tuple[float, ...] | None) -> bool:
    """Whether a follower's pose left its last box (overlap under ``SAME_PERSON_IOU``): no pose before, no jump."""
    return last_box is not None and box_iou(last_box, box) < SAME_PERSON_IOU


# (last_box, crop, lost_since_s) of a `pose.CropFollower`, as `follower_state` gives it.
FollowerState = tuple[tuple[float, float, float, float] | None, tuple[int, int, int, int], float | None]


def follower_state(follower) -> FollowerState:
    """What a follower knows of its person before a frame: their last box, its crop, since when they are lost."""
    return follower.last_box, follower.crop, follower.lost_since_s


def take_back(follower, before: FollowerState, timestamp_s: float) -> None:
    """Forget the pose ``follower`` just took (another person's: `jumped` onto someone else): its last box and crop
    as ``before``, its person lost since ``timestamp_s`` (or since they were lost already)."""
    follower.last_box, follower.crop, lost_since_s = before
    follower.lost_since_s = timestamp_s if lost_since_s is None else lost_since_s


def match_people(known: list[tuple[float, ...] | None], found: list[tuple[float, ...] | None],
                 min_iou: float = SAME_PERSON_IOU) -> dict[int, int]:
    """Greedy one-to-one matching {index in found: index in known} by box overlap (largest first), pairs
    overlapping at least ``min_iou``."""
    pairs = sorted(((box_iou(k, f), i, j) for j, k in enumerate(known) for i, f in enumerate(found)), reverse=True)
    matched: dict[int, int] = {}
    used: set[int] = set()
    for iou, i, j in pairs:
        if iou < min_iou:
            break
        if i not in matched and j not in used:
            matched[i] = j
            used.add(j)
    return matched


def big_enough(boxes: list[tuple[float, float, float, float]], min_fraction: float) -> list[bool]:
    """Which people count: those whose larger extent is at least ``min_fraction`` of the largest person's (far
    background figures are not followed)."""
    sizes = [max(b[2] - b[0], b[3] - b[1]) for b in boxes]
    top = max(sizes, default=0.0)
    return [s >= min_fraction * top for s in sizes]


@dataclass
class LeftOut:
    """People the whole-frame searches found whom no tracker follows (all `[pose] num_poses` were taken): ``people``
    the most left out by each of two searches in a row (a search now and then finds a ghost, part of one person
    taken for another; someone really there is found again by the next search, at most a second later)."""

    last: int = 0
    people: int = 0

    def searched(self, left_out: int) -> None:
        self.people, self.last = max(self.people, min(self.last, left_out)), left_out


LEFT_OUT_WORDS = "in view not followed"   # in the note of people left out (a rescore keeps the note)


def left_out_note(people: int, followed: int) -> str:
    """The note of a clip with ``people`` in view whom nobody followed (``followed``: `[pose] num_poses`)."""
    return (f"{people} more {'person' if people == 1 else 'people'} {LEFT_OUT_WORDS} (up to [pose] num_poses = "
            f"{followed} are): any lifts of theirs were not judged, and the verdict does not cover them (set "
            f"num_poses = {followed + people} in the settings, e.g. a --config file, to judge everyone)")


@dataclass
class PersonRows:
    """One followed person over a run of frames: per frame (by position in the run) the pose arrays, missing where
    the person was not seen. ``rows`` maps a frame's position in the run to (image_xy (33, 2), world_xyz (33, 3),
    visibility (33,), back_profile_px (K, 2)); ``colours`` the clothes' colours where the model found the person
    (`appearance.clothes_colours`, (P, 3) CIELAB)."""

    rows: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=dict)
    filled: set[int] = field(default_factory=set)   # positions not run through the model (`UprightSkipper`)
    colours: dict[int, np.ndarray] = field(default_factory=dict)

    @property
    def first(self) -> int:
        return min(self.rows)

    @property
    def last(self) -> int:
        return max(self.rows)

    def take_fragment(self, fragment: PersonRows, alone: bool) -> bool:
        """Take ``fragment``'s frames into this person's: another tracker's, which has converged on this person.
        Where the two were seen at once, only if ``alone`` (nobody was ever seen beside them: this tracker was on
        a mistaken pose then, or the same person, and the fragment's frames are kept); else False, nothing taken."""
        shared = (fragment.rows.keys() | fragment.filled) & (self.rows.keys() | self.filled)
        if shared and not alone:
            return False
        for position in shared:
            self.rows.pop(position, None)
            self.filled.discard(position)
            self.colours.pop(position, None)
        self.rows.update(fragment.rows)
        self.filled.update(fragment.filled)
        self.colours.update(fragment.colours)
        fragment.rows.clear()
        fragment.filled.clear()
        fragment.colours.clear()
        return True

    def split_from(self, position: int) -> PersonRows:
        """The frames from ``position`` on, taken out of this person's as another person's."""
        later = PersonRows({k: r for k, r in self.rows.items() if k >= position},
                           {k for k in self.filled if k >= position},
                           {k: c for k, c in self.colours.items() if k >= position})
        self.rows = {k: r for k, r in self.rows.items() if k < position}
        self.filled -= later.filled
        self.colours = {k: c for k, c in self.colours.items() if k < position}
        return later

    def box_at(self, position: int) -> tuple[float, float, float, float] | None:
        row = self.rows.get(position)
        return None if row is None else person_box(row[0])

    @property
    def presence(self) -> float:
        """How much of the video the person fills: frames seen x median size (px). The main person has the most."""
        sizes = [max(b[2] - b[0], b[3] - b[1]) for b in map(person_box, (r[0] for r in self.rows.values())) if b]
        return len(self.rows) * float(np.median(sizes)) if sizes else 0.0

    def to_track(self, timestamps_s: np.ndarray, frame_index: np.ndarray, size_wh: tuple[int, int]) -> PoseTrack:
        """The person as a `PoseTrack` over the run's analysed frames (``timestamps_s``, ``frame_index``: (T,)),
        NaN (visibility 0) where not seen."""
        n = len(timestamps_s)
        filled = np.zeros(n, dtype=bool)
        filled[sorted(self.filled)] = True
        image_xy = np.full((n, N_LANDMARKS, 2), np.nan)
        world = np.full((n, N_LANDMARKS, 3), np.nan)
        visibility = np.zeros((n, N_LANDMARKS))
        profile = np.full((n, len(BACK_PROFILE_STATIONS), 2), np.nan)
        for k, (xy, wxyz, vis, prof) in self.rows.items():
            image_xy[k], world[k], visibility[k], profile[k] = xy, wxyz, vis, prof
        return PoseTrack(image_xy, world, visibility, timestamps_s, frame_index, size_wh, profile, filled)


def join_segments(segments: list[tuple[int, list[PersonRows]]], window: int) -> list[PersonRows]:
    """Join the people of consecutive segments of one video, followed independently, into one list over the whole
    video.

    ``segments`` is [(frames in the segment, people)], in order; positions inside each are local. A person of a
    segment continues one of the previous segment when they are seen within ``window`` frames of the boundary on
    both sides and their boxes there overlap (``SAME_PERSON_IOU``); anybody else starts a new person.
    """
    joined: list[PersonRows] = []
    offset = 0
    open_people: list[PersonRows] = []          # people of the previous segment seen near its end
    for n_frames, people in segments:
        ends = [p.box_at(p.last) if p.rows and p.last >= offset - window else None for p in open_people]
        starts = [p.box_at(p.first) if p.rows and p.first < window else None for p in people]
        matched = match_people(ends, starts)
        next_open = []
        for i, person in enumerate(people):
            shifted = {offset + k: row for k, row in person.rows.items()}
            filled = {offset + k for k in person.filled}
            colours = {offset + k: c for k, c in person.colours.items()}
            if i in matched:
                target = open_people[matched[i]]
                target.rows.update(shifted)
                target.filled.update(filled)
                target.colours.update(colours)
            else:
                target = PersonRows(shifted, filled, colours)
                joined.append(target)
            next_open.append(target)
        open_people = next_open
        offset += n_frames
    return joined


def split_at_handovers(people: list[PersonRows], bounds: Box) -> list[PersonRows]:
    """``people`` with each track cut where it goes on after its person was last seen half out of the picture at a
    side (``bounds``: they walked out of it) and then not seen for a frame or more: from there it is someone else's.
    A follower that has lost its person keeps looking on its crop for 2 s, and the next lifter stepping in (a turn
    at the same bar) was taken for the one who walked out, directly or through the newcomer's own follower
    converging with it (`PersonRows.take_fragment`): one "lifter" of both sets. No real development clip's lifter
    is cut (none is last seen half out before a gap: a side alone would cut one, a mistaken skeleton larger than a
    vertical video's picture); a lifter lost inside the picture and found elsewhere stays one person, and someone
    who walked out and comes back is joined back by their clothes (`appearance.rejoin_returning`). The later piece
    follows the earlier in the list."""
    out: list[PersonRows] = []
    for person in people:
        pieces = [person]
        shown = sorted(person.rows)
        seen = sorted(person.rows.keys() | person.filled)
        for before, after in zip(seen, seen[1:], strict=False):
            if after == before + 1 or after not in person.rows:
                continue
            last = bisect.bisect_right(shown, before) - 1
            left = person.box_at(shown[last]) if last >= 0 else None
            if left is not None and not bounds[0] < (left[0] + left[2]) / 2 < bounds[2]:
                pieces.append(pieces[-1].split_from(after))
        out += pieces
    return out
