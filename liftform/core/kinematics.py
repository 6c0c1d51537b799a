"""From a `PoseTrack` to per-frame angles (`Kinematics`). Whole sequences at once, no per-frame loops.

Joint angles are taken from MediaPipe's world landmarks (metres, 3D), so they do not shrink when the camera is not
exactly side-on; the back's contour and the depth signal come from image pixels.
"""

from __future__ import annotations

import numpy as np

from liftform.core import camera_pitch, spine
from liftform.core.balance import mass_behind_feet
from liftform.core.filters import fill_gaps, frame_interval_s, gaussian_smooth
from liftform.core.framing import hidden_knees_note, knee_in_picture, out_of_picture_note, with_feet_on_a_floor
from liftform.core.geometry import flexion_deg, fore_aft_length, inclination_from_vertical_deg, vector_length
from liftform.core.plausibility import implausible_poses, looks_rotated
from liftform.core.silhouette import trunk_axes
from liftform.core.types import FrameAngles, Kinematics
from liftform.core.viewpoint import body_across, camera_behind, view_yaw_deg
from liftform.settings import FilterSettings, SpineSettings
from liftform.track import (
    LEFT_ANKLE,
    LEFT_EAR,
    LEFT_FOOT_INDEX,
    LEFT_HEEL,
    LEFT_HIP,
    LEFT_KNEE,
    LEFT_SHOULDER,
    LEFT_WRIST,
    RIGHT_ANKLE,
    RIGHT_EAR,
    RIGHT_FOOT_INDEX,
    RIGHT_HEEL,
    RIGHT_HIP,
    RIGHT_KNEE,
    RIGHT_SHOULDER,
    RIGHT_WRIST,
    PoseTrack,
)

WORLD_UP = np.array([0.0, -1.0, 0.0])   # MediaPipe world: y points down
# The standing height is read from the frames where the trunk, hips and knees are all within this of straight ...
UPRIGHT_MAX_DEG = 25.0
# ... over this window around each frame, from at least this many of them.
STANDING_WINDOW_S = 3.0
STANDING_MIN_FRAMES = 5
# Which way a person faces is read over this window around each frame (the live view re-reads it over the same span
# of its recent frames), and decides the frame where the evidence passes this margin (trunk lengths; one clear foot
# or hanging hands give ~0.3-1).
FACING_WINDOW_S = 3.0
FACING_MARGIN = 0.15


def facing_evidence(image_xy: np.ndarray) -> np.ndarray:
    """(T,) evidence that the person faces image-right (positive) or left (negative), NaN where there is none.

    Two kinds, both in units of trunk length so they add up: the toes point forward of the heels (works standing),
    and hanging wrists lie on the chest side of the trunk axis (works bent over). The nose is not used: when the
    lifter is bent it lies along the trunk axis. Shapes: image_xy (T, 33, 2) pixels.
    """
    # Pairs added by hand, not fancy-indexed means (the same numbers): live reads it every frame, ~15 us, not ~33
    shoulder_mid = (image_xy[:, LEFT_SHOULDER] + image_xy[:, RIGHT_SHOULDER]) / 2
    hip_mid = (image_xy[:, LEFT_HIP] + image_xy[:, RIGHT_HIP]) / 2
    _, normal, length = trunk_axes(shoulder_mid, hip_mid)   # the chest side is +normal when facing right
    x = image_xy[..., 0]
    with np.errstate(invalid="ignore", divide="ignore"):
        toes = ((x[:, LEFT_FOOT_INDEX] - x[:, LEFT_HEEL]) + (x[:, RIGHT_FOOT_INDEX] - x[:, RIGHT_HEEL])) / length
        wrists = (image_xy[:, LEFT_WRIST] + image_xy[:, RIGHT_WRIST]) / 2 - shoulder_mid
        wrist_side = np.add.reduce(wrists * normal, axis=-1) / length
    toes, wrist_side = np.minimum(np.maximum(toes, -1), 1), np.minimum(np.maximum(wrist_side, -1), 1)
    return np.where(np.isnan(toes), wrist_side, np.where(np.isnan(wrist_side), toes, toes + wrist_side))


