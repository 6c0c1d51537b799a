"""Still photos of lifts (`benchmarks/footage.py`'s part (d)): the back read on photos from sources other than the
clips', against the shipped limit. One posture each, no rep, so no verdict."""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
from footage import cache_path  # noqa: E402  (a sibling script)
from pose_stamp import drop_stale_tracks  # noqa: E402  (a sibling script)

from liftform.core.flags import rounding_excess_deg, spine_judged
from liftform.core.kinematics import compute_kinematics
from liftform.errors import LiftformError
from liftform.outputs.atomic import atomic_path
from liftform.pipeline import estimate_video_track
from liftform.settings import Settings
from liftform.track import PoseTrack

STILL_EXTENSIONS = (".jpg", ".jpeg", ".png")
STILL_FRAMES = 15   # the photo is shown to the pose stage as a half-second video of itself


def still_spine(footage: Path, relative: str, cache: Path,
                settings: Settings) -> tuple[float, float, float, float, float, bool] | None:
    """(spine flexion deg, neck flexion deg, rounding excess deg, trunk inclination deg, confidence, judged: the
    posture is one where rounding is judged) read on a still photo, or None where no person is found. The excess is
    the verdict's own (`rounding_excess_deg`: positive is past the limit, of the spine or of the head). The pose stage
    sees the photo repeated as a video; its track is cached like a clip's."""
    key = cache_path(cache, relative)
    if key.is_file():
        track = PoseTrack.from_npz(np.load(key))
    else:
        image = cv2.imread(str(footage / relative))
        if image is None:
            return None
        image = image[: image.shape[0] // 2 * 2, : image.shape[1] // 2 * 2]   # even sides for the encoder
        with tempfile.TemporaryDirectory() as tmp:
            video_path = Path(tmp) / "still.mp4"
            writer = cv2.VideoWriter(str(video_path), cv2.VideoWriter_fourcc(*"mp4v"), 30.0,
                                     (image.shape[1], image.shape[0]))
            for _ in range(STILL_FRAMES):
                writer.write(image)
            writer.release()
            try:
                track, *_ = estimate_video_track(video_path, settings)
            except LiftformError:
                return None
        with atomic_path(key) as partial, open(partial, "wb") as fh:     # atomic, as the clips' tracks
            np.savez_compressed(fh, **track.to_npz_dict())
    k = compute_kinematics(track, settings.filter, settings.spine)
    middle = len(track) // 2
    excess = rounding_excess_deg(k, settings.verdict)
    return (float(k.spine_flexion_deg[middle]), float(k.neck_flexion_deg[middle]), float(excess[middle]),
            float(k.trunk_inclination_deg[middle]), float(k.spine_flexion_confidence[middle]),
            bool(spine_judged(k.trunk_inclination_deg[middle], k.hip_flexion_deg[middle], settings.verdict)))


def stills_report(footage: Path, cache: Path, settings: Settings, log: Callable[[str], None] = print) -> None:
    """Still photos of lifts from sources other than the clips' (the manifest's .jpg rows): is the back read past
    the shipped limit on the rounded ones and inside it on the flat ones? One posture each, no rep, so no verdict:
    a check of the onset of rounding on backs it never saw, not a score."""
    cache.mkdir(parents=True, exist_ok=True)
    v = settings.verdict
    rows = [r for r in csv.DictReader((footage / "MANIFEST.csv").open())
            if r["label"] in ("rounded_back", "neutral_hinge") and r["file"].lower().endswith(STILL_EXTENSIONS)
            and (footage / r["file"]).is_file()]
    if not rows:
        return
    drop_stale_tracks(cache, [cache_path(cache, row["file"]) for row in rows], settings, log)
    log(f"\n(d) still photos ({len(rows)}, sources: {', '.join(sorted({r['source_repo'] for r in rows}))}): "
        f"spine flexion read on the photo against the limit ({v.rounded_back_spine_deg:.0f} deg; the head's "
        f"{v.head_hanging_neck_deg:.0f}), judged where the "
        f"trunk leans >= {v.min_trunk_for_rounding_deg:.0f} deg (or the hips flex >= {v.min_hip_for_rounding_deg:.0f}) "
        f"with confidence >= {v.min_confidence}")
    tally: dict[str, list[bool]] = {"rounded_back": [], "neutral_hinge": []}
    for row in rows:
        read = still_spine(footage, row["file"], cache, settings)
        if read is None:
            log(f"  {row['file'][-40:]:40s} {row['label']:14s} no person found")
            continue
        spine_deg, neck_deg, excess_deg, trunk_deg, confidence, posture_judged = read
        judged = posture_judged and confidence >= v.min_confidence
        shown = ("rounded" if excess_deg >= 0 else "neutral") if judged else "not judged"
        if judged:
            tally[row["label"]].append(shown == ("rounded" if row["label"] == "rounded_back" else "neutral"))
        log(f"  {row['file'][-40:]:40s} {row['label']:14s} spine {spine_deg:+6.1f}  head {neck_deg:+6.1f}  "
            f"trunk {trunk_deg:5.1f}  confidence {confidence:.2f}  -> {shown}")
    log("  read right where judged: " + ", ".join(f"{label} {sum(ok)}/{len(ok)}" for label, ok in tally.items()))
