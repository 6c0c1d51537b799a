"""A phone's HDR video shown as SDR: the levels FFmpeg decodes from an HDR10 (PQ) or HLG video, turned into the
levels of the same picture in SDR (BT.709's display gamma), as a 256-entry lookup table for `cv2.LUT`.

Decoded as it is stored, HDR's levels read as SDR put a rendered lift's white wall at 131 of 255 in HDR10 (202
against the SDR original) and the lifter dull and dark: a rounded lift read 4 reps against 3, one of them a
phantom "hinge" of 13°, and its reps' starts and ends moved (fifty-fifth session). FFmpeg's converting filters
(zscale) are not in PyAV's build, so the curves are applied here, channel by channel: the primaries (BT.2020's
wider gamut) are not converted, so colours come out a little duller than shown, which the pose model and the
back's edge do not need.
"""

from __future__ import annotations

import numpy as np

# FFmpeg's AVColorTransferCharacteristic numbers (a frame's `color_trc`)
PQ_TRANSFER = 16    # SMPTE ST 2084: HDR10, HDR10+, Dolby Vision's base layer
HLG_TRANSFER = 18   # ARIB STD-B67: hybrid log-gamma (an iPhone's HDR video)
SDR_WHITE_NITS = 203.0          # BT.2408: HDR's reference white, shown as SDR's white
HLG_PEAK_NITS, HLG_SYSTEM_GAMMA = 1000.0, 1.2   # BT.2100's reference HLG display
KNEE = 0.8          # SDR levels (linear) above this share of white are highlights, rolled off towards white
SDR_GAMMA = 2.4     # BT.1886's display gamma


def sdr_levels(transfer: int | None) -> np.ndarray | None:
    """The (256,) uint8 table from ``transfer``'s 8-bit levels to SDR ones; None where ``transfer`` is SDR's own
    (or unknown): its levels are used as decoded."""
    signal = np.arange(256) / 255.0
    if transfer == PQ_TRANSFER:
        nits = _pq_nits(signal)
    elif transfer == HLG_TRANSFER:
        nits = HLG_PEAK_NITS * _hlg_scene_light(signal) ** HLG_SYSTEM_GAMMA
    else:
        return None
    relative = nits / SDR_WHITE_NITS
    rolled = KNEE + (1 - KNEE) * (1 - np.exp(-(relative - KNEE) / (1 - KNEE)))   # highlights: smooth, never past 1
    linear = np.where(relative <= KNEE, relative, rolled)
    return np.round(255 * np.clip(linear, 0, 1) ** (1 / SDR_GAMMA)).astype(np.uint8)


def _pq_nits(signal: np.ndarray) -> np.ndarray:
    """SMPTE ST 2084's EOTF: display light (cd/m²) of a PQ signal (0-1)."""
    m1, m2, c1, c2, c3 = 2610 / 16384, 2523 / 4096 * 128, 3424 / 4096, 2413 / 4096 * 32, 2392 / 4096 * 32
    power = signal ** (1 / m2)
    return 10000.0 * (np.maximum(power - c1, 0) / (c2 - c3 * power)) ** (1 / m1)


def _hlg_scene_light(signal: np.ndarray) -> np.ndarray:
    """ARIB STD-B67's inverse OETF: scene light (0-1) of an HLG signal (0-1)."""
    a, b = 0.17883277, 0.28466892
    c = 0.5 - a * np.log(4 * a)
    return np.where(signal <= 0.5, signal ** 2 / 3, (np.exp((signal - c) / a) + b) / 12)