def facing_sign(image_xy: np.ndarray) -> int:
    """+1 if the person faces image-right over the frames of ``image_xy`` (T, 33, 2), -1 image-left, 0 if it cannot
    be told (`facing_evidence`)."""
    evidence = facing_evidence(image_xy)
    if not np.isfinite(evidence).any() or np.nanmean(np.abs(evidence)) < 1e-3:
        return 0
    return 1 if np.nanmean(evidence) > 0 else -1


def facing_per_frame(image_xy: np.ndarray, timestamps_s: np.ndarray, clip_facing: int) -> np.ndarray:
    """(T,) +1/-1/0: which way the person faces around each frame, for a person who turns round during the clip
    (box work: picked up facing one way, set down facing the other). The mean evidence over the
    ``FACING_WINDOW_S`` around the frame decides where it is clear (past ``FACING_MARGIN`` trunk lengths); elsewhere
    the clip's own ``clip_facing``. Without this the back was read on the chest side of every rep done facing the
    clip's minority way (said as "the back's outline was hidden or ragged")."""
    evidence = facing_evidence(image_xy)
    known = np.isfinite(evidence)
    sums = np.concatenate([[0.0], np.cumsum(np.where(known, evidence, 0.0))])
    counts = np.concatenate([[0], np.cumsum(known)])
    lo = np.searchsorted(timestamps_s, timestamps_s - FACING_WINDOW_S / 2)
    hi = np.searchsorted(timestamps_s, timestamps_s + FACING_WINDOW_S / 2, side="right")
    n = counts[hi] - counts[lo]
    mean = np.where(n > 0, (sums[hi] - sums[lo]) / np.maximum(n, 1), 0.0)
    return np.where(np.abs(mean) >= FACING_MARGIN, np.sign(mean), clip_facing).astype(int)


def near_side(visibility: np.ndarray) -> str:
    """The body side nearer the camera: the one whose shoulder, hip, knee and ankle are more visible."""
    left = visibility[:, [LEFT_SHOULDER, LEFT_HIP, LEFT_KNEE, LEFT_ANKLE]].mean()
    right = visibility[:, [RIGHT_SHOULDER, RIGHT_HIP, RIGHT_KNEE, RIGHT_ANKLE]].mean()
    return "left" if left >= right else "right"


# An ear seen this well places the head: MediaPipe puts the ears somewhere even when the head is out of view.
MIN_EAR_VISIBILITY = 0.5
# Ears further than this from the line of the trunk are not a head a neck can hold (chin on the chest reads about
# 80 deg) but the model's mistake: a plate before the face read 100-160 deg on a real back squat.
MAX_NECK_DEG = 90.0
# The image's horizontal is stretched back by 1 / cos(yaw) up to this yaw; beyond it the spine measure is not trusted.
MAX_NECK_YAW_DEG = 60.0


def neck_flexion_deg(image_xy: np.ndarray, visibility: np.ndarray, facing: int | np.ndarray,
                     view_yaw: np.ndarray | float = 0.0) -> np.ndarray:
    """(T,) degrees the head hangs toward the chest from the line of the trunk (`Kinematics.neck_flexion_deg`).

    The angle at the shoulder midpoint from the hip -> shoulder line to the shoulder -> ear-midpoint line, in the
    image (y down), signed by ``facing`` so that positive turns toward the chest. The three points are midpoints, so
    they lie in the body's plane of symmetry, which a camera turned ``view_yaw`` (deg) from side-on sees shortened
    across by cos(yaw): the horizontal is stretched back first (yaw capped at MAX_NECK_YAW_DEG). Uncorrected, a
    head hanging 22 deg side-on read 47 at 45 deg of yaw on rendered stoops. NaN where neither ear is seen
    (visibility below MIN_EAR_VISIBILITY), the facing is unknown, or the angle is past MAX_NECK_DEG either way.
    Shapes: image_xy (T, 33, 2), visibility (T, 33).
    """
    # Sums of landmark pairs, not means: the angle does not care, and plain slices keep the live path's T = 1 cheap.
    shoulders = image_xy[:, LEFT_SHOULDER] + image_xy[:, RIGHT_SHOULDER]
    trunk = shoulders - image_xy[:, LEFT_HIP] - image_xy[:, RIGHT_HIP]
    head = image_xy[:, LEFT_EAR] + image_xy[:, RIGHT_EAR] - shoulders
    # fmax/fmin take an unknown (NaN) yaw as 0: the image as it is
    stretch = 1.0 / np.cos(np.radians(np.fmin(np.fmax(view_yaw, 0.0), MAX_NECK_YAW_DEG)))
    trunk_x, head_x = trunk[:, 0] * stretch, head[:, 0] * stretch
    cross = trunk_x * head[:, 1] - trunk[:, 1] * head_x
    angle = np.degrees(np.arctan2(facing * cross, trunk_x * head_x + trunk[:, 1] * head[:, 1]))
    seen = np.maximum(visibility[:, LEFT_EAR], visibility[:, RIGHT_EAR]) >= MIN_EAR_VISIBILITY
    return np.where(seen & (facing != 0) & (np.abs(angle) <= MAX_NECK_DEG), angle, np.nan)


