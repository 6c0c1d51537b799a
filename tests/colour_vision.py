"""Colours as people see them, for the tests of liftform's colours: colour-vision deficiency simulated (Machado,
Oliveira & Fernandes 2009, severity 1, applied in linear RGB), WCAG 2 relative luminance and contrast ratio, and the
CIEDE2000 colour difference (Sharma, Wu & Dalal 2005). Colours are sRGB triples 0..255."""

from __future__ import annotations

import math

import numpy as np

# Dichromacy: a whole class of cones missing. About 1 man in 12 has a red-green deficiency (most of them milder
# than these: a colour told apart here is told apart by them).
MACHADO_2009 = {
    "normal vision": np.eye(3),
    "protanopia": np.array([[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
    "tritanopia": np.array([[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602],
                            [0.004733, 0.691367, 0.303900]]),
}
_SRGB_TO_XYZ = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
_D65_WHITE = np.array([0.95047, 1.0, 1.08883])


def linear(rgb) -> np.ndarray:
    """sRGB 0..255 -> linear RGB 0..1."""
    c = np.asarray(rgb, dtype=float) / 255.0
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def seen(rgb, vision: str) -> np.ndarray:
    """The linear RGB a person with ``vision`` (a key of :data:`MACHADO_2009`) sees of ``rgb``."""
    return np.clip(MACHADO_2009[vision] @ linear(rgb), 0.0, 1.0)


def luminance(linear_rgb) -> float:
    return float(np.dot([0.2126, 0.7152, 0.0722], linear_rgb))


def contrast(linear_a, linear_b) -> float:
    """WCAG contrast ratio of two linear RGB colours, 1..21."""
    low, high = sorted((luminance(linear_a), luminance(linear_b)))
    return (high + 0.05) / (low + 0.05)


def lab(linear_rgb) -> np.ndarray:
    """CIELAB (D65) of a linear RGB colour."""
    xyz = _SRGB_TO_XYZ @ np.asarray(linear_rgb, dtype=float) / _D65_WHITE
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def ciede2000(lab_1, lab_2) -> float:
    """The CIEDE2000 difference of two CIELAB colours (about 2: just noticeable side by side; 20: plainly
    different colours)."""
    (l1, a1, b1), (l2, a2, b2) = lab_1, lab_2
    c_mean = (math.hypot(a1, b1) + math.hypot(a2, b2)) / 2
    g = 0.5 * (1 - math.sqrt(c_mean ** 7 / (c_mean ** 7 + 25 ** 7)))
    a1, a2 = (1 + g) * a1, (1 + g) * a2
    c1, c2 = math.hypot(a1, b1), math.hypot(a2, b2)
    h1, h2 = math.degrees(math.atan2(b1, a1)) % 360, math.degrees(math.atan2(b2, a2)) % 360
    dh = 0.0 if c1 * c2 == 0 else (h2 - h1 + 180) % 360 - 180
    d_hue = 2 * math.sqrt(c1 * c2) * math.sin(math.radians(dh / 2))
    l_mean, c_mean = (l1 + l2) / 2, (c1 + c2) / 2
    if c1 * c2 == 0:
        h_mean = h1 + h2
    elif abs(h1 - h2) <= 180:
        h_mean = (h1 + h2) / 2
    else:
        h_mean = (h1 + h2 + 360) / 2 if h1 + h2 < 360 else (h1 + h2 - 360) / 2
    t = (1 - 0.17 * math.cos(math.radians(h_mean - 30)) + 0.24 * math.cos(math.radians(2 * h_mean))
         + 0.32 * math.cos(math.radians(3 * h_mean + 6)) - 0.20 * math.cos(math.radians(4 * h_mean - 63)))
    rotation = -math.sin(math.radians(60 * math.exp(-(((h_mean - 275) / 25) ** 2)))) \
        * 2 * math.sqrt(c_mean ** 7 / (c_mean ** 7 + 25 ** 7))
    s_l = 1 + 0.015 * (l_mean - 50) ** 2 / math.sqrt(20 + (l_mean - 50) ** 2)
    s_c, s_h = 1 + 0.045 * c_mean, 1 + 0.015 * c_mean * t
    d_l, d_c, d_h = (l2 - l1) / s_l, (c2 - c1) / s_c, d_hue / s_h
    return math.sqrt(d_l ** 2 + d_c ** 2 + d_h ** 2 + rotation * d_c * d_h)


def difference_seen(rgb_a, rgb_b, vision: str) -> float:
    """CIEDE2000 between two sRGB colours as a person with ``vision`` sees them."""
    return ciede2000(lab(seen(rgb_a, vision)), lab(seen(rgb_b, vision)))
