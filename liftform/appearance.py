"""What a followed person looks like: the colours of their clothes at four places on the body, to tell the same
person coming back into view from someone new (`rejoin_returning`, at the end of `people.follow_people`).

    colours = clothes_colours(rgb, image_xy)     # (4, 3) CIELAB of the upper trunk, the pelvis, a thigh, a shin
    apart = clothes_apart(person_signature(a), person_signature(b))   # how far apart two people's clothes look

The places are fractions along the body's midline (the middle of the left and right landmarks), so they fall on
the shirt, the shorts or trousers and the legs whichever way the person faces; each is a small square whose side
scales with the trunk's length. A person's signature is the median over the frames they stood upright (the squares
then fall on the same clothes whatever the lift): a bar, a box or an arm hides a square now and then, not for a
whole set.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from liftform.follow import PersonRows
from liftform.track import (
    LEFT_ANKLE,
    LEFT_HIP,
    LEFT_KNEE,
    LEFT_SHOULDER,
    RIGHT_ANKLE,
    RIGHT_HIP,
    RIGHT_KNEE,
    RIGHT_SHOULDER,
)

# (from, to, fraction): each patch's centre, between two midpoints of left/right landmark pairs.
_SHOULDERS, _HIPS = (LEFT_SHOULDER, RIGHT_SHOULDER), (LEFT_HIP, RIGHT_HIP)
_KNEES, _ANKLES = (LEFT_KNEE, RIGHT_KNEE), (LEFT_ANKLE, RIGHT_ANKLE)
PATCHES = ((_SHOULDERS, _HIPS, 0.35), (_HIPS, _KNEES, 0.12), (_HIPS, _KNEES, 0.55), (_KNEES, _ANKLES, 0.5))
PATCH_SIDE_OF_TRUNK = 0.12      # a patch's side, as a share of the shoulder-to-hip length


def clothes_colours(rgb: np.ndarray, image_xy: np.ndarray) -> np.ndarray:
    """The mean colour of each of the `PATCHES` in ``rgb`` (H, W, 3) uint8 for a pose ``image_xy`` (33, 2) in its
    pixels: (len(PATCHES), 3) CIELAB (L 0-100), NaN for a patch outside the frame or on missing landmarks."""
    mid = (image_xy[[a for a, _ in (_SHOULDERS, _HIPS, _KNEES, _ANKLES)]]
           + image_xy[[b for _, b in (_SHOULDERS, _HIPS, _KNEES, _ANKLES)]]) / 2.0
    at = {_SHOULDERS: mid[0], _HIPS: mid[1], _KNEES: mid[2], _ANKLES: mid[3]}
    half = max(1, int(round(PATCH_SIDE_OF_TRUNK * float(np.hypot(*(mid[0] - mid[1]))) / 2.0))) \
        if np.isfinite(mid[:2]).all() else 0
    height, width = rgb.shape[:2]
    means = np.full((len(PATCHES), 1, 3), np.nan, dtype=np.float32)
    for k, (start, end, fraction) in enumerate(PATCHES):
        centre = at[start] + fraction * (at[end] - at[start])
        if half == 0 or not np.isfinite(centre).all():
            continue
        x, y = int(round(centre[0])), int(round(centre[1]))
        if half <= x < width - half and half <= y < height - half:
            means[k, 0] = rgb[y - half: y + half + 1, x - half: x + half + 1].reshape(-1, 3).mean(axis=0)
    lab = cv2.cvtColor(np.nan_to_num(means) / 255.0, cv2.COLOR_RGB2Lab)
    lab[np.isnan(means)] = np.nan
    return lab[:, 0, :].astype(float)


def warm_up() -> None:
    """Have OpenCV build its CIELAB tables now (~30 ms, once a process: on its first conversion), e.g. in a thread
    while the video opens and the models load, not on the first frame's path while the model's threads wait."""
    cv2.cvtColor(np.zeros((1, 1, 3), dtype=np.float32), cv2.COLOR_RGB2Lab)


def signature(colours: np.ndarray) -> np.ndarray:
    """A person's clothes from their frames' ``colours`` (T, P, 3): the median per patch (P, 3), NaN where a
    patch was never seen."""
    colours = np.asarray(colours, dtype=float).reshape(-1, len(PATCHES), 3)
    seen = ~np.isnan(colours).any(axis=2)                     # (T, P)
    out = np.full((len(PATCHES), 3), np.nan)
    for k in np.flatnonzero(seen.any(axis=0)):                # a patch never seen has no median (and no warning)
        out[k] = np.median(colours[seen[:, k], k], axis=0)
    return out


def colour_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Delta E (CIE76) between two signatures, per patch (P,); NaN where either lacks the patch."""
    return np.sqrt(((np.asarray(a) - np.asarray(b)) ** 2).sum(axis=-1))


