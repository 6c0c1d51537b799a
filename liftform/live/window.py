"""The live window: OpenCV's ``imshow`` with the overlay, and the keys (q / Esc quit, c recalibrate, r reset count,
n the last rep was checked flat: take the lifter's zero from it).

    with LiveWindow() as window:             # DisplayError (one line) when there is no display to open it on
        action = window.show(rgb)            # "quit" | "calibrate" | "reset" | "neutral" | None (closed: "quit")
"""

from __future__ import annotations

import os
import re
import socket
import sys

import cv2
import numpy as np

from liftform.errors import LiftformError
from liftform.outputs.overlay import PROMPT_RGB, draw_headline

KEY_ACTIONS = {ord("q"): "quit", ord("Q"): "quit", 27: "quit", ord("c"): "calibrate", ord("C"): "calibrate",
               ord("r"): "reset", ord("R"): "reset", ord("n"): "neutral", ord("N"): "neutral"}
X11_SOCKETS = "/tmp/.X11-unix"         # where a local X server's socket is (also in Linux's abstract namespace)
TITLE = "liftform live  (q quit, c recalibrate, r reset count, n last rep checked flat)"
STARTING = "Starting: loading the pose model"


class DisplayError(LiftformError):
    """No display to open the live window on."""


def display_problem() -> str | None:
    """Why a window cannot open here (None if it probably can). On Linux a window needs an X11 (or XWayland)
    display; Qt aborts the whole process when it cannot connect, so this is checked first."""
    if not sys.platform.startswith("linux"):
        return None
    display = os.environ.get("DISPLAY", "")
    if not display:
        return ("no display to open the live window on (DISPLAY is not set): run from a desktop session, or add "
                "--no-window")
    found = re.fullmatch(r"(?P<host>[^:]*):(?P<number>\d+)(\.\d+)?", display)
    if found is None:       # Qt aborted the process ("could not connect to display garbage"), exit status 134
        return f"DISPLAY={display} names no X display (such as :0 or host:10.0): fix it, or add --no-window"
    if not _x_server_answers(found["host"], int(found["number"])):
        return f"no X server answers on DISPLAY={display}: run from a desktop session, or add --no-window"
    return None


def _x_server_answers(host: str, number: int) -> bool:
    """Whether something takes a connection where X display ``host:number`` is served: the local socket (also
    Linux's abstract one, which needs no file), else TCP port 6000 + number (ssh's forwarding, localhost:10). A
    socket file an X server left behind when it was killed takes none: Qt aborted the process there too."""
    local = host in ("", "unix")
    places = [(socket.AF_UNIX, f"{prefix}{X11_SOCKETS}/X{number}") for prefix in ("\0", "")] if local else \
        [(socket.AF_INET, (host, 6000 + number))]
    for family, address in places:
        try:
            with socket.socket(family, socket.SOCK_STREAM) as connection:
                connection.settimeout(2.0)
                connection.connect(address)
                return True
        except OSError:
            continue
    return False


_PYAV_XCB = re.compile(r"/av\.libs/libxcb-(shape|shm|xfixes)")


def library_conflict() -> str | None:
    """Why OpenCV's window would hang in this process (None if it would not). PyAV's wheels bundle their own
    libxcb; when PyAV is loaded before OpenCV, OpenCV's Qt window links against PyAV's xcb extensions and spins at
    100 % CPU forever without showing anything (PyAV issues #978, #1050). `liftform.live` imports cv2 first for that
    reason, but a program may have imported PyAV (e.g. through `liftform.video`) before it."""
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
            conflict = _PYAV_XCB.search(maps.read())
    except OSError:              # not Linux: no such conflict known
        return None
    if conflict:
        return ("PyAV was loaded before OpenCV in this process, and OpenCV's window would hang: import cv2 (or "
                "liftform.live) before av / liftform.video, or use --no-window")
    return None


def starting_frame(size_wh: tuple[int, int]) -> np.ndarray:
    """What the window shows, at the camera's size, until the first frame: the pose model loading (~1 s, where the
    window had been left unpainted, a grey or garbled rectangle)."""
    image = np.full((size_wh[1], size_wh[0], 3), 40, np.uint8)
    draw_headline(image, [(STARTING, PROMPT_RGB)])
    return image


class LiveWindow:
    """One OpenCV window showing RGB frames (converted to BGR for OpenCV), and the keys pressed in it."""

    def __init__(self, title: str = TITLE) -> None:
        problem = display_problem() or library_conflict()
        if problem:
            raise DisplayError(problem)
        self.title = title
        try:
            # Resizable, keeping the picture's shape: the lifter reads it from 2-3 m and may maximise it (with
            # WINDOW_AUTOSIZE the window told the desktop it could be no larger than the camera's frame). No toolbar.
            cv2.namedWindow(self.title, cv2.WINDOW_NORMAL | cv2.WINDOW_KEEPRATIO | cv2.WINDOW_GUI_NORMAL)
        except cv2.error as exc:
            raise DisplayError(f"cannot open the live window: {str(exc).strip().splitlines()[-1][:160]}; "
                               "add --no-window") from None
        self._shown = False

    def __enter__(self) -> LiveWindow:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def show(self, rgb: np.ndarray, wait_ms: int = 1) -> str | None:
        """Show ``rgb`` (H, W, 3) uint8 and handle window events; returns the action of a key pressed, if any."""
        if not self._shown:                  # opens at the frame's own size, as an autosized window did
            cv2.resizeWindow(self.title, rgb.shape[1], rgb.shape[0])
        cv2.imshow(self.title, cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
        self._shown = True
        return self.poll(wait_ms)

    def poll(self, wait_ms: int = 1) -> str | None:
        """Handle window events for ``wait_ms``; the action of a key pressed, "quit" if the window was closed."""
        key = cv2.waitKey(max(1, wait_ms))
        if key != -1 and (key & 0xFF) in KEY_ACTIONS:
            return KEY_ACTIONS[key & 0xFF]
        return "quit" if self._shown and not self._visible() else None

    def _visible(self) -> bool:
        """Whether the window is still open. Closed with its X button (the desktop's WM_DELETE_WINDOW), OpenCV's Qt
        window takes OpenCV's GUI with it: asking then raises "NULL guiReceiver" (it had ended the session in a
        traceback, unsaved), and an ``imshow`` would open the window again."""
        try:
            return cv2.getWindowProperty(self.title, cv2.WND_PROP_VISIBLE) >= 1
        except cv2.error:
            return False

    def close(self) -> None:
        try:
            cv2.destroyWindow(self.title)
            cv2.waitKey(1)
        except cv2.error:
            pass
