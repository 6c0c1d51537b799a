"""The one-euro filter (Casiez, Roussel & Vogel, CHI 2012): low lag when a signal moves, low jitter when it rests.

An exponential low-pass whose cutoff rises with the signal's (low-passed) speed: ``cutoff = min_cutoff_hz + beta *
|speed|``. At rest the cutoff is ``min_cutoff_hz`` (jitter is smoothed away); during fast motion it grows and the
lag shrinks. It is causal, so it suits the live path, where a zero-phase smoother would need future frames.

Every channel is filtered independently and all channels at once: one call per frame for the whole (33, 2)
landmark array. NaN marks a missing value: the output is NaN there and that channel restarts from its next finite
value (no stale state carried across a gap).
"""

from __future__ import annotations

import math

import numpy as np


def smoothing_factor(dt_s: float, cutoff_hz: np.ndarray | float) -> np.ndarray | float:
    """Weight of the new sample in an exponential low-pass with ``cutoff_hz`` sampled ``dt_s`` apart (0..1)."""
    tau_s = 1.0 / (2.0 * math.pi * np.asarray(cutoff_hz, dtype=float))
    return 1.0 / (1.0 + tau_s / dt_s)


class OneEuroFilter:
    """A one-euro filter over an array of channels of any shape, fed one sample (a whole array) per frame.

    Args:
        min_cutoff_hz: cutoff at rest, Hz. Lower: less jitter, more lag when motion starts.
        beta: how fast the cutoff rises with speed, in Hz per (signal unit / s). Higher: less lag in fast motion.
            A scalar, or an array broadcasting against the values (channels in different units in one filter).
        d_cutoff_hz: cutoff of the low-pass on the speed estimate, Hz.

    Units: ``beta`` depends on the signal's unit (a signal in pixels needs a smaller beta than one in metres).
    Call with ``filter(values, timestamp_s)``; values (...) any float array, timestamp_s seconds, increasing.
    """

    def __init__(self, min_cutoff_hz: float = 1.0, beta: float | np.ndarray = 0.0, d_cutoff_hz: float = 1.0) -> None:
        if min_cutoff_hz <= 0 or d_cutoff_hz <= 0 or np.any(np.asarray(beta) < 0):
            raise ValueError("one-euro cutoffs must be > 0 and beta >= 0")
        self.min_cutoff_hz = float(min_cutoff_hz)
        self.beta = np.asarray(beta, dtype=float)
        self.d_cutoff_hz = float(d_cutoff_hz)
        self.reset()

    def reset(self) -> None:
        """Forget the past: the next sample passes through unchanged."""
        self._x: np.ndarray | None = None       # last filtered value per channel, NaN = no state
        self._dx: np.ndarray | None = None      # last filtered speed per channel (units / s)
        self._t_s: float | None = None

    def __call__(self, values: np.ndarray, timestamp_s: float) -> np.ndarray:
        """The filtered sample: same shape as ``values``; NaN where ``values`` is NaN."""
        x = np.asarray(values, dtype=float)
        if self._x is None or self._x.shape != x.shape or self._t_s is None:
            self._x, self._dx, self._t_s = x.copy(), np.zeros_like(x), float(timestamp_s)
            return x.copy()
        dt_s = float(timestamp_s) - self._t_s
        if not dt_s > 0:                          # a repeated or out-of-order timestamp: no new information
            return self._x.copy()
        fresh = np.isnan(self._x)                 # channels starting again after a gap
        # NaN propagates through this arithmetic without warnings (no errstate: it costs more than the math).
        change = x - self._x
        speed = change / dt_s
        # smoothing_factor of the one speed cutoff, on Python floats: the same operations, without a 0-d array's
        # overhead (the live view filters every frame)
        a_d = 1.0 / (1.0 + 1.0 / (2.0 * math.pi * self.d_cutoff_hz) / dt_s)
        dx = self._dx + a_d * (speed - self._dx)
        cutoff_hz = self.min_cutoff_hz + self.beta * np.abs(dx)
        a = smoothing_factor(dt_s, cutoff_hz)
        out = self._x + a * change
        out = np.where(fresh, x, out)
        dx = np.where(fresh | np.isnan(x), 0.0, dx)
        self._x, self._dx, self._t_s = out, dx, float(timestamp_s)
        return out.copy()


def one_euro(values: np.ndarray, timestamps_s: np.ndarray, min_cutoff_hz: float = 1.0, beta: float = 0.0,
             d_cutoff_hz: float = 1.0) -> np.ndarray:
    """:class:`OneEuroFilter` over a whole sequence: values (T, ...), timestamps_s (T,) -> (T, ...).

    The filter is recursive, so this loops over frames (vectorised over the channels of each frame); it exists to
    filter a recorded track exactly as the live path filtered it frame by frame.
    """
    filt = OneEuroFilter(min_cutoff_hz, beta, d_cutoff_hz)
    values = np.asarray(values, dtype=float)
    out = np.empty_like(values)
    for i, t_s in enumerate(np.asarray(timestamps_s, dtype=float)):
        out[i] = filt(values[i], t_s)
    return out