# A person who comes back looks this alike or closer (Delta E, the mean over the patches both show, over the frames
# standing upright). Measured on the real development clips' lifters (thirty-fourth session, `clothes_apart`): the
# same lifter in the first and second half of a clip 4.5 apart (median; 82 % within 10), the same lifter in other
# clips of one session 0.5-16 (82 % within 10), lifters of different sources 9.8 or more (1 pair in 822 within 10).
# The mean, not the median, so that one garment alone tells two people apart. Joining two people is the error that
# hides one; a returning lifter not recognised is listed twice, as before.
SAME_CLOTHES_DELTA_E = 10.0
MIN_UPRIGHT_FRAMES = 5          # fewer frames standing upright: the signature is taken over every frame seen
_UPRIGHT_TRUNK_DEG, _UPRIGHT_THIGH_DEG = 20.0, 25.0


def upright_poses(image_xy: np.ndarray) -> np.ndarray:
    """(T,) whether each pose ``image_xy`` (T, 33, 2) stands upright: trunk and thighs near vertical in the image
    (the patches then fall on the same clothes whatever the lift)."""
    shoulders = image_xy[:, list(_SHOULDERS)].mean(axis=1)
    hips, knees = image_xy[:, list(_HIPS)].mean(axis=1), image_xy[:, list(_KNEES)].mean(axis=1)
    trunk, thigh = shoulders - hips, knees - hips
    trunk_deg = np.degrees(np.arctan2(np.abs(trunk[:, 0]), -trunk[:, 1]))
    thigh_deg = np.degrees(np.arctan2(np.abs(thigh[:, 0]), thigh[:, 1]))
    return (trunk_deg < _UPRIGHT_TRUNK_DEG) & (thigh_deg < _UPRIGHT_THIGH_DEG)


def person_signature(person: PersonRows) -> np.ndarray:
    """``person``'s clothes (P, 3): the median of their frames' colours standing upright (over every frame seen
    when they stood upright on fewer than MIN_UPRIGHT_FRAMES)."""
    positions = sorted(k for k in person.colours if k in person.rows)
    if not positions:
        return np.full((len(PATCHES), 3), np.nan)
    colours = np.array([person.colours[k] for k in positions])
    upright = upright_poses(np.array([person.rows[k][0] for k in positions]))
    return signature(colours[upright] if upright.sum() >= MIN_UPRIGHT_FRAMES else colours)


def clothes_apart(a: np.ndarray, b: np.ndarray) -> float:
    """How far apart two signatures look: the mean Delta E over the patches both have (inf if none)."""
    apart = colour_distance(a, b)
    apart = apart[np.isfinite(apart)]
    return float(apart.mean()) if apart.size else math.inf


def rejoin_returning(people: list[PersonRows], shot_of: np.ndarray) -> list[PersonRows]:
    """``people`` with each person who came back into view joined to their earlier track: a tracker lost for long
    is closed (`people.RETIRE_LOST_S`), so a lifter who walks off between sets and comes back is found as someone
    new. Joined when the later one was first seen after the earlier one was last seen, in the same shot
    (``shot_of``: each position's shot number; after a cut another person is as likely), and their clothes look
    alike (`SAME_CLOTHES_DELTA_E`); of several such earlier people, the closest. Two people lifting by turns in
    different clothes stay two. The list keeps its order, without the people joined into others."""
    kept: list[PersonRows] = []
    joined: set[int] = set()
    signatures: dict[int, np.ndarray] = {}      # each person's, made once (a long video has many fragments)
    for person in sorted((p for p in people if p.rows), key=lambda p: p.first):
        signatures[id(person)] = person_signature(person)
        # A position below 0 is a warm-up frame before a piece of the video (`people.follow_people`).
        earlier = [(clothes_apart(signatures[id(p)], signatures[id(person)]), id(p), p) for p in kept
                   if p.last < person.first and shot_of[max(p.last, 0)] == shot_of[max(person.first, 0)]]
        closest = min(earlier, default=None, key=lambda c: c[:2])
        if closest is not None and closest[0] <= SAME_CLOTHES_DELTA_E and closest[2].take_fragment(person, True):
            joined.add(id(person))
            signatures[closest[1]] = person_signature(closest[2])
        else:
            kept.append(person)
    return [p for p in people if id(p) not in joined]
