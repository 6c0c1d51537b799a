"""Cleaning of time series: gap filling and zero-phase smoothing. Arrays are time-first, NaN = missing."""

from __future__ import annotations

import numpy as np

# A hole this long in the frames' times (and 3 frame intervals at least) is frames the video does not have (dropped,
# cut out, damaged packets): a run of frames does not go on across it (a rounding "for 3.8 s" had counted 3.2 s of
# frames that did not exist), and the notes say where it is (`unseen.few_frames_note`).
MISSING_FRAMES_S = 0.5


def frame_holes(timestamps_s: np.ndarray, interval_s: float | None = None) -> np.ndarray:
    """(T-1,) bool: where the frames' times jump by `MISSING_FRAMES_S` or more (and 3 frame intervals, ``interval_s``
    where known: `frame_interval_s`) between a frame and the next."""
    interval_s = frame_interval_s(timestamps_s) if interval_s is None else interval_s
    return np.diff(timestamps_s) > max(MISSING_FRAMES_S, 3.0 * interval_s)


def frame_interval_s(timestamps_s: np.ndarray, default: float = 0.0) -> float:
    """The typical time between frames (s): the median interval of ``timestamps_s`` (T,), robust to a dropped
    frame or a jump; ``default`` with fewer than two frames."""
    return float(np.median(np.diff(timestamps_s))) if len(timestamps_s) > 1 else default


def fill_gaps(values: np.ndarray, timestamps_s: np.ndarray, max_gap_s: float) -> np.ndarray:
    """Linearly interpolate runs of NaN no longer than ``max_gap_s``; longer gaps and the ends stay NaN.

    Shapes: values (T, ...) any unit; timestamps_s (T,) seconds. Returns a new array of the same shape.
    """
    flat = values.reshape(len(values), -1).astype(float, copy=True)
    if len(flat) < 2:
        return flat.reshape(values.shape)
    t = np.asarray(timestamps_s, dtype=float)
    missing = np.isnan(flat)
    # Loop over columns (landmark coordinates), never over frames.
    for col in np.flatnonzero(missing.any(axis=0) & ~missing.all(axis=0)):
        known = ~missing[:, col]
        t_known = t[known]
        # Time from the previous and to the next known sample, for every frame.
        idx_next = np.searchsorted(t_known, t, side="left")
        prev_t = t_known[np.clip(idx_next - 1, 0, len(t_known) - 1)]
        next_t = t_known[np.clip(idx_next, 0, len(t_known) - 1)]
        inside = (idx_next > 0) & (idx_next < len(t_known))
        fillable = missing[:, col] & inside & ((next_t - prev_t) <= max_gap_s)
        if fillable.any():
            flat[fillable, col] = np.interp(t[fillable], t_known, flat[known, col])
    return flat.reshape(values.shape)


def gaussian_smooth(values: np.ndarray, timestamps_s: np.ndarray, sigma_s: float) -> np.ndarray:
    """Zero-phase Gaussian smoothing along time that ignores NaN (normalised convolution); NaN stays NaN.

    The kernel is built in frames from the median frame interval, so it has the same width in seconds at any
    frame rate. Shapes: values (T, ...); returns the same shape.
    """
    if sigma_s <= 0 or len(values) < 3:
        return values.astype(float, copy=True)
    dt = frame_interval_s(timestamps_s)
    sigma_frames = sigma_s / dt if dt > 0 else 0.0
    if sigma_frames < 0.3:
        return values.astype(float, copy=True)
    half = int(np.ceil(3 * sigma_frames))
    offsets = np.arange(-half, half + 1)
    kernel = np.exp(-0.5 * (offsets / sigma_frames) ** 2)

    flat = values.reshape(len(values), -1).astype(float)
    known = ~np.isnan(flat)
    padded_vals = np.pad(np.where(known, flat, 0.0), ((half, half), (0, 0)))
    padded_known = np.pad(known.astype(float), ((half, half), (0, 0)))
    windows_vals = np.lib.stride_tricks.sliding_window_view(padded_vals, len(kernel), axis=0)   # (T, C, W)
    windows_known = np.lib.stride_tricks.sliding_window_view(padded_known, len(kernel), axis=0)
    weight = windows_known @ kernel
    with np.errstate(invalid="ignore", divide="ignore"):
        smoothed = (windows_vals @ kernel) / weight
    smoothed[~known] = np.nan
    return smoothed.reshape(values.shape)


def hysteresis(values: np.ndarray, on_above: float, off_below: float, enabled: np.ndarray | None = None) -> np.ndarray:
    """Boolean state that turns on when ``values`` reaches ``on_above`` and off when it falls below ``off_below``.

    Vectorised: the state at each frame is set by the most recent on- or off-event. NaN and frames where
    ``enabled`` is False count as off-events. Shapes: values (T,); returns (T,) bool.
    """
    values = np.asarray(values, dtype=float)
    with np.errstate(invalid="ignore"):
        on_event = values >= on_above
        off_event = (values < off_below) | np.isnan(values)
    if enabled is not None:
        off_event |= ~enabled
        on_event &= enabled
    index = np.arange(len(values))
    last_on = np.maximum.accumulate(np.where(on_event, index, -1))
    last_off = np.maximum.accumulate(np.where(off_event, index, -1))
    return (last_on >= 0) & (last_on > last_off)


def runs_s(mask: np.ndarray, timestamps_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The runs of True in ``mask`` (T,), in time order, each ended by a hole in the frames (`frame_holes`): their
    first frames (n,) and durations (n,) in seconds, measured frame centre to frame centre plus one frame interval."""
    mask, interval_s = np.asarray(mask, dtype=bool), frame_interval_s(timestamps_s)
    joined = mask[:-1] & mask[1:] & ~frame_holes(timestamps_s, interval_s)    # frame i's run goes on into i + 1
    starts = np.flatnonzero(mask & ~np.concatenate([[False], joined]))
    ends = np.flatnonzero(mask & ~np.concatenate([joined, [False]]))
    return starts, timestamps_s[ends] - timestamps_s[starts] + interval_s


def run_lengths_s(mask: np.ndarray, timestamps_s: np.ndarray) -> float:
    """Longest duration (seconds) of a run of True in ``mask`` (T,) (:func:`runs_s`); 0 without one."""
    durations = runs_s(mask, timestamps_s)[1]
    return float(durations.max()) if len(durations) else 0.0


def bridged_run_lengths_s(mask: np.ndarray, bridge: np.ndarray, timestamps_s: np.ndarray) -> float:
    """Longest time (seconds) of True in ``mask`` (T,) within one run of ``mask | bridge``: runs of ``mask`` joined
    across the ``bridge`` frames between them (True there too), each run timed as :func:`runs_s` times it and the
    bridge's own frames not counted. Without a bridge, :func:`run_lengths_s`."""
    starts, durations = runs_s(mask, timestamps_s)
    if not len(durations):
        return 0.0
    joined_starts = runs_s(mask | bridge, timestamps_s)[0]
    joined = np.searchsorted(joined_starts, starts, side="right") - 1     # the joined run each run of mask is in
    return float(np.bincount(joined, weights=durations).max())
