"""An optional sound cue: a short tone through `sounddevice` when it is installed and an output device works.

`play_cue()` returns at once (the tone plays on its own thread) and returns False when it cannot play (no library,
no PortAudio, no audio hardware): the caller may then ring the terminal bell instead. It never raises.
"""

from __future__ import annotations

import threading

import numpy as np

TONE_HZ = 880.0
TONE_S = 0.15
SAMPLE_RATE_HZ = 22050

_unavailable = False       # set once playing failed: do not try again every rep


def _tone() -> np.ndarray:
    """(N,) float32 samples of a short sine with 10 ms fades (no clicks)."""
    t = np.arange(int(TONE_S * SAMPLE_RATE_HZ)) / SAMPLE_RATE_HZ
    fade = np.clip(np.minimum(t, TONE_S - t) / 0.01, 0.0, 1.0)
    return (0.3 * np.sin(2 * np.pi * TONE_HZ * t) * fade).astype(np.float32)


def _play(sd) -> None:
    global _unavailable
    try:
        sd.play(_tone(), SAMPLE_RATE_HZ, blocking=True)
    except Exception:  # noqa: BLE001 - PortAudioError, no device, busy device: stay silent
        _unavailable = True


def sound_problem() -> str | None:
    """Why no cue can be played here, in a few words (the library's own, one line), or None if one probably can."""
    global _unavailable
    try:
        import sounddevice as sd

        sd.query_devices(kind="output")            # raises when there is no output device
    except Exception as exc:  # noqa: BLE001 - ImportError, OSError (no PortAudio), PortAudioError
        _unavailable = True
        return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:120]
    return None


def play_cue() -> bool:
    """Start a short tone; False if no audio output is usable (then nothing happens)."""
    if _unavailable or sound_problem() is not None:
        return False
    import sounddevice as sd

    threading.Thread(target=_play, args=(sd,), name="liftform-cue", daemon=True).start()
    return True
