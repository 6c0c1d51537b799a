"""Live coaching at the webcam: the same core as `liftform analyze`, frame by frame and rep by rep.

    from liftform.live import LiveConfig, run_live
    result = run_live(LiveConfig(camera=0), on_event=print)     # q / Esc quits; c recalibrates; r resets the count;
    #   n: the last rep was checked flat, take the lifter's zero from it

Modules: ``sources`` (webcam and file-as-camera, newest-frame semantics), ``session`` (pose -> filters -> state ->
overlay, events), ``state`` (flag, rep trigger, prompts), ``types`` (options, events, per-frame result, the loop's
figures), ``buffer`` (the session's landmarks), ``window`` (OpenCV window and keys), ``recorder`` (annotated H.264 in
the background), ``sound`` (optional cue), ``runner`` (all of it).
Importing this package does not import mediapipe or open anything.
"""

import liftform.pyav  # noqa: F401, I001 - first: OpenCV before PyAV, or the window hangs (see liftform.pyav)

from liftform.live.runner import LiveConfig, LiveResult, live_defaults, run_live, save_session
from liftform.live.session import LiveSession
from liftform.live.sources import CameraError, CameraSource, CapturedFrame, FileCameraSource, LatestFrame
from liftform.live.types import (
    BackRounded,
    Calibrated,
    LiveEvent,
    LiveFrame,
    LiveOptions,
    LiveStats,
    RepJudged,
    ZeroTaken,
)
from liftform.live.window import DisplayError, LiveWindow

__all__ = [
    "BackRounded", "Calibrated", "CameraError", "CameraSource", "CapturedFrame", "DisplayError", "FileCameraSource",
    "LatestFrame", "LiveConfig", "LiveEvent", "LiveFrame", "LiveOptions", "LiveResult", "LiveSession", "LiveStats",
    "LiveWindow", "RepJudged", "ZeroTaken", "live_defaults", "run_live", "save_session",
]
