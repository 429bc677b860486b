"""Is there a screen to open a window on? Asked by the command line (to train headless
instead) and by every window before it opens."""
from __future__ import annotations

import os
import sys


def has_display() -> bool:
    """True with SDL's dummy/offscreen driver, an X11 or Wayland display, or on Windows/macOS."""
    if os.environ.get("SDL_VIDEODRIVER") in ("dummy", "offscreen"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")) or sys.platform in ("win32", "darwin")
