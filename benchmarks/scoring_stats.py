"""Statistics the accuracy benchmarks print beside their counts: how far a few dozen clips pin a proportion down,
and whether a rep's confidence can be believed, band by band."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

CONFIDENCE_BANDS = (0.0, 0.4, 0.6, 0.8, 0.95, 1.0)   # a rep's confidence (result.json's), checked band by band


def wilson_interval(successes: int, trials: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval of a proportion (95 % for z = 1.96): unlike p +- z SE it stays inside [0, 1] and
    is not empty at 11/11."""
    p, n = successes / trials, trials
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def confidence_bands(checks: Iterable[tuple[float, bool]]) -> str:
    """(confidence, right) of reps -> "0.00-0.40: right/reps   0.40-0.60: ..." over ``CONFIDENCE_BANDS`` (the last
    band includes 1.0): whether a rep's confidence can be believed."""
    rows = np.array(list(checks), float).reshape(-1, 2)
    parts = []
    for lo, hi in zip(CONFIDENCE_BANDS[:-1], CONFIDENCE_BANDS[1:], strict=True):
        in_band = (rows[:, 0] >= lo) & ((rows[:, 0] < hi) | (hi == CONFIDENCE_BANDS[-1]))
        parts.append(f"{lo:.2f}-{hi:.2f}: {int(rows[in_band, 1].sum())}/{int(in_band.sum())}")
    return "   ".join(parts)
