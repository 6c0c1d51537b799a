"""The pose stage of a video: find the people in view, follow each of them cheaply, one track per person.

    found = estimate_people(video, model_path, settings.pose, bounds, threads=2)
    found.tracks            # one PoseTrack per person followed, the main one (seen longest and largest) first
    found.people_in_view    # the most people seen at once
    found.frames_decoded    # frames in the video (the tracks hold the analysed ones: `[pose] analysis_fps`)
    found.cuts_s            # where the video cuts to another shot (`shots.mark_cuts`): everyone is found afresh

Per frame, each followed person costs one run of the model on a crop around them (`CropFollower`); the whole frame
is searched for people (`PeopleFinder`, several poses) only on the first frame, after a second (someone new?), then
after 2 and 4 s while it finds just the people followed (after a second again when it finds anything else), and
every LOST_LOOK_S while someone is lost, also once everyone followed was lost long enough to be let go. Someone
let go who comes back (a lifter who walked off between sets) is found as someone new, and joined to their earlier
track where their clothes look alike (`appearance.rejoin_returning`).
Offline, the crop's frames are run ahead on ``threads`` workers (`liftform.ahead`: with 2, two frames at once on a
2-core machine); the result does not depend on how many.

With `[pose] parallel_halves` (off by default: it moved real-clip verdicts) the video is cut at a keyframe into two
halves that are followed independently (in two threads when the machine has the cores) and the people of both
halves are joined by where they stand at the cut (`liftform.follow.join_segments`). The cut depends on the file
only, so the result does not depend on the number of threads.

With `[pose] analysis_fps` only every k-th frame is analysed (`analysis_step`): every frame is decoded (the next
needs it) but the others are neither converted to RGB nor shrunk; the tracks hold the analysed frames with their
source `frame_index` and timestamps.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from liftform.ahead import AheadPool, AheadRunner, with_upcoming
from liftform.appearance import clothes_colours, rejoin_returning
from liftform.crossings import Crossings, stolen, swapped
from liftform.errors import InputError
from liftform.follow import (
    DUPLICATE_IOU,
    Box,
    LeftOut,
    PersonRows,
    big_enough,
    box_iou,
    box_union,
    crop_for,
    follower_state,
    join_segments,
    match_people,
    person_box,
    split_at_handovers,
    take_back,
)
from liftform.pose import CropFollower, PeopleFinder
from liftform.settings import PoseSettings
from liftform.shots import mark_cuts, shot_numbers
from liftform.track import PoseTrack
from liftform.upright import UprightSkipper, fill_skipped, frames_to_run_ahead, upright_run_every
from liftform.video import VideoFrame, VideoSource, detect_content_box, prefetched
from liftform.video_tools import analysis_step

SEGMENTS = 2                 # a video is followed in this many independent pieces (when it can be cut)
LOST_LOOK_S = 0.25           # while someone is lost, the whole frame is searched this often
# A search that finds just the people followed, none of them lost, doubles the wait for the next, up to this many
# times `[pose] recheck_s`; any other finding brings it back to recheck_s.
MAX_RECHECK_FACTOR = 4.0
RETIRE_LOST_S = 2.0          # a tracker that has not seen its person for this long is closed
JOIN_WINDOW_S = 0.5          # people seen this close to a cut on both sides can be the same person
WARM_UP_S = 0.5              # a piece after a cut is tracked from this long before it (those frames are dropped)
@dataclass(frozen=True)
class PeopleFound:
    """The pose stage's result: ``tracks`` one per followed person (main person first: frames seen x size),
    all over the same (analysed) frames; ``people_in_view`` the most people found in one frame;
    ``frames_decoded`` the frames of the video and ``last_timestamp_s`` the time of its last one (s);
    ``left_out`` the most people in view whom nobody followed (`follow.LeftOut`: `[pose] num_poses` were followed);
    ``swaps_s`` when a follower took someone else (`crossings.swapped`: the person it followed hidden from there)."""

    tracks: tuple[PoseTrack, ...]
    people_in_view: int
    frames_decoded: int = 0
    last_timestamp_s: float = 0.0
    cuts_s: tuple[float, ...] = ()
    left_out: int = 0
    swaps_s: tuple[float, ...] = ()


@dataclass
class _Segment:
    timestamps_s: list[float]     # of the analysed frames
    frame_index: list[int]        # of the analysed frames, counted from the segment's first recorded frame
    people: list[PersonRows]
    people_in_view: int
    frames_decoded: int           # recorded frames, analysed or not
    last_timestamp_s: float
    cuts_s: list[float]           # recorded frames that start a new shot
    left_out: int = 0             # `PeopleFound.left_out`
    swaps_s: tuple[float, ...] = ()


def _with_pool(settings: PoseSettings, ahead_workers: int) -> bool:
    """Whether a run of frames is followed with its frames run ahead on a pool of workers (`ahead.AheadPool`)."""
    return ahead_workers > 0 and not settings.track_between_frames


def preload_models(model_path: str | Path, settings: PoseSettings, threads: int) -> None:
    """Start loading the landmarkers `estimate_people` with ``threads`` will take (`KeptLandmarkers.preload`), so
    that they load while the caller opens the video (`[pose] parallel_halves` makes others: nothing then)."""
    if settings.parallel_halves:
        return
    if _with_pool(settings, max(threads, 1)):
        AheadPool.preload(model_path, settings, max(threads, 1))
    PeopleFinder.preload(model_path, settings, max(settings.num_poses, 1))


class _Followers:
    """The trackers of one run of frames and what they saw (one `PersonRows` per person)."""

    def __init__(self, model_path: str | Path, settings: PoseSettings, bounds: Box, ahead_workers: int = 0,
                 upright_every: int = 1) -> None:
        self.model_path, self.settings, self.bounds = model_path, settings, bounds
        self.upright_every = upright_every             # analysed frames per frame run while upright and still
        # The pool first: its workers load their models in their threads while this one loads the finder's.
        self.pool = AheadPool(model_path, settings, ahead_workers) if _with_pool(settings, ahead_workers) else None
        try:
            self.finder = PeopleFinder(model_path, settings, max(settings.num_poses, 1))
        except BaseException:
            if self.pool is not None:
                self.pool.close()
            raise
        self.active: list[tuple[CropFollower, PersonRows]] = []
        self.skippers: dict[int, UprightSkipper] = {}   # id(follower) -> its frames left out while upright
        self.analysed = 0                              # frames stepped so far
        self.people: list[PersonRows] = []
        self.most_in_view = 0
        self.left_out = LeftOut()
        self.crossings = Crossings(RETIRE_LOST_S)      # people crossed by others (`_someone_else`)
        self.hidden_until_s = -math.inf                # searched for the people left until then
        self.next_look_s = -math.inf
        self.next_lost_look_s = -math.inf
        self.recheck_s = settings.recheck_s
        # Frames run ahead of the one taken (`step`): as many as the workers, where there are two or more.
        self.ahead = ahead_workers if self.pool is not None and ahead_workers > 1 else 0

    def close(self) -> None:
        self.finder.close()
        for follower, _ in self.active:
            follower.close()
        self.active = []
        if self.pool is not None:
            self.pool.close()

    def _needs_look(self, t: float) -> bool:
        """Search the whole frame now? On the recheck schedule, and every LOST_LOOK_S while someone followed is
        lost, or was lost for RETIRE_LOST_S and let go (the lifter walked off, a closing card: someone who comes
        back is found within LOST_LOOK_S), or for RETIRE_LOST_S after their follower took someone else (until a
        search finds someone new). Before anyone was followed, on every frame: where and when a lifter is first
        found sets their crop (a real clip's verdict moved when its lifter was found a few frames earlier)."""
        if not self.active:
            return not self.people or t >= self.next_lost_look_s
        if t >= self.next_look_s:
            return True
        lost = t < self.hidden_until_s or any(f.lost_since_s is not None for f, _ in self.active)
        return t >= self.next_lost_look_s and lost

    def new_shot(self, rgb: np.ndarray) -> None:
        """The video cut to another shot (first frame ``rgb``): every track ends (whoever stands there now is
        someone else, or seen anew); search the whole frame now, within either shot's bars."""
        for follower, _ in self.active:
            follower.close()
        self.active, self.skippers, self.next_look_s, self.next_lost_look_s = [], {}, -math.inf, -math.inf
        self.crossings = Crossings(RETIRE_LOST_S, self.crossings.times_s)
        self.bounds, self.recheck_s = box_union(self.bounds, detect_content_box([rgb])), self.settings.recheck_s

    def look(self, rgb: np.ndarray, t: float) -> None:
        """Search the whole frame: re-aim lost trackers at their person, start trackers for new people. Until
        someone is found the bars widen to this frame's (the first frames' may be a title card's text)."""
        if not self.people and self.bounds != (0, 0, rgb.shape[1], rgb.shape[0]):     # 2.7 ms a 720p frame
            self.bounds = box_union(self.bounds, detect_content_box([rgb]))
        found = [xy for xy in self.finder(rgb, self.bounds, None if self.people else t) if person_box(xy) is not None]
        boxes = [person_box(xy) for xy in found]
        found = [xy for xy, keep in zip(found, big_enough(boxes, self.settings.min_person_fraction), strict=True)
                 if keep]
        self.most_in_view = max(self.most_in_view, len(found))
        matched = match_people([f.last_box for f, _ in self.active], [person_box(xy) for xy in found])
        as_before = (len(matched) == len(found) == len(self.active)
                     and all(f.lost_since_s is None for f, _ in self.active))
        self.recheck_s = (min(2 * self.recheck_s, MAX_RECHECK_FACTOR * self.settings.recheck_s) if as_before
                          else self.settings.recheck_s)
        left_out = 0
        for i, xy in enumerate(found):
            crop = crop_for(xy, self.bounds)
            if i in matched:
                follower = self.active[matched[i]][0]
                if follower.lost_since_s is not None and crop is not None:
                    follower.crop = crop
            elif len(self.active) < max(self.settings.num_poses, 1) and crop is not None:
                follower = CropFollower(self.model_path, self.settings, crop, self.bounds,
                                        ahead=AheadRunner(self.pool) if self.pool is not None else None)
                follower.last_box = person_box(xy)
                self.skippers[id(follower)] = UprightSkipper(self.settings.upright_lean_deg,
                                                             self.settings.upright_speed_per_s,
                                                             self.upright_every)
                self.active.append((follower, self.crossings.track_at(follower.last_box, self.people)))
            else:
                left_out += crop is not None        # all `[pose] num_poses` followed already
        if all(f.lost_since_s is None for f, _ in self.active):   # else the one left out may be the lost one's
            self.left_out.searched(left_out)
        self.next_look_s = t + self.recheck_s
        self.next_lost_look_s = t + LOST_LOOK_S

    def step(self, position: int, rgb: np.ndarray, t: float, upcoming: Iterable[VideoFrame] = ()) -> None:
        """Frame ``rgb`` at ``t``; ``upcoming`` the analysed frames that follow it (run ahead where possible).
        A follower's frame its `UprightSkipper` leaves out is not run; ``position`` joins its person's ``filled``."""
        k = self.analysed
        self.analysed += 1
        # The frames to come are handed to the workers before a whole-frame search, which they then run beside (a
        # search costs a model run of its own on this thread). A search that re-aims a lost follower's crop has its
        # frames run again on the new crop when taken, and a follower it starts runs this frame when taken: each
        # frame's result is its crop's (IMAGE mode), whichever runs it.
        self._run_ahead(k, [(rgb, t), *((frame.rgb, frame.timestamp_s) for frame in upcoming)])
        if self._needs_look(t):
            self.look(rgb, t)
        seen = []
        # Each follower's state before its run, to take a stolen pose back (`crossings.stolen`: two people seen).
        before = {id(follower): follower_state(follower) for follower, _ in self.active} \
            if self.most_in_view >= 2 else {}
        for n, (follower, rows) in enumerate(self.active):
            skipper = self.skippers[id(follower)]
            if skipper.skips(k):
                if position >= 0:
                    rows.filled.add(position)
                continue
            last_box, beside = follower.last_box, follower.other_boxes
            pose = follower(rgb, t)
            if pose is not None and stolen(follower, before, [f for f, _ in self.active]):
                # Forgotten, the follower's person lost: the whole-frame search re-aims it when they are seen.
                take_back(follower, before[id(follower)], t)
                pose = None
            elif pose is not None and swapped(last_box, beside, follower.last_box):
                rows = self._someone_else(n, last_box, t)
            elif pose is not None and position >= 0:
                self.crossings.seen(id(follower), position, t, beside, follower.last_box, follower.other_boxes,
                                    last_box)
            skipper.taken(k, t, *((pose.image_xy, pose.world_xyz) if pose is not None else (None, None)))
            if pose is not None:
                rows.rows[position] = (pose.image_xy, pose.world_xyz, pose.visibility, pose.back_profile_px)
                rows.colours[position] = clothes_colours(rgb, pose.image_xy)
                seen.append((follower, rows))
        self._retire(position, t, seen)

    def _someone_else(self, n: int, last_box: tuple[float, float, float, float] | None, t: float) -> PersonRows:
        """Follower ``n`` left its person (last seen at ``last_box``) at ``t`` for someone else (`crossings.swapped`):
        the track its pose continues (`Crossings.swap`). The person left is searched for every LOST_LOOK_S for
        RETIRE_LOST_S (their track continues where someone is found where they were left), and the gap is said."""
        follower, left = self.active[n]
        rows = self.crossings.swap(id(follower), left, last_box, follower.last_box, t, self.people)
        self.active[n] = (follower, rows)
        self.most_in_view = max(self.most_in_view, 2)
        self.hidden_until_s, self.next_lost_look_s = t + RETIRE_LOST_S, min(self.next_lost_look_s, t + LOST_LOOK_S)
        return rows

    def _run_ahead(self, k: int, frames: list[tuple[np.ndarray, float]]) -> None:
        """Hand each follower's next frames (``frames``: this one, k, then those after it) to the workers
        (`upright.frames_to_run_ahead`)."""
        for follower, _ in self.active:
            for j in frames_to_run_ahead(self.skippers[id(follower)], k, len(frames), self.ahead):
                follower.expect(*frames[j - k])

    def _retire(self, position: int, t: float, seen: list[tuple[CropFollower, PersonRows]]) -> None:
        """Close trackers that lost their person long ago, and the younger of two that converged on one person. What
        the younger saw joins the older's track (`PersonRows.take_fragment`): it was started by a search that found
        the person where the older's box was not (lost, or on a mistaken pose); kept apart, one lifter was listed
        as two, and a fragment too short to judge made the clip undecided."""
        gone = {id(f) for f, _ in self.active
                if f.lost_since_s is not None and t - f.lost_since_s > RETIRE_LOST_S}
        for k, (older, older_rows) in enumerate(seen):
            for younger, rows in seen[k + 1:]:
                if id(younger) not in gone and box_iou(older.last_box, younger.last_box) > DUPLICATE_IOU:
                    gone.add(id(younger))
                    rows.rows.pop(position, None)
                    if older_rows.take_fragment(rows, alone=self.most_in_view < 2):
                        self.people = [person for person in self.people if person is not rows]
        for follower, _ in [pair for pair in self.active if id(pair[0]) in gone]:
            follower.close()
            del self.skippers[id(follower)]
            self.crossings.forget(id(follower))
        self.active = [pair for pair in self.active if id(pair[0]) not in gone]


def follow_people(frames: Iterable[VideoFrame], model_path: str | Path, settings: PoseSettings, bounds: Box,
                  on_frame: Callable[[], None] | None = None, record_from_s: float = -math.inf,
                  ahead_workers: int = 0, analysed_fps: float = 30.0) -> _Segment:
    """Follow everybody in ``frames`` (one ordered run); positions in the result count from 0. Frames without
    ``rgb`` are counted, not analysed (`VideoSource.frames`). Frames before ``record_from_s`` only warm the
    trackers up (a piece after a cut starts a little before it, so that its first frames are tracked, not detected
    afresh: detection and tracking place landmarks slightly differently). ``ahead_workers`` > 0 runs frames ahead
    on that many threads (`liftform.ahead`); ``analysed_fps`` sets how many frames are left out while a person
    stands upright and still (`upright.upright_run_every`)."""
    followers = _Followers(model_path, settings, bounds, ahead_workers,
                           upright_run_every(settings.upright_run_every_s, analysed_fps))
    timestamps, indices, cuts = [], [], []
    first_index, decoded, last_s = None, 0, 0.0
    # Frames are read further ahead than they are run (as far as the frames run reach while the person stands still
    # and only one frame in `upright_every` is run); a frame is run ahead only once its skip is known from frames
    # taken (`UprightSkipper.decidable`), so how far changes no result.
    depth = followers.ahead * followers.upright_every
    try:
        for frame, upcoming in with_upcoming(frames, depth):
            recorded = frame.timestamp_s >= record_from_s
            if frame.shot_start:                       # an analysed frame (`mark_cuts` marks no other)
                followers.new_shot(frame.rgb)
                cuts += [frame.timestamp_s] if recorded else []
            if frame.rgb is not None:
                followers.step(len(timestamps) if recorded else -1, frame.rgb, frame.timestamp_s, upcoming)
            if not recorded:
                continue
            first_index = frame.index if first_index is None else first_index
            decoded, last_s = decoded + 1, frame.timestamp_s
            if frame.rgb is not None:
                timestamps.append(frame.timestamp_s)
                indices.append(frame.index - first_index)
            if on_frame is not None:
                on_frame()
    finally:
        followers.close()
    people = rejoin_returning(split_at_handovers(followers.people, followers.bounds),
                              shot_numbers(np.asarray(timestamps, dtype=float), cuts))
    for person in people:
        fill_skipped(person, timestamps)
    return _Segment(timestamps, indices, people, followers.most_in_view, decoded, last_s, cuts,
                    followers.left_out.people, tuple(t for t in followers.crossings.times_s if t >= record_from_s))


def estimate_people(video: VideoSource, model_path: str | Path, settings: PoseSettings, bounds: Box, *,
                    threads: int = 1, progress: Callable[[int], None] | None = None,
                    shrink: Callable[[Iterable[VideoFrame]], Iterable[VideoFrame]] = lambda frames: frames,
                    ) -> PeopleFound:
    """Follow the people of ``video`` (inside ``bounds``, e.g. within black bars). ``threads`` (1 or 2) sets how
    many pieces are followed at once, not how the video is cut. ``progress(frames_done)`` (frames decoded) may be
    called from worker threads. ``shrink`` maps decoded frames to the frames analysed (run in the read-ahead
    threads, given frames without ``rgb`` too, which it passes on; the tracks keep the video's size as
    ``frame_size_wh``). Raises InputError when no frame decodes."""
    step = analysis_step(video.fps, settings.analysis_fps)
    rate = video.fps / step                                  # analysed frames a second
    cuts = video.split_points_s(SEGMENTS) if settings.parallel_halves else []
    pieces = list(zip([None, *cuts], [*cuts, None], strict=True))
    lock, done = threading.Lock(), [0]

    def tick() -> None:
        with lock:
            done[0] += 1
            if progress is not None:
                progress(done[0])

    def run(piece: tuple[float | None, float | None]) -> _Segment:
        start, stop = piece
        if len(pieces) == 1:    # the spare threads run frames ahead (the result does not depend on how many)
            frames, ahead, record_from_s = video.frames(step), max(threads, 1), -math.inf
        else:
            frames = video.segment(None if start is None else start - WARM_UP_S, stop, step)
            ahead, record_from_s = 1, -math.inf if start is None else video.time_since_start_s(start) - 1e-6
        with prefetched(mark_cuts(shrink(frames), bounds)) as decoded:   # stopped before the video closes
            return follow_people(decoded, model_path, settings, bounds, tick, record_from_s=record_from_s,
                                 ahead_workers=ahead, analysed_fps=rate)

    if threads > 1 and len(pieces) > 1:
        with ThreadPoolExecutor(max_workers=min(threads, len(pieces)), thread_name_prefix="liftform-pose") as pool:
            segments = list(pool.map(run, pieces))
    else:
        segments = [run(piece) for piece in pieces]
    timestamps = np.array([t for s in segments for t in s.timestamps_s], dtype=float)
    decoded = sum(s.frames_decoded for s in segments)
    if len(pieces) > 1:
        video.end_segments(decoded)
    if len(timestamps) == 0:
        raise InputError(f"{video.path}: the video has no frames that could be decoded")
    offsets = np.cumsum([0] + [s.frames_decoded for s in segments[:-1]])   # source frames before each piece
    frame_index = np.concatenate([np.asarray(s.frame_index, dtype=np.int64) + o
                                  for s, o in zip(segments, offsets, strict=True)])
    window = max(1, round(JOIN_WINDOW_S * video.fps / step))             # in analysed frames
    people = join_segments([(len(s.frame_index), s.people) for s in segments], window)
    people = [p for p in people if p.rows]
    people.sort(key=lambda person: person.presence, reverse=True)
    size = (video.width, video.height)
    tracks = tuple(p.to_track(timestamps, frame_index, size) for p in people)
    if not tracks:   # nobody anywhere: one empty track, so the caller can say so
        tracks = (PersonRows().to_track(timestamps, frame_index, size),)
    return PeopleFound(tracks, max(s.people_in_view for s in segments), decoded,
                       max(s.last_timestamp_s for s in segments), tuple(t for s in segments for t in s.cuts_s),
                       max(s.left_out for s in segments), tuple(t for s in segments for t in s.swaps_s))
