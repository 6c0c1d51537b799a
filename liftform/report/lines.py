"""A plotted line as SVG path data: the points that draw it at the figure's resolution."""

from __future__ import annotations

import numpy as np

ENVELOPE_COLUMNS_PER_PX = 2     # a line's points are thinned to its `envelope` in columns this narrow


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) index of each run of True in ``mask``."""
    mask = np.asarray(mask, dtype=bool)
    if not mask.any():
        return []
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1, strict=True))


def points(xy: np.ndarray) -> str:
    return "L".join(f"{x:.1f},{y:.1f}" for x, y in xy)


def envelope(xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Indices of the points that draw a line (``xs`` ascending, px): per column of 1 / ENVELOPE_COLUMNS_PER_PX px
    its first, lowest, highest and last (an hour's plot had every frame: 108,000 points a line over 676 px)."""
    columns = np.floor(np.asarray(xs, dtype=float) * ENVELOPE_COLUMNS_PER_PX)
    starts = np.flatnonzero(np.diff(columns, prepend=-np.inf))
    if 4 * len(starts) >= len(columns):
        return np.arange(len(columns))
    ends = np.append(starts[1:], len(columns)) - 1
    by_height = np.lexsort((ys, np.repeat(np.arange(len(starts)), ends - starts + 1)))   # by column, then height
    return np.unique(np.concatenate([starts, ends, by_height[starts], by_height[ends]]))


def path_data(xs: np.ndarray, ys: np.ndarray) -> str:
    """SVG path data through the points whose coordinates are finite, one subpath per unbroken run (`envelope`)."""
    finite = np.isfinite(xs) & np.isfinite(ys)
    pieces = []
    for first, last in runs(finite):
        run = np.stack([xs[first:last + 1], ys[first:last + 1]], axis=1)
        run = run[envelope(run[:, 0], run[:, 1])]
        if len(run) == 1:       # a lone point: a dot-sized segment, so that it shows
            run = np.concatenate([run, run + [0.5, 0]])
        pieces.append("M" + points(run))
    return "".join(pieces)