def shoulder_height_px(image_xy: np.ndarray) -> np.ndarray:
    """(T,) height of the shoulder midpoint above the lower ankle (the one on the floor), pixels; NaN if unknown."""
    # The pair added by hand, as .mean adds it: an index list cost live ~50 us a frame after waiting for the model
    shoulder_y = (image_xy[:, LEFT_SHOULDER, 1] + image_xy[:, RIGHT_SHOULDER, 1]) / 2
    ankle_y = np.fmax(image_xy[:, LEFT_ANKLE, 1], image_xy[:, RIGHT_ANKLE, 1])
    return ankle_y - shoulder_y


def standing_height_px(image_xy: np.ndarray) -> float:
    """The standing shoulder height of ``image_xy`` (T, 33, 2): the 95th percentile of :func:`shoulder_height_px`
    over the frames, pixels; NaN if it is never known."""
    height = shoulder_height_px(image_xy)
    return float(np.nanpercentile(height, 95)) if np.isfinite(height).any() else float("nan")


def upright(trunk_deg: np.ndarray, hip_deg: np.ndarray, knee_deg: np.ndarray) -> np.ndarray:
    """(T,) bool: the trunk, hips and knees all within ``UPRIGHT_MAX_DEG`` of straight (any unknown: False)."""
    with np.errstate(invalid="ignore"):
        return (np.abs(trunk_deg) < UPRIGHT_MAX_DEG) & (hip_deg < UPRIGHT_MAX_DEG) & (knee_deg < UPRIGHT_MAX_DEG)


