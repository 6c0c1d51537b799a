"""Which pose stage made a benchmark's cached pose tracks: a stamp, so that tracks an earlier pose stage made are
never scored as today's.

The stamp is a digest of the PoseTrack `liftform analyze`'s pose stage makes, with the pose settings in force, of
the first :data:`CANARY_FRAMES` frames of a rendered sample written again as H.264 (about 2 s of work). The encoder
and MediaPipe on the CPU are deterministic: three runs, in three processes, one under load, gave one digest. Whatever
moves what the pose stage reads there changes it: the model file, MediaPipe, liftform's crop, mask and back profile,
the pose settings. A change that moves only other clips' tracks (a rule for a second person, an HDR clip, a variant's
rewriting in `footage_tracks`, the live path's own follower) does not: after such a change the cache must still be
deleted by hand.

Two kinds of cache use it: folders of tracks named by the clip (`footage.load_clips`, the stills), which keep the
stamp in :data:`STAMP_NAME` and drop their tracks when it changes (`drop_stale_tracks`); and tracks named by a hash
of what made them (`rendered_cases.cache_key`), which put the stamp in the hash.
"""

from __future__ import annotations

import functools
import hashlib
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from liftform.outputs.atomic import atomic_write_text
from liftform.settings import Settings

REPO = Path(__file__).resolve().parents[1]
CANARY_VIDEO = REPO / "sample_videos" / "hip_hinge.mp4"
CANARY_FRAMES = 60
STAMP_NAME = "pose_stage_stamp.txt"


def pose_stage_stamp(settings: Settings) -> str:
    """16 hex digits: the digest of the canary's pose track made with ``settings.pose``."""
    return _stamp(settings.pose)


@functools.lru_cache(maxsize=4)
def _stamp(pose_settings) -> str:
    from liftform.outputs.video_writer import H264Writer
    from liftform.pipeline import estimate_video_track
    from liftform.video import open_video

    with tempfile.TemporaryDirectory() as tmp, open_video(CANARY_VIDEO) as video:
        canary = Path(tmp) / "canary.mp4"
        with H264Writer(canary, video.fps, video.width, video.height, crf=18) as writer:
            for _, frame in zip(range(CANARY_FRAMES), video.frames(), strict=False):
                writer.write(frame.rgb, frame.timestamp_s)
        track = estimate_video_track(canary, Settings(pose=pose_settings))[0]
    digest = hashlib.sha256()
    for name, values in sorted(track.to_npz_dict().items()):
        digest.update(name.encode())
        digest.update(np.ascontiguousarray(values).tobytes())
    return digest.hexdigest()[:16]


def drop_stale_tracks(cache: Path, tracks: Iterable[Path], settings: Settings, log: Callable[[str], None]) -> None:
    """Delete those of ``tracks`` (files in ``cache``) that another pose stage made, so they are made again; a folder
    without a stamp is taken as today's, and said to be. Then stamp ``cache`` as today's."""
    stamp = pose_stage_stamp(settings)
    stamp_file = cache / STAMP_NAME
    made_by = stamp_file.read_text().strip() if stamp_file.is_file() else None
    present = [path for path in tracks if path.is_file()]
    if made_by is not None and made_by != stamp and present:
        log(f"  the pose stage changed since the tracks in {cache} were made: {len(present)} made again")
        for path in present:
            path.unlink()
    elif made_by is None and present:
        log(f"  {cache} has no pose-stage stamp: its {len(present)} tracks are taken as today's pose stage's "
            "(delete the folder if they are not)")
    if made_by != stamp:
        cache.mkdir(parents=True, exist_ok=True)
        atomic_write_text(stamp_file, stamp + "\n")
