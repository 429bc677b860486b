"""What a scene's handle() or update() returns to the window runner (ui.window)."""
from __future__ import annotations

from dataclasses import dataclass

QUIT, BACK, FULLSCREEN, SCREENSHOT = "quit", "back", "fullscreen", "screenshot"


@dataclass(frozen=True)
class Open:
    """Push this scene over the current one (Esc in it comes back)."""
    scene: object


@dataclass(frozen=True)
class Replace:
    """Close the current scene and show this one instead."""
    scene: object