def standing_heights_px(image_xy: np.ndarray, timestamps_s: np.ndarray, upright_frames: np.ndarray) -> np.ndarray:
    """(T,) the standing shoulder height around each frame, pixels: the 95th percentile of
    :func:`shoulder_height_px` over the ``upright_frames`` (T,) bool within ``STANDING_WINDOW_S`` around it (at least
    ``STANDING_MIN_FRAMES`` of them), linear in time across stretches without them (a long stoop keeps the standing
    height of before and after it). The clip's :func:`standing_height_px` where no window has enough upright frames.

    Read around each frame, not once for the clip, because the lifter's size in the picture changes when they walk
    towards or away from the camera or the camera zooms: a 15 % zoom made standing read as a fifth of the way down,
    and a rep started at the clip's first frame and two merged.
    """
    height = shoulder_height_px(image_xy)
    whole = standing_height_px(image_xy)
    if len(height) < 2 or not np.isfinite(whole):
        return np.full(len(height), whole)
    dt = frame_interval_s(timestamps_s)
    half = max(1, int(round(0.5 * STANDING_WINDOW_S / dt))) if dt > 0 else 1
    step = max(1, half // 4)                      # windows centred every few frames, the rest interpolated
    samples = np.pad(np.where(upright_frames, height, np.nan), half, constant_values=np.nan)
    windows = np.lib.stride_tricks.sliding_window_view(samples, 2 * half + 1)[::step]   # (T / step, W)
    centres = np.arange(len(height))[::step]
    enough = np.isfinite(windows).sum(axis=1) >= STANDING_MIN_FRAMES
    if not enough.any():
        return np.full(len(height), whole)
    with np.errstate(all="ignore"):
        around = np.nanpercentile(windows[enough], 95, axis=1)
    return np.interp(np.arange(len(height)), centres[enough], around)


def depth_signal(image_xy: np.ndarray, standing_px: float | np.ndarray | None = None) -> np.ndarray:
    """(T,) how far the shoulders have come down towards the feet, as a fraction of standing height.

    The shoulder-to-lower-ankle height is compared with ``standing_px`` (default: the standing height of
    these frames, :func:`standing_height_px`; or (T,), each frame's, :func:`standing_heights_px`); the ratio does
    not care whether a hand-held camera drifts up or down, since shoulders and feet move together in the image. The
    live path passes the standing height of its recent frames.
    """
    height = shoulder_height_px(image_xy)
    standing = standing_height_px(image_xy) if standing_px is None else standing_px
    if isinstance(standing, (float, int)):   # one height for every frame (live calls this per frame: kept cheap)
        return 1.0 - height / float(standing) if standing > 0 else np.full(len(image_xy), np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(standing > 0, 1.0 - height / standing, np.nan)   # NaN: no frame with shoulders and ankles


def hands_height_signal(image_xy: np.ndarray, standing_px: float | np.ndarray) -> np.ndarray:
    """(T,) height of the wrists' midpoint above the lower ankle, as a fraction of the standing shoulder height
    ``standing_px`` (pixels; or (T,), each frame's): ~0.45 standing with the arms hanging, ~0 with the hands at the
    floor. NaN if unknown."""
    wrist_y = image_xy[:, [LEFT_WRIST, RIGHT_WRIST], 1].mean(axis=1)
    ankle_y = np.fmax(image_xy[:, LEFT_ANKLE, 1], image_xy[:, RIGHT_ANKLE, 1])
    standing = np.asarray(standing_px, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(standing > 0, (ankle_y - wrist_y) / standing, np.nan)


# The points of the near hip's, the left knee's and the right knee's flexion (outer, joint, inner), by near side.
_FLEXION_TRIPLES = {
    near: (np.array([shoulder, LEFT_HIP, RIGHT_HIP]), np.array([hip, LEFT_KNEE, RIGHT_KNEE]),
           np.array([knee, LEFT_ANKLE, RIGHT_ANKLE]))
    for near, shoulder, hip, knee in (("left", LEFT_SHOULDER, LEFT_HIP, LEFT_KNEE),
                                      ("right", RIGHT_SHOULDER, RIGHT_HIP, RIGHT_KNEE))}


def frame_angles(image_xy: np.ndarray, world_xyz: np.ndarray, visibility: np.ndarray,
                 back_profile_px: np.ndarray | None, facing: int | np.ndarray, side: str,
                 spine_settings: SpineSettings, stance: bool = True) -> FrameAngles:
    """The angles of each frame on its own: no gap filling, no smoothing, no neutral-bend reference.

    :func:`compute_kinematics` adds those over a whole track; the live path calls this on one frame at a time
    (T = 1), with ``facing`` and ``side`` taken from its recent frames.

    Args:
        image_xy: (T, 33, 2) px; world_xyz: (T, 33, 3) m; visibility: (T, 33); back_profile_px: (T, K, 2) px or None.
        facing: +1 the person faces image-right, -1 left, 0 unknown (then the spine is not measured); one for all
            frames or (T,) per frame.
        side: "left" | "right", the body side nearer the camera. stance: False leaves ``stance_split`` NaN (live).
    Returns: a `FrameAngles` of (T,) arrays.
    """
    world = world_xyz
    facing = np.asarray(facing)
    forward = np.where(facing != 0, facing, 1).astype(float)
    near_is_left = side == "left"
    shoulder_mid_w = 0.5 * (world[:, LEFT_SHOULDER] + world[:, RIGHT_SHOULDER])
    hip_mid_w = 0.5 * (world[:, LEFT_HIP] + world[:, RIGHT_HIP])

    trunk = inclination_from_vertical_deg(shoulder_mid_w - hip_mid_w, forward, WORLD_UP)
    # Near hip, left knee, right knee in one call: (T, 3, 3) point triples, taken by one index each (np.stack of
    # the nine slices cost ~45 us a live frame).
    outer, joint, inner = _FLEXION_TRIPLES["left" if near_is_left else "right"]
    hip, knee_left, knee_right = flexion_deg(world[:, outer], world[:, joint], world[:, inner]).T
    knee = knee_left if near_is_left else knee_right
    across = body_across(world)
    yaw = view_yaw_deg(world, across)
    stance_split = np.full(len(world), np.nan)
    if stance:
        near_leg = (LEFT_HIP, LEFT_KNEE, LEFT_ANKLE) if near_is_left else (RIGHT_HIP, RIGHT_KNEE, RIGHT_ANKLE)
        hip_w, knee_w, ankle_w = (world[:, landmark] for landmark in near_leg)
        leg_m = vector_length(hip_w - knee_w) + vector_length(knee_w - ankle_w)
        # A lunge parts the feet along the way the body faces; a wide squat or deadlift stance parts them across it
        # (real squats 0.44-0.90 leg lengths apart in all, 0.05-0.10 of that fore and aft; one was called a lunge).
        apart = fore_aft_length(world[:, LEFT_ANKLE] - world[:, RIGHT_ANKLE], across)
        stance_split = np.divide(apart, leg_m, out=np.full_like(leg_m, np.nan), where=leg_m > 0)   # no leg: NaN

    # The back: its contour's bend.
    trunk_length_px = vector_length(
        (image_xy[:, LEFT_SHOULDER] + image_xy[:, RIGHT_SHOULDER]
         - image_xy[:, LEFT_HIP] - image_xy[:, RIGHT_HIP]) * 0.5)
    if back_profile_px is not None and facing.any():
        bend, edge_fraction, residual = spine.contour_bend_deg(spine.dorsal_profile(back_profile_px, facing),
                                                               trunk_length_px)
    else:
        bend = edge_fraction = residual = np.full(len(image_xy), np.nan)
    near = (LEFT_SHOULDER, LEFT_HIP) if near_is_left else (RIGHT_SHOULDER, RIGHT_HIP)
    landmark_vis = np.minimum(visibility[:, near[0]], visibility[:, near[1]])
    confidence = spine.spine_confidence(edge_fraction, residual, yaw, landmark_vis,
                                        spine_settings.min_edge_fraction, spine_settings.full_view_yaw_deg,
                                        spine_settings.max_view_yaw_deg)
    return FrameAngles(trunk_inclination_deg=trunk, hip_flexion_deg=hip, knee_flexion_deg=knee,
                       knee_flexion_left_deg=knee_left, knee_flexion_right_deg=knee_right, view_yaw_deg=yaw,
                       stance_split=stance_split, contour_bend_deg=bend, spine_flexion_confidence=confidence,
                       neck_flexion_deg=neck_flexion_deg(image_xy, visibility, facing, yaw))


def _poses_dropped(track: PoseTrack) -> tuple[np.ndarray, list[str]]:
    """(T,) bool: the poses that cannot be the lifter (the model's mistakes: dropped, then filled like any missed
    frame; every pose where the video looks rotated), and the notes on the framing."""
    wrong = implausible_poses(track.image_xy, track.timestamps_s)
    framing = out_of_picture_note(track.image_xy, track.frame_size_wh)
    notes = [framing] if framing else []
    if looks_rotated(track.image_xy):
        wrong[:] = True
        notes.append("the person appears on their side or upside down in most frames: the video may be rotated "
                     "(rotate it upright and run again), or they lie on the floor, which is no lift")
    return wrong, notes


def compute_kinematics(track: PoseTrack, filters: FilterSettings, spine_settings: SpineSettings,
                       spine_baseline_deg: float | None = None) -> Kinematics:
    """Angles of every frame of ``track`` (T frames): a `Kinematics` of (T,) arrays, degrees, NaN where unknown
    (gaps up to ``filters.max_gap_s`` filled), and the notes on what was seen.

    ``spine_baseline_deg`` is the raw back-contour bend that counts as a neutral spine; by default
    ``spine_settings.neutral_bend_deg``.
    """
    t = track.timestamps_s
    wrong, notes = _poses_dropped(track)
    drop = lambda x: np.where(wrong.reshape((-1,) + (1,) * (x.ndim - 1)), np.nan, x)  # noqa: E731
    with np.errstate(all="ignore"):
        image_xy = fill_gaps(drop(track.image_xy), t, filters.max_gap_s)
        world = fill_gaps(drop(track.world_xyz), t, filters.max_gap_s)
    visibility = np.where(wrong[:, None], 0.0, track.visibility)
    facing = facing_sign(image_xy)
    side = near_side(visibility)
    if facing == 0 and not wrong.all():   # (with every pose dropped, the note above says why)
        notes.append("could not tell which way the lifter faces: spine flexion not measured")

    profile = None
    if track.back_profile_px is not None and facing != 0:
        profile = fill_gaps(drop(track.back_profile_px), t, filters.max_gap_s)
    facing_frames = facing_per_frame(image_xy, t, facing) if facing != 0 else np.zeros(len(t), int)
    angles = frame_angles(image_xy, world, visibility, profile, facing_frames, side, spine_settings)
    trunk, hip, knee = angles.trunk_inclination_deg, angles.hip_flexion_deg, angles.knee_flexion_deg
    knee_left, knee_right = angles.knee_flexion_left_deg, angles.knee_flexion_right_deg
    yaw, stance_split, bend = angles.view_yaw_deg, angles.stance_split, angles.contour_bend_deg
    confidence = angles.spine_flexion_confidence
    # Seen from above, a rounded back reads flat: a back is not cleared from there (`core.camera_pitch`).
    rise = camera_pitch.far_shoulder_rise(image_xy, side, yaw, spine_settings.full_view_yaw_deg)
    pitch = camera_pitch.pitch_note(camera_pitch.median_rise(rise))
    notes += [pitch] if pitch else []
    own_visibility = np.where((track.has_pose & ~wrong)[:, None], visibility, np.nan)   # not of a pose filled in
    knee_seen = knee_in_picture(image_xy, own_visibility, track.frame_size_wh, side)
    notes += [note for note in (hidden_knees_note(image_xy, own_visibility, track.frame_size_wh, side),) if note]
    floor_xy = with_feet_on_a_floor(image_xy, track.frame_size_wh, trunk)   # feet out of the picture: one floor
    standing_px = standing_heights_px(floor_xy, t, upright(trunk, hip, knee))
    depth = depth_signal(floor_xy, standing_px)
    hands = hands_height_signal(floor_xy, standing_px)

    # The back: its contour's bend, relative to the bend of a neutral back.
    baseline = spine_settings.neutral_bend_deg if spine_baseline_deg is None else spine_baseline_deg
    spine_flexion = bend - baseline

    smooth = lambda x: gaussian_smooth(x, t, filters.smoothing_sigma_s)  # noqa: E731
    spine_flexion = smooth(spine_flexion)
    trunk = smooth(trunk)
    valid = np.isfinite(trunk) & np.isfinite(hip) & np.isfinite(depth)
    return Kinematics(
        timestamps_s=t, frame_index=track.frame_index,
        trunk_inclination_deg=trunk, hip_flexion_deg=smooth(hip), knee_flexion_deg=smooth(knee),
        knee_flexion_left_deg=smooth(knee_left), knee_flexion_right_deg=smooth(knee_right),
        spine_flexion_deg=spine_flexion, spine_flexion_confidence=np.where(np.isfinite(spine_flexion), confidence, 0.0),
        lean_from_hips_deg=trunk - spine_flexion / 2.0, lean_from_spine_deg=spine_flexion / 2.0,
        depth=smooth(depth), view_yaw_deg=smooth(yaw), stance_split=smooth(stance_split),
        hands_height=smooth(hands), neck_flexion_deg=smooth(angles.neck_flexion_deg),
        camera_behind=camera_behind(world, facing_frames), facing=facing_frames.astype(float),
        far_shoulder_rise=rise, knee_in_picture=knee_seen,
        mass_behind_feet=mass_behind_feet(image_xy, facing_frames.astype(float), yaw,
                                          spine_settings.full_view_yaw_deg), valid=valid,
        side=side, facing_sign=facing, spine_baseline_deg=float(baseline), warnings=tuple(notes),
    )
