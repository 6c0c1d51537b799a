"""PyAV, loaded after OpenCV: ``from liftform.pyav import av`` wherever liftform needs PyAV.

PyAV's wheels bundle their own libxcb; loaded before OpenCV's, OpenCV's Qt window links against PyAV's xcb
extensions and spins at 100 % CPU without showing anything (PyAV issues #978, #1050). Importing cv2 first here, the
one place PyAV is imported, keeps the live window working in any process that decodes video too.
`liftform.live.window.library_conflict` says so in one line when something else loaded PyAV first.
"""

import cv2  # noqa: F401, I001 - first: its libxcb must win (see above)
import av

__all__ = ["av"]
