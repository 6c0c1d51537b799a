"""MediaPipe's PoseLandmarkers: imported once and quietly, made, closed, kept for reuse, loaded ahead.

The only module that imports mediapipe. `create_landmarker` makes one (VIDEO or IMAGE mode); `kept_landmarkers`
keeps those done with for the next user in the process and loads those a video will need in the background
(`KeptLandmarkers.preload`); `native_stderr_silenced` keeps MediaPipe's C++ log off the terminal.
`liftform.pose` runs them on frames.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import importlib
import os
import sys
import threading
import types
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from liftform.errors import ModelError
from liftform.interrupts import signals_deferred
from liftform.settings import PoseSettings

# MediaPipe's C++ side logs to stderr at import and model load; keep the terminal for liftform's own messages.
os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


_silence_lock = threading.Lock()
_silence_depth = 0
_saved_stderr_fd: int | None = None


@contextlib.contextmanager
def native_stderr_silenced() -> Iterator[None]:
    """Send file descriptor 2 to /dev/null for the block: MediaPipe's C++ code logs there at model load and on the
    first frames whatever GLOG says. Python-level stderr is flushed first so nothing of ours is lost. Nested and
    concurrent blocks (the pose threads) share one redirection: the first in saves fd 2, the last out restores it."""
    global _silence_depth, _saved_stderr_fd
    with _silence_lock:
        if _silence_depth == 0:
            try:
                sys.stderr.flush()
                saved = os.dup(2)
            except (OSError, ValueError):   # no real stderr (e.g. some embedded runtimes): nothing to silence
                saved = None
            if saved is not None:
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, 2)
                os.close(devnull)
            _saved_stderr_fd = saved
        _silence_depth += 1
    try:
        yield
    finally:
        with _silence_lock:
            _silence_depth -= 1
            if _silence_depth == 0 and _saved_stderr_fd is not None:
                os.dup2(_saved_stderr_fd, 2)
                os.close(_saved_stderr_fd)
                _saved_stderr_fd = None


class _Deferred(types.ModuleType):
    """Stands in for a module while mediapipe is imported; the real module is imported on first use."""

    def __getattr__(self, name: str):
        return getattr(importlib.import_module(self.__name__), name)


# Imported by mediapipe's package init for what liftform never calls: its drawing helpers import matplotlib.pyplot
# (about half a second of CPU), its audio tasks sounddevice (which looks for PortAudio with `ldconfig`: ~35 ms).
UNUSED_BY_MEDIAPIPE = ("matplotlib", "matplotlib.pyplot", "sounddevice")


@contextlib.contextmanager
def _unused_modules_deferred() -> Iterator[None]:
    """While mediapipe is imported, the modules of UNUSED_BY_MEDIAPIPE not imported yet are stand-ins that import
    the real module if ever used; afterwards the real ones import as usual."""
    stand_ins = {name: _Deferred(name) for name in UNUSED_BY_MEDIAPIPE if name not in sys.modules}
    for name, stand_in in stand_ins.items():
        parent, _, child = name.rpartition(".")
        if parent in stand_ins:
            setattr(stand_ins[parent], child, stand_in)
    sys.modules.update(stand_ins)
    try:
        yield
    finally:
        for name, stand_in in stand_ins.items():
            if sys.modules.get(name) is stand_in:
                del sys.modules[name]


_import_lock = threading.Lock()
_mediapipe_module = None


def mediapipe_module():
    """The mediapipe package (imported once, without what it imports for nothing: UNUSED_BY_MEDIAPIPE; the pose
    threads call this for every frame)."""
    global _mediapipe_module
    if _mediapipe_module is None:
        with _import_lock, _unused_modules_deferred():
            import mediapipe
            from mediapipe.tasks.python import vision  # noqa: F401  (loads the vision tasks under the same guard)
            _mediapipe_module = mediapipe
    return _mediapipe_module


def import_in_background() -> None:
    """Start importing mediapipe in a thread (about 0.2 s), so that it overlaps with opening the video."""
    if _mediapipe_module is None:
        start_in_background(mediapipe_module, "liftform-import")


_background: list[threading.Thread] = []       # threads the interpreter's exit waits for
_background_lock = threading.Lock()
JOIN_AT_EXIT_S = 30.0


def start_in_background(target: Callable[[], object], name: str) -> None:
    """Run ``target`` in a daemon thread that the interpreter's exit waits for (up to ``JOIN_AT_EXIT_S``): a run
    that fails at once (a bad file, a missing model) would otherwise exit while the thread is inside mediapipe's
    native import or model loading, which can crash the interpreter on its way out (seen once: a segmentation
    fault after the one-line error for an audio-only file)."""
    thread = threading.Thread(target=target, name=name, daemon=True)
    with _background_lock:
        if not _background_hook_registered:
            _register_background_hook()
        _background[:] = [t for t in _background if t.is_alive()]      # a batch worker starts one a video
        _background.append(thread)
    thread.start()


_background_hook_registered = False


def _register_background_hook() -> None:
    global _background_hook_registered
    # Registered after kept_landmarkers' hook, so run before it (last registered, first run): the loads a joined
    # thread starts are then among those kept_landmarkers waits for and closes.
    at_interpreter_exit(_join_background)
    _background_hook_registered = True


def _join_background() -> None:
    with _background_lock:
        threads = list(_background)
    with signals_deferred(deliver=False):      # leaving anyway: a Ctrl-C now would only crash the way out
        for thread in threads:
            thread.join(JOIN_AT_EXIT_S)


def create_landmarker(model_path: str | Path, settings: PoseSettings, *, video: bool, num_poses: int,
                      masks: bool):
    """A MediaPipe PoseLandmarker: VIDEO mode (one ordered stream: it tracks the pose between frames and runs its
    person detector only when tracking is lost) or IMAGE mode (detector on every call). ModelError if it cannot
    load."""
    mediapipe_module()
    from mediapipe.tasks.python import BaseOptions, vision

    options = vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(model_path)),
        running_mode=vision.RunningMode.VIDEO if video else vision.RunningMode.IMAGE,
        num_poses=num_poses,
        min_pose_detection_confidence=settings.min_detection_confidence,
        min_pose_presence_confidence=settings.min_presence_confidence,
        min_tracking_confidence=settings.min_tracking_confidence,
        output_segmentation_masks=masks,
    )
    try:
        with native_stderr_silenced():
            return vision.PoseLandmarker.create_from_options(options)
    except Exception as exc:  # MediaPipe raises RuntimeError/ValueError with long C++ messages
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModelError(f"cannot load pose model {model_path}: {first_line[:200]}") from None


# A person standing side-on in a 256 px square: the first frame `liftform.synth` renders of
# LiftSpec(width_px=256, height_px=256, reps=1, fps=5, supersample=1) (tests/test_warm_up.py checks that it is).
STANDING_PERSON_PNG = Path(__file__).with_name("assets") / "standing_person.png"


@functools.cache
def standing_person() -> np.ndarray | None:
    """`STANDING_PERSON_PNG` as (256, 256, 3) RGB uint8; None where it cannot be read (a broken install: the
    warm-up then runs on the blank frame alone, and only the first frames are slower)."""
    import cv2

    bgr = cv2.imread(str(STANDING_PERSON_PNG), cv2.IMREAD_COLOR)
    return None if bgr is None else np.ascontiguousarray(bgr[..., ::-1])


def warm_up(landmarker, clock: Callable[[float], int] | None = None, person: bool = False) -> None:
    """Run ``landmarker`` once on a blank frame (``clock``: a VIDEO-mode one's, which gives its timestamps). Its
    first run costs 20-200 ms more than the next, and a blank frame takes most of that off the first real frame;
    nobody is in it, so a VIDEO-mode landmarker then holds no person, as a new one. With ``person``, first on a
    picture of one (`standing_person`): the person detector alone runs on a blank frame, and the landmark and
    mask networks' first run came on a camera's first frame (live with lite: 85-110 ms for the first frame, and
    45 ms for the next, on the second landmarker, where 33 ms is a 30 fps camera's interval: a frame dropped)."""
    blank = mp_image(np.zeros((256, 256, 3), np.uint8))
    someone = standing_person() if person else None
    images = [blank] if someone is None else [mp_image(someone), blank]
    with native_stderr_silenced():
        for image in images:
            if clock is None:
                landmarker.detect(image)
            else:
                landmarker.detect_for_video(image, clock(0.0))


def close_landmarker(landmarker) -> None:
    with native_stderr_silenced():   # the runtime logs its teardown too
        landmarker.close()


def at_interpreter_exit(close: Callable[[], None]) -> None:
    """Run ``close`` at exit while MediaPipe can still close a landmarker. Each landmarker sends its calls through
    its own thread pool, and the interpreter stops every pool's threads *before* `atexit` handlers run: an `atexit`
    close then fails with a traceback per landmarker (seen where mediapipe is imported before liftform). The
    threading module's exit hooks run before the pools stop (last registered, first run)."""
    import concurrent.futures.thread  # noqa: F401  (its hook, which stops the pools, must be registered first)

    register = getattr(threading, "_register_atexit", None)     # CPython 3.9+; not public API
    if register is None:
        atexit.register(close)
        return
    register(close)


class KeptLandmarkers:
    """Landmarkers done with, kept for the next user in this process (the next video of a `score` worker, of
    `analyze A B`), which then does not load the model again (~50-65 ms of CPU each; a video loads two or three).
    IMAGE mode keeps nothing between calls, so a kept one gives what a new one would, bit for bit; a new one is run
    once on a blank frame (`warm_up`), so that its slow first run is not a video's or a camera's first frame. A
    VIDEO-mode one (`ahead.AheadRunner`'s tracker) keeps its last frame's state and clock: its next user empties it
    with a blank frame and goes on from its `last_ms`. `preload` loads IMAGE-mode ones before they are needed, in
    threads of their own: MediaPipe loads a model without the GIL, beside what the caller does meanwhile (opening
    the video, reading its first frames)."""

    MAX_PER_KIND = 4

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._idle: dict[tuple, list] = {}
        self._kind: dict[int, tuple] = {}          # id(landmarker) -> its kind, for those made here
        self._last_ms: dict[int, int] = {}         # id(VIDEO-mode landmarker kept) -> the last timestamp it was given
        self._loading: dict[tuple, int] = {}       # kind -> how many `preload` is loading now
        self._exiting = False
        at_interpreter_exit(self._close_at_exit)

    @staticmethod
    def _kind_of(model_path: str | Path, settings: PoseSettings, num_poses: int, masks: bool,
                 video: bool = False) -> tuple:
        path = Path(model_path).resolve()
        try:
            stat = path.stat()
            version = (stat.st_mtime_ns, stat.st_size)     # a bundle replaced at the same path is another model
        except OSError:
            version = None
        return (str(path), version, num_poses, masks, settings.min_detection_confidence,
                settings.min_presence_confidence, settings.min_tracking_confidence, video)

    def preload(self, model_path: str | Path, settings: PoseSettings, num_poses: int, masks: bool,
                count: int = 1) -> None:
        """Start loading landmarkers of this kind until ``count`` are kept or loading; `take` then waits for one
        being loaded rather than load another. A model that fails to load here is left to `take`, which loads it
        again and raises the error where it belongs."""
        kind = self._kind_of(model_path, settings, num_poses, masks)
        with self._lock:
            missing = count - len(self._idle.get(kind, ())) - self._loading.get(kind, 0)
            if missing <= 0 or self._exiting:
                return
            for _ in range(missing):
                try:
                    threading.Thread(target=self._load, args=(kind, model_path, settings, num_poses, masks),
                                     name="liftform-preload", daemon=True).start()
                except RuntimeError:               # no new thread (the interpreter is shutting down)
                    return
                self._loading[kind] = self._loading.get(kind, 0) + 1

    def _load(self, kind: tuple, model_path: str | Path, settings: PoseSettings, num_poses: int,
              masks: bool) -> None:
        try:
            landmarker = self._made(model_path, settings, num_poses, masks, video=False)
        except Exception:
            landmarker = None
        with self._lock:
            self._loading[kind] -= 1
            if landmarker is not None:
                self._kind[id(landmarker)] = kind
                self._idle.setdefault(kind, []).append(landmarker)
            self._lock.notify_all()

    def take(self, model_path: str | Path, settings: PoseSettings, num_poses: int, masks: bool,
             video: bool = False, new: bool = False):
        """A landmarker of this kind: one kept, else one being preloaded, else a new one (``new``: a new one in any
        case; kept like the others when given back). ``video``: VIDEO mode, whose state (tracking, smoothing) a
        kept one still holds: see `last_ms`."""
        kind = self._kind_of(model_path, settings, num_poses, masks, video)
        with self._lock:
            while not new and not self._idle.get(kind) and self._loading.get(kind, 0) > 0:
                self._lock.wait()
            idle = self._idle.get(kind)
            if idle and not new:
                return idle.pop()
        landmarker = self._made(model_path, settings, num_poses, masks, video)
        with self._lock:
            self._kind[id(landmarker)] = kind
        return landmarker

    @staticmethod
    def _made(model_path: str | Path, settings: PoseSettings, num_poses: int, masks: bool, video: bool):
        """A new landmarker; an IMAGE-mode one run once on a blank frame (`warm_up`: a VIDEO-mode one's first
        timestamp is its user's to give). Closed again if that fails."""
        landmarker = create_landmarker(model_path, settings, video=video, num_poses=num_poses, masks=masks)
        if not video:
            try:
                warm_up(landmarker)
            except BaseException:
                close_landmarker(landmarker)
                raise
        return landmarker

    def last_ms(self, landmarker) -> int:
        """The last timestamp (ms) a VIDEO-mode landmarker from `take` was given before it was given back (the next
        must be later); -1 for one never given back."""
        with self._lock:
            return self._last_ms.get(id(landmarker), -1)

    def give_back(self, landmarker, last_ms: int = -1) -> None:
        """Keep ``landmarker`` for the next `take` of its kind (``last_ms``: a VIDEO-mode one's last timestamp), or
        close it where enough are kept."""
        with self._lock:
            kind = self._kind.get(id(landmarker))
            idle = self._idle.setdefault(kind, []) if kind is not None else None
            if idle is not None and len(idle) < self.MAX_PER_KIND:
                idle.append(landmarker)
                self._last_ms[id(landmarker)] = last_ms
                return
            self._kind.pop(id(landmarker), None)
            self._last_ms.pop(id(landmarker), None)
        close_landmarker(landmarker)

    def discard(self, landmarker) -> None:
        """Close a landmarker from `take` that must not be used again."""
        with self._lock:
            self._kind.pop(id(landmarker), None)
            self._last_ms.pop(id(landmarker), None)
        close_landmarker(landmarker)

    def _close_at_exit(self) -> None:
        with self._lock:
            self._exiting = True                   # nothing more is loaded: it would never be closed
        # A Ctrl-C pressed again as a stopped run exits had raised KeyboardInterrupt inside MediaPipe's close,
        # and the interpreter crashed on its way out (a segmentation fault after a live session was saved).
        with signals_deferred(deliver=False):
            self.close_all()

    def close_all(self) -> None:
        """Close every kept landmarker, after those still loading (at exit: a run that failed early, a bad file,
        may end while its models load)."""
        with self._lock:
            while any(self._loading.values()):
                self._lock.wait()
            idle = [landmarker for kept in self._idle.values() for landmarker in kept]
            self._idle.clear()
            self._kind.clear()
            self._last_ms.clear()
        for landmarker in idle:
            close_landmarker(landmarker)


kept_landmarkers = KeptLandmarkers()


def mp_image(rgb: np.ndarray):
    mp = mediapipe_module()
    return mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))
